// The install sources (apt or a pinned image), the QEMU version reported, and the apt version
// constraint: validation, Debian version order, constraint matching, and the plan's refusals before any
// change. Pure: no host.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseHostArgs } from "../../../src/component/validate";
import { BinfmtArgsError } from "../../../src/component/errors";
import { InstallSource } from "../../../src/host/enums";
import { planHost } from "../../../src/host/plan";
import { HostObservation, ObservedPackage } from "../../../src/host/observation";
import { chooseVersion, compareDebianVersions, parseQemuVersion, parseVersionConstraint, satisfies } from "../../../src/host/version";
import { qemuVersionsByHost, TargetReport } from "../../../src/host/outputs";
import { TargetStatus } from "../../../src/host/enums";
import { hostDrift } from "../../../src/host/drift";
import { FILE_MARKER } from "../../../src/host/scripts/rule";
import { DEBIAN12_FACTS, observed } from "../component/harness";

const DIGEST = "33ea6923ff57c4594b2808c58e64a1a8305486f2cba5b9fbdbf9af2050a864f9";
const IMAGE = `10.213.7.1:5642/pqb-lab/qemu-user-static@sha256:${DIGEST}`;
const args = (extra: object) => ({ connection: { host: "h" }, architectures: ["arm", "aarch64", "riscv64"], ...extra });
const fieldOf = (f: () => unknown): BinfmtArgsError => {
  try {
    f();
  } catch (e) {
    if (e instanceof BinfmtArgsError) return e;
    throw e;
  }
  assert.fail("expected BinfmtArgsError");
};

describe("install source arguments are validated before any resource exists", () => {
  it("an image reference without a digest is rejected, quoting it", () => {
    const e = fieldOf(() => parseHostArgs("t", args({ installSource: InstallSource.Image, interpreterImage: "tonistiigi/binfmt:latest" })));
    assert.equal(e.field, "args.interpreterImage");
    assert.match(e.message, /"tonistiigi\/binfmt:latest": it is not pinned by digest/);
  });
  it("a malformed digest is rejected", () => {
    const e = fieldOf(() => parseHostArgs("t", args({ installSource: InstallSource.Image, interpreterImage: "qemu@sha256:abc" })));
    assert.match(e.message, /64 lower-case hex digits/);
  });
  it("a valid digest behind an invalid name blames the name, not the digest", () => {
    const e = fieldOf(() => parseHostArgs("t", args({ installSource: InstallSource.Image, interpreterImage: `Reg.Example.COM/q@sha256:${"a".repeat(64)}` })));
    assert.match(e.message, /the name "Reg\.Example\.COM\/q" is not a docker reference/);
    assert.doesNotMatch(e.message, /64 lower-case hex digits/);
  });
  it("installSource image without interpreterImage names the missing field", () => {
    assert.equal(fieldOf(() => parseHostArgs("t", args({ installSource: InstallSource.Image }))).field, "args.interpreterImage");
  });
  it("apt-only arguments with the image source are rejected, naming them", () => {
    const e = fieldOf(() => parseHostArgs("t", args({ installSource: InstallSource.Image, interpreterImage: IMAGE, packageVersion: ">=1:8.0" })));
    assert.equal(e.field, "args.packageVersion");
    assert.match(e.message, /">=1:8.0"/);
  });
  it("interpreterImage without installSource image is rejected", () => {
    assert.equal(fieldOf(() => parseHostArgs("t", args({ interpreterImage: IMAGE }))).field, "args.interpreterImage");
  });
  it("an unknown installSource lists the valid ones", () => {
    const e = fieldOf(() => parseHostArgs("t", args({ installSource: "dnf" })));
    assert.match(e.message, /args.installSource: invalid installSource "dnf"; valid: "apt", "image"/);
  });
  it("a packageVersion that is no Debian version is rejected, quoting it", () => {
    const e = fieldOf(() => parseHostArgs("t", args({ packageVersion: "latest" })));
    assert.equal(e.field, "args.packageVersion");
    assert.match(e.message, /invalid version constraint "latest"/);
  });
  it("versions dpkg itself refuses (an empty revision, an epoch above INT_MAX) are rejected", () => {
    for (const v of ["1.0-", "99999999999999999999999:1.0"]) {
      assert.match(fieldOf(() => parseHostArgs("t", args({ packageVersion: v }))).message, /invalid version constraint/, v);
    }
  });
  it("packageVersion with installPackages none (nothing installed) is rejected, naming both", () => {
    const e = fieldOf(() => parseHostArgs("t", args({ packageVersion: ">=1:8.0", installPackages: "none" })));
    assert.equal(e.field, "args.packageVersion");
    assert.match(e.message, /installPackages is "none"/);
  });
  it("lockTimeoutSeconds (apt's dpkg lock) with the image source is rejected", () => {
    assert.equal(fieldOf(() => parseHostArgs("t", args({ installSource: InstallSource.Image, interpreterImage: IMAGE, lockTimeoutSeconds: 30 }))).field, "args.lockTimeoutSeconds");
  });
});

