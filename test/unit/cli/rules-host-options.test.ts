// K5.10/11/12 and K1.1 through the CLI: values that start with "-", the host's distribution, kernel and
// facts, an interpreter per target, names that are not targets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../../src/cli/main";
import { DEBIAN12_FACTS, DEBIAN13_SUDO_FACTS } from "../component/harness";

function rules(...args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const code = runCli(["rules", ...args], { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { code, stdout, stderr };
}
const interpreterOf = (line: string) => line.trimEnd().split(":")[6];

test("--interpreter-suffix -static (a value starting with '-') works like --interpreter-suffix=-static", () => {
  const spaced = rules("--host-arch", "x86_64", "--interpreter-suffix", "-static", "aarch64");
  assert.equal(spaced.code, 0, spaced.stderr);
  assert.equal(interpreterOf(spaced.stdout), "/usr/bin/qemu-aarch64-static");
  assert.equal(spaced.stdout, rules("--host-arch", "x86_64", "--interpreter-suffix=-static", "aarch64").stdout);
  const flags = rules("--host-arch", "x86_64", "--flags", "-F", "aarch64");
  assert.equal(flags.code, 2);
  assert.match(flags.stderr, /--flags: invalid flags "-F"/);
});

test("--distribution debian:13 gives the component's Debian 13 path (no suffix); debian:12 and no distribution give -static", () => {
  assert.equal(interpreterOf(rules("--host-arch", "x86_64", "--distribution", "debian:13", "aarch64").stdout), "/usr/bin/qemu-aarch64");
  assert.equal(interpreterOf(rules("--host-arch", "x86_64", "--distribution", "ubuntu:25.04", "aarch64").stdout), "/usr/bin/qemu-aarch64");
  assert.equal(interpreterOf(rules("--host-arch", "x86_64", "--distribution", "debian:12", "aarch64").stdout), "/usr/bin/qemu-aarch64-static");
  assert.equal(interpreterOf(rules("--host-arch", "x86_64", "aarch64").stdout), "/usr/bin/qemu-aarch64-static");
  const bad = rules("--distribution", "debian 13", "aarch64");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--distribution: invalid distribution "debian 13"/);
});

test("--facts FILE.json plans with the host's machine, distribution and kernel", () => {
  const dir = mkdtempSync(join(tmpdir(), "pqb-cli-"));
  const trixie = join(dir, "trixie.json");
  writeFileSync(trixie, JSON.stringify(DEBIAN13_SUDO_FACTS, null, 2));
  const r = rules("--facts", trixie, "--json", "aarch64", "x86_64");
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { hostMachine: string; rules: { rule: { interpreter: string } }[]; skipped: { target: string }[] };
  assert.equal(report.hostMachine, "x86_64");
  assert.deepEqual(
    report.rules.map((x) => x.rule.interpreter),
    ["/usr/bin/qemu-aarch64"],
  );
  const old = join(dir, "old.json");
  writeFileSync(old, JSON.stringify({ ...DEBIAN12_FACTS, kernel: "4.4.0" }));
  const refused = rules("--facts", old, "aarch64");
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /refused for kernel 4\.4\.0: qemu-aarch64: flag F \(fix binary\) needs Linux ≥ 4\.8/);
  // A facts output saved before the observation read flock: still host facts.
  const { flock: _flock, ...before } = DEBIAN13_SUDO_FACTS;
  writeFileSync(join(dir, "before-flock.json"), JSON.stringify(before));
  assert.equal(rules("--facts", join(dir, "before-flock.json"), "aarch64").code, 0);
  writeFileSync(join(dir, "bad.json"), JSON.stringify({ machine: "x86_64" }));
  assert.match(rules("--facts", join(dir, "bad.json"), "aarch64").stderr, /--facts: .*does not hold host facts/);
});

test("--kernel: P is refused below 5.12 unless the target's interpreter is Debian's -binfmt-P link", () => {
  const refused = rules("--host-arch", "x86_64", "--kernel", "5.10.120-tegra", "--flags", "PF", "aarch64");
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /flag P on Linux 5\.10\.120-tegra/);
  const wrapped = rules(
    "--host-arch",
    "x86_64",
    "--kernel",
    "5.10.120-tegra",
    "--flags",
    "POF",
    "--target-interpreter",
    "arm64=/usr/libexec/qemu-binfmt/aarch64-binfmt-P",
    "aarch64",
  );
  assert.equal(wrapped.code, 0, wrapped.stderr);
  assert.equal(wrapped.stdout.trimEnd().split(":").slice(6).join(":"), "/usr/libexec/qemu-binfmt/aarch64-binfmt-P:POF");
  assert.equal(rules("--host-arch", "x86_64", "--kernel", "6.1.0-18-amd64", "--flags", "PF", "aarch64").code, 0);
});

test("--target-interpreter sets one target's path and checks it", () => {
  const r = rules("--host-arch", "x86_64", "--target-interpreter", "arm=/opt/q/qemu-arm", "arm", "aarch64");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split("\n").map(interpreterOf), ["/opt/q/qemu-arm", "/usr/bin/qemu-aarch64-static"]);
  assert.match(rules("--target-interpreter", "arm=relative", "arm").stderr, /--target-interpreter: invalid path "relative"/);
  assert.match(rules("--target-interpreter", "arm", "arm").stderr, /--target-interpreter: expected TARGET=PATH/);
});

test("--target-interpreter for a target that is not among the TARGETs is refused, naming it (not silently ignored)", () => {
  const r = rules("--host-arch", "x86_64", "--target-interpreter", "riscv64=/opt/q/qemu-riscv64", "arm");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--target-interpreter: "riscv64=\/opt\/q\/qemu-riscv64" names a target that is not among the TARGETs \(arm\)/);
  // A requested target that is skipped as native keeps its interpreter without complaint.
  assert.equal(rules("--host-arch", "aarch64", "--target-interpreter", "aarch64=/opt/q/qemu-aarch64", "aarch64", "arm").code, 0);
});

test("rules --host-arch armv7l aarch64 registers aarch64 (not 'nothing to do'); i686 + x86_64 the same", () => {
  const arm = rules("--host-arch", "armv7l", "aarch64");
  assert.equal(arm.code, 0);
  assert.match(arm.stdout, /^:qemu-aarch64:M::/);
  assert.doesNotMatch(arm.stderr, /nothing to do/);
  assert.match(rules("--host-arch", "i686", "x86_64").stdout, /^:qemu-x86_64:M::/);
  assert.match(rules("--host-arch", "armv8l", "aarch64").stdout, /^:qemu-aarch64:M::/);
});

test("rules x32 says that x32 is not a QEMU linux-user target, not 'did you mean x64'", () => {
  const r = rules("x32");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /TARGET #1: "x32": x32 is not a QEMU linux-user target: it is an ABI of x86_64 .*CONFIG_X86_X32_ABI/);
  assert.doesNotMatch(r.stderr, /did you mean/);
});
