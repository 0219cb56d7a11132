/**
 * Shell plumbing for the remote scripts: quoting, the common prelude and how a script is handed to the
 * login shell (as root, or through `sudo -n`). Pure string functions.
 */
import { Privilege } from "./enums";

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

/**
 * Every script starts with this: strict mode, a predictable PATH and locale (apt's messages are matched
 * in English), and helpers:
 * - `fail MSG` prints "LABEL: MSG" on stderr and exits 1 (a non-zero exit fails the Pulumi resource and
 *   the message reaches the Pulumi log);
 * - `note MSG` prints "LABEL: MSG" on stderr;
 * - `js VALUE` prints VALUE as a JSON string (quotes and backslashes escaped, control characters
 *   dropped), so scripts can print one JSON object on stdout.
 */
export function prelude(label: string): string {
  return [
    "set -eu",
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LC_ALL=C",
    "export PATH LC_ALL",
    `LABEL=${shellQuote(label)}`,
    `fail() { printf '%s: %s\\n' "$LABEL" "$*" >&2; exit 1; }`,
    `note() { printf '%s: %s\\n' "$LABEL" "$*" >&2; }`,
    `js() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g' | tr -d '\\000-\\037')"; }`,
  ].join("\n");
}

/**
 * The command line that runs SCRIPT on the host. The login shell (whatever it is) only sees
 * `sh -c '<script>'`; for a non-root user with Privilege.Sudo it is `sudo -n sh -c '<script>'`, so a sudo
 * that would prompt fails at once instead of hanging (remote commands have no terminal).
 */
export function runAs(privilege: Privilege, script: string): string {
  const sh = `sh -c ${shellQuote(script)}`;
  return privilege === Privilege.Sudo ? `sudo -n ${sh}` : sh;
}

/** Run SCRIPT as the login user, unprivileged. */
export function runUnprivileged(script: string): string {
  return `sh -c ${shellQuote(script)}`;
}
