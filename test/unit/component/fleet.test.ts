import { describe, it, before } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { Recorder, installMocks, settle } from "./harness";
import type { FleetHost } from "../../../src/component";

let rec: Recorder;
before(() => {
  rec = installMocks();
});

const hostsAB: FleetHost[] = [
  { id: "builder-a", connection: { host: "10.0.0.1" } },
  { id: "builder-b", connection: { host: "10.0.0.2", user: "builder" }, architectures: ["riscv64"] },
];

async function fleetNames(name: string, hosts: FleetHost[]): Promise<{ names: string[]; parents: Record<string, string | undefined> }> {
  const { BinfmtFleet } = await import("../../../src/component");
  rec.clear();
  const f = new BinfmtFleet(name, { architectures: ["arm", "aarch64"], hosts }, { transformations: [rec.transformation] });
  await settle(f.hostReports);
  return { names: rec.registered.map((r) => r.name).sort(), parents: Object.fromEntries(rec.registered.map((r) => [r.name, r.parent])) };
}

describe("BinfmtFleet", () => {
  it("creates one BinfmtHost per host, named from the fleet and the host id, with that host's targets", async () => {
    const { names, parents } = await fleetNames("builders", hostsAB);
    assert.ok(names.includes("builders-builder-a"));
    assert.ok(names.includes("builders-builder-a-rule-arm"));
    assert.ok(names.includes("builders-builder-a-rule-aarch64"));
    assert.ok(names.includes("builders-builder-b-rule-riscv64"));
    assert.ok(!names.includes("builders-builder-b-rule-arm"), "a host's own architectures replace the fleet's");
    assert.equal(parents["builders-builder-a"], "builders");
    assert.equal(parents["builders-builder-a-packages"], "builders-builder-a");
  });

  it("keeps every child name when the hosts are reordered (nothing would be replaced)", async () => {
    const forward = await fleetNames("f1", hostsAB);
    const reversed = await fleetNames("f1", [...hostsAB].reverse());
    assert.deepEqual(reversed.names, forward.names);
  });

  it("does not chain hosts together: each host's first command depends on nothing (hosts run in parallel)", async () => {
    const { BinfmtFleet } = await import("../../../src/component");
    rec.clear();
    const f = new BinfmtFleet("par", { architectures: ["aarch64"], hosts: hostsAB }, { transformations: [rec.transformation] });
    await settle(f.hostReports);
    for (const id of ["builder-a", "builder-b"]) assert.deepEqual(rec.registered.find((r) => r.name === `par-${id}-bundle`)?.dependsOn, []);
  });

  it("registers as qemu-binfmt:index:BinfmtFleet with the former type pulumi-qemu-binfmt:… as an alias (stacks made before keep their resources)", async () => {
    const { BinfmtFleet } = await import("../../../src/component");
    const f = new BinfmtFleet("al", { architectures: ["aarch64"], hosts: hostsAB.slice(0, 1) });
    // The SDK's alias URNs of the resource (internal field; what the engine receives as the resource's aliases).
    const aliases = (f as unknown as { __aliases: pulumi.Output<string>[] }).__aliases;
    const [urn, ...former] = await Promise.all([settle(f.urn), ...aliases.map((a) => settle(a))]);
    assert.match(urn, /::qemu-binfmt:index:BinfmtFleet::al$/);
    assert.deepEqual(
      former.map((u) => u.replace(/^urn:pulumi:[^:]*::[^:]*::/, "")),
      ["pulumi-qemu-binfmt:index:BinfmtFleet::al"],
    );
    await settle(f.hostReports);
  });

  it("reports per host id, and every summary line names its host", async () => {
    const { BinfmtFleet } = await import("../../../src/component");
    const f = new BinfmtFleet("rep", { architectures: ["aarch64"], hosts: hostsAB });
    const [hosts, summary] = await Promise.all([settle(f.hostReports), settle(f.summary)]);
    assert.deepEqual(Object.keys(hosts).sort(), ["builder-a", "builder-b"]);
    assert.equal(hosts["builder-b"]?.facts.distroId, "debian");
    assert.match(summary, /^rep-builder-a \(root@10\.0\.0\.1:22\): /m);
    assert.match(summary, /^rep-builder-b \(builder@10\.0\.0\.2:22\): /m);
  });
});
