/**
 * Validation of BinfmtHostArgs / BinfmtFleetArgs (schemas in ./schemas.ts) and the normalised
 * configuration the component works from. Runs synchronously in the constructors, before any resource
 * exists, so bad input never reaches a host. Each target is resolved once here (the schema turns names
 * into catalogue entries; map keys are resolved below); flags are validated and normalised once, by the
 * schema (flagsSchema); every default comes from DEFAULTS (src/host/config.ts).
 */
import { z } from "zod";
import { TargetInfo, quote, resolveTarget } from "../binfmt";
import { BinfmtFleetArgs, BinfmtHostArgs, HostConnection } from "./args";
import { DEFAULTS, HostConfig } from "../host/config";
import { acceptanceFor } from "../host/acceptance-check";
import { AcceptanceVia } from "../host/enums";
import { installChoice } from "./install-source";
import { BinfmtArgsError } from "./errors";
import { fleetArgsSchema, hostArgsSchema, optionsShape } from "./schemas";
import { loadDocker } from "./docker-module";

/** A host's validated configuration plus how to reach it (connection values stay pulumi Inputs). */
export interface HostSpec extends HostConfig {
  readonly connection: HostConnection;
}

// ---------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------

function fieldOf(path: readonly PropertyKey[]): string {
  let out = "args";
  for (const k of path) out += typeof k === "number" ? `[${k}]` : `.${String(k)}`;
  return out;
}

function issuesToError(component: string, error: z.ZodError): BinfmtArgsError {
  const problems = error.issues.slice(0, 8).map((iss) => {
    const message = iss.message;
    // A union of "plain value | Output" reports the plain branch's problem, which is the useful one.
    if (iss.code === "invalid_union" && iss.errors.length > 0) {
      const inner = iss.errors.flat().find((e) => e.message !== "expected a value or a pulumi Output");
      if (inner !== undefined) return { field: fieldOf([...iss.path, ...inner.path]), message: inner.message };
    }
    return { field: fieldOf(iss.path), message };
  });
  return new BinfmtArgsError(component, problems);
}

// ---------------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------------

type ParsedOptions = z.output<z.ZodObject<typeof optionsShape>>;

/**
 * Each target once. Two entries naming the same target (["aarch64", "arm64"], or "arm" twice) are
 * rejected, naming both: a list that says one thing twice is more likely a mistake (a typo for another
 * target) than a wish, and the maps keyed by target reject the same contradiction.
 */
function uniqueTargets(component: string, targets: readonly TargetInfo[], given: readonly string[], field: string): TargetInfo[] {
  const first = new Map<TargetInfo, number>();
  targets.forEach((t, i) => {
    const j = first.get(t);
    if (j === undefined) {
      first.set(t, i);
      return;
    }
    throw new BinfmtArgsError(component, [
      {
        field: `${field}[${i}]`,
        message: `${quote(given[i])} names the target ${t.name}, already requested as ${quote(given[j])} (${field}[${j}]); list each target once`,
      },
    ]);
  });
  return [...targets];
}

/**
 * A per-target map (acceptance.images, acceptance.platforms, interpreters): keys may use any accepted
 * name, each resolved once; they must name a requested target, and two keys must not name the same one.
 */
/**
 * A per-target map (images, platforms, interpreters) for one host: keys may use any accepted name, two keys
 * may not name one target, and every key must name a target that is requested — by this host, or in a
 * fleet by any host (`known`): a fleet-wide entry applies to the hosts that request its target.
 */
function perTarget(
  component: string,
  map: Readonly<Record<string, string>> | undefined,
  targets: readonly TargetInfo[],
  field: string,
  known: readonly TargetInfo[] = targets,
): Map<string, string> {
  const out = new Map<string, string>();
  const keyOf = new Map<string, string>();
  for (const [key, value] of Object.entries(map ?? {})) {
    let t: TargetInfo;
    try {
      t = resolveTarget(key, `${field}.${key}`);
    } catch (e) {
      throw new BinfmtArgsError(component, [{ field: `${field}.${key}`, message: e instanceof Error ? e.message : String(e) }]);
    }
    if (!known.includes(t)) {
      throw new BinfmtArgsError(component, [
        {
          field: `${field}.${key}`,
          message: `${quote(key)} is not one of the requested architectures (${known.map((x) => x.name).join(", ")}); remove the entry or request the target`,
        },
      ]);
    }
    const other = keyOf.get(t.name);
    if (other !== undefined) {
      throw new BinfmtArgsError(component, [
        {
          field: `${field}.${key}`,
          message: `keys ${quote(other)} and ${quote(key)} both name the target ${t.name} (${quote(map?.[other])} and ${quote(value)}); keep one`,
        },
      ]);
    }
    keyOf.set(t.name, key);
    if (targets.includes(t)) out.set(t.name, value);
  }
  return out;
}

/** The docker provider's check needs @pulumi/docker installed, a key file and a pinned host key, and no bastion. */
function checkDockerProvider(component: string, connection: HostConnection, knownHostsPath: string | undefined): void {
  loadDocker(component);
  if (connection.privateKeyPath === undefined) {
    throw new BinfmtArgsError(component, [
      {
        field: "args.connection.privateKeyPath",
        message:
          'acceptance via the docker provider needs the private key as a FILE on this machine (the provider runs `ssh -i PATH`): set connection.privateKeyPath, or use acceptance.via "command"',
      },
    ]);
  }
  if (connection.hostKey === undefined && knownHostsPath === undefined) {
    throw new BinfmtArgsError(component, [
      {
        field: "args.connection.hostKey",
        message: "acceptance via the docker provider needs the host key (its ssh checks it strictly): set connection.hostKey or acceptance.knownHostsPath",
      },
    ]);
  }
  if (connection.proxy !== undefined) {
    throw new BinfmtArgsError(component, [
      { field: "args.connection.proxy", message: 'acceptance via the docker provider does not support a bastion hop: use acceptance.via "command"' },
    ]);
  }
}

