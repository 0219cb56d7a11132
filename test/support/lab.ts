// The lab's test hosts (dev/lab/lab.sh), as seen from tests.
//
// `labUp` runs `bash dev/lab/lab.sh up ...` synchronously and parses the JSON it prints (schema in
// dev/lab/README.md); `sshExec` runs a command on a host with the system ssh client, the lab key and
// the host key pinned from that JSON (a temporary known_hosts file, StrictHostKeyChecking=yes).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export type LabInit = "systemd" | "none";

export interface LabHost {
  name: string;
  suite: string;
  /** "systemd": nspawn machine with systemd as PID 1; "none": plain namespaces, no systemd. */
  init: LabInit;
  /** Started with `up --noapt`: no apt or dpkg on the host's PATH. */
  noapt: boolean;
  address: string;
  port: number;
  /** Login names: `root`, and a non-root user with passwordless sudo and docker access. */
  users: { root: string; sudo: string };
  privateKeyPath: string;
  /** "ssh-ed25519 AAAA…": pin it (known_hosts), never trust on first use. */
  hostPublicKey: string;
  hostKeyType: string;
}

export interface LabServices {
  /** Base URL of the apt server; a host's repo is `${apt}/${suite}/`. */
  apt?: string;
  /** host:port of the registry (plain HTTP), already configured as docker.io mirror in every host. */
  registry?: string;
}

export interface LabInfo {
  gateway: string | null;
  /** Empty when dev/lab/services.sh is missing. */
  services: LabServices;
  hosts: LabHost[];
}

export interface LabUpOptions {
  /** Hosts with systemd (default 2). */
  hosts?: number;
  /** Suite per host, cycling (default bookworm, trixie). */
  suites?: string[];
  /** Extra hosts without systemd (default 0). */
  plain?: number;
  /** Host names are `${prefix}1..N` and `${prefix}p1..N` for plain ones (default "lab"). */
  prefix?: string;
  /** Reset the hosts' disks (overlay upper dirs, docker data) and restart them. */
  fresh?: boolean;
  /** Hosts without a package manager: apt, apt-get, apt-cache, dpkg, dpkg-query are not on PATH. */
  noapt?: boolean;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SshOptions {
  /** Kill ssh after this long (default 120 s); the result then has code 124. */
  timeoutMs?: number;
  /** Written to the remote command's stdin. */
  input?: string;
}

/** The checkout this file lives in (walks up to the directory holding dev/lab/lab.sh). */
export const labRepoRoot: string = (() => {
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, "dev", "lab", "lab.sh"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(__dirname, "..", "..");
    dir = up;
  }
})();

const LAB_SH = path.join(labRepoRoot, "dev", "lab", "lab.sh");

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown, what: string): string {
  if (typeof v !== "string") throw new Error(`lab JSON: ${what} is not a string`);
  return v;
}

function parseHost(v: unknown, i: number): LabHost {
  if (!isRecord(v)) throw new Error(`lab JSON: hosts[${i}] is not an object`);
  const users = v.users;
  if (!isRecord(users)) throw new Error(`lab JSON: hosts[${i}].users is not an object`);
  const init = v.init;
  if (init !== "systemd" && init !== "none") throw new Error(`lab JSON: hosts[${i}].init is ${String(init)}`);
  if (typeof v.port !== "number") throw new Error(`lab JSON: hosts[${i}].port is not a number`);
  return {
    name: str(v.name, `hosts[${i}].name`),
    suite: str(v.suite, `hosts[${i}].suite`),
    init,
    noapt: v.noapt === true,
    address: str(v.address, `hosts[${i}].address`),
    port: v.port,
    users: { root: str(users.root, "users.root"), sudo: str(users.sudo, "users.sudo") },
    privateKeyPath: str(v.privateKeyPath, `hosts[${i}].privateKeyPath`),
    hostPublicKey: str(v.hostPublicKey, `hosts[${i}].hostPublicKey`),
    hostKeyType: str(v.hostKeyType, `hosts[${i}].hostKeyType`),
  };
}

