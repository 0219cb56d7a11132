// The layering ARCHITECTURE.md describes, enforced: the pure layers (src/binfmt, src/host) never import
// Pulumi or the Pulumi layer; src/ has no import cycle; no src file grows past 300 lines.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");
const SRC = join(ROOT, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

/** Module specifiers of every import/export-from/require in a file (type-only imports included). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/g), ...text.matchAll(/(?:require|import)\(\s*"([^"]+)"\s*\)/g)];
  return found.map((m) => m[1] ?? "");
}

/** The src file a relative specifier names (x.ts or x/index.ts), undefined for packages. */
function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, "index.ts")]) if (existsSync(candidate)) return candidate;
  throw new Error(`${relative(ROOT, from)}: cannot resolve ${spec}`);
}

const FILES = sourceFiles(SRC);
const rel = (f: string) => relative(ROOT, f);

test("src/binfmt and src/host import neither @pulumi/* nor src/component", () => {
  const pure = FILES.filter((f) => f.startsWith(join(SRC, "binfmt")) || f.startsWith(join(SRC, "host")));
  assert.ok(pure.length > 20, "the pure layers were found");
  const offences = pure.flatMap((f) =>
    specifiers(f)
      .filter((s) => s.startsWith("@pulumi/") || (resolveLocal(f, s) ?? "").startsWith(join(SRC, "component")))
      .map((s) => `${rel(f)} imports ${s}`),
  );
  assert.deepEqual(offences, []);
});

test("src/binfmt does not import src/host, src/component or src/cli (the core is the bottom layer)", () => {
  const core = FILES.filter((f) => f.startsWith(join(SRC, "binfmt")));
  const offences = core.flatMap((f) =>
    specifiers(f)
      .map((s) => resolveLocal(f, s))
      .filter((t): t is string => t !== undefined && !t.startsWith(join(SRC, "binfmt")))
      .map((t) => `${rel(f)} imports ${rel(t)}`),
  );
  assert.deepEqual(offences, []);
});

test("src/ has no import cycle", () => {
  const graph = new Map(FILES.map((f) => [f, specifiers(f).flatMap((s) => resolveLocal(f, s) ?? [])]));
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]): void => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") {
      cycles.push([...path.slice(path.indexOf(f)), f].map(rel).join(" -> "));
      return;
    }
    state.set(f, "open");
    for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
    state.set(f, "done");
  };
  for (const f of FILES) visit(f, []);
  assert.deepEqual(cycles, []);
});

test("no src file is over 300 lines", () => {
  const long = FILES.map((f) => [rel(f), readFileSync(f, "utf8").split("\n").length - 1] as const).filter(([, n]) => n > 300);
  assert.deepEqual(long, []);
});

test("the checks see real imports (a known edge is found)", () => {
  const host = join(SRC, "component", "host.ts");
  assert.ok(specifiers(host).includes("@pulumi/pulumi"));
  assert.ok(specifiers(join(SRC, "host", "plan.ts")).some((s) => resolveLocal(join(SRC, "host", "plan.ts"), s) === join(SRC, "binfmt", "index.ts")));
});
