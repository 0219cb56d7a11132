/**
 * The host's lock (src/host/scripts/lock.sh): up to 4 rule commands of a host start together, so each rule
 * script takes the lock before it reads or changes anything. Run for real with `sh` and util-linux flock in
 * a sandbox (rule-sandbox.ts); the lock file and the units file are the sandbox's own, never /run's or
 * /var/lib's.
 */
import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { HOST_LOCK_WAIT_SECONDS, RuleAction, RuleScriptInput } from "../../../src/host/scripts/rule";
import { ScriptRun } from "./run-script";
import { kernelText, run, Sandbox, sandbox } from "./rule-sandbox";

const OWNER = "proj/prod BinfmtHost builder";
let s: Sandbox;
let unitsFile: string;
let holder: ChildProcess | undefined;
beforeEach(() => {
  s = sandbox();
  unitsFile = path.join(s.root, "units", "abc");
  mkdirSync(path.dirname(unitsFile), { recursive: true });
});
afterEach(() => {
  // The holder is flock and its sh and sleep: end the whole process group, so nothing outlives the test.
  if (holder?.pid !== undefined) {
    try {
      process.kill(-holder.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  holder = undefined;
});

const lockFile = () => path.join(s.root, "lock");
const withUnit = (token: string): RuleScriptInput => ({ ...s.plan.script, unit: { file: unitsFile, owner: OWNER, unit: "aarch64", token } });

/**
 * Another process takes the lock, says so in `held`, keeps it SECONDS, then writes into `released` whether the
 * rule's binfmt.d file existed while it still held the lock ("early": the rule did not wait), and lets go.
 */
async function holdLock(seconds: number): Promise<void> {
  const script = `echo > "$0/held"; sleep ${seconds}; if [ -e "$1" ]; then echo early; else echo waited; fi > "$0/released"`;
  holder = spawn("flock", [lockFile(), "sh", "-c", script, s.root, s.plan.script.file], { stdio: "ignore", detached: true });
  for (let i = 0; i < 200 && !existsSync(path.join(s.root, "held")); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(existsSync(path.join(s.root, "held")), "the other process holds the lock");
}

function runRule(action: RuleAction, input: RuleScriptInput, waitSeconds = HOST_LOCK_WAIT_SECONDS): ScriptRun {
  return run(s, action, input, undefined, undefined, [[`LOCK_WAIT='${HOST_LOCK_WAIT_SECONDS}'`, `LOCK_WAIT='${waitSeconds}'`]]);
}

describe("the host's lock of the rule scripts", () => {
  it("waits while another command holds the lock and does its work only after that command let go", async () => {
    // The fake kernel does not act on register: the entry is there already, as the kernel would show it.
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(s.plan.script));
    await holdLock(1);
    const r = runRule(RuleAction.Apply, withUnit("11bb"));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(path.join(s.root, "released"), "utf8"), "waited\n", "the rule wrote nothing while the other command held the lock");
    assert.equal(readFileSync(s.plan.script.file, "utf8"), `${s.plan.script.content}\n`, "then it did its work");
    assert.equal(readFileSync(unitsFile, "utf8"), `# Owner: ${OWNER}\naarch64 11bb\n`);
  });

  it("lets go when it fails, so the next rule command gets the lock at once", () => {
    // No kernel entry appears after register: the apply fails after its changes (and rolls them back).
    const failed = runRule(RuleAction.Apply, withUnit("11bb"));
    assert.equal(failed.code, 1);
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(s.plan.script));
    const next = runRule(RuleAction.Apply, withUnit("11bb"), 1);
    assert.equal(next.code, 0, next.stderr);
  });

  it("fails after LOCK_WAIT seconds naming the lock file, and changes nothing: no entry, no file, no token", async () => {
    writeFileSync(unitsFile, `# Owner: ${OWNER}\npackages 00aa\n`);
    await holdLock(10);
    const r = runRule(RuleAction.Apply, withUnit("11bb"), 1);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`held the lock ${lockFile().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} for more than 1 s`));
    assert.equal(readFileSync(path.join(s.mnt, "register"), "utf8"), "", "nothing registered");
    assert.equal(existsSync(s.plan.script.file), false, "no binfmt.d file written");
    assert.equal(readFileSync(unitsFile, "utf8"), `# Owner: ${OWNER}\npackages 00aa\n`, "no token recorded");
  });

  it("takes the lock for a remove too: while another command holds it, the entry, the file and the token stay", async () => {
    const i = s.plan.script;
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(i));
    mkdirSync(s.etc, { recursive: true });
    writeFileSync(i.file, `${i.content}\n`);
    writeFileSync(unitsFile, `# Owner: ${OWNER}\npackages 00aa\naarch64 11bb\n`);
    await holdLock(10);
    const r = runRule(RuleAction.Remove, withUnit("11bb"), 1);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /for more than 1 s/);
    assert.equal(readFileSync(path.join(s.mnt, "qemu-aarch64"), "utf8"), kernelText(i), "entry not unregistered");
    assert.equal(readFileSync(i.file, "utf8"), `${i.content}\n`, "file not removed");
    assert.equal(readFileSync(unitsFile, "utf8"), `# Owner: ${OWNER}\npackages 00aa\naarch64 11bb\n`, "token not forgotten");
  });

  it("says why when the lock file cannot be created", () => {
    const r = run(s, RuleAction.Apply, s.plan.script, undefined, undefined, [[`LOCK_FILE='${lockFile()}'`, `LOCK_FILE='${path.join(s.root, "no-such-dir", "lock")}'`]]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot create the lock file .*no-such-dir\/lock that the rule commands of a host take turns with/);
    assert.equal(readFileSync(path.join(s.mnt, "register"), "utf8"), "", "nothing registered");
  });
});
