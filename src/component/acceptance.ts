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
import type * as Docker from "@pulumi/docker";
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

/** Creates the check resources; returns the report per target name and the last resources. */
export function wireAcceptance(w: AcceptanceWiring): AcceptanceWired {
  const { config, name, parent } = w;
  const reports: Record<string, pulumi.Output<AcceptanceReport>> = {};
  let provider: Docker.Provider | undefined;
  let previous: readonly pulumi.Resource[] = w.after;
  // The targets the command check runs, in the order of the request: one script, one session (below).
  const viaCommand: { readonly target: string; readonly acc: TargetAcceptance; readonly skipped: pulumi.Output<string | undefined> }[] = [];
  for (const target of config.targets) {
    const acc = config.acceptance.targets[target.name];
    if (acc === undefined) throw new pulumi.ResourceError(`internal: no acceptance settings for ${target.name}`, parent);
    if (!config.acceptance.enabled) {
      reports[target.name] = pulumi.output(disabledAcceptance(acc));
      continue;
    }
    if (acc.image === "") {
      reports[target.name] = pulumi.output(noImageAcceptance(acc));
      continue;
    }
    // A target of the host's own family is not emulated: known only from the facts, so the resource
    // exists either way. The command check then runs it natively and expects the host's own machine;
    // the docker provider's report says "skipped".
    const skipped = w.plan.apply((p) => p.rules.find((r) => r.target.name === target.name)?.skipped);
    if (config.acceptance.via === AcceptanceVia.Command) {
      viaCommand.push({ target: target.name, acc, skipped });
    } else {
      // Loaded only on this path (an optional peer dependency); validation already reported it missing.
      const docker = loadDocker(name);
      provider ??= new docker.Provider(
        `${name}-docker`,
        { host: dockerHost(config.connection), sshOpts: dockerSshOpts(config.connection, config.acceptance.knownHostsPath), disableDockerDaemonCheck: true },
        { parent },
      );
      const spec = {
        target: target.name,
        image: acc.image,
        platform: acc.platform,
        expected: acc.expected,
        timeoutSeconds: config.acceptance.timeoutSeconds,
        rulesHash: w.rulesHash,
        repair: pulumi.output(w.repairs[target.name] ?? ""),
        skipped,
      };
      const container = dockerCheck(docker, name, spec, parent, provider, previous);
      reports[target.name] = pulumi
        .all([w.label, container.containerLogs, container.exitCode, skipped])
        .apply(([label, logs, code, skip]) => acceptanceFromContainer(label, target.name, acc, logs, code, skip));
      previous = [container];
    }
  }
  if (viaCommand.length > 0) {
    // One command checks every target of the host in ONE SSH session (per-target results from its per-target
    // lines). A skipped (native) target is checked too, expecting the host's own machine: a check that did
    // not run never reports passed.
    const check = remoteCommand(
      `${name}-check`,
      {
        connection: w.connection,
        create: w.privilege.apply((pr) => shellCommand(pr)),
        stdin: pulumi.all([w.label, pulumi.all(viaCommand.map((c) => c.skipped))]).apply(([label, skips]) =>
          hostCheckScript(
            label,
            viaCommand.map((c, i) => ({
              target: c.target,
              image: c.acc.image,
              platform: c.acc.platform,
              expected: c.acc.expected,
              timeoutSeconds: config.acceptance.timeoutSeconds,
              native: skips[i] !== undefined,
            })),
            Shipping.Bundle,
          ),
        ),
        // Re-run when the host's rules change (a target added or removed) or one of its targets was repaired.
        triggers: [w.rulesHash, ...viaCommand.map((c) => pulumi.output(w.repairs[c.target] ?? "").apply((r) => `${c.target} repair ${r}`))],
      },
      { parent, dependsOn: [...previous] },
    );
    for (const c of viaCommand) {
      reports[c.target] = pulumi.all([w.label, check.stdout]).apply(([label, stdout]) => attributed(check, () => acceptanceFromCommand(label, c.target, c.acc, stdout)));
    }
    previous = [check];
  }
  return { reports, last: previous };
}
