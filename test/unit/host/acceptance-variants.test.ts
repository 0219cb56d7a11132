/**
 * The check proves the claim a target's name makes: a platform variant ("linux/arm/v6", "linux/amd64/v2")
 * picks the check's image, --platform, QEMU CPU and expectation (src/host/acceptance-check.ts), the check
 * script runs them (src/host/scripts/check.sh, with a stand-in `docker` first on its PATH), and the docker
 * provider's healthcheck tests the same.
 */
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { resolveTarget } from "../../../src/binfmt";
import { acceptanceFor } from "../../../src/host/acceptance-check";
import { parseHostArgs } from "../../../src/component/validate";
import { checkHealthTest, checkMainCommand } from "../../../src/component/docker-check";
import { checkScript, CheckScriptInput } from "../../../src/host/scripts/check";
import { runScript, ScriptRun } from "./run-script";

const derived = (name: string) => acceptanceFor(resolveTarget(name), name, undefined, undefined);

describe("the check is derived from the spelling the target was requested by", () => {
  it("ARMv6 names check the arm32v6 image on linux/arm/v6 with an ARMv6 CPU (QEMU_CPU=arm1176) expecting armv6l", () => {
    for (const name of ["linux/arm/v6", "arm/v6", "arm32v6", "armv6l", "armv6"]) {
      assert.deepEqual(derived(name), { requested: name, image: "arm32v6/busybox", platform: "linux/arm/v6", expected: "armv6l", qemuCpu: "arm1176", isaLevel: "" }, name);
    }
  });

  it("ARMv5 names (armel: Debian's ARMv5TE port) check arm32v5 on linux/arm/v5 with QEMU_CPU=arm926 expecting armv5tel", () => {
    for (const name of ["linux/arm/v5", "arm32v5", "armv5tel", "armel"]) {
      assert.deepEqual(derived(name), { requested: name, image: "arm32v5/busybox", platform: "linux/arm/v5", expected: "armv5tel", qemuCpu: "arm926", isaLevel: "" }, name);
    }
  });

  it("names without a variant keep the target's default check; v7 names check linux/arm/v7 with QEMU's default CPU (armv7l)", () => {
    assert.deepEqual(derived("arm"), { requested: "arm", image: "arm32v7/busybox", platform: "linux/arm", expected: "armv7l", qemuCpu: "", isaLevel: "" });
    assert.equal(derived("armhf").platform, "linux/arm/v7");
    assert.equal(derived("linux/arm/v7").qemuCpu, "");
    assert.deepEqual(derived("amd64"), { requested: "amd64", image: "amd64/busybox", platform: "linux/amd64", expected: "x86_64", qemuCpu: "", isaLevel: "" });
    assert.equal(derived("arm64").image, "arm64v8/busybox");
  });

  it("x86-64 levels check that the image's glibc loader lists the level as supported, with an image that has the loader", () => {
    for (const [name, level] of [
      ["linux/amd64/v2", "x86-64-v2"],
      ["amd64/v3", "x86-64-v3"],
    ] as const) {
      assert.deepEqual(derived(name), { requested: name, image: "amd64/busybox:glibc", platform: "linux/amd64", expected: "x86_64", qemuCpu: "", isaLevel: level }, name);
    }
  });

  it("an image or platform given in the arguments replaces the derived one; the CPU and level the name claims stay", () => {
    const a = acceptanceFor(resolveTarget("linux/arm/v6"), "linux/arm/v6", "registry:5000/pi/busybox", "linux/arm/v6");
    assert.equal(a.image, "registry:5000/pi/busybox");
    assert.equal(a.qemuCpu, "arm1176");
  });

  it("parseHostArgs keeps each target's spelling: linux/arm/v6 is not checked as arm32v7 on linux/arm", () => {
    const spec = parseHostArgs("b", { connection: { host: "h" }, architectures: ["linux/arm/v6", "linux/amd64/v2", "riscv64"] });
    assert.equal(spec.acceptance.targets.arm?.image, "arm32v6/busybox");
    assert.equal(spec.acceptance.targets.arm?.platform, "linux/arm/v6");
    assert.equal(spec.acceptance.targets.arm?.expected, "armv6l");
    assert.equal(spec.acceptance.targets.x86_64?.isaLevel, "x86-64-v2");
    assert.equal(spec.acceptance.targets.riscv64?.image, "riscv64/busybox");
  });
});

let bin: string;
before(() => {
  bin = mkdtempSync(path.join(tmpdir(), "pqb-variant-"));
  chmodSync(bin, 0o755); // readable by the runAs user too
});

/** A docker that logs its arguments and environment and answers `uname -m` with UNAME and the loader's --help with LEVELS. */
function fakeDocker(uname: string, levels: string): void {
  const f = path.join(bin, "docker");
  writeFileSync(
    f,
    `#!/bin/sh\n[ "$1" = version ] && { echo 26.1.5; exit 0; }\n` +
      `echo "$(id -un) DOCKER_HOST=\${DOCKER_HOST:-} HOME=$HOME XDG_RUNTIME_DIR=\${XDG_RUNTIME_DIR:-} $*" >> ${bin}/runs\n` +
      `case "$*" in *ld-linux-x86-64.so.2*) printf '%s\\n' "${levels}" ;; *) echo ${uname} ;; esac\n`,
  );
  chmodSync(f, 0o755);
  writeFileSync(path.join(bin, "runs"), "");
  chmodSync(path.join(bin, "runs"), 0o666);
}
const runs = (): string[] => readFileSync(path.join(bin, "runs"), "utf8").trim().split("\n");
const check = (input: CheckScriptInput): ScriptRun => runScript(checkScript(input), [], [["\nPATH=/usr/local/sbin:", `\nPATH=${bin}:/usr/local/sbin:`]]);

