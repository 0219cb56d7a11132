/**
 * The apt install source's checks before any change, from the observation. Pure.
 * - apt must exist on the host (facts.apt: apt-get and dpkg-query on PATH); on Fedora, Arch, an
 *   immutable OS... the message points at the image source.
 * - packageVersion: the QEMU packages of the set (qemu-user-static, qemu-user) must be offered in a
 *   version that satisfies it (`apt-cache madison`, read by the observation); the message otherwise
 *   names the versions available. The plan keeps the bare package names: the packages script chooses
 *   the version on the host after `apt-get update`, before installing anything (./scripts/packages.sh),
 *   so the plan (and the step's inputs) does not change when the lists or the candidate move, and a
 *   converged host previews clean; drift (./drift.ts) flags an installed version that misses the constraint.
 * - no package apt would remove to install one of the set, where the observation sees it (./apt-conflicts.ts).
 */
import { HostConfig } from "./config";
import { HostObservation } from "./observation";
import { chooseVersion } from "./version";
import { conflictProblems } from "./apt-conflicts";
import { VERSIONED_PACKAGES as VERSIONED } from "./scripts/packages";

/**
 * The packages apt installs (bare names). Problems (no apt, no version satisfying packageVersion) are
 * appended to `problems`, and the plan refuses to proceed.
 */
export function aptPackages(config: HostConfig, obs: HostObservation, packages: readonly string[], problems: string[]): string[] {
  // A host that could not be read has no facts: its own error says why (nothing to check here).
  if (packages.length === 0 || obs.facts.kernel === "") return [...packages];
  const f = obs.facts;
  if (!f.apt) {
    const distro = `${f.distroName || f.distroId || "unknown distribution"} (os-release ID=${f.distroId || "?"}${f.distroLike ? `, ID_LIKE=${f.distroLike}` : ""})`;
    // The ways out offered are the ones this host can take: the image source copies through docker.
    const image = f.docker
      ? `Use installSource "image" with interpreterImage "NAME@sha256:…" (static QEMU interpreters from an OCI image through the host's docker), or`
      : `installSource "image" copies interpreters from an OCI image through docker, which this host does not have on its PATH either (install docker first to use it); or use`;
    problems.push(
      `installSource "apt" needs apt-get and dpkg, and this host has neither: ${distro}. ${image} installPackages "none" with interpreters installed by other means (the distribution's own QEMU user-mode package, static builds)`,
    );
    return [...packages];
  }
  problems.push(...conflictProblems(obs, packages));
  const c = config.packageVersion;
  if (c === undefined) return [...packages];
  for (const p of packages) {
    if (!VERSIONED.test(p)) continue;
    const seen = obs.packages.find((o) => o.name === p);
    const offered = [...new Set([...(seen?.versions ?? []), ...(seen?.installed ? [seen.installed] : [])])];
    // No apt lists read yet (a fresh host, before its first apt-get update): the packages script
    // decides after updating them, before installing anything.
    if (offered.length === 0) continue;
    if (chooseVersion(offered, [seen?.installed ?? "", seen?.candidate ?? ""], c) === undefined) {
      problems.push(
        `packageVersion ${JSON.stringify(c.text)} cannot be satisfied for ${p}: the host's repositories offer ${offered.join(", ")}${seen?.installed ? ` (installed: ${seen.installed})` : ""}. Choose one of those, or add a repository that has it (e.g. backports), or ${f.docker ? `use installSource "image"` : `install docker and use installSource "image"`}`,
      );
    }
  }
  return [...packages];
}
