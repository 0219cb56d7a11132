/**
 * Served by the component package (pulumi-package/index.ts calls serveHostRefusalFromPackage), a BinfmtHost's
 * HostRefusal is the package's own custom resource, not a `pulumi.dynamic` one: the engine would start the
 * Node SDK's dynamic-provider plugin in the consuming program's directory, where a Python/Go/YAML/C# project
 * has no @pulumi/pulumi (measured). In its own file: the switch is per process.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { DEBIAN12_FACTS, Recorder, TEST_KEY, drain, installMocks, settle } from "./harness";
import { PACKAGE_HOST_REFUSAL_TYPE, hostRefusalProvider, serveHostRefusalFromPackage } from "../../../src/component/refusal";

let rec: Recorder;
before(() => {
  rec = installMocks({ facts: () => ({ ...DEBIAN12_FACTS, kernel: "4.4.0" }) });
});

test("hosted by the package, a refused host's HostRefusal is qemu-binfmt:index:HostRefusal and carries no serialized provider", async () => {
  serveHostRefusalFromPackage();
  const { BinfmtHost } = await import("../../../src");
  rec.clear();
  const host = new BinfmtHost("pkg", { connection: { host: "10.0.0.5", privateKey: TEST_KEY }, architectures: ["aarch64"] }, { transformations: [rec.transformation] });
  await settle(host.packages);
  await drain();
  const refusals = rec.registered.filter((r) => /-refusal$/.test(r.name));
  assert.deepEqual(
    refusals.map((r) => [r.name, r.type]),
    [["pkg-refusal", PACKAGE_HOST_REFUSAL_TYPE]],
  );
  for (const s of refusals) assert.equal(s.props["__provider"], undefined, s.name);
});

test("the package's provider decides with the same functions: check fails on a refused plan, create on an unreadable host", async () => {
  await assert.rejects(hostRefusalProvider.check({}, { refused: "h: flag F needs Linux ≥ 4.8", unreadable: "" }), /flag F needs Linux/);
  assert.deepEqual(await hostRefusalProvider.check({}, { refused: "", unreadable: "h: cannot read the host" }), { inputs: { refused: "", unreadable: "h: cannot read the host" } });
  await assert.rejects(hostRefusalProvider.create({ refused: "", unreadable: "h: cannot read the host" }), /cannot read the host/);
});
