// A plan the host refuses (here flag F on a 4.4.0 kernel) gets a HostRefusal resource whose check fails
// with a message naming the host, in a preview as in an up. Every command of the host depends on it, so
// none runs. Why not a rejected plan: it reached every resource's inputs and cost 100-160 s of nested "error
// serializing property" chains before up failed (measured, see planOrRefusal in src/host/plan.ts). A host
// that plans has no HostRefusal at all (no extra resource, no dynamic-provider plugin).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BinfmtHost } from "../../../src/component";
import { hostRefusalProvider } from "../../../src/component/refusal";
import { DEBIAN12_FACTS, drain, installMocks, settle } from "./harness";

const REFUSAL = "pulumi-nodejs:dynamic/qemu-binfmt:HostRefusal";

async function hostOnKernel(kernel: string) {
  const rec = installMocks({ facts: () => ({ ...DEBIAN12_FACTS, kernel }) });
  const host = new BinfmtHost("k", { connection: { host: "h" }, architectures: ["aarch64"] }, { transformations: [rec.transformation] });
  const packages = await settle(host.packages);
  await drain();
  const refusal = rec.created.find((r) => r.type === REFUSAL && r.name === "k-refusal");
  return { rec, packages, refused: String(refusal?.inputs["refused"] ?? ""), refusal };
}

describe("a refused plan", () => {
  it("flag F on 4.4.0: the host's HostRefusal carries the reason, naming the host, and its check fails with it", async () => {
    const { refused } = await hostOnKernel("4.4.0");
    assert.match(refused, /^k \(root@h:22\): qemu-aarch64: flag F \(fix binary\) needs Linux ≥ 4\.8, this host runs 4\.4\.0/);
    await assert.rejects(hostRefusalProvider.check({}, { refused, unreadable: "" }), (e: unknown) => e instanceof Error && e.message === refused);
  });

  it("every command of the host waits on the HostRefusal (dependsOn chain), so none runs", async () => {
    const { rec } = await hostOnKernel("4.4.0");
    const commands = rec.registered.filter((r) => r.type.startsWith("command:remote:"));
    assert.ok(commands.length > 0);
    for (const c of commands) assert.ok(c.dependsOn.length > 0, `${c.name} depends on an earlier resource`);
    const first = commands.find((c) => c.name === "k-bundle");
    assert.deepEqual(first?.dependsOn, ["k-refusal"]);
  });

  it("the same arguments plan on a 6.1 kernel: no HostRefusal, and the first command depends on nothing", async () => {
    const r = await hostOnKernel("6.1.0-18-amd64");
    assert.deepEqual(r.packages, ["qemu-user-static"]);
    assert.equal(r.refusal, undefined);
    assert.deepEqual(r.rec.registered.find((c) => c.name === "k-bundle")?.dependsOn, []);
  });
});

describe("a host that cannot do it (src/host/capability.ts) is refused the same way, before the package install", () => {
  it("binfmt_misc switched off host-wide: the HostRefusal says so and the packages command waits on it", async () => {
    const rec = installMocks({ records: () => [{ kind: "binfmt", mounted: true, status: "disabled" }] });
    const host = new BinfmtHost("off", { connection: { host: "h" }, architectures: ["aarch64"] }, { transformations: [rec.transformation] });
    await settle(host.packages);
    await drain();
    const refused = String(rec.created.find((r) => r.type === REFUSAL && r.name === "off-refusal")?.inputs["refused"] ?? "");
    assert.match(refused, /^off \(root@h:22\): binfmt_misc is switched off for the whole host/);
    // The host's first remote step (the scripts' bundle) waits on the refusal, and the install after it.
    assert.deepEqual(rec.registered.find((c) => c.name === "off-bundle")?.dependsOn, ["off-refusal"]);
    assert.ok(rec.registered.find((c) => c.name === "off-packages")?.dependsOn.includes("off-refusal"), "the packages command waits on the refusal");
  });
});
