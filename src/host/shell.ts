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
import { BUNDLE_LOADER, BUNDLE_ROOT, fallbackText, scriptBundle } from "./bundle";
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
  /** How the files reach the host. Default Shipping.Inline. */
  readonly shipping?: Shipping;
  /**
   * The install step's delete action (`remove`): after it, when no stack records units on the host any more,
   * the bundle and its staged copy go too (bundle.sh bundle_retire). Bundled scripts only.
   */
  readonly retireBundleOn?: string;
}

/** How a rendered script's files reach the host (./bundle.ts, ./scripts/bundle.sh). */
export enum Shipping {
  /** Their text in the stdin: a script that runs before the bundle exists (the observation) or unprivileged. */
  Inline = "inline",
  /** Sourced from the host's script bundle, installed and checked first; no bundle, no run (the check). */
  Bundle = "bundle",
  /** From the bundle; the stdin also carries the files compressed, run when the bundle is gone (a delete). */
  BundleOrCarried = "bundle-or-carried",
}

/**
 * The text given to `sh -s` on stdin: the variables, prelude.sh, then the files (without their comments
 * and blank lines; each after a `# --- <file>` line for the reader of a diff), all inside ONE brace
 * group read from /dev/null. sh parses the whole group before running any of it, so a command that
 * reads stdin (apt, sudo, docker) cannot swallow the rest of the script.
 */
export function renderScript(spec: ScriptSpec): string {
  const vars = shellVars({ LABEL: spec.label, ...spec.vars });
  const shipping = spec.shipping ?? Shipping.Inline;
  if (shipping === Shipping.Inline) return group([vars, ...(["prelude.sh", ...spec.files] as const).map(section)]);
  const carried = shipping === Shipping.BundleOrCarried ? fallbackText(spec.files) : "";
  return group([
    vars,
    ...loader(carried),
    "if bundle_ready; then",
    ...(["prelude.sh", ...spec.files] as const).map(sourced),
    "else",
    "_bfb=$(bundle_fallback) || exit 1",
    'eval "$_bfb"',
    "fi",
    ...(spec.retireBundleOn === undefined ? [] : [`if [ "\${1:-}" = ${actionWord(spec.retireBundleOn)} ]; then bundle_retire; fi`]),
  ]);
}

/** The bundle's variables and ./scripts/bundle.sh: what a bundled script runs before its files. */
function loader(carried: string): string[] {
  const b = scriptBundle();
  return [shellVars({ BUNDLE: b.hash, BUNDLE_ROOT, BUNDLE_STAGED: b.staged, BUNDLE_FALLBACK: carried }), section(BUNDLE_LOADER)];
}

/** A file of the host's bundle, sourced (after bundle_ready checked the directory). */
function sourced(f: ScriptFile): string {
  return `. "$BUNDLE_DIR/${f}"`;
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
export function renderSteps(label: string, steps: readonly ScriptStep[], shipping: Shipping.Inline | Shipping.Bundle = Shipping.Inline): string {
  const inline = shipping === Shipping.Inline;
  const body = [shellVars({ LABEL: label }), ...(inline ? [section("prelude.sh")] : [...loader(""), "bundle_ready || bundle_missing", sourced("prelude.sh")])];
  for (const s of steps) body.push(shellVars(s.vars), ...s.files.map(inline ? section : sourced));
  return group(body);
}

/**
 * The command line that runs a rendered script (given on stdin) with ACTION as its first argument.
 * Privilege.Sudo: `sudo -n sh -s ACTION`, so a sudo that would prompt fails at once instead of hanging
 * (remote commands have no terminal). `undefined`: the login user, unprivileged.
 */
export function shellCommand(privilege: Privilege | undefined, action?: string): string {
  if (action !== undefined) actionWord(action);
  const sh = action === undefined ? "sh -s" : `sh -s ${action}`;
  return privilege === Privilege.Sudo ? `sudo -n ${sh}` : sh;
}

/** A script action (a word of lower-case letters and dashes), as is; throws on anything else. */
function actionWord(a: string): string {
  if (!/^[a-z][a-z-]*$/.test(a)) throw new Error(`bad script action ${JSON.stringify(a)}`);
  return a;
}
