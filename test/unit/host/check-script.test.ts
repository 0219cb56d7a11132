/**
 * The acceptance check script, run for real with `sh -s` and a stand-in `docker` first on its PATH (the
 * script's PATH line is extended in the test). What a real daemon prints is proved on lab hosts.
 */
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { checkScript, CheckScriptInput, hostCheckScript } from "../../../src/host/scripts/check";
import { acceptanceFromCommand } from "../../../src/host/outputs";
import { runScript, ScriptRun } from "./run-script";

let bin: string;
before(() => {
  bin = mkdtempSync(path.join(tmpdir(), "pqb-check-"));
});

/**
 * A docker that prints STDOUT / STDERR and exits with CODE for `docker run`; `docker version` answers as a
 * running daemon does, or (daemon: false) as the CLI does when nothing listens on the socket.
 */
function fakeDocker(stdout: string, stderr: string, code: number, daemon = true): void {
  const f = path.join(bin, "docker");
  const info = daemon ? "echo 26.1.5; exit 0" : "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2; exit 1";
  writeFileSync(f, `#!/bin/sh\nif [ "$1" = version ]; then ${info}; fi\nprintf '%s' '${stdout}'\nprintf '%s' '${stderr}' >&2\nexit ${code}\n`);
  chmodSync(f, 0o755);
}

const HOST_MACHINE = spawnSync("uname", ["-m"], { encoding: "utf8" }).stdout.trim();
const AARCH64: CheckScriptInput = { label: "b-1", target: "aarch64", image: "arm64v8/busybox", platform: "linux/arm64", expected: "aarch64", timeoutSeconds: 30, native: false };
const I386: CheckScriptInput = { label: "b-1", target: "i386", image: "i386/busybox", platform: "linux/386", expected: "i686", timeoutSeconds: 30, native: true };

function check(input: CheckScriptInput): ScriptRun {
  return runScript(checkScript(input), [], [["\nPATH=/usr/local/sbin:", `\nPATH=${bin}:/usr/local/sbin:`]]);
}

describe("acceptance check script", () => {
  it("checks every target of a host in one script, one result line per target, each read back for its own target", () => {
    // The stand-in docker answers what the --platform asks for, as an emulating host does.
    const f = path.join(bin, "docker");
    writeFileSync(f, `#!/bin/sh\n[ "$1" = version ] && { echo 26.1.5; exit 0; }\ncase "$*" in *linux/arm64*) echo aarch64 ;; *linux/arm/v7*) echo armv7l ;; *) echo x ;; esac\n`);
    chmodSync(f, 0o755);
    const ARM = { target: "arm", image: "arm32v7/busybox", platform: "linux/arm/v7", expected: "armv7l", timeoutSeconds: 30, native: false };
    const script = hostCheckScript("b-1", [AARCH64, ARM]);
    const r = runScript(script, [], [["\nPATH=/usr/local/sbin:", `\nPATH=${bin}:/usr/local/sbin:`]]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { target: string; actual: string }).target + "=" + (JSON.parse(l) as { actual: string }).actual),
      ["aarch64=aarch64", "arm=armv7l"],
    );
    const acc = (expected: string) => ({ image: "", platform: "", expected });
    assert.equal(acceptanceFromCommand("b-1", "arm", acc("armv7l"), r.stdout).actual, "armv7l");
    assert.equal(acceptanceFromCommand("b-1", "aarch64", acc("aarch64"), r.stdout).actual, "aarch64");
  });

  it("stops at the first failing target of a host's check, naming it; the targets after it are not run", () => {
    const f = path.join(bin, "docker");
    writeFileSync(f, `#!/bin/sh\n[ "$1" = version ] && { echo 26.1.5; exit 0; }\necho "$*" >> ${bin}/runs\necho "exec /bin/uname: exec format error" >&2; exit 1\n`);
    chmodSync(f, 0o755);
    const r = runScript(
      hostCheckScript("b-1", [AARCH64, { ...AARCH64, target: "riscv64", platform: "linux/riscv64" }]),
      [],
      [["\nPATH=/usr/local/sbin:", `\nPATH=${bin}:/usr/local/sbin:`]],
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^b-1: acceptance check failed for target aarch64:/);
    assert.doesNotMatch(r.stderr, /riscv64/);
    assert.equal(readFileSync(path.join(bin, "runs"), "utf8").trim().split("\n").length, 1, "docker ran once: the riscv64 check did not run");
  });

  it("prints the report when the emulated image prints the target's machine", () => {
    fakeDocker("aarch64\n", "", 0);
    const r = check(AARCH64);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      target: "aarch64",
      image: "arm64v8/busybox",
      platform: "linux/arm64",
      expected: "aarch64",
      actual: "aarch64",
      exitCode: 0,
      ok: true,
      native: false,
      detail: "",
    });
  });

  it("fails with host, target, expected and actual (and nothing before the message) when the machine is wrong", () => {
    fakeDocker("", "exec /bin/uname: exec format error\n", 1);
    const r = check(AARCH64);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^b-1: acceptance check failed for target aarch64: docker run --platform linux\/arm64 arm64v8\/busybox uname -m printed "", expected "aarch64" \(exit 1\): exec \/bin\/uname: exec format error/,
    );
  });

  it("says docker is not running on the host (and that the rules stay) when the daemon does not answer", () => {
    fakeDocker("", "docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n", 125, false);
    const r = check(AARCH64);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^b-1: acceptance check for target aarch64: docker is not running on this host \(docker version: Cannot connect to the Docker daemon/);
    assert.match(r.stderr, /The binfmt_misc rules stay registered; start the daemon \(systemctl start docker\) and run pulumi up again/);
  });

  it("runs the check of a target skipped as native, expecting this host's own machine", () => {
    fakeDocker(`${HOST_MACHINE}\n`, "", 0);
    const r = check(I386);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.deepEqual([o.native, o.expected, o.actual, o.ok], [true, HOST_MACHINE, HOST_MACHINE, true]);
  });

  it("says the skip was wrong when the natively expected target fails with exec format error", () => {
    fakeDocker("", "exec /bin/uname: exec format error\n", 1);
    const r = check(I386);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^b-1: target i386 was skipped as native, but this host does not run it natively: docker run --platform linux\/386 i386\/busybox uname -m failed with exec format error/,
    );
  });

  it("fails a native check that prints another machine, naming what it expected", () => {
    fakeDocker("sparc64\n", "", 0);
    const r = check(I386);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`acceptance check of natively run target i386 failed: .* printed "sparc64", expected "${HOST_MACHINE}"`));
  });
});
