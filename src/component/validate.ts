/**
 * zod validation of BinfmtHostArgs / BinfmtFleetArgs, and the normalised configuration the component
 * works from. Runs synchronously in the constructors, before any resource exists, so bad input never
 * reaches a host. Every value that ends up in a shell script is checked against a small character set
 * here AND shell-quoted in the scripts.
 *
 * `pulumi.Input` values that are Outputs or Promises cannot be inspected and pass through; plain values
 * are checked. Secret fields (private keys, passphrases) are never quoted in messages.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  TargetInfo,
  absolutePathSchema,
  flagsSchema,
  interpreterSuffixSchema,
  maskPolicySchema,
  normaliseFlags,
  quote,
  resolveTarget,
  skipPolicySchema,
  targetNameSchema,
} from "../binfmt";
import { BinfmtFleetArgs, BinfmtHostArgs, HostConnectionArgs } from "./args";
import { DEFAULTS, HostConfig, TargetAcceptance } from "../host/config";
import { AcceptanceVia, ApplyMode, PackageSet } from "../host/enums";
import { BinfmtArgsError } from "./errors";

/** A host's validated configuration plus how to reach it (connection values stay pulumi Inputs). */
export interface HostSpec extends HostConfig {
  readonly connection: HostConnectionArgs;
}

// ---------------------------------------------------------------------------------------------------
// Leaf schemas
// ---------------------------------------------------------------------------------------------------

/** An Output or a Promise: a pulumi Input we cannot look into now. */
const opaqueInput = z.custom<pulumi.Output<unknown> | Promise<unknown>>((v) => pulumi.Output.isInstance(v) || v instanceof Promise, {
  message: "expected a value or a pulumi Output",
});
function input<T extends z.ZodType>(plain: T) {
  return z.union([plain, opaqueInput]);
}

const hostSchema = z.string().superRefine((v, ctx) => {
  if (!/^[A-Za-z0-9._:%\-[\]]{1,253}$/.test(v)) {
    ctx.addIssue({
      code: "custom",
      message: `invalid host ${quote(v)}: expected a DNS name or an IP address (letters, digits, ".", "-", ":"), e.g. "10.0.0.5" or "builder-1.example.org"`,
    });
  }
});
const portSchema = z.number().superRefine((v, ctx) => {
  if (!Number.isInteger(v) || v < 1 || v > 65535) ctx.addIssue({ code: "custom", message: `invalid port ${quote(v)}: expected an integer from 1 to 65535` });
});
const userSchema = z.string().superRefine((v, ctx) => {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/.test(v)) {
    ctx.addIssue({ code: "custom", message: `invalid user ${quote(v)}: expected a login name (letters, digits, "_", ".", "-"; at most 32 characters), e.g. "root" or "builder"` });
  }
});
/** Never quotes the value: it is a secret. */
const privateKeySchema = z.string({ error: "expected the private key contents as a string (the value is not shown: it is secret)" }).superRefine((v, ctx) => {
  if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(v)) {
    ctx.addIssue({
      code: "custom",
      message:
        'does not look like a private key: expected the contents of an OpenSSH or PEM key file ("-----BEGIN … PRIVATE KEY-----"), not a path (use privateKeyPath for a path). The value is not shown: it is secret',
    });
  }
});
const secretStringSchema = z.string({ error: "expected a string (the value is not shown: it is secret)" });
const HOST_KEY = /^(ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/;
const hostKeySchema = z.string().superRefine((v, ctx) => {
  if (!HOST_KEY.test(v.trim())) {
    ctx.addIssue({
      code: "custom",
      message: `invalid host key ${quote(v.length > 80 ? `${v.slice(0, 80)}…` : v)}: expected "TYPE BASE64" as in known_hosts without the host name, e.g. "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA…" (ssh-keyscan prints it)`,
    });
  }
});
const intRange = (what: string, min: number, max: number) =>
  z.number().superRefine((v, ctx) => {
    if (!Number.isInteger(v) || v < min || v > max) ctx.addIssue({ code: "custom", message: `invalid ${what} ${quote(v)}: expected an integer from ${min} to ${max}` });
  });
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9]+)?(=[A-Za-z0-9.+~:-]+)?$/;
const packageSchema = z.string().superRefine((v, ctx) => {
  if (!PACKAGE.test(v))
    ctx.addIssue({ code: "custom", message: `invalid package name ${quote(v)}: expected a Debian package name, optionally with =VERSION, e.g. "qemu-user-static"` });
});
const IMAGE = /^[a-z0-9][a-z0-9._-]*(:[0-9]+)?(\/[a-z0-9][a-z0-9._-]*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const imageSchema = z.string().superRefine((v, ctx) => {
  if (!IMAGE.test(v))
    ctx.addIssue({ code: "custom", message: `invalid image ${quote(v)}: expected a Docker image reference such as "arm64v8/busybox" or "registry:5000/arm64v8/busybox:1.36"` });
});
const platformSchema = z.string().superRefine((v, ctx) => {
  if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(v))
    ctx.addIssue({ code: "custom", message: `invalid platform ${quote(v)}: expected OS/ARCH[/VARIANT], e.g. "linux/arm64" or "linux/arm/v7"` });
});
function enumSchema<T extends Record<string, string>>(e: T, what: string) {
  const values = Object.values(e);
  return z.enum(e, { error: (iss) => `invalid ${what} ${quote(iss.input)}; valid: ${values.map((v) => quote(v)).join(", ")}` });
}
function strict<T extends z.ZodRawShape>(shape: T, what: string) {
  const keys = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `unknown field(s) ${iss.keys.map((k) => quote(k)).join(", ")} in ${what}; valid fields: ${keys.join(", ")}`
        : `expected ${what} object, got ${quote(iss.input)}`,
  });
}
const targetMapSchema = <T extends z.ZodType>(value: T) => z.record(z.string(), value);

