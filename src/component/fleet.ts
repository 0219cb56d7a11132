/**
 * BinfmtFleet: the same configuration on many hosts. One BinfmtHost child per host, named
 * `<fleet>-<id>` from the host's stable id (never its position), so reordering `hosts` replaces nothing.
 * Hosts are independent resource chains, so Pulumi provisions them in parallel, except where the rollout orders
 * them (./rollout.ts): waves (rollout.waveSize) and bastion lanes (connection.proxy.maxConcurrent). Every
 * message and failure carries the host's label (`<fleet>-<id> (user@address:port)`).
 *
 * A retired host (`retired: true`) gets no BinfmtHost: nothing reads or touches it, and the engine deletes its
 * resources from the stack. The engine calls no provider for that only when the stack recorded them with
 * retainOnDelete (pulumi 3.248 DeleteStep.Apply reads the flag from the stored state, never from this program);
 * otherwise their deletes would run over SSH, so the fleet says how to remove them from the state first.
 */
import * as pulumi from "@pulumi/pulumi";
import { BinfmtFleetArgs, BinfmtHostArgs } from "./args";
import { BINFMT_HOST_TYPE, BinfmtHost, convergedResources, hostAfter } from "./host";
import { HostReport, qemuVersionsByHost } from "../host/outputs";
import { HostSpec, parseFleet } from "./validate";
import { resolveTarget } from "../binfmt";
import { typeToken, withFormerType } from "./package-name";
import { bastionCap, bastionKey } from "./bastion";
import { planRollout } from "./rollout";

export const BINFMT_FLEET_TYPE = typeToken("BinfmtFleet");

/**
 * The same QEMU/binfmt_misc configuration on many hosts: one BinfmtHost per host (named from its stable
 * id), provisioned in parallel or in waves (rollout); fleet-wide arguments apply to every host, a host may
 * override its targets; a retired host is no longer touched.
 */
export class BinfmtFleet extends pulumi.ComponentResource {
  /**
   * Per host id: its report (facts, packages, targets, rules hash and summary). Not named `hosts`: that is the
   * input (a list), and an input and an output of one name but different types break the Python and Go SDKs.
   */
  public readonly hostReports: pulumi.Output<Record<string, HostReport>>;
  /** Every host's summary, one after another, then which hosts run which QEMU version. */
  public readonly summary: pulumi.Output<string>;
  /** QEMU version → the ids of the hosts whose registered targets run it (a host with two versions is under both). */
  public readonly qemuVersions: pulumi.Output<Record<string, string[]>>;

  constructor(name: string, args: BinfmtFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    const fleet = parseFleet(`BinfmtFleet "${name}"`, args);
    super(BINFMT_FLEET_TYPE, name, {}, withFormerType("BinfmtFleet", opts));

    const { hosts: hostList, architectures, rollout: _rollout, ...shared } = args;
    const slots = planRollout(
      fleet.hosts.map((h) => ({ bastion: bastionKey(h.config.connection), cap: bastionCap(h.config.connection.proxy) })),
      fleet.waveSize,
    );
    const children: { id: string; host: BinfmtHost }[] = [];
    fleet.hosts.forEach(({ id, index, config }, i) => {
      const h = hostList[index];
      if (h === undefined) throw new pulumi.ResourceError("internal: host list changed", this);
      const hostArgs: BinfmtHostArgs = { ...ownEntries(shared, config), connection: config.connection, architectures: h.architectures ?? architectures };
      const after = (slots[i]?.after ?? []).flatMap((j) => {
        const earlier = children[j];
        if (earlier === undefined) throw new pulumi.ResourceError(`internal: rollout orders ${id} after a later host`, this);
        return convergedResources(earlier.host);
      });
      children.push({ id, host: new BinfmtHost(`${name}-${id}`, hostArgs, hostAfter({ parent: this }, after)) });
    });
    for (const id of fleet.retired) void sayRetired(this, name, id);
    this.hostReports = pulumi.all(children.map(({ id, host }) => host.report.apply((r): [string, HostReport] => [id, r]))).apply((e) => Object.fromEntries(e));
    this.qemuVersions = this.hostReports.apply((h) => qemuVersionsByHost(h));
    const retiredLine = fleet.retired.length > 0 ? [`retired (not touched): ${fleet.retired.join(", ")}`] : [];
    this.summary = pulumi.all([pulumi.all(children.map((c) => c.host.summary)), this.qemuVersions]).apply(([s, v]) => {
      const versions = Object.entries(v).map(([version, ids]) => `QEMU ${version}: ${ids.join(", ")}`);
      return [...s, ...(versions.length > 0 ? [versions.join("; ")] : []), ...retiredLine].join("\n");
    });
    this.registerOutputs({ hostReports: this.hostReports, summary: this.summary, qemuVersions: this.qemuVersions });
  }
}

/**
 * The fleet-wide options with the per-target maps (interpreters, acceptance.images, acceptance.platforms) cut to the
 * host's own targets: a fleet-wide entry applies to the hosts that request its target (validated by parseFleet),
 * and a BinfmtHost refuses an entry for a target it does not request.
 */
function ownEntries<T extends Omit<BinfmtFleetArgs, "hosts" | "architectures" | "rollout">>(shared: T, config: HostSpec): T {
  const names = new Set(config.targets.map((t) => t.name));
  const cut = (m: Record<string, string> | undefined) => (m === undefined ? undefined : Object.fromEntries(Object.entries(m).filter(([k]) => names.has(resolveTarget(k).name))));
  const acceptance = shared.acceptance === undefined ? undefined : { ...shared.acceptance, images: cut(shared.acceptance.images), platforms: cut(shared.acceptance.platforms) };
  return { ...shared, interpreters: cut(shared.interpreters), acceptance };
}

/**
 * The URN the retired host's BinfmtHost had (a child of the fleet, `<fleet>-<id>`), and the one command that
 * removes it and its resources from the state without SSH, for a stack that did not record them with retainOnDelete.
 */
export function retiredHostUrn(fleetUrn: string, fleetName: string, id: string): string {
  const [prefix, project, types] = fleetUrn.split("::");
  return `${prefix}::${project}::${types}$${BINFMT_HOST_TYPE}::${fleetName}-${id}`;
}

function sayRetired(fleet: BinfmtFleet, fleetName: string, id: string): Promise<void> {
  return new Promise((resolve) =>
    fleet.urn.apply((urn) => {
      const hostUrn = retiredHostUrn(urn, fleetName, id);
      void pulumi.log
        .info(
          `${fleetName}-${id} is retired: not read, provisioned or checked. Its resources leave the stack without SSH when they were recorded with ` +
            `retainOnDelete; otherwise, while they are still in the stack, remove them first (no SSH): pulumi state delete '${hostUrn}' --target-dependents --yes`,
          fleet,
        )
        .then(resolve, resolve);
    }),
  );
}
