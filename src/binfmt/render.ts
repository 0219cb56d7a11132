import { BinfmtRule } from "./rule";

/**
 * `:name:type:offset:magic:mask:interpreter:flags`, the line written to
 * /proc/sys/fs/binfmt_misc/register and into binfmt.d files. Offset 0 is written empty, as QEMU's
 * script and the "Jetson Containers" article do.
 */
export function renderRegisterString(rule: BinfmtRule): string {
  const offset = rule.offset === 0 ? "" : String(rule.offset);
  return `:${rule.name}:${rule.type}:${offset}:${rule.magic}:${rule.mask}:${rule.interpreter}:${rule.flags}`;
}

/** binfmt.d lines starting with '#' or ';' are comments (systemd-binfmt, binfmt.d(5)). */
export const MANAGED_MARKER = "# Managed by pulumi-qemu-binfmt; local changes are overwritten.";

/** Content of the binfmt.d file for one rule: the marker comment, the registration line, a newline. */
export function renderBinfmtDFile(rule: BinfmtRule): string {
  return `${MANAGED_MARKER}\n${renderRegisterString(rule)}\n`;
}

/**
 * "qemu-aarch64.conf": the basename Debian's packages use (/usr/lib/binfmt.d/qemu-aarch64.conf), so our
 * file in /etc/binfmt.d masks the packaged one instead of registering the same name twice.
 */
export function binfmtDFileName(rule: BinfmtRule): string {
  return `${rule.name}.conf`;
}
