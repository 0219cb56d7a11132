// The upgrade test (test/integration/upgrade.test.ts) builds a past release from its commit; a clone without
// that commit (a shallow CI clone) must fail naming the commit, the release and the fix, not with git's own error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireCommit } from "../support/release-tarball";

function git(cwd: string, ...args: string[]): string {
  const env = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@localhost", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@localhost" };
  return execFileSync("git", args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

test("a shallow clone without the release's commit fails naming the commit, the release and git fetch --unshallow", () => {
  const dir = mkdtempSync(join(tmpdir(), "pqb-release-commit-"));
  try {
    const origin = join(dir, "origin");
    execFileSync("git", ["init", "-q", origin]);
    writeFileSync(join(origin, "a"), "1");
    git(origin, "add", "a");
    git(origin, "commit", "-q", "-m", "release");
    const release = git(origin, "rev-parse", "HEAD");
    writeFileSync(join(origin, "a"), "2");
    git(origin, "commit", "-q", "-am", "later");
    assert.equal(requireCommit(release.slice(0, 7), "0.1.0", origin), release, "a full clone resolves the short hash");

    const shallow = join(dir, "shallow");
    git(dir, "clone", "-q", "--depth", "1", `file://${origin}`, shallow);
    assert.throws(
      () => requireCommit(release, "0.1.0", shallow),
      (e: Error) => {
        assert.match(e.message, new RegExp(`commit ${release} \\(release 0\\.1\\.0\\) is not in this clone`));
        assert.match(e.message, /shallow clone: true/);
        assert.match(e.message, /git fetch --unshallow/);
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
