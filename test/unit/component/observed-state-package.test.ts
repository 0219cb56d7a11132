/**
 * Served by the component package (pulumi-package/index.ts calls serveObservedStateFromPackage), BinfmtHost's
 * ObservedState resources are the package's own custom resources, not `pulumi.dynamic` ones: the engine would
 * start the Node SDK's dynamic-provider plugin in the consuming program's directory, where a Python/Go/YAML/C#
 * project has no @pulumi/pulumi (measured). In its own file: the switch is per process.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { DEBIAN12_FACTS, Recorder, TEST_KEY, installMocks, settle } from "./harness";
import { PACKAGE_OBSERVED_STATE_TYPE, observedStateProvider, serveObservedStateFromPackage } from "../../../src/component/observed-state";

let rec: Recorder;
before(() => {
  rec = installMocks({ facts: () => DEBIAN12_FACTS });
});

test("hosted by the package, ObservedState is qemu-binfmt:index:ObservedState and carries no serialized provider", async () => {
  serveObservedStateFromPackage();
  const { BinfmtHost } = await import("../../../src");
  rec.clear();
  const host = new BinfmtHost("pkg", { connection: { host: "10.0.0.5", privateKey: TEST_KEY }, architectures: ["aarch64"] }, { transformations: [rec.transformation] });
  await settle(host.targets);
  const states = rec.registered.filter((r) => /-state-/.test(r.name));
  assert.deepEqual(
    states.map((r) => [r.name, r.type]),
    [
      ["pkg-state-packages", PACKAGE_OBSERVED_STATE_TYPE],
      ["pkg-state-aarch64", PACKAGE_OBSERVED_STATE_TYPE],
    ],
  );
  for (const s of states) assert.equal(s.props["__provider"], undefined, s.name);
});

test("the package's provider decides with the same functions: a change exactly when there is drift, revision bumped on update", async () => {
  assert.deepEqual(await observedStateProvider.diff("id", {}, { unit: "aarch64", drift: [] }), { changes: false });
  assert.deepEqual(await observedStateProvider.diff("id", {}, { unit: "aarch64", drift: ["entry missing"] }), { changes: true });
  const updated = await observedStateProvider.update("id", { revision: 2 }, { unit: "aarch64", drift: ["entry missing"] });
  assert.equal(updated.outs.revision, 3);
  await assert.rejects(observedStateProvider.create({ unit: "packages", drift: [], unreadable: "cannot read the host" }), /cannot read the host/);
});
