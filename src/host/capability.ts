/**
 * The host-capability gate: what the host's kernel and installed QEMU cannot do, read by the observation
 * (./observation.ts) and refused by the plan BEFORE ANY CHANGE, the package install included (a refused
 * plan runs no step). Each refusal names the condition, the evidence and the ways out the host offers. Pure.
 *
 * - binfmt_misc switched off host-wide (/proc/sys/fs/binfmt_misc/status "disabled", as hardening profiles
 *   set it): the kernel consults no entry, so a registered rule would never run anything (kernel doc
 *   admin-guide/binfmt-misc.rst: "echo 0 > status" disables binfmt_misc). Not ours to switch on.
 * - a kernel without binfmt_misc: not mounted, /proc/filesystems does not list it, the running kernel's
 *   modules.builtin does not name it and no binfmt_misc module exists under /lib/modules/<release> (or that
 *   directory is missing: modprobe can load nothing). "Not mounted but loadable" (a module, or built in)
 *   is no refusal: the rule step mounts it.
 * - binfmt_misc mounted read-only (registrations fail with EROFS). A read-only /proc/sys under an unmounted
 *   binfmt_misc is not refused: a mount on top of it works wherever the session may mount (systemd-nspawn).
 * - an interpreter the plan would register that is absent and that this run's install step does not
 *   provide: nothing would install it (installPackages "none", or the packages are installed, which the
 *   packages step leaves alone), or what apt would install predates the target (QEMU_LINUX_USER_SINCE,
 *   compared with the candidate's upstream version), or a Debian "-binfmt-P" link whose packaging
 *   predates it (DEBIAN_BINFMT_P_SINCE). Present but not executable, or dynamically linked under flag F,
 *   with nothing to replace it: refused likewise. Paths the evidence cannot judge (an interpreter of the
 *   user's, a package the plan does not know) are left to the rule step, which checks them again.
 * - docker absent (facts.docker) where a step runs it: the image source's copy, the acceptance check.
 * What is not known (an observation stored before a field existed, an unread host) refuses nothing.
 */
import { BinfmtRule, TargetInfo } from "../binfmt";
import { HostConfig } from "./config";
import { DEBIAN_BINFMT_P_SINCE, PLinkEvidence, binfmtPLink } from "./kernel";
import { HostObservation, ObservedPackage } from "./observation";
import { VERSIONED_PACKAGES } from "./scripts/packages";
import { compareDebianVersions, satisfies } from "./version";

/**
 * The QEMU release whose linux-user first had each target that arrived after QEMU 2.11 (Ubuntu 18.04's),
 * from QEMU's release notes: RISC-V in 2.12, Hexagon in 6.0, LoongArch64 in 7.1. Targets not listed are
 * older than every QEMU a supported distribution ships.
 */
export const QEMU_LINUX_USER_SINCE: Readonly<Record<string, string>> = Object.freeze({
  riscv32: "2.12",
  riscv64: "2.12",
  hexagon: "6.0",
  loongarch64: "7.1",
});

/** Packages of the QEMU set that ship no emulator: qemu-user-binfmt (binfmt.d files), binfmt-support (update-binfmts). */
const NO_EMULATORS: ReadonlySet<string> = new Set(["qemu-user-binfmt", "binfmt-support"]);

/** What the gate needs of a rule the plan registers. */
export interface GatedRule {
  readonly target: TargetInfo;
  readonly rule: Pick<BinfmtRule, "name" | "interpreter" | "flags">;
  readonly requireStatic: boolean;
}

/** QEMU's upstream version inside a Debian version: "1:2.11+dfsg-1ubuntu7.41" -> "2.11"; "" when none. */
export function upstreamQemuVersion(debianVersion: string): string {
  return /^(?:\d+:)?(\d+(?:\.\d+)*)/.exec(debianVersion)?.[1] ?? "";
}

