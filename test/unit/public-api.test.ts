// The package's public surface is exactly this list: anything else under src/ is internal. Adding a name
// here is a decision (it becomes API, and schema once the component package exists).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as api from "../../src";

const VALUES = [
  "AcceptanceStatus",
  "AcceptanceVia",
  "ApplyMode",
  "BinfmtArgsError",
  "BinfmtFleet",
  "BinfmtHost",
  "BinfmtInputError",
  "CATALOGUE",
  "InstallSource",
  "InterpreterLayout",
  "MaskPolicy",
  "PackageSet",
  "Privilege",
  "SkipPolicy",
  "TARGET_NAMES",
  "TargetStatus",
  "binfmtDFileName",
  "buildRule",
  "planTargets",
  "renderBinfmtDFile",
  "renderRegisterString",
  "resolveTarget",
];

const TYPES = [
  "Acceptance",
  "AcceptanceArgs",
  "AcceptanceReport",
  "BinfmtFleetArgs",
  "BinfmtHostArgs",
  "BinfmtOptionsArgs",
  "BinfmtRule",
  "FleetHost",
  "FleetHostArgs",
  "HostConnection",
  "HostConnectionArgs",
  "HostFacts",
  "HostReport",
  "ProxyConnection",
  "ProxyConnectionArgs",
  "Rollout",
  "RolloutArgs",
  "RuleOptions",
  "SkippedTarget",
  "TargetInfo",
  "TargetPlan",
  "TargetReport",
];

test("src/index.ts exports exactly the components, their enums and errors, and the rules functions", () => {
  assert.deepEqual(Object.keys(api).sort(), [...VALUES].sort());
});

test("src/index.ts exports exactly the argument, output and rule types", () => {
  const text = readFileSync(join(__dirname, "../../src/index.ts"), "utf8");
  const types = [...text.matchAll(/export type \{([^}]*)\}/g)].flatMap((m) =>
    (m[1] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
  assert.deepEqual(types.sort(), [...TYPES].sort());
  assert.doesNotMatch(text, /export \*/, "no wildcard re-export: every public name is listed");
});

test("enum values name what they do (no project-history words)", () => {
  assert.deepEqual(Object.values(api.MaskPolicy), ["ignore-abi-version", "qemu"]);
  assert.deepEqual(Object.values(api.PackageSet), ["minimal", "qemu-user-static-binfmt-support", "none"]);
});
