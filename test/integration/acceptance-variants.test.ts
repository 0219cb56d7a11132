/**
 * The acceptance check proves the platform variant a target was requested by, on a real host with Debian's
 * QEMU (src/host/acceptance-check.ts): "linux/arm/v6" runs the lab's arm32v6/busybox on linux/arm/v6 under
 * an ARMv6 CPU (QEMU_CPU=arm1176) and must print armv6l; "armel" (Debian's ARMv5TE port) runs arm32v5/busybox
 * on linux/arm/v5 under arm926 and must print armv5tel. Before, both were checked with arm32v7/busybox on
 * linux/arm expecting armv7l. (x86-64 levels need an image with glibc's loader, amd64/busybox:glibc, which the
 * lab does not serve: unit-tested in test/unit/host/acceptance-variants.test.ts.)
 * Lab prefix "var": one Debian 12 host.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { LabHost, findHost, labDown, labUp } from "../support/lab";
import { TestStack } from "../support/pulumi";
import { Acceptance, BinfmtHost, HostReport } from "../../src/component";

const HOST = "var1";
let host: LabHost;

async function upWith(name: string, architectures: string[], acceptance: Acceptance = {}): Promise<HostReport> {
  const key = readFileSync(host.privateKeyPath, "utf8");
  const stack = await TestStack.create({
    projectName: `variants-${name}`,
    program: async () => {
      const b = new BinfmtHost(name, {
        connection: { host: host.address, port: host.port, user: "root", privateKey: key, hostKey: host.hostPublicKey },
        architectures,
        acceptance,
      });
      return { report: b.report };
    },
  });
  try {
    const out = await stack.up(`up ${architectures.join(", ")}`);
    return out.report?.value as HostReport;
  } finally {
    await stack.destroy("destroy").catch(() => undefined);
    await stack.dispose();
  }
}

describe("acceptance checks of platform variants", { timeout: 15 * 60_000 }, () => {
  before(() => {
    host = findHost(labUp({ hosts: 1, suites: ["bookworm"], prefix: "var", fresh: true }), HOST);
  });

  after(() => {
    if (!process.env.PQB_LAB_KEEP) labDown([HOST]);
  });

  it("linux/arm/v6 is checked with arm32v6/busybox on linux/arm/v6 under an ARMv6 CPU, printing armv6l", async () => {
    const acc = (await upWith("v6", ["linux/arm/v6"])).targets.arm?.acceptance;
    assert.deepEqual(
      { image: acc?.image, platform: acc?.platform, expected: acc?.expected, actual: acc?.actual, status: acc?.status },
      { image: "arm32v6/busybox", platform: "linux/arm/v6", expected: "armv6l", actual: "armv6l", status: "passed" },
    );
  });

  it("acceptance.runAs runs the check's docker as that user: the lab's docker user passes, nobody is refused by the daemon", async () => {
    const acc = (await upWith("asuser", ["arm64"], { runAs: host.users.sudo, dockerHost: "unix:///var/run/docker.sock" })).targets.aarch64?.acceptance;
    assert.equal(acc?.actual, "aarch64");
    await assert.rejects(upWith("asnobody", ["arm64"], { runAs: "nobody" }), /the docker daemon refused the check's user as nobody \(docker version: .*permission denied/);
  });

  it("armel is checked with arm32v5/busybox on linux/arm/v5 under an ARMv5TE CPU, printing armv5tel", async () => {
    const acc = (await upWith("v5", ["armel"])).targets.arm?.acceptance;
    assert.deepEqual(
      { image: acc?.image, platform: acc?.platform, expected: acc?.expected, actual: acc?.actual, status: acc?.status },
      { image: "arm32v5/busybox", platform: "linux/arm/v5", expected: "armv5tel", actual: "armv5tel", status: "passed" },
    );
  });
});
