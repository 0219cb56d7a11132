/**
 * Probe executables: the smallest static ELF programs that do nothing but `exit(42)`, one per format a
 * host may or may not run natively. Executing one on a host is the evidence that decides "native": the
 * kernel either runs it (exit status 42) or refuses it (ENOEXEC, "Exec format error"). `uname -m` and the
 * QEMU family only guess: a 32-bit kernel cannot run 64-bit code, and many aarch64 CPUs (Apple silicon
 * VMs, several server cores) have no AArch32 execution state at all.
 *
 * Layout: ELF header, two PT_LOAD program headers, then the code; entry = BASE + header sizes. The first
 * segment (R+X) maps the whole file at BASE; the second (R) maps the code again one `segmentAlign` above,
 * at a file offset and address that are congruent modulo `segmentAlign` and NOT modulo 4 × `segmentAlign`.
 * That is how a real program of the ABI is laid out (its data segment sits at an offset congruent to its
 * address only modulo the page size the ABI's linkers assume), so a kernel whose pages are larger than that
 * refuses the probe exactly where it refuses real programs: an arm64 kernel with 16K pages (Raspberry Pi 5's
 * default) cannot map a 32-bit ARM program whose segments are 4K-aligned ("page alignment"), and a probe with
 * one segment at offset 0 would load there and call arm native. `segmentAlign` is the page size of the ABI's
 * own kernels: 4K for 32-bit ARM and x86 (their Linux kernels have 4K pages only), 64K for aarch64 (its kernels
 * may use 4K, 16K or 64K pages, so its linkers align segments to 64K: binutils' ELF_MAXPAGESIZE for aarch64).
 * Field offsets from the System V gABI (ELF-64 and ELF-32 object file formats); instruction encodings from
 * each architecture's manual:
 * - x86_64: `mov eax, 60` (exit) · `mov edi, 42` · `syscall`
 * - i386:   `mov eax, 1` (exit)  · `mov ebx, 42` · `int 0x80`
 * - aarch64: `movz x8, #93` (exit) · `movz x0, #42` · `svc #0`
 * - arm (A32, EABI5): `mov r7, #1` (exit) · `mov r0, #42` · `svc #0`
 * Exit status 42 cannot come from a shell that fell back to reading the file as a script (what sh does
 * after ENOEXEC), so "42" means the kernel ran the machine code.
 */

/** The exit status of every probe. */
export const PROBE_EXIT_STATUS = 42;

/** Load address: above any mmap_min_addr a distribution sets (64 KiB on Debian, 32 KiB on ARM). */
const BASE = 0x400000;

interface ProbeSpec {
  readonly bits: 32 | 64;
  /** e_machine (ELF gABI): 3 EM_386, 40 EM_ARM, 62 EM_X86_64, 183 EM_AARCH64. */
  readonly machine: number;
  readonly flags: number;
  readonly code: readonly number[];
  /** p_align of both segments: the largest page size the ABI's own kernels use (see the layout above). */
  readonly segmentAlign: number;
}

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const words = (...ws: number[]): number[] => ws.flatMap(le32);

/** Catalogue target name → probe. Only formats whose "native or not" a host's family rule could get wrong. */
const PROBES: Readonly<Record<string, ProbeSpec>> = {
  x86_64: { bits: 64, machine: 62, flags: 0, code: [0xb8, 0x3c, 0, 0, 0, 0xbf, 42, 0, 0, 0, 0x0f, 0x05], segmentAlign: 0x1000 },
  i386: { bits: 32, machine: 3, flags: 0, code: [0xb8, 1, 0, 0, 0, 0xbb, 42, 0, 0, 0, 0xcd, 0x80], segmentAlign: 0x1000 },
  aarch64: { bits: 64, machine: 183, flags: 0, code: words(0xd2800ba8, 0xd2800540, 0xd4000001), segmentAlign: 0x10000 },
  // EF_ARM_EABI_VER5: the kernel's compat loader accepts EABI binaries only.
  arm: { bits: 32, machine: 40, flags: 0x05000000, code: words(0xe3a07001, 0xe3a0002a, 0xef000000), segmentAlign: 0x1000 },
};
// i486 runs the same 32-bit x86 code as i386.
const PROBE_ALIASES: Readonly<Record<string, string>> = { i486: "i386" };

/** Targets that have a probe (QEMU names). */
export function probeTargets(): string[] {
  return [...Object.keys(PROBES), ...Object.keys(PROBE_ALIASES)];
}

class Bytes {
  readonly out: number[] = [];
  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  /** Values here stay below 2^32. */
  u64(v: number): this {
    return this.u32(v).u32(0);
  }
}

function build(p: ProbeSpec): Uint8Array {
  const is64 = p.bits === 64;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phnum = 2;
  const codeOffset = ehsize + phnum * phentsize;
  const size = codeOffset + p.code.length;
  const entry = BASE + codeOffset;
  // The second segment: the code bytes again, one segmentAlign higher: offset ≡ address (mod segmentAlign),
  // and ≢ (mod 4 × segmentAlign), since BASE is a multiple of 4 × 64K.
  const dataVaddr = BASE + p.segmentAlign + codeOffset;
  const b = new Bytes();
  // e_ident: magic, class, data (little endian), version, OSABI (System V), padding
  b.u8(0x7f)
    .u8(0x45)
    .u8(0x4c)
    .u8(0x46)
    .u8(is64 ? 2 : 1)
    .u8(1)
    .u8(1)
    .u8(0);
  for (let i = 0; i < 8; i++) b.u8(0);
  b.u16(2).u16(p.machine).u32(1); // e_type ET_EXEC, e_machine, e_version
  if (is64) b.u64(entry).u64(ehsize).u64(0);
  else b.u32(entry).u32(ehsize).u32(0); // e_entry, e_phoff, e_shoff
  b.u32(p.flags).u16(ehsize).u16(phentsize).u16(phnum).u16(0).u16(0).u16(0);
  // PT_LOAD (p_type 1): [flags, offset, vaddr, size]; R+X = 5, R = 4
  const loads: readonly (readonly [number, number, number, number])[] = [
    [5, 0, BASE, size],
    [4, codeOffset, dataVaddr, p.code.length],
  ];
  for (const [flags, offset, vaddr, len] of loads) {
    if (is64) b.u32(1).u32(flags).u64(offset).u64(vaddr).u64(vaddr).u64(len).u64(len).u64(p.segmentAlign);
    else b.u32(1).u32(offset).u32(vaddr).u32(vaddr).u32(len).u32(len).u32(flags).u32(p.segmentAlign);
  }
  for (const c of p.code) b.u8(c);
  if (b.out.length !== size) throw new Error(`internal: probe size ${b.out.length} != ${size}`);
  return Uint8Array.from(b.out);
}

/** The probe executable of `target` (a QEMU name), or undefined when there is none for its format. */
export function probeElf(target: string): Uint8Array | undefined {
  const spec = PROBES[PROBE_ALIASES[target] ?? target];
  return spec === undefined ? undefined : build(spec);
}
