/**
 * Automation API helpers for integration tests: an inline-program stack on a temporary file backend,
 * driven with the toolchain's CLI and environment (test/support/toolchain.ts), that records for every
 * operation its duration, the engine's steps per resource (to count remote commands that ran) and
 * everything it printed (to search logs for secrets).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { EngineEvent, InlineProgramArgs, LocalWorkspace, OutputMap, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { mkdirSync } from "node:fs";
import { pulumiCommand, repoRoot, toolchainEnv } from "./toolchain";

export interface Step {
  readonly op: string;
  readonly type: string;
  readonly urn: string;
}

export interface OperationRecord {
  readonly kind: "up" | "preview" | "destroy" | "refresh";
  readonly label: string;
  readonly seconds: number;
  /** Steps the engine reported (resOutputs events; for preview the planned steps). */
  readonly steps: readonly Step[];
  readonly ok: boolean;
  readonly error?: string;
}

export interface TestStackOptions {
  readonly projectName: string;
  readonly stackName?: string;
  readonly program: PulumiFn;
  /** Reuse this backend directory (kept by dispose) instead of a new temporary one. */
  readonly backendDir?: string;
  /** Print step timings to stderr. @default true */
  readonly verbose?: boolean;
}

/** Steps that made a provider do something (for remote commands: a command ran). */
export const ACTIVE_OPS = new Set(["create", "update", "replace", "create-replacement", "delete", "delete-replaced", "import", "read"]);

export class TestStack {
  readonly records: OperationRecord[] = [];
  /** Everything printed by the CLI and every non-debug diagnostic message, across all operations. */
  private readonly logParts: string[] = [];
  /**
   * Debug-severity diagnostics (not shown by the CLI unless --debug). Kept apart: @pulumi/pulumi before
   * pulumi/pulumi#24478 logs RegisterResource responses at debug level, secret values included.
   */
  private readonly debugParts: string[] = [];

  private constructor(
    readonly stack: Stack,
    readonly backendDir: string,
    private readonly verbose: boolean,
  ) {}

  static async create(o: TestStackOptions): Promise<TestStack> {
    const backendDir = o.backendDir ?? mkdtempSync(path.join(tmpdir(), "pqb-state-"));
    const env = toolchainEnv({ backendDir });
    const args: InlineProgramArgs = { projectName: o.projectName, stackName: o.stackName ?? "test", program: o.program };
    // The program's directory lies inside the checkout, as a user's program lies in a project with its
    // node_modules: plugins that the engine starts there (the nodejs dynamic-provider host, which serves
    // HostRefusal) resolve @pulumi/pulumi from it, as upstream's do.
    mkdirSync(path.join(repoRoot, ".state"), { recursive: true });
    const workDir = mkdtempSync(path.join(repoRoot, ".state", `ws-${o.projectName}-`));
    const stack = await LocalWorkspace.createOrSelectStack(args, {
      workDir,
      pulumiCommand: await pulumiCommand(),
      envVars: env,
      projectSettings: { name: o.projectName, runtime: "nodejs", backend: { url: `file://${backendDir}` } },
    });
    return new TestStack(stack, backendDir, o.verbose ?? true);
  }

