/**
 * fleet-from-config: a BinfmtFleet whose hosts come from stack config, so adding a build host is a config
 * change, not a code change. Every host can be reached directly or through one bastion (connection.proxy).
 *
 * Stack config (namespace fleet-from-config):
 *   hosts          list of { id, address, port?, user?, hostKey?, privateKeyPath?, architectures? }  (required)
 *   architectures  targets for every host (default ["arm", "aarch64"])
 *   bastion        optional { address, port?, user?, hostKey?, privateKeyPath? }: every host is reached through it
 *   privateKey     optional secret: the key for hosts (and the bastion) without privateKeyPath
 * See README.md.
 */
import { readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { BinfmtFleet, FleetHost, HostConnection, ProxyConnection } from "pulumi-qemu-binfmt";

interface SshEndpoint {
  address: string;
  port?: number;
  user?: string;
  hostKey?: string;
  privateKeyPath?: string;
}

interface HostEntry extends SshEndpoint {
  /** Stable id: names the host's resources, so reordering the list replaces nothing. */
  id: string;
  architectures?: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** One host or the bastion from config, checked by hand so that a mistake names its key. */
function parseEndpoint(v: unknown, at: string): SshEndpoint {
  if (!isRecord(v)) throw new Error(`config ${at} must be an object`);
  const { address, port, user, hostKey, privateKeyPath } = v;
  if (typeof address !== "string" || address === "") throw new Error(`config ${at}.address is required`);
  if (port !== undefined && (typeof port !== "number" || !Number.isInteger(port))) throw new Error(`config ${at}.port must be a number`);
  for (const [k, s] of Object.entries({ user, hostKey, privateKeyPath })) {
    if (s !== undefined && typeof s !== "string") throw new Error(`config ${at}.${k} must be a string`);
  }
  return {
    address,
    ...(typeof port === "number" ? { port } : {}),
    ...(typeof user === "string" ? { user } : {}),
    ...(typeof hostKey === "string" ? { hostKey } : {}),
    ...(typeof privateKeyPath === "string" ? { privateKeyPath } : {}),
  };
}

function parseHost(v: unknown, i: number): HostEntry {
  const at = `hosts[${i}]`;
  const endpoint = parseEndpoint(v, at);
  const { id, architectures } = v as Record<string, unknown>;
  if (typeof id !== "string") throw new Error(`config ${at}.id is required (lower-case letters, digits, "-")`);
  if (architectures !== undefined && !(Array.isArray(architectures) && architectures.every((a) => typeof a === "string"))) {
    throw new Error(`config ${at}.architectures must be a list of strings`);
  }
  return { ...endpoint, id, ...(architectures !== undefined ? { architectures: architectures as string[] } : {}) };
}

const config = new pulumi.Config();
const rawHosts = config.requireObject<unknown>("hosts");
if (!Array.isArray(rawHosts) || rawHosts.length === 0) throw new Error("config hosts must be a non-empty list");
const hosts = rawHosts.map(parseHost);
const rawBastion = config.getObject<unknown>("bastion");
const bastion = rawBastion === undefined ? undefined : parseEndpoint(rawBastion, "bastion");
const sharedKey = config.getSecret("privateKey");

/** The key for one endpoint, always as a secret (file contents never reach the state in plain text). */
function keyFor(e: SshEndpoint): pulumi.Output<string> | undefined {
  if (e.privateKeyPath === undefined) return sharedKey;
  const file = e.privateKeyPath === "~" || e.privateKeyPath.startsWith("~/") ? path.join(os.homedir(), e.privateKeyPath.slice(1)) : e.privateKeyPath;
  return pulumi.secret(readFileSync(file, "utf8"));
}

function endpointArgs(b: SshEndpoint): ProxyConnection {
  const key = keyFor(b);
  return {
    host: b.address,
    ...(b.port !== undefined ? { port: b.port } : {}),
    ...(b.user !== undefined ? { user: b.user } : {}),
    ...(b.hostKey !== undefined ? { hostKey: b.hostKey } : {}),
    ...(key !== undefined ? { privateKey: key } : {}),
  };
}

function connectionArgs(h: HostEntry): HostConnection {
  // A host's connection is its endpoint (as for the bastion) plus the optional bastion hop.
  return { ...endpointArgs(h), ...(bastion !== undefined ? { proxy: endpointArgs(bastion) } : {}) };
}

const fleetHosts: FleetHost[] = hosts.map((h) => ({
  id: h.id,
  connection: connectionArgs(h),
  ...(h.architectures !== undefined ? { architectures: h.architectures } : {}),
}));

const fleet = new BinfmtFleet("builders", {
  hosts: fleetHosts,
  architectures: config.getObject<string[]>("architectures") ?? ["arm", "aarch64"],
});

/** Per host id and target: what `docker run <image> uname -m` printed ("" when no check ran). */
export const uname = fleet.hostReports.apply((hs) =>
  Object.fromEntries(Object.entries(hs).map(([id, r]) => [id, Object.fromEntries(Object.entries(r.targets).map(([t, x]) => [t, x.acceptance.actual]))])),
);
/** Per host id: machine and distribution. */
export const machines = fleet.hostReports.apply((hs) => Object.fromEntries(Object.entries(hs).map(([id, r]) => [id, `${r.facts.machine} ${r.facts.distroName}`])));
/** Every host's readable summary. */
export const summary = fleet.summary;
