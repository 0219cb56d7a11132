/**
 * The rule script's last lines of defence against the REAL kernel, on a plain lab host (its own
 * binfmt_misc instance, never this machine's). Each case runs the rendered script exactly as the
 * component does (`sh -s apply` over SSH, the text on stdin) and then reads the host:
 * - all or nothing: the kernel refuses a registration (offset + magic beyond the kernel's 256-byte
 *   header buffer: EINVAL from fs/binfmt_misc.c): its own error text comes through, no binfmt.d file
 *   and no entry remain; when the run replaced our own older entry, that entry and its file come back;
 * - self-match guard: x86_64 on this x86_64 host matches the host's own /bin/sh (a real self-matching
 *   case): refused before anything is registered;
 * - conflict guard: a foreign enabled entry `zz-other` with aarch64's magic/mask: apply of aarch64
 *   fails naming it, and zz-other is left exactly as it was.
 * - the acceptance check of a target skipped as native runs on the host's own docker and expects the
 *   host's machine (i386/busybox prints x86_64); a wrong skip (aarch64, which this host does not run)
 *   fails with exec format error and says the skip was wrong.
 * No package is installed: the interpreters are small files made for the test (no flag F, so the
 * kernel does not open them at registration).
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { LabHost, findHost, labDown, labUp, sshExec } from "../support/lab";
import { parseHostArgs } from "../../src/component/validate";
import { planHost } from "../../src/host/plan";
import { RuleAction, RuleScriptInput, ruleScript } from "../../src/host/scripts/rule";
import { checkScript } from "../../src/host/scripts/check";
import { shellCommand } from "../../src/host/shell";
import { PackageSet, Privilege } from "../../src/host/enums";
import { HostFacts } from "../../src/host/facts";
import { observed } from "../support/observation";

const PREFIX = "scrg";
const LAB_NAME = `${PREFIX}p1`;
const MNT = "/proc/sys/fs/binfmt_misc";
let host: LabHost;

function root(command: string): string {
  const r = sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout;
}

/** The component's rule input for TARGET on this host, with interpreters in /usr/local/bin and no flags. */
function ruleInput(target: string, facts: HostFacts): RuleScriptInput {
  const config = parseHostArgs("t", { connection: { host: host.address }, architectures: [target], flags: "", interpreterDir: "/usr/local/bin", installPackages: PackageSet.None });
  const r = planHost(config, observed(facts), `guards (root@${host.address}:22)`).rules[0];
  if (r === undefined) throw new Error("no rule");
  return r.script;
}

function apply(input: RuleScriptInput): { code: number; stdout: string; stderr: string } {
  return sshExec(host, "root", shellCommand(Privilege.Root, RuleAction.Apply), { input: ruleScript(input) });
}

function exists(p: string): boolean {
  return sshExec(host, "root", `test -e ${p}`).code === 0;
}

let facts: HostFacts;

