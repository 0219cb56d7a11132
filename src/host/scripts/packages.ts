/**
 * The package script (./packages.sh): `install` (create) and, only when asked, `remove` (delete) the
 * distribution packages that provide the QEMU interpreters. Debian/Ubuntu (apt) only. One text serves
 * both actions, because the command provider keeps ONE stdin per resource for create and delete.
 */
import { Shipping, renderScript } from "../shell";
import { UnitRecord, unitVars } from "../units";
import { VersionConstraint } from "../version";

/** The packages packageVersion applies to: the ones that ship the interpreters. */
export const VERSIONED_PACKAGES = /^qemu-user(-static)?$/;

export interface PackageScriptInput {
  /** Host label for messages. */
  readonly label: string;
  /** Packages to install / remove. */
  readonly packages: readonly string[];
  /** Seconds each apt call waits, at most, for apt's and dpkg's locks (lists, archives, dpkg frontend, dpkg): ./apt.sh. */
  readonly lockTimeoutSeconds: number;
  /** packageVersion: enforced on the host for the VERSIONED_PACKAGES the plan could not pin. */
  readonly versionConstraint?: VersionConstraint | undefined;
  /** `remove` uninstalls the packages (removePackagesOnDestroy); otherwise it only forgets the unit. Default false. */
  readonly removeOnDelete?: boolean;
  /** The repair token recorded once the packages are installed (../units.ts); absent: none recorded. */
  readonly unit?: UnitRecord;
  /** How the script's files reach the host (../shell.ts); default inline. */
  readonly shipping?: Shipping;
}

/** The actions of the package script: `sh -s install`, `sh -s remove`. */
export enum PackagesAction {
  /** Install the missing packages; prints {"packages":[…],"installed":[…]}. */
  Install = "install",
  /** Forget the unit; with removePackagesOnDestroy also remove the packages that are installed; prints {"removed":[…]}. */
  Remove = "remove",
}

/** stdin of `sh -s install|remove`. */
export function packagesScript(input: PackageScriptInput): string {
  return renderScript({
    label: input.label,
    vars: {
      PACKAGES: input.packages.join(" "),
      LOCK_TIMEOUT: String(input.lockTimeoutSeconds),
      VERSION_OP: input.versionConstraint?.op ?? "",
      VERSION_WANT: input.versionConstraint?.version ?? "",
      VERSION_TEXT: input.versionConstraint?.text ?? "",
      VERSIONED: input.packages.filter((p) => VERSIONED_PACKAGES.test(p)).join(" "),
      REMOVE_PACKAGES: input.removeOnDelete === true ? "true" : "false",
      ...unitVars(input.unit),
    },
    files: ["units.sh", "apt.sh", "packages.sh"],
    shipping: input.shipping ?? Shipping.Inline,
    retireBundleOn: PackagesAction.Remove,
  });
}
