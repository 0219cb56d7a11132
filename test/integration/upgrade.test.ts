/**
 * A stack made with release 0.1.0 upgrades to the current code without touching what it manages: the program is a
 * user's project in a temporary directory whose `pulumi-qemu-binfmt` dependency is the npm tarball of 0.1.0
 * (built from its commit, test/support/release-tarball.ts); `up` on a fresh Debian 12 lab host with two targets;
 * then the dependency becomes the tarball of this checkout and
 *   - `preview` plans no replace and no delete (each replaced or deleted URN is named: a renamed resource or
 *     type needs an alias); the one exception is the acceptance check re-running for its triggers (checkReruns),
 *   - `up` converges, with no replace or delete either, while a watcher on the host reads
 *     /proc/sys/fs/binfmt_misc/qemu-<target> every 100 ms: every sample must find each entry enabled, and the
 *     entry's inode and registration time (binfmt_misc stamps the file when it is registered) must not change
 *     (a changed one was unregistered and registered again: absent for a moment, however short),
 *   - `preview --expect-no-changes` passes and the entries are the ones 0.1.0 registered.
 * Lab host: prefix `upg` (PQB_UPGRADE_LAB_PREFIX overrides it), removed at the end. PQB_UPGRADE_TO=<commit> upgrades
 * to that commit's build instead of the checkout's.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findHost, labDown, labUp, sshArgs, sshExec, type LabHost } from "../support/lab";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { TestStack } from "../support/pulumi";
import { checkoutTarball, commitTarball, fileDigest, releaseTarball } from "../support/release-tarball";
import { repoRoot } from "../support/toolchain";
import { checkReruns, destructiveSteps, type PlannedStep } from "../support/upgrade-steps";

/**
 * Release 0.1.0 is this commit ("Tidy: one magic_fields parser, the install digest once per host", the main branch's
 * head when 0.1.0 was recorded in CHANGELOG.md). A later release that must stay upgradable adds its own constant.
 */
const RELEASE_0_1_0 = { version: "0.1.0", commit: "c422aef5315a4533d5879865d72fe45d44844b03" } as const;

const PREFIX = process.env.PQB_UPGRADE_LAB_PREFIX ?? "upg";
const HOST = `${PREFIX}1`;
const TARGETS = ["arm", "aarch64"] as const;
const WATCH_INTERVAL_S = 0.1;

let host: LabHost;
let tmp: string;
let programDir: string;
let stack: TestStack | undefined;
let oldTarball: string;
let newTarball: string;

/** The user's program: plain JavaScript, as `pulumi new` would leave it with the package installed from npm. */
const PROGRAM = `"use strict";
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");
const { BinfmtHost } = require("pulumi-qemu-binfmt");
const cfg = new pulumi.Config();
const builder = new BinfmtHost("builder", {
  connection: {
    host: cfg.require("host"),
    port: cfg.requireNumber("port"),
    user: "root",
    privateKey: fs.readFileSync(cfg.require("privateKeyPath"), "utf8"),
    hostKey: cfg.require("hostKey"),
  },
  architectures: ${JSON.stringify(TARGETS)},
});
exports.targets = builder.targets;
`;

/** Points the program's dependency at `tarball` and installs it (npm's cache; the registry only when it lacks one). */
function installPackage(tarball: string): void {
  const pulumiVersion = (JSON.parse(readFileSync(path.join(repoRoot, "node_modules/@pulumi/pulumi/package.json"), "utf8")) as { version: string }).version;
  const manifest = { name: "upgrade-program", private: true, main: "index.js", dependencies: { "@pulumi/pulumi": pulumiVersion, "pulumi-qemu-binfmt": `file:${tarball}` } };
  writeFileSync(path.join(programDir, "package.json"), JSON.stringify(manifest, null, 2));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: programDir, stdio: ["ignore", "pipe", "pipe"], timeout: 10 * 60_000 });
}

