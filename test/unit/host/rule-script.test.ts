/**
 * The rule scripts, run for real with `sh` against a FAKE binfmt_misc directory in a temp dir (the
 * script's MNT variable is pointed there): the kernel is simulated by pre-written entry files. Nothing
 * outside the temp dir is touched.
 */
import { spawnSync } from "node:child_process";
import { describe, it, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { RuleAction } from "../../../src/host/scripts/rule";
import { fakeElf, kernelText, run, Sandbox, sandbox } from "./rule-sandbox";

let s: Sandbox;
beforeEach(() => {
  s = sandbox();
});

describe("rule apply script", () => {
  it("writes the binfmt.d file once, leaves an entry that already matches alone, and reports it", () => {
    const i = s.plan.script;
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(i));
    const first = run(s, RuleAction.Apply);
    assert.equal(first.code, 0, first.stderr);
    const out = JSON.parse(first.stdout);
    assert.equal(out.wroteFile, true);
    assert.equal(out.applied, "unchanged");
    assert.equal(readFileSync(path.join(s.mnt, "register"), "utf8"), "", "nothing re-registered");
    assert.equal(readFileSync(i.file, "utf8"), `${i.content}\n`);
    const second = run(s, RuleAction.Apply);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(JSON.parse(second.stdout).wroteFile, false, "idempotent: the second run writes nothing");
  });

  it("registers a matching entry again when it was registered before its interpreter file changed (flag F keeps the old file)", () => {
    const i = s.plan.script;
    const entry = path.join(s.mnt, "qemu-aarch64");
    writeFileSync(entry, kernelText(i));
    const hourAgo = Date.now() / 1000 - 3600;
    utimesSync(entry, hourAgo, hourAgo); // registered an hour before the sandbox's interpreter was written
    const r = run(s, RuleAction.Apply);
    assert.match(
      r.stderr,
      /registering qemu-aarch64 again: it was registered before \S+qemu-aarch64-static was replaced, and with flag F the kernel keeps running the file it opened then/,
    );
    assert.equal(readFileSync(path.join(s.mnt, "register"), "utf8"), `${i.registerLine}\n`, "the rendered line was written to register");
    // (the fake kernel does not act on "-1" and register: what follows is the mismatch check's failure)

    const t = sandbox();
    const fresh = path.join(t.mnt, "qemu-aarch64");
    writeFileSync(fresh, kernelText(t.plan.script));
    const later = Date.now() / 1000 + 60;
    utimesSync(fresh, later, later); // registered after the interpreter was written
    const again = run(t, RuleAction.Apply);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).applied, "unchanged");
    assert.equal(readFileSync(path.join(t.mnt, "register"), "utf8"), "", "nothing re-registered");
  });

  it("replaces a same-named entry from another registrar (-1, then the rendered line) and fails naming every differing field", () => {
    const i = s.plan.script;
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(i, { interpreter: "/usr/libexec/qemu-binfmt/aarch64-binfmt-P", flags: "POF" }));
    const r = run(s, RuleAction.Apply);
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
    const r = run(s, RuleAction.Apply);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /qemu-aarch64\.conf exists and was not written by pulumi-qemu-binfmt/);
    assert.equal(readFileSync(i.file, "utf8"), ":qemu-aarch64:M::\\x7f:\\xff:/opt/qemu:F\n");
  });

  it("fails when flag F is asked for and the interpreter is dynamically linked", () => {
    writeFileSync(path.join(s.bin, "qemu-aarch64-static"), fakeElf(true));
    const r = run(s, RuleAction.Apply);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is dynamically linked, but flag F/);
    assert.match(r.stderr, /or install a static build/, "no static emulator on the host: none is offered");
  });

  it("offers the static emulator of the other Debian layout when the host has it (K3: advice from what is there)", () => {
    writeFileSync(path.join(s.bin, "qemu-aarch64-static"), fakeElf(true));
    writeFileSync(path.join(s.bin, "qemu-aarch64"), fakeElf(false), { mode: 0o755 });
    const r = run(s, RuleAction.Apply);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /A static build is on this host: \S+\/bin\/qemu-aarch64 \(point interpreters at it\); or leave F out of flags"?/);
  });

  it("refuses before any change when binfmt_misc is switched off host-wide (status disabled), never reporting applied", () => {
    const i = s.plan.script;
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(i));
    writeFileSync(path.join(s.mnt, "status"), "disabled\n");
    const r = run(s, RuleAction.Apply);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /binfmt_misc is switched off for the whole host \(\S+\/status reads "disabled"\).*echo 1 > /);
    assert.equal(r.stdout, "", "no applied record");
    assert.equal(existsSync(i.file), false, "no binfmt.d file written");
    assert.equal(readFileSync(path.join(s.mnt, "register"), "utf8"), "", "nothing registered");
    writeFileSync(path.join(s.mnt, "status"), "enabled\n");
    assert.equal(run(s, RuleAction.Apply).code, 0, "switched on again: applied");
  });

  it("reads the status again after registering: switched off meanwhile, it fails and undoes what it wrote", () => {
    // systemd-restart mode: a stand-in systemctl registers the entry the way systemd-binfmt would, and the
    // host's hardening switches binfmt_misc off at the same moment.
    const i = { ...s.plan.script, applyMode: "systemd-restart" as typeof s.plan.script.applyMode };
    const fake = path.join(s.root, "fakebin");
    mkdirSync(fake);
    writeFileSync(
      path.join(fake, "systemctl"),
      `#!/bin/sh\nprintf '%s\\n' '${kernelText(i).replace(/'/g, "")}' > '${path.join(s.mnt, "qemu-aarch64")}'\necho disabled > '${path.join(s.mnt, "status")}'\n`,
      { mode: 0o755 },
    );
    writeFileSync(path.join(s.mnt, "status"), "enabled\n");
    const r = run(s, RuleAction.Apply, i, fake);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /switched off while this rule was applied/);
    assert.equal(r.stdout, "", "no applied record");
    assert.equal(existsSync(i.file), false, "the binfmt.d file it wrote was removed");
  });

  it("fails naming the interpreter and what to do when it is missing", () => {
    const r = run(s, RuleAction.Apply, { ...s.plan.script, expected: { ...s.plan.script.expected, interpreter: path.join(s.bin, "nope") } });
    assert.equal(r.code, 1);
    // What the message says about QEMU depends on what dpkg has installed on the machine running it (K3: never
    // "install the package" when it is installed); this machine's dpkg decides which sentence is expected.
    const q = spawnSync("sh", ["-c", "dpkg-query -W -f='${db:Status-Status}\\n' qemu-user-static qemu-user 2>/dev/null | grep -c '^installed$'"], { encoding: "utf8" });
    if (Number(q.stdout.trim() || "0") === 0) {
      assert.match(r.stderr, /interpreter .*\/nope for target aarch64 does not exist, and no QEMU package is installed\. Install the package that provides it/);
    } else {
      assert.match(r.stderr, /interpreter .*\/nope for target aarch64 does not exist although qemu-user(-static)? \S+ is installed: that QEMU has no emulator/);
      assert.doesNotMatch(r.stderr, /Install the package/);
    }
  });
});

describe("rule remove script", () => {
  it("unregisters an entry that is still exactly ours and deletes the file apply wrote", () => {
    const i = s.plan.script;
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(i));
    assert.equal(run(s, RuleAction.Apply).code, 0);
    const r = run(s, RuleAction.Remove);
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
    const r = run(s, RuleAction.Remove);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { target: "aarch64", name: "qemu-aarch64", unregistered: false, removedFile: false });
    assert.match(r.stderr, /leaving binfmt_misc entry qemu-aarch64 registered: it is no longer the one this component wrote \(flags/);
    assert.match(r.stderr, /leaving .*qemu-aarch64\.conf: it was not written by pulumi-qemu-binfmt/);
  });

  it("is idempotent when nothing is left", () => {
    const r = run(s, RuleAction.Remove);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { target: "aarch64", name: "qemu-aarch64", unregistered: false, removedFile: false });
  });
});
