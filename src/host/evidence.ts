/**
 * Decisions taken from evidence read on the host (./observation.ts), each with the sentence that says
 * why, for the outputs and the summary. Pure.
 *
 * - native: a requested target of the host's own QEMU family is skipped only when the kernel ran that
 *   format's probe executable; a probe the kernel refused makes the target registered (an aarch64 CPU
 *   without AArch32, a 32-bit kernel on 64-bit hardware). Without a probe result (no probe for the
 *   format, or an enabled binfmt_misc entry would have taken it) QEMU's family rule stands, said as such.
 * - layout: where the static interpreters are, from what dpkg has installed and what apt offers
 *   (Debian packaging: from QEMU 9.1 on, `qemu-user` is static-pie at /usr/bin/qemu-<cpu> and
 *   `qemu-user-static` is a transitional package that Depends on it and on `qemu-user-binfmt`), then
 *   from the interpreter files present, and only then from the distribution's name and version. When the
 *   host's lists offer no QEMU package and none is installed, the observation reads fresh lists into a
 *   private directory first (./fresh-lists.ts); the name table is used only when that fails too, and the
 *   reason says so.
 * - persistence: whether the entries come back at the next boot: systemd-binfmt present and not masked,
 *   configDir one of the directories it reads (binfmt.d(5)) and not on a tmpfs, and the unit not skipped
 *   at boot by one of its conditions (./boot-run.ts: evaluated on the host, drop-ins included; the unit's
 *   ActiveState and this boot's ConditionResult are what systemd did, not what the unit file says).
 */
import { bootSkipReason } from "./boot-run";
import { HostConfig } from "./config";
import { InterpreterLayout } from "./enums";
import { interpreterLayout } from "./facts";
import { HostObservation, ObservedPackage } from "./observation";

export interface Decision<T> {
  readonly value: T;
  /** One sentence: the evidence. */
  readonly reason: string;
}

/** The directories systemd-binfmt reads, in its order of precedence (binfmt.d(5)). */
export const SYSTEMD_BINFMT_DIRS = ["/etc/binfmt.d", "/run/binfmt.d", "/usr/local/lib/binfmt.d", "/usr/lib/binfmt.d"] as const;
const VOLATILE_FS = new Set(["tmpfs", "ramfs"]);

function pkg(obs: HostObservation, name: string): ObservedPackage | undefined {
  return obs.packages.find((p) => p.name === name);
}

