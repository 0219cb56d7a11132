/**
 * The packages script when the host's apt repository cannot be reached: apt-get update exits 0 with
 * "W: Failed to fetch …", the install then fails, and the message says the repository was unreachable,
 * quoting apt. Run for real with `sh -s install` and stand-ins for apt-get, dpkg-query and systemctl first
 * on the script's PATH (nothing on this machine is touched). The real apt is proved on a lab host by
 * test/faults (case 3).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PackagesAction, packagesScript } from "../../../src/host/scripts/packages";
import { runScript } from "./run-script";

const FETCH = "W: Failed to fetch http://10.0.0.1:8642/bookworm/./InRelease  Could not connect to 10.0.0.1:8642 (10.0.0.1). - connect (111: Connection refused)";

function standIns(install: { out: string; code: number }): string {
  const bin = mkdtempSync(path.join(tmpdir(), "pqb-apt-"));
  const write = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  write("apt-get", `case "$*" in *update*) echo '${FETCH}'; echo 'W: Some index files failed to download.'; exit 0 ;; esac\necho '${install.out}'; exit ${install.code}`);
  write("dpkg-query", "exit 1");
  write("systemctl", "exit 0");
  return bin;
}

function install(bin: string) {
  const script = packagesScript({ label: "b-1 (root@h:22)", packages: ["qemu-user-static"], lockTimeoutSeconds: 5 });
  return runScript(script, [PackagesAction.Install], [["\nPATH=/usr/local/sbin:", `\nPATH=${bin}:/usr/local/sbin:`]]);
}

describe("packages script, repository unreachable", () => {
  it("says the repository could not be reached, quoting what apt could not fetch, and that nothing was installed", () => {
    const r = install(standIns({ out: "E: Unable to locate package qemu-user-static", code: 100 }));
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /b-1 \(root@h:22\): apt-get install failed \(exit 100\): a package repository could not be reached from this host \(W: Failed to fetch http:\/\/10\.0\.0\.1:8642\/bookworm\/\.\/InRelease {2}Could not connect/,
    );
    assert.match(r.stderr, /nothing was installed; check the host's apt sources and network, then run pulumi up again/);
  });

  it("keeps apt's own message when every repository was reached", () => {
    const bin = standIns({ out: "E: Package qemu-user-static has no installation candidate", code: 100 });
    writeFileSync(path.join(bin, "apt-get"), `#!/bin/sh\ncase "$*" in *update*) exit 0 ;; esac\necho 'E: Package qemu-user-static has no installation candidate'; exit 100\n`);
    const r = install(bin);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /E: Package qemu-user-static has no installation candidate\n.*apt-get install failed \(exit 100\); the last lines of its output are above/);
  });
});