/** The installed package's own package.json and where it resolves from (never the checkout's self link). */
function installedPackage(): { version: string; dir: string } {
  const out = execFileSync(
    "node",
    ["-p", 'const p = require.resolve("pulumi-qemu-binfmt/package.json"); JSON.stringify({ dir: require("path").dirname(p), version: require(p).version })'],
    {
      cwd: programDir,
      encoding: "utf8",
    },
  );
  return JSON.parse(out) as { version: string; dir: string };
}

/** `preview` (or `up`) of `s`, returning every step the engine announced with its causes; timed like TestStack's. */
async function stepsOf(s: TestStack, kind: "preview" | "up", label: string): Promise<PlannedStep[]> {
  const steps: PlannedStep[] = [];
  const onEvent = (e: EngineEvent): void => {
    const m = e.resourcePreEvent?.metadata;
    if (m) steps.push({ op: m.op, urn: m.urn, keys: m.keys ?? [], diffs: m.diffs ?? [] });
  };
  const t0 = Date.now();
  if (kind === "preview") await s.stack.preview({ onEvent, color: "never" });
  else await s.stack.up({ onEvent, color: "never" });
  const active = steps.filter((x) => x.op !== "same").length;
  process.stderr.write(`[timing] ${label}: ${kind} ok in ${((Date.now() - t0) / 1000).toFixed(1)} s (${steps.length} steps, ${active} not "same")\n`);
  return steps;
}

/** URNs of the stack's remote.Commands that have no delete command (read from the exported state). */
async function commandsWithoutDelete(s: TestStack): Promise<Set<string>> {
  const deployment = (await s.stack.exportStack()).deployment as { resources?: { urn: string; type: string; inputs?: Record<string, unknown> }[] };
  return new Set((deployment.resources ?? []).filter((r) => r.type === "command:remote:Command" && r.inputs?.delete === undefined).map((r) => r.urn));
}

function assertNoDestructiveSteps(steps: readonly PlannedStep[], what: string, withoutDelete: ReadonlySet<string>): void {
  const allowed = checkReruns(steps, withoutDelete);
  for (const urn of allowed) process.stderr.write(`[upgrade] ${what}: allowed: ${urn} is replaced for its triggers only (the check runs again; it has no delete command)\n`);
  const found = destructiveSteps(steps, allowed);
  assert.deepEqual(
    found,
    [],
    `${what} after switching from ${RELEASE_0_1_0.version} (${RELEASE_0_1_0.commit.slice(0, 7)}) to ${upgradeTarget()} would replace or delete ` +
      `${found.length} existing resource(s) (steps): a resource or type renamed without an alias (pulumi.ResourceOptions.aliases), or an input ` +
      `that forces a replacement (replaceOnChanges, a command's triggers), breaks every stack made with ${RELEASE_0_1_0.version}:\n  ${found.join("\n  ")}`,
  );
}

/** What the test upgrades to, for messages. */
function upgradeTarget(): string {
  const to = process.env.PQB_UPGRADE_TO;
  return to === undefined || to === "" ? "this checkout" : `PQB_UPGRADE_TO=${to}`;
}

/** One watcher sample: the host's uptime (s), then per entry its first line ("enabled") and inode:mtime. */
interface Sample {
  readonly t: number;
  readonly entries: ReadonlyMap<string, { state: string; stamp: string }>;
}

/**
 * Polls the entries on the host every WATCH_INTERVAL_S as root, one line per sample, until the stop file exists
 * (or 20 minutes pass: a lost test cannot leave it running). POSIX sh; GNU date/stat (Debian).
 */
class EntryWatcher {
  private readonly proc: ChildProcess;
  private out = "";
  private readonly exited: Promise<number | null>;
  private readonly stopFile = `/run/pqb-upgrade-watch.${process.pid}`;

