/**
 * The remote scripts travel with the package: `npm run build` copies src/host/scripts/*.sh beside the
 * compiled modules, the package's "files" ship them (npm pack), and the compiled code renders exactly
 * the text the sources render under tsx. (The benchmark's own compile runs the same copy step:
 * dev/bench/bench.sh.)
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { SCRIPT_FILES } from "../../src/host/scripts/load";
import { packagesScript } from "../../src/host/scripts/packages";

const ROOT = path.resolve(__dirname, "../..");

describe("the shipped remote scripts", { timeout: 5 * 60_000 }, () => {
  it("are beside the compiled modules after npm run build, in the npm pack file list, and render the same text", async () => {
    execFileSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: "pipe" });
    for (const f of SCRIPT_FILES) assert.ok(existsSync(path.join(ROOT, "dist/src/host/scripts", f)), `dist has ${f}`);
    const pack = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8" })) as { files: { path: string }[] }[];
    const files = new Set((pack[0]?.files ?? []).map((f) => f.path));
    for (const f of SCRIPT_FILES) assert.ok(files.has(`dist/src/host/scripts/${f}`), `the package ships dist/src/host/scripts/${f}`);
    const compiled = (await import(path.join(ROOT, "dist/src/host/scripts/packages.js"))) as { packagesScript: typeof packagesScript };
    const input = { label: "l", packages: ["qemu-user-static"], lockTimeoutSeconds: 5 };
    assert.equal(compiled.packagesScript(input), packagesScript(input));
  });
});
