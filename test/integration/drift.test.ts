/**
 * Drift and repair on real hosts, through the real engine: every preview and up observes each host; what
 * changed on the host after an `up` shows as a change of the affected target in `pulumi preview`, `up`
 * repairs exactly it (and re-runs its acceptance check), and then `preview --expect-no-changes` passes.
 * Three lab hosts: Debian 12 (systemd), Debian 13 (systemd) and a plain host without systemd.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LabHost, findHost, labDown, labUp, sshExec } from "../support/lab";
import { TestStack, urnName } from "../support/pulumi";
import { BinfmtHost, HostReport } from "../../src/component";
import { repoRoot } from "../support/toolchain";

const D12 = "drift1";
const D13 = "drift2";
const PLAIN = "driftp1";
let hosts: Record<string, LabHost> = {};

function root(h: LabHost, command: string): string {
  const r = sshExec(h, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout;
}

async function stackFor(name: string, h: LabHost, architectures: string[]): Promise<TestStack> {
  const key = readFileSync(h.privateKeyPath, "utf8");
  return TestStack.create({
    projectName: `drift-${name}`,
    program: async () => {
      const b = new BinfmtHost(name, {
        connection: { host: h.address, port: h.port, user: "root", privateKey: key, hostKey: h.hostPublicKey },
        architectures,
      });
      return { report: b.report };
    },
  });
}

/**
 * Registers NAME by hand with the magic and mask of the host's entry SOURCE (as another tool would), with
 * another interpreter and flags; SOURCE is unregistered first when NAME is SOURCE (a replacement).
 */
function registerLike(h: LabHost, source: string, name: string, interpreter: string, flags: string): void {
  const text = root(h, `cat /proc/sys/fs/binfmt_misc/${source}`);
  const esc = (field: string) => (new RegExp(`^${field} (\\S+)`, "m").exec(text)?.[1] ?? "").replace(/../g, "\\x$&");
  const unregister = name === source ? `echo -1 > /proc/sys/fs/binfmt_misc/${name} && ` : "";
  root(h, `${unregister}printf '%s\\n' ':${name}:M::${esc("magic")}:${esc("mask")}:${interpreter}:${flags}' > /proc/sys/fs/binfmt_misc/register`);
}

/** A stack of one BinfmtHost on H, given to BODY, destroyed and removed afterwards whatever BODY did. */
async function withStack(name: string, h: LabHost, architectures: string[], body: (stack: TestStack) => Promise<void>): Promise<void> {
  const stack = await stackFor(name, h, architectures);
  try {
    await body(stack);
  } finally {
    await stack.destroy("destroy").catch(() => undefined);
    await stack.dispose();
  }
}

/** Runs a preview that must plan changes; returns its log and the names of the resources it would change. */
async function previewChanges(stack: TestStack, label: string): Promise<{ log: string; changed: string[] }> {
  await assert.rejects(stack.preview(`${label} (--expect-no-changes)`, true), /no changes were expected/i);
  const before = stack.logText().length;
  await stack.preview(label);
  const changed = [...new Set(TestStack.activeSteps(stack.last()).map((s) => urnName(s.urn)))];
  return { log: stack.logText().slice(before), changed };
}

/** The operations of the last up that made a resource do something, by resource name. */
function activeNames(stack: TestStack): string[] {
  return [...new Set(TestStack.activeSteps(stack.last()).map((s) => urnName(s.urn)))];
}

