import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { acceptanceFromCommand, acceptanceFromContainer } from "../../../src/host/outputs";

const ACC = { image: "arm64v8/busybox", platform: "linux/arm64", expected: "aarch64" };

describe("acceptance failure", () => {
  it("names host, target, expected and actual when a container prints the wrong machine (docker-provider path)", () => {
    assert.throws(
      () => acceptanceFromContainer("b-1 (root@10.0.0.5:22)", "aarch64", ACC, "exec /bin/uname: exec format error\n", 1),
      /^Error: b-1 \(root@10\.0\.0\.5:22\): acceptance check failed for target aarch64: docker run --platform linux\/arm64 arm64v8\/busybox uname -m printed "exec \/bin\/uname: exec format error", expected "aarch64" \(exit 1\)$/,
    );
    assert.throws(() => acceptanceFromContainer("h", "aarch64", ACC, "x86_64\n", 0), /printed "x86_64", expected "aarch64" \(exit 0\)/);
  });

  it("gives both paths the same report shape on success", () => {
    const viaDocker = acceptanceFromContainer("h", "aarch64", ACC, "aarch64\n", 0);
    const viaCommand = acceptanceFromCommand(
      "h",
      "aarch64",
      ACC,
      JSON.stringify({ target: "aarch64", image: ACC.image, platform: ACC.platform, expected: "aarch64", actual: "aarch64", exitCode: 0, ok: true, native: false, detail: "" }),
    );
    assert.deepEqual(Object.keys(viaDocker).sort(), Object.keys(viaCommand).sort());
    assert.deepEqual({ ...viaDocker, via: "" }, { ...viaCommand, via: "" });
    assert.equal(viaDocker.via, "docker-provider");
    assert.equal(viaCommand.via, "command");
  });

  it("reports the native check of a skipped target with the host's own machine, and never as passed when it did not pass", () => {
    const I386 = { image: "i386/busybox", platform: "linux/386", expected: "i686" };
    const out = (ok: boolean, actual: string) =>
      JSON.stringify({ target: "i386", image: I386.image, platform: I386.platform, expected: "x86_64", actual, exitCode: ok ? 0 : 1, ok, native: true, detail: "" });
    const passed = acceptanceFromCommand("h", "i386", I386, out(true, "x86_64"));
    assert.deepEqual([passed.status, passed.expected, passed.actual], ["passed", "x86_64", "x86_64"]);
    assert.throws(() => acceptanceFromCommand("h", "i386", I386, out(false, "")), /acceptance check failed for target i386: .* printed "", expected "x86_64"/);
  });

  it("fails the program through registerOutputs when a check fails (what makes pulumi up fail)", () => {
    // In its own process: the failure surfaces as an unhandled rejection of registerOutputs, which the
    // Pulumi language host turns into a failed program.
    const script = `
      const { installMocks } = require(${JSON.stringify(path.join(__dirname, "harness.ts"))});
      installMocks({ unameOf: (t, e) => (t === "aarch64" ? "x86_64" : e) });
      process.on("unhandledRejection", (e) => { console.log("UNHANDLED " + (e && e.message)); process.exit(0); });
      const { BinfmtHost, AcceptanceVia } = require(${JSON.stringify(path.join(__dirname, "../../../src/component"))});
      new BinfmtHost("bad", {
        connection: { host: "10.9.9.9", privateKeyPath: "/keys/id_ed25519", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFAKE" },
        architectures: ["aarch64", "arm"],
        acceptance: { via: AcceptanceVia.DockerProvider },
      });
      setTimeout(() => { console.log("NO FAILURE"); process.exit(0); }, 5000);
    `;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8", timeout: 30000 });
    assert.match(
      r.stdout,
      /UNHANDLED error serializing property "outputs": bad \(root@10\.9\.9\.9:22\): acceptance check failed for target aarch64: .* printed "x86_64", expected "aarch64"/,
      r.stderr,
    );
  });
});