/** Validates lab.sh's JSON (up, status --json). */
export function parseLabInfo(text: string): LabInfo {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`lab.sh printed no JSON: ${(e as Error).message}\n${text.slice(0, 2000)}`);
  }
  if (!isRecord(v)) throw new Error("lab JSON: not an object");
  const services: LabServices = {};
  if (isRecord(v.services)) {
    if (typeof v.services.apt === "string") services.apt = v.services.apt;
    if (typeof v.services.registry === "string") services.registry = v.services.registry;
  }
  if (!Array.isArray(v.hosts)) throw new Error("lab JSON: hosts is not an array");
  return {
    gateway: typeof v.gateway === "string" ? v.gateway : null,
    services,
    hosts: v.hosts.map((h: unknown, i: number) => parseHost(h, i)),
  };
}

/** Runs `bash dev/lab/lab.sh ARGS`; throws with lab.sh's stderr when it fails. */
export function runLab(args: string[], timeoutMs = 20 * 60_000): string {
  const r = spawnSync("bash", [LAB_SH, ...args], {
    cwd: labRepoRoot,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`lab.sh ${args.join(" ")}: ${r.error.message}\n${r.stderr ?? ""}`);
  if (r.status !== 0) {
    const tail = (r.stderr ?? "").split("\n").slice(-40).join("\n");
    throw new Error(`lab.sh ${args.join(" ")} exited ${String(r.status ?? r.signal)}:\n${tail}`);
  }
  if (process.env.PQB_LAB_VERBOSE) process.stderr.write(r.stderr);
  return r.stdout;
}

/** Brings hosts up (idempotent: running hosts with the same spec are left alone). */
export function labUp(opts: LabUpOptions = {}): LabInfo {
  const args = ["up"];
  if (opts.hosts !== undefined) args.push("--hosts", String(opts.hosts));
  for (const s of opts.suites ?? []) args.push("--suite", s);
  if (opts.plain !== undefined) args.push("--plain", String(opts.plain));
  if (opts.prefix !== undefined) args.push("--prefix", opts.prefix);
  if (opts.fresh) args.push("--fresh");
  if (opts.noapt) args.push("--noapt");
  return parseLabInfo(runLab(args));
}

/** The running hosts (every prefix). */
export function labStatus(): LabInfo {
  return parseLabInfo(runLab(["status", "--json"], 60_000));
}

/** A real reboot (clean poweroff, boot), returns once sshd answers again. */
export function labReboot(name: string): LabInfo {
  runLab(["reboot", name], 5 * 60_000);
  return labStatus();
}

/** Stops the named hosts (all of the lab, bridge and services too, when none is named). */
export function labDown(names: string[] = []): void {
  runLab(["down", ...names], 5 * 60_000);
}

export function findHost(info: LabInfo, name: string): LabHost {
  const h = info.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`lab host ${name} is not running (running: ${info.hosts.map((x) => x.name).join(", ") || "none"})`);
  return h;
}

const knownHostsFiles = new Map<string, string>();
let knownHostsDir: string | undefined;

/** A known_hosts file pinning this host's key (one per address and key). */
export function knownHostsFile(host: LabHost): string {
  const id = `${host.address} ${host.port} ${host.hostPublicKey}`;
  let file = knownHostsFiles.get(id);
  if (!file) {
    knownHostsDir ??= mkdtempSync(path.join(tmpdir(), "pqb-lab-known-hosts-"));
    file = path.join(knownHostsDir, `${host.name}-${knownHostsFiles.size}`);
    const target = host.port === 22 ? host.address : `[${host.address}]:${host.port}`;
    writeFileSync(file, `${target} ${host.hostPublicKey}\n`, { mode: 0o600 });
    knownHostsFiles.set(id, file);
  }
  return file;
}

/** The ssh options that reach `host` with the lab key and its pinned host key. */
export function sshArgs(host: LabHost): string[] {
  return [
    "-i",
    host.privateKeyPath,
    "-p",
    String(host.port),
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${knownHostsFile(host)}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "ConnectTimeout=10",
    "-o",
    "LogLevel=ERROR",
  ];
}

/** Runs `command` (a shell command line) on `host` as `user`. Never throws on a non-zero exit. */
export function sshExec(host: LabHost, user: string, command: string, opts: SshOptions = {}): ExecResult {
  const r = spawnSync("ssh", [...sshArgs(host), `${user}@${host.address}`, command], {
    encoding: "utf8",
    input: opts.input ?? "",
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code !== "ETIMEDOUT") throw r.error;
  const code = r.status ?? 124;
  return { code, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}
