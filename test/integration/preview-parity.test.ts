/**
 * What `pulumi preview` tells the user must not depend on which build of the command plugin runs it. Upstream
 * pulumi-resource-command previews a changed command's stdout as UNKNOWN (pulumi-go-provider's infer marks
 * every output that depends on a changed input), so the component's outputs print no value and a reason that
 * reached the user only through them reaches nobody: with upstream, a preview after `systemctl mask
 * systemd-binfmt` showed only `~ …-rule-arm update [diff: ~stdin]`. Every reason is now a diagnostic on the
 * resource it concerns (src/component/drift-diagnostics.ts), and the stand-in reports the outputs as unknown
 * as upstream does (dev/toolchain/go/command-provider previewUpdateOutputs).
 *
 * The same preview (same program, same state, same host) runs with the toolchain's command plugin (the
 * stand-in) and, when PQB_UPSTREAM_COMMAND_PROVIDER=/path/to/pulumi-resource-command names a private build of
 * upstream (it cannot be built in CI: its module is not served), with that build too; the user-visible
 * preview (resources and their operations, diagnostics, outputs) must be the same. Without the variable the
 * test says so in its output and checks the stand-in alone against what upstream is known to print.
 * Lab prefix "pvw": one Debian 12 host.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LabHost, findHost, labDown, labUp, sshExec } from "../support/lab";
import { TestStack } from "../support/pulumi";
import { BinfmtHost } from "../../src/component";
import { readToolchain } from "../support/toolchain";

const HOST = "pvw1";
let host: LabHost;
let backendDir = "";

function root(h: LabHost, command: string): string {
  const r = sshExec(h, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout;
}

async function stackOn(h: LabHost): Promise<TestStack> {
  const key = readFileSync(h.privateKeyPath, "utf8");
  return TestStack.create({
    projectName: "preview-parity",
    backendDir,
    program: async () => {
      const b = new BinfmtHost("pp", {
        connection: { host: h.address, port: h.port, user: "root", privateKey: key, hostKey: h.hostPublicKey },
        architectures: ["arm"],
      });
      return { summary: b.summary };
    },
  });
}

/** Removes a stack's work directory only: the state (shared by every run of this file) stays until `after`. */
function release(stack: TestStack): void {
  rmSync(stack.stack.workspace.workDir, { recursive: true, force: true });
}

/**
 * What the user sees of a preview, comparable between two runs: the Diagnostics block (each resource's messages
 * in order), and the set of
 * the other lines (the progress stream interleaves them in the order the steps happened to finish), without
 * blank lines, timings, the per-run plugin directory and the Stack line's count of warnings.
 */
