/**
 * Versions: Debian package versions (ordering, the `packageVersion` constraint, which version apt is
 * asked for) and the QEMU version an interpreter reports about itself. Pure.
 *
 * Ordering follows deb-version(7) as dpkg implements it (`dpkg --compare-versions`): epoch numerically,
 * then upstream version and Debian revision, each compared as alternating non-digit and digit runs;
 * in non-digit runs letters sort before other characters and `~` before everything, even the end.
 */

/** A `packageVersion` constraint: an exact version, or a minimum. */
export interface VersionConstraint {
  readonly op: "=" | ">=";
  readonly version: string;
  /** As the user wrote it, for messages. */
  readonly text: string;
}

const DEB_VERSION = /^(\d+:)?[0-9][A-Za-z0-9.+~-]*$/;

/**
 * Is `v` a syntactically valid Debian version ([epoch:]upstream[-revision], upstream starting with a digit)?
 * Also what `dpkg --compare-versions` refuses (dpkg's parseversion): an empty revision ("1.0-") and an
 * epoch above INT_MAX ("epoch in version is too big").
 */
export function isDebianVersion(v: string): boolean {
  if (!DEB_VERSION.test(v) || v.endsWith("-")) return false;
  const colon = v.indexOf(":");
  return colon < 0 || Number(v.slice(0, colon)) <= 2147483647;
}

/**
 * Parse "1:7.2+dfsg-7+deb12u7" or "=1:7.2+dfsg-7+deb12u7" (exactly that version) or ">=1:8.0" (that
 * version or a later one). Throws an Error quoting the value when it is neither.
 */
export function parseVersionConstraint(text: string): VersionConstraint {
  const m = /^\s*(>=|=)?\s*(\S+)\s*$/.exec(text);
  const version = m?.[2] ?? "";
  if (m === null || !isDebianVersion(version)) {
    throw new Error(
      `invalid version constraint ${JSON.stringify(text)}: expected a Debian version (exactly that one), "=VERSION" (the same) or ">=VERSION" (that one or later), e.g. "1:7.2+dfsg-7+deb12u7" or ">=1:8.0"`,
    );
  }
  return { op: m[1] === ">=" ? ">=" : "=", version, text: text.trim() };
}

function order(c: string): number {
  if (c === "~") return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp: one of upstream version or revision. */
function compareParts(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let first = 0;
    while ((i < a.length && !/\d/.test(a.charAt(i))) || (j < b.length && !/\d/.test(b.charAt(j)))) {
      const ac = i < a.length && !/\d/.test(a.charAt(i)) ? order(a.charAt(i)) : 0;
      const bc = j < b.length && !/\d/.test(b.charAt(j)) ? order(b.charAt(j)) : 0;
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charAt(i) === "0") i++;
    while (b.charAt(j) === "0") j++;
    while (/\d/.test(a.charAt(i)) && /\d/.test(b.charAt(j))) {
      if (first === 0) first = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (/\d/.test(a.charAt(i))) return 1;
    if (/\d/.test(b.charAt(j))) return -1;
    if (first !== 0) return first;
  }
  return 0;
}

function split(v: string): { epoch: number; upstream: string; revision: string } {
  const colon = v.indexOf(":");
  const epoch = colon > 0 ? Number.parseInt(v.slice(0, colon), 10) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf("-");
  return dash > 0 ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) } : { epoch, upstream: rest, revision: "" };
}

/** < 0, 0, > 0 as `a` sorts before, equal to, or after `b` (`dpkg --compare-versions`). */
export function compareDebianVersions(a: string, b: string): number {
  const x = split(a);
  const y = split(b);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  const u = compareParts(x.upstream, y.upstream);
  return u !== 0 ? u : compareParts(x.revision, y.revision);
}

export function satisfies(version: string, c: VersionConstraint): boolean {
  const cmp = compareDebianVersions(version, c.version);
  return c.op === "=" ? cmp === 0 : cmp >= 0;
}

/**
 * The version apt is asked for under a constraint, from the versions the host's repositories offer
 * (and the installed one, which apt can always keep): the exact version, or for a minimum the first of
 * `preferred` (the installed version, then apt's candidate) that satisfies it, else the highest one
 * that does. undefined when none satisfies it.
 */
export function chooseVersion(available: readonly string[], preferred: readonly string[], c: VersionConstraint): string | undefined {
  const ok = available.filter((v) => satisfies(v, c));
  if (ok.length === 0) return undefined;
  const first = preferred.find((v) => v !== "" && ok.includes(v));
  if (c.op === ">=" && first !== undefined) return first;
  return [...ok].sort(compareDebianVersions).pop();
}

/** What an interpreter says about itself: `qemu-aarch64 --version`, first line. */
export interface QemuVersion {
  /** QEMU's own version, e.g. "10.0.13"; "" when the line could not be read. */
  readonly version: string;
  /** The first line as printed, e.g. "qemu-aarch64 version 10.0.13 (Debian 1:10.0.13+ds-0+deb13u1)". */
  readonly line: string;
}

/** Parse the first line of `qemu-<cpu> --version` ("qemu-aarch64 version 7.2.0 (Debian 1:7.2+dfsg-7+deb12u7)"). */
export function parseQemuVersion(firstLine: string): QemuVersion {
  const line = firstLine.trim();
  const m = /\bversion\s+v?(\d+(?:\.\d+)*)/i.exec(line);
  return { version: m?.[1] ?? "", line };
}
