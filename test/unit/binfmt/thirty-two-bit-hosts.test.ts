// K1.1: a 32-bit kernel cannot execute 64-bit code, so the family skip never drops the 64-bit member of
// the host's family; QEMU's family rule holds otherwise.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CATALOGUE, SkipPolicy, familyOf, kernelWordSize, planTargets, resolveTarget, targetWordSize } from "../../../src/binfmt";

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
  assert.equal(kernelWordSize("mips"), 32);
  assert.equal(kernelWordSize("mips64"), 64);
  assert.equal(kernelWordSize("sparc64"), 64);
  assert.equal(kernelWordSize("vax"), undefined);
  assert.equal(targetWordSize(resolveTarget("aarch64")), 64);
  assert.equal(targetWordSize(resolveTarget("arm")), 32);
  assert.equal(targetWordSize(resolveTarget("mipsn32")), 32);
});

test("a mips host (32-bit kernel) registers mips64 and mips64el and skips mips, mipsel, mipsn32", () => {
  assert.deepEqual(registered(["mips", "mipsel", "mipsn32", "mips64", "mips64el"], "mips"), ["mips64", "mips64el"]);
  assert.deepEqual(registered(["mips", "mips64"], "mips64"), []);
});

// By construction: every family of the catalogue, every `uname -m` a kernel of that family prints (the
// catalogue's unameMachine column). A 32-bit kernel skips no 64-bit member; a 64-bit one keeps QEMU's rule.
test("every QEMU family: a 32-bit kernel of the family never skips a 64-bit member, a 64-bit one skips them all", () => {
  const families = [...new Set(CATALOGUE.map((t) => t.family))];
  let pairs = 0;
  for (const family of families) {
    const members = CATALOGUE.filter((t) => t.family === family);
    const wide = members.filter((t) => targetWordSize(t) === 64).map((t) => t.name);
    for (const uname of new Set(members.map((t) => t.unameMachine))) {
      if (familyOf(uname) !== family) continue; // a name QEMU's rule places elsewhere (armv7b: armeb)
      const bits = Math.max(...CATALOGUE.filter((t) => t.unameMachine === uname).map(targetWordSize));
      assert.equal(kernelWordSize(uname), bits, `kernel word size of ${uname}`);
      const got = registered(
        members.map((t) => t.name),
        uname,
      );
      if (bits === 32) {
        assert.deepEqual(got, wide, `${uname} (32-bit kernel, family ${family}) registers exactly the 64-bit members`);
        if (wide.length > 0) pairs++;
      } else assert.deepEqual(got, [], `${uname} (64-bit kernel, family ${family}) skips the whole family`);
    }
  }
  // i386/i686, arm/armv7l, armeb/armv7b, sparc/sparc, ppc/ppc, mips/mips: the families with both word sizes.
  assert.equal(pairs, 6);
});
