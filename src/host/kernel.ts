/**
 * What the host's kernel release (facts.kernel, `uname -r`) allows, checked at plan time, before any
 * change on the host. Pure.
 *
 * - Flag F ("fix binary") exists since Linux 4.8 (binfmt_misc: "add persistent opened binary handler for
 *   containers"); older kernels reject the registration line. Refused below 4.8.
 * - Flag P (preserve argv[0]) makes the kernel pass the original argv[0] as an extra argument. QEMU's
 *   linux-user main.c knows to expect it only when the kernel says so in AT_FLAGS
 *   (AT_FLAGS_PRESERVE_ARGV0, Linux 5.12); on older kernels upstream QEMU takes argv[0] for the program
 *   path and every program runs with shifted arguments. Debian's qemu packaging carries a patch ("linux-user:
 *   handle binfmt-misc P flag as a separate exe name", Michael Tokarev, 2021) and ships
 *   /usr/libexec/qemu-binfmt/<cpu>-binfmt-P links: QEMU started under a name ending in "-binfmt-P" knows
 *   argv[0] was preserved, whatever the kernel. Decision: below 5.12, P is refused unless the target's
 *   interpreter is such a "-binfmt-P" link (set it with the `interpreters` argument); the refusal offers the
 *   link only where the observation saw it, or this run's install step ships it (./capability.ts); Ubuntu
 *   18.04/20.04 (QEMU 2.11, 4.2) ship none. A "-binfmt-P"
 *   interpreter without flag P is refused on every kernel (it would eat the program's first argument).
 * - A release that does not start with MAJOR.MINOR is not checked (nothing is refused on a guess).
 */
import { BinfmtRule, TargetInfo, findTarget } from "../binfmt";

export type KernelVersion = readonly [major: number, minor: number, patch: number];

/** "5.10.120-tegra" -> [5, 10, 120]; "6.1.0-18-amd64" -> [6, 1, 0]; undefined when not MAJOR.MINOR[.PATCH]. */
export function parseKernelRelease(release: string): KernelVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release.trim());
  if (m === null) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

function below(v: KernelVersion, major: number, minor: number): boolean {
  return v[0] < major || (v[0] === major && v[1] < minor);
}

/** Linux 4.8: flag F. */
export const KERNEL_FLAG_F = [4, 8] as const;
/** Linux 5.12: AT_FLAGS_PRESERVE_ARGV0, which tells QEMU that flag P preserved argv[0]. */
export const KERNEL_AT_FLAGS_PRESERVE_ARGV0 = [5, 12] as const;

const BINFMT_P_WRAPPER = /-binfmt-P$/;

/** Debian's qemu 1:5.2+dfsg-4: the first packaging that ships /usr/libexec/qemu-binfmt/<cpu>-binfmt-P links. */
export const DEBIAN_BINFMT_P_SINCE = "1:5.2+dfsg-4";

/** Debian's "-binfmt-P" link for a target's emulator: /usr/libexec/qemu-binfmt/<cpu>-binfmt-P (cpu: qemu-<cpu>). */
export function binfmtPLink(target: Pick<TargetInfo, "qemuBinary">): string {
  return `/usr/libexec/qemu-binfmt/${target.qemuBinary.replace(/^qemu-/, "")}-binfmt-P`;
}

/**
 * What the host says about a target's "-binfmt-P" link (./capability.ts builds it from the observation):
 * whether it is there (or this run's install step ships it) and the evidence, one clause.
 */
export interface PLinkEvidence {
  readonly available: boolean;
  readonly evidence: string;
}

/**
 * Why `rule` cannot be registered on a kernel of this release; [] when it can. `pLink` grounds the advice
 * for flag P below 5.12 in what the host has; without it (the rules CLI reads no host) the advice says
 * which packagings ship the link and asks to check.
 */
export function kernelProblems(rule: Pick<BinfmtRule, "name" | "flags" | "interpreter">, kernelRelease: string, pLink?: PLinkEvidence): string[] {
  const problems: string[] = [];
  const wrapper = BINFMT_P_WRAPPER.test(rule.interpreter);
  if (wrapper && !rule.flags.includes("P")) {
    problems.push(
      `${rule.name}: interpreter ${rule.interpreter} is a Debian "-binfmt-P" link, which expects the kernel's flag P (preserved argv[0]); add "P" to flags or use the plain emulator`,
    );
  }
  const v = parseKernelRelease(kernelRelease);
  if (v === undefined) return problems;
  if (rule.flags.includes("F") && below(v, ...KERNEL_FLAG_F)) {
    problems.push(
      `${rule.name}: flag F (fix binary) needs Linux ≥ ${KERNEL_FLAG_F.join(".")}, this host runs ${kernelRelease}; the kernel would reject the registration. Drop F from flags (then the interpreter must be reachable inside containers and chroots) or upgrade the kernel`,
    );
  }
  if (rule.flags.includes("P") && !wrapper && below(v, ...KERNEL_AT_FLAGS_PRESERVE_ARGV0)) {
    const target = findTarget(rule.name.replace(/^qemu-/, ""));
    const cpu = target === undefined ? rule.name.replace(/^qemu-/, "") : target.name;
    const link = target === undefined ? `/usr/libexec/qemu-binfmt/${cpu}-binfmt-P` : binfmtPLink(target);
    const use = `interpreters: { ${JSON.stringify(cpu)}: "${link}" } (CLI: --target-interpreter ${cpu}=${link})`;
    const otherWays = `drop P from flags (the default flags are F), or boot Linux ≥ ${KERNEL_AT_FLAGS_PRESERVE_ARGV0.join(".")}`;
    const advice =
      pLink === undefined
        ? `Debian's QEMU packaging ships a "-binfmt-P" link that works on any kernel from qemu ${DEBIAN_BINFMT_P_SINCE} on (Ubuntu 18.04 and 20.04 have none): if ${link} exists on the host, use ${use}; otherwise ${otherWays}`
        : pLink.available
          ? `Use the "-binfmt-P" link (${pLink.evidence}): ${use}, or ${otherWays}`
          : `The "-binfmt-P" link that would work on this kernel is not available (${pLink.evidence}; Debian's packaging ships it from qemu ${DEBIAN_BINFMT_P_SINCE} on): ${otherWays}, or install a QEMU whose packaging ships ${link}`;
    problems.push(
      `${rule.name}: flag P on Linux ${kernelRelease} (< ${KERNEL_AT_FLAGS_PRESERVE_ARGV0.join(".")}): the kernel does not tell QEMU that argv[0] was preserved (AT_FLAGS_PRESERVE_ARGV0), so every emulated program would get shifted arguments. ${advice}`,
    );
  }
  return problems;
}
