/**
 * Faults a fleet meets, injected on real lab hosts through the real engine. Each case: inject the fault,
 * `pulumi up` (success, or a clear error naming the host and the step), remove the fault, `pulumi up`
 * again (converges), then check the host (./support.ts checkHost) and `pulumi preview --expect-no-changes`.
 * Every case starts from freshly reset hosts (`lab up --fresh`, seconds), so cases are independent.
 * The run writes docs/reliability.md (one row per fault, and the suite's wall time).
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { LabHost, LabInfo, findHost, labDown, labReboot, labUp } from "../support/lab";
import { TestStack } from "../support/pulumi";
import { pulumiBinary, repoRoot, toolchainEnv } from "../support/toolchain";
import {
  CliResult,
  FOREIGN,
  FaultProgram,
  ReliabilityRow,
  addForeign,
  checkHost,
  checkpointPath,
  excerpt,
  inHost,
  recoverKilledUp,
  reliabilityMarkdown,
  root,
  rootAsync,
} from "./support";

// PQB_FAULTS_LAB_PREFIX runs the suite on other lab hosts (a case repeated beside a full run of the suite).
const PREFIX = process.env.PQB_FAULTS_LAB_PREFIX ?? "flt";
const NAMES = [1, 2, 3].map((i) => `${PREFIX}${i}`); // bookworm, trixie, bookworm
const rows: ReliabilityRow[] = [];
const programs: FaultProgram[] = [];
let lab: LabInfo;
let started = 0;

/** Fresh hosts for one case: disks wiped, rebooted, a foreign entry of our own registered on each. */
function freshHosts(): { hosts: LabHost[]; foreign: Record<string, string> } {
  lab = labUp({ hosts: 3, suites: ["bookworm", "trixie"], prefix: PREFIX, fresh: true });
  const hosts = NAMES.map((n) => findHost(lab, n));
  return { hosts, foreign: Object.fromEntries(hosts.map((h) => [h.name, addForeign(h)])) };
}

async function program(project: string, name: string, architectures: string[], hosts: LabHost[]): Promise<FaultProgram> {
  const p = await FaultProgram.create(project, { name, architectures, hosts });
  programs.push(p);
  return p;
}

/** Runs a case and records its row; the row says FAILED (with the assertion) when the case fails. */
async function fault(row: Omit<ReliabilityRow, "firstUp" | "recovery" | "checked" | "result">, body: (r: ReliabilityRow) => Promise<void>): Promise<void> {
  const r: ReliabilityRow = { ...row, firstUp: "", recovery: "", checked: "", result: "FAILED" };
  rows.push(r);
  try {
    await body(r);
    r.result = "passed";
  } catch (e) {
    r.checked = `${r.checked} FAILED: ${excerpt(e instanceof Error ? e.message : String(e), /./)}`;
    throw e;
  } finally {
    process.stderr.write(`[faults] ${JSON.stringify(r)}\n`);
  }
}

/** `pulumi up` that must fail: returns the error excerpt naming the host (pattern). */
async function failingUp(stack: TestStack, label: string, pattern: RegExp, o: { continueOnError?: boolean } = {}): Promise<string> {
  let message = "";
  await assert.rejects(stack.up(label, o), (e: Error) => {
    message = e.message;
    return true;
  });
  assert.match(message, pattern, `${label}: the error names the host and the step`);
  return `fails in ${stack.last().seconds.toFixed(0)} s: "${excerpt(message, pattern)}"`;
}

async function converges(stack: TestStack, label: string): Promise<string> {
  await stack.up(label);
  const seconds = stack.last().seconds;
  await stack.preview(`${label}: converged`, true);
  return `\`up\` converges (${seconds.toFixed(0)} s); \`preview --expect-no-changes\` passes`;
}

/**
 * The killed run's plugins (language host, providers: their working directory is the program's) that
 * still run 20 s after the kill; ended here by PID (this test started them), and said in the table.
 */
