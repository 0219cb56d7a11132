// Golden values for every catalogue target. Magic and mask are QEMU's scripts/qemu-binfmt-conf.sh
// data values, spelled as the script spells them (with "\x7fELF"); the catalogue must hold the same
// bytes. The one deliberate difference (microblaze) is pinned separately below.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CATALOGUE, MaskPolicy, TARGET_NAMES, buildRule, canonicalEscape, findTarget, maskFor } from "../../../src/binfmt";

// prettier-ignore
const QEMU_MAGIC_MASK: Record<string, [magic: string, mask: string]> = {
  i386: ["\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x03\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
  i486: ["\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x06\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
  x86_64: ["\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x3e\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
  alpha: ["\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x26\\x90",
    "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
  arm: ["\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
  armeb: ["\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff"],
  sparc: ["\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x02",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff"],
  sparc32plus: ["\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x12",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff"],
  sparc64: ["\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x2b",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff"],
  ppc: ["\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x14",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff"],
  ppc64: ["\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x15",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff"],
  ppc64le: ["\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x15\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\x00"],
  m68k: ["\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x04",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff"],
  mips: ["\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20"],
  mipsel: ["\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20\\x00\\x00\\x00"],
  mipsn32: ["\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20"],
  mipsn32el: ["\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20\\x00\\x00\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20\\x00\\x00\\x00"],
  mips64: ["\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff"],
  mips64el: ["\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
  sh4: ["\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x2a\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
  sh4eb: ["\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x2a",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff"],
  s390x: ["\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x16",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff"],
  aarch64: ["\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
  aarch64_be: ["\\x7fELF\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff"],
  hppa: ["\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x0f",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff"],
  riscv32: ["\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xf3\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
  riscv64: ["\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xf3\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
  xtensa: ["\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x5e\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
  xtensaeb: ["\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x5e",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff"],
  microblaze: ["\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xba\\xab",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
  microblazeel: ["\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xab\\xba",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
  or1k: ["\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x5c",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff"],
  hexagon: ["\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xa4\\x00",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
  loongarch64: ["\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x02\\x01",
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"],
};

// prettier-ignore
const IDENTITY: Record<string, { family: string; qemuBinary: string; uname: string; docker: string[]; images: string[]; debian?: string }> = {
  i386:         { family: "i386", qemuBinary: "qemu-i386", uname: "i686", docker: ["linux/386"], images: ["i386"], debian: "i386" },
  i486:         { family: "i386", qemuBinary: "qemu-i386", uname: "i686", docker: [], images: [] },
  x86_64:       { family: "i386", qemuBinary: "qemu-x86_64", uname: "x86_64", docker: ["linux/amd64", "linux/amd64/v2", "linux/amd64/v3"], images: ["amd64"], debian: "amd64" },
  alpha:        { family: "alpha", qemuBinary: "qemu-alpha", uname: "alpha", docker: [], images: [], debian: "alpha" },
  arm:          { family: "arm", qemuBinary: "qemu-arm", uname: "armv7l", docker: ["linux/arm", "linux/arm/v7", "linux/arm/v6", "linux/arm/v5"], images: ["arm32v7", "arm32v6", "arm32v5"], debian: "armhf" },
  armeb:        { family: "armeb", qemuBinary: "qemu-armeb", uname: "armv7b", docker: [], images: [] },
  sparc:        { family: "sparc", qemuBinary: "qemu-sparc", uname: "sparc", docker: [], images: [] },
  sparc32plus:  { family: "sparc", qemuBinary: "qemu-sparc32plus", uname: "sparc64", docker: [], images: [] },
  sparc64:      { family: "sparc", qemuBinary: "qemu-sparc64", uname: "sparc64", docker: [], images: [], debian: "sparc64" },
  ppc:          { family: "ppc", qemuBinary: "qemu-ppc", uname: "ppc", docker: [], images: [], debian: "powerpc" },
  ppc64:        { family: "ppc", qemuBinary: "qemu-ppc64", uname: "ppc64", docker: ["linux/ppc64"], images: [], debian: "ppc64" },
  ppc64le:      { family: "ppcle", qemuBinary: "qemu-ppc64le", uname: "ppc64le", docker: ["linux/ppc64le"], images: ["ppc64le"], debian: "ppc64el" },
  m68k:         { family: "m68k", qemuBinary: "qemu-m68k", uname: "m68k", docker: [], images: [], debian: "m68k" },
  mips:         { family: "mips", qemuBinary: "qemu-mips", uname: "mips", docker: ["linux/mips"], images: [] },
  mipsel:       { family: "mips", qemuBinary: "qemu-mipsel", uname: "mips", docker: ["linux/mipsle"], images: [], debian: "mipsel" },
  mipsn32:      { family: "mips", qemuBinary: "qemu-mipsn32", uname: "mips64", docker: [], images: [] },
  mipsn32el:    { family: "mips", qemuBinary: "qemu-mipsn32el", uname: "mips64", docker: [], images: [] },
  mips64:       { family: "mips", qemuBinary: "qemu-mips64", uname: "mips64", docker: ["linux/mips64"], images: [] },
  mips64el:     { family: "mips", qemuBinary: "qemu-mips64el", uname: "mips64", docker: ["linux/mips64le"], images: ["mips64le"], debian: "mips64el" },
  sh4:          { family: "sh4", qemuBinary: "qemu-sh4", uname: "sh4", docker: [], images: [], debian: "sh4" },
  sh4eb:        { family: "sh4", qemuBinary: "qemu-sh4eb", uname: "sh4", docker: [], images: [] },
  s390x:        { family: "s390x", qemuBinary: "qemu-s390x", uname: "s390x", docker: ["linux/s390x"], images: ["s390x"], debian: "s390x" },
  aarch64:      { family: "arm", qemuBinary: "qemu-aarch64", uname: "aarch64", docker: ["linux/arm64", "linux/arm64/v8"], images: ["arm64v8"], debian: "arm64" },
  aarch64_be:   { family: "armeb", qemuBinary: "qemu-aarch64_be", uname: "aarch64_be", docker: [], images: [] },
  hppa:         { family: "hppa", qemuBinary: "qemu-hppa", uname: "parisc", docker: [], images: [], debian: "hppa" },
  riscv32:      { family: "riscv32", qemuBinary: "qemu-riscv32", uname: "riscv32", docker: [], images: [] },
  riscv64:      { family: "riscv64", qemuBinary: "qemu-riscv64", uname: "riscv64", docker: ["linux/riscv64"], images: ["riscv64"], debian: "riscv64" },
  xtensa:       { family: "xtensa", qemuBinary: "qemu-xtensa", uname: "xtensa", docker: [], images: [] },
  xtensaeb:     { family: "xtensaeb", qemuBinary: "qemu-xtensaeb", uname: "xtensa", docker: [], images: [] },
  microblaze:   { family: "microblaze", qemuBinary: "qemu-microblaze", uname: "microblaze", docker: [], images: [] },
  microblazeel: { family: "microblazeel", qemuBinary: "qemu-microblazeel", uname: "microblaze", docker: [], images: [] },
  or1k:         { family: "or1k", qemuBinary: "qemu-or1k", uname: "openrisc", docker: [], images: [] },
  hexagon:      { family: "hexagon", qemuBinary: "qemu-hexagon", uname: "hexagon", docker: [], images: [] },
  loongarch64:  { family: "loongarch", qemuBinary: "qemu-loongarch64", uname: "loongarch64", docker: ["linux/loong64"], images: [], debian: "loong64" },
};

const QEMU_LIST =
  "i386 i486 alpha arm armeb sparc sparc32plus sparc64 ppc ppc64 ppc64le m68k mips mipsel mipsn32 mipsn32el mips64 mips64el " +
  "sh4 sh4eb s390x aarch64 aarch64_be hppa riscv32 riscv64 xtensa xtensaeb microblaze microblazeel or1k x86_64 hexagon loongarch64";

test("the catalogue holds exactly the 34 targets of QEMU's qemu_target_list", () => {
  assert.deepEqual([...TARGET_NAMES].sort(), QEMU_LIST.split(" ").sort());
  assert.equal(new Set(TARGET_NAMES).size, 34);
});

for (const name of QEMU_LIST.split(" ")) {
  test(`${name}: magic, mask, family, emulator, uname -m and Docker names are the golden values`, () => {
    const t = findTarget(name);
    assert.ok(t, `${name} is in the catalogue`);
    const [qemuMagic, qemuMask] = QEMU_MAGIC_MASK[name] ?? ["", ""];
    if (name !== "microblaze") {
      assert.equal(t.magic, canonicalEscape(qemuMagic), "magic is QEMU's");
      assert.equal(t.mask, canonicalEscape(qemuMask), "mask is QEMU's");
    }
    const id = IDENTITY[name];
    assert.ok(id);
    assert.equal(t.family, id.family);
    assert.equal(t.qemuBinary, id.qemuBinary);
    assert.equal(t.unameMachine, id.uname);
    assert.deepEqual(t.dockerPlatforms, id.docker);
    assert.deepEqual(t.imageNamespaces, id.images);
    assert.equal(t.debianArch, id.debian);
    // Every magic and mask is canonical \xNN and the two are the same length.
    assert.match(t.magic, /^(\\x[0-9a-f]{2})+$/);
    assert.equal(t.magic.length, t.mask.length);
    assert.equal(buildRule(name, { mask: MaskPolicy.Qemu }).mask, t.mask, "MaskPolicy.Qemu is the catalogue's mask");
  });
}

test("microblaze: QEMU's e_type bytes are little-endian in a big-endian entry; we carry Debian's correction", () => {
  const t = findTarget("microblaze");
  assert.ok(t);
  const [qemuMagic, qemuMask] = QEMU_MAGIC_MASK["microblaze"] ?? ["", ""];
  assert.equal(canonicalEscape(qemuMagic).slice(-16), "\\x02\\x00\\xba\\xab");
  assert.equal(t.magic, canonicalEscape(qemuMagic).slice(0, -16) + "\\x00\\x02\\xba\\xab");
  assert.equal(t.mask, canonicalEscape(qemuMask).slice(0, -16) + "\\xff\\xfe\\xff\\xff");
});

test("ignore-abi-version mask policy zeroes exactly bytes 8..15 of QEMU's mask and keeps byte 7 (EI_OSABI)", () => {
  for (const t of CATALOGUE) {
    const relaxed = maskFor(t, MaskPolicy.IgnoreAbiVersion).match(/\\x[0-9a-f]{2}/g) ?? [];
    const qemu = t.mask.match(/\\x[0-9a-f]{2}/g) ?? [];
    assert.equal(relaxed.length, qemu.length, t.name);
    relaxed.forEach((b, i) => assert.equal(b, i >= 8 && i <= 15 ? "\\x00" : qemu[i], `${t.name} byte ${i}`));
  }
});
