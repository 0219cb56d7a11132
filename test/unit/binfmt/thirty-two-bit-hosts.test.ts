// K1.1: a 32-bit kernel cannot execute 64-bit code, so the family skip never drops the 64-bit member of
// the host's family; QEMU's family rule holds otherwise.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SkipPolicy, kernelWordSize, planTargets, resolveTarget, targetWordSize } from "../../../src/binfmt";

const registered = (targets: string[], host: string, skip?: SkipPolicy) => planTargets(targets, host, skip).register.map((t) => t.name);

test("an armv7l host registers aarch64 (its kernel cannot run AArch64) and still skips arm", () => {
  const plan = planTargets(["aarch64"], "armv7l");
  assert.deepEqual(
    plan.register.map((t) => t.name),
    ["aarch64"],
  );
  assert.equal(plan.nothingToDo, false);
  assert.deepEqual(registered(["arm", "aarch64"], "armv7l"), ["aarch64"]);
});

test("an armv8l host (64-bit CPU, 32-bit kernel) is a 32-bit ARM host: registers aarch64, skips arm", () => {
  assert.deepEqual(registered(["arm", "aarch64"], "armv8l"), ["aarch64"]);
  assert.deepEqual(registered(["arm", "aarch64"], "armv8l", SkipPolicy.ExactNative), ["aarch64"]);
});

test("an i686 host registers x86_64 and skips i386 and i486", () => {
  const plan = planTargets(["i386", "i486", "x86_64"], "i686");
  assert.deepEqual(
    plan.register.map((t) => t.name),
    ["x86_64"],
  );
  assert.deepEqual(
    plan.skipped.map((s) => s.target.name),
    ["i386", "i486"],
  );
});

test("the same for every 32-bit kernel of a family with a 64-bit member (sparc + sparc64, ppc + ppc64)", () => {
  assert.deepEqual(registered(["sparc", "sparc64"], "sparc"), ["sparc64"]);
  assert.deepEqual(registered(["ppc", "ppc64"], "ppc"), ["ppc64"]);
});

test("64-bit kernels keep QEMU's family rule: aarch64 skips arm, x86_64 skips i386", () => {
  assert.deepEqual(registered(["arm", "aarch64"], "aarch64"), []);
  assert.deepEqual(registered(["i386", "x86_64"], "x86_64"), []);
});

test("armv8l is accepted as a `uname -m` name for the arm target", () => {
  assert.equal(resolveTarget("armv8l").name, "arm");
});

test("word sizes: from `uname -m` for the kernel, from EI_CLASS for the target", () => {
  assert.equal(kernelWordSize("armv7l"), 32);
  assert.equal(kernelWordSize("armv8l"), 32);
  assert.equal(kernelWordSize("i686"), 32);
  assert.equal(kernelWordSize("aarch64"), 64);
  assert.equal(kernelWordSize("x86_64"), 64);
  assert.equal(kernelWordSize("mips"), undefined);
  assert.equal(targetWordSize(resolveTarget("aarch64")), 64);
  assert.equal(targetWordSize(resolveTarget("arm")), 32);
  assert.equal(targetWordSize(resolveTarget("mipsn32")), 32);
});
