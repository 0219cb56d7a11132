/**
 * A fleet's rollout and retirement on real hosts, through the real engine (pulumi 3.248):
 * - waves: a host of the first wave that fails leaves the later wave untouched (no entry, no file, no package,
 *   none of its commands ran), even under `--continue-on-error`; the failure names the host;
 * - retainOnDelete passed to the fleet reaches every resource of every host (the engine copies it from the
 *   parent, source_eval.go inheritFromParent), and a retired host whose machine is down then leaves the stack in
 *   one `up`, without any SSH;
 * - without retainOnDelete, the `pulumi state delete` command the fleet prints removes a dead host from the state
 *   (no SSH), and deletedWith passed to the fleet reaches every resource too.
 * Three lab hosts: wv1 (Debian 12), wv2 (Debian 13), wv3 (Debian 12).
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as command from "@pulumi/command";
import { LabHost, findHost, labDown, labUp, sshExec } from "../support/lab";
import { TestStack, urnName } from "../support/pulumi";
import { pulumiBinary, toolchainEnv } from "../support/toolchain";
import { BinfmtFleet, BinfmtFleetArgs, FleetHost } from "../../src/component";

const NAMES = ["wv1", "wv2", "wv3"] as const;
let hosts: Record<string, LabHost> = {};
const downed = new Set<string>();

function fleetHost(id: string, extra: Partial<FleetHost> = {}): FleetHost {
  const h = hosts[id];
  if (h === undefined) throw new Error(`no lab host ${id}`);
  const key = readFileSync(h.privateKeyPath, "utf8");
  return { id, connection: { host: h.address, port: h.port, user: "root", privateKey: key, hostKey: h.hostPublicKey }, ...extra };
}

/** Nothing of the component on the host: no entry, no rule file, no state directory, no QEMU package. */
function untouched(id: string): void {
  const h = hosts[id];
  if (h === undefined) throw new Error(`no lab host ${id}`);
  const r = sshExec(
    h,
    "root",
    "ls /proc/sys/fs/binfmt_misc/ | grep '^qemu-' ; ls /etc/binfmt.d/ 2>/dev/null | grep '^qemu-' ; ls -d /var/lib/pulumi-qemu-binfmt 2>/dev/null ; " +
      "dpkg-query -W -f='${Package} ${Status}\\n' qemu-user-static qemu-user 2>/dev/null | grep ' installed$' ; true",
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "", `${id} was touched: ${r.stdout}`);
}

function hostNames(stack: TestStack, id: string): string[] {
  return TestStack.activeSteps(stack.last())
    .map((s) => urnName(s.urn))
    .filter((n) => n.startsWith(`f-${id}-`) || n.startsWith(`p-${id}-`));
}

async function resourcesOf(stack: TestStack): Promise<{ urn: string; retainOnDelete?: boolean; deletedWith?: string }[]> {
  return ((await stack.stack.exportStack()).deployment as { resources: { urn: string; retainOnDelete?: boolean; deletedWith?: string }[] }).resources;
}

