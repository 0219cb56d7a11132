#!/usr/bin/env node
// Copies the remote scripts (src/host/scripts/*.sh) beside their compiled modules in OUTDIR
// (OUTDIR/src/host/scripts), where src/host/scripts/load.ts reads them. Run after every tsc that emits
// the package: `npm run build` (dist) and the benchmark's compile (dev/bench/work/pkg/dist).
// Usage: node dev/scripts/copy-scripts.mjs OUTDIR
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const outDir = process.argv[2];
if (!outDir) {
  console.error("usage: node dev/scripts/copy-scripts.mjs OUTDIR");
  process.exit(2);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const from = path.join(root, "src/host/scripts");
const to = path.resolve(outDir, "src/host/scripts");
mkdirSync(to, { recursive: true });
const files = readdirSync(from).filter((f) => f.endsWith(".sh"));
for (const f of files) copyFileSync(path.join(from, f), path.join(to, f));
console.log(`copy-scripts: ${files.length} scripts -> ${path.relative(process.cwd(), to) || "."}`);
