/**
 * BinfmtFleet: the same configuration on many hosts. One BinfmtHost child per host, named
 * `<fleet>-<id>` from the host's stable id (never its position), so reordering `hosts` replaces nothing.
 * Hosts are independent resource chains, so Pulumi provisions them in parallel; every message and
 * failure carries the host's label (`<fleet>-<id> (user@address:port)`).
 */
import * as pulumi from "@pulumi/pulumi";
import { BinfmtFleetArgs, BinfmtHostArgs } from "./args";
import { BinfmtHost } from "./host";
import { HostReport, qemuVersionsByHost } from "../host/outputs";
import { parseFleetArgs } from "./validate";
import { typeToken, withFormerType } from "./package-name";

export const BINFMT_FLEET_TYPE = typeToken("BinfmtFleet");

/**
 * The same QEMU/binfmt_misc configuration on many hosts: one BinfmtHost per host (named from its stable
 * id), provisioned in parallel; fleet-wide arguments apply to every host, a host may override its targets.
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
    const parsed = parseFleetArgs(`BinfmtFleet "${name}"`, args);
    super(BINFMT_FLEET_TYPE, name, {}, withFormerType("BinfmtFleet", opts));

    const { hosts: hostList, architectures, ...shared } = args;
    const children = parsed.map(({ id }, i) => {
      const h = hostList[i];
      if (h === undefined) throw new pulumi.ResourceError("internal: host list changed", this);
      const hostArgs: BinfmtHostArgs = { ...shared, connection: h.connection, architectures: h.architectures ?? architectures };
      return { id, host: new BinfmtHost(`${name}-${id}`, hostArgs, { parent: this }) };
    });
    this.hostReports = pulumi.all(children.map(({ id, host }) => host.report.apply((r): [string, HostReport] => [id, r]))).apply((e) => Object.fromEntries(e));
    this.qemuVersions = this.hostReports.apply((h) => qemuVersionsByHost(h));
    this.summary = pulumi.all([pulumi.all(children.map((c) => c.host.summary)), this.qemuVersions]).apply(([s, v]) => {
      const versions = Object.entries(v).map(([version, ids]) => `QEMU ${version}: ${ids.join(", ")}`);
      return [...s, ...(versions.length > 0 ? [versions.join("; ")] : [])].join("\n");
    });
    this.registerOutputs({ hostReports: this.hostReports, summary: this.summary, qemuVersions: this.qemuVersions });
  }
}