describe("drift and repair", { timeout: 20 * 60_000 }, () => {
  before(() => {
    const lab = labUp({ hosts: 2, plain: 1, suites: ["bookworm", "trixie"], prefix: "drift", fresh: true });
    hosts = { [D12]: findHost(lab, D12), [D13]: findHost(lab, D13), [PLAIN]: findHost(lab, PLAIN) };
  });

  after(() => {
    if (!process.env.PQB_LAB_KEEP) labDown([D12, D13, PLAIN]);
  });

  it("a plain host (no systemd) whose entry was unregistered, as a reboot does there: preview names it, up registers it again and re-runs its check", async () => {
    const h = hosts[PLAIN] as LabHost;
    await withStack("plain", h, ["aarch64"], async (stack) => {
      await stack.up("first up");
      await stack.preview("converged", true);
      root(h, "echo -1 > /proc/sys/fs/binfmt_misc/qemu-aarch64");
      const p = await previewChanges(stack, "after the entry was unregistered");
      assert.match(p.log, /aarch64: binfmt_misc entry qemu-aarch64 is not registered/);
      assert.deepEqual(p.changed.sort(), ["plain-check", "plain-rule-aarch64"]);
      const out = await stack.up("repair");
      assert.deepEqual(activeNames(stack).sort(), ["plain-check", "plain-rule-aarch64"], "only the drifted target and the host's check");
      assert.equal((out.report?.value as HostReport).targets.aarch64?.acceptance.actual, "aarch64");
      assert.match(root(h, "cat /proc/sys/fs/binfmt_misc/qemu-aarch64"), /^enabled/);
      await stack.preview("converged again", true);
    });
  });

  it("Debian 12: i386 is skipped because the kernel ran the i386 probe (evidence, not uname -m), and its check runs the i386 image natively", async () => {
    const h = hosts[D12] as LabHost;
    await withStack("native", h, ["i386"], async (stack) => {
      const out = await stack.up("up with a natively run target");
      const t = (out.report?.value as HostReport).targets.i386;
      assert.equal(t?.status, "skipped");
      assert.match(t?.skipReason ?? "", /i386 runs natively: the kernel ran a i386 probe executable/);
      assert.equal(t?.acceptance.actual, "x86_64", "i386/busybox run natively prints the host's machine");
      assert.doesNotMatch(root(h, "ls /proc/sys/fs/binfmt_misc"), /qemu-i386/);
      await stack.preview("converged", true);
    });
  });

  it("Debian 12: a deleted binfmt.d file shows as a target that would not survive a reboot, and up writes it again", async () => {
    const h = hosts[D12] as LabHost;
    await withStack("d12", h, ["arm", "aarch64"], async (stack) => {
      await stack.up("first up");
      const content = root(h, "cat /etc/binfmt.d/qemu-arm.conf");
      root(h, "rm /etc/binfmt.d/qemu-arm.conf");
      const p = await previewChanges(stack, "after rm /etc/binfmt.d/qemu-arm.conf");
      assert.match(p.log, /\/etc\/binfmt\.d\/qemu-arm\.conf is missing: qemu-arm would not come back at the next boot/);
      assert.ok(!p.changed.some((n) => n.includes("aarch64")), `aarch64 is untouched: ${p.changed.join(", ")}`);
      await stack.up("repair");
      assert.equal(root(h, "cat /etc/binfmt.d/qemu-arm.conf"), content);
      await stack.preview("converged again", true);

      // A package upgrade renames a new file over the interpreter; with flag F the kernel keeps running the
      // file it opened at registration (kernel doc binfmt-misc.rst, "F - fix binary") until it is registered again.
      root(h, "sleep 1; cp -p /usr/bin/qemu-arm-static /usr/bin/qemu-arm-static.new && mv /usr/bin/qemu-arm-static.new /usr/bin/qemu-arm-static");
      const up = await previewChanges(stack, "after the interpreter file was replaced");
      assert.match(up.log, /binfmt_misc entry qemu-arm runs an older \/usr\/bin\/qemu-arm-static: the file changed at \S+, after the entry was registered at \S+/);
      assert.ok(!up.changed.some((n) => n.includes("aarch64")), `aarch64 is untouched: ${up.changed.join(", ")}`);
      await stack.up("register again");
      const [registered, changed] = root(h, "stat -c %Y /proc/sys/fs/binfmt_misc/qemu-arm; stat -L -c %Z /usr/bin/qemu-arm-static").split("\n").map(Number);
      assert.ok((registered ?? 0) >= (changed ?? Infinity), `registered at ${registered}, after the file's change at ${changed}`);
      await stack.preview("converged after registering again", true);
    });
  });

  it("Debian 13: an entry replaced by hand with other flags and interpreter: preview names each field, expected and actual; up restores it", async () => {
    const h = hosts[D13] as LabHost;
    await withStack("d13", h, ["aarch64"], async (stack) => {
      await stack.up("first up");
      const ours = root(h, "cat /proc/sys/fs/binfmt_misc/qemu-aarch64");
      registerLike(h, "qemu-aarch64", "qemu-aarch64", "/bin/true", "OC");
      const p = await previewChanges(stack, "after the entry was replaced by hand");
      assert.match(p.log, /binfmt_misc entry qemu-aarch64: interpreter \(expected "\/usr\/bin\/qemu-aarch64", actual "\/bin\/true"\)/);
      assert.match(p.log, /binfmt_misc entry qemu-aarch64: flags \(expected "F", actual "OC"\)/);
      assert.doesNotMatch(p.log, /qemu-aarch64: (magic|mask|offset) \(/, "the hand-made entry kept our magic and mask");
      await stack.up("repair");
      assert.equal(root(h, "cat /proc/sys/fs/binfmt_misc/qemu-aarch64"), ours);
      await stack.preview("converged again", true);
    });
  });

  it("Debian 13: a foreign entry under another name that matches the same binaries is a conflict: preview names it, up fails for that target and leaves it alone", async () => {
    const h = hosts[D13] as LabHost;
    const stack = await stackFor("conflict", h, ["aarch64"]);
    try {
      await stack.up("first up");
      registerLike(h, "qemu-aarch64", "zz-other", "/bin/true", "");
      const zz = root(h, "cat /proc/sys/fs/binfmt_misc/zz-other");
      const p = await previewChanges(stack, "after zz-other was registered");
      assert.match(p.log, /conflict: enabled binfmt_misc entry zz-other \(interpreter \/bin\/true\) matches the same binaries as qemu-aarch64/);
      // The rule fails (so its check does not run and reports nothing), saying how to resolve it.
      await assert.rejects(stack.up("up with the conflict"), /conflict-rule-aarch64[\s\S]*zz-other[\s\S]*echo 0 > '\/proc\/sys\/fs\/binfmt_misc\/zz-other'/);
      assert.ok(!activeNames(stack).includes("conflict-check"), "no acceptance check ran after the failed rule");
      assert.equal(root(h, "cat /proc/sys/fs/binfmt_misc/zz-other"), zz, "the foreign entry is untouched");
      root(h, "echo -1 > /proc/sys/fs/binfmt_misc/zz-other");
      await stack.up("up after the conflict was resolved");
      await stack.preview("converged again", true);
    } finally {
      sshExec(h, "root", "test -e /proc/sys/fs/binfmt_misc/zz-other && echo -1 > /proc/sys/fs/binfmt_misc/zz-other");
      await stack.destroy("destroy").catch(() => undefined);
      await stack.dispose();
    }
  });

  it("Debian 13: persistence is computed from evidence on every run: masking systemd-binfmt shows in preview and in the outputs", async () => {
    const h = hosts[D13] as LabHost;
    const stack = await stackFor("boot", h, ["aarch64"]);
    try {
      const first = await stack.up("first up");
      assert.equal((first.report?.value as HostReport).targets.aarch64?.persistent, true);
      root(h, "systemctl mask systemd-binfmt.service");
      const p = await previewChanges(stack, "after systemctl mask systemd-binfmt");
      assert.ok(p.changed.includes("boot-rule-aarch64"), `the rule changes: ${p.changed.join(", ")}`);
      const out = await stack.up("up with systemd-binfmt masked");
      const t = (out.report?.value as HostReport).targets.aarch64;
      assert.equal(t?.persistent, false);
      assert.match((out.report?.value as HostReport).summary, /masked/);
      await stack.preview("settled", true);
      root(h, "systemctl unmask systemd-binfmt.service");
      await previewChanges(stack, "after unmask");
      const back = await stack.up("up after unmask");
      assert.equal((back.report?.value as HostReport).targets.aarch64?.persistent, true);
      await stack.preview("settled again", true);
    } finally {
      sshExec(h, "root", "systemctl unmask systemd-binfmt.service");
      await stack.destroy("destroy").catch(() => undefined);
      await stack.dispose();
    }
  });

  it("a fleet host that cannot be read fails fast with a message naming it; with --continue-on-error the other host converges in the same up", async () => {
    const h = hosts[D12] as LabHost;
    // A program of its own (run by the language host, as `pulumi up` runs a user's program), using the
    // built package through the checkout's self-link.
    mkdirSync(path.join(repoRoot, ".state"), { recursive: true });
    const dir = mkdtempSync(path.join(repoRoot, ".state", "ws-unreachable-"));
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: drift-unreachable\nruntime: nodejs\n");
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "drift-unreachable", main: "index.js" }));
    writeFileSync(
      path.join(dir, "index.js"),
      `const { readFileSync } = require("node:fs");
const { BinfmtFleet } = require("pulumi-qemu-binfmt");
const key = readFileSync(${JSON.stringify(h.privateKeyPath)}, "utf8");
const fleet = new BinfmtFleet("fl", {
  architectures: ["riscv64"],
  hosts: [
    { id: "good", connection: { host: ${JSON.stringify(h.address)}, port: ${h.port}, user: "root", privateKey: key, hostKey: ${JSON.stringify(h.hostPublicKey)} } },
    // Nothing listens on loopback port 1: every dial is refused at once.
    { id: "gone", connection: { host: "127.0.0.1", port: 1, user: "root", privateKey: key, dialErrorLimit: 2 } },
  ],
});
exports.summary = fleet.summary;
`,
    );
    const stack = await TestStack.createFromDir(dir);
    try {
      // The engine stops scheduling new steps after the first failure unless told otherwise (--continue-on-error).
      await assert.rejects(
        stack.up("up with one host unreachable", { continueOnError: true }),
        /fl-gone \(root@127\.0\.0\.1:1\): cannot read the host: ssh root@127\.0\.0\.1:1: connect ECONNREFUSED/,
      );
      assert.ok(stack.last().seconds < 90, `failed in ${stack.last().seconds} s`);
      assert.match(root(h, "cat /proc/sys/fs/binfmt_misc/qemu-riscv64"), /^enabled/, "the reachable host converged in the same up");
    } finally {
      await stack.destroy("destroy").catch(() => undefined);
      await stack.dispose();
      rmSync(dir, { recursive: true, force: true });
      sshExec(h, "root", "echo -1 > /proc/sys/fs/binfmt_misc/qemu-riscv64; rm -f /etc/binfmt.d/qemu-riscv64.conf");
    }
  });
});

void pulumi;