function olderThan(version: string, since: string): boolean {
  const a = version.split(".").map(Number);
  const b = since.split(".").map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

/** The planned packages apt will install in this run (not installed, or installed in a version packageVersion rejects). */
export function pendingPackages(config: HostConfig, obs: HostObservation, packages: readonly string[]): { name: string; seen: ObservedPackage | undefined }[] {
  return packages
    .map((name) => ({ name, seen: obs.packages.find((o) => o.name === name) }))
    .filter(({ name, seen }) => {
      if (seen === undefined || seen.installed === "") return true;
      const c = config.packageVersion;
      return c !== undefined && VERSIONED_PACKAGES.test(name.split("=")[0] ?? name) && !satisfies(seen.installed, c);
    });
}

const installedQemu = (obs: HostObservation) => obs.packages.filter((p) => VERSIONED_PACKAGES.test(p.name) && p.installed !== "");
const describe = (ps: readonly ObservedPackage[]) => ps.map((p) => `${p.name} ${p.installed}`).join(", ");

/** Whether target's "-binfmt-P" link is on the host or comes with this run's install step, and why. */
export function pLinkEvidence(config: HostConfig, obs: HostObservation, target: TargetInfo, packages: readonly string[]): PLinkEvidence {
  const link = binfmtPLink(target);
  const seen = obs.elfs.find((e) => e.path === link);
  if (seen?.exists === true) return { available: true, evidence: `${link} is on this host` };
  const pending = pendingPackages(config, obs, packages).filter((p) => VERSIONED_PACKAGES.test(p.name));
  const shipping = pending.find((p) => p.seen !== undefined && p.seen.candidate !== "" && compareDebianVersions(p.seen.candidate, DEBIAN_BINFMT_P_SINCE) >= 0);
  if (shipping?.seen !== undefined) return { available: true, evidence: `apt will install ${shipping.name} ${shipping.seen.candidate}, whose packaging ships it` };
  const where = seen === undefined ? `${link} was not looked for` : `${link} is not on this host`;
  const installed = installedQemu(obs);
  if (pending.length > 0) {
    const cands = pending.map((p) => (p.seen?.candidate ? `${p.name} ${p.seen.candidate}` : `${p.name} (no apt lists to tell its version)`)).join(", ");
    return { available: false, evidence: `${where}, and apt would install ${cands}` };
  }
  return { available: false, evidence: installed.length > 0 ? `${where}; installed: ${describe(installed)}` : where };
}

function kernelSupportProblems(obs: HostObservation, label: string): string[] {
  const problems: string[] = [];
  const s = obs.binfmtSupport;
  if (obs.binfmt.mounted && obs.binfmt.status === "disabled") {
    problems.push(
      `binfmt_misc is switched off for the whole host (/proc/sys/fs/binfmt_misc/status reads "disabled", as hardening profiles set it): the kernel hands no binary to any entry while it is, so QEMU would never run. This component does not change that host-wide switch: switch it on as root (echo 1 > /proc/sys/fs/binfmt_misc/status) and remove what switches it off at boot (a sysctl, tmpfiles.d or hardening setting writing 0 to it), then run pulumi up again`,
    );
  }
  if (s === undefined) return problems;
  if (!obs.binfmt.mounted && (s.support === "none" || s.support === "no-modules")) {
    const modules =
      s.support === "none"
        ? `${s.modulesDir} has no binfmt_misc module (not in modules.builtin or modules.dep)`
        : `${s.modulesDir} does not exist, so no module can be loaded for the running kernel (a kernel upgraded without a reboot, or modules not installed)`;
    problems.push(
      `this kernel (${obs.facts.kernel}) has no binfmt_misc: it is not mounted, /proc/filesystems does not list it and ${modules}. Boot a kernel built with CONFIG_BINFMT_MISC=y or =m${s.support === "no-modules" ? ` (or reboot into the kernel whose modules are installed)` : ""}, then run pulumi up again; nothing was installed on ${label}`,
    );
  }
  if (s.readOnly && obs.binfmt.mounted) {
    problems.push(
      `binfmt_misc is mounted read-only at /proc/sys/fs/binfmt_misc here (as a container runtime may bind it): no entry can be registered from this session. Connect to the host itself, or give the container a writable binfmt_misc (a privileged container)`,
    );
  }
  return problems;
}

/** Other interpreters of the same target that exist on the host, as a way out ("" when none). */
function presentAlternatives(config: HostConfig, obs: HostObservation, target: TargetInfo, path: string, staticOnly: boolean): string {
  const dirs = [...new Set([config.interpreterDir ?? "/usr/bin", "/usr/bin"])];
  const paths = [...dirs.flatMap((d) => [`${d}/${target.qemuBinary}`, `${d}/${target.qemuBinary}-static`]), binfmtPLink(target)];
  const alt = paths.filter((p) => p !== path && obs.elfs.some((e) => e.path === p && e.exists && e.executable && (!staticOnly || e.linking === "static")));
  return alt.length === 0 ? "" : `; present on this host: ${alt.join(", ")} (interpreters: { ${JSON.stringify(target.name)}: "${alt[0] ?? ""}" })`;
}

function interpreterProblems(config: HostConfig, obs: HostObservation, rules: readonly GatedRule[], packages: readonly string[]): string[] {
  const problems: string[] = [];
  // Packages that ship no emulator (Debian packaging: binfmt registration only) cannot provide an interpreter.
  const pending = pendingPackages(config, obs, packages).filter((p) => !NO_EMULATORS.has(p.name.split("=")[0] ?? p.name));
  const installed = installedQemu(obs);
  const nothingInstalls =
    packages.length === 0
      ? `installPackages is "none": this run installs nothing`
      : `this run installs no emulator (${installed.length > 0 ? describe(installed) : packages.join(", ")} already installed; the packages step leaves installed packages alone)`;
  for (const r of rules) {
    const path = r.rule.interpreter;
    const seen = obs.elfs.find((e) => e.path === path);
    if (seen === undefined) continue; // not observed: the rule step checks it
    const t = r.target;
    const since = QEMU_LINUX_USER_SINCE[t.name];
    const qemuOf = (v: string) => (upstreamQemuVersion(v) === "" ? v : `QEMU ${upstreamQemuVersion(v)}`);
    const arrival = since === undefined ? "" : `; QEMU has had linux-user ${t.name} since ${since}`;
    const ways = `Leave ${t.name} out of architectures, use installSource "image" with an image whose QEMU has ${t.qemuBinary}${obs.facts.docker ? "" : " (this host has no docker CLI, which that source needs)"}, or install a QEMU that has it${presentAlternatives(config, obs, t, path, r.requireStatic)}`;
    if (!seen.exists) {
      if (pending.length === 0) {
        const what =
          installed.length > 0
            ? `the installed QEMU (${installed.map((p) => `${p.name} ${p.installed}, ${qemuOf(p.installed)}`).join("; ")}) has no ${path}${arrival}`
            : `${path} is not on this host`;
        problems.push(`${r.rule.name}: interpreter ${path} for target ${t.name} does not exist: ${what}, and ${nothingInstalls}. ${ways}`);
        continue;
      }
      const qemuPending = pending.filter((p) => VERSIONED_PACKAGES.test(p.name));
      if (/-binfmt-P$/.test(path)) {
        const ev = pLinkEvidence(config, obs, t, packages);
        if (!ev.available) {
          problems.push(
            `${r.rule.name}: interpreter ${path} for target ${t.name} does not exist and this run's install step does not provide it (${ev.evidence}; Debian's packaging ships these links from qemu ${DEBIAN_BINFMT_P_SINCE} on). Use the plain emulator and drop P from flags, or install a QEMU whose packaging ships the link`,
          );
        }
        continue;
      }
      const old =
        since === undefined ? undefined : qemuPending.find((p) => p.seen !== undefined && p.seen.candidate !== "" && olderThan(upstreamQemuVersion(p.seen.candidate), since));
      if (old?.seen !== undefined) {
        problems.push(
          `${r.rule.name}: interpreter ${path} for target ${t.name} does not exist, and the QEMU apt would install (${old.name} ${old.seen.candidate}, ${qemuOf(old.seen.candidate)}) has no emulator for it${arrival}. ${ways}`,
        );
      }
      continue;
    }
    if (pending.length > 0) continue; // the install step may replace it: the rule step checks it again
    if (!seen.executable) {
      problems.push(
        `${r.rule.name}: interpreter ${path} for target ${t.name} is not executable, and ${nothingInstalls}. Make it executable (chmod 755), or point interpreters at another emulator${presentAlternatives(config, obs, t, path, r.requireStatic)}`,
      );
    } else if (r.requireStatic && seen.linking !== "static") {
      problems.push(
        `${r.rule.name}: interpreter ${path} for target ${t.name} is ${seen.linking === "dynamic" ? "dynamically linked" : "not an ELF executable"}, but flag F makes the kernel run it inside containers and chroots, where its shared libraries are missing; ${nothingInstalls}. Leave F out of flags, or point interpreters at a static build${presentAlternatives(config, obs, t, path, true)}`,
      );
    }
  }
  return problems;
}

/** Steps that run docker on the host, which the observation found without a docker CLI (facts.docker). */
function dockerProblems(config: HostConfig, obs: HostObservation, rules: readonly GatedRule[], imageSource: boolean): string[] {
  if (obs.facts.docker) return [];
  const problems: string[] = [];
  if (imageSource) {
    const apt = obs.facts.apt
      ? `use installSource "apt" (this host has apt)`
      : `use installPackages "none" with interpreters installed by other means (this host has no apt either)`;
    problems.push(
      `installSource "image" copies the interpreters out of the image with docker (pull, create, cp), and this host has no docker CLI on its PATH. Install docker, or ${apt}`,
    );
  }
  const checked = rules.filter((r) => (config.acceptance.targets[r.target.name]?.image ?? "") !== "").map((r) => r.target.name);
  if (config.acceptance.enabled && checked.length > 0) {
    problems.push(
      `the acceptance check runs a container of each target (${checked.join(", ")}) with docker on the host, and this host has no docker CLI on its PATH. Install docker (Debian 13: docker.io for the daemon, docker-cli for the command), or set acceptance.enabled to false`,
    );
  }
  return problems;
}

/**
 * Why this host cannot carry out the plan's rules; [] when it can. `rules` are the ones the plan registers
 * (not the skipped); `packages` the ones the apt source installs ([] with installPackages "none" or the image
 * source, whose copy step provides its own paths: `imageSource` true skips the interpreter checks).
 */
export function capabilityProblems(
  config: HostConfig,
  obs: HostObservation,
  rules: readonly GatedRule[],
  packages: readonly string[],
  imageSource: boolean,
  label: string,
): string[] {
  // An unread host has no facts: its own error says why.
  if (obs.facts.kernel === "" || rules.length === 0) return [];
  return [...kernelSupportProblems(obs, label), ...dockerProblems(config, obs, rules, imageSource), ...(imageSource ? [] : interpreterProblems(config, obs, rules, packages))];
}
