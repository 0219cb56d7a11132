import { test } from "node:test";
import assert from "node:assert/strict";
import { familyOf, nativeTargetsOf } from "../../../src/binfmt";

test("host families follow QEMU's qemu_get_family", () => {
  const cases: [string, string | undefined][] = [
    ["x86_64", "i386"],
    ["amd64", "i386"],
    ["i686", "i386"],
    ["i386", "i386"],
    ["aarch64", "arm"],
    ["arm64", "arm"],
    ["armv7l", "arm"],
    ["armv6l", "arm"],
    ["armhf", "arm"],
    ["armv7b", "armeb"],
    ["aarch64_be", "armeb"],
    ["ppc64le", "ppcle"],
    ["ppc64", "ppc"],
    ["ppc", "ppc"],
    ["mips64", "mips"],
    ["mipsel", "mips"],
    ["sparc64", "sparc"],
    ["loongarch64", "loongarch"],
    ["s390x", "s390x"],
    ["riscv64", "riscv64"],
    ["alpha", "alpha"],
    ["m68k", "m68k"],
    ["parisc", "hppa"],
    ["parisc64", "hppa"],
    ["sh4a", "sh4"],
    ["openrisc", "or1k"],
    ["ia64", undefined],
    ["wasm32", undefined],
  ];
  for (const [machine, family] of cases) assert.equal(familyOf(machine), family, machine);
});

test("exact native targets of common hosts", () => {
  const native = (m: string) =>
    nativeTargetsOf(m)
      .map((t) => t.name)
      .sort();
  assert.deepEqual(native("x86_64"), ["x86_64"]);
  assert.deepEqual(native("aarch64"), ["aarch64"]);
  assert.deepEqual(native("armv7l"), ["arm"]);
  assert.deepEqual(native("armv6l"), ["arm"]);
  assert.deepEqual(native("i686"), ["i386", "i486"]);
  assert.deepEqual(native("ppc64le"), ["ppc64le"]);
  assert.deepEqual(native("s390x"), ["s390x"]);
  assert.deepEqual(native("riscv64"), ["riscv64"]);
  // uname -m does not say the endianness of a mips host: both count as native.
  assert.deepEqual(native("mips64"), ["mips64", "mips64el", "mipsn32", "mipsn32el"]);
  assert.deepEqual(native("ia64"), []);
});
