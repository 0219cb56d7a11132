/**
 * BinfmtHost: one Linux host turned into a cross-architecture build host. A thin class over pure
 * functions: validation (./validate), the observation (./observe → ../host/observation), planning and
 * evidence (../host/plan, ../host/evidence), drift (../host/drift), scripts (../host/scripts), output
 * shaping (../host/outputs). The class only creates and chains the child resources:
 *
 *   BinfmtHost <name>                             qemu-binfmt:index:BinfmtHost
 *   ├─ remote.Command <name>-facts                only with observe: false (the observation, once)
 *   ├─ ObservedState <name>-state-packages        drift of the packages (or why the host is unreadable)
 *   ├─ remote.Command <name>-packages             apt install (delete: remove, only if asked)
 *   │  or remote.Command <name>-interpreters     installSource image: the copy out of the pinned image (./image-install.ts)
 *   ├─ per requested target:
 *   │  ├─ ObservedState <name>-state-<target>     its drift; its revision re-runs the rule and the check
 *   │  └─ remote.Command <name>-rule-<target>     binfmt.d file + kernel entry, verified field by field
 *   └─ acceptance, one per requested target       see ./acceptance.ts
 *
 * Everything runs in one chain (dependsOn), so one host never has two commands running at once (the
 * command provider keeps each command's SSH connection open until the run ends). Resources fan out per
 * REQUESTED target, known when the program runs; what depends on the host (native family, package names,
 * interpreter path, persistence) is computed from the observation into the scripts' text, never by
 * creating resources in an apply.
 */
import * as pulumi from "@pulumi/pulumi";
import { BinfmtHostArgs } from "./args";
import { wireAcceptance } from "./acceptance";
import { remoteCommand } from "./commands";
import { hostLabel, remoteConnection } from "./connection";
import { Privilege } from "../host/enums";
import { HostFacts } from "../host/facts";
import { HostDrift, hostDrift } from "../host/drift";
import { HostObservation, observationRequest, parseObservation, unreadObservation } from "../host/observation";
import { observeScript } from "../host/scripts/observe";
import { HostReport, TargetReport, ruleReport, summarise } from "../host/outputs";
import { HostPlan, planOrRefusal, ruleFilePath } from "../host/plan";
import { PackagesAction, packagesScript } from "../host/scripts/packages";
import { FILE_MARKER, RuleAction, ownerRecord, ruleScript, skippedRuleScript } from "../host/scripts/rule";
import { shellCommand } from "../host/shell";
import { observeHost } from "./observe";
import { ObservedState, observedState } from "./observed-state";
import { HostSpec, parseHostArgs } from "./validate";
import { attributed } from "./errors";
import { imageInstallCommand } from "./image-install";
import { typeToken, withFormerType } from "./package-name";

export const BINFMT_HOST_TYPE = typeToken("BinfmtHost");

/**
 * One Linux host turned into a cross-architecture build host over SSH: QEMU user-mode emulators installed,
 * registered with binfmt_misc (one rule per requested target, persisted in binfmt.d), verified field by
 * field, and proven by a docker acceptance check per target. Invalid arguments fail before any resource
 * exists, with an error naming the field and quoting the value.
 */
export class BinfmtHost extends pulumi.ComponentResource {
  /** What the component learned about the host: machine, distribution, systemd, binfmt_misc, privilege. */
  public readonly facts: pulumi.Output<HostFacts>;
  /** Per requested target (QEMU name): registered or skipped, interpreter, flags, file, acceptance result. */
  public readonly targets: pulumi.Output<Record<string, TargetReport>>;
  /** The packages the component installs on this host. */
  public readonly packages: pulumi.Output<string[]>;
  /** sha256 of the host's rendered rules; the acceptance checks re-run when it changes. */
  public readonly rulesHash: pulumi.Output<string>;
  /** A few readable lines: the host and one line per target. */
  public readonly summary: pulumi.Output<string>;
  /** Everything above in one object. */
  public readonly report: pulumi.Output<HostReport>;