function userView(text: string): { lines: string[]; diagnostics: string[] } {
  const all = text
    .split("\n")
    .map((l) => l.replace(/\s+$/, "").replace(/\/tmp\/pqb-plugin-[A-Za-z0-9]+\//g, "<plugin-dir>/"))
    .filter((l) => l.trim() !== "" && l.trim() !== ".")
    .filter((l) => !/^(Previewing update|View in Browser|View Live|Duration:|@ previewing update)/.test(l.trim()))
    .map((l) => l.replace(/\b\d+(\.\d+)?s\b/g, "<t>").replace(/(pulumi:pulumi:Stack \S+)\s+\d+ warnings?$/, "$1"));
  const from = all.indexOf("Diagnostics:");
  const to = all.indexOf("Resources:", from);
  // Per resource, in order within a resource; the resources in name order (the CLI lists them in the order
  // their first message arrived).
  const groups: string[][] = [];
  for (const l of from < 0 ? [] : all.slice(from + 1, to < 0 ? undefined : to)) {
    if (/^ {2}\S.*:$/.test(l) || groups.length === 0) groups.push([l]);
    else groups[groups.length - 1]?.push(l);
  }
  const diagnostics = groups.sort((a, b) => (a[0] ?? "").localeCompare(b[0] ?? "")).flat();
  const rest = from < 0 ? all : [...all.slice(0, from), ...(to < 0 ? [] : all.slice(to))];
  return { lines: [...new Set(rest)].sort(), diagnostics };
}

/**
 * The preview of the same stack with the command plugin at `plugin` first on PATH. Both plugins are given the
 * same way (the CLI then warns "using pulumi-resource-command from $PATH" in both runs alike).
 */
async function previewWith(plugin: string, label: string): Promise<{ view: ReturnType<typeof userView>; failedExpectNoChanges: boolean }> {
  const savedPath = process.env.PATH;
  const dir = mkdtempSync(path.join(tmpdir(), "pqb-plugin-"));
  try {
    mkdirSync(path.join(dir, "bin"));
    symlinkSync(path.resolve(plugin), path.join(dir, "bin", "pulumi-resource-command"));
    process.env.PATH = `${path.join(dir, "bin")}${path.delimiter}${savedPath ?? ""}`;
    const stack = await stackOn(host);
    try {
      let failedExpectNoChanges = false;
      await stack.preview(`${label} --expect-no-changes`, true).catch(() => {
        failedExpectNoChanges = true;
      });
      const before = stack.logText().length;
      await stack.preview(label);
      // The engine's events of the preview (not shown to the user as such): op and resource of each step.
      process.stderr.write(
        `[steps, ${label}] ${stack
          .last()
          .steps.map((st) => `${st.op} ${st.urn.split("::").pop() ?? ""}`)
          .join("; ")}\n`,
      );
      return { view: userView(stack.logText().slice(before)), failedExpectNoChanges };
    } finally {
      release(stack);
    }
  } finally {
    process.env.PATH = savedPath;
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("preview parity between command plugin builds", { timeout: 15 * 60_000 }, () => {
  before(() => {
    const lab = labUp({ hosts: 1, suites: ["bookworm"], prefix: "pvw", fresh: true });
    host = findHost(lab, HOST);
    backendDir = mkdtempSync(path.join(tmpdir(), "pqb-parity-state-"));
  });

  after(async () => {
    try {
      if (host !== undefined) sshExec(host, "root", "systemctl unmask systemd-binfmt");
      if (backendDir !== "" && host !== undefined) {
        const s = await stackOn(host);
        await s.destroy("destroy").catch(() => undefined);
        await s.dispose();
      }
    } finally {
      if (backendDir !== "") rmSync(backendDir, { recursive: true, force: true });
      if (!process.env.PQB_LAB_KEEP) labDown([HOST]);
    }
  });

  it("after systemctl mask systemd-binfmt, the preview names why the rule changes, as a diagnostic on the rule, with either plugin", async (t) => {
    const first = await stackOn(host);
    await first.up("first up");
    release(first);
    root(host, "systemctl mask systemd-binfmt");

    const standIn = await previewWith(readToolchain().commandProvider.installedPath, "stand-in preview");
    process.stderr.write(`[preview, stand-in]\n${[...standIn.view.lines, ...standIn.view.diagnostics].join("\n")}\n`);
    assert.equal(standIn.failedExpectNoChanges, true, "the masked unit changes the rule's report: --expect-no-changes fails");
    const text = [...standIn.view.lines, ...standIn.view.diagnostics].join("\n");
    assert.match(text, /~ .*pp-rule-arm.* update/, "the rule is updated");
    assert.match(
      standIn.view.diagnostics.join("\n"),
      /command:remote:Command \(pp-rule-arm\):\n\s+warning: .*arm: entries would not come back at the next boot \(systemd-binfmt\.service is masked/,
      "the reason, as a diagnostic of the rule",
    );
    // As upstream: the rule's stdout is unknown in the preview, so the summary output has no value to show.
    assert.doesNotMatch(text, /entries are NOT re-registered at boot/, "no reason reaches the user through a known output");

    const upstream = process.env.PQB_UPSTREAM_COMMAND_PROVIDER;
    if (upstream === undefined || upstream === "") {
      const note = "PQB_UPSTREAM_COMMAND_PROVIDER is not set: the preview ran with the stand-in only (set it to a private build of upstream pulumi-resource-command to compare)";
      process.stderr.write(`[note] ${note}\n`);
      t.diagnostic(note);
      return;
    }
    const up = await previewWith(upstream, "upstream preview");
    process.stderr.write(`[preview, upstream ${upstream}]\n${[...up.view.lines, ...up.view.diagnostics].join("\n")}\n`);
    t.diagnostic(`compared with upstream's plugin at ${upstream}`);
    assert.equal(up.failedExpectNoChanges, standIn.failedExpectNoChanges, "--expect-no-changes decides alike");
    assert.deepEqual(up.view.diagnostics, standIn.view.diagnostics, "the same diagnostics on the same resources");
    assert.deepEqual(up.view.lines, standIn.view.lines, "the same resources, operations and outputs");
  });
});
