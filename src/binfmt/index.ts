// The binfmt core: pure TypeScript, no Pulumi. Everything the component and the CLI build on.
export { BinfmtInputError, quote } from "./errors";
export { CATALOGUE, TARGET_NAMES, findTarget } from "./catalogue";
export type { TargetInfo } from "./catalogue";
export { ACCEPTED_NAMES, NAME_INDEX, namesOf, resolveTarget } from "./names";
export type { NameEntry, NameKind } from "./names";
export { editDistance, nearestFirst } from "./edit-distance";
export { MASK_POLICIES, MaskPolicy, maskFor } from "./mask-policy";
export { SKIP_POLICIES, SkipPolicy } from "./skip-policy";
export { RULE_DEFAULTS } from "./defaults";
export { FLAG_LETTERS, normaliseFlags } from "./flags";
export type { FlagLetter } from "./flags";
export { familyOf, kernelWordSize, nativeTargetsOf, targetWordSize } from "./family";
export { describeNothingToDo, planResolvedTargets, planTargets } from "./plan";
export type { SkippedTarget, TargetPlan } from "./plan";
export { buildRule, interpreterPath, ruleFor } from "./rule";
export type { BinfmtRule, ResolvedRuleOptions, RuleOptions } from "./rule";
export { MANAGED_MARKER, binfmtDFileName, renderBinfmtDFile, renderRegisterString } from "./render";
export { parseProcEntry } from "./proc-entry";
export type { ProcEntry } from "./proc-entry";
export { NO_MASK, diffEntry } from "./diff";
export type { FieldDiff } from "./diff";
export { matchesHeader } from "./header-match";
export { PROBE_EXIT_STATUS, probeElf, probeTargets } from "./probe-elf";
export { platformVariant } from "./variants";
export { entriesOverlap, selfMatchProblems } from "./self-match";
export type { ElfHeaderSample, MagicEntry, SelfMatchProblem } from "./self-match";
export { bytesToHex, canonicalEscape, escapeBytes, hexToBytes, parseEscapedBytes } from "./bytes";
export {
  absolutePathSchema,
  fieldName,
  fileNameSchema,
  flagsSchema,
  hostMachineSchema,
  interpreterSuffixSchema,
  maskPolicySchema,
  parseInput,
  ruleOptionsSchema,
  skipPolicySchema,
  targetListSchema,
  targetNameSchema,
  targetSchema,
  toInputError,
} from "./schemas";
