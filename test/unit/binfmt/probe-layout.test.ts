import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { probeElf, probeTargets } from "../../../src/binfmt";

/** One PT_LOAD program header, read back from the probe's bytes (System V gABI field offsets). */
interface Load {
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly align: number;
}

function loads(elf: Uint8Array): Load[] {
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const is64 = elf[4] === 2;
  const num = (at: number): number => (is64 ? Number(v.getBigUint64(at, true)) : v.getUint32(at, true));
  const phoff = is64 ? Number(v.getBigUint64(32, true)) : v.getUint32(28, true);
  const phentsize = v.getUint16(is64 ? 54 : 42, true);
  const phnum = v.getUint16(is64 ? 56 : 44, true);
  const out: Load[] = [];
  for (let i = 0; i < phnum; i++) {
    const h = phoff + i * phentsize;
    if (v.getUint32(h, true) !== 1) continue; // PT_LOAD
    out.push(
      is64
        ? { offset: num(h + 8), vaddr: num(h + 16), filesz: num(h + 32), align: num(h + 48) }
        : { offset: num(h + 4), vaddr: num(h + 8), filesz: num(h + 16), align: num(h + 28) },
    );
  }
  return out;
}

/**
 * What the kernel's ELF loader needs to map a segment with pages of `page` bytes (fs/binfmt_elf.c elf_map:
 * the file offset mapped at the page start must itself be page-aligned): p_offset ≡ p_vaddr (mod page).
 */
const mapsWithPage = (elf: Uint8Array, page: number): boolean => loads(elf).every((l) => (l.vaddr - l.offset) % page === 0);

const probe = (t: string): Uint8Array => {
  const p = probeElf(t);
  if (p === undefined) throw new Error(`no probe for ${t}`);
  return p;
};

/** The page size each ABI's own kernels use at most: what its real programs' segments are aligned to. */
const ABI_PAGE: Readonly<Record<string, number>> = { x86_64: 0x1000, i386: 0x1000, i486: 0x1000, arm: 0x1000, aarch64: 0x10000 };

describe("probe executables are laid out like real programs of their ABI", () => {
  it("every probe has two PT_LOAD segments aligned to its ABI's page size, each congruent modulo that size", () => {
    for (const t of probeTargets()) {
      const ls = loads(probe(t));
      assert.equal(ls.length, 2, `${t}: PT_LOAD count`);
      for (const l of ls) {
        assert.equal(l.align, ABI_PAGE[t], `${t}: p_align`);
        assert.equal((l.vaddr - l.offset) % l.align, 0, `${t}: p_offset ≡ p_vaddr (mod p_align)`);
        assert.ok(l.offset + l.filesz <= probe(t).length, `${t}: the segment lies inside the file`);
      }
    }
  });

  it("the arm probe cannot be mapped by a 16K-page kernel (Raspberry Pi 5's arm64 default), as real armhf programs cannot", () => {
    const arm = probe("arm");
    assert.equal(mapsWithPage(arm, 0x1000), true, "a 4K-page kernel maps it");
    assert.equal(mapsWithPage(arm, 0x4000), false, "a 16K-page kernel refuses it");
    assert.equal(mapsWithPage(arm, 0x10000), false, "a 64K-page kernel refuses it");
  });

  it("the aarch64 probe maps with 4K, 16K and 64K pages, as real arm64 programs do (no false 'not native' on those kernels)", () => {
    for (const page of [0x1000, 0x4000, 0x10000]) assert.equal(mapsWithPage(probe("aarch64"), page), true, `page ${page}`);
  });

  it("the 32-bit probes (arm, i386) are 4K-only, as every program of a 4K-page ABI is", () => {
    for (const t of ["arm", "i386", "x86_64"]) {
      assert.equal(mapsWithPage(probe(t), 0x1000), true, `${t} with 4K`);
      assert.equal(mapsWithPage(probe(t), 0x4000), false, `${t} with 16K`);
    }
  });
});
