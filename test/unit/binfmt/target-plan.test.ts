import { test } from "node:test";
import assert from "node:assert/strict";
import { BinfmtInputError, SkipPolicy, describeNothingToDo, planTargets } from "../../../src/binfmt";

const names = (ts: { name: string }[]) => ts.map((t) => t.name);

test("an x86_64 host skips its family (i386, i486, x86_64) by default", () => {
  const plan = planTargets(["i386", "i486", "x86_64", "aarch64"], "x86_64");
  assert.deepEqual(names(plan.register), ["aarch64"]);
  assert.deepEqual(
    plan.skipped.map((s) => s.target.name),
    ["i386", "i486", "x86_64"],
  );
  assert.match(plan.skipped[0]?.reason ?? "", /family "i386".*x86_64/);
  assert.equal(plan.nothingToDo, false);
});

test("an aarch64 host skips aarch64 and arm by default, only aarch64 with exact-native", () => {
  assert.deepEqual(names(planTargets(["arm", "aarch64", "riscv64"], "aarch64").register), ["riscv64"]);
  const exact = planTargets(["arm", "aarch64", "riscv64"], "aarch64", SkipPolicy.ExactNative);
  assert.deepEqual(names(exact.register), ["arm", "riscv64"]);
  assert.deepEqual(
    exact.skipped.map((s) => s.target.name),
    ["aarch64"],
  );
  assert.match(exact.skipped[0]?.reason ?? "", /native architecture/);
});

test("exact-native on x86_64 registers i386 (qemu-i386 is not the host's ELF class)", () => {
  assert.deepEqual(names(planTargets(["i386", "x86_64"], "x86_64", SkipPolicy.ExactNative).register), ["i386"]);
});

test("aliases of one target count once, in first-requested order", () => {
  const plan = planTargets(["linux/arm64", "arm64v8", "aarch64", "ARM64", "armhf", "linux/arm/v7"], "x86_64");
  assert.deepEqual(names(plan.register), ["aarch64", "arm"]);
});

test("asking only for native targets is not an error: nothing to do", () => {
  const plan = planTargets(["amd64", "linux/386"], "x86_64");
  assert.equal(plan.nothingToDo, true);
  assert.deepEqual(plan.register, []);
  assert.equal(plan.skipped.length, 2);
  assert.equal(describeNothingToDo(plan, "x86_64"), "nothing to do: every requested target runs natively on this x86_64 host (x86_64, i386)");
});

test("an unknown host machine skips nothing", () => {
  assert.deepEqual(names(planTargets(["arm", "x86_64"], "ia64").register), ["arm", "x86_64"]);
});

test("bad input names the field", () => {
  const fieldOf = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (e instanceof BinfmtInputError) return e.field;
      throw e;
    }
    return "no error";
  };
  assert.equal(
    fieldOf(() => planTargets(["arm", "nonsense"], "x86_64")),
    "targets[1]",
  );
  assert.equal(
    fieldOf(() => planTargets([], "x86_64")),
    "targets",
  );
  assert.equal(
    fieldOf(() => planTargets(["arm"], "x86_64; reboot")),
    "hostMachine",
  );
  assert.equal(
    fieldOf(() => planTargets(["arm"], "x86_64", "all" as SkipPolicy)),
    "skip",
  );
});
