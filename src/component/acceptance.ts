/**
 * The acceptance checks of one host: per requested target, the target's image runs on the HOST'S OWN
 * docker daemon and `uname -m` is read. Two interchangeable ways, same report shape:
 * - AcceptanceVia.Command: ONE `remote.Command` `${name}-check` running the check of every target in one SSH
 *   session (../host/scripts/check.ts hostCheckScript), one result line per target;
 * - AcceptanceVia.DockerProvider: one `docker.Provider` `${name}-docker` (ssh://user@host:port), and per
 *   target a `docker.RemoteImage` `${name}-image-<target>` and a one-shot `docker.Container`
 *   `${name}-check-<target>` (see ./docker-check.ts: inputs the plugin reads back unchanged, a failed
 *   check fails the container's creation and runs again on the next `up`).
 * Both re-run whenever the host's rendered rules change, a target was repaired (its repair token,
 * ../host/units.ts) or the install step ran with other input (a new QEMU: the digest of its script): the
 * command through `triggers`, the container through labels (labels force replacement).
 * The checks wait for every rule of the host (dependsOn); the docker provider's containers run one after
 * the other.
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { remoteCommand } from "./commands";
import { dockerHost, dockerSshOpts } from "./connection";
import { dockerCheck } from "./docker-check";
import { loadDocker } from "./docker-module";
import { AcceptanceVia, Privilege } from "../host/enums";
import { AcceptanceReport, acceptanceFromCommand, acceptanceFromContainer, disabledAcceptance, noImageAcceptance } from "../host/outputs";
import { HostPlan } from "../host/plan";
import { TargetAcceptance } from "../host/config";
import { hostCheckScript } from "../host/scripts/check";
import { Shipping, shellCommand } from "../host/shell";
import { HostSpec } from "./validate";
import { attributed } from "./errors";

export interface AcceptanceWiring {
  readonly parent: pulumi.Resource;
  readonly name: string;
  readonly config: HostSpec;
  readonly connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  readonly label: pulumi.Output<string>;
  readonly privilege: pulumi.Output<Privilege>;
  readonly rulesHash: pulumi.Output<string>;
  /** The host's plan: which targets it skips as native (their checks report "skipped" and run nothing). */
  readonly plan: pulumi.Output<HostPlan>;
  /** Per target: its repair token (../host/units.ts) and the install step's digest; a change re-runs its check. */
  readonly repairs: Readonly<Record<string, pulumi.Output<string>>>;
  /** The checks run after these: the host's rules (at least one: architectures is never empty). */
  readonly after: readonly pulumi.Resource[];
}

/** What wireAcceptance created: the report per target name, and the host's last resources. */
export interface AcceptanceWired {
  readonly reports: Record<string, pulumi.Output<AcceptanceReport>>;
  /** The resources that complete last: the check command, the last check container, or `after` with no check. */
  readonly last: readonly pulumi.Resource[];
}

/** A target the checks run, with its settings and whether the plan skips it (runs natively). */
interface CheckedTarget {
  readonly target: string;
  readonly acc: TargetAcceptance;
  readonly skipped: pulumi.Output<string | undefined>;
}

/** Creates the check resources; returns the report per target name and the last resources. */
export function wireAcceptance(w: AcceptanceWiring): AcceptanceWired {
  const { config, parent } = w;
  const reports: Record<string, pulumi.Output<AcceptanceReport>> = {};
  const checked: CheckedTarget[] = [];
  for (const target of config.targets) {
    const acc = config.acceptance.targets[target.name];
    if (acc === undefined) throw new pulumi.ResourceError(`internal: no acceptance settings for ${target.name}`, parent);
    if (!config.acceptance.enabled) reports[target.name] = pulumi.output(disabledAcceptance(acc));
    else if (acc.image === "") reports[target.name] = pulumi.output(noImageAcceptance(acc));
    // A target of the host's own family is not emulated: known only from the facts, so the resource
    // exists either way. The command check then runs it natively and expects the host's own machine;
    // the docker provider's report says "skipped".
    else checked.push({ target: target.name, acc, skipped: w.plan.apply((p) => p.rules.find((r) => r.target.name === target.name)?.skipped) });
  }
  if (checked.length === 0) return { reports, last: w.after };
  const last = config.acceptance.via === AcceptanceVia.Command ? commandCheck(w, checked, reports) : dockerChecks(w, checked, reports);
  return { reports, last };
}

