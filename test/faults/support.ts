/**
 * Helpers of the fault-injection suite (test/faults/faults.test.ts): a user's program in a directory of
 * its own (run by the language host as `pulumi up` runs it, so a failing host stays in that process),
 * commands inside a lab host (over SSH, or through the host's own namespaces when its sshd is down),
 * the host checks every case ends with, and the reliability table the run writes.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { LabHost, sshArgs, sshExec } from "../support/lab";
import { TestStack } from "../support/pulumi";
import { repoRoot } from "../support/toolchain";

/** Runs COMMAND as root on H and returns its stdout; fails the test on a non-zero exit. */
export function root(h: LabHost, command: string, timeoutMs = 120_000): string {
  const r = sshExec(h, "root", command, { timeoutMs });
  assert.equal(r.code, 0, `${h.name}: ${command}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Runs COMMAND as root on H without waiting: resolves with its exit code and output (bounded by timeoutMs). */
export function rootAsync(h: LabHost, command: string, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn("ssh", [...sshArgs(h), `root@${h.address}`, command], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill("SIGTERM"), timeoutMs);
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 124, stdout, stderr });
    });
  });
}

/**
 * Runs COMMAND inside H's own namespaces (nsenter into the host's PID 1, recorded by the lab in
 * /run/pulumi-qemu-binfmt-lab/hosts/<name>.json): the way back in when the host's sshd is stopped.
 */
export function inHost(h: LabHost, command: string): string {
  const record = JSON.parse(readFileSync(`/run/pulumi-qemu-binfmt-lab/hosts/${h.name}.json`, "utf8")) as { leaderPid?: number };
  assert.ok(typeof record.leaderPid === "number", `${h.name}: no leaderPid in its lab record`);
  const r = spawnSync("nsenter", ["-t", String(record.leaderPid), "-a", "sh", "-c", command], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${h.name} (nsenter): ${command}: ${r.stderr}`);
  return r.stdout;
}

export interface ProgramSpec {
  /** Resource name of the BinfmtHost, or of the BinfmtFleet when there are several hosts. */
  readonly name: string;
  readonly architectures: readonly string[];
  readonly hosts: readonly LabHost[];
}

/** A program directory (Pulumi.yaml, index.js reading spec.json) and its stack; `respec` changes the program. */
export class FaultProgram {
  private constructor(
    readonly dir: string,
    readonly stack: TestStack,
  ) {}

