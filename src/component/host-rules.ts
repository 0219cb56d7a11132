/**
 * The rules step of a BinfmtHost (./host.ts): one `remote.Command <name>-rule-<target>` per requested target,
 * binfmt.d file + kernel entry, verified field by field (../host/scripts/rule.ts), RULE_LANES at a time.
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { RULE_LANES, RULE_LANES_BEHIND_PROXY, remoteCommand, ruleStdin } from "./commands";
import { logDrift } from "./drift-log";
import { ruleReasons } from "./drift-diagnostics";
import { HostContext, HostState } from "./host-state";
import { attributed } from "./errors";
import { TargetInfo } from "../binfmt";
import { TargetReport, ruleReport } from "../host/outputs";
import { RulePlan, ruleFilePath } from "../host/plan";
import { RuleAction } from "../host/scripts/rule";
import { shellCommand } from "../host/shell";
import { UnitRecord } from "../host/units";

/** The install step's resource and the digest of its script, which the rules and checks follow. */
export interface InstallStep {
  readonly resource: command.remote.Command;
  readonly digest: pulumi.Output<string>;
}

/** Per requested target: its rule command, what its check follows, and its report without the acceptance. */
export interface RuleSteps {
  readonly resources: pulumi.Resource[];
  readonly repairs: Record<string, pulumi.Output<string>>;
  readonly reports: Record<string, pulumi.Output<Omit<TargetReport, "acceptance">>>;
}

/** Rules: one `-rule-<target>` per requested target, `lanes` at a time, each lane after the install. */
export function ruleSteps(c: HostContext, s: HostState, install: InstallStep): RuleSteps {
  // Their scripts take the host's lock: only the SSH handshakes and the engine's steps overlap.
  const lanes = c.config.connection.proxy === undefined ? RULE_LANES : RULE_LANES_BEHIND_PROXY;
  const out: RuleSteps = { resources: [], repairs: {}, reports: {} };
  c.config.targets.forEach((target, index) => {
    const rulePlan = s.plan.apply((p) => {
      const r = p.rules[index];
      if (r === undefined || r.target.name !== target.name) throw new pulumi.ResourceError(`internal: plan order differs for ${target.name}`, c.parent);
      return r;
    });
    const cmd = ruleStep(c, s, install, target, rulePlan, [out.resources[index - lanes] ?? install.resource]);
    // A skipped (native) target has no unit: its check's trigger does not change between runs.
    // The check re-runs after a repair of the target, and after the install ran with other input (a new QEMU).
    out.repairs[target.name] = pulumi.all([rulePlan, cmd.unit, install.digest]).apply(([r, u, i]) => (r.skipped !== undefined ? "native" : `${u.token} ${i}`));
    out.reports[target.name] = pulumi.all([c.label, rulePlan, cmd.resource.stdout]).apply(([l, r, stdout]) => attributed(cmd.resource, () => ruleReport(l, r, stdout)));
    out.resources.push(cmd.resource);
  });
  return out;
}

/** One target's rule command: binfmt.d file + kernel entry, verified field by field (../host/scripts/rule.ts). */
function ruleStep(
  c: HostContext,
  s: HostState,
  install: InstallStep,
  target: TargetInfo,
  rulePlan: pulumi.Output<RulePlan>,
  dependsOn: pulumi.Resource[],
): { readonly resource: command.remote.Command; readonly unit: pulumi.Output<UnitRecord> } {
  const unit = s.unitRecord(target.name, (d) => d.targets[target.name]?.reasons ?? []);
  const targetDrift = s.drift.apply((d) => d.targets[target.name]);
  const ref: { resource?: pulumi.Resource } = {};
  const logged = logDrift(
    c.label,
    pulumi.all([targetDrift, s.plan]).apply(([t, p]) => ruleReasons(t?.reasons ?? [], p)),
    `${target.name}: `,
    () => ref.resource ?? c.parent,
    targetDrift.apply((t) => t?.present === true),
  );
  const privilege = s.facts.apply((f) => f.privilege);
  const resource = remoteCommand(
    `${c.name}-rule-${target.name}`,
    {
      connection: c.connection,
      create: pulumi.all([rulePlan, privilege]).apply(([r, pr]) => (r.skipped !== undefined ? shellCommand(undefined) : shellCommand(pr, RuleAction.Apply))),
      stdin: pulumi.all([rulePlan, unit, install.digest, logged]).apply(([r, u, i]) => ruleStdin(r, u, i)),
      delete: pulumi.all([rulePlan, privilege]).apply(([r, pr]) => (r.skipped !== undefined ? "true" : shellCommand(pr, RuleAction.Remove))),
      // The rule's identity: when the file or entry name changes, replace (delete the old file and
      // entry first: deleteBeforeReplace), instead of updating in place and leaving the old ones behind.
      triggers: [ruleFilePath(c.config.configDir, target), `qemu-${target.name}`],
    },
    { parent: c.parent, dependsOn, deleteBeforeReplace: true },
  );
  ref.resource = resource;
  return { resource, unit };
}
