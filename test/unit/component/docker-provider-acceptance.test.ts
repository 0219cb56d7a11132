import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { Recorder, TEST_HOST_KEY, TEST_KEY, installMocks, settle } from "./harness";

let rec: Recorder;
before(() => {
  rec = installMocks();
});

describe("acceptance through the docker provider (mocks: the plugin is not available here)", () => {
  it("creates one provider on the host's own daemon over ssh, and an image and a one-shot container per target", async () => {
    const { BinfmtHost, AcceptanceVia, AcceptanceStatus } = await import("../../../src/component");
    rec.clear();
    const host = new BinfmtHost(
      "d1",
      {
        connection: { host: "10.0.0.7", port: 2222, user: "builder", privateKey: TEST_KEY, privateKeyPath: "/keys/id_ed25519", hostKey: TEST_HOST_KEY },
        architectures: ["arm", "aarch64"],
        acceptance: { via: AcceptanceVia.DockerProvider },
      },
      { transformations: [rec.transformation] },
    );
    const targets = await settle(host.targets);
    const names = rec.registered.map((r) => `${r.type} ${r.name}`);
    assert.deepEqual(
      names.filter((n) => n.startsWith("docker") || n.startsWith("pulumi:providers:docker")),
      [
        "pulumi:providers:docker d1-docker",
        "docker:index/remoteImage:RemoteImage d1-image-arm",
        "docker:index/container:Container d1-check-arm",
        "docker:index/remoteImage:RemoteImage d1-image-aarch64",
        "docker:index/container:Container d1-check-aarch64",
      ],
    );
    assert.equal(
      rec.registered.some((r) => r.name.startsWith("d1-check") && r.type === "command:remote:Command"),
      false,
      "no command check",
    );

    const provider = rec.created.find((c) => c.name === "d1-docker");
    assert.equal(provider?.inputs.host, "ssh://builder@10.0.0.7:2222");
    const sshOpts = JSON.parse(String(provider?.inputs.sshOpts)) as string[];
    assert.deepEqual(sshOpts.slice(0, 2), ["-i", "/keys/id_ed25519"]);
    assert.ok(sshOpts.includes("StrictHostKeyChecking=yes"));
    assert.ok(sshOpts.includes(`KnownHostsCommand=/bin/echo %H ${TEST_HOST_KEY}`));
    assert.ok(!JSON.stringify(provider?.inputs).includes("PRIVATE KEY"), "the provider gets a key FILE, never key material");

    const container = rec.created.find((c) => c.name === "d1-check-aarch64");
    const cmd = container?.inputs.command as string[];
    assert.deepEqual(cmd.slice(0, 2), ["sh", "-c"]);
    assert.match(cmd[2] ?? "", /^uname -m; /, "prints uname -m first (the report's actual)");
    assert.equal(container?.inputs.attach, true);
    assert.equal(container?.inputs.logs, true);
    assert.equal(container?.inputs.mustRun, false);
    // The plugin reads a container's platform back as "linux": "linux/arm64" here replaced it on every up.
    // The image is pulled for the platform; the container runs that image by ID.
    assert.equal(container?.inputs.platform, undefined, "no platform on the container");
    assert.equal(container?.inputs.image, "sha256:d1-image-aarch64");
    assert.equal(rec.created.find((c) => c.name === "d1-image-aarch64")?.inputs.platform, "linux/arm64");
    const labels = container?.inputs.labels as { label: string; value: string }[];
    assert.deepEqual(labels.find((l) => l.label === "pulumi-qemu-binfmt.rules-hash")?.value, await settle(host.rulesHash));
    const image = rec.created.find((c) => c.name === "d1-image-arm");
    assert.equal(image?.inputs.name, "arm32v7/busybox");
    assert.equal(image?.inputs.platform, "linux/arm");

    const reg = Object.fromEntries(rec.registered.map((r) => [r.name, r]));
    assert.equal(reg["d1-image-arm"]?.provider, "d1-docker");
    assert.deepEqual(reg["d1-image-arm"]?.dependsOn, ["d1-rule-arm", "d1-rule-aarch64"], "checks start after every rule");
    assert.deepEqual(reg["d1-check-arm"]?.dependsOn, ["d1-image-arm"]);
    assert.deepEqual(reg["d1-image-aarch64"]?.dependsOn, ["d1-check-arm"]);
    assert.equal(reg["d1-check-arm"]?.parent, "d1");

    assert.equal(targets.aarch64?.acceptance.status, AcceptanceStatus.Passed);
    assert.equal(targets.aarch64?.acceptance.via, "docker-provider");
    assert.equal(targets.arm?.acceptance.actual, "armv7l");
  });

  it("uses a known_hosts file instead of the pinned key when given one", async () => {
    const { BinfmtHost, AcceptanceVia } = await import("../../../src/component");
    rec.clear();
    const host = new BinfmtHost("d2", {
      connection: { host: "h", privateKeyPath: "/keys/k" },
      architectures: ["aarch64"],
      acceptance: { via: AcceptanceVia.DockerProvider, knownHostsPath: "/etc/ssh/lab_known_hosts" },
    });
    await settle(host.targets);
    const sshOpts = JSON.parse(String(rec.created.find((c) => c.name === "d2-docker")?.inputs.sshOpts)) as string[];
    assert.ok(sshOpts.includes("UserKnownHostsFile=/etc/ssh/lab_known_hosts"));
    assert.ok(!sshOpts.some((o) => o.startsWith("KnownHostsCommand")));
  });
});
