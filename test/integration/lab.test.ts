// The lab's hosts are what the product is tested against, so they must be what the brief says:
// real sshd (pinned host key) for root and a sudo user, systemd as PID 1 (or none, for the plain
// host), docker inside, and a binfmt_misc instance of their own that starts empty — so that the
// article's failing test (`docker run arm64v8/busybox uname -m` → exec format error) holds on every
// host before any provisioning.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { findHost, labDown, labUp, sshExec, type LabHost, type LabInfo } from "../support/lab";

const SYSTEMD_HOSTS = ["smoke1", "smoke2"];
const PLAIN_HOST = "smokep1";

let info: LabInfo;
let machineBinfmtBefore = "";

function machineBinfmt(): string {
  const mounted = / \/proc\/sys\/fs\/binfmt_misc /.test(readFileSync("/proc/self/mounts", "utf8"));
  return mounted ? "mounted" : "not mounted";
}

function ok(host: LabHost, user: string, command: string): string {
  const r = sshExec(host, user, command);
  assert.equal(r.code, 0, `${user}@${host.name}: ${command} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

before(() => {
  machineBinfmtBefore = machineBinfmt();
  info = labUp({ hosts: 2, suites: ["bookworm", "trixie"], plain: 1, prefix: "smoke", fresh: true });
});

after(() => {
  if (!process.env.PQB_LAB_KEEP) labDown([...SYSTEMD_HOSTS, PLAIN_HOST]);
});

describe("lab hosts with systemd (bookworm and trixie)", () => {
  test("are reported with their suites, one address each, and the lab key", () => {
    const [a, b] = SYSTEMD_HOSTS.map((n) => findHost(info, n));
    assert.equal(a.suite, "bookworm");
    assert.equal(b.suite, "trixie");
    assert.equal(a.init, "systemd");
    assert.notEqual(a.address, b.address);
    assert.deepEqual(a.users, { root: "root", sudo: "builder" });
    assert.match(readFileSync(a.privateKeyPath, "utf8"), /BEGIN OPENSSH PRIVATE KEY/);
  });

  for (const name of SYSTEMD_HOSTS) {
    describe(name, () => {
      test("sshd answers with the advertised host key", () => {
        const host = findHost(info, name);
        assert.equal(host.hostKeyType, "ssh-ed25519");
        const scan = spawnSync("ssh-keyscan", ["-t", "ed25519", "-T", "10", host.address], { encoding: "utf8" });
        const scanned = scan.stdout.split("\n").find((l) => l.startsWith(`${host.address} `));
        assert.ok(scanned, `ssh-keyscan got no key: ${scan.stderr}`);
        assert.equal(scanned.split(" ").slice(1, 3).join(" "), host.hostPublicKey);
        // and the pinned login works (StrictHostKeyChecking=yes with only that key known)
        assert.equal(ok(host, "root", "hostname").trim(), name);
      });

      test("runs systemd as PID 1, booted to running or degraded", () => {
        const host = findHost(info, name);
        assert.equal(ok(host, "root", "cat /proc/1/comm").trim(), "systemd");
        const state = sshExec(host, "root", "systemctl is-system-running").stdout.trim();
        assert.ok(["running", "degraded"].includes(state), `systemctl is-system-running: ${state}`);
      });

      test("has its own binfmt_misc, mounted, in a user namespace of its own, without qemu entries", () => {
        const host = findHost(info, name);
        assert.equal(ok(host, "root", "findmnt -n -o FSTYPE /proc/sys/fs/binfmt_misc | head -n 1").trim(), "binfmt_misc");
        // Not the machine's user namespace: the kernel gives each its own binfmt_misc instance.
        assert.notEqual(ok(host, "root", "cat /proc/self/uid_map").trim().split(/\s+/).join(" "), "0 0 4294967295");
        assert.doesNotMatch(ok(host, "root", "ls /proc/sys/fs/binfmt_misc"), /qemu/);
        assert.doesNotMatch(ok(host, "root", "dpkg -l 'qemu-user*' binfmt-support 2>/dev/null | grep ^ii || true"), /qemu|binfmt/);
      });

      test("the builder user has passwordless sudo", () => {
        const host = findHost(info, name);
        assert.equal(ok(host, host.users.sudo, "sudo -n id -u").trim(), "0");
      });

      test("docker works inside, for root and for builder", () => {
        const host = findHost(info, name);
        assert.match(ok(host, "root", "docker info --format '{{.ServerVersion}}'"), /\d+\.\d+/);
        assert.match(ok(host, host.users.sudo, "docker info --format '{{.ServerVersion}}'"), /\d+\.\d+/);
      });

      test("the article's failing test holds: arm64v8/busybox fails with exec format error", () => {
        assert.ok(
          info.services.registry,
          "the lab has no registry: dev/lab/services.sh is missing or did not start, so " + "`docker run arm64v8/busybox` cannot pull (the hosts are offline)",
        );
        const host = findHost(info, name);
        const r = sshExec(host, "root", "docker run --rm arm64v8/busybox uname -m");
        assert.notEqual(r.code, 0, `expected a failure, got: ${r.stdout}`);
        assert.match(r.stderr, /exec format error/);
        assert.doesNotMatch(r.stdout, /aarch64/);
      });
    });
  }
});

describe("plain lab host (no systemd)", () => {
  test("answers on ssh with its pinned key, for root and builder", () => {
    const host = findHost(info, PLAIN_HOST);
    assert.equal(host.init, "none");
    assert.equal(ok(host, "root", "hostname").trim(), PLAIN_HOST);
    assert.equal(ok(host, host.users.sudo, "sudo -n id -u").trim(), "0");
  });

  test("was not booted with systemd", () => {
    const host = findHost(info, PLAIN_HOST);
    const r = sshExec(host, "root", "systemctl is-system-running");
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /not been booted with systemd|offline/);
    assert.notEqual(ok(host, "root", "cat /proc/1/comm").trim(), "systemd");
  });

  test("has a private binfmt_misc mounted, and docker", () => {
    const host = findHost(info, PLAIN_HOST);
    assert.equal(ok(host, "root", "findmnt -n -o FSTYPE /proc/sys/fs/binfmt_misc | head -n 1").trim(), "binfmt_misc");
    assert.notEqual(ok(host, "root", "cat /proc/self/uid_map").trim().split(/\s+/).join(" "), "0 0 4294967295");
    assert.doesNotMatch(ok(host, "root", "ls /proc/sys/fs/binfmt_misc"), /qemu/);
    assert.match(ok(host, "root", "docker info --format '{{.ServerVersion}}'"), /\d+\.\d+/);
  });
});

test("the machine's own binfmt_misc is left alone", () => {
  assert.equal(machineBinfmt(), machineBinfmtBefore);
});
