// A failed download inside `npm run lab -- prepare` says what failed and where (issue 23: the demo once ended
// with "services.sh prepare failed" and no reason). The download is made to fail for real: an empty cache
// (nothing to reuse) and a Debian mirror at a closed loopback port (PQB_DEBIAN_MIRROR), so debootstrap cannot
// fetch the suite's Release file; PQB_RETRY_DELAY=0 keeps the three attempts fast.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../support/toolchain";

describe("npm run lab -- prepare with a mirror that does not answer", () => {
  it("tries the download three times, then names the step, the last error without its URL, and the script line", () => {
    const cache = mkdtempSync(join(tmpdir(), "pqb-dead-mirror-"));
    try {
      const r = spawnSync("bash", ["dev/lab/lab.sh", "prepare", "--suite", "bookworm"], {
        cwd: repoRoot,
        encoding: "utf8",
        timeout: 600_000,
        env: { ...process.env, PQB_CACHE: cache, PQB_DEBIAN_MIRROR: "http://127.0.0.1:9/debian", PQB_RETRY_DELAY: "0" },
      });
      assert.equal(r.status, 1, `prepare must fail:\n${r.stderr}`);
      assert.match(r.stderr, /debootstrap bookworm failed \(exit \d+, attempt 1 of 3\); trying again/);
      assert.match(r.stderr, /debootstrap bookworm failed \(exit \d+, attempt 2 of 3\); trying again/);
      assert.match(r.stderr, /debootstrap bookworm failed 3 times \(last exit \d+\): E: Failed getting release file <url>/);
      assert.match(r.stderr, /lab: ERROR: debootstrap bookworm failed \(log: .*debootstrap-bookworm\.log\) \(at dev\/lab\/lib\/rootfs\.sh:\d+\)/);
      assert.ok(!existsSync(join(cache, "lab", "rootfs", "bookworm")), "no half-built root file system is left as if it were ready");
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
