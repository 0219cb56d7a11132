/**
 * The shipped scripts lose their full-line comments and blank lines (state size), and nothing else:
 * here-document bodies, multi-line quoted strings and continued lines are kept byte for byte.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { SCRIPT_FILES, scriptText, shippedText } from "../../../src/host/scripts/load";
import { scriptEndsClosed, stripComments } from "../../../src/host/strip-comments";
import { renderScript } from "../../../src/host/shell";

const COMMENT_OR_BLANK = /^[ \t]*(#.*)?$/;

/** The shells present on this machine to parse with (`sh -n`). */
const SHELLS = ["dash", "bash"].filter((s) => spawnSync(s, ["-c", "exit 0"]).status === 0);

function run(shell: string, args: readonly string[], input: string) {
  const r = spawnSync(shell, [...args], { input, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The dropped lines of `stripped` against `original`: kept lines must appear in order, unchanged. */
function droppedLines(original: string, stripped: string): string[] {
  const kept = stripped.split("\n").slice(0, -1);
  const dropped: string[] = [];
  let k = 0;
  for (const line of original.split("\n").slice(0, original.endsWith("\n") ? -1 : undefined)) {
    if (k < kept.length && kept[k] === line) k++;
    else dropped.push(line);
  }
  assert.equal(k, kept.length, "every kept line is a line of the original, in order");
  return dropped;
}

const HOSTILE = [
  "# a comment",
  "",
  "   # an indented comment",
  "echo 'a # b'",
  "x='first line",
  "# inside single quotes",
  "",
  "last line'",
  'y="one',
  "  # inside double quotes, $(echo ')')",
  '"',
  "z=$(echo '",
  "# inside a command substitution",
  "')",
  "cat <<EOF",
  "  # x",
  "",
  "EOF",
  "cat <<'QUOTED'",
  "# $not expanded",
  "QUOTED",
  'cat << "SPACED"',
  "\t# tab",
  "SPACED",
  "cat <<-TABS",
  "\t# stripped tabs",
  "\tTABS",
  "printf '%s|' \\",
  "  # joined to printf by the backslash",
  'echo "[$x] [$y] [$z]"',
  "echo ${#x} # trailing comments stay",
  "",
].join("\n");

describe("comments stripped from shipped scripts", () => {
  it("every shipped script still parses (sh -n) after stripping, in dash and bash, and ends outside any quote or here-document", () => {
    assert.ok(SHELLS.length > 0, "at least one of dash/bash is installed");
    for (const f of SCRIPT_FILES) {
      assert.ok(scriptEndsClosed(scriptText(f)), `${f} ends closed`);
      for (const shell of SHELLS) {
        const r = run(shell, ["-n"], shippedText(f));
        assert.equal(r.code, 0, `${shell} -n ${f}: ${r.stderr}`);
      }
    }
  });

  it("drops only full-line comments and blank lines, keeping every other line unchanged and in order", () => {
    for (const f of SCRIPT_FILES) {
      const dropped = droppedLines(scriptText(f), shippedText(f));
      assert.ok(dropped.length > 0, `${f} had comments`);
      for (const line of dropped) assert.match(line, COMMENT_OR_BLANK, `${f}: dropped ${JSON.stringify(line)}`);
      for (const line of shippedText(f).split("\n").slice(0, -1)) assert.doesNotMatch(line, COMMENT_OR_BLANK, `${f}: kept ${JSON.stringify(line)}`);
    }
  });

  it("keeps rule.sh's here-document body and terminator byte for byte", () => {
    const body = /done <<EOF_OTHERS\n[^]*?\nEOF_OTHERS\n/.exec(scriptText("rule.sh"));
    assert.ok(body, "rule.sh has its <<EOF_OTHERS here-document");
    assert.ok(shippedText("rule.sh").includes(body[0]));
  });

  it("keeps the `# --- <file>` separators of a rendered script and no other comment", () => {
    const text = renderScript({ label: "l", vars: { A: "1" }, files: ["elf.sh", "binfmt-entries.sh", "observe.sh"] });
    const comments = text.split("\n").filter((l) => /^\s*#/.test(l));
    assert.deepEqual(comments, ["# --- prelude.sh", "# --- elf.sh", "# --- binfmt-entries.sh", "# --- observe.sh"]);
  });

  it("keeps a hostile script's here-documents, multi-line strings and continued lines, and it prints the same", () => {
    const stripped = stripComments(HOSTILE);
    const dropped = droppedLines(HOSTILE, stripped);
    assert.deepEqual(dropped, ["# a comment", "", "   # an indented comment"]);
    assert.ok(scriptEndsClosed(HOSTILE));
    for (const shell of SHELLS) {
      const before = run(shell, ["-s"], HOSTILE);
      const after = run(shell, ["-s"], stripped);
      assert.equal(before.code, 0, before.stderr);
      assert.deepEqual(after, before, shell);
    }
  });

  it("keeps a line that follows a backslash continuation even when it is blank", () => {
    assert.equal(stripComments("echo a \\\n\necho b\n"), "echo a \\\n\necho b\n");
  });

  it("treats a here-string (<<<) as no here-document", () => {
    assert.equal(stripComments("cat <<<word\n# gone\necho word\n"), "cat <<<word\necho word\n");
    assert.ok(scriptEndsClosed("cat <<<word\n"));
  });

  it("reports a script left inside a quote or a here-document as not closed", () => {
    assert.equal(scriptEndsClosed("x='open\n"), false);
    assert.equal(scriptEndsClosed("cat <<EOF\nbody\n"), false);
    assert.equal(scriptEndsClosed("echo $(date\n"), false);
  });
});
