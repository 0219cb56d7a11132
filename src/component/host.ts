/**
 * BinfmtHost: one Linux host turned into a cross-architecture build host. A thin class over pure
 * functions: validation (./validate), the observation (./observe → ../host/observation), planning and
 * evidence (../host/plan, ../host/evidence), drift (../host/drift), scripts (../host/scripts), output
 * shaping (../host/outputs). The class only creates and chains the child resources:
 *
 *   BinfmtHost <name>                             qemu-binfmt:index:BinfmtHost
 *   ├─ remote.Command <name>-facts                only with observe: false (the observation, once)
 *   ├─ HostRefusal <name>-refusal                 only when the host is unreadable or its plan refused (./refusal.ts)
 *   ├─ remote.CopyToRemote <name>-bundle          the script bundle, copied once (./bundle.ts, ../host/bundle.ts)
 *   ├─ remote.Command <name>-packages             apt install (delete: forget; remove the packages only if asked)
 *   │  or remote.Command <name>-interpreters     installSource image: the copy out of the pinned image (./image-install.ts)
 *   ├─ remote.Command <name>-rule-<target>        per requested target: binfmt.d file + kernel entry, verified field by field
 *   └─ remote.Command <name>-check                every target's acceptance check in one session (or docker resources per target: ./acceptance.ts)
 *
 * Drift: each of these commands carries its unit's repair token (../host/units.ts) in its script; the token
 * changes exactly when the observation shows the unit drifted, so `preview` shows an update of exactly the
 * drifted units and `up` re-runs exactly them (and their checks). No other resource or plugin is involved.
 *
 * Scripts: every command's stdin carries its variables and the bundle's hash, and sources its files from the
 * bundle installed on the host (../host/scripts/bundle.sh); only the observation carries its text.
 *
 * Order (dependsOn): the bundle, then the install; then the rules, RULE_LANES (4) at a time, one at a time behind a
 * bastion (./commands.ts; each rule script takes the host's lock, ../host/scripts/lock.sh, so their work on
 * the host still runs one at a time: only the SSH handshakes and the engine's steps overlap); then the
 * check, after all rules. A host's chain is 3 + ceil(T / 4) steps for T targets (3 + T behind a bastion).
 * Resources fan out per REQUESTED target, known when the program runs; what depends on the host (native
 * family, package names, interpreter path, persistence) is computed from the observation into the
 * scripts' text, never by creating resources in an apply.
 *
 * Reading order: buildHost lists the steps; each step is one function creating one kind of resource:
 * observeStep and gateStep (./host-state.ts), installStep (below), ruleSteps (./host-rules.ts), checkSteps
 * (./acceptance.ts). Two internal hooks (not exported by the package) let a fleet chain hosts: hostAfter (the
 * host's first remote step waits for given resources) and convergedResources (the host's last resources).
 */
import * as pulumi from "@pulumi/pulumi";
import { BinfmtHostArgs } from "./args";
import { AcceptanceWired, wireAcceptance } from "./acceptance";
import { remoteCommand } from "./commands";
import { hostLabel, remoteConnection } from "./connection";
import { logDrift } from "./drift-log";
import { HostContext, HostState, gateStep, hostState, observeStep } from "./host-state";
import { InstallStep, RuleSteps, ruleSteps } from "./host-rules";
import { Privilege } from "../host/enums";
import { HostFacts } from "../host/facts";
import { HostDrift } from "../host/drift";
import { imageUnit, unitsFile } from "../host/units";
import { HostReport, TargetReport, summarise } from "../host/outputs";
import { HostPlan } from "../host/plan";
import { PackagesAction, packagesScript } from "../host/scripts/packages";
import { installDigest, ownerRecord } from "../host/scripts/rule";
import { Shipping, shellCommand } from "../host/shell";
import { bundleCopy } from "./bundle";
import { HostSpec, parseHostArgs } from "./validate";
import { ImageInstallSpec, imageInstallCommand, imageInstallScript } from "./image-install";
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

    const built = buildHost(this, name, config, (opts !== undefined ? AFTER.get(opts) : undefined) ?? []);
    CONVERGED.set(this, built.converged);
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

/**
 * Internal (not exported from the package): build a host after other resources. The fleet's rollout waves pass
 * the previous wave's final resources (convergedResources) here; they become dependsOn of the host's first
 * remote step (the facts command with observe: false, the bundle's copy otherwise), of the HostRefusal, and
 * through them of every later step. Returns options to hand to `new BinfmtHost(name, args, opts)`.
 */
export function hostAfter(opts: pulumi.ComponentResourceOptions, after: readonly pulumi.Input<pulumi.Resource>[]): pulumi.ComponentResourceOptions {
  const tagged = { ...opts };
  AFTER.set(tagged, after);
  return tagged;
}

/**
 * Internal (not exported from the package): a host's final resources, the ones that complete only after the
 * host converged and passed its checks (the check command, the docker check containers, or the rules when
 * acceptance is off). A later rollout wave passes them to hostAfter.
 */
export function convergedResources(host: BinfmtHost): readonly pulumi.Resource[] {
  const last = CONVERGED.get(host);
  if (last === undefined) throw new Error(`internal: ${host.constructor.name} has no converged resources`);
  return last;
}

const AFTER = new WeakMap<object, readonly pulumi.Input<pulumi.Resource>[]>();
const CONVERGED = new WeakMap<BinfmtHost, readonly pulumi.Resource[]>();

interface BuiltHost {
  readonly label: pulumi.Output<string>;
  readonly facts: pulumi.Output<HostFacts>;
  readonly plan: pulumi.Output<HostPlan>;
  readonly targets: pulumi.Output<Record<string, TargetReport>>;
  readonly converged: readonly pulumi.Resource[];
}

