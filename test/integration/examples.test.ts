// The examples are real Pulumi projects that a newcomer runs as they are. This test runs
// examples/jetson-build-host in place — the real `pulumi` CLI, the nodejs language host, ts-node with type
// checking, `pulumi-qemu-binfmt` resolved to this checkout through the root node_modules — against a fresh
// lab host (bookworm, login as the sudo user, host key pinned, key read from a file and kept secret), with a
// file backend in a temp dir. It checks the outputs (aarch64 / armv7l), the article's passing test from outside
// Pulumi, that a second run has nothing to do, that the key never reaches the state in plain text, and that
// `pulumi destroy` takes the rules away again. It also type-checks every example and the demo program
// against the built package, and checks that a program and the library share ONE @pulumi/pulumi.
//
// The stack's config file lives in the temp dir too (`--config-file`), so the examples tree stays clean.
// Lab hosts: prefix `examples` (examples1), stopped at the end.
import { after, before, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { findHost, labDown, labUp, sshExec, type LabHost } from "../support/lab";
import { pulumiBinary, repoRoot, toolchainEnv } from "../support/toolchain";

const execFileAsync = promisify(execFile);

const PREFIX = "examples";
const HOST = `${PREFIX}1`;
const EXAMPLES = ["jetson-build-host", "fleet-from-config", "all-architectures"];
const JETSON = path.join(repoRoot, "examples", "jetson-build-host");
const STACK = "examples-test";

let host: LabHost;
let tmp: string;
let configFile: string;
let env: Record<string, string>;
const transcript: string[] = [];

interface RunResult {
  stdout: string;
  stderr: string;
}

/** `pulumi ARGS` in DIR with the toolchain's environment and our temp backend; throws with its output. */
async function pulumi(dir: string, args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 600_000): Promise<RunResult> {
  const full = ["--non-interactive", ...args];
  transcript.push(`$ (cd ${path.relative(repoRoot, dir) || "."}) pulumi ${full.join(" ")}`);
  try {
    const r = await execFileAsync(pulumiBinary(), full, {
      cwd: dir,
      env: { ...process.env, ...env, ...extraEnv },
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    transcript.push(r.stdout, r.stderr);
    return { stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`pulumi ${full.join(" ")} failed: ${err.message}\nstdout:\n${err.stdout ?? ""}\nstderr:\n${err.stderr ?? ""}`);
  }
}

/** Commands that run the program or touch config: this stack, and its config file in the temp dir. */
function onStack(args: string[]): string[] {
  return [...args, "--stack", STACK, "--config-file", configFile];
}

/** Commands that only read or remove the state (they take no --config-file). */
function onState(args: string[]): string[] {
  return [...args, "--stack", STACK];
}

function sshOk(command: string): string {
  const r = sshExec(host, host.users.sudo, command);
  assert.equal(r.code, 0, `${host.name}: ${command} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  host = findHost(labUp({ hosts: 1, suites: ["bookworm"], prefix: PREFIX, fresh: true }), HOST);
  tmp = mkdtempSync(path.join(os.tmpdir(), "pqb-examples-"));
  const backend = path.join(tmp, "backend");
  mkdirSync(backend);
  env = toolchainEnv({ backendDir: backend, passphrase: "" });
  // `pulumi stack init` has no --config-file: create the stack from a copy of the project file, so that its
  // config file (with the passphrase salt) lands in the temp dir; every later command names that file.
  const initDir = path.join(tmp, "init");
  mkdirSync(initDir);
  copyFileSync(path.join(JETSON, "Pulumi.yaml"), path.join(initDir, "Pulumi.yaml"));
  await pulumi(initDir, ["stack", "init", STACK]);
  configFile = path.join(initDir, `Pulumi.${STACK}.yaml`);
});

after(async () => {
  if (process.env.PQB_EXAMPLES_TRANSCRIPT && tmp !== undefined) {
    writeFileSync(process.env.PQB_EXAMPLES_TRANSCRIPT, transcript.join("\n"));
  }
  try {
    // Normally destroyed by the test below; this covers a failure half-way.
    if (configFile !== undefined) await pulumi(JETSON, onStack(["destroy", "--yes", "--skip-preview"])).catch(() => undefined);
  } finally {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
    if (!process.env.PQB_LAB_KEEP) labDown([HOST]);
  }
});

describe("examples resolve this checkout's package", () => {
  test("from every example, pulumi-qemu-binfmt is this checkout's dist and @pulumi/pulumi is one instance", async () => {
    const script = [
      "const path = require('node:path');",
      "const lib = require.resolve('pulumi-qemu-binfmt');",
      "const fromProgram = require.resolve('@pulumi/pulumi');",
      "const fromLibrary = require.resolve('@pulumi/pulumi', { paths: [path.dirname(lib)] });",
      "process.stdout.write(JSON.stringify({ lib, fromProgram, fromLibrary }));",
    ].join("\n");
    for (const name of EXAMPLES) {
      const dir = path.join(repoRoot, "examples", name);
      const { stdout } = await execFileAsync(process.execPath, ["-e", script], { cwd: dir });
      const r = JSON.parse(stdout) as { lib: string; fromProgram: string; fromLibrary: string };
      assert.equal(r.lib, path.join(repoRoot, "dist", "src", "index.js"), name);
      assert.equal(r.fromProgram, r.fromLibrary, `${name}: two @pulumi/pulumi instances`);
      assert.equal(r.fromProgram, path.join(repoRoot, "node_modules", "@pulumi", "pulumi", "index.js"), name);
    }
  });

  test("every example and the demo program type-check (strict) against the built package", { timeout: 300_000 }, async () => {
    // One tsc run over all programs with the options of their tsconfig.json files, resolving modules
    // from each program's own directory (so through the root node_modules, as at run time).
    const programs = [...EXAMPLES.map((n) => path.join(repoRoot, "examples", n, "index.ts")), path.join(repoRoot, "demo", "index.ts")];
    const own = JSON.parse(readFileSync(path.join(JETSON, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
    const tsconfig = path.join(tmp, "tsconfig.examples.json");
    writeFileSync(
      tsconfig,
      JSON.stringify({ compilerOptions: { ...own.compilerOptions, noEmit: true, typeRoots: [path.join(repoRoot, "node_modules", "@types")] }, files: programs }),
    );
    const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
    try {
      await execFileAsync(process.execPath, [tsc, "-p", tsconfig], { cwd: repoRoot, timeout: 280_000 });
    } catch (e) {
      const err = e as { stdout?: string; message: string };
      assert.fail(`tsc found errors:\n${err.stdout ?? err.message}`);
    }
  });
});

describe("examples/jetson-build-host through the pulumi CLI on a fresh lab host", () => {
  let privateKeyBody = "";
  /** Set once `pulumi up` succeeded: the later tests skip instead of piling up follow-on failures. */
  let upDone = false;
  const needsUp = (t: TestContext): boolean => {
    if (!upDone) t.skip("pulumi up did not succeed");
    return upDone;
  };

  test("before: the article's failing test fails on the fresh host", { timeout: 180_000 }, () => {
    const r = sshExec(host, host.users.sudo, "docker run --rm arm64v8/busybox uname -m");
    assert.notEqual(r.code, 0, `expected exec format error, got ${r.stdout}`);
    assert.match(r.stdout + r.stderr, /exec format error/);
  });

  test("pulumi up: outputs armv7l for arm and aarch64 for aarch64", { timeout: 900_000 }, async () => {
    privateKeyBody =
      readFileSync(host.privateKeyPath, "utf8")
        .split("\n")
        .filter((l) => l !== "" && !l.startsWith("-----"))[1] ?? "";
    assert.ok(privateKeyBody.length > 20, "could not read a line of the lab key");
    await pulumi(
      JETSON,
      onStack([
        "config",
        "set-all",
        "--plaintext",
        `host=${host.address}`,
        "--plaintext",
        `port=${host.port}`,
        "--plaintext",
        `user=${host.users.sudo}`,
        "--plaintext",
        `hostKey=${host.hostPublicKey}`,
        "--plaintext",
        `privateKeyPath=${host.privateKeyPath}`,
      ]),
    );
    // Type checking on (ts-node's default), as a user runs it.
    const up = await pulumi(JETSON, onStack(["up", "--yes", "--skip-preview", "--color", "never", "--suppress-progress"]));
    assert.doesNotMatch(up.stdout + up.stderr, new RegExp(privateKeyBody.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")), "key in the output");

    const { stdout } = await pulumi(JETSON, onState(["stack", "output", "--json"]));
    const out = JSON.parse(stdout) as { uname: Record<string, string>; hostMachine: string; interpreters: Record<string, string>; files: Record<string, string>; summary: string };
    assert.deepEqual(out.uname, { arm: "armv7l", aarch64: "aarch64" });
    assert.equal(out.hostMachine, "x86_64");
    // bookworm: qemu-user-static's layout, the article's interpreter paths
    assert.deepEqual(out.interpreters, { arm: "/usr/bin/qemu-arm-static", aarch64: "/usr/bin/qemu-aarch64-static" });
    assert.match(out.files.aarch64 ?? "", /^\/etc\/binfmt\.d\//);
    assert.match(out.summary, /aarch64/);
    upDone = true;
  });

  test("the private key is not in the state in plain text", { timeout: 120_000 }, async (t) => {
    if (!needsUp(t)) return;
    const { stdout } = await pulumi(JETSON, onState(["stack", "export"]));
    assert.ok(stdout.length > 0);
    assert.ok(!stdout.includes(privateKeyBody), "a line of the private key is in the exported state");
    assert.ok(!stdout.includes("BEGIN OPENSSH PRIVATE KEY"), "a private key header is in the exported state");
  });

  test("after: the article's passing test, run outside Pulumi, prints aarch64 and armv7l", { timeout: 180_000 }, (t) => {
    if (!needsUp(t)) return;
    assert.equal(sshOk("docker run --rm arm64v8/busybox uname -m").trim(), "aarch64");
    assert.equal(sshOk("docker run --rm arm32v7/busybox uname -m").trim(), "armv7l");
  });

  test("a second run has nothing to do (pulumi preview --expect-no-changes)", { timeout: 600_000 }, async (t) => {
    if (!needsUp(t)) return;
    await pulumi(JETSON, onStack(["preview", "--expect-no-changes", "--color", "never", "--suppress-progress"]), { PULUMI_NODEJS_TRANSPILE_ONLY: "true" });
  });

  test("pulumi destroy removes the entries and the binfmt.d files", { timeout: 600_000 }, async (t) => {
    if (!needsUp(t)) return;
    const files = Object.values((JSON.parse((await pulumi(JETSON, onState(["stack", "output", "--json"]))).stdout) as { files: Record<string, string> }).files);
    await pulumi(JETSON, onStack(["destroy", "--yes", "--skip-preview", "--color", "never", "--suppress-progress"]));
    const left = sshOk("ls /proc/sys/fs/binfmt_misc")
      .split(/\s+/)
      .filter((e) => e.startsWith("qemu-"));
    assert.deepEqual(left, []);
    for (const f of files) {
      assert.equal(sshExec(host, host.users.sudo, `test -e ${f}`).code, 1, `${f} is still there`);
    }
    const r = sshExec(host, host.users.sudo, "docker run --rm arm64v8/busybox uname -m");
    assert.notEqual(r.code, 0, "arm64 still runs after destroy");
    await pulumi(JETSON, onState(["stack", "rm", "--yes"]));
  });
});
