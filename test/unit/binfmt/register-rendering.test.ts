import { test } from "node:test";
import assert from "node:assert/strict";
import { BinfmtInputError, MaskPolicy, binfmtDFileName, buildRule, findTarget, renderBinfmtDFile, renderRegisterString } from "../../../src/binfmt";

test("register string fields: :name:M::magic:mask:interpreter:flags, offset 0 written empty", () => {
  const rule = buildRule("riscv64", { flags: "FP", interpreterDir: "/opt/qemu/bin", interpreterSuffix: "" });
  const fields = renderRegisterString(rule).split(":");
  assert.deepEqual(fields.slice(0, 4), ["", "qemu-riscv64", "M", ""]);
  assert.equal(fields[4], findTarget("riscv64")?.magic);
  assert.equal(fields[6], "/opt/qemu/bin/qemu-riscv64");
  assert.equal(fields[7], "PF");
  assert.equal(fields.length, 8);
});

test("i486 runs under qemu-i386, as in QEMU's script", () => {
  assert.equal(buildRule("i486").interpreter, "/usr/bin/qemu-i386-static");
  assert.equal(buildRule("i486").name, "qemu-i486");
});

test("an explicit interpreter wins; giving it with interpreterDir is an error", () => {
  assert.equal(buildRule("arm", { interpreter: "/usr/libexec/qemu-binfmt/arm-binfmt-P" }).interpreter, "/usr/libexec/qemu-binfmt/arm-binfmt-P");
  assert.throws(
    () => buildRule("arm", { interpreter: "/a/b", interpreterDir: "/c" }),
    (e: unknown) => e instanceof BinfmtInputError && e.field === "interpreter",
  );
});

test("binfmt.d file: marker comment, one registration, trailing newline; file name qemu-<target>.conf", () => {
  const rule = buildRule("s390x", { mask: MaskPolicy.Qemu });
  const text = renderBinfmtDFile(rule);
  const lines = text.split("\n");
  assert.equal(lines.length, 3);
  assert.match(lines[0] ?? "", /^# Managed by pulumi-qemu-binfmt/);
  assert.equal(lines[1], renderRegisterString(rule));
  assert.equal(lines[2], "");
  assert.equal(binfmtDFileName(rule), "qemu-s390x.conf");
});

test("unknown options are rejected, naming them", () => {
  assert.throws(() => buildRule("arm", { flag: "F" } as never), /^BinfmtInputError: options: unknown option\(s\) "flag"/);
});

test("a hand-made TargetInfo is not trusted: the catalogue's entry of that name is used", () => {
  const arm = findTarget("arm");
  assert.ok(arm);
  const forged = { ...arm, magic: "\\x00", qemuBinary: "qemu-arm;reboot" };
  assert.deepEqual(buildRule(forged), buildRule("arm"));
  assert.throws(
    () => buildRule({ ...arm, name: "armv9" }),
    (e: unknown) => e instanceof BinfmtInputError && e.field === "target",
  );
});
