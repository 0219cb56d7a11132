/**
 * A sandbox for the rule script: a temp dir with a SIMULATED binfmt_misc directory (the script's MNT
 * variable is pointed there; the kernel is simulated by pre-written entry files), a bin dir with a fake
 * static interpreter and a binfmt.d dir. Nothing outside the temp dir is touched.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { planHost, RulePlan } from "../../../src/host/plan";
import { parseHostArgs } from "../../../src/component/validate";
import { BINFMT_MISC, HOST_LOCK_FILE, RuleAction, RuleScriptInput, ruleScript } from "../../../src/host/scripts/rule";
import { DEBIAN12_FACTS, observed } from "../component/harness";
import { runScript, ScriptRun } from "./run-script";

/** A minimal ELF64 little-endian executable header with a PT_LOAD and, optionally, a PT_INTERP. */
export function fakeElf(dynamic: boolean, machine = 0x3e): Buffer {
  const phnum = dynamic ? 2 : 1;
  const b = Buffer.alloc(64 + 56 * phnum);
  b.write("\x7fELF", 0, "latin1");
  b[4] = 2; // ELFCLASS64
  b[5] = 1; // little-endian
  b[6] = 1;
  b.writeUInt16LE(2, 16);
  b.writeUInt16LE(machine, 18);
  b.writeBigUInt64LE(64n, 32); // e_phoff
  b.writeUInt16LE(64, 52);
  b.writeUInt16LE(56, 54); // e_phentsize
  b.writeUInt16LE(phnum, 56);
  b.writeUInt32LE(1, 64); // PT_LOAD
  if (dynamic) b.writeUInt32LE(3, 64 + 56); // PT_INTERP
  return b;
}

export interface Sandbox {
  root: string;
  mnt: string;
  bin: string;
  etc: string;
  plan: RulePlan;
}

export function sandbox(architectures: string[] = ["aarch64"]): Sandbox {
  const root = mkdtempSync(path.join(tmpdir(), "pqb-rule-"));
  const mnt = path.join(root, "binfmt_misc");
  const bin = path.join(root, "bin");
  const etc = path.join(root, "etc", "binfmt.d");
  mkdirSync(mnt, { recursive: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(mnt, "register"), "");
  for (const a of architectures) {
    const interp = path.join(bin, `qemu-${a}-static`);
    writeFileSync(interp, fakeElf(false));
    chmodSync(interp, 0o755);
  }
  const config = parseHostArgs("t", { connection: { host: "h" }, architectures, configDir: etc, interpreterDir: bin });
  const plan = planHost(config, observed(DEBIAN12_FACTS), "t (root@h:22)").rules[0];
  if (plan === undefined) throw new Error("no rule");
  return { root, mnt, bin, etc, plan };
}

/** Runs the rule script in the sandbox; EXTRA: further substitutions, applied after the sandbox's own. */
export function run(
  s: Sandbox,
  action: RuleAction,
  input: RuleScriptInput = s.plan.script,
  fakeBin?: string,
  before?: string,
  extra: readonly (readonly [string, string])[] = [],
): ScriptRun {
  const replace: [string, string][] = [
    [`MNT='${BINFMT_MISC}'`, `MNT='${s.mnt}'`],
    [`LOCK_FILE='${HOST_LOCK_FILE}'`, `LOCK_FILE='${path.join(s.root, "lock")}'`],
  ];
  // Stand-in commands (uname, mount) first on the script's PATH.
  if (fakeBin !== undefined) replace.push(["\nPATH=/usr/local/sbin:", `\nPATH=${fakeBin}:/usr/local/sbin:`]);
  // A command run before the script (e.g. a umask), as the login shell of a host would.
  if (before !== undefined) replace.push(["{\nLABEL=", `${before}\n{\nLABEL=`]);
  return runScript(ruleScript(input), [action], [...replace, ...extra]);
}

/** A directory with stand-in commands: NAME prints OUT on stdout, ERR on stderr and exits with CODE. */
export function fakeCommands(s: Sandbox, commands: Record<string, { out?: string; err?: string; code: number }>): string {
  const dir = path.join(s.root, "fakebin");
  mkdirSync(dir, { recursive: true });
  for (const [name, c] of Object.entries(commands)) {
    const f = path.join(dir, name);
    writeFileSync(f, `#!/bin/sh\nprintf '%s' '${c.out ?? ""}'\nprintf '%s' '${c.err ?? ""}' >&2\nexit ${c.code}\n`);
    chmodSync(f, 0o755);
  }
  return dir;
}

/** What the kernel prints for the rendered rule (the simulated registration). */
export function kernelText(i: RuleScriptInput, over: Partial<Record<"state" | "interpreter" | "flags" | "magic", string>> = {}): string {
  const e = i.expected;
  return `${over.state ?? "enabled"}\ninterpreter ${over.interpreter ?? e.interpreter}\nflags: ${over.flags ?? e.flags}\noffset ${e.offset}\nmagic ${over.magic ?? e.magic}\nmask ${e.mask}\n`;
}
