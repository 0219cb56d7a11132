/**
 * The rule script's guards and its all-or-nothing apply, run for real with `sh` in a sandbox with a
 * simulated binfmt_misc directory (./rule-sandbox.ts). The real kernel's behaviour (registration
 * refused, a self-matching rule, a foreign overlapping entry) is proved on lab hosts in
 * test/integration/rule-apply-guards.test.ts.
 */
import { describe, it, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { RuleAction } from "../../../src/host/scripts/rule";
import { fakeCommands, fakeElf, kernelText, run, Sandbox, sandbox } from "./rule-sandbox";

let s: Sandbox;
beforeEach(() => {
  s = sandbox();
});

function foreign(name: string, state: "enabled" | "disabled", magic: string, mask: string, offset = "0"): void {
  writeFileSync(path.join(s.mnt, name), `${state}\ninterpreter /bin/true\nflags: \noffset ${offset}\nmagic ${magic}\n${mask ? `mask ${mask}\n` : ""}`);
}

describe("rule apply: checks before any change", () => {
  it("refuses a rule whose magic/mask matches its own interpreter (every exec would loop), and changes nothing", () => {
    writeFileSync(s.plan.script.expected.interpreter, fakeElf(false, 0xb7)); // an aarch64 ELF, as on an aarch64 host
    const r = run(s, RuleAction.Apply);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /refusing to register qemu-aarch64 for target aarch64: its magic\/mask matches the ELF header of this host's own interpreter \(.*qemu-aarch64-static\)\. .*every exec on this host would loop \("Too many levels of symbolic links"\)/,
    );
    assert.equal(readFileSync(path.join(s.mnt, "register"), "utf8"), "", "nothing registered");
    assert.equal(existsSync(s.plan.script.file), false, "no file written");
  });

  it("refuses when another ENABLED entry matches the same binaries, naming it and how to resolve it, and never touches it", () => {
    const e = s.plan.script.expected;
    foreign("zz-other", "enabled", e.magic, e.mask);
    const before = readFileSync(path.join(s.mnt, "zz-other"), "utf8");
    const r = run(s, RuleAction.Apply);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot register qemu-aarch64 for target aarch64: the enabled binfmt_misc entry zz-other \(interpreter \/bin\/true\) matches the same binaries/);
    assert.match(r.stderr, /whichever matching entry comes first/);
    assert.match(r.stderr, new RegExp(`echo 0 > '${s.mnt.replace(/[/.]/g, "\\$&")}/zz-other'`));
    assert.equal(readFileSync(path.join(s.mnt, "zz-other"), "utf8"), before, "the foreign entry is untouched");
    assert.equal(readFileSync(path.join(s.mnt, "register"), "utf8"), "");
    assert.equal(existsSync(s.plan.script.file), false);
  });

  it("names two conflicting entries, one with a space in its name, each once and quoted in the fix", () => {
    const e = s.plan.script.expected;
    foreign("zz other", "enabled", e.magic, e.mask);
    foreign("zz-second", "enabled", e.magic, e.mask);
    const r = run(s, RuleAction.Apply);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /entry zz other \(interpreter \/bin\/true\), zz-second \(interpreter \/bin\/true\) matches/);
    const mnt = s.mnt.replace(/[/.]/g, "\\$&");
    assert.match(r.stderr, new RegExp(`echo 0 > '${mnt}/zz other'; echo 0 > '${mnt}/zz-second'`));
    assert.equal(readFileSync(path.join(s.mnt, "register"), "utf8"), "");
  });

  it("sees an overlap through offsets and masks: a shorter magic at offset 16 that constrains only e_machine", () => {
    foreign("zz-machine", "enabled", "0200b700", "fefffffe", "16");
    const r = run(s, RuleAction.Apply);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /entry zz-machine .* matches the same binaries/);
  });

  it("ignores disabled entries, extension entries and entries that cannot match the same header", () => {
    const e = s.plan.script.expected;
    foreign("zz-disabled", "disabled", e.magic, e.mask);
    writeFileSync(path.join(s.mnt, "zz-ext"), "enabled\ninterpreter /bin/true\nflags: \nextension .xyz\n");
    foreign("zz-x86", "enabled", "7f454c4602010100000000000000000002003e00", "fffffffffffefe00ffffffffffffffffffffffff");
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(s.plan.script));
    const r = run(s, RuleAction.Apply);
    assert.equal(r.code, 0, r.stderr);
  });
});

