// K1.4 (pure part): a rule whose magic/mask matches a program the host runs natively (its own
// interpreter, /bin/sh, init) is refused; entriesOverlap finds two entries one header can match.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MaskPolicy, buildRule, bytesToHex, entriesOverlap, parseEscapedBytes, selfMatchProblems } from "../../../src/binfmt";

/** A 64-byte ELF header: class, data, e_machine as a real executable of that architecture has them. */
function elfHeader(cls: 1 | 2, data: 1 | 2, machine: number, abiVersion = 0): string {
  const h = new Uint8Array(64);
  h.set([0x7f, 0x45, 0x4c, 0x46, cls, data, 1, 0, abiVersion]);
  const le = data === 1;
  h[16] = le ? 2 : 0; // e_type ET_EXEC
  h[17] = le ? 0 : 2;
  h[18] = le ? machine & 0xff : machine >> 8;
  h[19] = le ? machine >> 8 : machine & 0xff;
  return bytesToHex(h);
}
const ARMHF_SH = elfHeader(1, 1, 0x28);
const AARCH64_SH = elfHeader(2, 1, 0xb7);
const X86_64_SH = elfHeader(2, 1, 0x3e);

test("qemu-arm is refused on an aarch64 kernel whose userland is armhf: it matches /bin/sh", () => {
  const rule = buildRule("arm", { interpreter: "/usr/bin/qemu-arm" });
  const problems = selfMatchProblems([rule], [{ path: "/bin/sh", headerHex: ARMHF_SH }]);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.entryName, "qemu-arm");
  assert.equal(problems[0]?.path, "/bin/sh");
  assert.match(problems[0]?.message ?? "", /refusing to register qemu-arm: its magic\/mask matches \/bin\/sh.*Too many levels of symbolic links/);
});

test("a rule that matches its own interpreter says so", () => {
  const rule = buildRule("arm", { interpreter: "/usr/bin/qemu-arm" });
  const problems = selfMatchProblems([rule], [{ path: "/usr/bin/qemu-arm", headerHex: ARMHF_SH }]);
  assert.match(problems[0]?.message ?? "", /its own interpreter/);
});

test("both mask policies are guarded: the relaxed mask matches an ABI-versioned header, QEMU's too when the version is 0", () => {
  for (const mask of [MaskPolicy.IgnoreAbiVersion, MaskPolicy.Qemu]) {
    const rule = buildRule("arm", { mask });
    assert.equal(selfMatchProblems([rule], [{ path: "/sbin/init", headerHex: ARMHF_SH }]).length, 1, mask);
  }
  const versioned = elfHeader(1, 1, 0x28, 1);
  assert.equal(selfMatchProblems([buildRule("arm")], [{ path: "/sbin/init", headerHex: versioned }]).length, 1);
});

test("foreign rules on a host of another architecture pass: aarch64 and arm rules vs x86_64 programs", () => {
  const rules = [buildRule("aarch64"), buildRule("arm")];
  const headers = ["/bin/sh", "/sbin/init", "/usr/bin/qemu-aarch64-static"].map((path) => ({ path, headerHex: X86_64_SH }));
  assert.deepEqual(selfMatchProblems(rules, headers), []);
  assert.deepEqual(selfMatchProblems([buildRule("arm")], [{ path: "/bin/sh", headerHex: AARCH64_SH }]), []);
});

test("whitespace in the hex (od output) is ignored; a header that is not hex is a problem, never a pass", () => {
  const spaced = ARMHF_SH.replace(/(..)/g, "$1 ");
  assert.equal(selfMatchProblems([buildRule("arm")], [{ path: "/bin/sh", headerHex: spaced }]).length, 1);
  const bad = selfMatchProblems([buildRule("arm")], [{ path: "/bin/sh", headerHex: "not hex" }]);
  assert.equal(bad.length, 1);
  assert.match(bad[0]?.message ?? "", /cannot check qemu-arm against \/bin\/sh/);
});

test("a header too short for the magic does not match (binfmt_misc reads BINPRM_BUF_SIZE bytes)", () => {
  assert.deepEqual(selfMatchProblems([buildRule("arm")], [{ path: "/bin/sh", headerHex: ARMHF_SH.slice(0, 16) }]), []);
});

