import { test } from "node:test";
import assert from "node:assert/strict";
import { ACCEPTED_NAMES, BinfmtInputError, NAME_INDEX, TARGET_NAMES, namesOf, resolveTarget } from "../../../src/binfmt";

const resolves = (name: string, target: string) => assert.equal(resolveTarget(name).name, target, name);

test("QEMU names resolve to themselves", () => {
  for (const n of TARGET_NAMES) resolves(n, n);
});

test("uname -m names resolve, including the ones that differ from the QEMU name", () => {
  resolves("armv7l", "arm");
  resolves("armv7b", "armeb");
  resolves("i686", "i386");
  resolves("parisc", "hppa");
  resolves("openrisc", "or1k");
  resolves("aarch64", "aarch64");
});

test("Docker platforms resolve, with or without linux/", () => {
  resolves("linux/arm64", "aarch64");
  resolves("linux/arm64/v8", "aarch64");
  resolves("linux/arm/v7", "arm");
  resolves("linux/arm/v6", "arm");
  resolves("linux/arm/v5", "arm");
  resolves("arm/v7", "arm");
  resolves("linux/amd64", "x86_64");
  resolves("linux/386", "i386");
  resolves("linux/ppc64le", "ppc64le");
  resolves("linux/s390x", "s390x");
  resolves("linux/riscv64", "riscv64");
  resolves("linux/mips64le", "mips64el");
  resolves("linux/loong64", "loongarch64");
});

test("official image namespaces resolve", () => {
  resolves("arm64v8", "aarch64");
  resolves("arm32v7", "arm");
  resolves("arm32v6", "arm");
  resolves("arm32v5", "arm");
  resolves("i386", "i386");
  resolves("amd64", "x86_64");
  resolves("ppc64le", "ppc64le");
  resolves("s390x", "s390x");
  resolves("riscv64", "riscv64");
  resolves("mips64le", "mips64el");
});

test("common aliases resolve", () => {
  resolves("arm64", "aarch64");
  resolves("armhf", "arm");
  resolves("armel", "arm");
  resolves("amd64", "x86_64");
  resolves("x86-64", "x86_64");
  resolves("ppc64el", "ppc64le");
  resolves("loong64", "loongarch64");
});

test("lookup is case-insensitive", () => {
  resolves("ARM64", "aarch64");
  resolves("Linux/ARM/v7", "arm");
});

test("a QEMU name wins over a uname name: mips64 is mips64 although mips64el also prints mips64", () => {
  resolves("mips64", "mips64");
  resolves("sh4", "sh4");
  resolves("xtensa", "xtensa");
});

test("an ambiguous name is an error that lists the candidates", () => {
  assert.throws(
    () => resolveTarget("riscv", "targets[0]"),
    (e: unknown) =>
      e instanceof BinfmtInputError &&
      e.field === "targets[0]" &&
      e.value === "riscv" &&
      e.choices.join(",") === "riscv32,riscv64" &&
      /^targets\[0\]: ambiguous target "riscv": it may mean riscv32 or riscv64/.test(e.message),
  );
});

test("an unknown name is an error that lists the targets nearest first", () => {
  assert.throws(
    () => resolveTarget("aarch46"),
    (e: unknown) => {
      assert.ok(e instanceof BinfmtInputError);
      assert.equal(e.field, "target");
      assert.equal(e.value, "aarch46");
      assert.equal(e.choices[0], "aarch64");
      assert.equal(e.choices.length, TARGET_NAMES.length);
      assert.match(e.message, /^target: unknown target "aarch46".*valid targets, nearest first: aarch64, /);
      return true;
    },
  );
  assert.throws(() => resolveTarget("arm65"), /did you mean "arm64"\?/);
  assert.throws(() => resolveTarget(""), BinfmtInputError);
});

test("every accepted name resolves (or is the one deliberate ambiguity), and namesOf lists them back", () => {
  for (const name of ACCEPTED_NAMES) {
    const entry = NAME_INDEX.get(name);
    assert.ok(entry);
    if (entry.targets.length > 1) {
      assert.equal(name, "riscv");
      continue;
    }
    const t = resolveTarget(name);
    assert.ok(namesOf(t).includes(name), `${name} listed under ${t.name}`);
  }
  assert.deepEqual(namesOf("aarch64").slice(0, 1), ["aarch64"]);
});