  /**
   * A stack of a program in its own directory (Pulumi.yaml and its code), run by the language host in a
   * process of its own, as `pulumi up` runs a user's program: its failures stay in that process.
   */
  static async createFromDir(workDir: string, o: { stackName?: string; backendDir?: string; verbose?: boolean } = {}): Promise<TestStack> {
    const backendDir = o.backendDir ?? mkdtempSync(path.join(tmpdir(), "pqb-state-"));
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: o.stackName ?? "test", workDir },
      { pulumiCommand: await pulumiCommand(), envVars: toolchainEnv({ backendDir }) },
    );
    return new TestStack(stack, backendDir, o.verbose ?? true);
  }

  private collector(): { onOutput: (s: string) => void; onEvent: (e: EngineEvent) => void; steps: Step[] } {
    const steps: Step[] = [];
    return {
      steps,
      onOutput: (s: string) => this.logParts.push(s),
      onEvent: (e: EngineEvent) => {
        const d = e.diagnosticEvent;
        if (d) ((d.severity as string) === "debug" ? this.debugParts : this.logParts).push(d.message);
        const meta = e.resOutputsEvent?.metadata ?? (e.resourcePreEvent?.planning ? e.resourcePreEvent.metadata : undefined);
        if (meta) steps.push({ op: meta.op, type: meta.type, urn: meta.urn });
      },
    };
  }

  private async run<T>(kind: OperationRecord["kind"], label: string, fn: (c: ReturnType<TestStack["collector"]>) => Promise<T>): Promise<T> {
    const c = this.collector();
    const t0 = Date.now();
    try {
      const r = await fn(c);
      this.note({ kind, label, seconds: (Date.now() - t0) / 1000, steps: c.steps, ok: true });
      return r;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.logParts.push(msg);
      this.note({ kind, label, seconds: (Date.now() - t0) / 1000, steps: c.steps, ok: false, error: msg });
      throw e;
    }
  }

  private note(r: OperationRecord): void {
    this.records.push(r);
    if (this.verbose) {
      const active = r.steps.filter((s) => ACTIVE_OPS.has(s.op)).length;
      process.stderr.write(`[timing] ${r.label}: ${r.kind} ${r.ok ? "ok" : "FAILED"} in ${r.seconds.toFixed(1)} s (${r.steps.length} steps, ${active} active)\n`);
    }
  }

  /** `pulumi up`; continueOnError as `--continue-on-error` (keep running independent steps after a failure). */
  async up(label: string, o: { continueOnError?: boolean } = {}): Promise<OutputMap> {
    return this.run("up", label, async (c) => (await this.stack.up({ onOutput: c.onOutput, onEvent: c.onEvent, color: "never", ...o })).outputs);
  }

  async preview(label: string, expectNoChanges = false): Promise<void> {
    await this.run("preview", label, async (c) => {
      await this.stack.preview({ onOutput: c.onOutput, onEvent: c.onEvent, expectNoChanges, color: "never" });
    });
  }

  async destroy(label: string): Promise<void> {
    await this.run("destroy", label, async (c) => {
      await this.stack.destroy({ onOutput: c.onOutput, onEvent: c.onEvent, color: "never" });
    });
  }

  /** The last operation's steps of resources of `type` (e.g. "command:remote:Command") that did something. */
  static activeSteps(r: OperationRecord, type?: string): Step[] {
    return r.steps.filter((s) => ACTIVE_OPS.has(s.op) && (type === undefined || s.type === type));
  }

  last(): OperationRecord {
    const r = this.records[this.records.length - 1];
    if (r === undefined) throw new Error("no operation yet");
    return r;
  }

  /** Everything the CLI printed and every info/warning/error diagnostic so far. */
  logText(): string {
    return this.logParts.join("\n");
  }

  /** Debug-severity diagnostics so far (see debugParts). */
  debugText(): string {
    return this.debugParts.join("\n");
  }

  /** The exported deployment plus every file of the backend directory (state, history, backups). */
  stateText(): string {
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir)) {
        const p = path.join(dir, e);
        if (statSync(p).isDirectory()) walk(p);
        else out.push(readFileSync(p, "latin1"));
      }
    };
    walk(this.backendDir);
    return out.join("\n");
  }

  async exportedState(): Promise<string> {
    return JSON.stringify((await this.stack.exportStack()).deployment);
  }

  /** Remove the stack's backend directory (call after destroy). */
  async dispose(): Promise<void> {
    try {
      await this.stack.workspace.removeStack(this.stack.name, { force: true });
    } catch {
      // already gone
    }
    rmSync(this.backendDir, { recursive: true, force: true });
    rmSync(this.stack.workspace.workDir, { recursive: true, force: true });
  }
}

/** Destroys (when there is anything left to destroy) and removes every stack: a test file's teardown. */
export async function destroyAll(stacks: readonly TestStack[]): Promise<void> {
  for (const s of stacks) {
    await s.destroy(`${s.stack.name} cleanup`).catch(() => undefined);
    await s.dispose();
  }
}

/** Urn's resource name (last `::` segment). */
export function urnName(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** "[timing] …" summary lines for the end of a suite. */
export function timingTable(records: readonly OperationRecord[]): string {
  return records.map((r) => `  ${r.label.padEnd(40)} ${r.kind.padEnd(8)} ${r.seconds.toFixed(1).padStart(6)} s  ${r.ok ? "ok" : "FAILED"}`).join("\n");
}
