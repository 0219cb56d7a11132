import { TargetInfo, findTarget } from "./catalogue";
import { canonicalEscape } from "./bytes";
import { DEFAULT_FLAGS, normaliseFlags } from "./flags";
import { MaskPolicy, maskFor } from "./mask-policy";
import { resolveTarget } from "./names";
import { parseInput, ruleOptionsSchema } from "./schemas";

export interface RuleOptions {
  /** Default MaskPolicy.IgnoreAbiVersion. */
  mask?: MaskPolicy;
  /** Any of P, O, C, F; default "F". Stored normalised (kernel order, C implies O). */
  flags?: string;
  /** Full interpreter path; overrides interpreterDir/interpreterSuffix (giving both is an error). */
  interpreter?: string;
  /** Default "/usr/bin". */
  interpreterDir?: string;
  /** Default "-static" (Debian 12 / Ubuntu's /usr/bin/qemu-<cpu>-static). */
  interpreterSuffix?: string;
}

export const DEFAULT_INTERPRETER_DIR = "/usr/bin";
export const DEFAULT_INTERPRETER_SUFFIX = "-static";

/** One binfmt_misc registration, the fields of `:name:type:offset:magic:mask:interpreter:flags`. */
export interface BinfmtRule {
  /** Entry name, "qemu-<target>" — the name under /proc/sys/fs/binfmt_misc/. */
  name: string;
  type: "M";
  offset: number;
  /** Canonical `\xNN` escaping. */
  magic: string;
  /** Canonical `\xNN` escaping, after the mask policy. */
  mask: string;
  interpreter: string;
  /** Normalised flags, e.g. "F", "POCF". */
  flags: string;
}

/**
 * The registration for `target` (a catalogue entry or any accepted name). Options are validated;
 * invalid ones throw BinfmtInputError naming the option.
 */
export function buildRule(target: TargetInfo | string, opts: RuleOptions = {}): BinfmtRule {
  const info = typeof target === "string" ? resolveTarget(target) : catalogueEntry(target);
  const o = parseInput(ruleOptionsSchema, opts, "", "options");
  const interpreter = o.interpreter ?? `${o.interpreterDir ?? DEFAULT_INTERPRETER_DIR}/${info.qemuBinary}${o.interpreterSuffix ?? DEFAULT_INTERPRETER_SUFFIX}`;
  return {
    name: `qemu-${info.name}`,
    type: "M",
    offset: 0,
    magic: canonicalEscape(info.magic),
    mask: canonicalEscape(maskFor(info, o.mask ?? MaskPolicy.IgnoreAbiVersion)),
    interpreter,
    flags: normaliseFlags(o.flags ?? DEFAULT_FLAGS),
  };
}

/** Only catalogue entries are trusted: a hand-made TargetInfo could carry anything. */
function catalogueEntry(target: TargetInfo): TargetInfo {
  const name: unknown = (target as Partial<TargetInfo> | null)?.name;
  return findTarget(String(name)) ?? resolveTarget(typeof name === "string" ? name : String(name), "target");
}
