/**
 * The image install script (./image.sh with its library ./elf.sh): `install` (create) copies the static
 * QEMU interpreters the registered targets need out of an image pinned by digest, through the host's
 * docker daemon, into a directory keyed by the digest; `remove` (delete) deletes that directory once no
 * binfmt_misc entry uses it. One text serves both actions, because the command provider keeps ONE stdin
 * per resource for create and delete.
 */
import { IMAGE_INTERPRETER_DIR, IMAGE_INTERPRETER_ROOT, ImagePlan } from "../image";
import { Shipping, renderScript } from "../shell";
import { UnitRecord, unitVars } from "../units";

/** The actions of the image script: `sh -s install`, `sh -s remove`. */
export enum ImageAction {
  /** Copy the missing interpreters; prints {"image","dir","pulled","interpreters":[{binary,path,version}]}. */
  Install = "install",
  /** Delete the pin's directory when no entry uses it; prints {"image","dir","removed"}. */
  Remove = "remove",
}

export interface ImageScriptInput {
  /** Host label for messages. */
  readonly label: string;
  readonly plan: ImagePlan;
  /** Seconds for the pull. */
  readonly timeoutSeconds: number;
  /** The repair token recorded once the interpreters are in place (../units.ts); absent: none recorded. */
  readonly unit?: UnitRecord;
  /** How the script's files reach the host (../shell.ts); default inline. */
  readonly shipping?: Shipping;
}

/** stdin of `sh -s install|remove`. */
export function imageScript(input: ImageScriptInput): string {
  return renderScript({
    label: input.label,
    vars: {
      IMAGE: input.plan.image.reference,
      DIR: input.plan.dir,
      ROOT: IMAGE_INTERPRETER_ROOT,
      SRC_DIR: IMAGE_INTERPRETER_DIR,
      BINARIES: input.plan.binaries.join(" "),
      TIMEOUT: String(input.timeoutSeconds),
      ...unitVars(input.unit),
    },
    files: ["units.sh", "elf.sh", "image.sh"],
    shipping: input.shipping ?? Shipping.Inline,
    retireBundleOn: ImageAction.Remove,
  });
}
