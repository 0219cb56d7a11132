// Semantic check of the catalogue, independent of how the table is spelled: build the first bytes of
// an ELF executable for each architecture from the ELF specification (class, byte order, e_machine,
// MIPS e_flags) and check — with the kernel's own matching rule — that each rule matches its own
// architecture's executables (ET_EXEC and ET_DYN/static-pie) and no other target's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CATALOGUE, MaskPolicy, buildRule, matchesHeader } from "../../../src/binfmt";

interface ElfSpec {
  cls: 1 | 2;
  data: 1 | 2; // 1 = little-endian, 2 = big-endian
  machine: number;
  mipsAbi2?: boolean; // EF_MIPS_ABI2 (n32)
}

// prettier-ignore
const ELF: Record<string, ElfSpec> = {
  i386: { cls: 1, data: 1, machine: 3 }, i486: { cls: 1, data: 1, machine: 6 }, x86_64: { cls: 2, data: 1, machine: 62 },
  alpha: { cls: 2, data: 1, machine: 0x9026 },
  arm: { cls: 1, data: 1, machine: 40 }, armeb: { cls: 1, data: 2, machine: 40 },
  aarch64: { cls: 2, data: 1, machine: 183 }, aarch64_be: { cls: 2, data: 2, machine: 183 },
  sparc: { cls: 1, data: 2, machine: 2 }, sparc32plus: { cls: 1, data: 2, machine: 18 }, sparc64: { cls: 2, data: 2, machine: 43 },
  ppc: { cls: 1, data: 2, machine: 20 }, ppc64: { cls: 2, data: 2, machine: 21 }, ppc64le: { cls: 2, data: 1, machine: 21 },
  m68k: { cls: 1, data: 2, machine: 4 },
  mips: { cls: 1, data: 2, machine: 8 }, mipsel: { cls: 1, data: 1, machine: 8 },
  mipsn32: { cls: 1, data: 2, machine: 8, mipsAbi2: true }, mipsn32el: { cls: 1, data: 1, machine: 8, mipsAbi2: true },
  mips64: { cls: 2, data: 2, machine: 8 }, mips64el: { cls: 2, data: 1, machine: 8 },
  sh4: { cls: 1, data: 1, machine: 42 }, sh4eb: { cls: 1, data: 2, machine: 42 },
  s390x: { cls: 2, data: 2, machine: 22 }, hppa: { cls: 1, data: 2, machine: 15 },
  riscv32: { cls: 1, data: 1, machine: 243 }, riscv64: { cls: 2, data: 1, machine: 243 },
  xtensa: { cls: 1, data: 1, machine: 94 }, xtensaeb: { cls: 1, data: 2, machine: 94 },
  microblaze: { cls: 1, data: 2, machine: 0xbaab }, microblazeel: { cls: 1, data: 1, machine: 0xbaab },
  or1k: { cls: 1, data: 2, machine: 92 }, hexagon: { cls: 1, data: 1, machine: 164 }, loongarch64: { cls: 2, data: 1, machine: 258 },
};

/** The first 64 bytes of an ELF file header. */
function elfHeader(spec: ElfSpec, eType: number, osabi = 0, abiVersion = 0): Uint8Array {
  const h = new Uint8Array(64);
  const view = new DataView(h.buffer);
  const le = spec.data === 1;
  h.set([0x7f, 0x45, 0x4c, 0x46, spec.cls, spec.data, 1, osabi, abiVersion]);
  view.setUint16(16, eType, le);
  view.setUint16(18, spec.machine, le);
  view.setUint32(20, 1, le); // e_version
  const flagsAt = spec.cls === 1 ? 36 : 48;
  view.setUint32(flagsAt, spec.mipsAbi2 === true ? 0x20 : 0, le);
  return h;
}

const ET_EXEC = 2;
const ET_DYN = 3;

for (const policy of [MaskPolicy.IgnoreAbiVersion, MaskPolicy.Qemu]) {
  test(`mask ${policy}: every rule matches its own architecture's executables and no other's`, () => {
    const rules = CATALOGUE.map((t) => ({ name: t.name, rule: buildRule(t, { mask: policy }) }));
    for (const t of CATALOGUE) {
      const spec = ELF[t.name];
      assert.ok(spec, `an ELF spec for ${t.name}`);
      for (const eType of [ET_EXEC, ET_DYN]) {
        for (const osabi of [0, 3]) {
          const header = elfHeader(spec, eType, osabi);
          const matching = rules.filter((r) => matchesHeader(r.rule, header)).map((r) => r.name);
          assert.deepEqual(matching, [t.name], `${t.name} e_type ${eType} osabi ${osabi}`);
        }
      }
    }
  });
}

test("ignore-abi-version policy also matches a binary that stamps EI_ABIVERSION; QEMU's exact mask does not (except mips, where QEMU ignores it too)", () => {
  for (const t of CATALOGUE) {
    const spec = ELF[t.name];
    assert.ok(spec);
    const header = elfHeader(spec, ET_EXEC, 0, 1);
    assert.equal(matchesHeader(buildRule(t, { mask: MaskPolicy.IgnoreAbiVersion }), header), true, `${t.name} ignore-abi-version`);
    const qemuIgnoresByte8 = t.mask.slice(8 * 4, 9 * 4) === "\\x00";
    assert.equal(matchesHeader(buildRule(t, { mask: MaskPolicy.Qemu }), header), qemuIgnoresByte8, `${t.name} qemu`);
  }
});

test("ELF core files and relocatable objects are never matched", () => {
  for (const t of CATALOGUE) {
    const spec = ELF[t.name];
    assert.ok(spec);
    for (const eType of [1 /* ET_REL */, 4 /* ET_CORE */]) {
      assert.equal(matchesHeader(buildRule(t), elfHeader(spec, eType)), false, `${t.name} e_type ${eType}`);
    }
  }
});

test("QEMU's own microblaze entry cannot match a big-endian microblaze executable (why the catalogue corrects it)", () => {
  const qemuUpstream = {
    offset: 0,
    magic: "\\x7fELF\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xba\\xab",
    mask: "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff",
  };
  const spec = ELF["microblaze"];
  assert.ok(spec);
  assert.equal(matchesHeader(qemuUpstream, elfHeader(spec, ET_EXEC)), false);
  assert.equal(matchesHeader(buildRule("microblaze"), elfHeader(spec, ET_EXEC)), true);
});
