// The argument table of docs/arguments.md and the code agree: every argument the schemas accept has a row, every
// row is an argument, and every default in DEFAULTS (src/host/config.ts, the one table of defaults) is
// the row's default.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULTS } from "../../src/host/config";
import { AcceptanceVia, ApplyMode, InstallSource, PackageSet } from "../../src/host/enums";
import { MaskPolicy, SkipPolicy } from "../../src/binfmt";
import { acceptanceSchema, connectionSchema, hostArgsSchema, rolloutSchema } from "../../src/component/schemas";

const ARGUMENTS_DOC = readFileSync(join(__dirname, "../../docs/arguments.md"), "utf8");

/** argument -> default cell of the table under "## Arguments" in docs/arguments.md. */
function documentedDefaults(): Map<string, string> {
  const start = ARGUMENTS_DOC.indexOf("## Arguments");
  const end = ARGUMENTS_DOC.indexOf("## Outputs");
  assert.ok(start >= 0 && end > start, 'docs/arguments.md has a "## Arguments" section before "## Outputs"');
  const section = ARGUMENTS_DOC.slice(start, end);
  const rows = [...section.matchAll(/^\| `([A-Za-z.]+)` \| ([^|]+) \|/gm)];
  return new Map(rows.map((m) => [m[1] ?? "", (m[2] ?? "").trim()]));
}

const ENUMS: Record<string, Record<string, string>> = { MaskPolicy, SkipPolicy, ApplyMode, InstallSource, PackageSet, AcceptanceVia };

/** How the docs spell a default: `"F"`, `120`, `true`, `MaskPolicy.IgnoreAbiVersion`. */
function spelled(value: string | number | boolean): string {
  for (const [name, e] of Object.entries(ENUMS)) {
    const member = Object.entries(e).find(([, v]) => v === value)?.[0];
    if (member !== undefined) return `\`${name}.${member}\``;
  }
  return `\`${typeof value === "string" ? JSON.stringify(value) : String(value)}\``;
}

function argumentPaths(): string[] {
  const top = Object.keys(hostArgsSchema.shape).filter((k) => k !== "connection" && k !== "acceptance");
  // Of the bastion's fields only the cap has a row of its own (the others are the connection's, under `connection.proxy`);
  // `rollout` is BinfmtFleet's.
  return [
    ...Object.keys(connectionSchema.shape).map((k) => `connection.${k}`),
    "connection.proxy.maxConcurrent",
    ...top,
    ...Object.keys(acceptanceSchema.shape).map((k) => `acceptance.${k}`),
    ...Object.keys(rolloutSchema.shape).map((k) => `rollout.${k}`),
  ];
}

test("every default in DEFAULTS is the docs table's default for that argument", () => {
  const documented = documentedDefaults();
  for (const [path, value] of Object.entries(DEFAULTS)) {
    assert.equal(documented.get(path), spelled(value), `docs/arguments.md row for ${path}`);
  }
});

test("the docs table lists every argument the component accepts, and only those", () => {
  assert.deepEqual([...documentedDefaults().keys()].sort(), argumentPaths().sort());
});

/**
 * The "Default: …" of `field` in interface `iface` of src/component/args.ts (the docs a user's editor shows, and
 * the schema's description for other languages: the SDK's analyzer drops JSDoc tags such as `@default`).
 */
function argsDocDefault(iface: string, field: string): string | undefined {
  const text = readFileSync(join(__dirname, "../../src/component/args.ts"), "utf8");
  const body = text.slice(text.indexOf(`export interface ${iface} `));
  const end = body.indexOf("\n}\n");
  const m = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*\\n\\s*${field}\\?:`).exec(body.slice(0, end));
  return /Default: ([^\n]+)/
    .exec(m?.[1] ?? "")?.[1]
    ?.replace(/\s*\*\/\s*$/, "")
    .trim();
}

test("the Default: notes in args.ts say the same defaults", () => {
  for (const [path, value] of Object.entries(DEFAULTS)) {
    const [head, tail, leaf] = path.split(".");
    const [iface, field] =
      tail === undefined ? ["BinfmtOptionsArgs", head] : leaf !== undefined ? ["ProxyConnection", leaf] : [head === "connection" ? "HostConnection" : "Acceptance", tail];
    const doc = argsDocDefault(iface, field ?? "");
    assert.ok(doc?.startsWith(spelled(value).slice(1, -1)), `args.ts ${iface}.${field ?? ""}: Default: ${String(doc)}, DEFAULTS says ${spelled(value)}`);
  }
});

test("the table is read for real (a known row)", () => {
  assert.equal(documentedDefaults().get("maskPolicy"), "`MaskPolicy.IgnoreAbiVersion`");
  assert.ok(argumentPaths().includes("interpreters"));
  assert.equal(argsDocDefault("BinfmtOptionsArgs", "flags"), '"F"');
  assert.equal(argsDocDefault("HostConnection", "port"), "22");
  assert.equal(argsDocDefault("Acceptance", "via"), "AcceptanceVia.Command");
});

test("the Inputs of docs/arguments.md are exactly the schema's non-plain properties, and every plain argument is explained", () => {
  const golden = JSON.parse(readFileSync(join(__dirname, "../../pulumi-package/schema.golden.json"), "utf8")) as {
    resources: Record<string, { inputProperties: Record<string, { plain?: boolean }> }>;
    types: Record<string, { properties?: Record<string, { plain?: boolean }> }>;
  };
  const section = ARGUMENTS_DOC.slice(ARGUMENTS_DOC.indexOf("## Inputs and plain values"));
  const inputsParagraph = section.slice(section.indexOf("**Inputs**"), section.indexOf("**Plain**"));
  const plainPart = section.slice(section.indexOf("**Plain**"));
  const named = (text: string): Set<string> => new Set([...text.matchAll(/`([A-Za-z.]+)`/g)].map((m) => m[1] ?? ""));
  const inputs = new Set<string>();
  const plain = new Set<string>();
  for (const [token, t] of Object.entries(golden.types)) {
    for (const [k, p] of Object.entries(t.properties ?? {})) {
      if (token.endsWith(":HostConnection") || token.endsWith(":ProxyConnection")) (p.plain ? plain : inputs).add(k);
      else if (p.plain && token.endsWith(":Acceptance")) plain.add(`acceptance.${k}`);
    }
  }
  for (const r of Object.values(golden.resources)) for (const [k, p] of Object.entries(r.inputProperties)) (p.plain ? plain : inputs).add(k);
  assert.ok(inputs.has("host") && plain.has("architectures"), "the schema is read for real");
  assert.deepEqual([...named(inputsParagraph)].filter((n) => n !== "connection" && n !== "connection.proxy").sort(), [...inputs].sort());
  const explained = named(plainPart);
  const unexplained = [...plain].filter((k) => !["connection", "acceptance", "proxy", "hosts"].includes(k) && !explained.has(k) && !explained.has(`connection.${k}`));
  assert.deepEqual(unexplained, [], "plain arguments docs/arguments.md does not explain");
});
