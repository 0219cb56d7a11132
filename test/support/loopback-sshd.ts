// A throwaway OpenSSH server on 127.0.0.1 for the toolchain tests: a free port, fresh host and user keys in a
// directory of the caller's, started by the test and stopped by its PID. Needs /usr/sbin/sshd (Debian:
// openssh-server; PQB_SSHD overrides the path). Nothing of the machine's own sshd configuration is used.
import { ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
const SSHD = process.env.PQB_SSHD ?? "/usr/sbin/sshd";

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  privateKey: string;
  /** "ssh-ed25519 AAAA…" to pin, when known. */
  hostKey?: string;
}

export interface LoopbackSshd {
  target: SshTarget;
  process: ChildProcess;
  /** sshd's own log (-e), appended as it runs. */
  log: string;
}

export interface LoopbackSshdOptions {
  /** Names (sshd_config AcceptEnv patterns) that the SSH "env" request may set; default none, as sshd's default. */
  acceptEnv?: readonly string[];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      if (addr === null || typeof addr === "string") {
        srv.close();
        reject(new Error("no port"));
        return;
      }
      const port = addr.port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something on host:port speaks SSH (sends its "SSH-" banner). */
export async function waitForSsh(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect({ host, port });
      const done = (v: boolean): void => {
        sock.destroy();
        resolve(v);
      };
      sock.setTimeout(1000, () => done(false));
      sock.once("data", (d: Buffer) => done(d.toString("latin1").startsWith("SSH-")));
      sock.once("error", () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd on ${host}:${port} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A fresh ed25519 key pair in dir: { privateKey, publicKey } (contents, public key without its comment). */
export async function newKeyPair(dir: string, name: string): Promise<{ privateKey: string; publicKey: string; path: string }> {
  const file = path.join(dir, name);
  await execFileAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file]);
  return { privateKey: readFileSync(file, "utf8"), publicKey: readFileSync(`${file}.pub`, "utf8").trim(), path: file };
}

export async function startLoopbackSshd(dir: string, options: LoopbackSshdOptions = {}): Promise<LoopbackSshd> {
  if (!existsSync(SSHD)) {
    throw new Error(`${SSHD} is missing: install openssh-server (apt-get install openssh-server) for this test`);
  }
  mkdirSync(dir, { recursive: true });
  const hostKey = await newKeyPair(dir, "host_ed25519");
  const userKey = await newKeyPair(dir, "user_ed25519");
  const authorized = path.join(dir, "authorized_keys");
  writeFileSync(authorized, `${userKey.publicKey}\n`, { mode: 0o600 });
  // sshd refuses to start without its privilege separation directory (absent where no sshd service runs).
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = path.join(dir, "sshd_config");
  const acceptEnv = options.acceptEnv ?? [];
  writeFileSync(
    config,
    [
      "ListenAddress 127.0.0.1",
      `Port ${port}`,
      `HostKey ${hostKey.path}`,
      `AuthorizedKeysFile ${authorized}`,
      `PidFile ${path.join(dir, "sshd.pid")}`,
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "StrictModes no",
      "UsePAM no",
      ...(acceptEnv.length > 0 ? [`AcceptEnv ${acceptEnv.join(" ")}`] : []),
      "",
    ].join("\n"),
  );
  const log = path.join(dir, "sshd.log");
  const child = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
    writeFileSync(log, stderr);
  });
  try {
    await waitForSsh("127.0.0.1", port, 10_000);
  } catch (err) {
    await stopProcess(child);
    throw new Error(`${String(err)}\nsshd said:\n${stderr}`);
  }
  return {
    target: { host: "127.0.0.1", port, user: os.userInfo().username, privateKey: userKey.privateKey, hostKey: hostKey.publicKey },
    process: child,
    log,
  };
}

/** Resolves once a unix socket at path accepts connections (e.g. an ssh-agent just started). */
export async function waitForSocket(socketPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect({ path: socketPath });
      sock.once("connect", () => {
        sock.destroy();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${socketPath} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM to the child by its PID; waits up to 5 s for it to exit. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(child.pid, "SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
}
