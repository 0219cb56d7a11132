/**
 * elf.sh's `elf_static` (one od and one awk over the first 4 KiB) against the field-by-field walk it replaced
 * (`elf_static_walk`, still used for program header tables beyond 4 KiB): both run for real with `sh` on
 * crafted ELF files of both classes and byte orders, and must give the same answer: 0 static, 1 dynamic
 * (a PT_INTERP program header), 2 not an ELF file.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const ELF_SH = readFileSync(path.join(__dirname, "../../../src/host/scripts/elf.sh"), "utf8");
const PT_LOAD = 1;
const PT_INTERP = 3;

interface Shape {
  readonly bits: 32 | 64;
  readonly endian: "le" | "be";
  /** p_type of each program header. */
  readonly types: readonly number[];
  /** e_phoff (default: right after the ELF header). */
  readonly phoff?: number;
  /** Cut the file to this many bytes. */
  readonly truncate?: number;
  /** Program headers (by index) whose fields after p_type are all zero, as PT_GNU_STACK's are. */
  readonly zeroed?: readonly number[];
  /** Whether elf_static must fall back to the field-by-field walk (program headers beyond 4 KiB). */
  readonly walks?: boolean;
}

/** An ELF file of that class and byte order whose program headers have the given types. */
function elf(s: Shape): Buffer {
  const ehsize = s.bits === 64 ? 64 : 52;
  const phentsize = s.bits === 64 ? 56 : 32;
  const phoff = s.phoff ?? ehsize;
  // Filled with 0xa5, not zeros: the fields the reader must skip are not silently zero, and a run of identical
  // 16-byte lines appears only where a test asks for one (od prints such a run as "*" unless given -v).
  const b = Buffer.alloc(Math.max(ehsize, phoff + phentsize * s.types.length), 0xa5);
  const le = s.endian === "le";
  const u16 = (v: number, at: number) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  b.write("\x7fELF", 0, "latin1");
  b[4] = s.bits === 64 ? 2 : 1;
  b[5] = le ? 1 : 2;
  b[6] = 1;
  u16(2, 16); // ET_EXEC
  if (s.bits === 64) {
    if (le) b.writeBigUInt64LE(BigInt(phoff), 32);
    else b.writeBigUInt64BE(BigInt(phoff), 32);
    u16(phentsize, 54);
    u16(s.types.length, 56);
  } else {
    u32(phoff, 28);
    u16(phentsize, 42);
    u16(s.types.length, 44);
  }
  s.types.forEach((t, i) => {
    if (s.zeroed?.includes(i)) b.fill(0, phoff + i * phentsize, phoff + (i + 1) * phentsize);
    u32(t, phoff + i * phentsize);
  });
  return s.truncate === undefined ? b : b.subarray(0, s.truncate);
}

/**
 * Per file: elf_static's and elf_static_walk's exit codes, and whether elf_static answered through the walk
 * (a second run with the walk replaced by one that answers 9).
 */
function classify(files: readonly string[]): { fast: number[]; walk: number[]; walked: boolean[] } {
  const both = `${ELF_SH}\nfor f in "$@"; do r=0; elf_static "$f" || r=$?; w=0; elf_static_walk "$f" || w=$?; echo "$r $w"; done\n`;
  const stub = `${ELF_SH}\nelf_static_walk() { return 9; }\nfor f in "$@"; do r=0; elf_static "$f" || r=$?; echo "$r"; done\n`;
  const rows = (script: string) => {
    const r = spawnSync("sh", ["-c", script, "sh", ...files], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(" ").map(Number));
  };
  const a = rows(both);
  const b = rows(stub);
  return { fast: a.map((x) => x[0] ?? -1), walk: a.map((x) => x[1] ?? -1), walked: b.map((x) => x[0] === 9) };
}

