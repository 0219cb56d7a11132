/**
 * Shell plumbing for the remote scripts: quoting, rendering a script from its shipped `.sh` files, and
 * the short command line that runs it (as root, or through `sudo -n`). Pure string functions, apart
 * from reading the shipped files (./scripts/load.ts).
 *
 * A script reaches the host on the command's stdin, never on its command line: the command line is
 * `sh -s ACTION` (`sudo -n sh -s ACTION`), so the text the command provider echoes in its error
 * (`Process exited with status 1: running "<command line>":` then the output) stays a few dozen
 * characters and the script's own message comes right after it.
 */
import { Privilege } from "./enums";
import { ScriptFile, shippedText } from "./scripts/load";

/**
 * Quote any string as ONE POSIX shell word. Single quotes keep everything literal (backslashes,
 * `$`, backticks, newlines); an embedded `'` becomes `'\''`.
 */
export function shellQuote(value: string): string {
  if (value.includes("\0")) throw new Error(`cannot pass a NUL byte to a shell: ${JSON.stringify(value)}`);
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `NAME=<quoted value>` lines that define script variables. */
export function shellVars(vars: Readonly<Record<string, string>>): string {
  return Object.entries(vars)
    .map(([k, v]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new Error(`bad shell variable name ${JSON.stringify(k)}`);
      return `${k}=${shellQuote(v)}`;
    })
    .join("\n");
}

export interface ScriptSpec {
  /** Host label, the prefix of every message (`fail`, `note`). */
  readonly label: string;
  /** The script's parameters: the ONLY way a value reaches a script (quoted by shellVars). */
  readonly vars: Readonly<Record<string, string>>;
  /** Shipped files after prelude.sh, libraries first, the script with the actions last. */
  readonly files: readonly ScriptFile[];
}

/**
 * The text given to `sh -s` on stdin: the variables, prelude.sh, then the files (without their comments
 * and blank lines; each after a `# --- <file>` line for the reader of a diff), all inside ONE brace
 * group read from /dev/null. sh parses the whole group before running any of it, so a command that
 * reads stdin (apt, sudo, docker) cannot swallow the rest of the script.
 */
export function renderScript(spec: ScriptSpec): string {
  return group([shellVars({ LABEL: spec.label, ...spec.vars }), ...(["prelude.sh", ...spec.files] as const).map(section)]);
}

/** The parts as ONE brace group read from /dev/null (see renderScript). */
function group(parts: readonly string[]): string {
  return `{\n${parts.join("\n")}\n} </dev/null\n`;
}

/** One step of a script that runs the same files several times with other variables (renderSteps). */
export interface ScriptStep {
  readonly vars: Readonly<Record<string, string>>;
  readonly files: readonly ScriptFile[];
}

/** A shipped file as a section of a rendered script. */
function section(f: ScriptFile): string {
  return `# --- ${f}\n${shippedText(f).trimEnd()}`;
}

/**
 * Like renderScript, for a script of several steps in ONE session: LABEL and prelude.sh once, then per step
 * its variables and its files, in order (e.g. the acceptance check of each target, ./scripts/check.ts). A
 * step's `fail` ends the whole script: the steps after it do not run.
 */
export function renderSteps(label: string, steps: readonly ScriptStep[]): string {
  const body = [shellVars({ LABEL: label }), section("prelude.sh")];
  for (const s of steps) body.push(shellVars(s.vars), ...s.files.map(section));
  return group(body);
}

/**
 * The command line that runs a rendered script (given on stdin) with ACTION as its first argument.
 * Privilege.Sudo: `sudo -n sh -s ACTION`, so a sudo that would prompt fails at once instead of hanging
 * (remote commands have no terminal). `undefined`: the login user, unprivileged.
 */
export function shellCommand(privilege: Privilege | undefined, action?: string): string {
  if (action !== undefined && !/^[a-z][a-z-]*$/.test(action)) throw new Error(`bad script action ${JSON.stringify(action)}`);
  const sh = action === undefined ? "sh -s" : `sh -s ${action}`;
  return privilege === Privilege.Sudo ? `sudo -n ${sh}` : sh;
}
