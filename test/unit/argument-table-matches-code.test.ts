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
import { acceptanceSchema, connectionSchema, hostArgsSchema } from "../../src/component/schemas";

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
  return [...Object.keys(connectionSchema.shape).map((k) => `connection.${k}`), ...top, ...Object.keys(acceptanceSchema.shape).map((k) => `acceptance.${k}`)];
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
    const [head, tail] = path.split(".");
    const [iface, field] = tail === undefined ? ["BinfmtOptionsArgs", head] : [head === "connection" ? "HostConnection" : "Acceptance", tail];
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
