import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Recorder, TEST_HOST_KEY, TEST_KEY, installMocks, settle } from "./harness";
import { READ_BACK, normalisedInput } from "./docker-readback";
import { CHECK_PASSED_MARKER, checkContainerArgs, checkHealthTest, checkMainCommand } from "../../../src/component/docker-check";

let rec: Recorder;
before(() => {
  rec = installMocks();
});

/** The resource options of every docker child, by name (the harness records the rest). */
function optionRecorder(): { opts: Map<string, pulumi.CustomResourceOptions>; transformation: pulumi.ResourceTransformation } {
  const opts = new Map<string, pulumi.CustomResourceOptions>();
  return {
    opts,
    transformation: (args) => {
      if (args.type.startsWith("docker:")) opts.set(args.name, args.opts as pulumi.CustomResourceOptions);
      return undefined;
    },
  };
}

async function dockerHost(name: string, architectures: string[], timeoutSeconds?: number) {
  const { BinfmtHost, AcceptanceVia } = await import("../../../src/component");
  rec.clear();
  const o = optionRecorder();
  const host = new BinfmtHost(
    name,
    {
      connection: { host: "10.0.0.7", privateKey: TEST_KEY, privateKeyPath: "/keys/id_ed25519", hostKey: TEST_HOST_KEY },
      architectures,
      acceptance: { via: AcceptanceVia.DockerProvider, ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) },
    },
    { transformations: [rec.transformation, o.transformation] },
  );
  await settle(host.targets);
  return { host, opts: o.opts, docker: rec.created.filter((c) => c.type.startsWith("docker:") || c.type === "pulumi:providers:docker") };
}

describe("the docker-provider check settles with the real plugin (preview after up shows no change)", () => {
  it("gives every docker resource only inputs the plugin reads back unchanged, each listed with the reason", async () => {
    const { docker } = await dockerHost("s1", ["arm", "aarch64", "riscv64"]);
    assert.deepEqual([...new Set(docker.map((d) => d.type))].sort(), Object.keys(READ_BACK).sort(), "every docker kind the component creates is listed");
    for (const res of docker) {
      const table = READ_BACK[res.type] ?? {};
      for (const [key, value] of Object.entries(res.inputs)) {
        const rb = table[key];
        assert.ok(rb !== undefined, `${res.type} ${res.name}: input "${key}" has no read-back entry in docker-readback.ts`);
        const given = normalisedInput(res.type, key, value);
        assert.deepEqual(rb.stored(given), given, `${res.type} ${res.name}: "${key}" = ${JSON.stringify(value)} is stored as ${JSON.stringify(rb.stored(given))} (${rb.reason})`);
      }
    }
  });

  it("would have caught the old container platform: the read-back table turns linux/arm64 into linux", () => {
    const platform = READ_BACK["docker:index/container:Container"]?.platform;
    assert.equal(platform?.stored("linux/arm64"), "linux");
    assert.notDeepEqual(platform?.stored("linux/arm64"), "linux/arm64");
  });

  it("replaces a check container on any change and after a failed creation, and waits for its healthcheck", async () => {
    const { opts, docker } = await dockerHost("s2", ["aarch64"], 45);
    assert.deepEqual(opts.get("s2-check-aarch64")?.replaceOnChanges, ["*"], "an earlier failed check is replaced (run again), not updated in place");
    assert.equal(opts.get("s2-image-aarch64")?.replaceOnChanges, undefined);
    const container = docker.find((d) => d.name === "s2-check-aarch64");
    assert.equal(container?.inputs.wait, true, "the provider fails the creation when the healthcheck never passes");
    assert.equal(container?.inputs.waitTimeout, 45, "bounded by acceptance.timeoutSeconds");
    const hc = container?.inputs.healthcheck as { tests: string[] };
    assert.equal(hc.tests[0], "CMD-SHELL");
    assert.match(hc.tests[1] ?? "", /= 'aarch64' \]/);
  });

  it("gives a target the host runs natively a healthcheck that does not compare (i386/busybox prints x86_64 there)", async () => {
    const { docker } = await dockerHost("s4", ["i386", "aarch64"]);
    const tests = (name: string) => (docker.find((d) => d.name === name)?.inputs.healthcheck as { tests: string[] }).tests;
    assert.deepEqual(tests("s4-check-i386"), checkHealthTest("i686", "native"));
    assert.doesNotMatch(tests("s4-check-i386")[1] ?? "", /uname/);
    assert.match(tests("s4-check-aarch64")[1] ?? "", /uname -m\)" = 'aarch64'/);
  });

  it("carries the rules hash as a label (labels force replacement): other rules, a new check", async () => {
    const a = await dockerHost("s3", ["aarch64"]);
    const hashA = await settle(a.host.rulesHash);
    const labelA = (a.docker.find((d) => d.name === "s3-check-aarch64")?.inputs.labels as { label: string; value: string }[]).find(
      (l) => l.label === "pulumi-qemu-binfmt.rules-hash",
    );
    const b = await dockerHost("s3", ["aarch64", "riscv64"]);
    const labelB = (b.docker.find((d) => d.name === "s3-check-aarch64")?.inputs.labels as { label: string; value: string }[]).find(
      (l) => l.label === "pulumi-qemu-binfmt.rules-hash",
    );
    assert.equal(labelA?.value, hashA);
    assert.notEqual(labelA?.value, labelB?.value, "adding a target changes the host's rules hash, so every check runs again");
  });
});