describe("fleet rollout and retirement", { timeout: 30 * 60_000 }, () => {
  before(() => {
    const lab = labUp({ hosts: 3, suites: ["bookworm", "trixie", "bookworm"], prefix: "wv", fresh: true });
    hosts = Object.fromEntries(NAMES.map((n) => [n, findHost(lab, n)]));
  });
  after(() => {
    if (!process.env.PQB_LAB_KEEP) labDown(NAMES.filter((n) => !downed.has(n)));
  });

  it("stops at a failing first wave, leaves the later wave untouched, then rolls out in waves; retainOnDelete reaches every resource, and a retired dead host leaves the stack in one up without SSH", async () => {
    let args: BinfmtFleetArgs = { architectures: ["arm"], hosts: [] };
    const stack = await TestStack.create({
      projectName: "wv-waves",
      program: async () => {
        const f = new BinfmtFleet("f", args, { retainOnDelete: true });
        return { summary: f.summary };
      },
    });
    try {
      // wv1 (wave 1) asks for riscv64 with an interpreter that does not exist: its rule fails on the host.
      args = {
        architectures: ["arm"],
        interpreters: { riscv64: "/opt/missing/qemu-riscv64" },
        hosts: [fleetHost("wv1", { architectures: ["riscv64"] }), fleetHost("wv2")],
        rollout: { waveSize: 1 },
      };
      // The preview plans both hosts (the second wave is built, and read, but waits)...
      await stack.preview("plan both waves");
      assert.ok(
        stack.last().steps.some((st) => urnName(st.urn) === "f-wv2-packages"),
        "the second wave's install is planned",
      );
      // ...and the up stops at wv1, naming it.
      await assert.rejects(stack.up("wave 1 fails", { continueOnError: true }), /f-wv1 \(root@/);
      assert.doesNotMatch(stack.logText(), /invalid arguments/);
      assert.deepEqual(hostNames(stack, "wv2"), [], "no resource of the second wave ran");
      untouched("wv2");

      // Without the broken interpreter both waves converge, the second after the first.
      args = { ...args, interpreters: {} };
      await stack.up("both waves");
      const r = sshExec(hosts.wv2 as LabHost, "root", "cat /proc/sys/fs/binfmt_misc/qemu-arm");
      assert.match(r.stdout, /^enabled/m, "the second wave registered its target");
      const steps = stack.last().steps;
      const finished = (name: string) => steps.findIndex((s) => urnName(s.urn) === name);
      assert.ok(finished("f-wv1-check") >= 0 && finished("f-wv1-check") < finished("f-wv2-packages"), "wv2's install finished after wv1's check");

      // The engine gave the fleet's retainOnDelete to every resource of every host.
      const children = (await resourcesOf(stack)).filter((res) => /::f-wv[12]/.test(res.urn));
      assert.ok(children.length >= 8, `the hosts' resources: ${children.map((c) => urnName(c.urn)).join(", ")}`);
      for (const c of children) assert.equal(c.retainOnDelete, true, `${urnName(c.urn)} records retainOnDelete`);

      // wv2's machine is gone; marked retired, it leaves the stack in one up, with no SSH (any would fail).
      labDown(["wv2"]);
      downed.add("wv2");
      args = { ...args, hosts: [fleetHost("wv1", { architectures: ["riscv64"] }), { id: "wv2", retired: true }] };
      await stack.up("wv2 retired");
      const left = (await resourcesOf(stack)).filter((res) => res.urn.includes("::f-wv2"));
      assert.deepEqual(
        left.map((x) => x.urn),
        [],
      );
      assert.match(stack.logText(), /f-wv2 is retired/);
      await stack.preview("after retirement", true);
    } finally {
      await stack.destroy("cleanup").catch(() => undefined);
      await stack.dispose();
    }
  });

  it("without retainOnDelete: deletedWith reaches every resource, and the printed state-delete command removes a dead host without SSH", async () => {
    let args: BinfmtFleetArgs = { architectures: ["arm"], hosts: [fleetHost("wv3")], acceptance: { enabled: false } };
    const stack = await TestStack.create({
      projectName: "wv-plain",
      program: async () => {
        const anchor = new command.local.Command("anchor", { create: "true" });
        const f = new BinfmtFleet("p", args, { deletedWith: anchor });
        return { summary: f.summary, anchor: anchor.urn };
      },
    });
    try {
      const out = await stack.up("provision wv3");
      const anchorUrn = String(out.anchor?.value);
      const children = (await resourcesOf(stack)).filter((res) => res.urn.includes("::p-wv3"));
      assert.ok(children.length >= 2);
      for (const c of children) assert.equal(c.deletedWith, anchorUrn, `${urnName(c.urn)} records deletedWith`);

      labDown(["wv3"]);
      downed.add("wv3");
      args = { ...args, hosts: [{ id: "wv3", retired: true }] };
      // Without retainOnDelete in the state, the up would run the resources' deletes over SSH; the fleet prints
      // the command that removes them from the state first. Read it from a preview (which runs no delete).
      await stack.preview("wv3 retired (preview)");
      const printed = /pulumi state delete '([^']+)' --target-dependents --yes/.exec(stack.logText());
      assert.ok(printed, "the fleet printed the state-delete command");
      const del = spawnSync(pulumiBinary(), ["state", "delete", printed[1] ?? "", "--target-dependents", "--yes", "--stack", stack.stack.name], {
        cwd: stack.stack.workspace.workDir,
        env: { ...process.env, ...toolchainEnv({ backendDir: stack.backendDir }) },
        encoding: "utf8",
      });
      assert.equal(del.status, 0, del.stderr);
      await stack.up("wv3 retired");
      assert.deepEqual(
        (await resourcesOf(stack)).filter((res) => res.urn.includes("::p-wv3")).map((x) => x.urn),
        [],
      );
      assert.deepEqual(hostNames(stack, "wv3"), []);
    } finally {
      await stack.destroy("cleanup").catch(() => undefined);
      await stack.dispose();
    }
  });
});
