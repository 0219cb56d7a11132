/**
 * zod schemas of BinfmtHostArgs / BinfmtFleetArgs (./args.ts). Every value that ends up in a shell script
 * is checked against a small character set here AND shell-quoted in the scripts. `pulumi.Input` values
 * that are Outputs or Promises cannot be inspected and pass through; plain values are checked. Secret
 * fields (private keys, passphrases) are never quoted in messages. Normalisation is in ./validate.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { absolutePathSchema, flagsSchema, interpreterSuffixSchema, maskPolicySchema, quote, skipPolicySchema, targetSchema } from "../binfmt";
import { AcceptanceVia, ApplyMode, InstallSource, PackageSet } from "../host/enums";
import { parsePinnedImage } from "../host/image";
import { parseVersionConstraint } from "../host/version";
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

/** The message for a value of the wrong type: what was expected, an example, and the value given. */
function wrongType(what: string, example: string) {
  return { error: (iss: { input?: unknown }) => `expected ${what}, e.g. ${example}, got ${quote(iss.input)}` };
}

const hostSchema = z.string(wrongType("a DNS name or an IP address", '"10.0.0.5"')).superRefine((v, ctx) => {
  if (!/^[A-Za-z0-9._:%\-[\]]{1,253}$/.test(v)) {
    ctx.addIssue({
      code: "custom",
      message: `invalid host ${quote(v)}: expected a DNS name or an IP address (letters, digits, ".", "-", ":"), e.g. "10.0.0.5" or "builder-1.example.org"`,
    });
  }
});
const portSchema = z.number(wrongType("a port number", "22")).superRefine((v, ctx) => {
  if (!Number.isInteger(v) || v < 1 || v > 65535) ctx.addIssue({ code: "custom", message: `invalid port ${quote(v)}: expected an integer from 1 to 65535` });
});
const userSchema = z.string(wrongType("a login name", '"root"')).superRefine((v, ctx) => {
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
  z.number(wrongType(`an integer from ${min} to ${max}`, String(Math.max(min, Math.min(max, 10))))).superRefine((v, ctx) => {
    if (!Number.isInteger(v) || v < min || v > max) ctx.addIssue({ code: "custom", message: `invalid ${what} ${quote(v)}: expected an integer from ${min} to ${max}` });
  });
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9]+)?(=[A-Za-z0-9.+~:-]+)?$/;
const packageSchema = z.string(wrongType("a Debian package name", '"qemu-user-static"')).superRefine((v, ctx) => {
  if (!PACKAGE.test(v))
    ctx.addIssue({ code: "custom", message: `invalid package name ${quote(v)}: expected a Debian package name, optionally with =VERSION, e.g. "qemu-user-static"` });
});
const IMAGE = /^[a-z0-9][a-z0-9._-]*(:[0-9]+)?(\/[a-z0-9][a-z0-9._-]*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const imageSchema = z.string(wrongType("a Docker image reference", '"arm64v8/busybox"')).superRefine((v, ctx) => {
  if (!IMAGE.test(v))
    ctx.addIssue({ code: "custom", message: `invalid image ${quote(v)}: expected a Docker image reference such as "arm64v8/busybox" or "registry:5000/arm64v8/busybox:1.36"` });
});
const platformSchema = z.string(wrongType("a Docker platform", '"linux/arm64"')).superRefine((v, ctx) => {
  if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(v))
    ctx.addIssue({ code: "custom", message: `invalid platform ${quote(v)}: expected OS/ARCH[/VARIANT], e.g. "linux/arm64" or "linux/arm/v7"` });
});
/**
 * DOCKER_HOST for the check: a unix socket path (a rootless docker's or podman's API socket, e.g.
 * unix:///run/user/1000/podman/podman.sock) or a tcp/ssh address; it reaches the host's shell inside single
 * quotes (src/host/shell.ts), and a control character is refused here.
 */
