/**
 * The validated, defaulted configuration of one host, as the pure host layer sees it (no connection: how
 * to reach the host belongs to the Pulumi layer), and the one table of defaults that the component, the
 * CLI and the README's argument table read.
 */
import { MaskPolicy, SkipPolicy, TargetInfo } from "../binfmt";
import { AcceptanceVia, ApplyMode, PackageSet } from "./enums";

/** Defaults, in one place (mirrored by the `@default` tags in args.ts). */
export const DEFAULTS = {
  flags: "F",
  maskPolicy: MaskPolicy.IgnoreAbiVersion,
  skipPolicy: SkipPolicy.Family,
  configDir: "/etc/binfmt.d",
  applyMode: ApplyMode.PerFile,
  installPackages: PackageSet.Minimal,
  removePackagesOnDestroy: false,
  lockTimeoutSeconds: 120,
  acceptanceTimeoutSeconds: 300,
  acceptanceVia: AcceptanceVia.Command,
} as const;

/** Acceptance settings for one target, resolved. */
export interface TargetAcceptance {
  /** "" when the target has no image: no check. */
  readonly image: string;
  /** "" runs without --platform. */
  readonly platform: string;
  /** What `uname -m` prints under emulation. */
  readonly expected: string;
}

/** Validated, defaulted configuration of one host. */
export interface HostConfig {
  /** Resolved targets, deduplicated, in the order first requested. */
  readonly targets: readonly TargetInfo[];
  readonly flags: string;
  readonly maskPolicy: MaskPolicy;
  readonly skipPolicy: SkipPolicy;
  readonly configDir: string;
  readonly applyMode: ApplyMode;
  readonly installPackages: PackageSet;
  readonly packages: readonly string[] | undefined;
  readonly removePackagesOnDestroy: boolean;
  readonly lockTimeoutSeconds: number;
  readonly interpreterDir: string | undefined;
  readonly interpreterSuffix: string | undefined;
  readonly acceptance: {
    readonly enabled: boolean;
    readonly via: AcceptanceVia;
    readonly timeoutSeconds: number;
    readonly knownHostsPath: string | undefined;
    /** Per target name. */
    readonly targets: Readonly<Record<string, TargetAcceptance>>;
  };
}