test("entriesOverlap: aarch64 and an identical copy overlap; aarch64 and arm do not", () => {
  const aarch64 = buildRule("aarch64");
  assert.equal(entriesOverlap(aarch64, { ...aarch64 }), true);
  assert.equal(entriesOverlap(aarch64, buildRule("arm")), false);
});

test("entriesOverlap: the relaxed and QEMU's masks of one target overlap; a byte no mask keeps is free", () => {
  assert.equal(entriesOverlap(buildRule("arm"), buildRule("arm", { mask: MaskPolicy.Qemu })), true);
  const a = { offset: 0, magic: "\\x7f\\x45", mask: "\\xff\\x00" };
  const b = { offset: 0, magic: "\\x7f\\x99", mask: "" };
  assert.equal(entriesOverlap(a, b), true, "byte 1 is masked out in a");
  assert.equal(entriesOverlap({ ...a, mask: "" }, b), false);
});

test("entriesOverlap: entries at different offsets only compare the bytes both look at", () => {
  const a = { offset: 0, magic: "\\x7f\\x45\\x4c\\x46", mask: "" };
  assert.equal(entriesOverlap(a, { offset: 2, magic: "\\x4c\\x46\\x02", mask: "" }), true);
  assert.equal(entriesOverlap(a, { offset: 2, magic: "\\x4c\\x47", mask: "" }), false);
  assert.equal(entriesOverlap(a, { offset: 8, magic: "\\x01", mask: "" }), true, "no common byte");
});

test("the overlap test agrees with matchesHeader on the catalogue's own executables", () => {
  // qemu-i386 and qemu-i486 differ only in e_machine: disjoint. mips and mipsn32 differ in e_flags: disjoint.
  assert.equal(entriesOverlap(buildRule("i386"), buildRule("i486")), false);
  assert.equal(entriesOverlap(buildRule("mips"), buildRule("mipsn32")), false);
  assert.equal(parseEscapedBytes(buildRule("aarch64").magic).length, 20);
});

test("entriesOverlap is true exactly when a header matching both exists (random entries, checked with matchesHeader)", async () => {
  const fc = (await import("fast-check")).default;
  const { escapeBytes, matchesHeader } = await import("../../../src/binfmt");
  const entry = fc
    .record({
      offset: fc.integer({ min: 0, max: 6 }),
      pairs: fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0xff, 0xfe, 0x0f, 0xf0, 0x01)), { minLength: 1, maxLength: 6 }),
    })
    .map(({ offset, pairs }) => ({ offset, magic: Uint8Array.from(pairs.map((p) => p[0])), mask: Uint8Array.from(pairs.map((p) => p[1])) }));
  fc.assert(
    fc.property(entry, entry, (a, b) => {
      // The only candidate: every byte takes A's kept bits, then B's kept bits where A keeps none.
      const h = new Uint8Array(Math.max(a.offset + a.magic.length, b.offset + b.magic.length));
      for (let p = 0; p < h.length; p++) {
        const ia = p - a.offset;
        const ib = p - b.offset;
        const ka = ia >= 0 && ia < a.magic.length ? (a.mask[ia] ?? 0) : 0;
        const kb = ib >= 0 && ib < b.magic.length ? (b.mask[ib] ?? 0) : 0;
        const va = ka === 0 ? 0 : (a.magic[ia] ?? 0) & ka;
        const vb = kb === 0 ? 0 : (b.magic[ib] ?? 0) & kb & ~ka;
        h[p] = va | vb;
      }
      const ra = { offset: a.offset, magic: escapeBytes(a.magic), mask: escapeBytes(a.mask) };
      const rb = { offset: b.offset, magic: escapeBytes(b.magic), mask: escapeBytes(b.mask) };
      assert.equal(entriesOverlap(ra, rb), matchesHeader(ra, h) && matchesHeader(rb, h));
      assert.equal(entriesOverlap(ra, rb), entriesOverlap(rb, ra), "symmetric");
    }),
    { numRuns: 500 },
  );
});
