// One version everywhere: the npm package, the component package, its schema and CHANGELOG.md's latest release
// agree; the changelog is Keep a Changelog shaped (Unreleased first, then releases newest first, dated); the
// README's pinning commands name that release.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "../..");
const read = (p: string): string => readFileSync(join(ROOT, p), "utf8");
const version = (p: string): string => (JSON.parse(read(p)) as { version: string }).version;

/** The `## [...]` headings of CHANGELOG.md, in order. */
function changelogHeadings(text: string): string[] {
  return [...text.matchAll(/^## \[([^\]]+)\](.*)$/gm)].map((m) => `${m[1] ?? ""}${m[2] ?? ""}`);
}

/** Released versions with their dates, newest first as written; throws on a malformed heading. */
function releases(text: string): { version: string; date: string }[] {
  return changelogHeadings(text)
    .filter((h) => h !== "Unreleased")
    .map((h) => {
      const m = /^(\d+\.\d+\.\d+) - (\d{4}-\d{2}-\d{2})$/.exec(h);
      if (m === null) throw new Error(`CHANGELOG.md: heading "## ${h.replace(/^([^ ]+)/, "[$1]")}" is not "## [X.Y.Z] - YYYY-MM-DD"`);
      return { version: m[1] ?? "", date: m[2] ?? "" };
    });
}

function semverCompare(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number)) as [number[], number[]];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

const CHANGELOG = read("CHANGELOG.md");

test("package.json, pulumi-package/package.json, the golden schema and CHANGELOG.md's latest release agree", () => {
  const npm = version("package.json");
  assert.equal(version("pulumi-package/package.json"), npm, "pulumi-package/package.json");
  assert.equal(version("pulumi-package/schema.golden.json"), npm, "pulumi-package/schema.golden.json (UPDATE_SNAPSHOTS=1 on package-schema.test.ts)");
  assert.equal(releases(CHANGELOG)[0]?.version, npm, "the newest release in CHANGELOG.md");
  assert.equal(version("package-lock.json"), npm, "package-lock.json (npm install --package-lock-only)");
});

test("CHANGELOG.md has Unreleased first, then releases newest first, each dated once", () => {
  assert.equal(changelogHeadings(CHANGELOG)[0], "Unreleased");
  assert.equal(changelogHeadings(CHANGELOG).filter((h) => h === "Unreleased").length, 1);
  const r = releases(CHANGELOG);
  assert.ok(
    r.some((x) => x.version === "0.1.0"),
    "0.1.0 is recorded",
  );
  for (let i = 1; i < r.length; i++) {
    const [newer, older] = [r[i - 1], r[i]] as [{ version: string; date: string }, { version: string; date: string }];
    assert.ok(semverCompare(newer.version, older.version) > 0, `${newer.version} is listed above ${older.version}`);
    assert.ok(newer.date >= older.date, `${newer.version} (${newer.date}) is dated before ${older.version} (${older.date})`);
  }
});

test("a malformed release heading is named", () => {
  assert.throws(() => releases("## [Unreleased]\n## [0.2] - 2026-01-01\n"), /heading "## \[0\.2\] - 2026-01-01"/);
});

test("the README pins the current release for npm and for pulumi package add", () => {
  const v = version("package.json");
  const readme = read("README.md");
  assert.match(readme, new RegExp(`npm install pulumi-qemu-binfmt@${v.replaceAll(".", "\\.")}\\b`));
  assert.match(readme, new RegExp(`pulumi package add \\S+/pulumi-package@v${v.replaceAll(".", "\\.")}\\b`));
});

test("every pinned version in the README and docs/ is the current release", () => {
  const v = version("package.json");
  const files = [
    "README.md",
    ...readdirSync(join(ROOT, "docs"))
      .filter((f) => f.endsWith(".md") && f !== "reliability.md")
      .map((f) => `docs/${f}`),
  ];
  const stale: string[] = [];
  let pins = 0;
  for (const f of files) {
    for (const m of read(f).matchAll(/(?:pulumi-qemu-binfmt@|pulumi-package@v)(\d+\.\d+\.\d+)/g)) {
      pins++;
      if (m[1] !== v) stale.push(`${f}: ${m[0]}`);
    }
  }
  assert.ok(pins >= 4, `only ${pins} pinned versions found`);
  assert.deepEqual(stale, [], `pins that are not the current release ${v}`);
});
