/**
 * Probe executables: the smallest static ELF programs that do nothing but `exit(42)`, one per format a
 * host may or may not run natively. Executing one on a host is the evidence that decides "native": the
 * kernel either runs it (exit status 42) or refuses it (ENOEXEC, "Exec format error"). `uname -m` and the
 * QEMU family only guess: a 32-bit kernel cannot run 64-bit code, and many aarch64 CPUs (Apple silicon
 * VMs, several server cores) have no AArch32 execution state at all.
 *
 * Layout: ELF header, one PT_LOAD program header (R+X) mapping the whole file at BASE, then the code;
 * entry = BASE + header sizes. Field offsets from the System V gABI (ELF-64 and ELF-32 object file
 * formats); instruction encodings from each architecture's manual:
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
}

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const words = (...ws: number[]): number[] => ws.flatMap(le32);

/** Catalogue target name → probe. Only formats whose "native or not" a host's family rule could get wrong. */
const PROBES: Readonly<Record<string, ProbeSpec>> = {
  x86_64: { bits: 64, machine: 62, flags: 0, code: [0xb8, 0x3c, 0, 0, 0, 0xbf, 42, 0, 0, 0, 0x0f, 0x05] },
  i386: { bits: 32, machine: 3, flags: 0, code: [0xb8, 1, 0, 0, 0, 0xbb, 42, 0, 0, 0, 0xcd, 0x80] },
  aarch64: { bits: 64, machine: 183, flags: 0, code: words(0xd2800ba8, 0xd2800540, 0xd4000001) },
  // EF_ARM_EABI_VER5: the kernel's compat loader accepts EABI binaries only.
  arm: { bits: 32, machine: 40, flags: 0x05000000, code: words(0xe3a07001, 0xe3a0002a, 0xef000000) },
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
  const size = ehsize + phentsize + p.code.length;
  const entry = BASE + ehsize + phentsize;
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
  b.u32(p.flags).u16(ehsize).u16(phentsize).u16(1).u16(0).u16(0).u16(0);
  // PT_LOAD, whole file at BASE, R+X
  if (is64) b.u32(1).u32(5).u64(0).u64(BASE).u64(BASE).u64(size).u64(size).u64(0x1000);
  else b.u32(1).u32(0).u32(BASE).u32(BASE).u32(size).u32(size).u32(5).u32(0x1000);
  for (const c of p.code) b.u8(c);
  if (b.out.length !== size) throw new Error(`internal: probe size ${b.out.length} != ${size}`);
  return Uint8Array.from(b.out);
}

/** The probe executable of `target` (a QEMU name), or undefined when there is none for its format. */
export function probeElf(target: string): Uint8Array | undefined {
  const spec = PROBES[PROBE_ALIASES[target] ?? target];
  return spec === undefined ? undefined : build(spec);
}
