// The toolchain from `npm run toolchain` runs a real TypeScript Pulumi program offline: the `pulumi` CLI starts
// `pulumi-language-nodejs`, which runs test/fixtures/uname-program (TypeScript, through the SDK's own ts-node
// setup) against a file backend in a temp dir; its one `remote.Command` runs `uname -m` over SSH through the
// command plugin installed in the project's PULUMI_HOME. The same program also goes through the Automation API.
//
// SSH target: a lab host (test/support/lab.ts, `labUp({ hosts: 1, prefix: "tc" })`, stopped afterwards), its host
// key pinned. With PQB_TOOLCHAIN_TEST_SSH=loopback instead: a throwaway sshd on 127.0.0.1 (free port, fresh keys in
// the temp dir), started by this test and stopped by its PID; needs /usr/sbin/sshd (Debian: openssh-server).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { labDown, labUp } from "../support/lab";
import { LoopbackSshd, SshTarget, startLoopbackSshd, stopProcess } from "../support/loopback-sshd";
import { pulumiBinary, pulumiCommand, repoRoot, toolchainEnv } from "../support/toolchain";

const execFileAsync = promisify(execFile);
const FIXTURE = path.join(repoRoot, "test", "fixtures", "uname-program");
const EXPECTED_ARCH = "x86_64";
const USE_LOOPBACK = process.env.PQB_TOOLCHAIN_TEST_SSH === "loopback";
const LAB_PREFIX = "tc";

/** One lab host of this test's own prefix (idempotent `lab.sh up`). */
function labTarget(): { target: SshTarget; name: string } {
  const info = labUp({ hosts: 1, prefix: LAB_PREFIX });
  const host = info.hosts.find((h) => h.name === `${LAB_PREFIX}1`);
  if (host === undefined) throw new Error(`lab.sh up did not start ${LAB_PREFIX}1`);
  return {
    name: host.name,
    target: {
      host: host.address,
      port: host.port,
      user: host.users.root,
      privateKey: readFileSync(host.privateKeyPath, "utf8"),
      hostKey: host.hostPublicKey,
    },
  };
}

describe("toolchain: the offline Pulumi engine runs a TypeScript program", () => {
  let tmp = "";
  let sshd: LoopbackSshd | undefined;
  let labHost: string | undefined;
  let target: SshTarget;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "pqb-toolchain-test-"));
    if (USE_LOOPBACK) {
      sshd = await startLoopbackSshd(path.join(tmp, "sshd"));
      target = sshd.target;
    } else {
      const lab = labTarget();
      labHost = lab.name;
      target = lab.target;
    }
  });

  after(async () => {
    if (sshd !== undefined) await stopProcess(sshd.process);
    if (labHost !== undefined) labDown([labHost]);
    if (tmp !== "") rmSync(tmp, { recursive: true, force: true });
  });

  /** A private copy of the fixture program that resolves its modules from the checkout. */
  function programCopy(name: string): string {
    const dir = path.join(tmp, name);
    cpSync(FIXTURE, dir, { recursive: true });
    symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
  }

  test("pulumi up and destroy via the CLI: remote.Command `uname -m` over SSH outputs x86_64", { timeout: 240_000 }, async () => {
    const cwd = programCopy("cli-program");
    const env = { ...process.env, ...toolchainEnv({ backendDir: path.join(tmp, "state-cli") }) };
    mkdirSync(path.join(tmp, "state-cli"), { recursive: true });
    const pulumi = pulumiBinary();
    const run = async (...args: string[]): Promise<string> => {
      try {
        const { stdout } = await execFileAsync(pulumi, ["--non-interactive", ...args], {
          cwd,
          env,
          maxBuffer: 16 * 1024 * 1024,
        });
        return stdout;
      } catch (err) {
        const e = err as { code?: number | string; stdout?: string; stderr?: string };
        const shown = args.includes("--secret") ? [...args.slice(0, -1), "<redacted>"] : args;
        const detail = `${e.stdout ?? ""}\n${e.stderr ?? ""}`.split(target.privateKey).join("<redacted>");
        throw new Error(`pulumi ${shown.join(" ")} failed (exit ${String(e.code)})\n${detail}`);
      }
    };

    assert.match(await run("version"), /^v3\.\d+\.\d+/);
    await run("stack", "init", "test");
    await run("config", "set", "host", target.host);
    await run("config", "set", "port", String(target.port));
    await run("config", "set", "user", target.user);
    if (target.hostKey !== undefined) await run("config", "set", "hostKey", "--", target.hostKey);
    await run("config", "set", "--secret", "privateKey", "--", target.privateKey);

    const up = await run("up", "--yes", "--skip-preview");
    assert.match(up, /command:remote:Command\s+uname\s+created/);
    const arch = JSON.parse(await run("stack", "output", "arch", "--json")) as unknown;
    assert.equal(arch, EXPECTED_ARCH);

    // A second look changes nothing (the provider's Diff is stable).
    await run("preview", "--expect-no-changes");

    await run("destroy", "--yes");
    const exported = JSON.parse(await run("stack", "export")) as { deployment?: { resources?: unknown[] } };
    assert.equal(exported.deployment?.resources?.length ?? 0, 0, "destroy leaves no resources");
    await run("stack", "rm", "--yes");
  });

  test("the Automation API (LocalWorkspace) runs the same program against a file backend", { timeout: 240_000 }, async () => {
    const workDir = programCopy("automation-program");
    mkdirSync(path.join(tmp, "state-automation"), { recursive: true });
    const envVars = toolchainEnv({ backendDir: path.join(tmp, "state-automation") });
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "test", workDir }, { envVars, pulumiCommand: await pulumiCommand() });
    try {
      await stack.setAllConfig({
        host: { value: target.host },
        port: { value: String(target.port) },
        user: { value: target.user },
        privateKey: { value: target.privateKey, secret: true },
        ...(target.hostKey !== undefined ? { hostKey: { value: target.hostKey } } : {}),
      });
      const result = await stack.up();
      assert.equal(result.summary.result, "succeeded");
      assert.equal(result.outputs.arch?.value, EXPECTED_ARCH);
      const preview = await stack.preview({ expectNoChanges: true });
      assert.equal(preview.changeSummary.update ?? 0, 0);
    } finally {
      await stack.destroy();
      await stack.workspace.removeStack("test");
    }
  });
});
