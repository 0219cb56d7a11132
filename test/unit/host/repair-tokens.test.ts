/**
 * Repair tokens (src/host/units.ts, scripts/units.sh): a unit's command carries the token recorded on the host
 * when the unit did not drift, so a run after a repair changes nothing; a drifted unit, or one with no token,
 * gets a fresh token, so its command runs once. The shell side runs for real with `sh` in a sandbox
 * (./rule-sandbox.ts: a simulated binfmt_misc directory), the units file in the sandbox's temp dir.
 */
import { describe, it, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import { RuleAction } from "../../../src/host/scripts/rule";
import { imageUnit, parseUnits, repairToken, unitVars, unitsFile, UNITS_DIR } from "../../../src/host/units";
import { kernelText, run, Sandbox, sandbox } from "./rule-sandbox";

const OWNER = "proj/prod BinfmtHost builder";
let s: Sandbox;
let file: string;
beforeEach(() => {
  s = sandbox();
  file = path.join(s.root, "var", "lib", "pulumi-qemu-binfmt", "units", "abc");
});

const withUnit = (unit: string, token: string) => ({ ...s.plan.script, unit: { file, owner: OWNER, unit, token } });

describe("repair tokens", () => {
  it("keeps the recorded token while the unit shows no drift, and derives a new one on drift or when none is recorded", () => {
    const missing = ["binfmt_misc entry qemu-aarch64 is not registered"];
    assert.equal(repairToken([], "a1b2"), "a1b2");
    const repaired = repairToken(missing, "a1b2");
    assert.match(repaired, /^[0-9a-f]{16}$/);
    assert.notEqual(repaired, "a1b2", "a drifted unit's input differs from the one its last run stored");
    assert.equal(repairToken(missing, "a1b2"), repaired, "the same in a preview and the up after it");
    assert.notEqual(repairToken(missing, repaired), repaired, "the same drift again after a repair: another new token");
    assert.match(repairToken([], undefined), /^[0-9a-f]{16}$/);
    assert.notEqual(repairToken(undefined, "a1b2"), "a1b2", "a host that was not read: its drift is unknown");
  });

  it("reads only its own owner's tokens, one per unit", () => {
    const text = `# Owner: ${OWNER}\npackages 00aa\naarch64 11bb\nnot a token line\n__proto__ 22cc\narm NOT-HEX`;
    assert.deepEqual(parseUnits(text, OWNER), { packages: "00aa", aarch64: "11bb" }, "a damaged line is ignored: that unit gets a new token");
    assert.deepEqual(parseUnits(text, "other/stack BinfmtHost x"), {});
    assert.match(unitsFile(OWNER), new RegExp(`^${UNITS_DIR}/[0-9a-f]{16}$`));
    assert.notEqual(unitsFile(OWNER), unitsFile("proj/dev BinfmtHost builder"));
    assert.equal(imageUnit("0123456789abcdef0123"), "interpreters-0123456789ab");
  });

  it("refuses a unit name or token a script could not carry as one awk field", () => {
    assert.throws(() => unitVars({ file, owner: OWNER, unit: "a b", token: "00" }), /unit name "a b"/);
    assert.throws(() => unitVars({ file, owner: OWNER, unit: "arm", token: "0'0" }), /repair token/);
  });

  it("a successful apply records the target's token next to the other units'; remove forgets it, and the last unit removes the file and its empty directories", () => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `# Owner: ${OWNER}\npackages 00aa\n`);
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(s.plan.script));
    const applied = run(s, RuleAction.Apply, withUnit("aarch64", "11bb"));
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(readFileSync(file, "utf8"), `# Owner: ${OWNER}\npackages 00aa\naarch64 11bb\n`);
    const again = run(s, RuleAction.Apply, withUnit("aarch64", "33dd"));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(file, "utf8"), `# Owner: ${OWNER}\npackages 00aa\naarch64 33dd\n`, "one line per unit");
    const removed = run(s, RuleAction.Remove, withUnit("aarch64", "33dd"));
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(readFileSync(file, "utf8"), `# Owner: ${OWNER}\npackages 00aa\n`);
    writeFileSync(file, `# Owner: ${OWNER}\n`);
    assert.equal(run(s, RuleAction.Remove, withUnit("aarch64", "33dd")).code, 0);
    assert.equal(existsSync(file), false, "no unit left: the file goes");
    assert.equal(existsSync(path.dirname(file)), false, "and its directory");
    assert.equal(existsSync(path.dirname(path.dirname(file))), false, "and /var/lib/pulumi-qemu-binfmt when empty");
  });

  it("a failed apply records nothing: the next run's token is new, so the rule runs again", () => {
    // The interpreter does not exist: the apply fails at its first check, before any change.
    const r = run(s, RuleAction.Apply, { ...withUnit("aarch64", "11bb"), registerLine: ":qemu-aarch64:M::\\x7f:\\xff:/nonexistent:F" });
    assert.notEqual(r.code, 0);
    assert.equal(existsSync(file), false);
  });

  it("writes the file 0644 in 0755 directories under a umask of 077 (the observation reads it as the login user)", () => {
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(s.plan.script));
    const r = run(s, RuleAction.Apply, withUnit("aarch64", "11bb"), undefined, "umask 077");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(file).mode & 0o777, 0o644);
    assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o755);
  });

  it("forgetting leaves a file of another owner alone", () => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `# Owner: someone else\npackages 00aa\n`);
    assert.equal(run(s, RuleAction.Remove, withUnit("aarch64", "11bb")).code, 0);
    assert.equal(readFileSync(file, "utf8"), `# Owner: someone else\npackages 00aa\n`);
  });

  it("a file of another owner under the same name is replaced, not merged", () => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `# Owner: someone else\npackages 00aa\n`);
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(s.plan.script));
    assert.equal(run(s, RuleAction.Apply, withUnit("aarch64", "11bb")).code, 0);
    assert.equal(readFileSync(file, "utf8"), `# Owner: ${OWNER}\naarch64 11bb\n`);
  });
});
