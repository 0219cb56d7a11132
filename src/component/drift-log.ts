/**
 * How a unit's drift is said in a preview (../host/drift.ts decides what drifted; ./host.ts wires it to the
 * unit's command). Kept in its own module so the way drift diagnostics are attached can change in one place.
 */
import * as pulumi from "@pulumi/pulumi";
import { repairableByUp } from "./drift-diagnostics";

/**
 * In a preview, say how a unit drifted, attached to the unit's command (so `pulumi preview` prints it under
 * that resource): a warning when something of the unit is on the host already (drift, repaired by up), an
 * info line for a first install. Resolves once said: the command's stdin waits for it.
 */
export function logDrift(
  label: pulumi.Output<string>,
  reasons: pulumi.Output<readonly string[]>,
  prefix: string,
  on: () => pulumi.Resource,
  present: pulumi.Output<boolean>,
): pulumi.Output<true> {
  return pulumi.all([label, reasons, present]).apply(([l, rs, p]): true => {
    if (rs.length === 0 || !pulumi.runtime.isDryRun()) return true;
    const say = p ? pulumi.log.warn : pulumi.log.info;
    const ours = rs.every(repairableByUp); // ./drift-diagnostics.ts: what is the host's to change
    const what = p ? (ours ? " (up repairs it)" : " (up cannot repair this: see above)") : "";
    void say(`${l}: ${prefix}${rs.join("; ")}${what}`, on());
    return true;
  });
}
