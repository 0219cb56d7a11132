import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Recorder, TEST_HOST_KEY, TEST_KEY, installMocks, settle } from "./harness";

let rec: Recorder;
before(() => {
  rec = installMocks();
});

const KEY_BODY = "b3BlbnNzaC1rZXktdjEAAAAATESTKEYMATERIALdonotuse";

describe("the private key is a secret everywhere", () => {
  it("is a secret Output in every command's connection, even when passed as a plain string", async () => {
    const { BinfmtHost } = await import("../../../src/component");
    rec.clear();
    const host = new BinfmtHost(
      "s1",
      {
        connection: { host: "h", privateKey: TEST_KEY, privateKeyPassword: "pw", hostKey: TEST_HOST_KEY, proxy: { host: "bastion", privateKey: TEST_KEY } },
        architectures: ["aarch64"],
      },
      { transformations: [rec.transformation] },
    );
    await settle(host.targets);
    const commands = rec.registered.filter((r) => r.type === "command:remote:Command");
    assert.equal(commands.length, 3);
    for (const c of commands) {
      const conn = c.props.connection as Record<string, unknown> & { proxy: Record<string, unknown> };
      for (const [what, v] of [
        ["privateKey", conn.privateKey],
        ["privateKeyPassword", conn.privateKeyPassword],
        ["proxy.privateKey", conn.proxy.privateKey],
      ] as const) {
        assert.ok(pulumi.Output.isInstance(v), `${c.name} ${what} is an Output`);
        assert.equal(await pulumi.isSecret(v as pulumi.Output<string>), true, `${c.name} ${what} is secret`);
      }
      const hostKey = pulumi.Output.isInstance(conn.hostKey) ? await settle(conn.hostKey as pulumi.Output<string>) : conn.hostKey;
      assert.equal(hostKey, TEST_HOST_KEY, "the host key (public) is pinned as given");
    }
  });

  it("never appears in a script, a trigger or an output", async () => {
    const { BinfmtHost } = await import("../../../src/component");
    rec.clear();
    const host = new BinfmtHost("s2", { connection: { host: "h", privateKey: TEST_KEY }, architectures: ["aarch64", "arm"] });
    const report = await settle(host.report);
    for (const c of rec.created) {
      const { connection: _connection, ...rest } = c.inputs;
      assert.ok(!JSON.stringify(rest).includes(KEY_BODY), `${c.name}: key material outside the connection`);
    }
    assert.ok(!JSON.stringify(report).includes(KEY_BODY));
    assert.equal(await pulumi.isSecret(host.targets), false, "outputs stay readable (they hold no secret)");
  });
});
