import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CATALOGUE, MaskPolicy, PROBE_EXIT_STATUS, buildRule, matchesHeader, probeElf, probeTargets, entriesOverlap } from "../../../src/binfmt";

describe("probe executables", () => {
  it("each matches its own target's rule and no other catalogue rule, under both mask policies", () => {
    for (const t of probeTargets()) {
      const probe = probeElf(t);
      if (probe === undefined) throw new Error(`no probe for ${t}`);
      const bytes: Uint8Array = probe;
      for (const mask of [MaskPolicy.IgnoreAbiVersion, MaskPolicy.Qemu]) {
        const matching: string[] = CATALOGUE.filter((c) => matchesHeader(buildRule(c, { mask }), bytes)).map((c) => c.name);
        assert.deepEqual(matching, [t === "i486" ? "i386" : t], `${t} (${mask})`);
      }
    }
  });

  it(
    "the x86 probes run natively on this x86_64 machine and exit 42; the ARM ones do not (no emulation here)",
    { skip: process.arch !== "x64" ? "needs an x86_64 machine" : false },
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), "pqb-probe-"));
      try {
        const status = (t: string) => {
          const f = path.join(dir, t);
          writeFileSync(f, probeElf(t) as Uint8Array);
          chmodSync(f, 0o700);
          return spawnSync(f, [], { stdio: "ignore" }).status;
        };
        assert.equal(status("x86_64"), PROBE_EXIT_STATUS);
        assert.equal(status("i386"), PROBE_EXIT_STATUS, "this kernel runs 32-bit x86 (IA32 emulation)");
        assert.notEqual(status("aarch64"), PROBE_EXIT_STATUS);
        assert.notEqual(status("arm"), PROBE_EXIT_STATUS);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("has no probe for formats whose native/foreign question the family rule cannot get wrong here", () => {
    assert.equal(probeElf("riscv64"), undefined);
  });
});

describe("entriesOverlap (conflict detection)", () => {
  const aarch64 = buildRule("aarch64", { interpreterDir: "/usr/bin", interpreterSuffix: "" });
  it("an identical copy overlaps; another machine does not", () => {
    assert.equal(entriesOverlap(aarch64, { ...aarch64 }), true);
    assert.equal(entriesOverlap(aarch64, buildRule("arm")), false);
    assert.equal(entriesOverlap(aarch64, buildRule("riscv64")), false);
  });
  it("a looser mask over the same machine overlaps (QEMU's mask against the relaxed one)", () => {
    assert.equal(entriesOverlap(buildRule("aarch64", { mask: MaskPolicy.Qemu }), aarch64), true);
  });
  it("no two catalogue targets overlap", () => {
    for (const a of CATALOGUE) for (const b of CATALOGUE) if (a !== b) assert.equal(entriesOverlap(buildRule(a), buildRule(b)), false, `${a.name} vs ${b.name}`);
  });
});