  constructor(name: string, args: BinfmtHostArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before anything exists: bad input never reaches a host.
    const config = parseHostArgs(`BinfmtHost "${name}"`, args);
    super(BINFMT_HOST_TYPE, name, {}, withFormerType("BinfmtHost", opts));

    const built = buildHost(this, name, config);
    this.facts = built.facts;
    this.packages = built.plan.apply((p) => [...p.packages]);
    this.rulesHash = built.plan.apply((p) => p.rulesHash);
    this.targets = built.targets;
    this.summary = pulumi.all([built.label, built.facts, built.plan, built.targets]).apply(([l, f, p, t]) => summarise(l, f, p, t));
    this.report = pulumi.all([this.facts, this.packages, this.targets, this.rulesHash, this.summary]).apply(([facts, packages, targets, rulesHash, summary]) => ({
      facts,
      packages,
      targets,
      rulesHash,
      summary,
    }));
    this.registerOutputs({
      facts: this.facts,
      packages: this.packages,
      targets: this.targets,
      rulesHash: this.rulesHash,
      summary: this.summary,
    });
  }
}

interface BuiltHost {
  readonly label: pulumi.Output<string>;
  readonly facts: pulumi.Output<HostFacts>;
  readonly plan: pulumi.Output<HostPlan>;
  readonly targets: pulumi.Output<Record<string, TargetReport>>;
}