describe("Debian versions order as dpkg --compare-versions does", () => {
  const ordered = [
    "1.0~rc1",
    "1.0",
    "1.0-1~bpo12+1",
    "1.0-1",
    "1.0a",
    "1.0+b1",
    "1.9",
    "1.10",
    "1:0.1",
    "1:7.2+dfsg-7+deb12u7",
    "1:7.2+dfsg-7+deb12u18+b3",
    "1:10.0.13+ds-0+deb13u1",
    "2:0",
  ];
  it("each version sorts after the one before (values checked with dpkg 1.21)", () => {
    for (let i = 1; i < ordered.length; i++) {
      const a = ordered[i - 1] ?? "";
      const b = ordered[i] ?? "";
      assert.ok(compareDebianVersions(a, b) < 0, `${a} < ${b}`);
      assert.ok(compareDebianVersions(b, a) > 0, `${b} > ${a}`);
    }
    assert.equal(compareDebianVersions("1:7.2+dfsg-7", "1:7.2+dfsg-7"), 0);
    assert.equal(compareDebianVersions("1.01", "1.1"), 0);
  });
});

describe("packageVersion constraints", () => {
  const offered = ["1:7.2+dfsg-7+deb12u7", "1:7.2+dfsg-7+deb12u18+b3", "1:9.2.2+ds-1~bpo12+1"];
  it("an exact version matches only itself; = is the same", () => {
    const c = parseVersionConstraint("1:7.2+dfsg-7+deb12u7");
    assert.deepEqual([c.op, c.version], ["=", "1:7.2+dfsg-7+deb12u7"]);
    assert.equal(parseVersionConstraint("=1:7.2+dfsg-7+deb12u7").op, "=");
    assert.equal(chooseVersion(offered, ["", "1:7.2+dfsg-7+deb12u18+b3"], c), "1:7.2+dfsg-7+deb12u7");
  });
  it("a minimum keeps the installed version, else apt's candidate, else the highest that satisfies it", () => {
    const c = parseVersionConstraint(">=1:7.2+dfsg-7+deb12u10");
    assert.ok(satisfies("1:7.2+dfsg-7+deb12u18+b3", c));
    assert.ok(!satisfies("1:7.2+dfsg-7+deb12u7", c));
    assert.equal(chooseVersion(offered, ["1:7.2+dfsg-7+deb12u18+b3", "1:9.2.2+ds-1~bpo12+1"], c), "1:7.2+dfsg-7+deb12u18+b3");
    assert.equal(chooseVersion(offered, ["", "1:7.2+dfsg-7+deb12u7"], c), "1:9.2.2+ds-1~bpo12+1");
  });
  it("nothing offered satisfies it: undefined", () => {
    assert.equal(chooseVersion(offered, [], parseVersionConstraint(">=1:10.0")), undefined);
  });
});

describe("the QEMU version is read from the interpreter's --version line", () => {
  it("Debian 12 and 13 builds", () => {
    assert.deepEqual(parseQemuVersion("qemu-aarch64 version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n"), {
      version: "7.2.22",
      line: "qemu-aarch64 version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)",
    });
    assert.equal(parseQemuVersion("qemu-riscv64 version 10.0.13 (Debian 1:10.0.13+ds-0+deb13u1)").version, "10.0.13");
  });
  it("an unreadable line gives no version, and keeps the line", () => {
    assert.deepEqual(parseQemuVersion("Segmentation fault"), { version: "", line: "Segmentation fault" });
  });
  it("the fleet view groups hosts by version", () => {
    const t = (v: string, status = TargetStatus.Registered) => ({ status, qemuVersion: v }) as TargetReport;
    const v = qemuVersionsByHost({
      b: { targets: { arm: t("10.0.13"), aarch64: t("10.0.13") } },
      a: { targets: { arm: t("7.2.22"), x86_64: t("", TargetStatus.Skipped) } },
      c: { targets: { arm: t("7.2.22"), riscv64: t("10.0.13") } },
    });
    assert.deepEqual(v, { "7.2.22": ["a", "c"], "10.0.13": ["b", "c"] });
  });
});

const pkg = (name: string, o: Partial<ObservedPackage>): ObservedPackage => ({
  name,
  status: "not-installed",
  installed: "",
  installedDepends: "",
  candidate: "",
  depends: "",
  versions: [],
  ...o,
});
const withPackages = (obs: HostObservation, packages: ObservedPackage[]): HostObservation => ({ ...obs, packages });

