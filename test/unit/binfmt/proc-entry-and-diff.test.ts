// Fixtures are verbatim /proc/sys/fs/binfmt_misc/<name> contents read on Linux 6.18 (see the kernel
// integration test, which checks the same against the live kernel).
import { test } from "node:test";
import assert from "node:assert/strict";
import { BinfmtInputError, NO_MASK, buildRule, diffEntry, parseProcEntry } from "../../../src/binfmt";

// Registered as the article's arm line with flags "FC" and interpreter /usr/bin/qemu-arm-static.
const KERNEL_ARM_OCF = `enabled
interpreter /usr/bin/qemu-arm-static
flags: OCF
offset 0
magic 7f454c4601010100000000000000000002002800
mask ffffffffffffff000000000000000000feffffff
`;

// Registered with magic bytes the mask ignores set to 05/07/03: the kernel prints them unmasked.
const KERNEL_UNMASKED_MAGIC = `enabled
interpreter /usr/bin/qemu-arm-static
flags: POCF
offset 0
magic 7f454c4601010105070000000000000003002800
mask ffffffffffffff000000000000000000feffffff
`;

const KERNEL_NO_MASK = `enabled
interpreter /usr/bin/qemu-arm-static
flags: P
offset 2
magic 454c46
`;

const KERNEL_EXTENSION_DISABLED = `disabled
interpreter /bin/true
flags: 
extension .xyz
`;

test("parses an entry as the kernel prints it, magic and mask in binfmt escaping", () => {
  assert.deepEqual(parseProcEntry(KERNEL_ARM_OCF), {
    enabled: true,
    interpreter: "/usr/bin/qemu-arm-static",
    flags: "OCF",
    offset: 0,
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28\\x00",
    mask: "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\xfe\\xff\\xff\\xff",
  });
});

test("an entry without a mask, with an offset; a disabled extension entry", () => {
  const e = parseProcEntry(KERNEL_NO_MASK);
  assert.equal(e.mask, undefined);
  assert.equal(e.offset, 2);
  assert.equal(e.magic, "\\x45\\x4c\\x46");
  const x = parseProcEntry(KERNEL_EXTENSION_DISABLED);
  assert.equal(x.enabled, false);
  assert.equal(x.flags, "");
  assert.equal(x.extension, ".xyz");
});

test("diffEntry is empty when the kernel entry is the rule, with flags compared normalised", () => {
  assert.deepEqual(diffEntry(buildRule("arm", { flags: "FC" }), parseProcEntry(KERNEL_ARM_OCF)), []);
  assert.deepEqual(diffEntry(buildRule("arm", { flags: "CF" }), parseProcEntry(KERNEL_ARM_OCF)), []);
});

test("diffEntry names exactly the fields that differ", () => {
  const rule = buildRule("arm", { flags: "F", interpreter: "/usr/libexec/qemu-binfmt/arm-binfmt-P" });
  const diffs = diffEntry(rule, parseProcEntry(KERNEL_ARM_OCF));
  assert.deepEqual(diffs, [
    { field: "interpreter", expected: "/usr/libexec/qemu-binfmt/arm-binfmt-P", actual: "/usr/bin/qemu-arm-static" },
    { field: "flags", expected: "F", actual: "OCF" },
  ]);
});

test("a magic that differs only under a zero mask byte is still reported: the kernel keeps what was written", () => {
  const diffs = diffEntry(buildRule("arm", { flags: "FCP" }), parseProcEntry(KERNEL_UNMASKED_MAGIC));
  assert.deepEqual(
    diffs.map((d) => d.field),
    ["magic"],
  );
});

test("disabled, offset, magic and a missing mask all show up", () => {
  const diffs = diffEntry(buildRule("aarch64", { interpreter: "/usr/bin/qemu-arm-static" }), parseProcEntry(KERNEL_NO_MASK.replace("enabled", "disabled")));
  assert.deepEqual(
    diffs.map((d) => d.field),
    ["enabled", "flags", "offset", "magic", "mask"],
  );
  assert.equal(diffs.find((d) => d.field === "mask")?.actual, NO_MASK);
  assert.deepEqual(diffs[0], { field: "enabled", expected: "enabled", actual: "disabled" });
});

test("garbage is a parse error naming the line", () => {
  assert.throws(
    () => parseProcEntry("enabled\nwhatever 1\n"),
    (e: unknown) => e instanceof BinfmtInputError && e.field === "procEntry" && /"whatever 1"/.test(e.message),
  );
  assert.throws(() => parseProcEntry("enabled\ninterpreter /x\nmagic 7g\n"), /not hex/);
  assert.throws(() => parseProcEntry(""), /no enabled\/disabled line/);
});
