// Errors raised while the component builds its resources are pulumi.ResourceErrors attributed to a
// resource, so the Pulumi CLI shows them under that resource; argument errors stay BinfmtArgsError
// (raised before any resource exists).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

/** In its own process: the refused plan also rejects every dependent resource's inputs (unhandled there). */
function planWithKernel(kernel: string): { resourceError: boolean; onHost: boolean; message: string; packages?: string[] } {
  const script = `
    const pulumi = require("@pulumi/pulumi");
    const { installMocks, settle, DEBIAN12_FACTS } = require(${JSON.stringify(path.join(__dirname, "harness.ts"))});
    installMocks({ facts: () => ({ ...DEBIAN12_FACTS, kernel: ${JSON.stringify(kernel)} }) });
    process.on("unhandledRejection", () => undefined);
    const { BinfmtHost } = require(${JSON.stringify(path.join(__dirname, "../../../src/component"))});
    const host = new BinfmtHost("k", { connection: { host: "h" }, architectures: ["aarch64"] });
    settle(host.packages).then(
      (packages) => { console.log(JSON.stringify({ resourceError: false, onHost: false, message: "", packages })); process.exit(0); },
      (e) => { console.log(JSON.stringify({ resourceError: pulumi.ResourceError.isInstance(e), onHost: e.resource === host, message: e.message })); process.exit(0); },
    );
  `;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8", timeout: 30000, cwd: path.join(__dirname, "../../..") });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  assert.ok(line.startsWith("{"), `${r.stdout}\n${r.stderr}`);
  return JSON.parse(line) as ReturnType<typeof planWithKernel>;
}

describe("resource errors", () => {
  it("a plan the kernel refuses (flag F on 4.4.0) is a ResourceError on the BinfmtHost, before any host change", () => {
    const r = planWithKernel("4.4.0");
    assert.equal(r.resourceError, true);
    assert.equal(r.onHost, true);
    assert.match(r.message, /k \(root@h:22\): qemu-aarch64: flag F \(fix binary\) needs Linux ≥ 4\.8, this host runs 4\.4\.0/);
  });

  it("the same arguments plan on a 6.1 kernel", () => {
    assert.deepEqual(planWithKernel("6.1.0-18-amd64").packages, ["qemu-user-static"]);
  });
});