describe("the check container's own commands (run here with /bin/sh and a stand-in uname)", () => {
  /** Runs the container's main command and healthcheck with `uname -m` printing `machine`; the marker in a temp dir. */
  function runCheck(machine: string, timeoutSeconds: number, skipped?: string): { healthExit: number | null; mainExit: number | null; mainOut: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pqb-docker-check-"));
    try {
      fs.writeFileSync(path.join(dir, "uname"), `#!/bin/sh\n[ "$1" = -m ] && echo ${machine}\n`, { mode: 0o755 });
      const marker = path.join(dir, "passed");
      const local = (s: string) => s.split(`'${CHECK_PASSED_MARKER}'`).join(`'${marker}'`);
      const command = checkMainCommand(timeoutSeconds);
      const tests = checkHealthTest("aarch64", skipped);
      const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ""}` };
      const health = spawnSync("/bin/sh", ["-c", local(tests[1] ?? "")], { env });
      const main = spawnSync(command[0] ?? "", [command[1] ?? "", local(command[2] ?? "")], { env, encoding: "utf8", timeout: (timeoutSeconds + 5) * 1000 });
      return { healthExit: health.status, mainExit: main.status, mainOut: main.stdout };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it("passes the healthcheck only when uname -m prints the expected machine; then prints it and exits 0", () => {
    const r = runCheck("aarch64", 5);
    assert.equal(r.healthExit, 0);
    assert.equal(r.mainExit, 0);
    assert.equal(r.mainOut, "aarch64\n");
  });

  it("fails the healthcheck on another machine; the main process prints what it saw and exits 1 after the timeout", () => {
    const started = Date.now();
    const r = runCheck("x86_64", 1);
    assert.notEqual(r.healthExit, 0);
    assert.equal(r.mainExit, 1);
    assert.equal(r.mainOut, "x86_64\n");
    assert.ok(Date.now() - started < 5000, "bounded by the timeout");
  });

  it("passes the healthcheck of a target the host runs natively without comparing (the report says skipped)", () => {
    const r = runCheck("x86_64", 5, "native");
    assert.equal(r.healthExit, 0);
    assert.equal(r.mainExit, 0);
  });

  it("rejects a timeout that is not a positive integer, naming the field and the value", () => {
    const spec = { target: "aarch64", image: "i", platform: "", expected: "aarch64", rulesHash: "h" };
    assert.throws(() => checkContainerArgs({ ...spec, timeoutSeconds: 0 }, "sha256:x"), /acceptance\.timeoutSeconds must be a positive integer, got 0/);
    assert.throws(() => checkContainerArgs({ ...spec, timeoutSeconds: 1.5 }, "sha256:x"), /got 1\.5/);
  });
});