const dockerHostSchema = z.string(wrongType("a DOCKER_HOST address", '"unix:///run/user/1000/podman/podman.sock"')).superRefine((v, ctx) => {
  const control = [...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (control || !/^(unix:\/\/\/\S+|tcp:\/\/[A-Za-z0-9.:[\]-]+|ssh:\/\/\S+)$/.test(v))
    ctx.addIssue({
      code: "custom",
      message: `invalid dockerHost ${quote(v)}: expected a DOCKER_HOST address: unix:///ABSOLUTE/SOCKET, tcp://HOST:PORT or ssh://USER@HOST, e.g. "unix:///run/user/1000/podman/podman.sock"`,
    });
});
/** An image reference that must be pinned by digest (the interpreters' source): ../host/image.ts. */
const pinnedImageSchema = z.string(wrongType("an image reference pinned by digest", '"registry:5000/qemu-user-static@sha256:1c7e…"')).superRefine((v, ctx) => {
  try {
    parsePinnedImage(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
  }
});
const versionConstraintSchema = z.string(wrongType("a Debian version or a minimum", '">=1:8.0"')).superRefine((v, ctx) => {
  try {
    parseVersionConstraint(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
  }
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
/**
 * A map keyed by target name. zod's record drops a "__proto__" key without a word (prototype-pollution
 * safety), which would silently ignore `{ ["__proto__"]: … }`; refuse it as the unknown target it is.
 */
const targetMapSchema = <T extends z.ZodType>(value: T) =>
  z.preprocess(
    (v, ctx) => {
      if (typeof v === "object" && v !== null && Object.prototype.hasOwnProperty.call(v, "__proto__")) {
        ctx.addIssue({ code: "custom", path: ["__proto__"], message: `unknown target "__proto__": keys are target names, e.g. "aarch64"` });
      }
      return v;
    },
    z.record(z.string(), value),
  );

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
  agentSocketPath: input(z.string(wrongType("the path of an ssh-agent socket", '"/run/user/1000/ssh-agent.sock"'))).optional(),
};

export const proxySchema = strict({ ...endpointFields, maxConcurrent: intRange("maxConcurrent", 1, 1000).optional() }, "a proxy");

export const connectionSchema = strict(
  {
    ...endpointFields,
    privateKeyPath: absolutePathSchema.optional(),
    proxy: proxySchema.optional(),
    dialErrorLimit: input(intRange("dialErrorLimit", -1, 1000)).optional(),
    perDialTimeout: input(intRange("perDialTimeout", 0, 3600)).optional(),
  },
  "a connection",
);

export const acceptanceSchema = strict(
  {
    enabled: z.boolean(wrongType("true or false", "false")).optional(),
    via: enumSchema(AcceptanceVia, "acceptance.via").optional(),
    images: targetMapSchema(imageSchema).optional(),
    platforms: targetMapSchema(platformSchema).optional(),
    timeoutSeconds: intRange("timeoutSeconds", 10, 3600).optional(),
    knownHostsPath: absolutePathSchema.optional(),
    runAs: userSchema.optional(),
    dockerHost: dockerHostSchema.optional(),
  },
  "an acceptance",
);

const architecturesSchema = z
  .array(targetSchema, {
    error: (iss) =>
      `expected a plain list of target names, e.g. ["arm", "aarch64"], got ${pulumi.Output.isInstance(iss.input) ? "a pulumi Output (resources fan out per target, so the list must be known when the program runs)" : quote(iss.input)}`,
  })
  .min(1, { message: 'name at least one target, e.g. ["arm", "aarch64"]' });

export const optionsShape = {
  flags: flagsSchema.optional(),
  maskPolicy: maskPolicySchema.optional(),
  skipPolicy: skipPolicySchema.optional(),
  configDir: absolutePathSchema.optional(),
  applyMode: enumSchema(ApplyMode, "applyMode").optional(),
  installSource: enumSchema(InstallSource, "installSource").optional(),
  interpreterImage: pinnedImageSchema.optional(),
  packageVersion: versionConstraintSchema.optional(),
  installPackages: enumSchema(PackageSet, "installPackages").optional(),
  packages: z.array(packageSchema).optional(),
  removePackagesOnDestroy: z.boolean(wrongType("true or false", "true")).optional(),
  lockTimeoutSeconds: intRange("lockTimeoutSeconds", 0, 3600).optional(),
  interpreterDir: absolutePathSchema.optional(),
  interpreterSuffix: interpreterSuffixSchema.optional(),
  interpreters: targetMapSchema(absolutePathSchema).optional(),
  observe: z.boolean(wrongType("true or false", "false")).optional(),
  acceptance: acceptanceSchema.optional(),
};

export const hostArgsSchema = strict({ ...optionsShape, connection: connectionSchema, architectures: architecturesSchema }, "BinfmtHost args");

const fleetHostSchema = strict(
  {
    id: z.string(wrongType("a host id", '"builder-1"')).superRefine((v, ctx) => {
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(v))
        ctx.addIssue({
          code: "custom",
          message: `invalid host id ${quote(v)}: use lower-case letters, digits and "-" (at most 63), e.g. "builder-1"; the id names the host's resources, keep it stable`,
        });
    }),
    connection: connectionSchema.optional(),
    architectures: architecturesSchema.optional(),
    retired: z.boolean(wrongType("true or false", "true")).optional(),
  },
  "a fleet host",
).superRefine((h, ctx) => {
  if (h.retired !== true && h.connection === undefined)
    ctx.addIssue({ code: "custom", path: ["connection"], message: `host ${quote(h.id)} has no connection: give one, or mark the host retired: true (its machine is gone)` });
});

export const rolloutSchema = strict({ waveSize: intRange("waveSize", 1, 100000).optional() }, "a rollout");

export const fleetArgsSchema = strict(
  {
    ...optionsShape,
    architectures: architecturesSchema,
    hosts: z.array(fleetHostSchema).min(1, { message: "list at least one host" }),
    rollout: rolloutSchema.optional(),
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
