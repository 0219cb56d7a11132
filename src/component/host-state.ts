/**
 * The first two steps of a BinfmtHost (./host.ts), before it changes anything: observe (the program reads the
 * host, or the `-facts` command does once) and gate (a HostRefusal for a host that cannot be converged); and
 * what the later steps derive from the observation (../host/observation): the facts, the plan (or why it is
 * refused), what drifted, and each unit's repair-token record.
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { HostFacts } from "../host/facts";
import { HostDrift, hostDrift } from "../host/drift";
import { UnitRecord, parseUnits, repairToken } from "../host/units";
import { HostObservation } from "../host/observation";
import { HostPlan, planOrRefusal } from "../host/plan";
import { FILE_MARKER } from "../host/scripts/rule";
import { HostSpec } from "./validate";
import { attributed } from "./errors";
import { remoteCommand } from "./commands";
import { observeHost } from "./observe";
import { hostRefusal } from "./refusal";
import { observationRequest, parseObservation, unreadObservation } from "../host/observation";
import { observeScript } from "../host/scripts/observe";
import { shellCommand } from "../host/shell";

/** The observation as the host's steps read it. */
export interface ObservedHost {
  readonly observation: pulumi.Output<HostObservation>;
  /** Why the host could not be read; "" when it could (always "" with observe: false). */
  readonly unreadable: pulumi.Output<string>;
}

export interface HostState {
  readonly facts: pulumi.Output<HostFacts>;
  /** The plan and why it is refused ("" when it is not): see planOrRefusal. */
  readonly planned: pulumi.Output<{ readonly plan: HostPlan; readonly refused: string }>;
  readonly plan: pulumi.Output<HostPlan>;
  readonly drift: pulumi.Output<HostDrift>;
  /** The repair tokens the host's units file records (empty before the first up). */
  readonly recorded: pulumi.Output<Readonly<Record<string, string>>>;
  /** The unit's record for its script: the recorded token when the unit did not drift, else a fresh one. */
  unitRecord(unit: string, unitDrift: (d: HostDrift) => readonly string[]): pulumi.Output<UnitRecord>;
}

/** What every step of one host shares. */
export interface HostContext {
  readonly parent: pulumi.Resource;
  readonly name: string;
  readonly config: HostSpec;
  readonly connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  readonly label: pulumi.Output<string>;
  /** ownerRecord of this host: recorded in each binfmt.d file and in the units file. */
  readonly owner: string;
  /** The units file's path (unitsFile(owner)). */
  readonly units: string;
  /** hostAfter's resources: the first remote step waits for them. */
  readonly after: readonly pulumi.Input<pulumi.Resource>[];
}

/** Observe: read what the host has now, by the program on every run (observe), or once by a command (`-facts`). */
export function observeStep(c: HostContext): ObservedHost & { readonly first: pulumi.Resource[] } {
  const request = observationRequest(c.config, c.units);
  if (c.config.observe) {
    const result = observeHost(c.label, c.config.connection, request);
    return {
      observation: result.apply((r) => ("observation" in r ? r.observation : unreadObservation())),
      unreadable: result.apply((r) => ("unreadable" in r ? r.unreadable : "")),
      first: [],
    };
  }
  const factsCmd = remoteCommand(
    `${c.name}-facts`,
    { connection: c.connection, create: shellCommand(undefined), stdin: c.label.apply((l) => observeScript(l, request)) },
    { parent: c.parent, dependsOn: [...c.after] },
  );
  const observation = pulumi.all([factsCmd.stdout, c.label]).apply(([stdout, l]) => attributed(factsCmd, () => parseObservation(stdout, l)));
  return { observation, unreadable: pulumi.output(""), first: [factsCmd] };
}

/**
 * Gate: only a host that cannot be converged gets a HostRefusal (`-refusal`); every later step of the host
 * depends on what this returns (the facts command, the refusal, hostAfter's resources).
 */
export function gateStep(c: HostContext, o: ReturnType<typeof observeStep>, s: HostState): pulumi.Output<pulumi.Input<pulumi.Resource>[]> {
  return pulumi.all([s.planned, o.unreadable]).apply(([p, u]): pulumi.Input<pulumi.Resource>[] => {
    if (p.refused === "" && u === "") return [...c.after, ...o.first];
    // In a preview nothing is created, so say it here, naming the host (other hosts of a fleet still plan).
    if (u !== "" && pulumi.runtime.isDryRun()) void pulumi.log.error(u, c.parent);
    return [...c.after, ...o.first, hostRefusal(`${c.name}-refusal`, { refused: p.refused, unreadable: u }, { parent: c.parent, dependsOn: [...c.after, ...o.first] })];
  });
}

/** The facts, the plan, the drift and the units' records, from the observation. */
export function hostState(c: HostContext, o: ObservedHost): HostState {
  const { config, owner, units } = c;
  const facts = o.observation.apply((x) => x.facts);
  // A refused plan is reported by a HostRefusal (./refusal.ts), not by rejecting the plan: see planOrRefusal.
  const planned = pulumi.all([o.observation, c.label]).apply(([x, l]) => attributed(c.parent, () => planOrRefusal(config, x, l, owner)));
  const plan = planned.apply((r) => r.plan);
  // A host that could not be read has no drift to report: its HostRefusal fails with the reason.
  const drift = pulumi
    .all([plan, o.observation, o.unreadable])
    .apply(([p, x, u]): HostDrift => (config.observe && u === "" ? hostDrift(p, x, FILE_MARKER) : { targets: {}, packages: [], install: [] }));
  const recorded = o.observation.apply((x): Readonly<Record<string, string>> => {
    const f = x.files.find((y) => y.path === units);
    return f?.state === "file" ? parseUnits(f.text, owner) : {};
  });
  const unitRecord = (unit: string, unitDrift: (d: HostDrift) => readonly string[]): pulumi.Output<UnitRecord> =>
    pulumi.all([drift, recorded, o.unreadable]).apply(([d, r, u]) => ({
      file: units,
      owner,
      unit,
      // observe: false reads nothing after the first run: nothing can drift, the token never changes.
      token: config.observe ? repairToken(u === "" ? unitDrift(d) : undefined, r[unit]) : "0",
    }));
  return { facts, planned, plan, drift, recorded, unitRecord };
}
