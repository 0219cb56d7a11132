/**
 * Observations of fake hosts for tests without hosts: what src/host/scripts/observe.sh prints on a host
 * with the given facts, binfmt_misc mounted and empty, no package or interpreter evidence (so the
 * interpreter layout follows the distribution), and systemd-binfmt loaded when systemd runs.
 */
import { HostFacts } from "../../src/host/facts";
import { HostObservation, parseObservation } from "../../src/host/observation";

export function observationStdout(facts: HostFacts): string {
  const records = [
    { kind: "facts", ...facts },
    { kind: "binfmt", mounted: facts.binfmtMiscMounted, status: "enabled" },
    { kind: "boot", load: facts.systemd ? "loaded" : "", unitFileState: facts.systemd ? "static" : "", active: facts.systemd ? "active" : "", configDirFs: "ext2/ext3" },
  ];
  return records.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

/** The parsed observation of such a host. */
export function observed(facts: HostFacts): HostObservation {
  return parseObservation(observationStdout(facts), "test");
}
