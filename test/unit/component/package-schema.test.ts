/**
 * The component package's schema (pulumi-package/schema.golden.json) is what the SDK's own analyzer infers from
 * the TypeScript types — the analyzer `pulumi package add` runs through the package's run-plugin, here
 * called in process (no engine). A type that other languages cannot express (a readonly array, a union)
 * makes the analyzer throw; any change of an input, output, enum or description changes the golden file.
 * UPDATE_SNAPSHOTS=1 rewrites it instead of comparing (read the diff: it is every other language's API).
 *
 * The analyzer reads the package folder's declarations (../dist/src/*.d.ts, built); this test points it at
 * a throwaway folder that re-exports the same two classes from the TypeScript source, so it needs no build
 * (measured: the two give byte-identical schemas, also with pulumi-package/index.ts's own provider).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import { generateSchema } from "@pulumi/pulumi/provider/experimental/schema";
import { DEFAULTS } from "../../../src/host/config";
import { PACKAGE_METADATA, PACKAGE_NAME, withPackageMetadata, withRepository, type PackageManifest } from "../../../src/component/package-name";

const ROOT = path.join(__dirname, "../../..");
const PACKAGE_DIR = path.join(ROOT, "pulumi-package");
const GOLDEN = path.join(PACKAGE_DIR, "schema.golden.json");
const UPDATE = process.env.UPDATE_SNAPSHOTS === "1";
const COMPONENTS = ["BinfmtHost", "BinfmtFleet"];

interface Property {
  description?: string;
  items?: Property;
  additionalProperties?: Property;
}
interface PackageSchema {
  name: string;
  version: string;
  displayName?: string;
  description?: string;
  keywords?: string[];
  publisher?: string;
  homepage?: string;
  repository?: string;
  license?: string;
  logoUrl?: string;
  resources: Record<string, { description?: string; inputProperties: Record<string, Property>; properties: Record<string, Property> }>;
  types: Record<string, { enum?: { name: string; description?: string }[]; properties?: Record<string, Property> }>;
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** The schema as run-plugin would serve it for pulumi-package/ (name from its package.json, as run-plugin derives it). */
function inferSchema(): PackageSchema {
  const pkg = readJson(path.join(PACKAGE_DIR, "package.json"));
  const dir = mkdtempSync(path.join(tmpdir(), "pqb-schema-"));
  try {
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ ...pkg, main: "index.ts" }));
    writeFileSync(path.join(dir, "index.ts"), `export { ${COMPONENTS.join(", ")} } from ${JSON.stringify(path.join(ROOT, "src"))};\n`);
    writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ extends: path.join(ROOT, "tsconfig.json"), compilerOptions: { rootDir: "/" }, include: ["index.ts"] }));
    const name = String(pkg.name);
    const result = new Analyzer(dir, name, pkg, new Set(COMPONENTS)).analyze();
    const schema = generateSchema(name, String(pkg.version), String(pkg.description), result.components, result.typeDefinitions, result.dependencies);
    // As pulumi-package/index.ts serves it: plus `repository` and the Registry's metadata.
    return JSON.parse(JSON.stringify(withPackageMetadata(schema, pkg as unknown as PackageManifest))) as PackageSchema;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const schema = inferSchema();

test("the SDK's analyzer infers both components, and the schema is the golden file", () => {
  const text = `${JSON.stringify(schema, null, 2)}\n`;
  if (UPDATE) writeFileSync(GOLDEN, text);
  assert.deepEqual(Object.keys(schema.resources).sort(), COMPONENTS.map((c) => `${PACKAGE_NAME}:index:${c}`).sort());
  assert.equal(readFileSync(GOLDEN, "utf8"), text, "pulumi-package/schema.golden.json is stale: run UPDATE_SNAPSHOTS=1 on this test and read the diff");
});

test("every component, input, output, type property and enum member has a description", () => {
  const missing: string[] = [];
  for (const [token, r] of Object.entries(schema.resources)) {
    if (!r.description) missing.push(token);
    for (const [k, p] of Object.entries(r.inputProperties)) if (!p.description) missing.push(`${token} input ${k}`);
    for (const [k, p] of Object.entries(r.properties)) if (!p.description) missing.push(`${token} output ${k}`);
  }
  for (const [token, t] of Object.entries(schema.types)) {
    for (const e of t.enum ?? []) if (!e.description) missing.push(`${token}.${e.name}`);
    for (const [k, p] of Object.entries(t.properties ?? {})) if (!p.description) missing.push(`${token}.${k}`);
  }
  assert.deepEqual(missing, []);
});

test("every default in DEFAULTS reaches the schema's description of its argument", () => {
  const host = schema.resources[`${PACKAGE_NAME}:index:BinfmtHost`];
  assert.ok(host);
  const typeOf = { connection: "HostConnection", acceptance: "Acceptance" } as const;
  for (const path of Object.keys(DEFAULTS)) {
    const [head, tail] = path.split(".") as [string, string | undefined];
    const props = tail === undefined ? host.inputProperties : schema.types[`${PACKAGE_NAME}:index:${typeOf[head as keyof typeof typeOf]}`]?.properties;
    const description = props?.[tail ?? head]?.description ?? "";
    assert.match(description, /Default: \S/, `${path}: ${JSON.stringify(description)}`);
  }
});

