/**
 * The rule scripts, run for real with `sh` against a FAKE binfmt_misc directory in a temp dir (the
 * script's MNT variable is pointed there): the kernel is simulated by pre-written entry files. Nothing
 * outside the temp dir is touched.
 */
import { describe, it, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { planHost, RulePlan } from "../../../src/host/plan";
import { parseHostArgs } from "../../../src/component/validate";
import { applyRuleScript, removeRuleScript, RuleScriptInput } from "../../../src/host/scripts/rule";
import { DEBIAN12_FACTS, observed } from "./harness";

/** A minimal ELF64 little-endian executable header with a PT_LOAD and, optionally, a PT_INTERP. */
function fakeElf(dynamic: boolean): Buffer {
  const phnum = dynamic ? 2 : 1;
  const b = Buffer.alloc(64 + 56 * phnum);
  b.write("\x7fELF", 0, "latin1");
  b[4] = 2; // ELFCLASS64
  b[5] = 1; // little-endian
  b[6] = 1;
  b.writeUInt16LE(2, 16);
  b.writeUInt16LE(0x3e, 18);
  b.writeBigUInt64LE(64n, 32); // e_phoff
  b.writeUInt16LE(64, 52);
  b.writeUInt16LE(56, 54); // e_phentsize
  b.writeUInt16LE(phnum, 56);
  b.writeUInt32LE(1, 64); // PT_LOAD
  if (dynamic) b.writeUInt32LE(3, 64 + 56); // PT_INTERP
  return b;
}

interface Sandbox {
  root: string;
  mnt: string;
  bin: string;
  etc: string;
  plan: RulePlan;
}

function sandbox(): Sandbox {
  const root = mkdtempSync(path.join(tmpdir(), "pqb-rule-"));
  const mnt = path.join(root, "binfmt_misc");
  const bin = path.join(root, "bin");
  const etc = path.join(root, "etc", "binfmt.d");
  mkdirSync(mnt, { recursive: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(mnt, "register"), "");
  const interp = path.join(bin, "qemu-aarch64-static");
  writeFileSync(interp, fakeElf(false));
  chmodSync(interp, 0o755);
  const config = parseHostArgs("t", { connection: { host: "h" }, architectures: ["aarch64"], configDir: etc, interpreterDir: bin });
  const plan = planHost(config, observed(DEBIAN12_FACTS), "t (root@h:22)").rules[0];
  if (plan === undefined) throw new Error("no rule");
  return { root, mnt, bin, etc, plan };
}

function run(s: Sandbox, script: string): { code: number; stdout: string; stderr: string } {
  const patched = script.replace("MNT='/proc/sys/fs/binfmt_misc'", `MNT='${s.mnt}'`);
  assert.notEqual(patched, script, "the script names the real binfmt_misc mount in one MNT variable");
  const r = spawnSync("sh", ["-c", patched], { encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** What the kernel prints for the rendered rule (the simulated registration). */
function kernelText(i: RuleScriptInput, over: Partial<Record<"state" | "interpreter" | "flags" | "magic", string>> = {}): string {
  const e = i.expected;
  return `${over.state ?? "enabled"}\ninterpreter ${over.interpreter ?? e.interpreter}\nflags: ${over.flags ?? e.flags}\noffset ${e.offset}\nmagic ${over.magic ?? e.magic}\nmask ${e.mask}\n`;
}

let s: Sandbox;
beforeEach(() => {
  s = sandbox();
});

describe("rule apply script", () => {
  it("writes the binfmt.d file once, leaves an entry that already matches alone, and reports it", () => {
    const i = s.plan.script;
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(i));
    const first = run(s, applyRuleScript(i));
    assert.equal(first.code, 0, first.stderr);
    const out = JSON.parse(first.stdout);
    assert.equal(out.wroteFile, true);
    assert.equal(out.applied, "unchanged");
    assert.equal(readFileSync(path.join(s.mnt, "register"), "utf8"), "", "nothing re-registered");
    assert.equal(readFileSync(i.file, "utf8"), `${i.content}\n`);
    const second = run(s, applyRuleScript(i));
    assert.equal(second.code, 0, second.stderr);
    assert.equal(JSON.parse(second.stdout).wroteFile, false, "idempotent: the second run writes nothing");
  });

  it("replaces a same-named entry from another registrar (-1, then the rendered line) and fails naming every differing field", () => {
    const i = s.plan.script;
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(i, { interpreter: "/usr/libexec/qemu-binfmt/aarch64-binfmt-P", flags: "POF" }));
    const r = run(s, applyRuleScript(i));
    // The fake kernel does not act on "-1" / register, so the entry reads "-1" afterwards: the script
    // must notice that the kernel's entry is not what it rendered.
    assert.equal(readFileSync(path.join(s.mnt, "register"), "utf8"), `${i.registerLine}\n`, "the rendered line was written to register");
    assert.equal(readFileSync(path.join(s.mnt, "qemu-aarch64"), "utf8"), "-1\n", "the old entry was removed first");
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /replacing binfmt_misc entry qemu-aarch64 registered by someone else \(interpreter \(expected ".*qemu-aarch64-static", actual "\/usr\/libexec\/qemu-binfmt\/aarch64-binfmt-P"\); flags \(expected "F", actual "POF"\)\)/,
    );
    assert.match(
      r.stderr,
      /t \(root@h:22\): binfmt_misc entry qemu-aarch64 is not what was rendered: state \(expected "enabled", actual "-1"\); interpreter .*; flags .*; offset .*; magic .*; mask/,
    );
  });

  it("refuses to overwrite a binfmt.d file it did not write", () => {
    const i = s.plan.script;
    mkdirSync(s.etc, { recursive: true });
    writeFileSync(i.file, ":qemu-aarch64:M::\\x7f:\\xff:/opt/qemu:F\n");
    const r = run(s, applyRuleScript(i));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /qemu-aarch64\.conf exists and was not written by pulumi-qemu-binfmt/);
    assert.equal(readFileSync(i.file, "utf8"), ":qemu-aarch64:M::\\x7f:\\xff:/opt/qemu:F\n");
  });

  it("fails when flag F is asked for and the interpreter is dynamically linked", () => {
    writeFileSync(path.join(s.bin, "qemu-aarch64-static"), fakeElf(true));
    const r = run(s, applyRuleScript(s.plan.script));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is dynamically linked, but flag F/);
  });

  it("fails naming the interpreter and what to do when it is missing", () => {
    const r = run(s, applyRuleScript({ ...s.plan.script, expected: { ...s.plan.script.expected, interpreter: path.join(s.bin, "nope") } }));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /interpreter .*\/nope for target aarch64 does not exist\. Install the package that provides it/);
  });
});

