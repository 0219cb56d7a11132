/**
 * The demo's Pulumi program (project `qemu-binfmt-demo`, ../Pulumi.yaml): one BinfmtHost per host in stack
 * config. `npm run demo` fills the config from a lab host; point it at your own hosts the same way (README).
 *
 * Stack config (namespace qemu-binfmt-demo):
 *   hosts           list of { name, address, port?, user?, hostKey?, privateKeyPath?, architectures? }
 *   architectures   default targets for every host (Pulumi.yaml default: ["arm", "aarch64"])
 *   privateKey      (secret) one key for hosts without privateKeyPath:
 *                   pulumi config set --secret privateKey < ~/.ssh/id_ed25519
 *
 * The private key is read from the file named by privateKeyPath (or the secret config value) and passed as
 * a secret: encrypted in the state, masked in logs. The config itself holds only the path.
 */
import { readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { BinfmtHost, HostReport } from "pulumi-qemu-binfmt";

interface HostEntry {
  /** Names the host's resources; keep it stable. */
  name: string;
  address: string;
  port?: number;
  /** root, or a user with passwordless sudo. @default "root" */
  user?: string;
  /** "ssh-ed25519 AAAA…" (known_hosts without the host name): pins the host key. */
  hostKey?: string;
  /** The SSH private key file on this machine. */
  privateKeyPath?: string;
  /** Targets for this host instead of the stack's `architectures`. */
  architectures?: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

/** Checks the `hosts` config by hand, naming the offending key. */
function parseHosts(raw: unknown): HostEntry[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new Error("config `hosts` must be a non-empty list, e.g. pulumi config set --path 'hosts[0].address' 192.0.2.10");
  }
  return raw.map((h: unknown, i: number): HostEntry => {
    const at = `config hosts[${i}]`;
    if (!isRecord(h)) throw new Error(`${at} must be an object`);
    const { name, address, port, user, hostKey, privateKeyPath, architectures } = h;
    if (typeof address !== "string" || address === "") throw new Error(`${at}.address is required (DNS name or IP)`);
    if (name !== undefined && (typeof name !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(name))) {
      throw new Error(`${at}.name must be lower-case letters, digits and "-"`);
    }
    if (port !== undefined && (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new Error(`${at}.port must be a port number`);
    }
    for (const [key, v] of Object.entries({ user, hostKey, privateKeyPath })) {
      if (v !== undefined && typeof v !== "string") throw new Error(`${at}.${key} must be a string`);
    }
    if (architectures !== undefined && !isStringList(architectures)) throw new Error(`${at}.architectures must be a list of strings`);
    return {
      name: typeof name === "string" ? name : `host${i + 1}`,
      address,
      ...(typeof port === "number" ? { port } : {}),
      ...(typeof user === "string" ? { user } : {}),
      ...(typeof hostKey === "string" ? { hostKey } : {}),
      ...(typeof privateKeyPath === "string" ? { privateKeyPath } : {}),
      ...(architectures !== undefined ? { architectures } : {}),
    };
  });
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}

const config = new pulumi.Config();
const hosts = parseHosts(config.requireObject<unknown>("hosts"));
const architectures = config.getObject<string[]>("architectures") ?? ["arm", "aarch64"];
const sharedKey = config.getSecret("privateKey");

const built = hosts.map((h) => {
  // The key's contents go in as a secret; the component wraps it again, so it is never stored in plain text.
  const privateKey = h.privateKeyPath !== undefined ? pulumi.secret(readFileSync(expandHome(h.privateKeyPath), "utf8")) : sharedKey;
  const host = new BinfmtHost(h.name, {
    connection: {
      host: h.address,
      ...(h.port !== undefined ? { port: h.port } : {}),
      ...(h.user !== undefined ? { user: h.user } : {}),
      ...(h.hostKey !== undefined ? { hostKey: h.hostKey } : {}),
      ...(privateKey !== undefined ? { privateKey } : {}),
    },
    architectures: h.architectures ?? architectures,
    // The defaults, spelled out: flag F (the article's "fix binary"), one file per target in /etc/binfmt.d,
    // the acceptance check through a remote command (`docker run IMAGE uname -m` on the host). Choose
    // acceptance.via = AcceptanceVia.DockerProvider to run it through @pulumi/docker instead (needs the
    // docker provider plugin, a local ssh client and privateKeyPath).
  });
  return { name: h.name, host };
});

function byHost<T>(pick: (host: BinfmtHost) => pulumi.Output<T>): pulumi.Output<Record<string, pulumi.Unwrap<T>>> {
  return pulumi.all(built.map(({ name, host }) => pick(host).apply((v): [string, T] => [name, v]))).apply((e) => Object.fromEntries(e));
}

/** Per host, the readable lines: the host, then one line per target. */
export const summaries = byHost((h) => h.summary);
/** Per host and target, what `docker run <image> uname -m` printed on the host ("" when no check ran). */
export const uname = byHost((h) => h.targets.apply((t) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.acceptance.actual]))));
/** Per host, everything: facts, packages, targets (file, interpreter, flags, acceptance), rules hash. */
export const reports = byHost((h): pulumi.Output<HostReport> => h.report);
