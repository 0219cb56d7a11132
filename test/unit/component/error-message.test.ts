/**
 * The error a user reads first is the component's. Upstream pulumi-command 1.2.1 formats a failed
 * remote command as (provider/pkg/provider/remote/commandOutputs.go, CommandOutputs.run):
 *
 *     fmt.Errorf("%w: running %q:\n%s", err, cmd, stdouterrbuf.String())
 *
 * where err is the SSH exit error ("Process exited with status 1"), cmd the resource's create/delete
 * command line and the last part the command's stdout and stderr as they came. The scripts travel on
 * stdin, so cmd is `sh -s apply`; here the real rule script fails for real and the message is measured.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { installMocks, settle } from "./harness";
import { BINFMT_MISC } from "../../../src/host/scripts/rule";

const rec = installMocks();

/** Upstream's message for a command that exited with status 1. Go's %q of a plain ASCII line is JSON's quoting. */
function upstreamError(cmd: string, output: string): string {
  assert.match(cmd, /^[ -~]*$/, "plain ASCII: %q and JSON.stringify agree");
  return `Process exited with status 1: running ${JSON.stringify(cmd)}:\n${output}`;
}

describe("a failing step's error as upstream formats it", () => {
  it("puts the component's message (host, step, cause) within the first 100 characters", async () => {
    const { BinfmtHost } = await import("../../../src/component");
    const host = new BinfmtHost("b-1", { connection: { host: "10.0.0.5" }, architectures: ["aarch64"] });
    await settle(host.targets);
    const rule = rec.created.find((c) => c.name === "b-1-rule-aarch64")?.inputs ?? {};
    const cmd = String(rule.create);
    const mnt = mkdtempSync(path.join(tmpdir(), "pqb-err-"));
    writeFileSync(path.join(mnt, "register"), "");
    const stdin = String(rule.stdin).replace(`MNT='${BINFMT_MISC}'`, `MNT='${mnt}'`).replace("INTERP='/usr/bin/qemu-aarch64-static'", "INTERP='/nonexistent/qemu-aarch64-static'");
    const sh = cmd.split(" ");
    const r = spawnSync(sh[0] ?? "sh", sh.slice(1), { input: stdin, encoding: "utf8" });
    assert.equal(r.status, 1, r.stderr);
    const message = upstreamError(cmd, r.stdout + r.stderr);
    const at = message.indexOf("b-1 (root@10.0.0.5:22): interpreter /nonexistent/qemu-aarch64-static for target aarch64 does not exist");
    assert.ok(at >= 0 && at < 100, `the component's message starts at character ${at} of:\n${message}`);
    assert.equal(message.split("\n")[0], 'Process exited with status 1: running "sh -s apply":');
  });
});
