/**
 * BinfmtHost: one Linux host turned into a cross-architecture build host. A thin class over pure
 * functions: validation (./validate), the observation (./observe → ../host/observation), planning and
 * evidence (../host/plan, ../host/evidence), drift (../host/drift), scripts (../host/scripts), output
 * shaping (../host/outputs). The class only creates and chains the child resources:
 *
 *   BinfmtHost <name>                             qemu-binfmt:index:BinfmtHost
 *   ├─ remote.Command <name>-facts                only with observe: false (the observation, once)
 *   ├─ HostRefusal <name>-refusal                 only when the host is unreadable or its plan refused (./refusal.ts)
 *   ├─ remote.Command <name>-packages             apt install (delete: forget; remove the packages only if asked)
 *   │  or remote.Command <name>-interpreters     installSource image: the copy out of the pinned image (./image-install.ts)
 *   ├─ remote.Command <name>-rule-<target>        per requested target: binfmt.d file + kernel entry, verified field by field
 *   └─ remote.Command <name>-check                every target's acceptance check in one session (or docker resources per target: ./acceptance.ts)
 *
 * Drift: each of these commands carries its unit's repair token (../host/units.ts) in its script; the token
 * changes exactly when the observation shows the unit drifted, so `preview` shows an update of exactly the
 * drifted units and `up` re-runs exactly them (and their checks). No other resource or plugin is involved.
 *
 * Order (dependsOn): the install first; then the rules, RULE_LANES (4) at a time, one at a time behind a
 * bastion (./commands.ts; each rule script takes the host's lock, ../host/scripts/lock.sh, so their work on
 * the host still runs one at a time: only the SSH handshakes and the engine's steps overlap); then the
 * check, after all rules. A host's chain is 2 + ceil(T / 4) steps for T targets (2 + T behind a bastion).
 * Resources fan out per REQUESTED target, known when the program runs; what depends on the host (native
 * family, package names, interpreter path, persistence) is computed from the observation into the
 * scripts' text, never by creating resources in an apply.
 */
