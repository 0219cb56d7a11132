/**
 * The image install source on a host without a package manager, through the real engine: static QEMU
 * interpreters copied out of an image pinned by digest (the lab's pqb-lab/qemu-user-static, built from
 * Debian 12's and Debian 13's own packages: QEMU 7.2 and 10.0), versions reported, a pin switch that
 * changes only what it must and leaves a running emulated container alone, and a destroy that leaves
 * nothing. And the apt source's refusals before any change: no apt on the host, a packageVersion the
 * repositories cannot satisfy.
 *
 * Hosts: noapt1 (Debian 13, `lab up --noapt`: apt and dpkg are not on PATH) and img1 (Debian 12, apt).
 * The digests are read from the registry (the tag's Docker-Content-Digest), never written down.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../support/toolchain";
import { LabHost, findHost, labDown, labUp, sshExec } from "../support/lab";
import { TestStack, urnName } from "../support/pulumi";
import { BinfmtHost, HostReport } from "../../src/component";
import { InstallSource } from "../../src/host/enums";

const NOAPT = "noapt1";
const APT = "img1";
const TARGETS = ["arm", "aarch64", "riscv64"];
const ROOT = "/var/lib/pulumi-qemu-binfmt";
let hosts: Record<string, LabHost> = {};
let registry = "";

function root(h: LabHost, command: string): string {
  const r = sshExec(h, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout.trim();
}

/** The manifest digest the lab registry serves for a tag of pqb-lab/qemu-user-static. */
async function pinned(tag: string): Promise<string> {
  const res = await fetch(`http://${registry}/v2/pqb-lab/qemu-user-static/manifests/${tag}`, {
    method: "HEAD",
    headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json" },
  });
  const digest = res.headers.get("docker-content-digest");
  assert.ok(res.ok && digest?.startsWith("sha256:"), `registry ${registry} has no pqb-lab/qemu-user-static:${tag} (run dev/lab/services.sh prepare)`);
  return `${registry}/pqb-lab/qemu-user-static@${digest}`;
}

async function stackFor(project: string, h: LabHost, args: () => object): Promise<TestStack> {
  const key = readFileSync(h.privateKeyPath, "utf8");
  return TestStack.create({
    projectName: project,
    program: async () => {
      const b = new BinfmtHost(project, {
        connection: { host: h.address, port: h.port, user: "root", privateKey: key, hostKey: h.hostPublicKey },
        architectures: TARGETS,
        ...args(),
      });
      return { report: b.report };
    },
  });
}

/**
 * A program of its own, run by the language host as `pulumi up` runs a user's (the built package through
 * the checkout's self-link): a plan that refuses fails that process, not this test's. For the refusals.
 */