describe("remote scripts against a real host (kernel, docker)", { timeout: 10 * 60_000 }, () => {
  before(() => {
    const lab = labUp({ hosts: 0, plain: 1, suites: ["bookworm"], prefix: PREFIX, fresh: true });
    host = findHost(lab, LAB_NAME);
    // The facts the component would read (only the fields the plan uses matter here).
    const m = root("uname -m").trim();
    facts = {
      machine: m,
      kernel: root("uname -r").trim(),
      hostname: LAB_NAME,
      distroId: "debian",
      distroVersion: "12",
      distroCodename: "bookworm",
      distroName: "Debian GNU/Linux 12 (bookworm)",
      distroLike: "",
      systemd: false,
      binfmtMiscMounted: true,
      user: "root",
      privilege: Privilege.Root,
      docker: true,
      apt: true,
      flock: true,
    };
    assert.equal(m, "x86_64", "the self-match case below needs an x86_64 host");
    root("for t in aarch64 x86_64 riscv64; do printf '#!/bin/sh\\nexit 0\\n' > /usr/local/bin/qemu-$t-static; chmod 0755 /usr/local/bin/qemu-$t-static; done");
  });

  after(() => {
    if (!process.env.PQB_LAB_KEEP) labDown([LAB_NAME]);
  });

  it("the kernel refuses the registration: its own error comes through, and no file and no entry remain", () => {
    const good = ruleInput("riscv64", facts);
    const bad: RuleScriptInput = {
      ...good,
      registerLine: good.registerLine.replace(/^(:[^:]+:M:)0?:/, "$1250:"),
      expected: { ...good.expected, offset: "250" },
    };
    assert.notEqual(bad.registerLine, good.registerLine);
    const r = apply(bad);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the kernel rejected the registration of qemu-riscv64 \(:qemu-riscv64:M:250:.*\): .*Invalid argument/);
    assert.doesNotMatch(r.stderr, /4\.8/, "no guessed cause");
    assert.equal(exists(`${MNT}/qemu-riscv64`), false, "no entry");
    assert.equal(exists(good.file), false, "no binfmt.d file");
  });

  it("when the refused run replaced our own older rule, the older entry and file come back unchanged", () => {
    const old = ruleInput("riscv64", facts);
    const first = apply(old);
    assert.equal(first.code, 0, first.stderr);
    const entryBefore = root(`cat ${MNT}/qemu-riscv64`);
    const fileBefore = root(`cat ${old.file}`);
    const next: RuleScriptInput = {
      ...old,
      content: old.content.replace(/:0?:/, ":250:"),
      registerLine: old.registerLine.replace(/^(:[^:]+:M:)0?:/, "$1250:"),
      expected: { ...old.expected, offset: "250" },
    };
    const r = apply(next);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Invalid argument/);
    assert.match(r.stderr, /nothing of qemu-riscv64 is left half-done: .*put back the previous entry qemu-riscv64/);
    assert.equal(root(`cat ${MNT}/qemu-riscv64`), entryBefore, "our previous entry is registered again, field for field");
    assert.equal(root(`cat ${old.file}`), fileBefore, "our previous file is unchanged");
    assert.equal(root(`ls ${old.file}.* 2>/dev/null || true`), "", "no temp or backup file left");
    const rm = sshExec(host, "root", shellCommand(Privilege.Root, RuleAction.Remove), { input: ruleScript(old) });
    assert.equal(rm.code, 0, rm.stderr);
  });

  it("refuses x86_64 on this x86_64 host: the rule matches the host's own /bin/sh (every exec would loop)", () => {
    const input = ruleInput("x86_64", facts);
    const r = apply(input);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /refusing to register qemu-x86_64 for target x86_64: its magic\/mask matches the ELF header of this host's own shell \(\/usr\/bin\/dash\)\..*"Too many levels of symbolic links"/,
    );
    assert.equal(exists(`${MNT}/qemu-x86_64`), false);
    assert.equal(exists(input.file), false);
    assert.equal(root("/bin/true && echo alive").trim(), "alive");
  });

  it("fails aarch64 naming the foreign entry zz-other that matches the same binaries, and leaves zz-other intact", () => {
    const input = ruleInput("aarch64", facts);
    const esc = (hex: string) => hex.replace(/../g, "\\x$&");
    root(`printf '%s\\n' ':zz-other:M::${esc(input.expected.magic)}:${esc(input.expected.mask)}:/bin/true:' > ${MNT}/register`);
    try {
      const before = root(`cat ${MNT}/zz-other`);
      const r = apply(input);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot register qemu-aarch64 for target aarch64: the enabled binfmt_misc entry zz-other \(interpreter \/bin\/true\) matches the same binaries/);
      assert.match(r.stderr, /echo 0 > '\/proc\/sys\/fs\/binfmt_misc\/zz-other'/);
      assert.equal(root(`cat ${MNT}/zz-other`), before, "zz-other untouched");
      assert.equal(exists(`${MNT}/qemu-aarch64`), false);
      assert.equal(exists(input.file), false);
      // Disabled, it no longer decides anything: the apply goes through.
      root(`echo 0 > ${MNT}/zz-other`);
      const ok = apply(input);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(JSON.parse(ok.stdout).entry.split("\n")[0], "enabled");
      assert.equal(sshExec(host, "root", shellCommand(Privilege.Root, RuleAction.Remove), { input: ruleScript(input) }).code, 0);
    } finally {
      sshExec(host, "root", `echo -1 > ${MNT}/zz-other`);
    }
  });

  it("checks a target skipped as native with the host's own docker: i386/busybox prints this host's x86_64", () => {
    const input = { label: "guards", target: "i386", image: "i386/busybox", platform: "linux/386", expected: "i686", timeoutSeconds: 120, native: true };
    const r = sshExec(host, "root", shellCommand(Privilege.Root), { input: checkScript(input) });
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout.trim().split("\n").pop() ?? "");
    assert.deepEqual([o.native, o.expected, o.actual, o.ok], [true, "x86_64", "x86_64", true]);
  });

  it("says the skip was wrong when a target expected to run natively fails with exec format error", () => {
    const input = { label: "guards", target: "aarch64", image: "arm64v8/busybox", platform: "linux/arm64", expected: "aarch64", timeoutSeconds: 120, native: true };
    const r = sshExec(host, "root", shellCommand(Privilege.Root), { input: checkScript(input) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^guards: target aarch64 was skipped as native, but this host does not run it natively: .*exec format error/m);
    assert.equal(r.stdout, "", "no report is printed for a check that failed");
  });
});
