import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { DEBIAN12_FACTS, Recorder, installMocks, settle } from "./harness";

let rec: Recorder;
before(() => {
  rec = installMocks({ facts: () => DEBIAN12_FACTS });
});

describe("BinfmtHost chained after other resources (the fleet's waves)", () => {
  it("makes the first remote step wait for hostAfter's resources, and reports the check as the host's converged resource", async () => {
    const { BinfmtHost, convergedResources, hostAfter } = await import("../../../src/component/host");
    rec.clear();
    const first = new BinfmtHost("wave1", { connection: { host: "10.0.0.5" }, architectures: ["arm"] }, { transformations: [rec.transformation] });
    const last = convergedResources(first);
    assert.equal(last.length, 1);
    const second = new BinfmtHost("wave2", { connection: { host: "10.0.0.6" }, architectures: ["arm", "aarch64"] }, hostAfter({ transformations: [rec.transformation] }, last));
    await settle(pulumi.all([first.targets, second.targets]));
    const deps = Object.fromEntries(rec.registered.map((r) => [r.name, r.dependsOn]));
    assert.deepEqual(deps["wave2-bundle"], ["wave1-check"]);
    assert.deepEqual(deps["wave2-packages"], ["wave1-check", "wave2-bundle"]);
    assert.deepEqual(deps["wave2-rule-arm"], ["wave2-packages"]);
    assert.deepEqual(deps["wave1-bundle"], []);
  });

  it("reports the rules as the converged resources when acceptance is off", async () => {
    const { BinfmtHost, convergedResources } = await import("../../../src/component/host");
    rec.clear();
    const host = new BinfmtHost(
      "noacc",
      { connection: { host: "10.0.0.5" }, architectures: ["arm", "aarch64"], acceptance: { enabled: false } },
      { transformations: [rec.transformation] },
    );
    await settle(host.targets);
    const names = await Promise.all(convergedResources(host).map((r) => new Promise<string>((ok) => pulumi.output(r.urn).apply((u) => ok(u.split("::").pop() ?? "")))));
    assert.deepEqual(names, ["noacc-rule-arm", "noacc-rule-aarch64"]);
  });
});
