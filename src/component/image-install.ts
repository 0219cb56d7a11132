/**
 * The image install source's resource: `remote.Command <name>-interpreters`, in the host's chain where
 * the apt source has `<name>-packages`. Its stdin is the image script (../host/scripts/image.ts); the
 * digest is its trigger, so a new pin REPLACES it: the replacement copies the new interpreters first,
 * the rules then re-register onto them, and the old resource's delete (run by the engine after its
 * dependents were updated, with the old stdin) removes the old pin's directory once no entry uses it.
 * Emulated processes started before the switch keep running: flag F opened their interpreter file.
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { remoteCommand } from "./commands";
import { Privilege } from "../host/enums";
import { HostPlan } from "../host/plan";
import { ImageAction, imageScript } from "../host/scripts/image";
import { PinnedImage } from "../host/image";
import { Shipping, shellCommand } from "../host/shell";
import { UnitRecord } from "../host/units";

export interface ImageInstallSpec {
  readonly connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  readonly label: pulumi.Output<string>;
  readonly plan: pulumi.Output<HostPlan>;
  readonly privilege: pulumi.Output<Privilege>;
  readonly image: PinnedImage;
  readonly timeoutSeconds: number;
  /** The unit's repair token (../host/units.ts): a repair re-runs the copy, which records it. */
  readonly unit: pulumi.Output<UnitRecord>;
}

/** The image script for this host: as its stdin (bundled) or, for its digest, as it would run inline. */
export function imageInstallScript(spec: ImageInstallSpec, shipping: Shipping): pulumi.Output<string> {
  return pulumi.all([spec.plan, spec.label, spec.unit]).apply(([p, l, unit]) => {
    if (p.image === undefined) throw new Error(`internal: ${l}: no image plan`);
    return imageScript({ label: l, plan: p.image, timeoutSeconds: spec.timeoutSeconds, unit, shipping });
  });
}

export function imageInstallCommand(name: string, spec: ImageInstallSpec, opts: pulumi.CustomResourceOptions): command.remote.Command {
  return remoteCommand(
    `${name}-interpreters`,
    {
      connection: spec.connection,
      create: spec.privilege.apply((pr) => shellCommand(pr, ImageAction.Install)),
      // The script's files come from the host's bundle; the delete carries them too (../host/bundle.ts).
      stdin: imageInstallScript(spec, Shipping.BundleOrCarried),
      delete: spec.privilege.apply((pr) => shellCommand(pr, ImageAction.Remove)),
      triggers: [spec.image.digestHex],
    },
    opts,
  );
}