  constructor(private readonly h: LabHost) {
    const names = TARGETS.map((t) => `qemu-${t}`).join(" ");
    // Per sample: the uptime and each entry's first line through the shell's own `read` (no process), one `stat`
    // per entry for its inode and registration time; `date` once, to place the samples in wall-clock time.
    const script = [
      `rm -f ${this.stopFile}; date +%s.%N; i=0; end=12000`,
      `while [ ! -e ${this.stopFile} ] && [ "$i" -lt "$end" ]; do`,
      `  i=$((i + 1)); read -r up _ < /proc/uptime; line="U$up"`,
      `  for n in ${names}; do f=/proc/sys/fs/binfmt_misc/$n`,
      `    { read -r s < "$f"; } 2>/dev/null || s=""; st=$(stat -c '%i:%.9Y' "$f" 2>/dev/null) || st=""`,
      `    line="$line $n=\${s:-absent}@\${st:--}"`,
      `  done`,
      `  echo "$line"; sleep ${WATCH_INTERVAL_S}`,
      `done; rm -f ${this.stopFile}; echo "stopped after $i samples"`,
    ].join("\n");
    this.proc = spawn("ssh", [...sshArgs(h), `root@${h.address}`, script], { stdio: ["ignore", "pipe", "pipe"] });
    this.proc.stdout?.on("data", (d: Buffer) => (this.out += d.toString()));
    this.proc.stderr?.on("data", (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((resolve) => this.proc.on("exit", (code) => resolve(code)));
  }

  /** Waits until the watcher has written `n` samples (it started reading the host). */
  async started(n = 3): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (this.samples().length < n) {
      if (Date.now() > deadline) throw new Error(`the entry watcher on ${this.h.name} wrote no samples in 30 s; its output:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<Sample[]> {
    const r = sshExec(this.h, "root", `touch ${this.stopFile}`);
    assert.equal(r.code, 0, `${this.h.name}: could not stop the entry watcher: ${r.stderr}`);
    const code = await this.exited;
    assert.equal(code, 0, `the entry watcher on ${this.h.name} exited ${String(code)}:\n${this.out}`);
    assert.match(this.out, /stopped after \d+ samples/, `the entry watcher on ${this.h.name} did not finish its loop:\n${this.out}`);
    return this.samples();
  }

  samples(): Sample[] {
    return this.out
      .split("\n")
      .filter((l) => /^U\d+\.\d+ /.test(l))
      .map((l) => {
        const [t, ...fields] = l.slice(1).split(" ");
        const entries = new Map(
          fields.map((f) => {
            const [name = "", rest = ""] = f.split("=");
            const [state = "", stamp = ""] = rest.split("@");
            return [name, { state, stamp }];
          }),
        );
        return { t: Number(t), entries };
      });
  }

  /** Wall-clock time (s since the epoch) the watcher started, read once on the host. */
  startedAt(): number {
    return Number(/^(\d+\.\d+)$/m.exec(this.out)?.[1] ?? NaN);
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill("SIGTERM");
  }
}

/**
 * What went wrong with each entry across `samples`, once per entry and kind (the first sample, and how many): an
 * absent or disabled entry, a registration stamp that changed (unregistered and registered again in between).
 */
function entryGaps(samples: readonly Sample[], before: Sample, startedAt: number): string[] {
  const at = (s: Sample): string => `+${(s.t - before.t).toFixed(2)} s (${new Date((startedAt + s.t - before.t) * 1000).toISOString()})`;
  const found = new Map<string, { first: string; count: number }>();
  const note = (key: string, first: string): void => {
    const seen = found.get(key);
    if (seen === undefined) found.set(key, { first, count: 1 });
    else seen.count++;
  };
  for (const [i, s] of samples.entries()) {
    for (const t of TARGETS) {
      const name = `qemu-${t}`;
      const e = s.entries.get(name);
      const first = before.entries.get(name);
      if (e === undefined || e.state !== "enabled") note(`${name} state`, `${name} was ${e?.state ?? "not read"} at sample ${i}, ${at(s)}`);
      else if (first !== undefined && e.stamp !== first.stamp)
        note(`${name} stamp`, `${name} was registered again by sample ${i}, ${at(s)} (inode:mtime ${first.stamp} -> ${e.stamp}): absent in between, however briefly`);
    }
  }
  return [...found.values()].map((f) => `${f.first}; ${f.count} of ${samples.length} samples`);
}

describe(`a stack made with ${RELEASE_0_1_0.version} upgrades to this checkout in place`, { timeout: 30 * 60_000 }, () => {
  before(() => {
    // Fails first, with the missing commit named, when this clone has no full history.
    oldTarball = releaseTarball(RELEASE_0_1_0.commit, RELEASE_0_1_0.version);
    tmp = mkdtempSync(path.join(os.tmpdir(), "pqb-upgrade-"));
    // PQB_UPGRADE_TO=<commit or branch>: upgrade to that commit's build instead (e.g. a branch before it is merged).
    const to = process.env.PQB_UPGRADE_TO;
    newTarball = to === undefined || to === "" ? checkoutTarball(tmp) : commitTarball(to, `PQB_UPGRADE_TO=${to}`);
    programDir = mkdtempSync(path.join(tmp, "program-"));
    host = findHost(labUp({ hosts: 1, suites: ["bookworm"], prefix: PREFIX, fresh: true }), HOST);
    writeFileSync(
      path.join(programDir, "Pulumi.yaml"),
      "name: upgrade-program\nruntime:\n  name: nodejs\n  options:\n    typescript: false\ndescription: a user's program, upgraded from 0.1.0\n",
    );
    writeFileSync(path.join(programDir, "index.js"), PROGRAM);
  });

  after(async () => {
    if (stack !== undefined) {
      await stack.destroy("destroy with the upgraded package").catch((e: unknown) => process.stderr.write(`upgrade test: destroy failed: ${String(e)}\n`));
      await stack.dispose();
    }
    if (!process.env.PQB_LAB_KEEP && host !== undefined) labDown([HOST]);
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  });

  it(`up with ${RELEASE_0_1_0.version}, then the checkout: no replace, no delete, no moment without the entries`, async () => {
    installPackage(oldTarball);
    assert.equal(installedPackage().version, RELEASE_0_1_0.version);
    assert.ok(installedPackage().dir.startsWith(programDir), `the program resolves the package from ${installedPackage().dir}, not its own node_modules`);
    const s = await TestStack.createFromDir(programDir, { stackName: "upgrade" });
    stack = s;
    await s.stack.setAllConfig({
      host: { value: host.address },
      port: { value: String(host.port) },
      privateKeyPath: { value: host.privateKeyPath },
      hostKey: { value: host.hostPublicKey },
    });
    await s.up(`up with ${RELEASE_0_1_0.version}`);
    for (const t of TARGETS) {
      const r = sshExec(host, "root", `head -n 1 /proc/sys/fs/binfmt_misc/qemu-${t}`);
      assert.equal(r.stdout.trim(), "enabled", `${HOST}: qemu-${t} after the ${RELEASE_0_1_0.version} up: ${r.stdout}${r.stderr}`);
    }

    installPackage(newTarball);
    const same = fileDigest(oldTarball) === fileDigest(newTarball);
    process.stderr.write(
      `[upgrade] ${RELEASE_0_1_0.version} tarball ${fileDigest(oldTarball).slice(0, 12)}, ${upgradeTarget()} ${fileDigest(newTarball).slice(0, 12)}${same ? " (same bytes: nothing to upgrade)" : ""}\n`,
    );
    assert.ok(installedPackage().dir.startsWith(programDir));

    const withoutDelete = await commandsWithoutDelete(s);
    assertNoDestructiveSteps(await stepsOf(s, "preview", "preview after the upgrade"), "preview", withoutDelete);

    const watcher = new EntryWatcher(host);
    try {
      await watcher.started();
      const first = watcher.samples()[0] as Sample;
      assertNoDestructiveSteps(await stepsOf(s, "up", "up after the upgrade"), "up", withoutDelete);
      const samples = await watcher.stop();
      const seconds = (samples[samples.length - 1] as Sample).t - first.t;
      process.stderr.write(`[upgrade] watcher: ${samples.length} samples over ${seconds.toFixed(1)} s\n`);
      assert.ok(samples.length >= 10, `the watcher took only ${samples.length} samples`);
      assert.deepEqual(entryGaps(samples, first, watcher.startedAt()), [], `${HOST}: the binfmt_misc entries during the upgrade's up`);
    } finally {
      watcher.kill();
    }

    await s.preview("preview --expect-no-changes after the upgrade", true);
  });
});
