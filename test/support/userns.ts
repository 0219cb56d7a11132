/**
 * A private binfmt_misc for tests: a new user + mount namespace in which binfmt_misc is mounted
 * fresh. Since Linux 6.7 each user namespace that mounts binfmt_misc gets its own instance, so
 * registrations made there never reach the machine's own /proc/sys/fs/binfmt_misc (which tests must
 * leave exactly as they found it — usually unmounted).
 */
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { release } from "node:os";

export const BINFMT_DIR = "/proc/sys/fs/binfmt_misc";

/** Why a private binfmt_misc is impossible here, or undefined when it is possible. */
export function privateBinfmtUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (to map uid 0 in a new user namespace)";
  const m = /^(\d+)\.(\d+)/.exec(release());
  const [major, minor] = [Number(m?.[1] ?? 0), Number(m?.[2] ?? 0)];
  if (major < 6 || (major === 6 && minor < 7)) return `kernel ${release()} < 6.7 has one binfmt_misc for the whole machine`;
  return undefined;
}

/** What the machine's own namespace shows: whether binfmt_misc is mounted, and its entries. */
export interface HostBinfmtState {
  mounted: boolean;
  entries: string[];
}

export function hostBinfmtState(): HostBinfmtState {
  // mountinfo field 5 is the mount point, the field after " - " the filesystem type.
  const mounted = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .some((l) => l.split(" ")[4] === BINFMT_DIR && / - binfmt_misc /.test(l));
  let entries: string[] = [];
  try {
    entries = readdirSync(BINFMT_DIR).sort();
  } catch {
    entries = [];
  }
  return { mounted, entries };
}

export interface NamespaceRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run a bash script (with `args`) in a new user + mount namespace (uid 0 mapped to us, mount
 * propagation private), where the script mounts its own binfmt_misc. Resolves when it exits.
 */
export function runInPrivateNamespace(script: string, args: readonly string[], timeoutMs = 120_000): Promise<NamespaceRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("unshare", ["--user", "--map-root-user", "--mount", "--propagation", "private", "--fork", "--kill-child", "bash", "-c", script, "pqb-userns", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // Only the child we started, by its pid.
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
