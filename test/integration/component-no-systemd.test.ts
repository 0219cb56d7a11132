/**
 * BinfmtHost on a host WITHOUT systemd (a plain lab host: sshd and dockerd started by a small init, its own
 * binfmt_misc): rules are registered through /proc, the outputs say they are not persistent, the article's
 * test passes, and destroy removes exactly what the component created.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { LabHost, findHost, labDown, labUp, sshExec } from "../support/lab";
import { TestStack } from "../support/pulumi";
import { BinfmtHost, HostReport, TargetStatus } from "../../src/component";
import { MaskPolicy, buildRule, diffEntry, parseProcEntry } from "../../src/binfmt";

const LAB_NAME = "nosdp1";
let host: LabHost;
let stack: TestStack;

function root(command: string): string {
  const r = sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout;
}

describe("BinfmtHost on a host without systemd", { timeout: 10 * 60_000 }, () => {
  before(async () => {
    const lab = labUp({ hosts: 0, plain: 1, suites: ["bookworm"], prefix: "nosd", fresh: true });
    host = findHost(lab, LAB_NAME);
    assert.equal(host.init, "none");
    const key = readFileSync(host.privateKeyPath, "utf8");
    const program = async (): Promise<Record<string, pulumi.Output<unknown>>> => {
      const b = new BinfmtHost("plain", {
        connection: { host: host.address, port: host.port, user: "root", privateKey: key, hostKey: host.hostPublicKey },
        architectures: ["aarch64"],
      });
      return { report: b.report };
    };
    stack = await TestStack.create({ projectName: "component-no-systemd", program });
  });

  after(async () => {
    await stack?.dispose();
    if (!process.env.PQB_LAB_KEEP) labDown([LAB_NAME]);
  });

  it("is really a host without systemd, and the article's test fails there first", () => {
    const r = sshExec(host, "root", "systemctl is-system-running");
    assert.notEqual(r.code, 0);
    const run = sshExec(host, "root", "docker run --rm arm64v8/busybox uname -m");
    assert.notEqual(run.code, 0);
    assert.match(run.stdout + run.stderr, /exec format error/);
  });

  it("registers through /proc, reports the rule as not persistent, and the emulated busybox prints aarch64", async () => {
    const out = await stack.up("up on a host without systemd");
    const report = out.report?.value as HostReport;
    assert.equal(report.facts.systemd, false);
    const t = report.targets.aarch64;
    assert.equal(t?.status, TargetStatus.Registered);
    assert.equal(t?.persistent, false, "no systemd: nothing re-registers the entry at boot, and the output says so");
    assert.equal(t?.applied, "proc");
    assert.match(report.summary, /not re-registered at boot/i);
    assert.equal(t?.acceptance.actual, "aarch64");
    const rule = buildRule("aarch64", { flags: "F", mask: MaskPolicy.IgnoreAbiVersion, interpreterDir: "/usr/bin", interpreterSuffix: "-static" });
    assert.deepEqual(diffEntry(rule, parseProcEntry(root("cat /proc/sys/fs/binfmt_misc/qemu-aarch64"))), []);
    assert.equal(root("docker run --rm arm64v8/busybox uname -m").trim().split("\n").pop(), "aarch64");
  });

  it("destroy unregisters the entry and removes its file", async () => {
    await stack.destroy("destroy on a host without systemd");
    assert.doesNotMatch(root("ls /proc/sys/fs/binfmt_misc"), /qemu-aarch64/);
    assert.equal(root("test -e /etc/binfmt.d/qemu-aarch64.conf && echo present || echo absent").trim(), "absent");
  });
});
