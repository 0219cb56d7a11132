// The command plugin that `npm run toolchain` installs (our stand-in, dev/toolchain/go/command-provider) behaves as
// upstream pulumi-resource-command 1.2.1 does where users can see it. Every case runs a real `pulumi up` (Automation
// API, inline program, file backend in a temp dir) against a throwaway sshd on 127.0.0.1 (test/support/loopback-
// sshd.ts; AcceptEnv lists PQB_ACCEPTED and PULUMI_COMMAND_STDOUT only), so the scripts' effects land in this test's
// temp dir and `ss` sees the provider's SSH connections.
//
// PQB_COMMAND_PLUGIN=/path/to/pulumi-resource-command runs the same cases against another build of the plugin (put
// first on PATH, where the CLI prefers it to the plugin cache): that is how each expectation below was checked
// against a private build of upstream 1.2.1.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { LoopbackSshd, newKeyPair, startLoopbackSshd, stopProcess } from "../support/loopback-sshd";
import { TestStack, destroyAll } from "../support/pulumi";

type Connection = command.types.input.remote.ConnectionArgs;

/** The sshd's ESTABLISHED server-side connections (one per open SSH client). */
function established(port: number): number {
  const out = execFileSync("ss", ["-Htn", "state", "established", `( sport = :${port} )`], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.trim() !== "").length;
}

async function waitFor(what: string, ms: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The error message of a failed `up`, with the CLI's line indentation removed. */
async function upError(stack: TestStack, label: string): Promise<string> {
  try {
    await stack.up(label);
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).replace(/\n +/g, "\n");
  }
  throw new Error(`${label}: up succeeded, a failure was expected`);
}