function orphans(dir: string): string {
  const name = (pid: string): string => {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const main = args.find((a) => a !== "node" && !a.endsWith("/node")) ?? "?";
    return main.includes("dynamic-provider") ? "dynamic-provider" : path.basename(main);
  };
  const find = (): { pid: number; name: string }[] =>
    readdirSync("/proc")
      .filter((e) => /^\d+$/.test(e))
      .flatMap((e) => {
        try {
          return readlinkSync(`/proc/${e}/cwd`) === dir ? [{ pid: Number(e), name: name(e) }] : [];
        } catch {
          return []; // ended meanwhile, or not ours to read
        }
      });
  const deadline = Date.now() + 20_000;
  let left = find();
  while (left.length > 0 && Date.now() < deadline) {
    spawnSync("sleep", ["1"]);
    left = find();
  }
  for (const o of left) process.kill(o.pid, "SIGTERM");
  return left.length === 0
    ? "no plugin process of the killed run left"
    : `${left.length} plugin processes of the killed run still ran 20 s later (${left.map((o) => o.name).join(", ")}): ended by PID`;
}

describe("faults a fleet meets", { timeout: 40 * 60_000 }, () => {
  before(() => {
    started = Date.now();
  });

  after(async () => {
    for (const p of programs) {
      await p.stack.dispose();
      rmSync(p.dir, { recursive: true, force: true });
    }
    if (!process.env.PQB_LAB_KEEP) labDown(NAMES);
    const seconds = (Date.now() - started) / 1000;
    const version = spawnSync(pulumiBinary(), ["version"], { encoding: "utf8" }).stdout.trim();
    const context = `${new Date().toISOString().slice(0, 16)}Z, pulumi ${version}, lab hosts flt1 (Debian 12), flt2 (Debian 13), flt3 (Debian 12)`;
    if (rows.length === 8 || process.env.PQB_FAULTS_WRITE) {
      mkdirSync(path.join(repoRoot, "docs"), { recursive: true });
      writeFileSync(path.join(repoRoot, "docs", "reliability.md"), reliabilityMarkdown(rows, seconds, context));
    }
    process.stderr.write(`[faults] wall time ${seconds.toFixed(0)} s\n`);
  });

  it("1. a fleet host whose sshd is stopped: with --continue-on-error the other two converge in the same up and the error names the host; after sshd is back up converges it", async () => {
    await fault({ fault: "host down (sshd stopped) in a 3-host BinfmtFleet", injection: "`systemctl stop ssh` inside flt3; `up --continue-on-error`" }, async (r) => {
      const { hosts, foreign } = freshHosts();
      const [a, b, c] = hosts as [LabHost, LabHost, LabHost];
      const p = await program("flt-fleet", "fl", ["aarch64"], hosts);
      root(c, "systemctl stop ssh.service");
      r.firstUp = await failingUp(p.stack, "up with flt3's sshd stopped", new RegExp(`fl-${PREFIX}3 \\(root@${c.address.replace(/\./g, "\\.")}:22\\)`), { continueOnError: true });
      for (const h of [a, b]) await checkHost(h, { targets: ["aarch64"], foreign: foreign[h.name] });
      r.firstUp += "; flt1 and flt2 converged in the same `up`";
      inHost(c, "systemctl start ssh.service");
      r.recovery = `\`systemctl start ssh\`, then ${await converges(p.stack, "up after sshd is back")}`;
      const checked = await Promise.all(hosts.map((h) => checkHost(h, { targets: ["aarch64"], foreign: foreign[h.name] })));
      r.checked = `all 3 hosts: ${(checked[0] ?? []).join(", ")}`;
    });
  });

  it("2. the SSH session is cut in the middle of the package install: up fails naming the host and the packages step; the next up converges", async () => {
    await fault(
      { fault: "SSH session cut during apt", injection: "kill the sshd session process that runs `apt-get install` (found from apt's parent chain) on flt1" },
      async (r) => {
        const { hosts, foreign } = freshHosts();
        const h = hosts[0] as LabHost;
        const p = await program("flt-cut", "cut", ["aarch64"], [h]);
        // On the host: wait for apt-get install (bounded), walk up to its sshd session process, end it.
        const cutter = rootAsync(
          h,
          `for i in $(seq 1 900); do a=$(pgrep -o -f '^apt-get .*install') && break; sleep 0.2; done; [ -n "$a" ] || exit 3
q=$a; while [ "$q" -gt 1 ]; do case $(cat /proc/$q/comm) in sshd*) break;; esac; q=$(awk '/^PPid:/ {print $2}' /proc/$q/status); done
echo "apt-get $a, session $q: $(tr '\\0' ' ' </proc/$q/cmdline)"; kill -9 "$q"`,
          240_000,
        );
        const up = failingUp(p.stack, "up with the SSH session cut during apt", /cut \(root@[0-9.]+:22\)|cut-packages/);
        const cut = await cutter;
        assert.equal(cut.code, 0, `cutter: ${cut.stdout}${cut.stderr}`);
        r.firstUp = `${await up} (${cut.stdout.trim()})`;
        r.recovery = await converges(p.stack, "up after the cut");
        r.checked = (await checkHost(h, { targets: ["aarch64"], foreign: foreign[h.name] })).join(", ");
      },
    );
  });

  it("3. the apt repository is unreachable from the host: up fails naming the host and apt; nothing half-installed; converges once it is back", async () => {
    await fault({ fault: "apt repository unreachable", injection: "iptables REJECT to the lab apt service inside flt1's network namespace" }, async (r) => {
      const { hosts, foreign } = freshHosts();
      const h = hosts[0] as LabHost;
      const apt = new URL(lab.services.apt ?? assert.fail("no apt service"));
      const rule = `OUTPUT -p tcp -d ${apt.hostname} --dport ${apt.port} -j REJECT --reject-with tcp-reset`;
      root(h, `iptables -I ${rule}`);
      const p = await program("flt-apt", "apt", ["aarch64"], [h]);
      r.firstUp = await failingUp(p.stack, "up with the apt repository unreachable", /apt \(root@[0-9.]+:22\)[\s\S]*apt/);
      assert.equal(root(h, "dpkg-query -W -f='${db:Status-Status}' qemu-user-static 2>/dev/null || true").trim(), "", "nothing half-installed");
      assert.equal(root(h, "ls /etc/binfmt.d/qemu-* 2>/dev/null || true").trim(), "", "no rule before the packages");
      assert.doesNotMatch(root(h, "systemctl is-enabled systemd-binfmt.service || true"), /masked/, "the runtime mask is gone");
      root(h, `iptables -D ${rule}`);
      r.recovery = `iptables rule deleted, then ${await converges(p.stack, "up after the repository is back")}`;
      r.checked = [
        "after the failure: no package half-installed, no rule file, systemd-binfmt not masked",
        ...(await checkHost(h, { targets: ["aarch64"], foreign: foreign[h.name] })),
      ].join(", ");
    });
  });

  it("4. pulumi up is killed (SIGKILL) during a host's rule steps, and its checkpoint torn: the documented recovery converges, nothing half-written, no entry we do not track", async () => {
    await fault(
      {
        fault: "`pulumi up` killed (SIGKILL) during the rule steps; a checkpoint torn by the kill",
        injection:
          "SIGKILL to the `pulumi up` process when the engine starts `kill-rule-riscv64` (flt2, 4 targets); then, after convergence, the checkpoint's metadata sidecar emptied and the checkpoint cut to half its bytes (what a kill during the file backend's writes leaves)",
      },
      async (r) => {
        const { hosts, foreign } = freshHosts();
        const h = hosts[1] as LabHost;
        const targets = ["aarch64", "riscv64", "s390x", "ppc64le"];
        const p = await program("flt-kill", "kill", targets, [h]);
        const env = { ...process.env, ...toolchainEnv({ backendDir: p.stack.backendDir }) };
        const killed = await new Promise<string>((resolve, reject) => {
          const child = spawn(pulumiBinary(), ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", "test"], { cwd: p.dir, env, stdio: ["ignore", "pipe", "pipe"] });
          let out = "";
          const timer = setTimeout(() => reject(new Error(`the rule step never started:\n${out}`)), 300_000);
          child.stdout.on("data", (d: Buffer) => {
            out += d.toString();
            if (/kill-rule-riscv64 +creating/.test(out) && child.pid !== undefined && child.exitCode === null) {
              process.kill(child.pid, "SIGKILL");
            }
          });
          child.on("close", (_code, signal) => {
            clearTimeout(timer);
            if (signal === "SIGKILL") resolve(out);
            else reject(new Error(`pulumi up ended before it was killed (${String(signal)}):\n${out}`));
          });
        });
        r.firstUp = `killed while ${excerpt(killed, /rule-riscv64/)}; ${orphans(p.dir)}`;
        // What the engine says after the kill, and what clears it: docs/faults.md's steps, each command's exit and words.
        const cli = (args: string[]): CliResult => {
          const c = spawnSync(pulumiBinary(), [...args, "--stack", "test"], { cwd: p.dir, env, encoding: "utf8", timeout: 300_000 });
          return { status: c.status, text: `${c.stdout}\n${c.stderr}` };
        };
        const checkpoint = checkpointPath(p.stack.backendDir, "flt-kill", "test");
        const afterKill = recoverKilledUp(cli, checkpoint);
        const converged = await converges(p.stack, "up after the kill");
        // Wherever the kill lands, the state may be torn where the file backend was writing: its checkpoint's
        // metadata sidecar (written in place: a kill leaves it empty, "failed to load checkpoint: EOF"), or the
        // checkpoint itself. Make each so, every run, and recover the same way.
        writeFileSync(`${checkpoint}.attrs`, "");
        const afterSidecar = recoverKilledUp(cli, checkpoint);
        assert.match(afterSidecar.join(" "), /sidecar test\.json\.attrs removed/, "the torn sidecar was seen and removed");
        const sidecar = await converges(p.stack, "up after the torn sidecar");
        const bytes = readFileSync(checkpoint);
        writeFileSync(checkpoint, bytes.subarray(0, Math.floor(bytes.length / 2)));
        const afterTear = recoverKilledUp(cli, checkpoint);
        assert.match(afterTear.join(" "), /previous checkpoint .* copied back/, "the torn checkpoint was seen and replaced");
        r.recovery = [
          `after the kill: ${afterKill.join("; ")}; then ${converged}`,
          `empty metadata sidecar (test.json.attrs): ${afterSidecar.join("; ")}; then ${sidecar}`,
          `checkpoint cut in half (${bytes.length} → ${Math.floor(bytes.length / 2)} bytes): ${afterTear.join("; ")}; then ${await converges(p.stack, "up after the torn checkpoint")}`,
        ].join(". ");
        const tracked = root(h, "ls /proc/sys/fs/binfmt_misc | grep '^qemu-' || true")
          .split("\n")
          .filter((l) => l !== "");
        assert.deepEqual(tracked.sort(), targets.map((t) => `qemu-${t}`).sort(), "every qemu entry on the host is one the stack tracks");
        r.checked = ["only tracked qemu entries", ...(await checkHost(h, { targets, foreign: foreign[h.name] }))].join(", ");
      },
    );
  });

  it("5. binfmt_misc unmounted on the host before up: up mounts it again and registers the rules", async () => {
    await fault({ fault: "binfmt_misc unmounted", injection: "`umount /proc/sys/fs/binfmt_misc` inside flt1 after a converged `up`" }, async (r) => {
      const { hosts } = freshHosts();
      const h = hosts[0] as LabHost;
      const p = await program("flt-mnt", "mnt", ["aarch64"], [h]);
      await p.stack.up("first up");
      root(h, "umount /proc/sys/fs/binfmt_misc");
      await p.stack.up("up with binfmt_misc unmounted");
      r.firstUp = `succeeds (${p.stack.last().seconds.toFixed(0)} s): the rule step mounts binfmt_misc and registers the entry again`;
      assert.match(root(h, "findmnt -n -o FSTYPE /proc/sys/fs/binfmt_misc"), /binfmt_misc/);
      r.recovery = await converges(p.stack, "second up");
      // The unmount dropped the instance with every entry in it (the kernel's, not ours to restore).
      r.checked = ["binfmt_misc mounted", ...(await checkHost(h, { targets: ["aarch64"] })), "foreign entry: gone with the unmounted instance (its file remains)"].join(", ");
    });
  });

  it("6. the host reboots between two ups; after destroy a reboot brings none of our entries back", async () => {
    await fault({ fault: "reboot between two `up`s; reboot after `destroy`", injection: "`lab reboot flt2` (Debian 13) after `up`, and again after `destroy`" }, async (r) => {
      const { hosts, foreign } = freshHosts();
      let h = hosts[1] as LabHost;
      const p = await program("flt-boot", "boot", ["aarch64", "riscv64"], [h]);
      await p.stack.up("first up");
      h = findHost(labReboot(h.name), h.name);
      await checkHost(h, { targets: ["aarch64", "riscv64"], foreign: foreign[h.name] });
      await p.stack.preview("after the reboot", true);
      r.firstUp = "after the reboot systemd-binfmt registered both entries from /etc/binfmt.d: `preview --expect-no-changes` passes";
      r.recovery = await converges(p.stack, "up after the reboot");
      r.checked = (await checkHost(h, { targets: ["aarch64", "riscv64"], foreign: foreign[h.name] })).join(", ");
      await p.stack.destroy("destroy");
      h = findHost(labReboot(h.name), h.name);
      assert.equal(root(h, "ls /proc/sys/fs/binfmt_misc /etc/binfmt.d | grep qemu- || true").trim(), "", "no entry or file of ours after destroy + reboot");
      assert.equal(root(h, `cat /proc/sys/fs/binfmt_misc/${FOREIGN.name}`), foreign[h.name]);
      r.checked += "; after `destroy` + reboot: no qemu-* entry or file, foreign entry back from its file";
    });
  });

  it("7. two stacks, same host, same target: the second fails naming the owner recorded in the file; different targets work", async () => {
    await fault({ fault: "two stacks manage the same host", injection: "stack flt-own-b asks for aarch64 on flt3, which stack flt-own-a manages" }, async (r) => {
      const { hosts, foreign } = freshHosts();
      const h = hosts[2] as LabHost;
      const a = await program("flt-own-a", "owner-a", ["aarch64"], [h]);
      const b = await program("flt-own-b", "owner-b", ["aarch64"], [h]);
      await a.stack.up("stack a");
      const before = root(h, "cat /etc/binfmt.d/qemu-aarch64.conf /proc/sys/fs/binfmt_misc/qemu-aarch64");
      r.firstUp = await failingUp(b.stack, "stack b, same target", /owner-b \(root@[0-9.]+:22\)[\s\S]*flt-own-a\/test/);
      assert.equal(root(h, "cat /etc/binfmt.d/qemu-aarch64.conf /proc/sys/fs/binfmt_misc/qemu-aarch64"), before, "stack a's file and entry are untouched");
      b.respec({ name: "owner-b", architectures: ["riscv64"], hosts: [h] });
      r.recovery = `stack b asks for riscv64 instead: ${await converges(b.stack, "stack b, another target")}`;
      await a.stack.preview("stack a unchanged", true);
      await b.stack.destroy("destroy b");
      assert.equal(root(h, "cat /etc/binfmt.d/qemu-aarch64.conf /proc/sys/fs/binfmt_misc/qemu-aarch64"), before, "destroying b leaves a's rule");
      r.checked = [
        "stack a's file and entry untouched by b's up and destroy, stack a `preview --expect-no-changes`",
        ...(await checkHost(h, { targets: ["aarch64"], foreign: foreign[h.name] })),
      ].join(", ");
    });
  });

  it("8. the host's docker daemon is stopped: the check fails saying docker is not running, the rules stay, up after docker is back passes", async () => {
    await fault({ fault: "docker daemon stopped", injection: "`systemctl stop docker.socket docker.service` inside flt1 before the first `up`" }, async (r) => {
      const { hosts, foreign } = freshHosts();
      const h = hosts[0] as LabHost;
      root(h, "systemctl stop docker.socket docker.service");
      const p = await program("flt-dock", "dock", ["aarch64"], [h]);
      r.firstUp = await failingUp(p.stack, "up with docker stopped", /dock \(root@[0-9.]+:22\)[\s\S]*docker is not running/);
      assert.match(root(h, "cat /proc/sys/fs/binfmt_misc/qemu-aarch64"), /^enabled/, "the rule stays registered");
      root(h, "systemctl start docker.socket docker.service");
      r.recovery = `\`systemctl start docker\`, then ${await converges(p.stack, "up after docker is back")}`;
      r.checked = ["rule registered while docker was down", ...(await checkHost(h, { targets: ["aarch64"], foreign: foreign[h.name] }))].join(", ");
    });
  });
});
