/**
 * How BinfmtHost wires the repair tokens (src/host/units.ts) from the observation into its commands: the
 * token recorded in the host's units file is carried again by a unit with no drift (nothing runs), a
 * drifted unit carries a new one, and a units file of another owner is not read. The fake host has an
 * empty binfmt_misc (every target drifts: not registered) and, with installPackages none, no packages unit
 * drift.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEBIAN12_FACTS, drain, installMocks, scriptVars, settle } from "./harness";
import { repairToken } from "../../../src/host/units";

let n = 0;
/** A new host named tokN whose units file reads UNITS (with "OWNER" replaced by its own owner line). */
async function tokens(units: string | undefined) {
  const name = `tok${++n}`;
  const rec = installMocks({ facts: () => DEBIAN12_FACTS, unitsText: () => units?.replace("OWNER", `# Owner: project/stack BinfmtHost ${name}`) });
  const { BinfmtHost, PackageSet } = await import("../../../src");
  rec.clear();
  const host = new BinfmtHost(name, { connection: { host: "h" }, architectures: ["aarch64"], installPackages: PackageSet.None }, { transformations: [rec.transformation] });
  await settle(host.targets);
  await drain();
  const v = (r: string) => scriptVars(String(rec.created.find((c) => c.name === `${name}-${r}`)?.inputs.stdin));
  return { packages: v("packages"), rule: v("rule-aarch64"), check: rec.created.find((c) => c.name === `${name}-check`)?.inputs.triggers as string[] };
}

describe("repair tokens in BinfmtHost's commands", () => {
  it("a unit without drift carries the token recorded on the host; a drifted one a new token, also in the check's triggers", async () => {
    const t = await tokens("OWNER\npackages abcd\naarch64 1234");
    assert.equal(t.packages.UNIT_TOKEN, "abcd", "nothing to install: the recorded token, so the command does not run");
    assert.equal(t.rule.UNIT, "aarch64");
    assert.notEqual(t.rule.UNIT_TOKEN, "1234", "the entry is not registered: a new token, so the rule runs");
    assert.equal(
      t.rule.UNIT_TOKEN,
      repairToken(["binfmt_misc entry qemu-aarch64 is not registered", "/etc/binfmt.d/qemu-aarch64.conf is missing: qemu-aarch64 would not come back at the next boot"], "1234"),
    );
    assert.ok(t.check.includes(`aarch64 repair ${t.rule.UNIT_TOKEN ?? ""} ${t.rule.INSTALL_DIGEST ?? ""}`), t.check.join(", "));
  });

  it("a units file of another owner is not read: no token is reused", async () => {
    const t = await tokens("# Owner: other/stack BinfmtHost tok2\npackages abcd");
    assert.notEqual(t.packages.UNIT_TOKEN, "abcd");
    assert.equal(t.packages.UNIT_TOKEN, repairToken([], undefined));
  });

  it("no units file (a first run): every unit gets a token derived from its drift", async () => {
    const t = await tokens(undefined);
    assert.equal(t.packages.UNIT_TOKEN, repairToken([], undefined));
    assert.match(t.rule.UNIT_TOKEN ?? "", /^[0-9a-f]{16}$/);
  });
});
