// A plan the host refuses (here flag F on a 4.4.0 kernel) fails the host's FIRST resource, its packages'
// ObservedState, with a message naming the host: its provider's check fails, in a preview as in an up.
// Every command of the host depends on that resource, so none runs. Why not a rejected
// plan: it reached every resource's inputs and cost 100-160 s of nested "error serializing property"
// chains before up failed (measured, see planOrRefusal in src/host/plan.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BinfmtHost } from "../../../src/component";
import { observedStateProvider } from "../../../src/component/observed-state";
import { DEBIAN12_FACTS, drain, installMocks, settle } from "./harness";

const STATE = "pulumi-nodejs:dynamic/qemu-binfmt:ObservedState";

async function hostOnKernel(kernel: string) {
  const rec = installMocks({ facts: () => ({ ...DEBIAN12_FACTS, kernel }) });
  const host = new BinfmtHost("k", { connection: { host: "h" }, architectures: ["aarch64"] }, { transformations: [rec.transformation] });
  const packages = await settle(host.packages);
  await drain();
  const state = rec.created.find((r) => r.type === STATE && r.name === "k-state-packages");
  assert.ok(state !== undefined, "the packages' ObservedState exists");
  return { rec, packages, refused: String(state.inputs["refused"] ?? "") };
}

describe("a refused plan", () => {
  it("flag F on 4.4.0: the host's first resource carries the reason, naming the host, and its check fails with it", async () => {
    const { refused } = await hostOnKernel("4.4.0");
    assert.match(refused, /^k \(root@h:22\): qemu-aarch64: flag F \(fix binary\) needs Linux ≥ 4\.8, this host runs 4\.4\.0/);
    await assert.rejects(observedStateProvider.check({}, { unit: "packages", drift: [], refused }), (e: unknown) => e instanceof Error && e.message === refused);
    assert.deepEqual(await observedStateProvider.check({}, { unit: "packages", drift: [], refused: "" }), { inputs: { unit: "packages", drift: [], refused: "" } });
  });

  it("every command of the host waits on that resource (dependsOn chain), so none runs", async () => {
    const { rec } = await hostOnKernel("4.4.0");
    const commands = rec.registered.filter((r) => r.type === "command:remote:Command");
    assert.ok(commands.length > 0);
    for (const c of commands) assert.ok(c.dependsOn.length > 0, `${c.name} depends on an earlier resource`);
    const first = commands.find((c) => c.name === "k-packages");
    assert.deepEqual(first?.dependsOn, ["k-state-packages"]);
  });

  it("the same arguments plan on a 6.1 kernel, with nothing to report", async () => {
    const r = await hostOnKernel("6.1.0-18-amd64");
    assert.deepEqual(r.packages, ["qemu-user-static"]);
    assert.equal(r.refused, "");
  });
});