describe("rule apply: all or nothing", () => {
  it("passes the kernel's own error through when it refuses the registration, and leaves no file and no entry", () => {
    rmSync(path.join(s.mnt, "register"));
    mkdirSync(path.join(s.mnt, "register")); // writing to it fails: the stand-in for a refusing kernel
    const r = run(s, RuleAction.Apply);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the kernel rejected the registration of qemu-aarch64 \(:qemu-aarch64:M::.*\): .*Is a directory/);
    assert.doesNotMatch(r.stderr, /kernels before 4\.8/, "no guessed cause: this kernel is newer than 4.8");
    assert.equal(existsSync(s.plan.script.file), false, "the binfmt.d file is written last, so it was never written");
    assert.equal(existsSync(path.join(s.mnt, "qemu-aarch64")), false);
  });

  it("adds the flag F hint only when this kernel is older than 4.8 (read from uname -r)", () => {
    rmSync(path.join(s.mnt, "register"));
    mkdirSync(path.join(s.mnt, "register"));
    const bin = fakeCommands(s, { uname: { out: "4.4.0-210-generic\n", code: 0 } });
    const r = run(s, RuleAction.Apply, s.plan.script, bin);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the kernel rejected the registration of qemu-aarch64 .*Is a directory \(this kernel is 4\.4\.0-210-generic; flag F needs Linux 4\.8 or later\)/);
  });

  it("passes mount's own error through when binfmt_misc is not mounted and cannot be mounted, and changes nothing", () => {
    rmSync(path.join(s.mnt, "register")); // not mounted; the stand-in mount refuses (never the real one here)
    const bin = fakeCommands(s, { mount: { err: "mount: /proc/sys/fs/binfmt_misc: permission denied.\n", code: 32 } });
    const r = run(s, RuleAction.Apply, s.plan.script, bin);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /binfmt_misc is not mounted at .* and 'mount -t binfmt_misc binfmt_misc .*' failed: mount: \/proc\/sys\/fs\/binfmt_misc: permission denied\./);
    assert.doesNotMatch(r.stderr, /2>\/dev\/null|kernels before/);
    assert.equal(existsSync(s.plan.script.file), false);
  });

  it("keeps our previous file when the new registration fails, and says what it put back", () => {
    const i = s.plan.script;
    mkdirSync(s.etc, { recursive: true });
    const old = `${i.content.split("\n")[0]}\n:qemu-aarch64:M::\\x7f:\\xff:/opt/old:F\n`;
    writeFileSync(i.file, old);
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(i, { interpreter: "/opt/old" }));
    const r = run(s, RuleAction.Apply);
    // The simulated kernel ignores the writes, so the entry reads "-1" after the re-registration: a failed verification.
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not what was rendered/);
    assert.equal(readFileSync(i.file, "utf8"), old, "our previous file is unchanged");
    assert.deepEqual(
      readdirSync(s.etc).filter((f) => f !== path.basename(i.file)),
      [],
      "no temp or backup file left",
    );
  });

  it("fails before any change when binfmt.d holds a file it did not write", () => {
    const i = s.plan.script;
    mkdirSync(s.etc, { recursive: true });
    writeFileSync(i.file, "# someone else's\n");
    chmodSync(i.file, 0o644);
    const r = run(s, RuleAction.Apply);
    assert.equal(r.code, 1);
    assert.equal(readFileSync(path.join(s.mnt, "register"), "utf8"), "", "nothing registered");
  });
});
