/**
 * The host-capability gate (src/host/capability.ts) with observations of the hosts it is about: what the
 * kernel or the installed QEMU cannot do is refused by the plan, before any change (a refused plan runs no
 * step, the package install included), naming the condition and a way out the host offers.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseHostArgs } from "../../../src/component/validate";
import { HostFacts } from "../../../src/host/facts";
import { HostObservation, ObservedBinfmtSupport, ObservedElf, ObservedPackage, parseObservation } from "../../../src/host/observation";
import { planHost, planOrRefusal } from "../../../src/host/plan";
import { upstreamQemuVersion } from "../../../src/host/capability";
import { DEBIAN12_FACTS, observed } from "../component/harness";

const config = (architectures: string[], extra: object = {}) => parseHostArgs("t", { connection: { host: "h" }, architectures, ...extra });
const pkg = (name: string, o: Partial<ObservedPackage>): ObservedPackage => ({
  name,
  status: o.installed ? "installed" : "not-installed",
  installed: "",
  installedDepends: "",
  candidate: "",
  depends: "",
  versions: [],
  ...o,
});
const elf = (path: string, o: Partial<ObservedElf> = {}): ObservedElf => ({
  path,
  exists: true,
  executable: true,
  linking: "static",
  header: "",
  changed: 0,
  ...o,
});
const missing = (path: string) => elf(path, { exists: false, executable: false, linking: "missing" });
const support = (s: ObservedBinfmtSupport["support"], readOnly = false): ObservedBinfmtSupport => ({ support: s, readOnly, modulesDir: "/lib/modules/6.1.0-30-amd64" });
const host = (facts: Partial<HostFacts>, o: Partial<HostObservation>): HostObservation => ({ ...observed({ ...DEBIAN12_FACTS, ...facts }), ...o });
const refusal = (architectures: string[], obs: HostObservation, extra: object = {}) => planOrRefusal(config(architectures, extra), obs, "t (root@h:22)").refused;

const UBUNTU1804: Partial<HostFacts> = { machine: "aarch64", kernel: "4.9.337-tegra", distroId: "ubuntu", distroVersion: "18.04", distroName: "Ubuntu 18.04.6 LTS" };
const UBUNTU2004: Partial<HostFacts> = { machine: "aarch64", kernel: "5.10.120-tegra", distroId: "ubuntu", distroVersion: "20.04", distroName: "Ubuntu 20.04.6 LTS" };
const QEMU_2_11 = "1:2.11+dfsg-1ubuntu7.41";
const QEMU_4_2 = "1:4.2-3ubuntu6.30";

describe("K1: binfmt_misc switched off, absent or read-only is refused before any change", () => {
  it("refuses a host whose binfmt_misc status is disabled (hardening), naming the switch and the way out", () => {
    const r = refusal(["aarch64"], host({}, { binfmt: { mounted: true, status: "disabled" } }));
    assert.match(r, /switched off for the whole host \(\/proc\/sys\/fs\/binfmt_misc\/status reads "disabled"/);
    assert.match(r, /echo 1 > \/proc\/sys\/fs\/binfmt_misc\/status/);
    assert.equal(refusal(["aarch64"], host({}, { binfmt: { mounted: true, status: "enabled" } })), "");
  });

  it("refuses a kernel without binfmt_misc (not mounted, not in /proc/filesystems, no module) before the package install", () => {
    const r = refusal(["aarch64"], host({ binfmtMiscMounted: false }, { binfmt: { mounted: false, status: "" }, binfmtSupport: support("none") }));
    assert.match(r, /this kernel \(6\.1\.0-30-amd64\) has no binfmt_misc: .*\/lib\/modules\/6\.1\.0-30-amd64 has no binfmt_misc module/);
    assert.match(r, /CONFIG_BINFMT_MISC=y or =m.*nothing was installed/);
    const noModules = refusal(["aarch64"], host({ binfmtMiscMounted: false }, { binfmt: { mounted: false, status: "" }, binfmtSupport: support("no-modules") }));
    assert.match(noModules, /does not exist, so no module can be loaded/);
  });

  it("does not refuse binfmt_misc that is not mounted but can be (a module, built in, listed): the rule step mounts it", () => {
    for (const s of ["module", "builtin", "listed"] as const) {
      assert.equal(refusal(["aarch64"], host({ binfmtMiscMounted: false }, { binfmt: { mounted: false, status: "" }, binfmtSupport: support(s) })), "", s);
    }
  });

  it("refuses a binfmt_misc mounted read-only (registrations would fail with EROFS)", () => {
    assert.match(refusal(["aarch64"], host({}, { binfmtSupport: support("listed", true) })), /mounted read-only at \/proc\/sys\/fs\/binfmt_misc/);
  });

  it("an observation without the record (stored by an earlier version) refuses nothing on its account", () => {
    assert.equal(refusal(["aarch64"], host({}, {})), "");
  });

  it("the observation script's record parses", () => {
    const facts = JSON.stringify({ kind: "facts", ...DEBIAN12_FACTS });
    const text = [
      facts,
      JSON.stringify({ kind: "binfmt", mounted: false, status: "" }),
      JSON.stringify({ kind: "binfmtSupport", support: "module", readOnly: false, modulesDir: "/lib/modules/x" }),
      JSON.stringify({ kind: "boot", load: "", unitFileState: "", active: "", configDirFs: "ext2/ext3" }),
    ].join("\n");
    assert.deepEqual(parseObservation(text, "t").binfmtSupport, { support: "module", readOnly: false, modulesDir: "/lib/modules/x" });
  });
});

describe("K1/K3: an interpreter the installed QEMU lacks is refused before any change, without 'install the package'", () => {
  it("Ubuntu 18.04 with QEMU 2.11 installed: riscv64 is refused naming the installed version and when QEMU got it", () => {
    const obs = host(UBUNTU1804, {
      packages: [pkg("qemu-user-static", { installed: QEMU_2_11, candidate: QEMU_2_11 })],
      elfs: [missing("/usr/bin/qemu-riscv64"), missing("/usr/bin/qemu-riscv64-static"), elf("/usr/bin/qemu-arm-static")],
    });
    const r = refusal(["riscv64", "arm"], obs, { skipPolicy: "exact-native" });
    assert.match(
      r,
      /qemu-riscv64: interpreter \/usr\/bin\/qemu-riscv64-static for target riscv64 does not exist: the installed QEMU \(qemu-user-static 1:2\.11\+dfsg-1ubuntu7\.41, QEMU 2\.11\) has no/,
    );
    assert.match(r, /linux-user riscv64 since 2\.12/);
    assert.match(r, /this run installs no emulator \(qemu-user-static 1:2\.11\+dfsg-1ubuntu7\.41 already installed/);
    assert.doesNotMatch(r, /Install the package/i);
    assert.doesNotMatch(r, /qemu-arm:/, "arm's emulator is there");
  });

  it("a pending binfmt-support (installPackages qemu-user-static-binfmt-support) provides no emulator: still refused", () => {
    const obs = host(UBUNTU1804, {
      packages: [pkg("qemu-user-static", { installed: QEMU_2_11, candidate: QEMU_2_11 }), pkg("binfmt-support", { candidate: "2.1.8-2" })],
      elfs: [missing("/usr/bin/qemu-riscv64"), missing("/usr/bin/qemu-riscv64-static")],
    });
    assert.match(refusal(["riscv64"], obs, { installPackages: "qemu-user-static-binfmt-support" }), /the installed QEMU \(qemu-user-static 1:2\.11/);
  });

  it("a fresh Ubuntu 20.04 whose apt would install QEMU 4.2: hexagon is refused before the install", () => {
    const obs = host(UBUNTU2004, {
      packages: [pkg("qemu-user-static", { candidate: QEMU_4_2 })],
      elfs: [missing("/usr/bin/qemu-hexagon"), missing("/usr/bin/qemu-hexagon-static")],
    });
    assert.match(
      refusal(["hexagon"], obs),
      /the QEMU apt would install \(qemu-user-static 1:4\.2-3ubuntu6\.30, QEMU 4\.2\) has no emulator for it; QEMU has had linux-user hexagon since 6\.0/,
    );
  });

  it("a target the candidate has, or a candidate nobody can read (no lists), is left to the install step", () => {
    const fresh = host(UBUNTU2004, { packages: [pkg("qemu-user-static", { candidate: QEMU_4_2 })], elfs: [missing("/usr/bin/qemu-riscv64-static")] });
    assert.equal(refusal(["riscv64"], fresh), "");
    const noLists = host(UBUNTU2004, { packages: [pkg("qemu-user-static", {})], elfs: [missing("/usr/bin/qemu-hexagon-static")] });
    assert.equal(refusal(["hexagon"], noLists), "");
  });

  it("installPackages none and a missing interpreter: refused, offering an emulator of the target that is there", () => {
    const obs = host({}, { elfs: [missing("/usr/bin/qemu-aarch64-static"), elf("/usr/bin/qemu-aarch64")] });
    const r = refusal(["aarch64"], obs, { installPackages: "none", interpreterSuffix: "-static" });
    assert.match(r, /installPackages is "none": this run installs nothing/);
    assert.match(r, /present on this host: \/usr\/bin\/qemu-aarch64 \(interpreters: \{ "aarch64": "\/usr\/bin\/qemu-aarch64" \}\)/);
  });

  it("a dynamically linked interpreter under flag F with nothing to replace it is refused, naming the static one present", () => {
    const obs = host(
      {},
      {
        packages: [pkg("qemu-user-static", { installed: "1:7.2+dfsg-7+deb12u7" })],
        elfs: [elf("/usr/bin/qemu-aarch64-static", { linking: "dynamic" }), elf("/usr/bin/qemu-aarch64")],
      },
    );
    assert.match(refusal(["aarch64"], obs), /qemu-aarch64-static for target aarch64 is dynamically linked, but flag F .*present on this host: \/usr\/bin\/qemu-aarch64/);
  });
});

describe("K3: flag P below Linux 5.12 offers Debian's -binfmt-P link only where the host has it", () => {
  const link = "/usr/libexec/qemu-binfmt/aarch64-binfmt-P";
  const jetson = (elfs: ObservedElf[], packages: ObservedPackage[] = [pkg("qemu-user-static", { installed: QEMU_4_2 })]) =>
    host({ ...UBUNTU2004, machine: "x86_64" }, { packages, elfs: [elf("/usr/bin/qemu-aarch64-static"), ...elfs] });

  it("Ubuntu 20.04 (L4T R35) ships no link: the refusal says so and offers the other ways out", () => {
    const r = refusal(["aarch64"], jetson([missing(link)]), { flags: "PF" });
    assert.match(r, /not available \(\/usr\/libexec\/qemu-binfmt\/aarch64-binfmt-P is not on this host; installed: qemu-user-static 1:4\.2-3ubuntu6\.30/);
    assert.match(r, /drop P from flags .*or boot Linux ≥ 5\.12/);
    assert.doesNotMatch(r, /Use the "-binfmt-P" link/);
  });

  it("the missing link given as the interpreter is refused (it was accepted and failed at the rule step)", () => {
    const r = refusal(["aarch64"], jetson([missing(link)]), { flags: "POF", interpreters: { aarch64: link } });
    assert.match(r, /interpreter \/usr\/libexec\/qemu-binfmt\/aarch64-binfmt-P for target aarch64 does not exist/);
  });

  it("where the link is on the host it is offered, and accepted as the interpreter", () => {
    const debian11 = (elfs: ObservedElf[]) =>
      host(
        { kernel: "5.10.0-32-amd64", distroVersion: "11" },
        { packages: [pkg("qemu-user-static", { installed: "1:5.2+dfsg-11+deb11u3" })], elfs: [elf("/usr/bin/qemu-aarch64-static"), ...elfs] },
      );
    assert.match(
      refusal(["aarch64"], debian11([elf(link)]), { flags: "PF" }),
      /Use the "-binfmt-P" link \(\/usr\/libexec\/qemu-binfmt\/aarch64-binfmt-P is on this host\): interpreters: \{ "aarch64": "\/usr\/libexec/,
    );
    assert.equal(refusal(["aarch64"], debian11([elf(link)]), { flags: "POF", interpreters: { aarch64: link } }), "");
  });

  it("a link this run's install ships (Debian's qemu >= 1:5.2+dfsg-4 as apt's candidate) is accepted; an older candidate is not", () => {
    const fresh = (candidate: string) => host({ kernel: "5.10.0-32-amd64", distroVersion: "11" }, { packages: [pkg("qemu-user-static", { candidate })], elfs: [missing(link)] });
    const args = { flags: "POF", interpreters: { aarch64: link } };
    assert.equal(refusal(["aarch64"], fresh("1:5.2+dfsg-11+deb11u3"), args), "");
    assert.match(
      refusal(["aarch64"], fresh(QEMU_4_2), args),
      /does not exist and this run's install step does not provide it .*apt would install qemu-user-static 1:4\.2-3ubuntu6\.30/,
    );
  });

  it("the observation looks for the link whenever flag P is asked for", async () => {
    const { observationRequest } = await import("../../../src/host/observation");
    assert.ok(observationRequest(config(["i486"], { flags: "PF" })).elfs.includes("/usr/libexec/qemu-binfmt/i386-binfmt-P"), "i486 runs on qemu-i386");
    assert.ok(!observationRequest(config(["aarch64"])).elfs.some((p) => p.endsWith("-binfmt-P")));
  });
});

describe("K1/K3: steps that run docker on a host without it are refused before any change", () => {
  it("the acceptance check on a host without a docker CLI: refused, naming the targets and both ways out", () => {
    const r = refusal(["aarch64", "riscv64"], host({ docker: false }, {}));
    assert.match(r, /the acceptance check runs a container of each target \(aarch64, riscv64\) with docker on the host, and this host has no docker CLI/);
    assert.match(r, /Install docker .*or set acceptance\.enabled to false/);
    assert.equal(refusal(["aarch64"], host({ docker: false }, {}), { acceptance: { enabled: false } }), "");
  });

  it("the image source without docker offers apt only where the host has apt", () => {
    const image = { installSource: "image", interpreterImage: `registry.example:5000/qemu@sha256:${"a".repeat(64)}`, acceptance: { enabled: false } };
    assert.match(refusal(["aarch64"], host({ docker: false }, {}), image), /installSource "image" copies .*no docker CLI.*use installSource "apt" \(this host has apt\)/);
    assert.match(refusal(["aarch64"], host({ docker: false, apt: false }, {}), image), /use installPackages "none" .*\(this host has no apt either\)/);
  });

  it("no apt: the image source is offered only where the host has docker", () => {
    assert.match(refusal(["aarch64"], host({ apt: false }, {})), /Use installSource "image" with interpreterImage/);
    const r = refusal(["aarch64"], host({ apt: false, docker: false }, {}), { acceptance: { enabled: false } });
    assert.match(r, /through docker, which this host does not have on its PATH either/);
    assert.doesNotMatch(r, /Use installSource "image"/);
  });
});

describe("helpers", () => {
  it("QEMU's upstream version inside a Debian version", () => {
    assert.equal(upstreamQemuVersion(QEMU_2_11), "2.11");
    assert.equal(upstreamQemuVersion("1:10.0.13+ds-0+deb13u1"), "10.0.13");
    assert.equal(upstreamQemuVersion("7.2.0"), "7.2.0");
    assert.equal(upstreamQemuVersion("weird"), "");
  });

  it("the plan throws the same refusal (named host) that planOrRefusal hands to the first resource", () => {
    assert.throws(
      () => planHost(config(["aarch64"]), host({}, { binfmt: { mounted: true, status: "disabled" } }), "t (root@h:22)"),
      /^PlanRefusedError: t \(root@h:22\): binfmt_misc is switched off/,
    );
  });
});