async function refusedStack(project: string, h: LabHost, args: object): Promise<{ stack: TestStack; dir: string }> {
  mkdirSync(path.join(repoRoot, ".state"), { recursive: true });
  const dir = mkdtempSync(path.join(repoRoot, ".state", `ws-${project}-`));
  writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${project}\nruntime: nodejs\n`);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: project, main: "index.js" }));
  const connection = { host: h.address, port: h.port, user: "root", hostKey: h.hostPublicKey };
  writeFileSync(
    path.join(dir, "index.js"),
    `const { readFileSync } = require("node:fs");
const { BinfmtHost } = require("pulumi-qemu-binfmt");
const connection = { ...${JSON.stringify(connection)}, privateKey: readFileSync(${JSON.stringify(h.privateKeyPath)}, "utf8") };
const b = new BinfmtHost(${JSON.stringify(project)}, { connection, architectures: ${JSON.stringify(TARGETS)}, ...${JSON.stringify(args)} });
exports.summary = b.summary;
`,
  );
  return { stack: await TestStack.createFromDir(dir), dir };
}

function report(outputs: Record<string, { value: unknown }>): HostReport {
  return outputs.report?.value as HostReport;
}

/** Names of the resources the last operation changed. */
function changed(stack: TestStack): string[] {
  return [...new Set(TestStack.activeSteps(stack.last()).map((s) => urnName(s.urn)))].sort();
}

describe("interpreters from a pinned OCI image", { timeout: 20 * 60_000 }, () => {
  before(() => {
    const noapt = labUp({ hosts: 1, suites: ["trixie"], prefix: "noapt", noapt: true, fresh: true });
    const apt = labUp({ hosts: 1, suites: ["bookworm"], prefix: "img", fresh: true });
    hosts = { [NOAPT]: findHost(noapt, NOAPT), [APT]: findHost(apt, APT) };
    registry = apt.services.registry ?? "";
    assert.ok(registry !== "", "the lab has no registry");
  });
  after(() => labDown([NOAPT, APT]));

  it("the lab host really has no package manager", () => {
    const h = hosts[NOAPT] as LabHost;
    assert.equal(h.noapt, true);
    assert.equal(sshExec(h, "root", "command -v apt-get || command -v dpkg || command -v apt").code, 1);
  });

  it("asking for apt on a host without it fails before any change, pointing at the image source", async () => {
    const h = hosts[NOAPT] as LabHost;
    const { stack, dir } = await refusedStack("img-apt", h, {});
    try {
      await assert.rejects(stack.up("apt on a host without apt"), /installSource "apt" needs apt-get and dpkg.*ID=debian.*installSource "image"/s);
      assert.equal(root(h, "ls /etc/binfmt.d/ 2>/dev/null | grep -c qemu || true"), "0");
      assert.equal(root(h, `ls /proc/sys/fs/binfmt_misc | grep -c qemu || true`), "0");
    } finally {
      await stack.destroy("destroy").catch(() => undefined);
      await stack.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("registers arm, aarch64 and riscv64 from the image, reports QEMU's version, switches pins, and destroy leaves nothing", async () => {
    const h = hosts[NOAPT] as LabHost;
    const a = await pinned("bookworm");
    const b = await pinned("trixie");
    let pin = a;
    const stack = await stackFor("img", h, () => ({ installSource: InstallSource.Image, interpreterImage: pin }));
    let sleeper = "";
    try {
      // 1. Pin A: Debian 12's QEMU 7.2.
      const first = report(await stack.up("up, pin A"));
      const hexA = a.split("@sha256:")[1] ?? "";
      for (const t of TARGETS) {
        const r = first.targets[t];
        assert.equal(r?.status, "registered", t);
        assert.equal(r?.interpreter, `${ROOT}/qemu/${hexA}/qemu-${t}`);
        assert.equal(r?.acceptance.status, "passed", t);
        assert.match(r?.qemuVersion ?? "", /^7\.2\.\d+$/, t);
        assert.match(r?.qemuVersionLine ?? "", new RegExp(`^qemu-${t} version 7\\.2`));
      }
      assert.match(first.summary, /interpreters from .*pqb-lab\/qemu-user-static@sha256:/);
      assert.match(first.summary, /aarch64 +registered \S+ QEMU 7\.2\.\d+/);
      assert.deepEqual(first.packages, []);
      assert.equal(root(h, "docker ps -aq | wc -l"), "0", "the copy's container is removed");
      await stack.preview("unchanged", true);

      // 2. A long-running emulated container, started before the switch.
      sleeper = root(h, "docker run -d --platform linux/arm64 arm64v8/busybox sleep 600");
      // 3. Pin B: Debian 13's QEMU 10.0.
      pin = b;
      const second = report(await stack.up("up, pin B"));
      const names = changed(stack);
      process.stderr.write(`[image-source] pin switch changed: ${names.join(", ")}\n`);
      const expected = ["img-interpreters", "img-check", ...TARGETS.map((t) => `img-rule-${t}`)];
      for (const n of expected) assert.ok(names.includes(n), `${n} changed (changed: ${names.join(", ")})`);
      for (const n of names) assert.match(n, /^img-(interpreters|rule-\w+|check)$/, `only the install, the rules and the check change: ${n}`);
      const hexB = b.split("@sha256:")[1] ?? "";
      for (const t of TARGETS) {
        assert.equal(second.targets[t]?.interpreter, `${ROOT}/qemu/${hexB}/qemu-${t}`);
        assert.match(second.targets[t]?.qemuVersion ?? "", /^10\.0\.\d+$/, t);
        assert.equal(second.targets[t]?.acceptance.status, "passed", t);
      }
      assert.equal(root(h, `docker inspect -f '{{.State.Running}}' ${sleeper}`), "true", "the emulated container started before the switch still runs");
      assert.equal(root(h, `docker exec ${sleeper} uname -m`), "aarch64");
      assert.equal(root(h, `ls ${ROOT}/qemu`), hexB, "pin A's directory is gone once no entry uses it");
      await stack.preview("unchanged after the switch", true);
      root(h, `docker rm -f ${sleeper}`);
      sleeper = "";

      // 4. Destroy: no interpreter directory, no entry, no file.
      await stack.destroy("destroy");
      assert.equal(root(h, `test -e ${ROOT} && echo present || echo absent`), "absent");
      assert.equal(root(h, `ls /proc/sys/fs/binfmt_misc | grep -c '^qemu-' || true`), "0");
      assert.equal(root(h, `ls /etc/binfmt.d | grep -c '^qemu-' || true`), "0");
    } finally {
      if (sleeper !== "") sshExec(h, "root", `docker rm -f ${sleeper}`);
      await stack.destroy("destroy").catch(() => undefined);
      await stack.dispose();
    }
  });

  it("a packageVersion the repository cannot satisfy fails before any change, naming the versions available", async () => {
    const h = hosts[APT] as LabHost;
    const { stack, dir } = await refusedStack("img-pin", h, { packageVersion: ">=1:99" });
    const refused = /packageVersion ">=1:99" cannot be satisfied for qemu-user-static: the host's repositories offer (.+?)\. Choose/;
    const nothingChanged = () => {
      assert.equal(root(h, "dpkg-query -W -f='${db:Status-Status}' qemu-user-static 2>/dev/null || echo not-installed"), "not-installed");
      assert.equal(root(h, "ls /etc/binfmt.d | grep -c '^qemu-' || true"), "0");
      assert.equal(root(h, "ls /proc/sys/fs/binfmt_misc | grep -c '^qemu-' || true"), "0");
    };
    try {
      // A fresh host has never run apt-get update: the observation reads fresh lists into a private directory
      // (src/host/fresh-lists.ts), so even the first up is refused by the plan, before any command runs, and the
      // host's own lists stay as they were.
      const first = await stack.up("packageVersion >=1:99, fresh apt lists").then(
        () => assert.fail("up should fail"),
        (e: unknown) => String(e),
      );
      assert.equal(TestStack.activeSteps(stack.last(), "command:remote:Command").length, 0, "no command ran on a host without lists");
      assert.equal(root(h, "apt-cache madison qemu-user-static"), "", "the host's own lists were not touched");
      // What the lab repo offers, read by the test itself: the message names exactly that.
      root(h, "apt-get update -qq");
      const offered = root(h, "apt-cache madison qemu-user-static | awk -F'|' '{ gsub(/ /, \"\", $2); print $2 }' | sort -u");
      assert.ok(offered !== "", "the lab repo offers qemu-user-static");
      assert.equal(refused.exec(first)?.[1], offered.split("\n").join(", "), first);
      nothingChanged();
      // Now the observation sees the versions: the plan refuses, before any command runs (preview too).
      await assert.rejects(stack.preview("preview with packageVersion >=1:99"), refused);
      await assert.rejects(stack.up("packageVersion >=1:99, lists read"), refused);
      assert.equal(TestStack.activeSteps(stack.last(), "command:remote:Command").length, 0, "no command ran");
      nothingChanged();
    } finally {
      await stack.destroy("destroy").catch(() => undefined);
      await stack.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("apt with an exact packageVersion installs that version and reports the QEMU behind every target", async () => {
    const h = hosts[APT] as LabHost;
    // The version the lab repo offers (the host's lists read fresh first).
    root(h, "apt-get update -qq");
    const version = root(h, "apt-cache madison qemu-user-static | awk -F'|' '{ gsub(/ /, \"\", $2); print $2 }' | sort -u | tail -n 1");
    const stack = await stackFor("img-apt-pin", h, () => ({ packageVersion: version }));
    try {
      const r = report(await stack.up(`up, packageVersion ${version}`));
      // The plan names the package; the packages script pins the version on the host (plan stays stable).
      assert.deepEqual(r.packages, ["qemu-user-static"]);
      assert.equal(root(h, "dpkg-query -W -f='${Version}' qemu-user-static"), version);
      for (const t of TARGETS) {
        assert.equal(r.targets[t]?.interpreter, `/usr/bin/qemu-${t}-static`);
        assert.match(r.targets[t]?.qemuVersion ?? "", /^7\.2\.\d+$/, t);
        assert.ok(r.targets[t]?.qemuVersionLine.includes(`(Debian ${version})`), r.targets[t]?.qemuVersionLine);
      }
      await stack.preview("unchanged", true);
    } finally {
      await stack.destroy("destroy").catch(() => undefined);
      await stack.dispose();
    }
  });
});
