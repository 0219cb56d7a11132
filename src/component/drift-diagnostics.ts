/**
 * Every reason a unit's command changes in a preview is said as a diagnostic on that command (logDrift in
 * ./drift-log.ts, wired per step in ./host-rules.ts), not only through the component's outputs: during a preview, upstream pulumi-resource-command
 * reports a changed command's stdout as unknown (pulumi-go-provider's infer marks every output that depends on
 * a changed input), so outputs derived from it (`targets`, `summary`) print no value, and a reason that reached
 * the user only through them would not reach the user at all.
 *
 * Beyond the target's own drift (../host/drift.ts) a rule's script depends on one host-wide fact the plan
 * decides from the observation: whether its entry comes back at the next boot (`persistent`, reported by the
 * rule: ../host/scripts/rule.sh). When that is false (systemd-binfmt masked, no systemd, a volatile configDir:
 * ../host/evidence.ts persistenceDecision), it is said on every rule of the host. It is not a repair token
 * reason (../host/units.ts): `up` cannot change it, and a reason that stays would re-run the rule on every up.
 */
import { HostPlan } from "../host/plan";

/** The prefix of the persistence reason: its text names the plan's evidence. */
export const NOT_PERSISTENT = "entries would not come back at the next boot";

/** What a rule's command says in a preview: the target's drift, then the host-wide reasons of its plan. */
export function ruleReasons(targetReasons: readonly string[], plan: Pick<HostPlan, "persistent" | "persistenceReason">): string[] {
  return [...targetReasons, ...(plan.persistent ? [] : [`${NOT_PERSISTENT} (${plan.persistenceReason})`])];
}

/**
 * Whether `up` repairs what a reason says. Not: a conflict (another owner's entry or file), binfmt_misc
 * switched off host-wide, and the entries not coming back at boot: those are the host's to change.
 */
export function repairableByUp(reason: string): boolean {
  return !(reason.startsWith("conflict:") || reason.startsWith("binfmt_misc is switched off") || reason.startsWith(NOT_PERSISTENT));
}
