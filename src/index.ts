/**
 * The package's public surface, deliberately narrow: the two components, their argument and output
 * types and enums, the errors they throw, and the rules functions the `pulumi-qemu-binfmt rules` CLI is
 * built on (what would a host get?). Everything else under src/ is internal and may change in any
 * release. test/unit/public-api.test.ts lists these names exactly.
 */
export { BinfmtHost } from "./component/host";
export { BinfmtFleet } from "./component/fleet";
export type {
  Acceptance,
  AcceptanceArgs,
  BinfmtFleetArgs,
  BinfmtHostArgs,
  BinfmtOptionsArgs,
  FleetHost,
  FleetHostArgs,
  HostConnection,
  HostConnectionArgs,
  ProxyConnection,
  ProxyConnectionArgs,
} from "./component/args";
export type { HostFacts } from "./host/facts";
export type { AcceptanceReport, HostReport, TargetReport } from "./host/outputs";
export { AcceptanceStatus, AcceptanceVia, ApplyMode, InstallSource, InterpreterLayout, PackageSet, Privilege, TargetStatus } from "./host/enums";
export { MaskPolicy } from "./binfmt/mask-policy";
export { SkipPolicy } from "./binfmt/skip-policy";
export { BinfmtArgsError } from "./component/errors";
export { BinfmtInputError } from "./binfmt/errors";

// The rules functions (docs/cli.md: "What would it write?").
export { CATALOGUE, TARGET_NAMES } from "./binfmt/catalogue";
export type { TargetInfo } from "./binfmt/catalogue";
export { resolveTarget } from "./binfmt/names";
export { planTargets } from "./binfmt/plan";
export type { SkippedTarget, TargetPlan } from "./binfmt/plan";
export { buildRule } from "./binfmt/rule";
export type { BinfmtRule, RuleOptions } from "./binfmt/rule";
export { binfmtDFileName, renderBinfmtDFile, renderRegisterString } from "./binfmt/render";