describe("toolchain command plugin: remote.Command behaves as upstream 1.2.1", () => {
  let tmp = "";
  let sshd: LoopbackSshd;
  let conn: Connection;
  const stacks: TestStack[] = [];
  const savedPath = process.env.PATH;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "pqb-command-plugin-test-"));
    const other = process.env.PQB_COMMAND_PLUGIN;
    if (other !== undefined && other !== "") {
      mkdirSync(path.join(tmp, "plugin-bin"));
      symlinkSync(path.resolve(other), path.join(tmp, "plugin-bin", "pulumi-resource-command"));
      process.env.PATH = `${path.join(tmp, "plugin-bin")}${path.delimiter}${savedPath ?? ""}`;
    }
    sshd = await startLoopbackSshd(path.join(tmp, "sshd"), { acceptEnv: ["PQB_ACCEPTED", "PULUMI_COMMAND_STDOUT"] });
    const t = sshd.target;
    conn = { host: t.host, port: t.port, user: t.user, privateKey: pulumi.secret(t.privateKey), hostKey: t.hostKey };
  });

  after(async () => {
    await destroyAll(stacks);
    if (sshd !== undefined) await stopProcess(sshd.process);
    process.env.PATH = savedPath;
    if (tmp !== "") rmSync(tmp, { recursive: true, force: true });
  });

  async function newStack(name: string, program: () => Record<string, unknown>): Promise<TestStack> {
    const s = await TestStack.create({ projectName: "pqb-command-plugin", stackName: name, program: async () => program() });
    stacks.push(s);
    return s;
  }

  test("each remote command's SSH connection stays open until the provider exits (7 commands: 7 at once)", { timeout: 180_000 }, async () => {
    const port = sshd.target.port;
    const stack = await newStack("connections", () => {
      let previous: command.remote.Command | undefined;
      for (let i = 1; i <= 7; i++) {
        const create = i < 7 ? "true" : `ss -Htn state established '( sport = :${port} )' | wc -l`;
        previous = new command.remote.Command(`c${i}`, { connection: conn, create }, { dependsOn: previous === undefined ? [] : [previous] });
      }
      return { held: previous?.stdout };
    });
    const outputs = await stack.up("7 chained commands");
    assert.equal(String(outputs.held?.value).trim(), "7", "the 7th command sees its own and the 6 earlier connections");
    await waitFor("connections closed after the provider exited", 10_000, () => established(port) === 0);
  });

  test('a failed command reads `Process exited with status N: running "<script>":` then stdout and stderr as they came', { timeout: 180_000 }, async () => {
    const script = ["printf 'out1\\n'", "sleep 0.3", "printf 'err1\\n' >&2", "sleep 0.3", `printf 'tab\\there "q"'`, "exit 3"].join("\n");
    const stack = await newStack("error-format", () => {
      new command.remote.Command("fails", { connection: conn, create: script });
      return {};
    });
    const message = await upError(stack, "failing command");
    // Go's %q and JSON.stringify agree on this script (ASCII, newlines, quotes, backslashes).
    const expected = `Process exited with status 3: running ${JSON.stringify(script)}:\nout1\nerr1\ntab\there "q"`;
    assert.ok(message.includes(expected), `expected the error to contain:\n${expected}\n--- got:\n${message}`);
    const state = await stack.exportedState();
    assert.ok(!state.includes("command:remote:Command"), "a failed create is not recorded in the state");
  });

  test("a host-key mismatch is retried like any dial error: 11 attempts over ~11.3 s, then `after 10 failed attempts`", { timeout: 180_000 }, async () => {
    const wrong = await newKeyPair(tmp, "not_the_host_key");
    const stack = await newStack("host-key", () => {
      new command.remote.Command("pinned", { connection: { ...conn, hostKey: wrong.publicKey }, create: "true" });
      return {};
    });
    const message = await upError(stack, "wrong host key");
    const seconds = stack.last().seconds;
    assert.match(message, /after 10 failed attempts: ssh: handshake failed: ssh: host key mismatch/);
    // 10 pauses of 100 ms growing 1.5x: 11.33 s before the last attempt fails; the engine adds a few seconds.
    assert.ok(seconds >= 11.3 && seconds < 40, `up took ${seconds} s`);
    assert.match(stack.logText(), /Dial 10\/10 failed: retrying/);
  });

  test("dialErrorLimit 0 makes a single attempt: `after 0 failed attempts`", { timeout: 120_000 }, async () => {
    const wrong = await newKeyPair(tmp, "not_the_host_key_either");
    const stack = await newStack("dial-limit-0", () => {
      new command.remote.Command("once", { connection: { ...conn, hostKey: wrong.publicKey, dialErrorLimit: 0 }, create: "true" });
      return {};
    });
    assert.match(await upError(stack, "dialErrorLimit 0"), /after 0 failed attempts: ssh: handshake failed: ssh: host key mismatch/);
    assert.doesNotMatch(stack.logText(), /Dial 1\/0 failed/);
  });

  test("stdin reaches create, update and delete; environment and the previous stdout go by SSH setenv; triggers replace", { timeout: 300_000 }, async () => {
    const log = path.join(tmp, "run.log");
    writeFileSync(log, "");
    let stdin = "in-1\n";
    let triggers = ["a"];
    const step = (name: string, out: string): string =>
      `cat >> ${log}; echo "${name} env=$PQB_ACCEPTED prev=$PULUMI_COMMAND_STDOUT prev_err=$PULUMI_COMMAND_STDERR" >> ${log}; echo ${out}; echo ${out}-err >&2`;
    const stack = await newStack("semantics", () => {
      const c = new command.remote.Command("run", {
        connection: conn,
        environment: { PQB_ACCEPTED: "yes" },
        stdin,
        triggers,
        create: step("create", "created"),
        update: step("update", "updated"),
        delete: step("delete", "deleted"),
      });
      return { stdout: c.stdout, stderr: c.stderr };
    });
    const lines = (): string[] =>
      readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l !== "");

    let outputs = await stack.up("create");
    assert.deepEqual(lines(), ["in-1", "create env=yes prev= prev_err="]);
    assert.equal(outputs.stdout?.value, "created");
    assert.equal(outputs.stderr?.value, "created-err");
    const deployment = JSON.parse(await stack.exportedState()) as { resources?: { type: string; id?: string }[] };
    const id = deployment.resources?.find((r) => r.type === "command:remote:Command")?.id;
    assert.match(String(id), /^run[0-9a-f]{8}$/, "the ID is the name and 8 hex digits");

    stdin = "in-2\n";
    outputs = await stack.up("stdin changed: update");
    // sshd's AcceptEnv lists PULUMI_COMMAND_STDOUT but not PULUMI_COMMAND_STDERR: a warning, and the run goes on.
    assert.deepEqual(lines().slice(2), ["in-2", "update env=yes prev=created prev_err="]);
    assert.equal(outputs.stdout?.value, "updated");
    assert.match(stack.logText(), /Unable to set 'PULUMI_COMMAND_STDERR'\. This only works if your SSH server is configured to accept/);

    triggers = ["b"];
    // The detailed diff is authoritative: a replace shows only the changed trigger, no outputs turning unknown.
    const shown = (await stack.stack.preview({ diff: true, color: "never" })).stdout;
    assert.match(shown, /\+-command:remote:Command: \(replace\)[\s\S]*~ triggers: \[\s*~ \[0\]: "a" => "b"/);
    assert.doesNotMatch(shown, /\[unknown\]|stdin|create\s*:/);
    await stack.up("triggers changed: replace");
    // create-before-delete: the new resource's create (no previous output), then the old one's delete.
    assert.deepEqual(lines().slice(4), ["in-2", "create env=yes prev= prev_err=", "in-2", "delete env=yes prev=updated prev_err="]);

    await stack.destroy("destroy");
    assert.deepEqual(lines().slice(8), ["in-2", "delete env=yes prev=created prev_err="]);
  });

  test("a preview reports stdout as unknown when an input of the command changed, and keeps it when none changed", { timeout: 180_000 }, async () => {
    // Upstream's infer layer (pulumi-go-provider markComputed): every output of a Command depends on every input.
    // The engine's preview events carry the provider's answer (an unknown string is the engine's sentinel).
    const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    let stdin = "one\n";
    const stack = await newStack("preview-unknowns", () => {
      const c = new command.remote.Command("echo", { connection: conn, stdin, create: "cat" });
      return { out: c.stdout };
    });
    const previewedStdout = async (): Promise<unknown[]> => {
      const seen: unknown[] = [];
      await stack.stack.preview({
        color: "never",
        onEvent: (e) => {
          const m = e.resOutputsEvent?.metadata;
          if (m?.type === "command:remote:Command" && m.op !== "same") seen.push((m.new?.outputs as Record<string, unknown> | undefined)?.stdout);
        },
      });
      return seen;
    };
    await stack.up("create");
    assert.deepEqual(await previewedStdout(), [], "nothing changed: no update, the recorded stdout stands");
    stdin = "two\n";
    assert.deepEqual(await previewedStdout(), [UNKNOWN], "stdin changed: the update's stdout previews as unknown");
  });

  test("through a proxy: 2 connections held per command; a target host-key mismatch ends as `handshake failed: EOF`", { timeout: 180_000 }, async () => {
    const port = sshd.target.port;
    const wrong = await newKeyPair(tmp, "not_the_target_host_key");
    const hop = { ...conn };
    const stack = await newStack("proxy", () => {
      const ok = new command.remote.Command("via", { connection: { ...conn, proxy: hop }, create: `ss -Htn state established '( sport = :${port} )' | wc -l` });
      new command.remote.Command("via-wrong", { connection: { ...conn, hostKey: wrong.publicKey, dialErrorLimit: 2, proxy: hop }, create: "true" }, { dependsOn: [ok] });
      return {};
    });
    const message = await upError(stack, "proxy");
    // The proxy client and the target's client (over a channel of the proxy's, accepted by the same sshd).
    assert.match(stack.logText(), /command:remote:Command via created \([\d.]+s\) 2\b/);
    // Upstream retries the failed handshake on the same forwarded connection, which the failure closed: the
    // mismatch itself is not in the final message.
    assert.match(message, /proxy: after 2 failed attempts: ssh: handshake failed: EOF/);
    assert.doesNotMatch(message, /host key mismatch/);
    await waitFor("connections closed after the provider exited", 10_000, () => established(port) === 0);
  });

  test('local.Command fails with the same format: `exit status N: running "<script>":` then the output', { timeout: 120_000 }, async () => {
    const script = "echo local-out\nexit 4";
    const stack = await newStack("local-error", () => {
      new command.local.Command("local", { create: script });
      return {};
    });
    const message = await upError(stack, "failing local command");
    const expected = `exit status 4: running ${JSON.stringify(script)}:\nlocal-out`;
    assert.ok(message.includes(expected), `expected the error to contain:\n${expected}\n--- got:\n${message}`);
  });

  test("an environment variable that sshd does not accept fails the command before it runs", { timeout: 120_000 }, async () => {
    const marker = path.join(tmp, "refused-ran");
    const stack = await newStack("env-refused", () => {
      new command.remote.Command("refused", { connection: conn, environment: { PQB_REFUSED: "x" }, create: `touch ${marker}` });
      return {};
    });
    assert.match(await upError(stack, "refused variable"), /could not set environment variable "PQB_REFUSED": ssh: setenv failed/);
    assert.match(stack.logText(), /Unable to set 'PQB_REFUSED'/);
    assert.throws(() => readFileSync(marker), /ENOENT/, "the script did not run");
  });
});