function buildHost(parent: pulumi.Resource, name: string, config: HostSpec): BuiltHost {
  const connection = remoteConnection(config.connection);
  const label = hostLabel(name, config.connection);
  const request = observationRequest(config);

  // What the host has now: read by the program on every run (observe), or once by a command.
  let observation: pulumi.Output<HostObservation>;
  let unreadable: pulumi.Output<string> = pulumi.output("");
  let first: pulumi.Resource[] = [];
  if (config.observe) {
    const result = observeHost(label, config.connection, request);
    observation = result.apply((r) => ("observation" in r ? r.observation : unreadObservation()));
    unreadable = result.apply((r) => ("unreadable" in r ? r.unreadable : ""));
  } else {
    const factsCmd = remoteCommand(`${name}-facts`, { connection, create: shellCommand(undefined), stdin: label.apply((l) => observeScript(l, request)) }, { parent });
    observation = pulumi.all([factsCmd.stdout, label]).apply(([stdout, l]) => attributed(factsCmd, () => parseObservation(stdout, l)));
    first = [factsCmd];
  }
  const facts = observation.apply((o) => o.facts);
  const privilege: pulumi.Output<Privilege> = facts.apply((f) => f.privilege);
  // A refused plan (e.g. a flag the kernel cannot honour) fails the host's first resource, before any host change.
  // The owner recorded in each binfmt.d file: another stack's file is refused, never taken over.
  const owner = ownerRecord(pulumi.getProject(), pulumi.getStack(), name);
  // A refused plan is reported by the host's first resource (below), not by rejecting the plan: see planOrRefusal.
  const planned = pulumi.all([observation, label]).apply(([o, l]) => attributed(parent, () => planOrRefusal(config, o, l, owner)));
  const plan = planned.apply((r) => r.plan);
  // A host that could not be read has no drift to report: its first resource fails with the reason.
  const drift = pulumi
    .all([plan, observation, unreadable])
    .apply(([p, o, u]): HostDrift => (config.observe && u === "" ? hostDrift(p, o, FILE_MARKER) : { targets: {}, packages: [], install: [] }));

  const pkgState: ObservedState = observedState(
    `${name}-state-packages`,
    {
      unit: "packages",
      drift: drift.apply((d) => [...d.packages.map((p) => `package ${p} is not installed`), ...d.install]),
      // In a preview nothing runs, so say it here, naming the host (other hosts of a fleet still plan); in an
      // update the resource's create/update fails with the reason.
      unreadable: unreadable.apply((u) => {
        if (u !== "" && pulumi.runtime.isDryRun()) void pulumi.log.error(u, pkgState);
        return u;
      }),
      // A refused plan (see planOrRefusal) fails this resource's check, in preview and up alike.
      refused: planned.apply((r) => r.refused),
    },
    { parent, dependsOn: first },
  );
  const pkgInput = pulumi.all([plan, label]).apply(([p, l]) => ({
    label: l,
    packages: p.packages,
    lockTimeoutSeconds: config.lockTimeoutSeconds,
    versionConstraint: config.packageVersion,
  }));
  const image = config.interpreterImage;
  // The install source: an image's interpreters (./image-install.ts), or the apt packages.
  const packagesCmd =
    image !== undefined
      ? imageInstallCommand(
          name,
          { connection, label, plan, privilege, image, timeoutSeconds: config.acceptance.timeoutSeconds, revision: pkgState.revision },
          { parent, dependsOn: [pkgState] },
        )
      : remoteCommand(
          `${name}-packages`,
          {
            connection,
            create: privilege.apply((pr) => shellCommand(pr, PackagesAction.Install)),
            stdin: pulumi.all([pkgInput, pkgState.revision]).apply(([i, rev]) => withRevision(packagesScript(i), rev)),
            ...(config.removePackagesOnDestroy ? { delete: privilege.apply((pr) => shellCommand(pr, PackagesAction.Remove)) } : {}),
          },
          { parent, dependsOn: [pkgState] },
        );

  let previous: pulumi.Resource = packagesCmd;
  const ruleOutputs: Record<string, pulumi.Output<Omit<TargetReport, "acceptance">>> = {};
  const revisions: Record<string, pulumi.Output<number>> = {};
  config.targets.forEach((target, index) => {
    const rulePlan = plan.apply((p) => {
      const r = p.rules[index];
      if (r === undefined || r.target.name !== target.name) throw new pulumi.ResourceError(`internal: plan order differs for ${target.name}`, parent);
      return r;
    });
    const targetDrift = pulumi.all([drift, label]).apply(([d, l]) => {
      const reasons = d.targets[target.name]?.reasons ?? [];
      if (reasons.length > 0 && pulumi.runtime.isDryRun()) {
        // Attached to the target's state resource, so `pulumi preview` prints it under that resource.
        const present = d.targets[target.name]?.present === true;
        const say = present ? pulumi.log.warn : pulumi.log.info;
        // A conflict or a host-wide switch is not ours to change: up fails (or repeats) until someone does.
        const ours = !reasons.some((r) => r.startsWith("conflict:") || r.startsWith("binfmt_misc is switched off"));
        const what = present ? (ours ? " (up repairs it)" : " (up cannot repair this: see above)") : "";
        void say(`${l}: ${target.name}: ${reasons.join("; ")}${what}`, state);
      }
      return reasons;
    });
    const state: ObservedState = observedState(`${name}-state-${target.name}`, { unit: target.name, drift: targetDrift }, { parent, dependsOn: [previous] });
    const cmd = remoteCommand(
      `${name}-rule-${target.name}`,
      {
        connection,
        create: pulumi.all([rulePlan, privilege]).apply(([r, pr]) => (r.skipped !== undefined ? shellCommand(undefined) : shellCommand(pr, RuleAction.Apply))),
        stdin: pulumi
          .all([rulePlan, state.revision])
          .apply(([r, rev]) => withRevision(r.skipped !== undefined ? skippedRuleScript(r.script.label, target.name, r.rule.name, "native") : ruleScript(r.script), rev)),
        delete: pulumi.all([rulePlan, privilege]).apply(([r, pr]) => (r.skipped !== undefined ? "true" : shellCommand(pr, RuleAction.Remove))),
        // The rule's identity: when the file or entry name changes, replace (delete the old file and
        // entry first: deleteBeforeReplace), instead of updating in place and leaving the old ones behind.
        triggers: [ruleFilePath(config.configDir, target), `qemu-${target.name}`],
      },
      { parent, dependsOn: [state], deleteBeforeReplace: true },
    );
    revisions[target.name] = state.revision;
    ruleOutputs[target.name] = pulumi.all([label, rulePlan, cmd.stdout]).apply(([l, r, stdout]) => attributed(cmd, () => ruleReport(l, r, stdout)));
    previous = cmd;
  });

  const acceptance = wireAcceptance({
    parent,
    name,
    config,
    connection,
    label,
    privilege,
    rulesHash: plan.apply((p) => p.rulesHash),
    plan,
    revisions,
    after: previous,
  });

  const perTarget = config.targets.map((t) => {
    const rule = ruleOutputs[t.name];
    const acc = acceptance[t.name];
    if (rule === undefined || acc === undefined) throw new pulumi.ResourceError(`internal: missing outputs for ${t.name}`, parent);
    return pulumi.all([rule, acc]).apply(([r, a]): [string, TargetReport] => [t.name, { ...r, acceptance: a }]);
  });
  const targets = pulumi.all(perTarget).apply((entries) => Object.fromEntries(entries));
  return { label, facts, plan, targets };
}

/**
 * The unit's observed-state revision as the first line of the script's stdin: a repair planned by
 * ObservedState changes the command's input, so the provider runs the script again (an update).
 */
function withRevision(script: string, revision: number): string {
  return `# observed-state revision ${revision}\n${script}`;
}
