// What the Pulumi engine's own log holds about a remote.Command's connection at each log verbosity (docs/safety.md,
// SSH notes). Key from stack config (`config.requireSecret`): `--verbose=7` and above put it in clear (the planner's
// "Planner decided to create … (inputs=map[connection:…privateKey:…" line), 6 and below do not. Key passed as a
// string wrapped in pulumi.secret: from `--verbose=3` already, in the SDK's own debug line "RegisterResource RPC
// finished: … privateKey …" that the engine logs. Key in an ssh-agent (`connection.agentSocketPath`): no
// verbosity shows it. The engine log goes to the CLI's stderr (`--logtostderr`), returned by the Automation API
// as `stderr`.
//
// SSH target: a throwaway sshd on 127.0.0.1 (test/support/loopback-sshd.ts); the ssh-agent is started by this test
// (`ssh-agent -D`) and stopped by its PID.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { LoopbackSshd, startLoopbackSshd, stopProcess, waitForSocket } from "../support/loopback-sshd";
import { TestStack, destroyAll } from "../support/pulumi";

describe("toolchain: the engine's own log and the private key, per verbosity", () => {
  let tmp = "";
  let sshd: LoopbackSshd;
  let agent: ChildProcess | undefined;
  let agentSocket = "";
  /** A line of the key's base64 body: present wherever the key is printed, escaped or not. */
  let keyLine = "";
  const stacks: TestStack[] = [];

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "pqb-verbose-log-test-"));
    sshd = await startLoopbackSshd(path.join(tmp, "sshd"));
    keyLine = sshd.target.privateKey.split("\n")[2] ?? "";
    assert.ok(keyLine.length >= 40, "the key has a body line to search for");
    agentSocket = path.join(tmp, "agent.sock");
    agent = spawn("ssh-agent", ["-D", "-a", agentSocket], { stdio: "ignore" });
    await waitForSocket(agentSocket, 5_000);
    execFileSync("ssh-add", ["-q", path.join(tmp, "sshd", "user_ed25519")], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket } });
  });

  after(async () => {
    await destroyAll(stacks);
    if (agent !== undefined) await stopProcess(agent);
    if (sshd !== undefined) await stopProcess(sshd.process);
    if (tmp !== "") rmSync(tmp, { recursive: true, force: true });
  });

  /** Runs `up --verbose=N --logtostderr` and returns the engine log lines that contain the key. */
  async function keyLinesAt(name: string, verbosity: number, key: "config" | "string" | "agent"): Promise<string[]> {
    const t = sshd.target;
    const s = await TestStack.create({
      projectName: "pqb-verbose-log",
      stackName: name,
      verbose: false,
      program: async () => {
        const auth =
          key === "agent" ? { agentSocketPath: agentSocket } : { privateKey: key === "config" ? new pulumi.Config().requireSecret("privateKey") : pulumi.secret(t.privateKey) };
        const c = new command.remote.Command("uname", { connection: { host: t.host, port: t.port, user: t.user, hostKey: t.hostKey, ...auth }, create: "uname -m" });
        return { arch: c.stdout };
      },
    });
    stacks.push(s);
    if (key === "config") await s.stack.setConfig("privateKey", { value: t.privateKey, secret: true });
    const r = await s.stack.up({ logVerbosity: verbosity, logToStdErr: true, color: "never" });
    assert.equal(r.outputs.arch?.value, "x86_64");
    assert.ok(r.stderr.split("\n").length > 5, "the engine log reached stderr");
    await s.destroy(`${name} destroy`);
    return `${r.stdout}\n${r.stderr}`.split("\n").filter((l) => l.includes(keyLine));
  }

  test("key from stack config: --verbose=6 prints no line with it", { timeout: 180_000 }, async () => {
    assert.deepEqual(await keyLinesAt("config-v6", 6, "config"), []);
  });

  test("key from stack config: --verbose=7 prints it in clear in the planner's line", { timeout: 180_000 }, async () => {
    const lines = await keyLinesAt("config-v7", 7, "config");
    assert.ok(
      lines.some((l) => l.includes("Planner decided to create") && l.includes("privateKey")),
      "the planner's line holds the key",
    );
  });

  test("key passed as a string (pulumi.secret): --verbose=3 prints it in the SDK's RegisterResource debug line", { timeout: 180_000 }, async () => {
    const lines = await keyLinesAt("string-v3", 3, "string");
    assert.ok(
      lines.some((l) => l.includes("RegisterResource RPC finished") && l.includes("privateKey")),
      "the SDK's debug line holds the key",
    );
  });

  test("key in an ssh-agent (agentSocketPath): --verbose=9 prints no line with it", { timeout: 180_000 }, async () => {
    assert.deepEqual(await keyLinesAt("agent-v9", 9, "agent"), []);
  });
});
