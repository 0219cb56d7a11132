/**
 * Persistence follows what systemd does at boot, through the real engine on a Debian 12 lab host (systemd
 * 252, an nspawn container): a drop-in `ConditionVirtualization=!container` makes systemd skip
 * systemd-binfmt at every boot of this host while the unit stays "loaded" and "static" — the same shape as
 * the drop-in Ubuntu on WSL2 shipped (`ConditionVirtualization=!wsl`). After `systemctl daemon-reload` the
 * preview shows the rule changing and `up` reports persistent false naming the condition and the drop-in;
 * after a reboot the entries really are gone (systemd skipped the unit: ConditionResult=no) and the
 * report still names the condition; without the drop-in the host is persistent again.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { LabHost, findHost, labDown, labReboot, labUp, sshExec } from "../support/lab";
import { TestStack, urnName } from "../support/pulumi";
import { BinfmtHost, HostReport } from "../../src/component";

const PREFIX = "kbb";
const LAB_NAME = `${PREFIX}1`;
const DROPIN = "/etc/systemd/system/systemd-binfmt.service.d/pqb-test-skip.conf";
let host: LabHost;

function root(command: string): string {
  const r = sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout;
}

async function stackFor(name: string): Promise<TestStack> {
  const key = readFileSync(host.privateKeyPath, "utf8");
  return TestStack.create({
    projectName: `boot-${name}`,
    program: async () => {
      const b = new BinfmtHost(name, {
        connection: { host: host.address, port: host.port, user: "root", privateKey: key, hostKey: host.hostPublicKey },
        architectures: ["aarch64"],
      });
      return { report: b.report };
    },
  });
}

const report = (out: Awaited<ReturnType<TestStack["up"]>>) => out.report?.value as HostReport;

describe("persistence follows what systemd does at boot", { timeout: 20 * 60_000 }, () => {
  before(() => {
    host = findHost(labUp({ hosts: 1, suites: ["bookworm"], prefix: PREFIX, fresh: true }), LAB_NAME);
  });
  after(() => {
    if (!process.env.PQB_LAB_KEEP) labDown([LAB_NAME]);
  });

  it("a drop-in condition that fails on the host: preview shows it, up reports persistent false naming it, before and after a reboot", async () => {
    const stack = await stackFor("skip");
    try {
      assert.equal(report(await stack.up("first up")).targets.aarch64?.persistent, true);

      root(`mkdir -p ${DROPIN.replace(/\/[^/]*$/, "")} && printf '[Unit]\\nConditionVirtualization=!container\\n' > ${DROPIN} && systemctl daemon-reload`);
      // systemd itself skips the unit on this host now.
      const check = sshExec(host, "root", "systemd-analyze condition 'ConditionVirtualization=!container'");
      assert.match(check.stderr + check.stdout, /Conditions failed\./);
      await assert.rejects(stack.preview("after the drop-in (--expect-no-changes)", true), /no changes were expected/i);
      await stack.preview("after the drop-in");
      const changed = TestStack.activeSteps(stack.last()).map((s) => urnName(s.urn));
      assert.ok(changed.includes("skip-rule-aarch64"), `the rule changes: ${changed.join(", ")}`);
      const skipped = report(await stack.up("up with the drop-in"));
      assert.equal(skipped.targets.aarch64?.persistent, false);
      assert.match(skipped.summary, new RegExp(`its condition ConditionVirtualization=!container is not met on this host \\(set in ${DROPIN}\\)`));
      await stack.preview("settled", true);

      host = findHost(labReboot(LAB_NAME), LAB_NAME);
      assert.match(root("systemctl show -p ConditionResult systemd-binfmt.service"), /ConditionResult=no/);
      assert.equal(sshExec(host, "root", "test -e /proc/sys/fs/binfmt_misc/qemu-aarch64").code, 1, "systemd skipped the unit: the entry did not come back");
      const rebooted = report(await stack.up("up after the reboot"));
      assert.equal(rebooted.targets.aarch64?.persistent, false);
      assert.match(rebooted.summary, /ConditionVirtualization=!container is not met/);

      root(`rm -f ${DROPIN} && systemctl daemon-reload`);
      assert.equal(report(await stack.up("up without the drop-in")).targets.aarch64?.persistent, true);
      await stack.preview("settled again", true);
    } finally {
      sshExec(host, "root", `rm -f ${DROPIN} && systemctl daemon-reload`);
      await stack.destroy("destroy").catch(() => undefined);
      await stack.dispose();
    }
  });
});
