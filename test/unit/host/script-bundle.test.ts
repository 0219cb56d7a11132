/**
 * The script bundle on a host (src/host/bundle.ts, src/host/scripts/bundle.sh), run for real with sh in a
 * scratch directory standing in for the host: BUNDLE_ROOT is pointed there, the staged copy sits in the
 * working directory (the login's home on a host). Root only (the checks are about root's ownership).
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { BUNDLE_ROOT, scriptBundle } from "../../../src/host/bundle";
import { Shipping, renderScript, renderSteps } from "../../../src/host/shell";

const root = process.getuid?.() === 0;
let dir = "";
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pqb-bundle-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh host: an empty library root, and the staged bundle in the home directory unless told otherwise. */
function host(staged: string | null = scriptBundle().text): { home: string; lib: string } {
  const h = mkdtempSync(path.join(dir, "host-"));
  chmodSync(h, 0o755);
  const home = path.join(h, "home");
  mkdirSync(home);
  if (staged !== null) {
    mkdirSync(path.join(home, path.dirname(scriptBundle().staged)), { recursive: true });
    writeFileSync(path.join(home, scriptBundle().staged), staged);
  }
  return { home, lib: path.join(h, "pulumi-qemu-binfmt", "lib") };
}

function skipped(shipping: Shipping): string {
  return renderScript({ label: "b-1", vars: { TARGET: "i386", NAME: "qemu-i386", REASON: "native" }, files: ["skipped-rule.sh"], shipping });
}

function run(script: string, h: { home: string; lib: string }, action = "apply"): { code: number; stdout: string; stderr: string } {
  const text = script.replace(`BUNDLE_ROOT='${BUNDLE_ROOT}'`, `BUNDLE_ROOT='${h.lib}'`);
  assert.notEqual(text, script, "the script names BUNDLE_ROOT");
  const r = spawnSync("sh", ["-s", action], { input: text, cwd: h.home, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("the script bundle on a host", { skip: root ? false : "needs root (the bundle must be root's)" }, () => {
  it("installs the staged copy as root's (0755 directory, 0644 files) and runs the command's files from it", () => {
    const h = host();
    const r = run(skipped(Shipping.Bundle), h);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"skipped":"native"/);
    const installed = path.join(h.lib, scriptBundle().hash);
    assert.equal(statSync(installed).mode & 0o777, 0o755);
    for (const f of ["prelude.sh", "rule.sh", "skipped-rule.sh"]) {
      const st = statSync(path.join(installed, f));
      assert.equal([st.uid, st.mode & 0o777].join(" "), "0 420", f);
    }
    assert.equal(readFileSync(path.join(installed, "bundle"), "utf8"), scriptBundle().text);
  });

  it("refuses a staged copy that is not the one sent (its sha256 differs), and installs nothing", () => {
    const h = host(scriptBundle().text.replace("set -eu", "set -eu; touch /tmp/owned"));
    const r = run(skipped(Shipping.Bundle), h);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^b-1: the staged script bundle .* is not the one this program sent/);
    assert.equal(existsSync(path.join(h.lib, scriptBundle().hash)), false);
  });

  for (const [what, spoil] of [
    ["writable by others", (p: string) => chmodSync(p, 0o757)],
    ["writable by its group", (p: string) => chmodSync(p, 0o775)],
    ["owned by another user", (p: string) => chownSync(p, 1234, 0)],
  ] as const) {
    it(`refuses to run a bundle directory ${what}, naming it, and runs nothing`, () => {
      const h = host();
      assert.equal(run(skipped(Shipping.Bundle), h).code, 0);
      const installed = path.join(h.lib, scriptBundle().hash);
      spoil(installed);
      const r = run(skipped(Shipping.BundleOrCarried), h);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, new RegExp(`^b-1: refusing to run the script bundle: ${installed} is not owned by root alone`));
    });
  }

  it("refuses a bundle file writable by others, and a library root owned by another user", () => {
    const h = host();
    assert.equal(run(skipped(Shipping.Bundle), h).code, 0);
    const file = path.join(h.lib, scriptBundle().hash, "prelude.sh");
    chmodSync(file, 0o646);
    assert.match(run(skipped(Shipping.Bundle), h).stderr, new RegExp(`refusing to run the script bundle: ${file} `));
    chmodSync(file, 0o644);
    chownSync(h.lib, 1234, 1234);
    assert.match(run(skipped(Shipping.Bundle), h).stderr, new RegExp(`refusing to run the script bundle: ${h.lib} `));
  });

  it("with neither the bundle nor the staged copy, a command that carries its files runs them; one that does not fails, saying how to copy it again", () => {
    const h = host(null);
    const carried = run(skipped(Shipping.BundleOrCarried), h);
    assert.equal(carried.code, 0, carried.stderr);
    assert.match(carried.stdout, /"skipped":"native"/);
    const bare = run(skipped(Shipping.Bundle), h);
    assert.equal(bare.code, 1);
    assert.match(bare.stderr, /^b-1: the script bundle is missing: .*pulumi up --replace/);
  });

  it("after the install step's delete, removes the bundle and its staged copy once no stack records units on the host, and keeps them while one does", () => {
    const h = host();
    const script = renderScript({
      label: "b-1",
      vars: { TARGET: "i386", NAME: "qemu-i386", REASON: "native" },
      files: ["skipped-rule.sh"],
      shipping: Shipping.BundleOrCarried,
      retireBundleOn: "remove",
    });
    const units = path.join(path.dirname(h.lib), "units");
    mkdirSync(units, { recursive: true });
    assert.equal(run(script, h, "remove").code, 0);
    assert.ok(existsSync(path.join(h.lib, scriptBundle().hash)), "another stack's units remain: the bundle stays");
    rmSync(units, { recursive: true });
    assert.equal(run(script, h, "apply").code, 0);
    assert.ok(existsSync(path.join(h.lib, scriptBundle().hash)), "only the delete action retires it");
    const r = run(script, h, "remove");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(path.dirname(h.lib)), false, "the bundle and /var/lib/pulumi-qemu-binfmt are gone");
    assert.equal(existsSync(path.join(h.home, scriptBundle().staged)), false, "the staged copy is gone");
  });

  it("runs a several-step script (the host check) from the bundle, its files once per step", () => {
    const h = host();
    const steps = ["i386", "x86_64"].map((t) => ({ vars: { TARGET: t, NAME: `qemu-${t}`, REASON: "native" }, files: ["skipped-rule.sh"] as const }));
    const r = run(renderSteps("b-1", steps, Shipping.Bundle), h);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split("\n").length, 2);
  });

  it("keeps the stdin of a bundled command small: its variables, the hash and the loader, not the files", () => {
    const inline = skipped(Shipping.Inline).length;
    const rule = renderScript({ label: "b-1", vars: {}, files: ["lock.sh", "units.sh", "elf.sh", "binfmt-entries.sh", "rule.sh"], shipping: Shipping.Bundle });
    const ruleInline = renderScript({ label: "b-1", vars: {}, files: ["lock.sh", "units.sh", "elf.sh", "binfmt-entries.sh", "rule.sh"] });
    assert.ok(rule.length < ruleInline.length / 4, `${rule.length} vs ${ruleInline.length} bytes inline`);
    assert.ok(inline > 0);
  });
});