const dependsOnQemuUser = (depends: string) => /(^|,\s*)qemu-user(\s|,|$|\()/.test(depends);

export function layoutDecision(config: HostConfig, obs: HostObservation): Decision<InterpreterLayout> {
  const staticPkg = pkg(obs, "qemu-user-static");
  const userPkg = pkg(obs, "qemu-user");
  // 1. What is installed.
  if (staticPkg !== undefined && staticPkg.installed !== "") {
    // The INSTALLED version's dependencies: during a release upgrade the candidate may already be transitional.
    return dependsOnQemuUser(staticPkg.installedDepends)
      ? {
          value: InterpreterLayout.Plain,
          reason: `installed qemu-user-static ${staticPkg.installed} is transitional (Depends: ${staticPkg.installedDepends}): the static interpreters are qemu-user's /usr/bin/qemu-<cpu>`,
        }
      : { value: InterpreterLayout.StaticSuffix, reason: `installed qemu-user-static ${staticPkg.installed} ships /usr/bin/qemu-<cpu>-static` };
  }
  // 2. What apt would install (the host's lists, or fresh ones the observation read privately when the host had none).
  const lists = obs.freshLists?.result === "updated" ? ` (from apt lists read into a private directory: the host's own offered no QEMU package)` : "";
  if (staticPkg !== undefined && staticPkg.candidate !== "") {
    return dependsOnQemuUser(staticPkg.depends)
      ? {
          value: InterpreterLayout.Plain,
          reason: `apt's qemu-user-static ${staticPkg.candidate} is transitional (Depends: ${staticPkg.depends}): qemu-user is the static build${lists}`,
        }
      : { value: InterpreterLayout.StaticSuffix, reason: `apt offers qemu-user-static ${staticPkg.candidate}, which ships /usr/bin/qemu-<cpu>-static${lists}` };
  }
  // 3. Interpreter files already there (installed by hand, or by another package manager).
  const present = (suffix: string) =>
    config.targets.some((t) => obs.elfs.some((e) => e.path === `${config.interpreterDir ?? "/usr/bin"}/${t.qemuBinary}${suffix}` && e.linking === "static"));
  if (present("-static")) return { value: InterpreterLayout.StaticSuffix, reason: "static /usr/bin/qemu-<cpu>-static interpreters are present" };
  if (present("")) return { value: InterpreterLayout.Plain, reason: "static /usr/bin/qemu-<cpu> interpreters are present" };
  if (userPkg !== undefined && userPkg.candidate !== "") {
    return { value: InterpreterLayout.Plain, reason: `apt offers qemu-user ${userPkg.candidate} and no qemu-user-static: qemu-user is the static build${lists}` };
  }
  // 4. The host cannot tell: the release table, and the reason says so (and why the lists could not tell).
  const f = obs.facts;
  const byName = interpreterLayout(f);
  const fresh = obs.freshLists === undefined || obs.freshLists.result === "updated" ? "" : ` (fresh apt lists could not be read: ${obs.freshLists.detail})`;
  const known = /^(debian|ubuntu)$/i.test(f.distroId);
  const unknown = known
    ? ""
    : `; the table does not know ID=${f.distroId || "?"}${f.distroLike ? ` (ID_LIKE=${f.distroLike})` : ""} and assumes qemu-user-static's /usr/bin/qemu-<cpu>-static: set interpreterSuffix and packages if that is wrong`;
  const what = byName === InterpreterLayout.Plain ? "qemu-user's /usr/bin/qemu-<cpu>" : "qemu-user-static's /usr/bin/qemu-<cpu>-static";
  return {
    value: byName,
    reason: `no QEMU package, apt candidate or interpreter found on the host${fresh}, so not decided from evidence: by the distribution's name table (${f.distroId || "?"} ${f.distroVersion || "testing"}: ${what})${unknown}`,
  };
}

export function persistenceDecision(config: HostConfig, obs: HostObservation): Decision<boolean> {
  const b = obs.boot;
  if (!obs.facts.systemd) return { value: false, reason: "no systemd: nothing applies binfmt.d files at boot" };
  // A runtime mask (/run) is gone at the next boot, when systemd-binfmt applies the files again. While it
  // is in place LoadState reads "masked" too; the packages step puts one there during apt (packages.sh),
  // and an up observing the host then (a second run while a cut run's apt still runs) must not plan the
  // rules as not persistent (measured: test/faults case 2).
  const runtimeMask = b.unitFileState === "masked-runtime" && b.load === "masked";
  if (b.load !== "loaded" && !runtimeMask) return { value: false, reason: `systemd-binfmt.service is ${b.load || "absent"}: nothing applies binfmt.d files at boot` };
  if (b.unitFileState === "masked") return { value: false, reason: `systemd-binfmt.service is ${b.unitFileState}: nothing applies binfmt.d files at boot` };
  if (!(SYSTEMD_BINFMT_DIRS as readonly string[]).includes(config.configDir)) {
    return { value: false, reason: `systemd-binfmt does not read ${config.configDir} (it reads ${SYSTEMD_BINFMT_DIRS.join(", ")})` };
  }
  if (config.configDir === "/run/binfmt.d" || VOLATILE_FS.has(b.configDirFs)) {
    return { value: false, reason: `${config.configDir} is on a ${b.configDirFs || "tmpfs"}: its files are gone at the next boot` };
  }
  const skipped = bootSkipReason(b.run, config.configDir);
  if (skipped !== undefined) return { value: false, reason: skipped };
  const ran = b.run !== undefined && b.run.conditionChecked > 0 && b.run.conditionResult === "yes" ? `, ran at this boot (${b.active || "?"})` : "";
  return { value: true, reason: `systemd-binfmt (${b.unitFileState || "static"}${ran}) applies ${config.configDir} at boot` };
}

/**
 * Targets to skip as native, with why. `familySkipped` is what QEMU's family rule (or ExactNative) would
 * skip; the probes confirm or overturn each.
 */
export function nativeDecisions(config: HostConfig, obs: HostObservation, familySkipped: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of config.targets) {
    const rule = familySkipped.get(t.name);
    if (rule === undefined) continue;
    const probe = obs.probes.find((p) => p.target === t.name);
    if (probe?.result === "foreign") continue; // the kernel cannot run it: register, whatever the family says
    // The entry that took the probe bears the target's own entry name (ours, registered because an earlier
    // probe was refused, or a distribution's): the format was found foreign before; keep it registered.
    if (probe?.result === "inconclusive" && probe.handler === `qemu-${t.name}`) continue;
    if (probe?.result === "native") out.set(t.name, `${t.name} runs natively: the kernel ran a ${t.name} probe executable (${probe.detail})`);
    else out.set(t.name, `${rule} (not proven on the host: ${probe === undefined ? "no probe for this format" : probe.detail})`);
  }
  return out;
}
