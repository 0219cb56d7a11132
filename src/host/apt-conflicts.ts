/**
 * What preview can already say about apt's side effects: a package the plan installs whose candidate
 * Conflicts with a package dpkg has installed, and that the plan does not install itself. apt -y removes
 * such a package without asking (Debian 12: qemu-user-static `Conflicts: qemu-user-binfmt`), so the plan
 * refuses before any change. Read from the observation (the candidate's Conflicts line from `apt-cache
 * show`, the dpkg status of the QEMU packages and of `packages`), so only what it looked at is seen;
 * the packages step simulates the whole transaction on the host (`apt-get -s`, ./scripts/apt.sh) and
 * refuses what this misses (a dependency's conflict, a Breaks, a virtual package). Pure.
 */
import { HostObservation } from "./observation";
import { compareDebianVersions } from "./version";

const OPS: Record<string, (c: number) => boolean> = {
  "<<": (c) => c < 0,
  "<=": (c) => c <= 0,
  "=": (c) => c === 0,
  ">=": (c) => c >= 0,
  ">>": (c) => c > 0,
};

/** Installed packages that the candidate of a package in PACKAGES Conflicts with, as refusal sentences. */
export function conflictProblems(obs: HostObservation, packages: readonly string[]): string[] {
  const planned = new Set(packages.map((p) => p.replace(/=.*/, "")));
  const problems: string[] = [];
  for (const name of planned) {
    const p = obs.packages.find((o) => o.name === name);
    if (p === undefined || p.status === "installed" || p.candidate === "" || (p.conflicts ?? "") === "") continue;
    const removed = (p.conflicts ?? "")
      .split(",")
      .map((e) => /^\s*([^\s:(]+)(?::\S+)?\s*(?:\(\s*(<<|<=|=|>=|>>)\s*([^)\s]+)\s*\))?\s*$/.exec(e))
      .flatMap((m) => {
        if (m === null || planned.has(m[1]!)) return [];
        const o = obs.packages.find((x) => x.name === m[1] && x.status === "installed");
        if (o === undefined) return [];
        if (m[2] !== undefined && !OPS[m[2]]!(compareDebianVersions(o.installed, m[3]!))) return [];
        return [`${o.name} ${o.installed}`];
      });
    if (removed.length === 0) continue;
    problems.push(
      `refused before any change: installing ${name} ${p.candidate} would make apt remove ${removed.join(", ")} (installed, not a package this host's QEMU set installs; ${name} Conflicts: ${p.conflicts}), and apt -y removes a conflicting package without asking. Ways out: remove it yourself if nothing needs it (apt-get remove ${removed.map((r) => r.split(" ")[0]).join(" ")}), or choose packages that do not conflict with it (the packages argument, or installPackages), or set installPackages to none and provide QEMU's static interpreters yourself (or installSource image)`,
    );
  }
  return problems;
}