  static async create(project: string, spec: ProgramSpec): Promise<FaultProgram> {
    mkdirSync(path.join(repoRoot, ".state"), { recursive: true });
    const dir = mkdtempSync(path.join(repoRoot, ".state", `ws-${project}-`));
    writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${project}\nruntime: nodejs\n`);
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: project, main: "index.js" }));
    writeFileSync(path.join(dir, "index.js"), PROGRAM);
    writeSpec(dir, spec);
    return new FaultProgram(dir, await TestStack.createFromDir(dir));
  }

  respec(spec: ProgramSpec): void {
    writeSpec(this.dir, spec);
  }
}

function writeSpec(dir: string, spec: ProgramSpec): void {
  const hosts = spec.hosts.map((h) => ({ id: h.name, address: h.address, port: h.port, hostKey: h.hostPublicKey, keyPath: h.privateKeyPath }));
  writeFileSync(path.join(dir, "spec.json"), JSON.stringify({ name: spec.name, architectures: spec.architectures, hosts }));
}

// The user's program: one BinfmtHost, or a BinfmtFleet for several hosts. Dials give up quickly
// (2 attempts of 5 s) so that an unreachable host fails in seconds.
const PROGRAM = `const { readFileSync } = require("node:fs");
const { BinfmtHost, BinfmtFleet } = require("pulumi-qemu-binfmt");
const spec = JSON.parse(readFileSync(__dirname + "/spec.json", "utf8"));
const conn = (h) => ({ host: h.address, port: h.port, user: "root", privateKey: readFileSync(h.keyPath, "utf8"), hostKey: h.hostKey, dialErrorLimit: 1, perDialTimeout: 5 });
if (spec.hosts.length > 1) {
  const fleet = new BinfmtFleet(spec.name, { architectures: spec.architectures, hosts: spec.hosts.map((h) => ({ id: h.id, connection: conn(h) })) });
  exports.summary = fleet.summary;
} else {
  exports.summary = new BinfmtHost(spec.name, { connection: conn(spec.hosts[0]), architectures: spec.architectures }).summary;
}
`;

/** A foreign registration of our own (an extension entry: it cannot conflict by magic) with a persistent file. */
export const FOREIGN = { name: "flt-foreign", file: "/etc/binfmt.d/zz-flt-foreign.conf", line: ":flt-foreign:E::fltfx::/bin/true:" };

/** Registers FOREIGN on H (file + entry) and returns the kernel's text of the entry. */
export function addForeign(h: LabHost): string {
  root(
    h,
    `printf '%s\\n' '${FOREIGN.line}' > ${FOREIGN.file} && { test -e /proc/sys/fs/binfmt_misc/${FOREIGN.name} || printf '%s\\n' '${FOREIGN.line}' > /proc/sys/fs/binfmt_misc/register; }`,
  );
  return root(h, `cat /proc/sys/fs/binfmt_misc/${FOREIGN.name}`);
}

export interface HostExpectation {
  /** Targets whose entry and file must be ours and registered. */
  readonly targets: readonly string[];
  /** The foreign entry's text before the fault, or undefined when this case cannot keep it (said why in `checked`). */
  readonly foreign?: string;
}

/**
 * The checks every case ends with, on H; returns what was checked (for the table).
 * Processes the component starts (apt-get, dpkg, `sh -s` of our scripts, docker run) get up to 60 s to end.
 */
export async function checkHost(h: LabHost, want: HostExpectation): Promise<string[]> {
  const done: string[] = [];
  for (const t of want.targets) {
    const entry = root(h, `cat /proc/sys/fs/binfmt_misc/qemu-${t}`);
    const file = root(h, `cat /etc/binfmt.d/qemu-${t}.conf`);
    const line = file.split("\n").find((l) => l.startsWith(":")) ?? "";
    const [, , , , , , interp, flags] = line.split(":");
    assert.match(file, /^# Managed by pulumi-qemu-binfmt/, `${h.name}: qemu-${t}.conf is ours`);
    assert.match(entry, /^enabled/, `${h.name}: qemu-${t} enabled`);
    assert.ok(entry.includes(`interpreter ${interp}\n`) && entry.includes(`flags: ${flags}\n`), `${h.name}: qemu-${t} is the file's rule:\n${entry}\n${line}`);
  }
  done.push("entries exact");
  if (want.foreign !== undefined) {
    assert.equal(root(h, `cat /proc/sys/fs/binfmt_misc/${FOREIGN.name}`), want.foreign, `${h.name}: the foreign entry is intact`);
    assert.equal(root(h, `cat ${FOREIGN.file}`), `${FOREIGN.line}\n`, `${h.name}: the foreign file is intact`);
    done.push("foreign entry + file intact");
  }
  const stray = root(h, "ls -A /etc/binfmt.d")
    .split("\n")
    .filter((f) => f !== "" && !/^qemu-[a-z0-9_]+\.conf$/.test(f) && f !== path.basename(FOREIGN.file));
  assert.deepEqual(stray, [], `${h.name}: no temp or stray file in /etc/binfmt.d`);
  done.push("no temp file");
  const ours = "ps -eo pid=,args= | grep -E 'apt-get|/usr/bin/dpkg|dpkg --|sh -s (apply|install|remove)|docker run' | grep -v grep || true";
  const left = root(h, `for i in $(seq 1 60); do p=$(${ours}); [ -z "$p" ] && break; sleep 1; done; ${ours}; docker ps -aq 2>/dev/null || true`);
  assert.equal(left.trim(), "", `${h.name}: no apt, dpkg, script or check container left running`);
  done.push("no process left");
  assert.equal(root(h, "dpkg --audit").trim(), "", `${h.name}: dpkg --audit is clean`);
  done.push("dpkg --audit clean");
  return done;
}

export interface ReliabilityRow {
  readonly fault: string;
  readonly injection: string;
  firstUp: string;
  recovery: string;
  checked: string;
  result: "passed" | "FAILED";
}