import * as pulumi from "@pulumi/pulumi";
import { BinfmtHostArgs } from "./args";
import { wireAcceptance } from "./acceptance";
import { repairableByUp, ruleReasons } from "./drift-diagnostics";
import { RULE_LANES, RULE_LANES_BEHIND_PROXY, remoteCommand, ruleStdin } from "./commands";
import { hostLabel, remoteConnection } from "./connection";
import { Privilege } from "../host/enums";
import { HostFacts } from "../host/facts";
import { HostDrift, hostDrift } from "../host/drift";
import { UnitRecord, imageUnit, parseUnits, repairToken, unitsFile } from "../host/units";
import { HostObservation, observationRequest, parseObservation, unreadObservation } from "../host/observation";
import { observeScript } from "../host/scripts/observe";
import { HostReport, TargetReport, ruleReport, summarise } from "../host/outputs";
import { HostPlan, planOrRefusal, ruleFilePath } from "../host/plan";
import { PackagesAction, packagesScript } from "../host/scripts/packages";
import { FILE_MARKER, RuleAction, installDigest, ownerRecord } from "../host/scripts/rule";
import { shellCommand } from "../host/shell";
import { observeHost } from "./observe";
import { hostRefusal } from "./refusal";
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
  // The owner recorded in each binfmt.d file (another stack's file is refused, never taken over), and the
  // file where this host's units record their repair tokens.
  const owner = ownerRecord(pulumi.getProject(), pulumi.getStack(), name);
  const units = unitsFile(owner);
  const request = observationRequest(config, units);

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
  // A refused plan is reported by a HostRefusal (below), not by rejecting the plan: see planOrRefusal.
  const planned = pulumi.all([observation, label]).apply(([o, l]) => attributed(parent, () => planOrRefusal(config, o, l, owner)));
  const plan = planned.apply((r) => r.plan);
  // A host that could not be read has no drift to report: its HostRefusal fails with the reason.
  const drift = pulumi
    .all([plan, observation, unreadable])
    .apply(([p, o, u]): HostDrift => (config.observe && u === "" ? hostDrift(p, o, FILE_MARKER) : { targets: {}, packages: [], install: [] }));
  const recorded = observation.apply((o) => {
    const f = o.files.find((x) => x.path === units);
    return f?.state === "file" ? parseUnits(f.text, owner) : {};
  });
  /** The unit's record for its script: the recorded token when the unit did not drift, else a fresh one. */
  const unitRecord = (unit: string, unitDrift: (d: HostDrift) => readonly string[]): pulumi.Output<UnitRecord> =>
    pulumi.all([drift, recorded, unreadable]).apply(([d, r, u]) => ({
      file: units,
      owner,
      unit,
      // observe: false reads nothing after the first run: nothing can drift, the token never changes.
      token: config.observe ? repairToken(u === "" ? unitDrift(d) : undefined, r[unit]) : "0",
    }));

  // Only a host that cannot be converged gets a HostRefusal; every command of the host depends on it.
  const gate: pulumi.Output<pulumi.Resource[]> = pulumi.all([planned, unreadable]).apply(([p, u]) => {
    if (p.refused === "" && u === "") return first;
    // In a preview nothing is created, so say it here, naming the host (other hosts of a fleet still plan).
    if (u !== "" && pulumi.runtime.isDryRun()) void pulumi.log.error(u, parent);
    return [...first, hostRefusal(`${name}-refusal`, { refused: p.refused, unreadable: u }, { parent, dependsOn: first })];
  });

  // Drift messages are logged while the command's stdin is computed (an input: its registration, and a component
  // provider's Construct, wait for it), attached to the command once it exists.
  const packagesRef: { resource?: pulumi.Resource } = {};
  const image = config.interpreterImage;
  const installUnit = image !== undefined ? imageUnit(image.digestHex) : "packages";
  // The install unit's drift: apt packages missing, or the image's interpreters (one of the two is always empty).
  const installDrift = (d: HostDrift): string[] => [...d.packages.map((p) => `package ${p} is not installed`), ...d.install];
  const packagesLogged = logDrift(
    label,
    drift.apply(installDrift),
    "",
    () => packagesRef.resource ?? parent,
    // A recorded token: this stack installed them before, so it is drift (a warning), not a first install.
    recorded.apply((r) => r[installUnit] !== undefined),
  );
  // The install source: an image's interpreters (./image-install.ts), or the apt packages.
  const packagesCmd =
    image !== undefined
      ? imageInstallCommand(
          name,
          {
            connection,
            label,
            plan,
            privilege,
            image,
            timeoutSeconds: config.acceptance.timeoutSeconds,
            unit: pulumi.all([unitRecord(installUnit, installDrift), packagesLogged]).apply(([u]) => u),
          },
          { parent, dependsOn: gate },
        )
      : remoteCommand(
          `${name}-packages`,
          {
            connection,
            create: privilege.apply((pr) => shellCommand(pr, PackagesAction.Install)),
            stdin: pulumi.all([plan, label, unitRecord(installUnit, installDrift), packagesLogged]).apply(([p, l, unit]) =>
              packagesScript({
                label: l,
                packages: p.packages,
                lockTimeoutSeconds: config.lockTimeoutSeconds,
                versionConstraint: config.packageVersion,
                removeOnDelete: config.removePackagesOnDestroy,
                unit,
              }),
            ),
            // Always: the delete forgets the unit's token; it removes the packages only when asked.
            delete: privilege.apply((pr) => shellCommand(pr, PackagesAction.Remove)),
          },
          { parent, dependsOn: gate },
        );
  packagesRef.resource = packagesCmd;

  // The rules of a host run `lanes` at a time, each lane after the install (their scripts take the host's lock).
  const lanes = config.connection.proxy === undefined ? RULE_LANES : RULE_LANES_BEHIND_PROXY;
  const install = packagesCmd.stdin.apply((s) => installDigest(s ?? "")); // what the rules and checks follow
  const rules: pulumi.Resource[] = [];
  const ruleOutputs: Record<string, pulumi.Output<Omit<TargetReport, "acceptance">>> = {};
  const repairs: Record<string, pulumi.Output<string>> = {};
  config.targets.forEach((target, index) => {
    const rulePlan = plan.apply((p) => {
      const r = p.rules[index];
      if (r === undefined || r.target.name !== target.name) throw new pulumi.ResourceError(`internal: plan order differs for ${target.name}`, parent);
      return r;
    });
    const unit = unitRecord(target.name, (d) => d.targets[target.name]?.reasons ?? []);
    const targetDrift = drift.apply((d) => d.targets[target.name]);
    const ref: { resource?: pulumi.Resource } = {};
    const logged = logDrift(
      label,
      pulumi.all([targetDrift, plan]).apply(([t, p]) => ruleReasons(t?.reasons ?? [], p)),
      `${target.name}: `,
      () => ref.resource ?? parent,
      targetDrift.apply((t) => t?.present === true),
    );
    const cmd = remoteCommand(
      `${name}-rule-${target.name}`,
      {
        connection,
        create: pulumi.all([rulePlan, privilege]).apply(([r, pr]) => (r.skipped !== undefined ? shellCommand(undefined) : shellCommand(pr, RuleAction.Apply))),
        stdin: pulumi.all([rulePlan, unit, install, logged]).apply(([r, u, i]) => ruleStdin(r, u, i)),
        delete: pulumi.all([rulePlan, privilege]).apply(([r, pr]) => (r.skipped !== undefined ? "true" : shellCommand(pr, RuleAction.Remove))),
        // The rule's identity: when the file or entry name changes, replace (delete the old file and
        // entry first: deleteBeforeReplace), instead of updating in place and leaving the old ones behind.
        triggers: [ruleFilePath(config.configDir, target), `qemu-${target.name}`],
      },
      { parent, dependsOn: [rules[index - lanes] ?? packagesCmd], deleteBeforeReplace: true },
    );
    ref.resource = cmd;
    // A skipped (native) target has no unit: its check's trigger does not change between runs.
    // The check re-runs after a repair of the target, and after the install ran with other input (a new QEMU).
    repairs[target.name] = pulumi.all([rulePlan, unit, install]).apply(([r, u, i]) => (r.skipped !== undefined ? "native" : `${u.token} ${i}`));
    ruleOutputs[target.name] = pulumi.all([label, rulePlan, cmd.stdout]).apply(([l, r, stdout]) => attributed(cmd, () => ruleReport(l, r, stdout)));
    rules.push(cmd);
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
    repairs,
    after: rules,
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
 * In a preview, say how a unit drifted, attached to the unit's command (so `pulumi preview` prints it under
 * that resource): a warning when something of the unit is on the host already (drift, repaired by up), an
 * info line for a first install. Resolves once said: the command's stdin waits for it.
 */
function logDrift(
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
