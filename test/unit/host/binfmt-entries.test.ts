/**
 * The shell library binfmt-entries.sh compares bytes as binfmt_misc does. Its answers are checked
 * against the core's matchesHeader (src/binfmt/header-match.ts) on random magic/mask/offset triples:
 * - header_matches FILE … agrees with matchesHeader on the file's bytes;
 * - magic_overlap A B is true exactly when a header that matches both exists. The witness is built
 *   byte by byte (A's constrained bits, then B's) and checked with matchesHeader against both rules.
 * Every case of a run goes through ONE `sh -s` process.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { bytesToHex, escapeBytes, matchesHeader } from "../../../src/binfmt";
import { renderScript } from "../../../src/host/shell";
import { runScript } from "./run-script";

interface Entry {
  readonly offset: number;
  readonly magic: Uint8Array;
  readonly mask: Uint8Array;
}

const entry = fc
  .record({
    offset: fc.integer({ min: 0, max: 6 }),
    pairs: fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0xff, 0xfe, 0x0f, 0xf0, 0x01)), { minLength: 1, maxLength: 6 }),
  })
  .map(({ offset, pairs }): Entry => ({ offset, magic: Uint8Array.from(pairs.map((p) => p[0])), mask: Uint8Array.from(pairs.map((p) => p[1])) }));

const asRule = (e: Entry) => ({ offset: e.offset, magic: escapeBytes(e.magic), mask: escapeBytes(e.mask) });

/** A header matching both when any does: each byte takes A's constrained bits, then B's. */
function witness(a: Entry, b: Entry): Uint8Array {
  const h = new Uint8Array(Math.max(a.offset + a.magic.length, b.offset + b.magic.length));
  for (let p = 0; p < h.length; p++) {
    const ia = p - a.offset;
    const ib = p - b.offset;
    const ma = ia >= 0 && ia < a.magic.length ? (a.magic[ia] ?? 0) & (a.mask[ia] ?? 0) : 0;
    const ka = ia >= 0 && ia < a.magic.length ? (a.mask[ia] ?? 0) : 0;
    const mb = ib >= 0 && ib < b.magic.length ? (b.magic[ib] ?? 0) & (b.mask[ib] ?? 0) : 0;
    h[p] = ma | (mb & ~ka & 0xff);
  }
  return h;
}

function lib(lines: readonly string[]): string {
  return renderScript({ label: "t", vars: {}, files: ["elf.sh", "binfmt-entries.sh"] }).replace("} </dev/null", `${lines.join("\n")}\n} </dev/null`);
}

const verdict = (call: string) => `if ${call}; then echo 1; else echo 0; fi`;

