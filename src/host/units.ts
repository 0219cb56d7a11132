/**
 * Repair tokens: how a drift observed on a host becomes exactly one run of the unit's command, and "no
 * changes" again once the host matches. Pure.
 *
 * A unit is what one command converges: the packages (`packages`), an image's interpreters
 * (`interpreters-<digest prefix>`), a target's rule (its QEMU name). `remote.Command` has no read and
 * compares only its inputs, so each unit's script carries a TOKEN in its stdin, and the script records
 * that token on the host when it succeeds (./scripts/units.sh), in one file per BinfmtHost
 * (`/var/lib/pulumi-qemu-binfmt/units/<hash of the owner>`, first line `# Owner: <owner>`, then
 * `<unit> <token>` lines). The observation reads the file back; the next run's token is:
 * - the recorded one, when the unit shows no drift: the command's input equals what the last run stored,
 *   so nothing runs (also on the run right after a repair);
 * - else a hash of the recorded token (or none) and the drift: it differs from the recorded token, so from
 *   the input the last successful run stored, and the command runs again (an update) and records it. A
 *   hash, not a random value: a preview and the up after it carry the same token (`pulumi up --plan`).
 * Deleting the units file costs at most one re-run of each unit, nothing else.
 */
import { createHash } from "node:crypto";

/** The units file's first line before the owner record (the same form as a binfmt.d file's owner line). */
const OWNER_PREFIX = "# Owner: ";

/** Where every BinfmtHost keeps its units file. */
export const UNITS_DIR = "/var/lib/pulumi-qemu-binfmt/units";

/** The units file of the BinfmtHost recorded as OWNER (see ownerRecord): a hash, so any owner text is a safe name. */
export function unitsFile(owner: string): string {
  return `${UNITS_DIR}/${createHash("sha256").update(owner).digest("hex").slice(0, 16)}`;
}

/** Unit names: what the scripts may use as one awk field. */
const UNIT = /^[A-Za-z0-9._-]+$/;
/** Tokens: what repairToken makes (and "0", observe: false). */
const TOKEN = /^[0-9a-f]{1,64}$/;

/** The unit of an image install source's interpreters: keyed by the digest, so a new pin is its own unit. */
export function imageUnit(digestHex: string): string {
  return `interpreters-${digestHex.slice(0, 12)}`;
}

/**
 * The tokens recorded in a units file's TEXT for OWNER; {} when the file is someone else's. A line that is
 * not `<unit> <hex token>` (edited by hand, damaged) is ignored: that unit gets a new token.
 */
export function parseUnits(text: string, owner: string): Record<string, string> {
  const lines = text.split("\n");
  if (lines[0] !== `${OWNER_PREFIX}${owner}`) return {};
  const tokens: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const m = /^(\S+) (\S+)$/.exec(l);
    if (m !== null && m[1] !== undefined && m[2] !== undefined && UNIT.test(m[1]) && TOKEN.test(m[2]) && m[1] !== "__proto__") tokens[m[1]] = m[2];
  }
  return tokens;
}

/**
 * The token a unit's command carries this run: RECORDED when the unit shows no drift, else 16 hex digits of
 * sha256(recorded, drift). `drift` undefined means the drift is not known (the host was not read).
 */
export function repairToken(drift: readonly string[] | undefined, recorded: string | undefined): string {
  if (drift !== undefined && drift.length === 0 && recorded !== undefined && recorded !== "") return recorded;
  const why = drift === undefined ? "(not read)" : drift.join("\n");
  return createHash("sha256")
    .update(`${recorded ?? ""}\n${why}`)
    .digest("hex")
    .slice(0, 16);
}

/** What a script needs to record (apply) or forget (remove) its unit. */
export interface UnitRecord {
  /** The units file (unitsFile(owner)). */
  readonly file: string;
  /** The owner record, the file's first line after "# Owner: ". */
  readonly owner: string;
  readonly unit: string;
  readonly token: string;
}

/** The record as script variables (UNITS_FILE, UNITS_OWNER, UNIT, UNIT_TOKEN); empty values record nothing. */
export function unitVars(r: UnitRecord | undefined): Record<string, string> {
  if (r === undefined) return { UNITS_FILE: "", UNITS_OWNER: "", UNIT: "", UNIT_TOKEN: "" };
  if (!UNIT.test(r.unit)) throw new Error(`internal: unit name ${JSON.stringify(r.unit)} is not one word of [A-Za-z0-9._-]`);
  if (!TOKEN.test(r.token)) throw new Error(`internal: repair token ${JSON.stringify(r.token)} is not 1-64 lower-case hex digits`);
  return { UNITS_FILE: r.file, UNITS_OWNER: r.owner, UNIT: r.unit, UNIT_TOKEN: r.token };
}