test("pulumi-package/ is the library's package: same version, description and repository as the root package.json", () => {
  const root = readJson(path.join(ROOT, "package.json"));
  const pkg = readJson(path.join(PACKAGE_DIR, "package.json"));
  for (const k of ["version", "description", "repository", "license"]) assert.equal(pkg[k], root[k], k);
  // The Pulumi name is the type tokens' (qemu-binfmt:index:BinfmtHost); the npm name stays pulumi-qemu-binfmt.
  assert.equal(pkg.name, PACKAGE_NAME);
  assert.equal(schema.name, PACKAGE_NAME);
  const entry = readFileSync(path.join(PACKAGE_DIR, "index.ts"), "utf8");
  assert.match(entry, /^import \{ BinfmtFleet, BinfmtHost \} from "\.\.\/dist\/src";$/m);
  assert.match(entry, /components: \[BinfmtHost, BinfmtFleet\]/);
});

test("no object type is named …Args: Python, Go and C# append Args to an input type's name (no HostConnectionArgsArgs)", () => {
  const objectTypes = Object.entries(schema.types).filter(([, t]) => t.properties !== undefined);
  assert.ok(objectTypes.length > 0);
  assert.deepEqual(
    objectTypes.map(([token]) => token).filter((token) => token.endsWith("Args")),
    [],
  );
});

test("an input and an output of the same name have the same type (Python and Go SDKs decode one as the other)", () => {
  const shape = (p: Property): string => JSON.stringify(p, (k, v: unknown) => (["description", "plain", "optional"].includes(k) ? undefined : v));
  const clashes: string[] = [];
  for (const [token, r] of Object.entries(schema.resources)) {
    for (const [k, input] of Object.entries(r.inputProperties)) {
      const output = r.properties[k];
      if (output !== undefined && shape(input) !== shape(output)) clashes.push(`${token} ${k}: input ${shape(input)}, output ${shape(output)}`);
    }
  }
  assert.deepEqual(clashes, []);
});

test("the names other languages derive are pulumi_qemu_binfmt, qemubinfmt and a Go module path on the repository's host", () => {
  // Python: "pulumi_" + name with "_" for "-" when the schema has no namespace (a namespace replaces "pulumi");
  // Go: the repository's host and path + /sdk/go (pulumi/pkg codegen/go ExtractModulePath), package = name without "-".
  assert.equal((schema as { namespace?: string }).namespace, undefined);
  assert.equal(`pulumi_${schema.name.replaceAll("-", "_")}`, "pulumi_qemu_binfmt");
  const repo = new URL(String((schema as { repository?: string }).repository));
  assert.equal(`${repo.host}${repo.pathname}/sdk/go/${schema.name.replaceAll("-", "")}`, "github.com/pulumi-qemu-binfmt/pulumi-qemu-binfmt/sdk/go/qemubinfmt");
  assert.throws(() => withRepository({}, "https://github.com/o/r.git"), /repository: expected/);
});

test("the golden schema carries the Registry's metadata: display name, keywords, publisher, homepage, repository, license", () => {
  const golden = JSON.parse(readFileSync(GOLDEN, "utf8")) as PackageSchema;
  const pkg = readJson(path.join(PACKAGE_DIR, "package.json"));
  assert.equal(golden.displayName, PACKAGE_METADATA.displayName);
  assert.equal(golden.description, pkg.description);
  assert.equal(golden.repository, pkg.repository);
  assert.equal(golden.homepage, pkg.repository, "the homepage is the repository (its README)");
  assert.equal(golden.publisher, new URL(String(pkg.repository)).pathname.split("/")[1], "the publisher is the repository's owner");
  assert.equal(golden.license, "Apache-2.0");
  assert.equal(golden.logoUrl, undefined, "no logo exists: no logoUrl");
  const keywords = golden.keywords ?? [];
  // Reserved keywords of the package schema: exactly one category/ (cloud, database, infrastructure, network,
  // utility, vcs) and kind/component for a component package.
  assert.deepEqual(
    keywords.filter((k) => k.includes("/")),
    ["category/utility", "kind/component"],
  );
  for (const k of ["qemu", "binfmt", "cross-compilation", "arm"]) assert.ok(keywords.includes(k), `keyword ${k} in ${keywords.join(", ")}`);
  assert.equal(new Set(keywords).size, keywords.length, "no keyword twice");
});

test("the schema's version is the package's version (CHANGELOG.md's latest release, test/unit/versions.test.ts)", () => {
  const golden = JSON.parse(readFileSync(GOLDEN, "utf8")) as PackageSchema;
  assert.equal(golden.version, readJson(path.join(ROOT, "package.json")).version);
});
