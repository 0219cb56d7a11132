// The README stays short and every page of docs/ is one link away from it; every relative link and anchor in
// the project's Markdown resolves (a section moved out of the README leaves no link to an anchor that is gone).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");
const README_LIMIT_BYTES = 15_000;
const SKIPPED_DIRS = new Set(["node_modules", "dist", ".git", ".toolchain", ".pulumi-home", ".state", ".lab", "work"]);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIPPED_DIRS.has(name)) return [];
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return markdownFiles(p);
    return p.endsWith(".md") ? [p] : [];
  });
}

/** Link targets of inline Markdown links `[text](target)`, outside fenced code blocks. */
function links(file: string): string[] {
  const text = readFileSync(file, "utf8").replace(/^```[\s\S]*?^```/gm, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "");
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/^```[\s\S]*?^```/gm, "");
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1] ?? "")));
}

test(`README.md is at most ${README_LIMIT_BYTES} bytes`, () => {
  const size = statSync(join(ROOT, "README.md")).size;
  assert.ok(size <= README_LIMIT_BYTES, `README.md is ${size} bytes; move detail into docs/ (docs/README.md lists the pages)`);
});

test("every page of docs/ is linked from README.md", () => {
  const linked = new Set(links(join(ROOT, "README.md")).map((l) => l.split("#")[0]));
  const pages = readdirSync(join(ROOT, "docs")).filter((n) => n.endsWith(".md"));
  assert.ok(pages.includes("arguments.md"), "docs/arguments.md exists");
  const missing = pages.filter((p) => !linked.has(`docs/${p}`));
  assert.deepEqual(missing, [], "docs pages that README.md does not link");
});

test("every relative link and anchor in the project's Markdown resolves", () => {
  const broken: string[] = [];
  for (const file of markdownFiles(ROOT)) {
    for (const target of links(file)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // a scheme: not a file of this repository
      const [path = "", fragment] = target.split("#");
      const resolved = path === "" ? file : resolve(dirname(file), path);
      const where = `${relative(ROOT, file)}: (${target})`;
      if (!existsSync(resolved)) broken.push(`${where}: no file ${relative(ROOT, resolved)}`);
      else if (fragment !== undefined && resolved.endsWith(".md") && !anchors(resolved).has(fragment)) broken.push(`${where}: no heading #${fragment}`);
    }
  }
  assert.deepEqual(broken, []);
});

test("the anchor rule matches GitHub's for a heading with punctuation", () => {
  assert.equal(anchor("What would it write? The `rules` CLI"), "what-would-it-write-the-rules-cli");
  assert.equal(anchor("Install sources: apt or a pinned image"), "install-sources-apt-or-a-pinned-image");
});
