// Where Debian's packaging and QEMU's script disagree, the catalogue decided (see catalogue.ts).
// These lines are verbatim from Debian 12's qemu-user-static 7.2 (/usr/lib/binfmt.d/qemu-*.conf).
import { test } from "node:test";
import assert from "node:assert/strict";
import { MaskPolicy, buildRule, renderRegisterString } from "../../../src/binfmt";

const debianInterp = (cpu: string) => ({ mask: MaskPolicy.Qemu, interpreter: `/usr/libexec/qemu-binfmt/${cpu}-binfmt-P`, flags: "OPF" });

// prettier-ignore
const DEBIAN_BOOKWORM: Record<string, string> = {
  aarch64: ":qemu-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:OPF",
  arm: ":qemu-arm:M::\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/libexec/qemu-binfmt/arm-binfmt-P:OPF",
  riscv64: ":qemu-riscv64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xf3\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/libexec/qemu-binfmt/riscv64-binfmt-P:OPF",
  microblaze: ":qemu-microblaze:M::\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\xba\\xab:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff:/usr/libexec/qemu-binfmt/microblaze-binfmt-P:OPF",
  s390x: ":qemu-s390x:M::\\x7f\\x45\\x4c\\x46\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x16:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff:/usr/libexec/qemu-binfmt/s390x-binfmt-P:OPF",
};

/** Debian writes flags "OPF"; the kernel (and we) say "POF". */
const withKernelFlagOrder = (line: string) => line.replace(/:OPF$/, ":POF");

test("where Debian agrees with QEMU, our qemu-mask rule with Debian's interpreter is Debian's line", () => {
  for (const cpu of ["aarch64", "arm", "riscv64"]) {
    assert.equal(renderRegisterString(buildRule(cpu, debianInterp(cpu))), withKernelFlagOrder(DEBIAN_BOOKWORM[cpu] ?? ""), cpu);
  }
});

test("microblaze: we take Debian's corrected big-endian e_type", () => {
  assert.equal(renderRegisterString(buildRule("microblaze", debianInterp("microblaze"))), withKernelFlagOrder(DEBIAN_BOOKWORM["microblaze"] ?? ""));
});

test("s390x: Debian checks EI_OSABI with \\xfc; we keep QEMU's \\x00 (Linux ignores EI_OSABI) — the only difference", () => {
  const ours = renderRegisterString(buildRule("s390x", debianInterp("s390x")));
  const debian = withKernelFlagOrder(DEBIAN_BOOKWORM["s390x"] ?? "");
  const mask = (line: string) => line.split(":")[5] ?? "";
  assert.notEqual(ours, debian);
  assert.equal(ours.replace(mask(ours), ""), debian.replace(mask(debian), ""));
  assert.equal(mask(debian).replace("\\xff\\xfc\\xff", "\\xff\\x00\\xff"), mask(ours));
});