/** The host's steps, in the order they run on the host. */
function buildHost(parent: pulumi.Resource, name: string, config: HostSpec, after: readonly pulumi.Input<pulumi.Resource>[]): BuiltHost {
  // The owner recorded in each binfmt.d file (another stack's file is refused, never taken over), and the
  // file where this host's units record their repair tokens.
  const owner = ownerRecord(pulumi.getProject(), pulumi.getStack(), name);
  const c: HostContext = {
    parent,
    name,
    config,
    connection: remoteConnection(config.connection),
    label: hostLabel(name, config.connection),
    owner,
    units: unitsFile(owner),
    after,
  };
  const observed = observeStep(c);
  const state = hostState(c, observed);
  const gate = gateStep(c, observed, state);
  const bundle = bundleStep(c, gate);
  const install = installStep(
    c,
    state,
    gate.apply((g) => [...g, bundle]),
  );
  const rules = ruleSteps(c, state, install);
  const checks = checkSteps(c, state, rules);
  const targets = targetReports(c, rules, checks);
  return { label: c.label, facts: state.facts, plan: state.plan, targets, converged: checks.last };
}

/** Install: the apt packages (`-packages`) or the pinned image's interpreters (`-interpreters`, ./image-install.ts). */
function installStep(c: HostContext, s: HostState, gate: pulumi.Output<pulumi.Input<pulumi.Resource>[]>): InstallStep {
  const { config, connection, label, name, parent } = c;
  const image = config.interpreterImage;
  const installUnit = image !== undefined ? imageUnit(image.digestHex) : "packages";
  // The install unit's drift: apt packages missing, or the image's interpreters (one of the two is always empty).
  const installDrift = (d: HostDrift): string[] => [...d.packages.map((p) => `package ${p} is not installed`), ...d.install];
  // Drift messages are logged while the command's stdin is computed (an input: its registration, and a component
  // provider's Construct, wait for it), attached to the command once it exists.
  const ref: { resource?: pulumi.Resource } = {};
  // A recorded token: this stack installed them before, so it is drift (a warning), not a first install.
  const logged = logDrift(
    label,
    s.drift.apply(installDrift),
    "",
    () => ref.resource ?? parent,
    s.recorded.apply((r) => r[installUnit] !== undefined),
  );
  const unit = pulumi.all([s.unitRecord(installUnit, installDrift), logged]).apply(([u]) => u);
  const privilege: pulumi.Output<Privilege> = s.facts.apply((f) => f.privilege);
  const opts = { parent, dependsOn: gate };
  // The rules and checks follow the digest of the script as it would run inline (what it runs, not how its
  // files reach the host): the same as before the bundle existed, so an upgrade re-runs no check for it.
  if (image !== undefined) {
    const spec: ImageInstallSpec = { connection, label, plan: s.plan, privilege, image, timeoutSeconds: config.acceptance.timeoutSeconds, unit };
    const resource = imageInstallCommand(name, spec, opts);
    ref.resource = resource;
    return { resource, digest: imageInstallScript(spec, Shipping.Inline).apply(installDigest) };
  }
  const script = (shipping: Shipping): pulumi.Output<string> =>
    pulumi.all([s.plan, label, unit]).apply(([p, l, u]) =>
      packagesScript({
        label: l,
        packages: p.packages,
        lockTimeoutSeconds: config.lockTimeoutSeconds,
        versionConstraint: config.packageVersion,
        removeOnDelete: config.removePackagesOnDestroy,
        unit: u,
        shipping,
      }),
    );
  const resource = remoteCommand(
    `${name}-packages`,
    {
      connection,
      create: privilege.apply((pr) => shellCommand(pr, PackagesAction.Install)),
      stdin: script(Shipping.BundleOrCarried),
      // Always: the delete forgets the unit's token; it removes the packages only when asked.
      delete: privilege.apply((pr) => shellCommand(pr, PackagesAction.Remove)),
    },
    opts,
  );
  ref.resource = resource;
  return { resource, digest: script(Shipping.Inline).apply(installDigest) };
}

/** Bundle: the script bundle copied to the host once (`-bundle`, ./bundle.ts), before the install uses it. */
function bundleStep(c: HostContext, gate: pulumi.Output<pulumi.Input<pulumi.Resource>[]>): pulumi.Resource {
  return bundleCopy(c.name, { connection: c.connection }, { parent: c.parent, dependsOn: gate });
}

/** Checks: every target's acceptance check after all rules (./acceptance.ts: one `-check`, or docker resources). */
function checkSteps(c: HostContext, s: HostState, rules: RuleSteps): AcceptanceWired {
  return wireAcceptance({
    parent: c.parent,
    name: c.name,
    config: c.config,
    connection: c.connection,
    label: c.label,
    privilege: s.facts.apply((f) => f.privilege),
    rulesHash: s.plan.apply((p) => p.rulesHash),
    plan: s.plan,
    repairs: rules.repairs,
    after: rules.resources,
  });
}

/** Per target: its rule's report with its acceptance result. */
function targetReports(c: HostContext, rules: RuleSteps, checks: AcceptanceWired): pulumi.Output<Record<string, TargetReport>> {
  const perTarget = c.config.targets.map((t) => {
    const rule = rules.reports[t.name];
    const acc = checks.reports[t.name];
    if (rule === undefined || acc === undefined) throw new pulumi.ResourceError(`internal: missing outputs for ${t.name}`, c.parent);
    return pulumi.all([rule, acc]).apply(([r, a]): [string, TargetReport] => [t.name, { ...r, acceptance: a }]);
  });
  return pulumi.all(perTarget).apply((entries) => Object.fromEntries(entries));
}
