export { BinfmtHost, BINFMT_HOST_TYPE } from "./host";
export { BinfmtFleet, BINFMT_FLEET_TYPE } from "./fleet";
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
  Rollout,
  RolloutArgs,
} from "./args";
export { AcceptanceStatus, AcceptanceVia, ApplyMode, InterpreterLayout, PackageSet, Privilege, TargetStatus } from "../host/enums";
export { BinfmtArgsError } from "./errors";
export type { HostFacts } from "../host/facts";
export type { AcceptanceReport, HostReport, TargetReport } from "../host/outputs";
