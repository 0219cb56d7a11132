/**
 * Persistence is judged from whether systemd-binfmt RUNS at boot, not from its unit-file state: a loaded,
 * static unit that a condition skips at every boot (Ubuntu on WSL2's drop-in ConditionVirtualization=!wsl)
 * does not bring the entries back. Observations as src/host/scripts/observe.sh prints them (the boot
 * record's `run`), parsed by parseObservation. The real systemd is proved on a lab host by
 * test/integration/boot-conditions.test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { persistenceDecision } from "../../../src/host/evidence";
import { parseObservation } from "../../../src/host/observation";
import { BootRun } from "../../../src/host/boot-run";
import { parseHostArgs } from "../../../src/component/validate";
import { DEBIAN12_FACTS } from "../component/harness";
import { observationStdout } from "../../support/observation";

const config = (architectures: string[]) => parseHostArgs("t", { connection: { host: "h" }, architectures });
const SHIPPED = "/usr/lib/systemd/system/systemd-binfmt.service";
const WSL_DROPIN = "/usr/lib/systemd/system/systemd-binfmt.service.d/wsl.conf";
const DIRS = ["/lib/binfmt.d", "/usr/lib/binfmt.d", "/usr/local/lib/binfmt.d", "/etc/binfmt.d", "/run/binfmt.d"];

/** The conditions of systemd 252's unit; triggers "no": every binfmt.d directory was empty (a fresh host). */
function conditions(triggers: "yes" | "no" | "" = "no", extra: BootRun["conditions"] = []): BootRun["conditions"] {
  const met = triggers === "" ? "" : "yes";
  return [
    { text: "ConditionPathIsMountPoint=/proc/sys/fs/binfmt_misc", met, source: SHIPPED },
    ...DIRS.map((d) => ({ text: `ConditionDirectoryNotEmpty=|${d}`, met: triggers, source: SHIPPED })),
    ...extra,
  ];
}

/** The observation of a systemd host whose boot record carries RUN (and ACTIVE). */
function withRun(run: BootRun, active = "inactive") {
  const lines = observationStdout(DEBIAN12_FACTS)
    .split("\n")
    .map((l) => (l.includes('"kind":"boot"') ? JSON.stringify({ ...JSON.parse(l), active, run }) : l));
  return parseObservation(lines.join("\n"), "test");
}

const skippedRun = (extra: BootRun["conditions"], triggers: "yes" | "no" | "" = "no"): BootRun => ({
  conditionResult: "no",
  conditionChecked: 1_234_567,
  result: "success",
  files: `${SHIPPED} ${WSL_DROPIN}`,
  notMet: "",
  conditions: conditions(triggers, extra),
});

describe("persistence: does systemd-binfmt run at boot", () => {
  const cfg = config(["aarch64"]);

  it("a drop-in condition that fails on the host (Ubuntu on WSL2: ConditionVirtualization=!wsl): not persistent, naming the condition and the drop-in", () => {
    const obs = withRun(skippedRun([{ text: "ConditionVirtualization=!wsl", met: "no", source: WSL_DROPIN }]));
    const d = persistenceDecision(cfg, obs);
    assert.equal(d.value, false);
    assert.equal(
      d.reason,
      `systemd-binfmt.service is skipped at every boot: its condition ConditionVirtualization=!wsl is not met on this host (set in ${WSL_DROPIN}), so nothing applies binfmt.d files at boot`,
    );
  });

  it("a fresh host, skipped at this boot only because every binfmt.d directory was empty: persistent (our file in configDir meets the trigger)", () => {
    const d = persistenceDecision(cfg, withRun(skippedRun([])));
    assert.equal(d.value, true, d.reason);
  });

  it("ran at this boot and its conditions hold: persistent, saying it ran", () => {
    const run = { ...skippedRun([], "yes"), conditionResult: "yes" };
    const d = persistenceDecision(cfg, withRun(run, "active"));
    assert.equal(d.value, true);
    assert.match(d.reason, /systemd-binfmt \(static, ran at this boot \(active\)\) applies \/etc\/binfmt\.d at boot/);
  });

  it("ran at this boot, but a condition added since fails now: not persistent (the unit file as it is decides the next boot)", () => {
    const run = {
      ...skippedRun([{ text: "ConditionKernelCommandLine=!nobinfmt", met: "no" as const, source: "/etc/systemd/system/systemd-binfmt.service.d/x.conf" }], "yes"),
      conditionResult: "yes",
    };
    const d = persistenceDecision(cfg, withRun(run, "active"));
    assert.equal(d.value, false);
    assert.match(d.reason, /its condition ConditionKernelCommandLine=!nobinfmt is not met on this host \(set in \/etc\/systemd\/system\/systemd-binfmt\.service\.d\/x\.conf\)/);
  });

  it("trigger conditions that none of which our file meets (a drop-in that narrows them): not persistent, naming them", () => {
    const run: BootRun = {
      ...skippedRun([]),
      conditions: [{ text: "ConditionDirectoryNotEmpty=|/run/binfmt.d", met: "no", source: "/etc/systemd/system/systemd-binfmt.service.d/only-run.conf" }],
    };
    const d = persistenceDecision(cfg, withRun(run));
    assert.equal(d.value, false);
    assert.match(d.reason, /none of its trigger conditions \(ConditionDirectoryNotEmpty=\|\/run\/binfmt\.d\) is met on this host, and \/etc\/binfmt\.d is not one of them/);
  });

  it("systemd < 243 (no systemd-analyze condition): this boot's failed condition decides, unless it was only the empty directories", () => {
    const old = (notMet: string): BootRun => ({ ...skippedRun([{ text: "ConditionVirtualization=!wsl", met: "", source: WSL_DROPIN }], ""), notMet });
    const wsl = persistenceDecision(cfg, withRun(old("ConditionVirtualization=!wsl was not met")));
    assert.equal(wsl.value, false);
    assert.match(wsl.reason, /was skipped at this boot: its condition ConditionVirtualization=!wsl was not met \(set in .*wsl\.conf\)/);
    assert.equal(persistenceDecision(cfg, withRun(old("none of the trigger conditions were met"))).value, true);
  });

  it("an observation without the run (stored by an earlier version) keeps the unit-file judgement", () => {
    const obs = parseObservation(observationStdout(DEBIAN12_FACTS), "test");
    assert.equal(obs.boot.run, undefined);
    assert.equal(persistenceDecision(cfg, obs).value, true);
  });
});
