/**
 * The observation's boot run (src/host/scripts/observe.sh `boot_run`): the conditions of systemd-binfmt
 * as its unit file and drop-ins set them (an empty assignment resets the list), each evaluated by one
 * `systemd-analyze condition`, or, on systemd < 243, this boot's "was not met" line of `systemctl status`.
 * Run for real with `sh`; systemctl and systemd-analyze are small fakes printing what systemd 252 prints
 * (formats taken from a Debian 12 lab host), the unit files are in a temporary directory.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { observationRequest, parseObservation } from "../../../src/host/observation";
import { parseHostArgs } from "../../../src/component/validate";
import { observeScript } from "../../../src/host/scripts/observe";
import { persistenceDecision } from "../../../src/host/evidence";
import { runScript } from "./run-script";

const SHIPPED = `[Unit]
Description=Set Up Additional Binary Formats
ConditionPathIsMountPoint=/proc/sys/fs/binfmt_misc
ConditionDirectoryNotEmpty=|/lib/binfmt.d
ConditionDirectoryNotEmpty=|/usr/lib/binfmt.d
ConditionDirectoryNotEmpty=|/usr/local/lib/binfmt.d
ConditionDirectoryNotEmpty=|/etc/binfmt.d
ConditionDirectoryNotEmpty=|/run/binfmt.d
`;
const config = parseHostArgs("t", { connection: { host: "h" }, architectures: ["aarch64"] });

/** Observes a fake host whose systemd-binfmt has these drop-ins; `analyze: false` stands for systemd < 243. */
function observe(dropIns: string[], analyze = true) {
  const dir = mkdtempSync(path.join(tmpdir(), "pqb-boot-"));
  const unit = path.join(dir, "systemd-binfmt.service");
  writeFileSync(unit, SHIPPED);
  const drops = dropIns.map((text, i) => {
    const f = path.join(dir, `${i}.conf`);
    writeFileSync(f, text);
    return f;
  });
  const fake = (name: string, body: string) => {
    writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  };
  fake(
    "systemctl",
    `case "$*" in
  *LoadState*) echo loaded ;; *UnitFileState*) echo static ;; *ActiveState*) echo inactive ;;
  "show -p FragmentPath"*) printf 'Result=success\\nConditionResult=no\\nConditionTimestampMonotonic=8123456\\nFragmentPath=${unit}\\nDropInPaths=${drops.join(" ")}\\n' ;;
  status*) printf '  Condition: start condition failed at Tue 2026-12-08 00:12:34 UTC; 1min ago\\n             \\342\\224\\224\\342\\224\\200 ConditionVirtualization=!wsl was not met\\n' ;;
esac`,
  );
  fake(
    "systemd-analyze",
    analyze
      ? `r=0; for c; do case $c in 'ConditionVirtualization=!wsl' | *=\\|/lib/binfmt.d) echo "test.service: $c failed."; r=1 ;; *) echo "test.service: $c succeeded." ;; esac; done
[ $r = 0 ] && echo "Conditions succeeded." || echo "Conditions failed."; exit $r`
      : `echo "Unknown command verb $1." >&2; exit 1`,
  );
  const r = runScript(
    observeScript("b-1", observationRequest(config)),
    [],
    [
      ["\nPATH=/usr/local/sbin:", `\nPATH=${dir}:/usr/local/sbin:`],
      ["if [ -d /run/systemd/system ]; then systemd=true", "if true; then systemd=true"],
      // Not this machine's apt (its queries take seconds here, and are not what is tested).
      ["then apt=true; else apt=false; fi", "then apt=false; else apt=false; fi"],
    ],
  );
  assert.equal(r.code, 0, r.stderr);
  return { obs: parseObservation(r.stdout, "b-1"), drops };
}

describe("the observation's boot run", () => {
  it("reads the conditions of the unit file and its drop-ins (blanks trimmed), each with its file and systemd-analyze's verdict", () => {
    const { obs, drops } = observe(["[Unit]\n  ConditionVirtualization=!wsl  \n"]);
    const run = obs.boot.run;
    assert.ok(run !== undefined);
    assert.equal(run.conditionResult, "no");
    assert.equal(run.conditionChecked, 8123456);
    assert.equal(run.conditions.length, 7);
    assert.deepEqual(run.conditions[6], { text: "ConditionVirtualization=!wsl", met: "no", source: drops[0] });
    assert.deepEqual(run.conditions[1]?.met, "no");
    assert.deepEqual(run.conditions[4]?.met, "yes");
    assert.equal(run.notMet, "");
    const d = persistenceDecision(config, obs);
    assert.equal(d.value, false);
    assert.match(d.reason, new RegExp(`its condition ConditionVirtualization=!wsl is not met on this host \\(set in ${drops[0]}\\)`));
  });

  it("an empty assignment in a later drop-in resets the list (the condition no longer applies): persistent", () => {
    const { obs } = observe(["[Unit]\nConditionVirtualization=!wsl\n", "[Unit]\nConditionVirtualization=\nConditionPathIsMountPoint=/proc/sys/fs/binfmt_misc\n"]);
    assert.deepEqual(
      obs.boot.run?.conditions.map((c) => c.text),
      ["ConditionPathIsMountPoint=/proc/sys/fs/binfmt_misc"],
    );
    assert.equal(persistenceDecision(config, obs).value, true);
  });

  it("systemd < 243 (no systemd-analyze condition): this boot's 'was not met' line from systemctl status decides", () => {
    const { obs } = observe(["[Unit]\nConditionVirtualization=!wsl\n"], false);
    assert.equal(obs.boot.run?.notMet, "ConditionVirtualization=!wsl was not met");
    assert.ok(obs.boot.run?.conditions.every((c) => c.met === ""));
    const d = persistenceDecision(config, obs);
    assert.equal(d.value, false);
    assert.match(d.reason, /was skipped at this boot: its condition ConditionVirtualization=!wsl was not met \(set in .*0\.conf\)/);
  });
});