describe("the plan refuses before any change", () => {
  it("apt on a host without apt fails, naming the distribution and pointing at the image source", () => {
    const fedora = observed({ ...DEBIAN12_FACTS, distroId: "fedora", distroLike: "", distroName: "Fedora Linux 41", apt: false });
    assert.throws(
      () => planHost(parseHostArgs("t", args({})), fedora, "h1"),
      /h1: installSource "apt" needs apt-get and dpkg.*Fedora Linux 41 \(os-release ID=fedora\).*installSource "image"/,
    );
  });
  it("a host without flock is refused naming it (its rule commands take turns with it), with either install source", () => {
    const noFlock = observed({ ...DEBIAN12_FACTS, flock: false });
    assert.throws(() => planHost(parseHostArgs("t", args({})), noFlock, "h1"), /^PlanRefusedError: h1: flock is not on this host's PATH.*util-linux/);
    assert.throws(() => planHost(parseHostArgs("t", args({ installSource: InstallSource.Image, interpreterImage: IMAGE })), noFlock, "h1"), /h1: flock is not on/);
    assert.doesNotThrow(() => planHost(parseHostArgs("t", args({})), observed(DEBIAN12_FACTS), "h1"));
  });
  it("a host without flock whose every target runs natively registers nothing and is not refused", () => {
    const noFlock = observed({ ...DEBIAN12_FACTS, flock: false });
    const plan = planHost(parseHostArgs("t", { connection: { host: "h" }, architectures: ["x86_64"] }), noFlock, "h1");
    assert.ok(plan.rules.every((r) => r.skipped !== undefined));
  });
  it("the image source on the same host plans no package and points rules into the digest's directory", () => {
    const fedora = observed({ ...DEBIAN12_FACTS, distroId: "fedora", apt: false });
    const plan = planHost(parseHostArgs("t", args({ installSource: InstallSource.Image, interpreterImage: IMAGE })), fedora, "h1");
    assert.deepEqual(plan.packages, []);
    assert.deepEqual(plan.image?.binaries, ["qemu-aarch64", "qemu-arm", "qemu-riscv64"]);
    assert.equal(plan.rules.find((r) => r.target.name === "aarch64")?.rule.interpreter, `/var/lib/pulumi-qemu-binfmt/qemu/${DIGEST}/qemu-aarch64`);
  });
  it("a packageVersion the repositories cannot satisfy fails, naming the constraint and the versions available", () => {
    const obs = withPackages(observed(DEBIAN12_FACTS), [pkg("qemu-user-static", { candidate: "1:7.2+dfsg-7+deb12u18+b3", versions: ["1:7.2+dfsg-7+deb12u18+b3"] })]);
    assert.throws(
      () => planHost(parseHostArgs("t", args({ packageVersion: ">=1:9.0" })), obs, "h1"),
      /h1: packageVersion ">=1:9.0" cannot be satisfied for qemu-user-static: the host's repositories offer 1:7.2\+dfsg-7\+deb12u18\+b3/,
    );
  });
  it("a satisfiable packageVersion keeps the plan's names (the script pins on the host); an installed version that misses it is drift", () => {
    const obs = withPackages(observed(DEBIAN12_FACTS), [
      pkg("qemu-user-static", { status: "installed", installed: "1:7.2+dfsg-7+deb12u7", candidate: "1:7.2+dfsg-7+deb12u18+b3", versions: ["1:7.2+dfsg-7+deb12u18+b3"] }),
    ]);
    const plan = planHost(parseHostArgs("t", args({ packageVersion: "1:7.2+dfsg-7+deb12u18+b3" })), obs, "h1");
    assert.deepEqual(plan.packages, ["qemu-user-static"]);
    assert.equal(plan.versionConstraint?.text, "1:7.2+dfsg-7+deb12u18+b3");
    assert.deepEqual(hostDrift(plan, obs, FILE_MARKER).packages, ["qemu-user-static"]);
  });

  it("the plan does not change when apt's lists or candidate move: a converged host previews clean (no drift)", () => {
    const a = parseHostArgs("t", args({ packageVersion: ">=1:7.2" }));
    const installed = { status: "installed", installed: "1:7.2+dfsg-7+deb12u18+b3" } as const;
    const fresh = withPackages(observed(DEBIAN12_FACTS), [pkg("qemu-user-static", { ...installed, candidate: "", versions: [] })]);
    const listsRead = withPackages(observed(DEBIAN12_FACTS), [
      pkg("qemu-user-static", { ...installed, candidate: "1:7.2+dfsg-7+deb12u19", versions: ["1:7.2+dfsg-7+deb12u18+b3", "1:7.2+dfsg-7+deb12u19"] }),
    ]);
    const first = planHost(a, fresh, "h1");
    const next = planHost(a, listsRead, "h1");
    assert.deepEqual(next.packages, first.packages);
    assert.deepEqual(hostDrift(next, listsRead, FILE_MARKER).packages, []);
  });
});