/** Per target a RemoteImage and a one-shot Container through one docker.Provider, one after the other. */
function dockerChecks(w: AcceptanceWiring, checked: readonly CheckedTarget[], reports: Record<string, pulumi.Output<AcceptanceReport>>): pulumi.Resource[] {
  const { config, name, parent } = w;
  // Loaded only on this path (an optional peer dependency); validation already reported it missing.
  const docker = loadDocker(name);
  const provider = new docker.Provider(
    `${name}-docker`,
    { host: dockerHost(config.connection), sshOpts: dockerSshOpts(config.connection, config.acceptance.knownHostsPath), disableDockerDaemonCheck: true },
    { parent },
  );
  let previous: readonly pulumi.Resource[] = w.after;
  for (const { target, acc, skipped } of checked) {
    const spec = {
      target,
      image: acc.image,
      platform: acc.platform,
      expected: acc.expected,
      qemuCpu: acc.qemuCpu,
      isaLevel: acc.isaLevel,
      timeoutSeconds: config.acceptance.timeoutSeconds,
      rulesHash: w.rulesHash,
      repair: pulumi.output(w.repairs[target] ?? ""),
      skipped,
    };
    const container = dockerCheck(docker, name, spec, parent, provider, previous);
    reports[target] = pulumi
      .all([w.label, container.containerLogs, container.exitCode, skipped])
      .apply(([label, logs, code, skip]) => acceptanceFromContainer(label, target, acc, logs, code, skip));
    previous = [container];
  }
  return [...previous];
}

/**
 * One command checks every target of the host in ONE SSH session (per-target results from its per-target
 * lines). A skipped (native) target is checked too, expecting the host's own machine: a check that did not
 * run never reports passed.
 */
function commandCheck(w: AcceptanceWiring, checked: readonly CheckedTarget[], reports: Record<string, pulumi.Output<AcceptanceReport>>): pulumi.Resource[] {
  const check = remoteCommand(
    `${w.name}-check`,
    {
      connection: w.connection,
      create: w.privilege.apply((pr) => shellCommand(pr)),
      stdin: pulumi.all([w.label, pulumi.all(checked.map((c) => c.skipped))]).apply(([label, skips]) =>
        hostCheckScript(
          label,
          checked.map((c, i) => ({
            target: c.target,
            image: c.acc.image,
            platform: c.acc.platform,
            expected: c.acc.expected,
            timeoutSeconds: w.config.acceptance.timeoutSeconds,
            native: skips[i] !== undefined,
            requested: c.acc.requested,
            qemuCpu: c.acc.qemuCpu,
            isaLevel: c.acc.isaLevel,
            runAs: w.config.acceptance.runAs,
            dockerHost: w.config.acceptance.dockerHost,
          })),
          Shipping.Bundle,
        ),
      ),
      // Re-run when the host's rules change (a target added or removed) or one of its targets was repaired.
      triggers: [w.rulesHash, ...checked.map((c) => pulumi.output(w.repairs[c.target] ?? "").apply((r) => `${c.target} repair ${r}`))],
    },
    { parent: w.parent, dependsOn: [...w.after] },
  );
  for (const c of checked) {
    reports[c.target] = pulumi.all([w.label, check.stdout]).apply(([label, stdout]) => attributed(check, () => acceptanceFromCommand(label, c.target, c.acc, stdout)));
  }
  return [check];
}
