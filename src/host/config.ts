/**
 * The validated, defaulted configuration of one host, as the pure host layer sees it (no connection: how
 * to reach the host belongs to the Pulumi layer), and the one table of defaults that the component, the
 * CLI and the argument table of docs/arguments.md read.
 */
import { MaskPolicy, RULE_DEFAULTS, SkipPolicy, TargetInfo } from "../binfmt";
import { AcceptanceVia, ApplyMode, InstallSource, PackageSet } from "./enums";
import { PinnedImage } from "./image";
import { VersionConstraint } from "./version";

/**
 * Every argument default, once, keyed by the argument's path as the argument table (docs/arguments.md) names it
 * (a unit test compares the two). The binfmt core's own defaults (flags, masks, skip, interpreter
 * directory) come from RULE_DEFAULTS. Defaults that depend on the host (interpreterSuffix, packages) or
 * on the target (acceptance images and platforms) are computed: see src/host/interpreter.ts,
 * packagesFor in src/host/plan.ts and acceptanceFor in src/component/validate.ts.
 */
export const DEFAULTS = Object.freeze({
  "connection.port": 22,
  "connection.user": "root",
  flags: RULE_DEFAULTS.flags,
  maskPolicy: RULE_DEFAULTS.maskPolicy,
  skipPolicy: RULE_DEFAULTS.skipPolicy,
  configDir: "/etc/binfmt.d",
  applyMode: ApplyMode.PerFile,
  installSource: InstallSource.Apt,
  installPackages: PackageSet.Minimal,
  removePackagesOnDestroy: false,
  lockTimeoutSeconds: 120,
  interpreterDir: RULE_DEFAULTS.interpreterDir,
  "acceptance.enabled": true,
  "acceptance.via": AcceptanceVia.Command,
  "acceptance.timeoutSeconds": 300,
  observe: true,
} as const);

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
  /** Resolved targets, each once, in the order requested. */
  readonly targets: readonly TargetInfo[];
  /** Normalised (kernel order, C implies O). */
  readonly flags: string;
  readonly maskPolicy: MaskPolicy;
  readonly skipPolicy: SkipPolicy;
  readonly configDir: string;
  readonly applyMode: ApplyMode;
  readonly installSource: InstallSource;
  /** The image (InstallSource.Image only). */
  readonly interpreterImage: PinnedImage | undefined;
  /** The QEMU package's version constraint (InstallSource.Apt only). */
  readonly packageVersion: VersionConstraint | undefined;
  readonly installPackages: PackageSet;
  readonly packages: readonly string[] | undefined;
  readonly removePackagesOnDestroy: boolean;
  readonly lockTimeoutSeconds: number;
  readonly interpreterDir: string;
  /** undefined: by the host's interpreter layout (src/host/interpreter.ts). */
  readonly interpreterSuffix: string | undefined;
  /** Read the host on every preview and up (drift detection). */
  readonly observe: boolean;
  /** Full interpreter path per target (QEMU name); overrides interpreterDir/interpreterSuffix. */
  readonly interpreters: Readonly<Record<string, string>>;
  readonly acceptance: {
    readonly enabled: boolean;
    readonly via: AcceptanceVia;
    readonly timeoutSeconds: number;
    readonly knownHostsPath: string | undefined;
    /** Per target name. */
    readonly targets: Readonly<Record<string, TargetAcceptance>>;
  };
}

/** binfmt.d path of a target's rule: known without facts (it names the resource's identity). */
export function ruleFilePath(configDir: string, target: TargetInfo): string {
  return `${configDir}/qemu-${target.name}.conf`;
}
