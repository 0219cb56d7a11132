/**
 * The program's own SSH client, for the one read-only observation session per host and run
 * (./observe.ts). It uses `ssh2` (mscdex/ssh2, the maintained pure-JS SSH2 client) with the same
 * connection settings as the host's `remote.Command`s: user, port, private key (+ passphrase), agent
 * socket, pinned host key, one bastion hop, `dialErrorLimit` attempts of `perDialTimeout` seconds each.
 *
 * Differences from `@pulumi/command`, on purpose: a host-key mismatch or a refused login fails at once
 * (retrying cannot fix either), and the connection is closed as soon as the command ends.
 */
import { Client, ConnectConfig, ServerHostKeyAlgorithm } from "ssh2";
import { Duplex } from "node:stream";

/** Plain (resolved) connection values. */
export interface SshEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey?: string;
  readonly privateKeyPassword?: string;
  /** "ssh-ed25519 AAAA…": when set, the server must present exactly this key. */
  readonly hostKey?: string;
  readonly agentSocketPath?: string;
  /** Failed dials before giving up; -1 for unlimited. */
  readonly dialErrorLimit: number;
  /** Seconds per dial attempt. */
  readonly perDialTimeout: number;
  readonly proxy?: SshEndpoint;
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A dial error that retrying cannot fix. */
class PermanentDialError extends Error {}

function hostKeyBlob(hostKey: string): string {
  const parts = hostKey.trim().split(/\s+/);
  // "ssh-ed25519 AAAA… comment" or "host ssh-ed25519 AAAA…": the blob is the base64 word after the type.
  const i = parts.findIndex((p) => /^(ssh-|ecdsa-|sk-)/.test(p));
  return parts[i + 1] ?? parts[0] ?? "";
}

function hostKeyType(hostKey: string): string | undefined {
  return hostKey
    .trim()
    .split(/\s+/)
    .find((p) => /^(ssh-|ecdsa-|sk-)/.test(p));
}

function dialOnce(ep: SshEndpoint, sock: Duplex | undefined): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let mismatch = false;
    const config: ConnectConfig = {
      host: ep.host,
      port: ep.port,
      username: ep.user,
      readyTimeout: ep.perDialTimeout * 1000,
      keepaliveInterval: 0,
    };
    if (sock !== undefined) config.sock = sock;
    if (ep.privateKey !== undefined) config.privateKey = ep.privateKey;
    if (ep.privateKeyPassword !== undefined) config.passphrase = ep.privateKeyPassword;
    const agent = ep.agentSocketPath ?? (ep.privateKey === undefined ? process.env["SSH_AUTH_SOCK"] : undefined);
    if (agent !== undefined && agent !== "") config.agent = agent;
    if (ep.hostKey !== undefined) {
      const pinned = hostKeyBlob(ep.hostKey);
      // Ask for the pinned key's type only: a server with several host keys presents the one the client
      // prefers (ssh2: ed25519 first), which would not be the pinned ECDSA or RSA key.
      const type = hostKeyType(ep.hostKey);
      if (type !== undefined) config.algorithms = { serverHostKey: (type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type]) as ServerHostKeyAlgorithm[] };
      config.hostVerifier = (key: Buffer) => {
        mismatch = key.toString("base64") !== pinned;
        return !mismatch;
      };
    }
    client.once("ready", () => resolve(client));
    client.once("error", (err: Error & { level?: string }) => {
      client.end();
      if (mismatch) reject(new PermanentDialError(`host key mismatch: ${ep.host}:${ep.port} did not present the pinned connection.hostKey`));
      else if (err.level === "client-authentication") reject(new PermanentDialError(`${ep.user}@${ep.host}:${ep.port} refused every key offered (${err.message})`));
      else reject(err);
    });
    client.connect(config);
  });
}

async function dial(ep: SshEndpoint, sock?: () => Promise<Duplex>): Promise<Client> {
  let last: unknown;
  for (let attempt = 1; ; attempt++) {
    try {
      return await dialOnce(ep, sock === undefined ? undefined : await sock());
    } catch (e) {
      last = e;
      // dialErrorLimit failures are retried, as @pulumi/command does: dialErrorLimit + 1 attempts in all.
      if (e instanceof PermanentDialError || (ep.dialErrorLimit >= 0 && attempt > ep.dialErrorLimit)) break;
      await new Promise((r) => setTimeout(r, Math.min(attempt * 500, 5000)));
    }
  }
  const msg = last instanceof Error ? last.message : String(last);
  throw new Error(`ssh ${ep.user}@${ep.host}:${ep.port}: ${msg}`);
}

function forward(via: Client, host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => via.forwardOut("127.0.0.1", 0, host, port, (err, stream) => (err ? reject(err) : resolve(stream))));
}

/**
 * Run `command` on the host with `stdin`, collect its output, close the connection. Rejects when the
 * host cannot be reached (after the dial attempts) or the command outlives `timeoutMs`; a non-zero exit
 * is a result, not an error.
 */
export async function sshExec(ep: SshEndpoint, command: string, stdin: string, timeoutMs: number): Promise<ExecResult> {
  let bastion: Client | undefined;
  let client: Client | undefined;
  try {
    if (ep.proxy !== undefined) {
      const via = await dial(ep.proxy);
      bastion = via;
      client = await dial(ep, () => forward(via, ep.host, ep.port));
    } else {
      client = await dial(ep);
    }
    const c = client;
    return await new Promise<ExecResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ssh ${ep.user}@${ep.host}:${ep.port}: the command did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
      c.exec(command, (err, stream) => {
        if (err) {
          clearTimeout(timer);
          reject(err);
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        stream.on("data", (d: Buffer) => out.push(d));
        stream.stderr.on("data", (d: Buffer) => errOut.push(d));
        stream.on("close", (code: number | null) => {
          clearTimeout(timer);
          resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(errOut).toString("utf8") });
        });
        stream.end(stdin);
      });
    });
  } finally {
    client?.end();
    bastion?.end();
  }
}