/** The error text worth quoting: the lines naming a host or our scripts, else the last lines. */
export function excerpt(message: string, pattern: RegExp): string {
  const lines = message.split("\n").map((l) => l.trim());
  const hit = lines.filter((l) => pattern.test(l));
  const text = (hit.length > 0 ? hit.slice(0, 2) : lines.filter((l) => l !== "").slice(-2)).join(" … ");
  return text.length > 360 ? `${text.slice(0, 357)}…` : text;
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** docs/reliability.md from the rows of one run. */
export function reliabilityMarkdown(rows: readonly ReliabilityRow[], wallSeconds: number, context: string): string {
  const head = [
    "# Reliability: faults a fleet meets",
    "",
    "Generated by `npm run test:faults` (test/faults/faults.test.ts) from its last run; do not edit by hand.",
    `Each fault is injected on a lab host (dev/lab), then \`pulumi up\`, the fault removed, \`pulumi up\` again, and the host checked.`,
    "",
    `Run: ${context}. Suite wall time: **${(wallSeconds / 60).toFixed(1)} min** (${Math.round(wallSeconds)} s).`,
    "",
    "| # | fault | injection | first `up` | after recovery | checked | result |",
    "|---|---|---|---|---|---|---|",
  ];
  const body = rows.map((r, i) => `| ${i + 1} | ${cell(r.fault)} | ${cell(r.injection)} | ${cell(r.firstUp)} | ${cell(r.recovery)} | ${cell(r.checked)} | ${r.result} |`);
  return [...head, ...body, ""].join("\n");
}

/** The file backend's checkpoint of a stack (project-scoped layout of pulumi ≥ 3.61): what a killed engine may leave torn. */
export function checkpointPath(backendDir: string, project: string, stack: string): string {
  return path.join(backendDir, ".pulumi", "stacks", project, `${stack}.json`);
}

export interface CliResult {
  readonly status: number | null;
  readonly text: string;
}

/**
 * The recovery docs/faults.md gives after a killed `pulumi up`, step by step, returning what each step said:
 * 1. `pulumi stack export`: when it fails with "failed to load checkpoint" (the engine was killed while the file
 *    backend wrote), repair what the kill tore, then export again:
 *    - the checkpoint's metadata sidecar `<stack>.json.attrs` (gocloud's fileblob writes it in place, not through a
 *      temporary file: a kill leaves it empty, and every read then fails with "EOF"): remove it, the backend
 *      writes it again with the next checkpoint;
 *    - the checkpoint itself, when it does not parse: put the file backend's copy of the previous one back
 *      (`<stack>.json.bak` beside it; else the newest `.pulumi/history/<project>/<stack>/*.checkpoint.json`, the state
 *      after the last completed update); `pulumi stack import` cannot do it: it loads the damaged file first;
 * 2. `pulumi cancel --yes` (the dead run's lock; it loads the checkpoint too, so it comes after 1);
 * 3. `pulumi refresh --yes`, with `--clear-pending-creates` when it reports pending creates.
 * The caller then runs `pulumi up`. Throws, naming the step, when a step does not do what the docs say.
 */
export function recoverKilledUp(cli: (args: string[]) => CliResult, checkpoint: string): string[] {
  const steps: string[] = [];
  const exportTo = `${checkpoint}.export-check`;
  let exported = cli(["stack", "export", "--file", exportTo]);
  if (exported.status !== 0) {
    assert.match(exported.text, /failed to load checkpoint/, `pulumi stack export failed for another reason: ${exported.text}`);
    const said = excerpt(exported.text, /failed to load checkpoint/);
    const repaired: string[] = [];
    const attrs = `${checkpoint}.attrs`;
    if (existsSync(attrs) && !parsesAsJson(attrs)) {
      rmSync(attrs);
      repaired.push(`the torn metadata sidecar ${path.basename(attrs)} removed`);
    }
    if (!parsesAsJson(checkpoint)) {
      const candidates = [`${checkpoint}.bak`, ...historyCheckpoints(checkpoint)];
      const good = candidates.find((c) => existsSync(c) && parsesAsJson(c));
      assert.ok(good !== undefined, `no loadable previous checkpoint among ${candidates.join(", ")}`);
      copyFileSync(good, checkpoint);
      repaired.push(`the previous checkpoint (${path.basename(good)}) copied back`);
    }
    assert.ok(repaired.length > 0, `export fails but neither the checkpoint nor its sidecar is torn: ${exported.text}`);
    exported = cli(["stack", "export", "--file", exportTo]);
    assert.equal(exported.status, 0, `pulumi stack export after the repair (${repaired.join(", ")}): ${exported.text}`);
    steps.push(`\`pulumi stack export\`: "${said}" → ${repaired.join(", ")}; export exit 0`);
  } else {
    steps.push("`pulumi stack export` exit 0 (checkpoint intact)");
  }
  rmSync(exportTo, { force: true });
  const cancel = cli(["cancel", "--yes"]);
  assert.equal(cancel.status, 0, `pulumi cancel --yes: ${cancel.text}`);
  steps.push("`pulumi cancel --yes` exit 0");
  let refresh = cli(["refresh", "--yes", "--non-interactive"]);
  if (refresh.status !== 0) {
    const said = excerpt(refresh.text, /pending|interrupted|clear/i);
    refresh = cli(["refresh", "--yes", "--non-interactive", "--clear-pending-creates"]);
    assert.equal(refresh.status, 0, `pulumi refresh --clear-pending-creates: ${refresh.text}`);
    steps.push(`\`pulumi refresh --yes\`: "${said}" → \`--clear-pending-creates\` exit 0`);
  } else {
    steps.push("`pulumi refresh --yes` exit 0");
  }
  return steps;
}

/** The file backend's history copies of a stack's checkpoint, newest first. */
function historyCheckpoints(checkpoint: string): string[] {
  const stack = path.basename(checkpoint, ".json");
  const project = path.basename(path.dirname(checkpoint));
  const dir = path.join(path.dirname(path.dirname(path.dirname(checkpoint))), "history", project, stack);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".checkpoint.json"))
    .sort()
    .reverse()
    .map((f) => path.join(dir, f));
}

function parsesAsJson(file: string): boolean {
  try {
    JSON.parse(readFileSync(file, "utf8"));
    return true;
  } catch {
    return false;
  }
}
