/**
 * The benchmark's report (dev/bench/lib/events.py + report.py, Python 3) follows the resources the
 * component creates: the per-step table's columns come from the steps in the event logs, in the
 * order of one host's chain, and the committed results.json of earlier runs stays readable.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const LIB = path.join(__dirname, "../../../dev/bench/lib");
const RESULTS = path.join(__dirname, "../../../dev/bench/results/results.json");

function python(code: string, input = ""): string {
  const r = spawnSync("python3", ["-B", "-c", `import sys; sys.path.insert(0, ${JSON.stringify(LIB)})\n${code}`], { input, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** A stamped engine event log: one remote command per (host, step, start, end). */
function eventLog(steps: readonly (readonly [string, string, number, number])[]): string {
  const meta = (host: string, step: string) => ({
    urn: `urn:pulumi:bench::bench-component::qemu-binfmt:index:BinfmtFleet$command:remote:Command::bench-${host}-${step}`,
    type: "command:remote:Command",
    op: "create",
    provider: "urn:pulumi:bench::bench-component::pulumi:providers:command::default",
  });
  const events = steps.flatMap(([host, step, start, end]) => [
    { t: start, event: { resourcePreEvent: { metadata: meta(host, step) } } },
    { t: end, event: { resOutputsEvent: { metadata: meta(host, step) } } },
  ]);
  events.sort((a, b) => a.t - b.t);
  return events.map((e) => JSON.stringify(e)).join("\n");
}

/** report.step_columns over the steps events.summarize found in LOG (a run of WALL seconds), and each step's count. */
function stepColumns(log: string, wall: number, targets: readonly string[] = []): { steps: string[]; counts: Record<string, number> } {
  const out = python(
    `import json, events, report
recs = [json.loads(l) for l in sys.stdin.read().splitlines()]
bs = events.summarize(recs, ${wall})["by_step"]
print(json.dumps({"steps": report.step_columns([bs], ${JSON.stringify(targets)}), "counts": {k: v["count"] for k, v in bs.items()}}))`,
    log,
  );
  return JSON.parse(out) as { steps: string[]; counts: Record<string, number> };
}

describe("benchmark report", () => {
  it("orders the per-step columns by each step's place in its host's chain, whatever the steps are called", () => {
    // s4b2 reaches its check before s4b1 reaches its rule: first appearance would put check before rule
    const log = eventLog([
      ["s4b2", "packages", 0.0, 1.0],
      ["s4b1", "packages", 0.5, 1.5],
      ["s4b2", "check-arm", 1.0, 2.0],
      ["s4b1", "rule-arm", 1.5, 2.0],
      ["s4b1", "check-arm", 2.0, 3.0],
    ]);
    assert.deepEqual(stepColumns(log, 3.5), { steps: ["packages", "rule-arm", "check-arm"], counts: { packages: 2, "rule-arm": 1, "check-arm": 2 } });
  });

  it("keeps the rules of a host, which start side by side in any order, in the order of the requested targets", () => {
    const log = eventLog([
      ["b1", "packages", 0.0, 1.0],
      ["b1", "rule-aarch64", 1.0, 1.5],
      ["b1", "rule-arm", 1.1, 1.6],
      ["b1", "check", 1.6, 2.0],
    ]);
    assert.deepEqual(stepColumns(log, 2.5, ["arm", "aarch64"]).steps, ["packages", "rule-arm", "rule-aarch64", "check"]);
  });

  it("splits host and step from the names of the component, of the hand-written recipe and of any lab prefix", () => {
    const out = python(`import json, events
print(json.dumps([events.host_step(n) for n in ["bench-bench3-rule-arm", "bench-s4b12-state-packages", "s4b3-recipe", "bench"]]))`);
    assert.deepEqual(JSON.parse(out), [
      ["bench3", "rule-arm"],
      ["s4b12", "state-packages"],
      ["s4b3", "recipe"],
      [null, "bench"],
    ]);
  });

  it("writes results.md from the committed results.json, the per-step columns from the steps it recorded", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pqb-bench-report-"));
    try {
      copyFileSync(RESULTS, path.join(dir, "results.json"));
      python(`import report\nreport.write_all(${JSON.stringify(dir)})`);
      const md = readFileSync(path.join(dir, "results.md"), "utf8");
      assert.match(md, /\| N \| packages \(s\) \| rule-arm \(s\) \| rule-aarch64 \(s\) \| check \(s\) \|/);
      assert.match(md, /## Scaling curve of the controller/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
