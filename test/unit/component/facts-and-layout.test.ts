import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { interpreterLayout } from "../../../src/host/facts";
import { observationRequest, parseObservation } from "../../../src/host/observation";
import { InterpreterLayout, PackageSet } from "../../../src/host/enums";
import { packagesFor, planHost } from "../../../src/host/plan";
import { parseHostArgs } from "../../../src/component/validate";
import { observeScript } from "../../../src/host/scripts/observe";
import { DEBIAN12_FACTS, observed } from "./harness";

const facts = (distroId: string, distroVersion: string) => ({ ...DEBIAN12_FACTS, distroId, distroVersion });

describe("host observation and the decisions it feeds", () => {
  it("the observation script runs read-only as this machine's user and parseObservation accepts what it prints", () => {
    const config = parseHostArgs("t", { connection: { host: "h" }, architectures: ["aarch64", "i386"] });
    const r = spawnSync("sh", ["-s"], { input: observeScript("local", observationRequest(config)), encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const o = parseObservation(r.stdout, "local");
    assert.ok(o.facts.machine.length > 0);
    assert.equal(typeof o.facts.systemd, "boolean");
    assert.deepEqual(o.elfs.map((e) => e.path).slice(0, 4), ["/usr/bin/qemu-aarch64", "/usr/bin/qemu-aarch64-static", "/usr/bin/qemu-i386", "/usr/bin/qemu-i386-static"]);
    assert.deepEqual(
      o.probes.map((p) => p.target),
      ["aarch64", "i386"],
    );
  });

  it("parseObservation names the host when the script ended early", () => {
    assert.throws(() => parseObservation("bash: sh: not found", "b-1 (root@h:22)"), /^Error: b-1 \(root@h:22\): the observation ended early \(no facts record\)/);
  });

  it("interpreter layout follows the distribution release", () => {
    assert.equal(interpreterLayout(facts("debian", "12")), InterpreterLayout.StaticSuffix);
    assert.equal(interpreterLayout(facts("debian", "13")), InterpreterLayout.Plain);
    assert.equal(interpreterLayout(facts("debian", "")), InterpreterLayout.Plain, "testing/unstable");
    assert.equal(interpreterLayout(facts("ubuntu", "24.04")), InterpreterLayout.StaticSuffix);
    assert.equal(interpreterLayout(facts("ubuntu", "24.10")), InterpreterLayout.StaticSuffix);
    assert.equal(interpreterLayout(facts("ubuntu", "25.04")), InterpreterLayout.Plain);
    assert.equal(interpreterLayout(facts("fedora", "41")), InterpreterLayout.StaticSuffix);
  });

  it("package names follow the layout and the package set", () => {
    const cfg = (o: object) => parseHostArgs("t", { connection: { host: "h" }, architectures: ["aarch64"], ...o });
    assert.deepEqual(packagesFor(cfg({}), InterpreterLayout.StaticSuffix), ["qemu-user-static"]);
    assert.deepEqual(packagesFor(cfg({}), InterpreterLayout.Plain), ["qemu-user"]);
    assert.deepEqual(packagesFor(cfg({ installPackages: PackageSet.QemuUserStaticBinfmtSupport }), InterpreterLayout.Plain), ["qemu-user-static", "binfmt-support"]);
    assert.deepEqual(packagesFor(cfg({ installPackages: PackageSet.None }), InterpreterLayout.Plain), []);
    assert.deepEqual(packagesFor(cfg({ packages: ["qemu-user-static=1:7.2"] }), InterpreterLayout.Plain), ["qemu-user-static=1:7.2"]);
  });

  it("hosts without systemd fall back to per-file apply and are reported as not persistent", () => {
    const config = parseHostArgs("t", { connection: { host: "h" }, architectures: ["aarch64"], applyMode: "systemd-restart" as never });
    const p = planHost(config, observed({ ...DEBIAN12_FACTS, systemd: false }), "l");
    assert.equal(p.applyMode, "per-file");
    assert.equal(p.persistent, false);
    assert.equal(planHost(config, observed(DEBIAN12_FACTS), "l").applyMode, "systemd-restart");
  });

  it("an aarch64 host skips arm and aarch64 (QEMU's family rule) unless the skip policy is exact-native", () => {
    const arm = { ...DEBIAN12_FACTS, machine: "aarch64" };
    const family = planHost(parseHostArgs("t", { connection: { host: "h" }, architectures: ["arm", "aarch64", "riscv64"] }), observed(arm), "l");
    assert.deepEqual(
      family.rules.map((r) => [r.target.name, r.skipped !== undefined]),
      [
        ["arm", true],
        ["aarch64", true],
        ["riscv64", false],
      ],
    );
    const exact = planHost(parseHostArgs("t", { connection: { host: "h" }, architectures: ["arm", "aarch64"], skipPolicy: "exact-native" as never }), observed(arm), "l");
    assert.deepEqual(
      exact.rules.map((r) => [r.target.name, r.skipped !== undefined]),
      [
        ["arm", false],
        ["aarch64", true],
      ],
    );
  });
});
