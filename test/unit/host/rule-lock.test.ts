/**
 * The host's lock (src/host/scripts/lock.sh): the rule commands of a host start together, so each rule
 * script takes the lock before it reads or changes anything. Run for real with `sh` and util-linux flock in
 * a sandbox (rule-sandbox.ts); the lock file is the sandbox's own, never /run's.
 */
import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { BINFMT_MISC, HOST_LOCK_FILE, HOST_LOCK_WAIT_SECONDS, RuleAction, ruleScript } from "../../../src/host/scripts/rule";
import { runScript, ScriptRun } from "./run-script";
import { kernelText, Sandbox, sandbox } from "./rule-sandbox";

let s: Sandbox;
let holder: ChildProcess | undefined;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => {
  holder?.kill();
  holder = undefined;
});

const lockFile = () => path.join(s.root, "lock");

/** Another process takes the lock, says so in `held`, keeps it SECONDS, writes `released`, then lets go. */
async function holdLock(seconds: number): Promise<void> {
  holder = spawn("flock", [lockFile(), "sh", "-c", `echo > "$0/held"; sleep ${seconds}; echo > "$0/released"`, s.root], { stdio: "ignore" });
  for (let i = 0; i < 200 && !existsSync(path.join(s.root, "held")); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(existsSync(path.join(s.root, "held")), "the other process holds the lock");
}

function runRule(action: RuleAction, waitSeconds = HOST_LOCK_WAIT_SECONDS): ScriptRun {
  return runScript(
    ruleScript(s.plan.script),
    [action],
    [
      [`MNT='${BINFMT_MISC}'`, `MNT='${s.mnt}'`],
      [`LOCK_FILE='${HOST_LOCK_FILE}'`, `LOCK_FILE='${lockFile()}'`],
      [`LOCK_WAIT='${HOST_LOCK_WAIT_SECONDS}'`, `LOCK_WAIT='${waitSeconds}'`],
    ],
  );
}

describe("the host's lock of the rule scripts", () => {
  it("waits while another command holds the lock and does its work after that command let go", async () => {
    // The fake kernel does not act on register: the entry is there already, as the kernel would show it.
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(s.plan.script));
    await holdLock(1);
    const r = runRule(RuleAction.Apply);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(path.join(s.root, "released")), "the rule ran only after the holder had finished");
    assert.equal(readFileSync(s.plan.script.file, "utf8"), `${s.plan.script.content}\n`, "then it did its work");
  });

  it("fails after LOCK_WAIT seconds naming the lock file, and changes nothing", async () => {
    await holdLock(10);
    const r = runRule(RuleAction.Apply, 1);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`held the lock ${lockFile().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} for more than 1 s`));
    assert.equal(readFileSync(path.join(s.mnt, "register"), "utf8"), "", "nothing registered");
    assert.equal(existsSync(s.plan.script.file), false, "no binfmt.d file written");
  });

  it("takes the lock for a remove too", async () => {
    await holdLock(10);
    const r = runRule(RuleAction.Remove, 1);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /for more than 1 s/);
  });
});
