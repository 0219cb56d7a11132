/**
 * Loads the shipped shell scripts (`*.sh` beside this file in src/, copied beside the compiled file by
 * the build). Read once per process.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

const cache = new Map<string, string>();

export function loadScript(name: string): string {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  const candidates = [path.join(__dirname, name), path.resolve(__dirname, "..", "..", "..", "..", "src", "host", "scripts", name)];
  const file = candidates.find((p) => existsSync(p));
  if (file === undefined) throw new Error(`internal: script ${name} not found (looked in ${candidates.join(", ")})`);
  const text = readFileSync(file, "utf8");
  cache.set(name, text);
  return text;
}
