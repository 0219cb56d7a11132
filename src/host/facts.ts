/**
 * Host facts: the parsed output of the facts script and what follows from them for the plan
 * (interpreter layout, package names). Pure.
 */
import { z } from "zod";
import { InterpreterLayout, Privilege } from "./enums";

/** What the component learned about a host before changing anything. */
export interface HostFacts {
  /** `uname -m`, e.g. "x86_64". */
  readonly machine: string;
  /** `uname -r`. */
  readonly kernel: string;
  /** `uname -n`. */
  readonly hostname: string;
  /** os-release ID, e.g. "debian", "ubuntu". */
  readonly distroId: string;
  /** os-release VERSION_ID, e.g. "12", "24.04"; "" on testing/unstable. */
  readonly distroVersion: string;
  /** os-release VERSION_CODENAME, e.g. "bookworm". */
  readonly distroCodename: string;
  /** os-release PRETTY_NAME. */
  readonly distroName: string;
  /** os-release ID_LIKE. */
  readonly distroLike: string;
  /** systemd is PID 1 (`/run/systemd/system` exists): binfmt.d files are applied at boot. */
  readonly systemd: boolean;
  /** binfmt_misc was mounted at /proc/sys/fs/binfmt_misc when the facts were read. */
  readonly binfmtMiscMounted: boolean;
  /** The login user. */
  readonly user: string;
  /** Root, or passwordless sudo. */
  readonly privilege: Privilege;
  /** A `docker` CLI is on the host's PATH. */
  readonly docker: boolean;
  /** apt-get and dpkg-query are on the host's PATH (Debian, Ubuntu and derivatives). */
  readonly apt: boolean;
  /** flock(1) is on the host's PATH (util-linux, or busybox's applet): a host's rule commands take turns with it. */
  readonly flock: boolean;
}

export const factsSchema = z.object({
  machine: z.string().min(1),
  kernel: z.string(),
  hostname: z.string(),
  distroId: z.string(),
  distroVersion: z.string(),
  distroCodename: z.string(),
  distroName: z.string(),
  distroLike: z.string(),
  systemd: z.boolean(),
  binfmtMiscMounted: z.boolean(),
  user: z.string(),
  privilege: z.enum([Privilege.Root, Privilege.Sudo]),
  docker: z.boolean(),
  apt: z.boolean(),
  // Absent from what versions before it printed (an observation stored with observe: false, a saved facts
  // file): not known, so not refused; a rule step on a host without flock still says what is missing.
  flock: z.boolean().default(true),
});

function versionAtLeast(version: string, min: readonly number[]): boolean {
  const parts = version.split(".").map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < min.length; i++) {
    const a = parts[i] ?? 0;
    const b = min[i] ?? 0;
    if (Number.isNaN(a)) return true;
    if (a !== b) return a > b;
  }
  return true;
}

/**
 * Where this distribution's static QEMU interpreters live.
 * - Debian ≤ 12 and Ubuntu ≤ 24.10 (QEMU < 9.1): `qemu-user-static` ships `/usr/bin/qemu-<cpu>-static`;
 *   `qemu-user` there is dynamically linked (useless with flag F).
 * - Debian ≥ 13, testing/unstable (no VERSION_ID) and Ubuntu ≥ 25.04 (QEMU ≥ 9.1): `qemu-user` itself is
 *   static-pie at `/usr/bin/qemu-<cpu>`; `qemu-user-static` is only a transitional package of symlinks
 *   that depends on `qemu-user-binfmt` (which registers all 31 formats at install and boot).
 * - Anything else: the old layout, the one the "Jetson Containers" article documents; override with
 *   `interpreterDir`/`interpreterSuffix`/`packages` when that is wrong.
 */
export function interpreterLayout(facts: HostFacts): InterpreterLayout {
  const id = facts.distroId.toLowerCase();
  if (id === "debian") {
    return facts.distroVersion === "" || versionAtLeast(facts.distroVersion, [13]) ? InterpreterLayout.Plain : InterpreterLayout.StaticSuffix;
  }
  if (id === "ubuntu") {
    return versionAtLeast(facts.distroVersion, [25, 4]) ? InterpreterLayout.Plain : InterpreterLayout.StaticSuffix;
  }
  return InterpreterLayout.StaticSuffix;
}
