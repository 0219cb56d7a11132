/**
 * K6: missing evidence is not evidence. A host whose apt lists offer no QEMU package (a fresh cloud image,
 * lists cleaned to save space) and that has none installed: the observation reads fresh lists into a
 * private directory (src/host/scripts/observe.sh, src/host/fresh-lists.ts), and the layout and package
 * set come from them; the distribution's name table only when that fails too, said in the reason.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseHostArgs } from "../../../src/component/validate";
import { InterpreterLayout } from "../../../src/host/enums";
import { HostFacts } from "../../../src/host/facts";
import { parseObservation } from "../../../src/host/observation";
import { planHost } from "../../../src/host/plan";
import { DEBIAN12_FACTS } from "../component/harness";

// A Debian 13 derivative the name table does not know (Kali-like: ID kali, ID_LIKE debian, no VERSION_ID).
const DERIVATIVE: HostFacts = {
  ...DEBIAN12_FACTS,
  distroId: "kali",
  distroLike: "debian",
  distroVersion: "2026.4",
  distroCodename: "kali-rolling",
  distroName: "Kali GNU/Linux Rolling",
};
const EMPTY = (name: string) => ({ kind: "package", name, status: "not-installed", installed: "", installedDepends: "", candidate: "", depends: "", versions: "" });
const QEMU_PKGS = ["qemu-user", "qemu-user-static", "qemu-user-binfmt", "binfmt-support"];

function stdout(facts: HostFacts, extra: object[]): string {
  return [
    { kind: "facts", ...facts },
    { kind: "binfmt", mounted: true, status: "enabled" },
    { kind: "boot", load: "loaded", unitFileState: "static", active: "active", configDirFs: "ext2/ext3" },
    ...QEMU_PKGS.map(EMPTY),
    ...extra,
  ]
    .map((r) => JSON.stringify(r))
    .join("\n");
}

const fresh = [
  { kind: "freshLists", result: "updated", detail: "3 lists fetched into a private directory" },
  { ...EMPTY("qemu-user"), kind: "freshPackage", candidate: "1:10.0.6+ds-0+deb13u2", versions: "1:10.0.6+ds-0+deb13u2 " },
  {
    ...EMPTY("qemu-user-static"),
    kind: "freshPackage",
    candidate: "1:10.0.6+ds-0+deb13u2",
    depends: "qemu-user (>= 1:10.0.6+ds-0+deb13u2), qemu-user-binfmt (>= 1:10.0.6+ds-0+deb13u2)",
    versions: "1:10.0.6+ds-0+deb13u2 ",
  },
];
const config = parseHostArgs("t", { connection: { host: "h" }, architectures: ["aarch64"] });

describe("K6: the layout of a host without apt lists comes from fresh lists, not from the name table", () => {
  it("a Debian 13 derivative the table does not know gets qemu-user and /usr/bin/qemu-<cpu> from the fresh lists", () => {
    const obs = parseObservation(stdout(DERIVATIVE, fresh), "t");
    assert.equal(obs.freshLists?.result, "updated");
    assert.equal(obs.packages.find((p) => p.name === "qemu-user-static")?.candidate, "1:10.0.6+ds-0+deb13u2", "the fresh record replaces the empty one");
    const plan = planHost(config, obs, "t");
    assert.equal(plan.layout, InterpreterLayout.Plain);
    assert.deepEqual(plan.packages, ["qemu-user"], "not the transitional qemu-user-static that pulls the auto-registering qemu-user-binfmt");
    assert.equal(plan.rules[0]?.rule.interpreter, "/usr/bin/qemu-aarch64");
    assert.match(plan.layoutReason, /transitional .*from apt lists read into a private directory/);
  });

  it("without fresh lists the name table decides, and the reason says the host could not tell and why", () => {
    const failed = parseObservation(stdout(DERIVATIVE, [{ kind: "freshLists", result: "failed", detail: "apt-get update (private lists) exit 100: E: no network" }]), "t");
    const plan = planHost(config, failed, "t");
    assert.equal(plan.layout, InterpreterLayout.StaticSuffix);
    assert.match(plan.layoutReason, /not decided from evidence: by the distribution's name table/);
    assert.match(plan.layoutReason, /fresh apt lists could not be read: apt-get update \(private lists\) exit 100: E: no network/);
    assert.match(plan.layoutReason, /the table does not know ID=kali \(ID_LIKE=debian\)/);
  });

  it("a Debian 12 host without lists or fresh lists keeps the table's answer, said as such", () => {
    const plan = planHost(config, parseObservation(stdout(DEBIAN12_FACTS, []), "t"), "t");
    assert.equal(plan.layout, InterpreterLayout.StaticSuffix);
    assert.match(plan.layoutReason, /^no QEMU package, apt candidate or interpreter found on the host, so not decided from evidence: by the distribution's name table \(debian 12/);
    assert.doesNotMatch(plan.layoutReason, /does not know/);
  });
});