// ---------------------------------------------------------------------------------------------------
// Object schemas
// ---------------------------------------------------------------------------------------------------

/** What reaching one SSH endpoint takes: the same for a host and for its bastion. */
const endpointFields = {
  host: input(hostSchema),
  port: input(portSchema).optional(),
  user: input(userSchema).optional(),
  privateKey: input(privateKeySchema).optional(),
  privateKeyPassword: input(secretStringSchema).optional(),
  hostKey: input(hostKeySchema).optional(),
  agentSocketPath: input(z.string()).optional(),
};

const proxySchema = strict(endpointFields, "a proxy");

const connectionSchema = strict(
  {
    ...endpointFields,
    privateKeyPath: absolutePathSchema.optional(),
    proxy: proxySchema.optional(),
    dialErrorLimit: input(intRange("dialErrorLimit", -1, 1000)).optional(),
    perDialTimeout: input(intRange("perDialTimeout", 0, 3600)).optional(),
  },
  "a connection",
);

const acceptanceSchema = strict(
  {
    enabled: z.boolean().optional(),
    via: enumSchema(AcceptanceVia, "acceptance.via").optional(),
    images: targetMapSchema(imageSchema).optional(),
    platforms: targetMapSchema(platformSchema).optional(),
    timeoutSeconds: intRange("timeoutSeconds", 10, 3600).optional(),
    knownHostsPath: absolutePathSchema.optional(),
  },
  "an acceptance",
);

const architecturesSchema = z
  .array(targetNameSchema, {
    error: (iss) =>
      `expected a plain list of target names, e.g. ["arm", "aarch64"], got ${pulumi.Output.isInstance(iss.input) ? "a pulumi Output (resources fan out per target, so the list must be known when the program runs)" : quote(iss.input)}`,
  })
  .min(1, { message: 'name at least one target, e.g. ["arm", "aarch64"]' });

const optionsShape = {
  flags: flagsSchema.optional(),
  maskPolicy: maskPolicySchema.optional(),
  skipPolicy: skipPolicySchema.optional(),
  configDir: absolutePathSchema.optional(),
  applyMode: enumSchema(ApplyMode, "applyMode").optional(),
  installPackages: enumSchema(PackageSet, "installPackages").optional(),
  packages: z.array(packageSchema).optional(),
  removePackagesOnDestroy: z.boolean().optional(),
  lockTimeoutSeconds: intRange("lockTimeoutSeconds", 0, 3600).optional(),
  interpreterDir: absolutePathSchema.optional(),
  interpreterSuffix: interpreterSuffixSchema.optional(),
  acceptance: acceptanceSchema.optional(),
  observe: z.boolean().optional(),
};

const hostArgsSchema = strict({ ...optionsShape, connection: connectionSchema, architectures: architecturesSchema }, "BinfmtHost args");

const fleetHostSchema = strict(
  {
    id: z.string().superRefine((v, ctx) => {
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(v))
        ctx.addIssue({
          code: "custom",
          message: `invalid host id ${quote(v)}: use lower-case letters, digits and "-" (at most 63), e.g. "builder-1"; the id names the host's resources, keep it stable`,
        });
    }),
    connection: connectionSchema,
    architectures: architecturesSchema.optional(),
  },
  "a fleet host",
);

const fleetArgsSchema = strict(
  {
    ...optionsShape,
    architectures: architecturesSchema,
    hosts: z.array(fleetHostSchema).min(1, { message: "list at least one host" }),
  },
  "BinfmtFleet args",
).superRefine((a, ctx) => {
  const seen = new Map<string, number>();
  a.hosts.forEach((h, i) => {
    const first = seen.get(h.id);
    if (first !== undefined)
      ctx.addIssue({ code: "custom", path: ["hosts", i, "id"], message: `duplicate host id ${quote(h.id)} (also hosts[${first}].id): ids name resources and must be unique` });
    else seen.set(h.id, i);
  });
});

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

