// The test world's bash scripts never exit without saying why (dev/scripts/trace.sh): an unexpected exit
// names the command, its exit status, file, line and functions; a download is tried again and gives up
// with a reason that names what failed, not where the mirror is. Real bash on temporary scripts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");
const TRACE = join(ROOT, "dev/scripts/trace.sh");

function runScript(body: string, env: Record<string, string> = {}): { status: number | null; stderr: string; stdout: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "pqb-trace-"));
  const file = join(dir, "script.sh");
  writeFileSync(file, `#!/usr/bin/env bash\nset -euo pipefail\nsource ${JSON.stringify(TRACE)}\n${body}\n`);
  const r = spawnSync("bash", [file], { encoding: "utf8", env: { ...process.env, PQB_SCRIPT: "", ...env } });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout, file };
}

describe("an unexpected exit of a test-world script", () => {
  it("names the failing command, its exit status, file, line and the functions that led there", () => {
    // The shape of issue 23's silent exit: find on a missing directory, piped into head, under pipefail.
    const r = runScript(['inner() { local d; d=$(find /nonexistent-pqb -maxdepth 1 | head -n 1); echo "$d"; }', "outer() { inner; }", "outer", "echo unreachable"].join("\n"));
    assert.equal(r.status, 1);
    assert.doesNotMatch(r.stdout, /unreachable/);
    assert.match(
      r.stderr,
      new RegExp(
        `script\\.sh: command failed \\(exit 1\\) at ${r.file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:4 in inner < outer:\\n  d=\\$\\(find /nonexistent-pqb -maxdepth 1 \\| head -n 1\\)`,
      ),
    );
  });

  it("uses PQB_SCRIPT as the script's name and the top level has no function chain", () => {
    const r = runScript("false", { PQB_SCRIPT: "demo" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^demo: command failed \(exit 1\) at .*script\.sh:4:\n {2}false\n$/);
  });

  it("stays silent for failures the script handles (if, ||, !, a command substitution that goes on)", () => {
    const r = runScript(["if false; then :; fi", "false || true", "! false", "x=$(false; echo went-on)", "y=$(grep -c zzz /dev/null || true)", 'echo "$x $y"'].join("\n"));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.equal(r.stdout.trim(), "went-on 0");
  });
});

describe("retry for downloads", () => {
  it("tries again after a transient failure and succeeds quietly but for the attempt it lost", () => {
    const dir = mkdtempSync(join(tmpdir(), "pqb-retry-"));
    const marker = join(dir, "tried");
    const r = runScript(
      `retry 3 "download of busybox-static" sh -c 'if [ -f ${marker} ]; then echo fetched; else touch ${marker}; echo "E: Failed to fetch http://mirror.invalid/x.deb  Connection refused" >&2; exit 100; fi'`,
      { PQB_RETRY_DELAY: "0" },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "fetched");
    assert.match(r.stderr, /download of busybox-static failed \(exit 100, attempt 1 of 3\); trying again in 0 s/);
  });

  it("gives up after TRIES attempts, names what failed and its exit status, and leaves the URL out of the reason", () => {
    const r = runScript(
      `retry 2 "apt-get update (bookworm/arm64 lists)" sh -c 'echo "E: Failed to fetch http://mirror.invalid/debian/dists/bookworm/InRelease  Connection refused" >&2; exit 100' || echo "rc=$?"`,
      {
        PQB_RETRY_DELAY: "0",
        PQB_SCRIPT: "debs.sh",
      },
    );
    assert.equal(r.stdout.trim(), "rc=100");
    const last = r.stderr.trim().split("\n").at(-1) ?? "";
    assert.equal(last, "debs.sh: apt-get update (bookworm/arm64 lists) failed 2 times (last exit 100): E: Failed to fetch <url>  Connection refused");
  });
});

describe("the test world's bash scripts", () => {
  // Scripts that cannot source the library, and why; each still reports its failures.
  const EXEMPT: Record<string, string> = {
    ".ci/run": "no errexit: it reports npm test's exit status and summary itself",
    "dev/lab/lib/plain-init.sh": "PID 1 inside a plain lab host's root, where dev/ does not exist; it exits only on SIGTERM",
    "dev/bench/floor/provision.sh": "runs on the host from stdin: the same ERR report is inline",
  };

  it("every one with a bash shebang sources dev/scripts/trace.sh, or is exempt for a stated reason", () => {
    const listed = spawnSync("git", ["ls-files", "dev", ".ci", "test"], { cwd: ROOT, encoding: "utf8" })
      .stdout.split("\n")
      .filter((f) => f !== "");
    const bash = listed.filter((f) => /^#!(\/usr\/bin\/env bash|\/bin\/bash)/.test(readFileSync(join(ROOT, f), "utf8").split("\n", 1)[0] ?? ""));
    assert.ok(bash.length >= 10, `found the scripts (${bash.length})`);
    const sourcesTrace = (f: string): boolean => {
      const text = readFileSync(join(ROOT, f), "utf8");
      // Directly, or through the one library a script sources first (lib.sh, the lab's common.sh).
      return /source .*trace\.sh"/.test(text) || /source .*\/lib\.sh"/.test(text) || /source .*lib\/common\.sh"/.test(text);
    };
    const missing = bash.filter((f) => !(f in EXEMPT) && !sourcesTrace(f));
    assert.deepEqual(missing, [], "these scripts would exit silently on a failing command");
    assert.match(readFileSync(join(ROOT, "dev/bench/floor/provision.sh"), "utf8"), /trap '.*\$LINENO.*' ERR/);
    for (const f of ["dev/scripts/lib.sh", "dev/lab/lib/common.sh"])
      assert.match(readFileSync(join(ROOT, f), "utf8"), /source .*trace\.sh"/, `${relative(ROOT, join(ROOT, f))} sources the library`);
  });
});