describe("binfmt-entries.sh", () => {
  it("magic_overlap is true exactly when one header matches both entries (offsets and masks included)", () => {
    const cases = fc.sample(fc.tuple(entry, entry), { numRuns: 300, seed: 9 });
    const calls = cases.map(([a, b]) => verdict(`magic_overlap ${a.offset} ${bytesToHex(a.magic)} ${bytesToHex(a.mask)} ${b.offset} ${bytesToHex(b.magic)} ${bytesToHex(b.mask)}`));
    const r = runScript(lib(calls));
    assert.equal(r.code, 0, r.stderr);
    const got = r.stdout.trim().split("\n");
    cases.forEach(([a, b], i) => {
      const h = witness(a, b);
      const expected = matchesHeader(asRule(a), h) && matchesHeader(asRule(b), h);
      assert.equal(got[i], expected ? "1" : "0", JSON.stringify({ a, b }));
    });
    assert.ok(got.includes("1") && got.includes("0"), "both answers occur");
  });

  it("an empty mask means every bit counts", () => {
    const r = runScript(lib([verdict("magic_overlap 0 7f45 '' 0 7f46 ''"), verdict("magic_overlap 0 7f45 '' 1 45 ''")]));
    assert.deepEqual(r.stdout.trim().split("\n"), ["0", "1"]);
  });

  it("header_matches agrees with the kernel's test (matchesHeader) on real file bytes, and is false for a short file", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pqb-hdr-"));
    const cases = fc.sample(fc.tuple(entry, fc.uint8Array({ minLength: 0, maxLength: 14 })), { numRuns: 200, seed: 13 });
    const calls = cases.map(([e, bytes], i) => {
      // Half the files are built to match, so both answers are exercised.
      const h = i % 2 === 0 ? Uint8Array.from([...witness(e, e), ...bytes]) : bytes;
      const f = path.join(dir, `h${i}`);
      writeFileSync(f, h);
      return verdict(`header_matches ${f} ${e.offset} ${bytesToHex(e.magic)} ${bytesToHex(e.mask)}`);
    });
    const r = runScript(lib(calls));
    assert.equal(r.code, 0, r.stderr);
    const got = r.stdout.trim().split("\n");
    cases.forEach(([e, bytes], i) => {
      const h = i % 2 === 0 ? Uint8Array.from([...witness(e, e), ...bytes]) : bytes;
      assert.equal(got[i], matchesHeader(asRule(e), h) ? "1" : "0", JSON.stringify({ e, h: bytesToHex(h) }));
    });
  });

  it("entry_line recreates an entry from the kernel's text (magic, mask, interpreter, flags)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pqb-line-"));
    writeFileSync(path.join(dir, "qemu-x"), "enabled\ninterpreter /usr/bin/qemu-x\nflags: OCF\noffset 2\nmagic 7f3a\nmask ff00\n");
    writeFileSync(path.join(dir, "ext"), "disabled\ninterpreter /bin/true\nflags: \nextension .xyz\n");
    const r = runScript(lib([`entry_line ${dir} qemu-x`, `entry_line ${dir} ext`]));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, ":qemu-x:M:2:\\x7f\\x3a:\\xff\\x00:/usr/bin/qemu-x:OCF\n:ext:E::xyz::/bin/true:\n");
  });

  /** A simulated binfmt_misc directory: register, status and one file per entry, as the kernel prints them. */
  function mnt(entries: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), "pqb-mnt-"));
    writeFileSync(path.join(dir, "register"), "");
    writeFileSync(path.join(dir, "status"), "enabled\n");
    for (const [name, text] of Object.entries(entries)) writeFileSync(path.join(dir, name), text);
    return dir;
  }
  const kernelText = (e: Entry, state = "enabled") => `${state}\ninterpreter /usr/bin/x\nflags: F\noffset ${e.offset}\nmagic ${bytesToHex(e.magic)}\nmask ${bytesToHex(e.mask)}\n`;

  it("binfmt_magics lists each enabled magic entry once (offset, magic, mask or -, then the name) and skips disabled and extension entries", () => {
    const dir = mnt({
      "qemu-arm": "enabled\ninterpreter /usr/bin/qemu-arm-static\nflags: F\noffset 0\nmagic 7f454c46\nmask fffffffe\n",
      "no mask": "enabled\ninterpreter /bin/x\nflags: \noffset 3\nmagic 4d5a\n",
      "no offset": "enabled\ninterpreter /bin/x\nflags: \nmagic cafe\nmask ff00\n",
      off: "disabled\ninterpreter /bin/x\nflags: \noffset 0\nmagic 7f454c46\n",
      ext: "enabled\ninterpreter /bin/x\nflags: \nextension .jar\n",
      empty: "",
    });
    const r = runScript(lib([`binfmt_magics ${dir}`]));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n").sort(), ["0 7f454c46 fffffffe qemu-arm", "0 cafe ff00 no offset", "3 4d5a - no mask"]);
    const none = runScript(lib([`binfmt_magics ${mnt({})}; echo end`]));
    assert.equal(none.stdout, "end\n");
  });

  it("binfmt_conflicts names exactly the other enabled entries whose magic/mask overlaps (magic_overlap), never the rule's own name", () => {
    const cases = fc.sample(fc.tuple(entry, fc.array(fc.tuple(entry, fc.boolean()), { minLength: 1, maxLength: 6 })), { numRuns: 60, seed: 21 });
    const dirs = cases.map(([rule, others]) =>
      mnt({
        // the rule's own name is registered too, overlapping by construction: never reported
        "qemu-self": kernelText(rule),
        ...Object.fromEntries(others.map(([e, on], i) => [`other ${i}`, kernelText(e, on ? "enabled" : "disabled")])),
      }),
    );
    const calls = cases.map(([rule], i) => `binfmt_conflicts ${dirs[i]} qemu-self ${rule.offset} ${bytesToHex(rule.magic)} ${bytesToHex(rule.mask)} | sort | tr '\\n' ,; echo`);
    const r = runScript(lib(calls));
    assert.equal(r.code, 0, r.stderr);
    const got = r.stdout.split("\n");
    let reported = 0;
    cases.forEach(([rule, others], i) => {
      const expected = others
        .map(([e, on], k) => ({ name: `other ${k}`, hit: on && matchesHeader(asRule(e), witness(rule, e)) && matchesHeader(asRule(rule), witness(rule, e)) }))
        .filter((x) => x.hit)
        .map((x) => `${x.name},`)
        .sort()
        .join("");
      reported += expected === "" ? 0 : 1;
      assert.equal(got[i], expected, JSON.stringify({ rule, others }));
    });
    assert.ok(reported > 0 && reported < cases.length, "both answers occur");
  });

  it("magic_handler names the first enabled entry, in the directory's order, whose magic the file's bytes match, and nothing when none does", () => {
    const files = mkdtempSync(path.join(tmpdir(), "pqb-handler-"));
    const cases = fc.sample(fc.tuple(fc.array(fc.tuple(entry, fc.boolean()), { minLength: 1, maxLength: 5 }), fc.uint8Array({ minLength: 0, maxLength: 14 })), {
      numRuns: 80,
      seed: 5,
    });
    const lines: string[] = [];
    const expected = cases.map(([entries, bytes], i) => {
      // Every other file is built to match its first entry, so both answers are exercised.
      const first = entries[0]?.[0];
      const h = i % 2 === 0 && first ? Uint8Array.from([...witness(first, first), ...bytes]) : bytes;
      const f = path.join(files, `f${i}`);
      writeFileSync(f, h);
      const names = entries.map((_, k) => `e${k}`); // e0 < e1 < ...: the glob's order
      const dir = mnt(Object.fromEntries(entries.map(([e, on], k) => [names[k] ?? "", kernelText(e, on ? "enabled" : "disabled")])));
      lines.push(`magic_handler "$(binfmt_magics ${dir})" ${f}; echo .`);
      return entries.findIndex(([e, on]) => on && matchesHeader(asRule(e), h));
    });
    const r = runScript(lib(lines));
    assert.equal(r.code, 0, r.stderr);
    const got = r.stdout.split(".\n").slice(0, cases.length);
    expected.forEach((k, i) => assert.equal(got[i], k < 0 ? "" : `e${k}\n`, JSON.stringify(cases[i])));
    assert.ok(expected.some((k) => k >= 0) && expected.some((k) => k < 0), "both answers occur");
  });
});
