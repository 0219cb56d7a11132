/**
 * Where the remote scripts' text comes from: the `.sh` files in this folder, read once per process.
 * They sit beside this module wherever it runs: in src/host/scripts under tsx (the unit tests), and in
 * <outDir>/src/host/scripts after a build, because every build copies them there
 * (dev/scripts/copy-scripts.mjs, run by `npm run build` and by the benchmark's own compile); the
 * package's "files" ship dist/src, so an installed package carries them too.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { stripComments } from "../strip-comments";

/** Every shipped script, in the order a rendered script may concatenate them. */
export const SCRIPT_FILES = [
  "prelude.sh",
  "bundle.sh",
  "lock.sh",
  "units.sh",
  "elf.sh",
  "binfmt-entries.sh",
  "observe.sh",
  "packages.sh",
  "image.sh",
  "rule.sh",
  "skipped-rule.sh",
  "check.sh",
] as const;
export type ScriptFile = (typeof SCRIPT_FILES)[number];

const cache = new Map<ScriptFile, string>();

/** The text of one shipped script. Throws naming the path when the file is missing (a build without the copy step). */
export function scriptText(file: ScriptFile): string {
  const cached = cache.get(file);
  if (cached !== undefined) return cached;
  const where = path.join(__dirname, file);
  let text: string;
  try {
    text = readFileSync(where, "utf8");
  } catch (e) {
    throw new Error(
      `pulumi-qemu-binfmt: the remote script ${file} is missing at ${where} (${(e as Error).message}); a build must copy src/host/scripts/*.sh beside the compiled .js (node dev/scripts/copy-scripts.mjs <outDir>)`,
    );
  }
  cache.set(file, text);
  return text;
}

const shipped = new Map<ScriptFile, string>();

/**
 * The text of one shipped script as a host receives it: without full-line comments and blank lines
 * (../strip-comments.ts; they would be stored twice per command in the Pulumi state), read once per process.
 */
export function shippedText(file: ScriptFile): string {
  let text = shipped.get(file);
  if (text === undefined) {
    text = stripComments(scriptText(file));
    shipped.set(file, text);
  }
  return text;
}
