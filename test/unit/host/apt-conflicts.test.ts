/**
 * Preview says what apt -y would remove, where the observation sees it: a package the plan installs whose
 * candidate Conflicts with one dpkg has installed (Debian 12: qemu-user-static Conflicts: qemu-user-binfmt,
 * as `apt-cache show` prints it on a lab host) is refused before any change. The packages step's
 * simulation (packages-apt-bounds.test.ts) covers what the observation cannot see.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseHostArgs } from "../../../src/component/validate";
import { HostObservation, ObservedPackage } from "../../../src/host/observation";
import { planOrRefusal } from "../../../src/host/plan";
import { DEBIAN12_FACTS } from "../component/harness";
import { observed } from "../../support/observation";

const QEMU = "1:7.2+dfsg-7+deb12u18+b3";
const config = (extra: object = {}) => parseHostArgs("t", { connection: { host: "h" }, architectures: ["aarch64"], ...extra });
const pkg = (name: string, o: Partial<ObservedPackage>): ObservedPackage => ({
  name,
  status: "not-installed",
  installed: "",
  installedDepends: "",
  candidate: QEMU,
  depends: "",
  versions: [QEMU],
  conflicts: "",
  ...o,
});
const host = (packages: ObservedPackage[]): HostObservation => ({ ...observed(DEBIAN12_FACTS), packages });

describe("preview refuses what apt would remove, from the observation", () => {
  it("qemu-user-binfmt installed by hand and qemu-user-static to install (Conflicts: qemu-user-binfmt): refused naming it and the ways out", () => {
    const obs = host([
      pkg("qemu-user-static", { conflicts: "qemu-user-binfmt" }),
      pkg("qemu-user-binfmt", { status: "installed", installed: QEMU, conflicts: "qemu-user-static" }),
    ]);
    const { refused } = planOrRefusal(config(), obs, "h1");
    assert.match(
      refused,
      new RegExp(
        `^h1: refused before any change: installing qemu-user-static ${QEMU.replace(/\+/g, "\\+")} would make apt remove qemu-user-binfmt ${QEMU.replace(/\+/g, "\\+")} \\(installed`,
      ),
    );
    assert.match(refused, /Ways out: remove it yourself if nothing needs it \(apt-get remove qemu-user-binfmt\)/);
  });

  it("no refusal when the conflicting package is not installed, when the plan installs nothing, or when a versioned conflict does not apply", () => {
    assert.equal(planOrRefusal(config(), host([pkg("qemu-user-static", { conflicts: "qemu-user-binfmt" }), pkg("qemu-user-binfmt", {})]), "h1").refused, "");
    const installed = pkg("qemu-user-static", { status: "installed", installed: QEMU, conflicts: "qemu-user-binfmt" });
    assert.equal(planOrRefusal(config(), host([installed, pkg("qemu-user-binfmt", { status: "installed", installed: QEMU })]), "h1").refused, "");
    const versioned = pkg("qemu-user-static", { conflicts: "binfmt-support (<< 2.1.7~), qemu-user-binfmt:any" });
    assert.equal(planOrRefusal(config(), host([versioned, pkg("binfmt-support", { status: "installed", installed: "2.2.2-2" })]), "h1").refused, "");
    assert.match(
      planOrRefusal(config(), host([versioned, pkg("binfmt-support", { status: "installed", installed: "2.1.6-1" })]), "h1").refused,
      /would make apt remove binfmt-support 2\.1\.6-1/,
    );
  });
});