const CASES: readonly (readonly [string, Shape | Buffer, number])[] = [
  ["64-bit little-endian static", { bits: 64, endian: "le", types: [PT_LOAD, PT_LOAD, 6] }, 0],
  ["64-bit little-endian dynamic", { bits: 64, endian: "le", types: [6, PT_INTERP, PT_LOAD] }, 1],
  // PT_INTERP after a zero-filled PT_GNU_STACK: od without -v prints its zero lines as one "*" and every later
  // byte would be read at the wrong offset.
  ["PT_INTERP after an all-zero program header", { bits: 64, endian: "le", types: [6, 0x6474e551, PT_LOAD, PT_INTERP, PT_LOAD], zeroed: [1] }, 1],
  ["static, all-zero program headers among its loads", { bits: 32, endian: "le", types: [PT_LOAD, 0x6474e551, 0x6474e551, PT_LOAD], zeroed: [1, 2] }, 0],
  ["64-bit big-endian static (s390x, ppc64)", { bits: 64, endian: "be", types: [PT_LOAD] }, 0],
  ["64-bit big-endian dynamic", { bits: 64, endian: "be", types: [PT_LOAD, PT_INTERP] }, 1],
  ["32-bit little-endian static (arm, i386)", { bits: 32, endian: "le", types: [PT_LOAD, PT_LOAD] }, 0],
  ["32-bit little-endian dynamic", { bits: 32, endian: "le", types: [PT_INTERP, PT_LOAD] }, 1],
  ["32-bit big-endian static (mips, m68k)", { bits: 32, endian: "be", types: [PT_LOAD] }, 0],
  ["32-bit big-endian dynamic", { bits: 32, endian: "be", types: [PT_LOAD, PT_LOAD, PT_INTERP] }, 1],
  ["no program headers", { bits: 64, endian: "le", types: [] }, 0],
  ["program headers beyond the first 4 KiB, dynamic", { bits: 64, endian: "le", types: [PT_LOAD, PT_INTERP], phoff: 8192, walks: true }, 1],
  ["program headers beyond the first 4 KiB, static", { bits: 32, endian: "be", types: [PT_LOAD], phoff: 5000, walks: true }, 0],
  ["program headers straddling 4 KiB", { bits: 64, endian: "le", types: [PT_LOAD, PT_INTERP], phoff: 4096 - 56, walks: true }, 1],
  ["truncated before its second program header", { bits: 64, endian: "le", types: [PT_LOAD, PT_INTERP], truncate: 64 + 56, walks: true }, 0],
  ["a script", Buffer.from("#!/bin/sh\nexit 0\n"), 2],
  ["three bytes of magic", Buffer.from("\x7fEL", "latin1"), 2],
  ["an empty file", Buffer.alloc(0), 2],
  ["ELF magic, unknown byte order", Buffer.from("\x7fELF\x02\x03\x01", "latin1"), 2],
  ["ELF magic, unknown class", Buffer.from("\x7fELF\x03\x01\x01", "latin1"), 2],
];

describe("elf_static", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "pqb-elf-"));
  const files = CASES.map(([, shape], i) => {
    const f = path.join(dir, `f${i}`);
    writeFileSync(f, Buffer.isBuffer(shape) ? shape : elf(shape));
    return f;
  });
  const { fast, walk, walked } = classify([...files, path.join(dir, "missing")]);

  CASES.forEach(([name, shape, want], i) => {
    const walks = !Buffer.isBuffer(shape) && shape.walks === true;
    it(`${name}: ${["static", "dynamic", "not ELF"][want]}, as the field-by-field walk says, ${walks ? "through the walk" : "without it"}`, () => {
      assert.equal(fast[i], want);
      assert.equal(walk[i], want);
      assert.equal(walked[i], walks);
    });
  });

  it("a file that cannot be read is not ELF", () => {
    assert.equal(fast[files.length], 2);
    assert.equal(walk[files.length], 2);
  });

  it("file_hex prints every byte it was asked for, also runs of identical 16-byte lines (od -v)", () => {
    const f = path.join(dir, "zeros");
    const bytes = Buffer.concat([Buffer.alloc(48), Buffer.from([1, 2, 3, 4])]);
    writeFileSync(f, bytes);
    const r = spawnSync("sh", ["-c", `${ELF_SH}\nfile_hex "$1" 0 52; echo; file_hex "$1" 40 20`, "sh", f], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${bytes.toString("hex")}\n${bytes.subarray(40).toString("hex")}`);
  });
});
