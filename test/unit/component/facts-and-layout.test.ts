import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { interpreterLayout, parseFacts } from "../../../src/host/facts";
import { InterpreterLayout, PackageSet } from "../../../src/host/enums";
import { packagesFor, planHost } from "../../../src/host/plan";
import { parseHostArgs } from "../../../src/component/validate";
import { factsScript } from "../../../src/host/scripts/facts";
import { DEBIAN12_FACTS } from "./harness";

const facts = (distroId: string, distroVersion: string) => ({ ...DEBIAN12_FACTS, distroId, distroVersion });

describe("host facts", () => {
  it("the facts script prints JSON that parseFacts accepts (run read-only on this machine)", () => {
    const r = spawnSync("sh", ["-s"], { input: factsScript("local"), encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const f = parseFacts(r.stdout, "local");
    assert.ok(f.machine.length > 0);
    assert.equal(typeof f.systemd, "boolean");
  });

  it("parseFacts names the host when the output is not JSON", () => {
    assert.throws(() => parseFacts("bash: sh: not found", "b-1 (root@h:22)"), /^Error: b-1 \(root@h:22\): the facts command printed no JSON/);
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
    const p = planHost(config, { ...DEBIAN12_FACTS, systemd: false }, "l");
    assert.equal(p.applyMode, "per-file");
    assert.equal(p.persistent, false);
    assert.equal(planHost(config, DEBIAN12_FACTS, "l").applyMode, "systemd-restart");
  });

  it("an aarch64 host skips arm and aarch64 (QEMU's family rule) unless the skip policy is exact-native", () => {
    const arm = { ...DEBIAN12_FACTS, machine: "aarch64" };
    const family = planHost(parseHostArgs("t", { connection: { host: "h" }, architectures: ["arm", "aarch64", "riscv64"] }), arm, "l");
    assert.deepEqual(
      family.rules.map((r) => [r.target.name, r.skipped !== undefined]),
      [
        ["arm", true],
        ["aarch64", true],
        ["riscv64", false],
      ],
    );
    const exact = planHost(parseHostArgs("t", { connection: { host: "h" }, architectures: ["arm", "aarch64"], skipPolicy: "exact-native" as never }), arm, "l");
    assert.deepEqual(
      exact.rules.map((r) => [r.target.name, r.skipped !== undefined]),
      [
        ["arm", false],
        ["aarch64", true],
      ],
    );
  });
});
