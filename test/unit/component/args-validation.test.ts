import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Recorder, TEST_KEY, installMocks, settle } from "./harness";
import type { BinfmtHostArgs } from "../../../src/component";

let rec: Recorder;
before(() => {
  rec = installMocks();
});

const good: BinfmtHostArgs = { connection: { host: "10.0.0.5", privateKey: TEST_KEY }, architectures: ["aarch64"] };

async function rejects(args: unknown, field: RegExp, message: RegExp): Promise<void> {
  const { BinfmtHost, BinfmtArgsError } = await import("../../../src/component");
  rec.clear();
  let err: unknown;
  try {
    new BinfmtHost("v", args as BinfmtHostArgs);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof BinfmtArgsError, `expected BinfmtArgsError, got ${String(err)}`);
  assert.match(err.field, field);
  assert.match(err.message, message);
  await new Promise((r) => setImmediate(r));
  assert.equal(rec.created.length, 0, "no resource (not even the component) was registered");
}

describe("BinfmtHost rejects bad input before creating any resource, naming the field", () => {
  it("an unknown architecture, with the nearest valid names", () =>
    rejects({ ...good, architectures: ["aarch64", "armhf2"] }, /^args\.architectures\[1\]$/, /unknown target "armhf2".*valid targets, nearest first/));

  it("an empty architecture list", () => rejects({ ...good, architectures: [] }, /^args\.architectures$/, /at least one target/));

  it("architectures given as an Output (resources fan out per target)", () =>
    rejects({ ...good, architectures: pulumi.output(["aarch64"]) }, /^args\.architectures$/, /plain list.*pulumi Output/));

  it("a port out of range", () =>
    rejects({ ...good, connection: { host: "h", port: 70000 } }, /^args\.connection\.port$/, /invalid port 70000: expected an integer from 1 to 65535/));

  it("a host with shell characters", () => rejects({ ...good, connection: { host: "h; rm -rf /" } }, /^args\.connection\.host$/, /invalid host "h; rm -rf \/"/));

  it("a private key that is a path, without quoting the secret", async () => {
    await rejects(
      { ...good, connection: { host: "h", privateKey: "/root/.ssh/id_ed25519" } },
      /^args\.connection\.privateKey$/,
      /does not look like a private key.*use privateKeyPath/,
    );
    const { BinfmtHost } = await import("../../../src/component");
    assert.throws(
      () => new BinfmtHost("v", { ...good, connection: { host: "h", privateKey: "-----NOT A KEY super-secret-value" } }),
      (e: Error) => !e.message.includes("super-secret-value"),
    );
  });

  it("flags with an unknown letter", () => rejects({ ...good, flags: "FX" }, /^args\.flags$/, /invalid flags "FX": unknown flag "X"/));

  it("a relative configDir", () => rejects({ ...good, configDir: "etc/binfmt.d" }, /^args\.configDir$/, /invalid path "etc\/binfmt\.d": it is not absolute/));

  it("an unknown applyMode", () => rejects({ ...good, applyMode: "restart" }, /^args\.applyMode$/, /invalid applyMode "restart"; valid: "per-file", "systemd-restart"/));

  it("a misspelt field", () => rejects({ ...good, archs: ["arm"] }, /^args$/, /unknown field\(s\) "archs"/));

  it("a host key that is not TYPE BASE64", () =>
    rejects({ ...good, connection: { host: "h", hostKey: "10.0.0.5 ssh-ed25519 AAAA" } }, /^args\.connection\.hostKey$/, /invalid host key.*"TYPE BASE64"/));

  it("a package name with shell syntax", () => rejects({ ...good, packages: ["qemu-user-static;reboot"] }, /^args\.packages\[0\]$/, /invalid package name/));

  it("an acceptance image for a target that was not requested", () =>
    rejects({ ...good, acceptance: { images: { riscv64: "riscv64/busybox" } } }, /^args\.acceptance\.images\.riscv64$/, /not one of the requested architectures \(aarch64\)/));

  it("docker-provider acceptance without a key file", () => rejects({ ...good, acceptance: { via: "docker-provider" } }, /^args\.connection\.privateKeyPath$/, /key as a FILE/));

  it("an acceptance.runAs that is not a login name", () => rejects({ ...good, acceptance: { runAs: "bob; reboot" } }, /^args\.acceptance\.runAs$/, /invalid user "bob; reboot"/));

  it("an acceptance.dockerHost that is not a DOCKER_HOST address", () =>
    rejects({ ...good, acceptance: { dockerHost: "/run/podman.sock" } }, /^args\.acceptance\.dockerHost$/, /expected a DOCKER_HOST address: unix:\/\/\/ABSOLUTE\/SOCKET/));

  it("acceptance.runAs with the docker provider (which cannot switch user)", () =>
    rejects(
      {
        ...good,
        connection: { host: "h", privateKeyPath: "/k/id", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl" },
        acceptance: { via: "docker-provider", runAs: "builder" },
      },
      /^args\.acceptance\.runAs$/,
      /needs acceptance\.via "command"/,
    ));

  it("docker-provider acceptance without a host key", () =>
    rejects({ ...good, connection: { host: "h", privateKeyPath: "/k/id" }, acceptance: { via: "docker-provider" } }, /^args\.connection\.hostKey$/, /needs the host key/));

  it("accepts Outputs where it cannot look and aliases for targets", async () => {
    const { BinfmtHost } = await import("../../../src/component");
    let host: InstanceType<typeof BinfmtHost> | undefined;
    assert.doesNotThrow(() => {
      host = new BinfmtHost("ok", {
        connection: { host: pulumi.output("10.0.0.5"), port: pulumi.output(2222), privateKey: pulumi.secret(TEST_KEY) },
        architectures: ["arm64", "linux/arm/v7"],
      });
    });
    // Let every child register before the next test counts registrations.
    if (host !== undefined) assert.deepEqual(Object.keys(await settle(host.targets)), ["aarch64", "arm"]);
  });
});

describe("BinfmtFleet rejects bad input before creating any resource", () => {
  it("duplicate host ids", async () => {
    const { BinfmtFleet, BinfmtArgsError } = await import("../../../src/component");
    rec.clear();
    assert.throws(
      () =>
        new BinfmtFleet("f", {
          architectures: ["aarch64"],
          hosts: [
            { id: "a", connection: { host: "1.1.1.1" } },
            { id: "a", connection: { host: "1.1.1.2" } },
          ],
        }),
      (e: unknown) => e instanceof BinfmtArgsError && e.field === "args.hosts[1].id" && /duplicate host id "a"/.test(e.message),
    );
    await new Promise((r) => setImmediate(r));
    assert.equal(rec.created.length, 0);
  });

  it("a host id that cannot name resources", async () => {
    const { BinfmtFleet } = await import("../../../src/component");
    assert.throws(
      () => new BinfmtFleet("f", { architectures: ["aarch64"], hosts: [{ id: "Builder 1", connection: { host: "h" } }] }),
      /args\.hosts\[0\]\.id: invalid host id "Builder 1"/,
    );
  });

  it("a bad per-host architecture names that host's field", async () => {
    const { BinfmtFleet } = await import("../../../src/component");
    assert.throws(
      () => new BinfmtFleet("f", { architectures: ["aarch64"], hosts: [{ id: "a", connection: { host: "h" }, architectures: ["nope"] }] }),
      /args\.hosts\[0\]\.architectures\[0\]: unknown target "nope"/,
    );
  });
});
