// K4.7/8: flags are validated against the kernel release the facts give, at plan time, before any change
// on the host. F needs Linux 4.8; P needs 5.12 (AT_FLAGS_PRESERVE_ARGV0) unless the interpreter is
// Debian's "-binfmt-P" link.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildRule } from "../../../src/binfmt";
import { kernelProblems, parseKernelRelease } from "../../../src/host/kernel";
import { planHost } from "../../../src/host/plan";
import { parseHostArgs } from "../../../src/component/validate";
import { DEBIAN12_FACTS, observed } from "../component/harness";

const rule = (flags: string, interpreter = "/usr/bin/qemu-aarch64-static") => buildRule("aarch64", { flags, interpreter });

test("kernel releases parse as the facts give them", () => {
  assert.deepEqual(parseKernelRelease("4.4.0"), [4, 4, 0]);
  assert.deepEqual(parseKernelRelease("5.10.120-tegra"), [5, 10, 120]);
  assert.deepEqual(parseKernelRelease("6.1.0-18-amd64"), [6, 1, 0]);
  assert.equal(parseKernelRelease(""), undefined);
  assert.equal(parseKernelRelease("unknown"), undefined);
});

test("flag F on 4.4.0 is refused with the reason; on 5.10.120-tegra and 6.1.0-18-amd64 it is fine", () => {
  const problems = kernelProblems(rule("F"), "4.4.0");
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? "", /qemu-aarch64: flag F \(fix binary\) needs Linux ≥ 4\.8, this host runs 4\.4\.0/);
  assert.deepEqual(kernelProblems(rule("F"), "5.10.120-tegra"), []);
  assert.deepEqual(kernelProblems(rule("F"), "6.1.0-18-amd64"), []);
});

test("flag P on 5.10.120-tegra (Jetson L4T R35) is refused and names Debian's wrapper; on 6.1.0-18-amd64 it is fine", () => {
  const problems = kernelProblems(rule("PF"), "5.10.120-tegra");
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? "", /flag P on Linux 5\.10\.120-tegra \(< 5\.12\).*AT_FLAGS_PRESERVE_ARGV0/);
  assert.match(problems[0] ?? "", /\/usr\/libexec\/qemu-binfmt\/aarch64-binfmt-P/);
  assert.deepEqual(kernelProblems(rule("PF"), "6.1.0-18-amd64"), []);
});

test("flag P through Debian's -binfmt-P link works on every kernel that has the flags", () => {
  const wrapped = rule("POF", "/usr/libexec/qemu-binfmt/aarch64-binfmt-P");
  assert.deepEqual(kernelProblems(wrapped, "5.10.120-tegra"), []);
  assert.deepEqual(kernelProblems(wrapped, "6.1.0-18-amd64"), []);
  assert.equal(kernelProblems(wrapped, "4.4.0").length, 1, "F is still too new for 4.4");
});

test("a -binfmt-P link without flag P is refused on any kernel (it would take argv[1] for argv[0])", () => {
  const problems = kernelProblems(rule("F", "/usr/libexec/qemu-binfmt/aarch64-binfmt-P"), "6.1.0-18-amd64");
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? "", /expects the kernel's flag P/);
});

test("an unreadable kernel release refuses nothing (no decision from a guess)", () => {
  assert.deepEqual(kernelProblems(rule("PF"), ""), []);
});

test("the plan refuses F on a 4.4.0 kernel before any change, naming the host", () => {
  const config = parseHostArgs("BinfmtHost t", { connection: { host: "h" }, architectures: ["aarch64", "arm"] });
  assert.throws(
    () => planHost(config, observed({ ...DEBIAN12_FACTS, kernel: "4.4.0" }), "t (root@h:22)"),
    /^PlanRefusedError: t \(root@h:22\): qemu-aarch64: flag F .*; qemu-arm: flag F/,
  );
  assert.doesNotThrow(() => planHost(config, observed({ ...DEBIAN12_FACTS, kernel: "6.1.0-18-amd64" }), "t"));
});

test("the plan refuses P on 5.10.120-tegra, and accepts it with the wrapper from `interpreters`", () => {
  const base = { connection: { host: "h" }, architectures: ["aarch64"], flags: "PF" };
  const jetsonHostFacts = { ...DEBIAN12_FACTS, kernel: "5.10.120-tegra" };
  assert.throws(() => planHost(parseHostArgs("t", base), observed(jetsonHostFacts), "t"), /flag P on Linux 5\.10\.120-tegra/);
  const wrapped = parseHostArgs("t", { ...base, interpreters: { arm64: "/usr/libexec/qemu-binfmt/aarch64-binfmt-P" } });
  const plan = planHost(wrapped, observed(jetsonHostFacts), "t");
  assert.equal(plan.rules[0]?.rule.interpreter, "/usr/libexec/qemu-binfmt/aarch64-binfmt-P");
  assert.equal(plan.rules[0]?.rule.flags, "PF");
});

test("skipped (native) targets are not checked: nothing is registered for them", () => {
  const config = parseHostArgs("t", { connection: { host: "h" }, architectures: ["x86_64"] });
  assert.doesNotThrow(() => planHost(config, observed({ ...DEBIAN12_FACTS, kernel: "4.4.0" }), "t"));
});
