import { FLAG_LETTERS, normaliseFlags } from "./flags";
import { ProcEntry } from "./proc-entry";
import { BinfmtRule } from "./rule";

export interface FieldDiff {
  field: "enabled" | "interpreter" | "flags" | "offset" | "magic" | "mask";
  expected: string;
  actual: string;
}

/** Shown as the actual mask when the kernel entry has none. */
export const NO_MASK = "(none)";

/**
 * The fields in which the kernel's entry differs from `rule`; [] when it is exactly what the rule
 * registers. Flags compare normalised (a rule's flags are normalised when it is built; the kernel prints
 * "OCF" for a rule written "FC"); magic and
 * mask compare byte for byte (the kernel keeps the magic unmasked, so a different byte under a 0x00
 * mask is still a difference: the entry is not the one we wrote).
 */
export function diffEntry(rule: BinfmtRule, entry: ProcEntry): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const check = (field: FieldDiff["field"], expected: string, actual: string): void => {
    if (expected !== actual) diffs.push({ field, expected, actual });
  };
  check("enabled", "enabled", entry.enabled ? "enabled" : "disabled");
  check("interpreter", rule.interpreter, entry.interpreter);
  check("flags", rule.flags, kernelFlags(entry.flags));
  check("offset", String(rule.offset), String(entry.offset));
  check("magic", rule.magic, entry.magic);
  check("mask", rule.mask, entry.mask ?? NO_MASK);
  return diffs;
}

/** Normalise what the kernel printed; letters we do not know (a newer kernel) are kept as printed. */
function kernelFlags(flags: string): string {
  return [...flags].every((c) => (FLAG_LETTERS as readonly string[]).includes(c)) ? normaliseFlags(flags) : flags;
}