function resolveTargets(component: string, names: readonly string[], field: string): TargetInfo[] {
  const out: TargetInfo[] = [];
  names.forEach((n, i) => {
    let t: TargetInfo;
    try {
      t = resolveTarget(n, `${field}[${i}]`);
    } catch (e) {
      throw new BinfmtArgsError(component, [{ field: `${field}[${i}]`, message: e instanceof Error ? e.message : String(e) }]);
    }
    if (!out.includes(t)) out.push(t);
  });
  return out;
}

/** Per-target keys of images/platforms may use any accepted name; they must name a requested target. */
function perTarget(component: string, map: Record<string, string> | undefined, targets: readonly TargetInfo[], field: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(map ?? {})) {
    let t: TargetInfo;
    try {
      t = resolveTarget(key, `${field}.${key}`);
    } catch (e) {
      throw new BinfmtArgsError(component, [{ field: `${field}.${key}`, message: e instanceof Error ? e.message : String(e) }]);
    }
    if (!targets.includes(t)) {
      throw new BinfmtArgsError(component, [
        {
          field: `${field}.${key}`,
          message: `${quote(key)} is not one of the requested architectures (${targets.map((x) => x.name).join(", ")}); remove the entry or request the target`,
        },
      ]);
    }
    out.set(t.name, value);
  }
  return out;
}

function hostConfig(component: string, o: ParsedOptions, connection: HostConnectionArgs, architectures: readonly string[], archField: string): HostSpec {
  const targets = resolveTargets(component, architectures, archField);
  const acc = o.acceptance ?? {};
  const via = acc.via ?? DEFAULTS.acceptanceVia;
  const enabled = acc.enabled ?? true;
  const images = perTarget(component, acc.images, targets, "args.acceptance.images");
  const platforms = perTarget(component, acc.platforms, targets, "args.acceptance.platforms");
  if (enabled && via === AcceptanceVia.DockerProvider) {
    if (connection.privateKeyPath === undefined) {
      throw new BinfmtArgsError(component, [
        {
          field: "args.connection.privateKeyPath",
          message:
            'acceptance via the docker provider needs the private key as a FILE on this machine (the provider runs `ssh -i PATH`): set connection.privateKeyPath, or use acceptance.via "command"',
        },
      ]);
    }
    if (connection.hostKey === undefined && acc.knownHostsPath === undefined) {
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
  const accTargets: Record<string, TargetAcceptance> = {};
  for (const t of targets) {
    const ns = t.imageNamespaces[0];
    accTargets[t.name] = {
      image: images.get(t.name) ?? (ns !== undefined ? `${ns}/busybox` : ""),
      platform: platforms.get(t.name) ?? t.dockerPlatforms[0] ?? "",
      expected: t.unameMachine,
    };
  }
  return {
    connection,
    targets,
    flags: normaliseFlags(o.flags ?? DEFAULTS.flags),
    maskPolicy: o.maskPolicy ?? DEFAULTS.maskPolicy,
    skipPolicy: o.skipPolicy ?? DEFAULTS.skipPolicy,
    configDir: o.configDir ?? DEFAULTS.configDir,
    applyMode: o.applyMode ?? DEFAULTS.applyMode,
    installPackages: o.installPackages ?? DEFAULTS.installPackages,
    packages: o.packages,
    removePackagesOnDestroy: o.removePackagesOnDestroy ?? DEFAULTS.removePackagesOnDestroy,
    lockTimeoutSeconds: o.lockTimeoutSeconds ?? DEFAULTS.lockTimeoutSeconds,
    interpreterDir: o.interpreterDir,
    interpreterSuffix: o.interpreterSuffix,
    observe: o.observe ?? DEFAULTS.observe,
    acceptance: {
      enabled,
      via,
      timeoutSeconds: acc.timeoutSeconds ?? DEFAULTS.acceptanceTimeoutSeconds,
      knownHostsPath: acc.knownHostsPath,
      targets: accTargets,
    },
  };
}

/** Validate BinfmtHost args; throws BinfmtArgsError naming every bad field. */
export function parseHostArgs(component: string, args: BinfmtHostArgs): HostSpec {
  const r = hostArgsSchema.safeParse(args);
  if (!r.success) throw issuesToError(component, r.error);
  // The connection keeps the caller's objects (Outputs included); only plain values were checked.
  return hostConfig(component, r.data, args.connection, r.data.architectures, "args.architectures");
}

/** Validate BinfmtFleet args; returns one HostSpec per host id, in the given order. */
export function parseFleetArgs(component: string, args: BinfmtFleetArgs): { id: string; config: HostSpec }[] {
  const r = fleetArgsSchema.safeParse(args);
  if (!r.success) throw issuesToError(component, r.error);
  return r.data.hosts.map((h, i) => {
    const original = args.hosts[i];
    if (original === undefined) throw new Error("unreachable: hosts changed while validating");
    const archs = h.architectures ?? r.data.architectures;
    const field = h.architectures !== undefined ? `args.hosts[${i}].architectures` : "args.architectures";
    return { id: h.id, config: hostConfig(component, r.data, original.connection, archs, field) };
  });
}
