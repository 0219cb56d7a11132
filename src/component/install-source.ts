/**
 * The install source arguments (installSource, interpreterImage, packageVersion), checked together:
 * the image source needs a pinned image and takes none of the apt layout's arguments; the apt source
 * takes no image. Each error names the field and quotes the value.
 */
import { quote } from "../binfmt";
import { DEFAULTS } from "../host/config";
import { InstallSource } from "../host/enums";
import { PinnedImage, parsePinnedImage } from "../host/image";
import { VersionConstraint, parseVersionConstraint } from "../host/version";
import { BinfmtArgsError } from "./errors";

/** The fields of the options that decide the install source (already checked one by one by the schema). */
export interface InstallOptions {
  readonly installSource?: InstallSource | undefined;
  readonly interpreterImage?: string | undefined;
  readonly packageVersion?: string | undefined;
  readonly installPackages?: unknown;
  readonly packages?: unknown;
  readonly interpreterDir?: unknown;
  readonly interpreterSuffix?: unknown;
  readonly interpreters?: unknown;
  readonly removePackagesOnDestroy?: unknown;
  readonly lockTimeoutSeconds?: unknown;
}

export interface InstallChoice {
  readonly installSource: InstallSource;
  readonly interpreterImage: PinnedImage | undefined;
  readonly packageVersion: VersionConstraint | undefined;
}

/** The apt layout's arguments, meaningless with interpreters from an image. */
const APT_ONLY = ["packageVersion", "installPackages", "packages", "interpreterDir", "interpreterSuffix", "interpreters", "removePackagesOnDestroy", "lockTimeoutSeconds"] as const;

export function installChoice(component: string, o: InstallOptions): InstallChoice {
  const source = o.installSource ?? DEFAULTS.installSource;
  if (source === InstallSource.Image) {
    if (o.interpreterImage === undefined) {
      throw new BinfmtArgsError(component, [
        {
          field: "args.interpreterImage",
          message: 'installSource "image" needs interpreterImage: an image of static /usr/bin/qemu-<cpu> pinned by digest, e.g. "registry:5000/qemu-user-static@sha256:1c7e…"',
        },
      ]);
    }
    const clash = APT_ONLY.find((k) => o[k] !== undefined);
    if (clash !== undefined) {
      throw new BinfmtArgsError(component, [
        {
          field: `args.${clash}`,
          message: `${clash} (${quote(o[clash])}) describes the apt install source, but installSource is "image" (the interpreters come from ${quote(o.interpreterImage)}); remove it`,
        },
      ]);
    }
    return { installSource: source, interpreterImage: parsePinnedImage(o.interpreterImage), packageVersion: undefined };
  }
  if (o.interpreterImage !== undefined) {
    throw new BinfmtArgsError(component, [
      {
        field: "args.interpreterImage",
        message: `interpreterImage (${quote(o.interpreterImage)}) is only used with installSource "image"; installSource is "apt": set installSource to "image" or remove interpreterImage`,
      },
    ]);
  }
  // packageVersion constrains the QEMU package apt installs: with no package installed it would be ignored.
  if (o.packageVersion !== undefined && o.installPackages === "none") {
    throw new BinfmtArgsError(component, [
      {
        field: "args.packageVersion",
        message: `packageVersion (${quote(o.packageVersion)}) constrains the QEMU package apt installs, but installPackages is "none" (nothing is installed); remove packageVersion or choose a package set`,
      },
    ]);
  }
  return { installSource: source, interpreterImage: undefined, packageVersion: o.packageVersion === undefined ? undefined : parseVersionConstraint(o.packageVersion) };
}
