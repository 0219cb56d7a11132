import { TargetInfo, findTarget } from "./catalogue";
import { canonicalEscape } from "./bytes";
import { RULE_DEFAULTS } from "./defaults";
import { MaskPolicy, maskFor } from "./mask-policy";
import { resolveTarget } from "./names";
import { parseInput, ruleOptionsSchema } from "./schemas";

export interface RuleOptions {
  /** @default RULE_DEFAULTS.maskPolicy (MaskPolicy.IgnoreAbiVersion) */
  mask?: MaskPolicy;
  /** Any of P, O, C, F. Stored normalised (kernel order, C implies O). @default RULE_DEFAULTS.flags ("F") */
  flags?: string;
  /** Full interpreter path; overrides interpreterDir/interpreterSuffix (giving both is an error). */
  interpreter?: string;
  /** @default RULE_DEFAULTS.interpreterDir ("/usr/bin") */
  interpreterDir?: string;
  /** @default RULE_DEFAULTS.staticInterpreterSuffix ("-static", qemu-user-static's /usr/bin/qemu-<cpu>-static) */
  interpreterSuffix?: string;
}

/** Rule options after validation and defaulting: what `ruleFor` takes. */
export interface ResolvedRuleOptions {
  readonly mask: MaskPolicy;
  /** Already normalised (flagsSchema / canonicalFlags). */
  readonly flags: string;
  /** Absolute path, already validated. */
  readonly interpreter: string;
}

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
  return ruleFor(info, {
    mask: o.mask ?? RULE_DEFAULTS.maskPolicy,
    flags: o.flags ?? RULE_DEFAULTS.flags,
    interpreter: o.interpreter ?? interpreterPath(info, o.interpreterDir ?? RULE_DEFAULTS.interpreterDir, o.interpreterSuffix ?? RULE_DEFAULTS.staticInterpreterSuffix),
  });
}

/** `<dir>/<qemu binary><suffix>`, e.g. "/usr/bin/qemu-aarch64-static". */
export function interpreterPath(target: TargetInfo, dir: string, suffix: string): string {
  return `${dir}/${target.qemuBinary}${suffix}`;
}

/**
 * The registration for a catalogue entry with options that were validated and defaulted once already
 * (the component's HostConfig): no second validation, no second normalisation.
 */
export function ruleFor(info: TargetInfo, o: ResolvedRuleOptions): BinfmtRule {
  return {
    name: `qemu-${info.name}`,
    type: "M",
    offset: 0,
    magic: canonicalEscape(info.magic),
    mask: canonicalEscape(maskFor(info, o.mask)),
    interpreter: o.interpreter,
    flags: o.flags,
  };
}

/** Only catalogue entries are trusted: a hand-made TargetInfo could carry anything. */
function catalogueEntry(target: TargetInfo): TargetInfo {
  const name: unknown = (target as Partial<TargetInfo> | null)?.name;
  return findTarget(String(name)) ?? resolveTarget(typeof name === "string" ? name : String(name), "target");
}
