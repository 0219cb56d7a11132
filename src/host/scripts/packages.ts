/**
 * The package script (./packages.sh): `install` (create) and, only when asked, `remove` (delete) the
 * distribution packages that provide the QEMU interpreters. Debian/Ubuntu (apt) only. One text serves
 * both actions, because the command provider keeps ONE stdin per resource for create and delete.
 */
import { renderScript } from "../shell";

export interface PackageScriptInput {
  /** Host label for messages. */
  readonly label: string;
  /** Packages to install / remove. */
  readonly packages: readonly string[];
  /** Seconds to wait for a held dpkg lock. */
  readonly lockTimeoutSeconds: number;
}

/** The actions of the package script: `sh -s install`, `sh -s remove`. */
export enum PackagesAction {
  /** Install the missing packages; prints {"packages":[…],"installed":[…]}. */
  Install = "install",
  /** Remove the packages that are installed (removePackagesOnDestroy); prints {"removed":[…]}. */
  Remove = "remove",
}

/** stdin of `sh -s install|remove`. */
export function packagesScript(input: PackageScriptInput): string {
  return renderScript({
    label: input.label,
    vars: { PACKAGES: input.packages.join(" "), LOCK_TIMEOUT: String(input.lockTimeoutSeconds) },
    files: ["packages.sh"],
  });
}