const ARMV6: CheckScriptInput = {
  label: "b-1",
  target: "arm",
  requested: "linux/arm/v6",
  image: "arm32v6/busybox",
  platform: "linux/arm/v6",
  expected: "armv6l",
  qemuCpu: "arm1176",
  timeoutSeconds: 30,
  native: false,
};
const V2: CheckScriptInput = {
  label: "b-1",
  target: "x86_64",
  requested: "linux/amd64/v2",
  image: "amd64/busybox:glibc",
  platform: "linux/amd64",
  expected: "x86_64",
  isaLevel: "x86-64-v2",
  timeoutSeconds: 30,
  native: false,
};
const HWCAPS = (v2: string) => `Subdirectories of glibc-hwcaps directories, in priority order:\n  x86-64-v4\n  x86-64-v3\n  x86-64-v2${v2}`;

describe("the check script runs the derived check", () => {
  it("runs the ARMv6 image on linux/arm/v6 with QEMU_CPU=arm1176 and passes on armv6l", () => {
    fakeDocker("armv6l", "");
    const r = check(ARMV6);
    assert.equal(r.code, 0, r.stderr);
    assert.match(runs()[0] ?? "", / run --rm --platform linux\/arm\/v6 -e QEMU_CPU=arm1176 arm32v6\/busybox uname -m$/);
  });

  it("fails an ARMv6 check whose emulator reports armv7l, naming the requested name and the CPU", () => {
    fakeDocker("armv7l", "");
    const r = check(ARMV6);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /target arm \(requested as linux\/arm\/v6\): docker run --platform linux\/arm\/v6 -e QEMU_CPU=arm1176 arm32v6\/busybox uname -m printed "armv7l", expected "armv6l"/,
    );
  });

  it("fails an x86-64-v2 check when the loader does not list x86-64-v2 as supported (QEMU < 7.2's CPU), though uname -m says x86_64", () => {
    fakeDocker("x86_64", HWCAPS(""));
    const r = check(V2);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /target x86_64 \(requested as linux\/amd64\/v2\): the emulated CPU does not support x86-64-v2/);
    assert.match(runs()[1] ?? "", /amd64\/busybox:glibc \/lib64\/ld-linux-x86-64.so.2 --help$/);
  });

  it("passes an x86-64-v2 check when the loader lists it as supported", () => {
    fakeDocker("x86_64", HWCAPS(" (supported, searched)"));
    const r = check(V2);
    assert.equal(r.code, 0, r.stderr);
  });

  it("says what is missing when the image's loader lists no levels (glibc < 2.33 or no loader)", () => {
    fakeDocker("x86_64", "sh: /lib64/ld-linux-x86-64.so.2: not found");
    const r = check(V2);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot tell whether x86-64-v2 runs: .*glibc 2\.33 or later.*acceptance\.images/);
  });

  it("runs docker against the given DOCKER_HOST", () => {
    fakeDocker("armv6l", "");
    const r = check({ ...ARMV6, dockerHost: "unix:///run/user/1000/podman/podman.sock" });
    assert.equal(r.code, 0, r.stderr);
    assert.match(runs()[0] ?? "", /^\S+ DOCKER_HOST=unix:\/\/\/run\/user\/1000\/podman\/podman.sock /);
  });

  it("says the daemon refused the check's user (not that docker is not running) when its socket denies access", () => {
    const f = path.join(bin, "docker");
    writeFileSync(f, `#!/bin/sh\necho 'permission denied while trying to connect to the Docker daemon socket at unix:///run/user/1000/docker.sock' >&2\nexit 1\n`);
    chmodSync(f, 0o755);
    const r = check({ ...ARMV6, dockerHost: "unix:///run/user/1000/docker.sock" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the docker daemon refused the check's user on unix:\/\/\/run\/user\/1000\/docker\.sock \(docker version: permission denied/);
    assert.doesNotMatch(r.stderr, /not running/);
  });

  it("runs docker as the runAs user, with that user's HOME and XDG_RUNTIME_DIR", { skip: process.getuid?.() !== 0 ? "needs root (runuser)" : false }, () => {
    fakeDocker("armv6l", "");
    const r = check({ ...ARMV6, runAs: "nobody" });
    assert.equal(r.code, 0, r.stderr);
    const uid = runScript("id -u nobody").stdout.trim();
    assert.match(runs()[0] ?? "", new RegExp(`^nobody DOCKER_HOST= HOME=\\S+ XDG_RUNTIME_DIR=/run/user/${uid} run `));
  });

  it("names a runAs user the host does not have", { skip: process.getuid?.() !== 0 ? "needs root (runuser)" : false }, () => {
    fakeDocker("armv6l", "");
    const r = check({ ...ARMV6, runAs: "no-such-user-pqb" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /acceptance\.runAs: no user no-such-user-pqb on this host/);
  });
});

describe("the docker provider's check tests the same claim", () => {
  it("runs uname as its own program with QEMU_CPU, and tests the level with the loader", () => {
    assert.match(checkHealthTest("armv6l", undefined, "arm1176")[1] ?? "", /^\[ "\$\(QEMU_CPU='arm1176' \/bin\/uname -m\)" = 'armv6l' \]/);
    assert.match(checkHealthTest("x86_64", undefined, "", "x86-64-v2")[1] ?? "", /ld-linux-x86-64\.so\.2 --help \| grep -q '\^\[\[:space:\]\]\*x86-64-v2 \(supported'/);
    assert.match(checkMainCommand(30, "arm1176")[2] ?? "", /^QEMU_CPU='arm1176' \/bin\/uname -m;/);
  });
});
