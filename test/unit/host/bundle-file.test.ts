// The bundle's local copy (src/host/bundle.ts bundleFile) lives in a directory whose name is predictable in a
// shared /tmp: it is used only when it is this user's alone, and its temporary file is created exclusively.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleFile, scriptBundle } from "../../../src/host/bundle";

function withTmpdir<T>(dir: string, f: () => T): T {
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
}

const ownDir = (base: string): string => join(base, `pulumi-qemu-binfmt-${process.getuid?.() ?? "user"}`);

describe("the bundle's local copy", () => {
  it("is written once into a directory of this user's alone and holds the bundle's text", () => {
    const base = mkdtempSync(join(tmpdir(), "pqb-bundle-file-"));
    const file = withTmpdir(base, () => bundleFile());
    assert.equal(file, join(ownDir(base), `bundle-${scriptBundle().hash}`));
    assert.equal(readFileSync(file, "utf8"), scriptBundle().text);
  });

  it("refuses a directory that is a symlink planted by someone else", () => {
    const base = mkdtempSync(join(tmpdir(), "pqb-bundle-file-"));
    const elsewhere = mkdtempSync(join(tmpdir(), "pqb-bundle-elsewhere-"));
    symlinkSync(elsewhere, ownDir(base));
    assert.throws(() => withTmpdir(base, () => bundleFile()), /is not a directory of this user's alone/);
  });

  it("refuses a directory others can write to", () => {
    const base = mkdtempSync(join(tmpdir(), "pqb-bundle-file-"));
    mkdirSync(ownDir(base));
    chmodSync(ownDir(base), 0o777);
    assert.throws(() => withTmpdir(base, () => bundleFile()), /writable by others/);
  });
});