function hostConfig(
  component: string,
  o: ParsedOptions,
  connection: HostConnection,
  requested: readonly TargetInfo[],
  given: readonly string[],
  archField: string,
  known?: readonly TargetInfo[],
): HostSpec {
  const targets = uniqueTargets(component, requested, given, archField);
  const acc = o.acceptance ?? {};
  const via = acc.via ?? DEFAULTS["acceptance.via"];
  const enabled = acc.enabled ?? DEFAULTS["acceptance.enabled"];
  const images = perTarget(component, acc.images, targets, "args.acceptance.images", known);
  const platforms = perTarget(component, acc.platforms, targets, "args.acceptance.platforms", known);
  const interpreters = perTarget(component, o.interpreters, targets, "args.interpreters", known);
  if (enabled && via === AcceptanceVia.DockerProvider) checkDockerProvider(component, connection, acc.knownHostsPath);
  for (const field of ["runAs", "dockerHost"] as const) {
    if (acc[field] !== undefined && via === AcceptanceVia.DockerProvider) {
      throw new BinfmtArgsError(component, [
        {
          field: `args.acceptance.${field}`,
          message: `acceptance.${field} ${quote(acc[field])} needs acceptance.via "command": the docker provider reaches the daemon of the SSH login user (ssh:// + docker system dial-stdio) and cannot switch user or socket`,
        },
      ]);
    }
  }
  const install = installChoice(component, o);
  return {
    connection,
    targets,
    flags: o.flags ?? DEFAULTS.flags,
    maskPolicy: o.maskPolicy ?? DEFAULTS.maskPolicy,
    skipPolicy: o.skipPolicy ?? DEFAULTS.skipPolicy,
    configDir: o.configDir ?? DEFAULTS.configDir,
    applyMode: o.applyMode ?? DEFAULTS.applyMode,
    ...install,
    installPackages: o.installPackages ?? DEFAULTS.installPackages,
    packages: o.packages,
    removePackagesOnDestroy: o.removePackagesOnDestroy ?? DEFAULTS.removePackagesOnDestroy,
    lockTimeoutSeconds: o.lockTimeoutSeconds ?? DEFAULTS.lockTimeoutSeconds,
    interpreterDir: o.interpreterDir ?? DEFAULTS.interpreterDir,
    interpreterSuffix: o.interpreterSuffix,
    observe: o.observe ?? DEFAULTS.observe,
    interpreters: Object.fromEntries(interpreters),
    acceptance: {
      enabled,
      via,
      timeoutSeconds: acc.timeoutSeconds ?? DEFAULTS["acceptance.timeoutSeconds"],
      knownHostsPath: acc.knownHostsPath,
      runAs: acc.runAs,
      dockerHost: acc.dockerHost,
      // Per target, from the spelling it was requested by (its platform variant): targets[i] is given[i].
      targets: Object.fromEntries(targets.map((t, i) => [t.name, acceptanceFor(t, given[i] ?? t.name, images.get(t.name), platforms.get(t.name))])),
    },
  };
}

/** Validate BinfmtHost args; throws BinfmtArgsError naming every bad field. */
export function parseHostArgs(component: string, args: BinfmtHostArgs): HostSpec {
  const r = hostArgsSchema.safeParse(args);
  if (!r.success) throw issuesToError(component, r.error);
  // The connection keeps the caller's objects (Outputs included); only plain values were checked.
  return hostConfig(component, r.data, args.connection, r.data.architectures, args.architectures, "args.architectures");
}

/** A validated fleet: its live hosts (with their index in `hosts`), the retired hosts' ids, the wave size. */
export interface FleetSpec {
  readonly hosts: readonly { readonly id: string; readonly index: number; readonly config: HostSpec }[];
  readonly retired: readonly string[];
  /** Hosts per wave; undefined: every host in one wave. */
  readonly waveSize: number | undefined;
}

/** Validate BinfmtFleet args (throws BinfmtArgsError naming every bad field). Retired hosts get no HostSpec. */
export function parseFleet(component: string, args: BinfmtFleetArgs): FleetSpec {
  const r = fleetArgsSchema.safeParse(args);
  if (!r.success) throw issuesToError(component, r.error);
  // Every target some host requests: a fleet-wide per-target entry may name any of them.
  const known = [...new Set([...r.data.architectures, ...r.data.hosts.flatMap((h) => h.architectures ?? [])])];
  const hosts: { id: string; index: number; config: HostSpec }[] = [];
  const retired: string[] = [];
  r.data.hosts.forEach((h, i) => {
    const original = args.hosts[i];
    if (original === undefined) throw new Error("unreachable: hosts changed while validating");
    if (h.retired === true || original.connection === undefined) {
      retired.push(h.id);
      return;
    }
    const own = h.architectures !== undefined && original.architectures !== undefined;
    const archs = own ? h.architectures : r.data.architectures;
    const given = own && original.architectures !== undefined ? original.architectures : args.architectures;
    const field = own ? `args.hosts[${i}].architectures` : "args.architectures";
    hosts.push({ id: h.id, index: i, config: hostConfig(component, r.data, original.connection, archs ?? [], given, field, known) });
  });
  return { hosts, retired, waveSize: r.data.rollout?.waveSize };
}

/** Validate BinfmtFleet args; returns one HostSpec per live (not retired) host, in the given order. */
export function parseFleetArgs(component: string, args: BinfmtFleetArgs): { id: string; config: HostSpec }[] {
  return parseFleet(component, args).hosts.map(({ id, config }) => ({ id, config }));
}