describe("rule remove script", () => {
  it("unregisters an entry that is still exactly ours and deletes the file apply wrote", () => {
    const i = s.plan.script;
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(i));
    assert.equal(run(s, applyRuleScript(i)).code, 0);
    const r = run(s, removeRuleScript(i));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { target: "aarch64", name: "qemu-aarch64", unregistered: true, removedFile: true });
    assert.equal(readFileSync(path.join(s.mnt, "qemu-aarch64"), "utf8"), "-1\n");
    assert.equal(existsSync(i.file), false);
  });

  it("leaves an entry that someone else re-registered, and a file it did not write", () => {
    const i = s.plan.script;
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(i, { flags: "POF" }));
    mkdirSync(s.etc, { recursive: true });
    writeFileSync(i.file, "# someone else's\n");
    const r = run(s, removeRuleScript(i));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { target: "aarch64", name: "qemu-aarch64", unregistered: false, removedFile: false });
    assert.match(r.stderr, /leaving binfmt_misc entry qemu-aarch64 registered: it is no longer the one this component wrote \(flags/);
    assert.match(r.stderr, /leaving .*qemu-aarch64\.conf: it was not written by pulumi-qemu-binfmt/);
  });

  it("is idempotent when nothing is left", () => {
    const r = run(s, removeRuleScript(s.plan.script));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { target: "aarch64", name: "qemu-aarch64", unregistered: false, removedFile: false });
  });
});
