/**
 * Runs a rendered remote script locally the way a host does (`sh -s ACTION`, the text on stdin), with
 * optional text substitutions that point it at a sandbox (e.g. MNT at a simulated binfmt_misc
 * directory). Each substitution must apply, so a renamed variable cannot silently test the real path.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

export interface ScriptRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runScript(stdin: string, args: readonly string[] = [], replace: readonly (readonly [string, string])[] = []): ScriptRun {
  let text = stdin;
  for (const [from, to] of replace) {
    assert.ok(text.includes(from), `the script contains ${JSON.stringify(from)}`);
    text = text.split(from).join(to);
  }
  const r = spawnSync("sh", ["-s", ...args], { input: text, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
