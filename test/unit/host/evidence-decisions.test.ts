/**
 * Decisions from evidence read on the host (src/host/evidence.ts, src/host/drift.ts): native by probe,
 * the interpreter layout from what dpkg and apt say, persistence from the boot path, and drift.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseHostArgs } from "../../../src/component/validate";
import { InterpreterLayout } from "../../../src/host/enums";
import { layoutDecision, persistenceDecision } from "../../../src/host/evidence";
import { HostObservation, ObservedPackage, ObservedProbe, observationRequest } from "../../../src/host/observation";
import { planHost } from "../../../src/host/plan";
import { hostDrift } from "../../../src/host/drift";
import { FILE_MARKER } from "../../../src/host/scripts/rule";
import { DEBIAN12_FACTS } from "../component/harness";
import { observed } from "../../support/observation";
import { probeElf } from "../../../src/binfmt";

const config = (architectures: string[], extra: object = {}) => parseHostArgs("t", { connection: { host: "h" }, architectures, ...extra });
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
const with_ = (base: HostObservation, o: Partial<HostObservation>): HostObservation => ({ ...base, ...o });

describe("native targets are decided by probe, not by uname -m", () => {
  const aarch64 = observed({ ...DEBIAN12_FACTS, machine: "aarch64" });
  const probe = (target: string, result: ObservedProbe["result"]): ObservedProbe => ({ target, result, detail: `probe ${result}`, handler: "" });

  it("registers arm on an aarch64 host whose kernel refused the 32-bit ARM probe (a CPU without AArch32)", () => {
    const p = planHost(config(["arm", "aarch64"]), with_(aarch64, { probes: [probe("arm", "foreign"), probe("aarch64", "native")] }), "l");
    assert.deepEqual(
      p.rules.map((r) => [r.target.name, r.skipped === undefined ? "register" : "skip"]),
      [
        ["arm", "register"],
        ["aarch64", "skip"],
      ],
    );
    assert.match(p.rules[1]?.skipped ?? "", /the kernel ran a aarch64 probe executable/);
  });

  it("skips arm on an aarch64 host whose kernel ran the probe, and says the skip is proven", () => {
    const p = planHost(config(["arm"]), with_(aarch64, { probes: [probe("arm", "native")] }), "l");
    assert.match(p.rules[0]?.skipped ?? "", /^arm runs natively: the kernel ran a arm probe executable/);
  });

  it("keeps arm registered when the probe was taken by the target's own entry (registered because an earlier probe was refused)", () => {
    const p = planHost(
      config(["arm"]),
      with_(aarch64, { probes: [{ target: "arm", result: "inconclusive", detail: "binfmt_misc entry qemu-arm would run it", handler: "qemu-arm" }] }),
      "l",
    );
    assert.equal(p.rules[0]?.skipped, undefined, "a second run does not flip to skipped and orphan the entry");
  });

  it("keeps QEMU's family rule when no probe could decide, and says it is not proven", () => {
    const p = planHost(config(["arm"]), with_(aarch64, { probes: [probe("arm", "inconclusive")] }), "l");
    assert.match(p.rules[0]?.skipped ?? "", /family.*\(not proven on the host: probe inconclusive\)/);
  });
});

describe("the interpreter layout comes from what the package manager says", () => {
  const base = observed(DEBIAN12_FACTS);
  const cfg = config(["aarch64"]);

  it("a trixie derivative (ID raspbian, ID_LIKE debian) whose qemu-user-static is transitional gets qemu-user and /usr/bin/qemu-<cpu>", () => {
    const o = with_(observed({ ...DEBIAN12_FACTS, distroId: "raspbian", distroVersion: "13", distroLike: "debian" }), {
      packages: [
        pkg("qemu-user-static", { candidate: "1:10.0.6+ds-0+deb13u2", depends: "qemu-user (= 1:10.0.6+ds-0+deb13u2), qemu-user-binfmt" }),
        pkg("qemu-user", { candidate: "1:10.0.6+ds-0+deb13u2" }),
      ],
    });
    assert.equal(layoutDecision(cfg, o).value, InterpreterLayout.Plain);
    const p = planHost(cfg, o, "l");
    assert.deepEqual(p.packages, ["qemu-user"]);
    assert.equal(p.rules[0]?.rule.interpreter, "/usr/bin/qemu-aarch64");
  });

  it("a Debian 12 host with the backports QEMU (transitional qemu-user-static) gets the Debian 13 layout", () => {
    const o = with_(base, { packages: [pkg("qemu-user-static", { candidate: "1:9.2.2+ds-1~bpo12+1", depends: "qemu-user (= 1:9.2.2+ds-1~bpo12+1), qemu-user-binfmt" })] });
    assert.equal(layoutDecision(cfg, o).value, InterpreterLayout.Plain);
  });

  it("Debian 12's own qemu-user-static (no dependency on qemu-user) keeps /usr/bin/qemu-<cpu>-static", () => {
    const o = with_(base, { packages: [pkg("qemu-user-static", { candidate: "1:7.2+dfsg-7+deb12u18", depends: "" })] });
    const d = layoutDecision(cfg, o);
    assert.equal(d.value, InterpreterLayout.StaticSuffix);
    assert.match(d.reason, /apt offers qemu-user-static 1:7\.2/);
  });

  it("what is installed wins over what apt would install", () => {
    const o = with_(base, {
      packages: [
        pkg("qemu-user-static", {
          status: "installed",
          installed: "1:9.2.2+ds-1~bpo12+1",
          installedDepends: "qemu-user, qemu-user-binfmt",
          candidate: "1:9.2.2+ds-1~bpo12+1",
          depends: "qemu-user, qemu-user-binfmt",
        }),
      ],
    });
    assert.equal(layoutDecision(cfg, o).value, InterpreterLayout.Plain, "a transitional package installed");
    const upgrading = with_(base, {
      packages: [
        pkg("qemu-user-static", {
          status: "installed",
          installed: "1:7.2+dfsg-7",
          installedDepends: "",
          candidate: "1:10.0.6+ds-0+deb13u2",
          depends: "qemu-user, qemu-user-binfmt",
        }),
      ],
    });
    assert.equal(layoutDecision(cfg, upgrading).value, InterpreterLayout.StaticSuffix, "mid-upgrade: the installed full package, not the transitional candidate");
  });

  it("without apt, static interpreter files already on the host decide", () => {
    const o = with_(observed({ ...DEBIAN12_FACTS, distroId: "fedora", distroVersion: "41", apt: false }), {
      elfs: [{ path: "/usr/bin/qemu-aarch64", exists: true, executable: true, linking: "static", header: "7f454c46", changed: 0 }],
    });
    assert.equal(layoutDecision(cfg, o).value, InterpreterLayout.Plain);
  });
});

describe("persistence is computed from the boot path", () => {
  const cfg = config(["aarch64"]);
  const base = observed(DEBIAN12_FACTS);
  const boot = (o: Partial<HostObservation["boot"]>) => with_(base, { boot: { ...base.boot, ...o } });

  it("systemd-binfmt loaded and /etc/binfmt.d on disk: persistent", () => {
    assert.equal(persistenceDecision(cfg, base).value, true);
  });

  it("masked systemd-binfmt, a tmpfs, or a directory systemd-binfmt does not read: not persistent, with the reason", () => {
    assert.match(persistenceDecision(cfg, boot({ load: "masked", unitFileState: "masked" })).reason, /systemd-binfmt\.service is masked/);
    assert.match(persistenceDecision(cfg, boot({ configDirFs: "tmpfs" })).reason, /on a tmpfs/);
    assert.match(persistenceDecision(config(["aarch64"], { configDir: "/opt/binfmt" }), base).reason, /does not read \/opt\/binfmt/);
    assert.equal(persistenceDecision(cfg, observed({ ...DEBIAN12_FACTS, systemd: false })).value, false);
  });

  it("a runtime mask (systemctl mask --runtime, as the packages step puts during apt) is gone at boot: still persistent", () => {
    assert.equal(persistenceDecision(cfg, boot({ load: "masked", unitFileState: "masked-runtime" })).value, true);
  });
});

describe("drift", () => {
  const cfg = config(["aarch64"]);
  const base = observed(DEBIAN12_FACTS);
  const plan = planHost(cfg, base, "l");
  const rule = plan.rules[0];
  if (rule === undefined) throw new Error("no rule");
  const kernel = (interp: string, flags: string) =>
    `enabled\ninterpreter ${interp}\nflags: ${flags}\noffset 0\nmagic ${rule.script.expected.magic}\nmask ${rule.script.expected.mask}`;
  const converged = with_(base, {
    entries: [{ name: "qemu-aarch64", text: kernel(rule.rule.interpreter, "F") }],
    files: [{ path: rule.script.file, state: "file", text: rule.script.content }],
  });

  it("is empty when the entry and the file are exactly what the plan renders", () => {
    assert.deepEqual(hostDrift(plan, converged, FILE_MARKER).targets.aarch64, { reasons: [], present: true });
  });

  it("names an unregistered entry, a missing file, changed fields and a conflicting foreign entry", () => {
    const d = (o: Partial<HostObservation>) => hostDrift(plan, with_(converged, o), FILE_MARKER).targets.aarch64?.reasons ?? [];
    assert.deepEqual(d({ entries: [] }), ["binfmt_misc entry qemu-aarch64 is not registered"]);
    assert.deepEqual(d({ files: [{ path: rule.script.file, state: "missing", text: "" }] }), [
      "/etc/binfmt.d/qemu-aarch64.conf is missing: qemu-aarch64 would not come back at the next boot",
    ]);
    assert.deepEqual(d({ entries: [{ name: "qemu-aarch64", text: kernel("/bin/true", "OC") }] }), [
      'binfmt_misc entry qemu-aarch64: interpreter (expected "/usr/bin/qemu-aarch64-static", actual "/bin/true")',
      'binfmt_misc entry qemu-aarch64: flags (expected "F", actual "OC")',
    ]);
    assert.deepEqual(d({ entries: [...converged.entries, { name: "zz-other", text: kernel("/bin/true", "") }] }), [
      "conflict: enabled binfmt_misc entry zz-other (interpreter /bin/true) matches the same binaries as qemu-aarch64",
    ]);
    assert.deepEqual(
      d({ entries: [...converged.entries, { name: "zz-off", text: kernel("/bin/true", "").replace("enabled", "disabled") }] }),
      [],
      "a disabled entry takes nothing",
    );
  });

  it("names an entry with flag F registered before its interpreter file changed (the kernel keeps the file it opened)", () => {
    const REGISTERED = 1795995816; // 2026-11-29T23:43:36Z
    const at = (changed: number, registered: number | undefined, flags = "F") =>
      hostDrift(
        plan,
        with_(converged, {
          entries: [{ name: "qemu-aarch64", text: kernel(rule.rule.interpreter, flags), registered }],
          elfs: [{ path: rule.rule.interpreter, exists: true, executable: true, linking: "static", header: "7f454c46", changed }],
        }),
        FILE_MARKER,
      ).targets.aarch64?.reasons ?? [];
    assert.deepEqual(at(REGISTERED + 60, REGISTERED), [
      "binfmt_misc entry qemu-aarch64 runs an older /usr/bin/qemu-aarch64-static: the file changed at 2026-11-29T23:44:36Z, after the entry was registered at 2026-11-29T23:43:36Z (a package upgrade?), and with flag F the kernel keeps the file it opened then",
    ]);
    assert.deepEqual(at(REGISTERED, REGISTERED), [], "changed in the second of the registration: not drift");
    assert.deepEqual(at(REGISTERED - 3600, REGISTERED), [], "installed before the registration");
    assert.deepEqual(at(REGISTERED + 60, undefined), [], "registration time not read");
    // Another difference already re-registers the entry: only that is named.
    assert.deepEqual(at(REGISTERED + 60, REGISTERED, "OCF"), ['binfmt_misc entry qemu-aarch64: flags (expected "F", actual "OCF")']);
    // Without F the kernel opens the interpreter at each exec: the file at the path is the one that runs.
    const noF = planHost(config(["aarch64"], { flags: "OC" }), base, "l").rules[0];
    if (noF === undefined) throw new Error("no rule");
    const withoutF = with_(converged, {
      entries: [{ name: "qemu-aarch64", text: kernel(noF.rule.interpreter, "OC"), registered: REGISTERED }],
      files: [{ path: noF.script.file, state: "file", text: noF.script.content }],
      elfs: [{ path: noF.rule.interpreter, exists: true, executable: true, linking: "static", header: "7f454c46", changed: REGISTERED + 60 }],
    });
    assert.deepEqual(hostDrift(planHost(config(["aarch64"], { flags: "OC" }), base, "l"), withoutF, FILE_MARKER).targets.aarch64?.reasons, []);
  });

  it("says so when binfmt_misc is switched off for the whole host", () => {
    assert.deepEqual(hostDrift(plan, with_(converged, { binfmt: { mounted: true, status: "disabled" } }), FILE_MARKER).targets.aarch64?.reasons, [
      "binfmt_misc is switched off for the whole host (/proc/sys/fs/binfmt_misc/status says disabled; not ours to change: echo 1 > it)",
    ]);
  });

  it("observes an interpreter given per target in `interpreters`", () => {
    const c = config(["aarch64"], { interpreters: { arm64: "/usr/libexec/qemu-binfmt/aarch64-binfmt-P" } });
    assert.deepEqual(observationRequest(c).elfs, ["/usr/libexec/qemu-binfmt/aarch64-binfmt-P"]);
  });

  it("lists planned packages that are not installed", () => {
    assert.deepEqual(hostDrift(plan, converged, FILE_MARKER).packages, ["qemu-user-static"]);
  });
});

describe("the plan never registers a rule that captures the host's own programs", () => {
  const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array()).toString("hex");
  // A 64-bit kernel with a 32-bit userland (uname -m aarch64, /bin/sh an armhf ELF): the ARM probe's
  // header is a real EABI5 32-bit ARM executable header, like any armhf program's.
  const rpi = with_(observed({ ...DEBIAN12_FACTS, machine: "aarch64" }), {
    elfs: [
      { path: "/bin/sh", exists: true, executable: true, linking: "dynamic", header: hex(probeElf("arm")), changed: 0 },
      { path: "/sbin/init", exists: true, executable: true, linking: "dynamic", header: hex(probeElf("arm")), changed: 0 },
    ],
  });

  it("refuses arm under exact-native on an aarch64 kernel whose /bin/sh and init are armhf, saying why", () => {
    assert.throws(
      () => planHost(config(["arm"], { skipPolicy: "exact-native" }), rpi, "pi (root@h:22)"),
      /^PlanRefusedError: pi \(root@h:22\): refusing to register qemu-arm: its magic\/mask matches \/bin\/sh, .*ELOOP.*; refusing to register qemu-arm: its magic\/mask matches \/sbin\/init/,
    );
  });

  it("registers riscv64 on the same host (nothing of the host matches it)", () => {
    assert.equal(planHost(config(["riscv64"], { skipPolicy: "exact-native" }), rpi, "pi").rules[0]?.skipped, undefined);
  });
});
