// examples/yaml-build-host through the real CLI: a Pulumi YAML program (the upstream YAML language host,
// built by `npm run toolchain`) uses BinfmtHost through the component package (pulumi-package/, declared in
// the program's `packages:`), which the nodejs language host runs as a plugin (RunPlugin → the SDK's
// run-plugin → component provider, Construct). Against a fresh lab host (bookworm, the sudo user, host key
// pinned, key read from the lab's key file by the program): `up` → both acceptance checks pass →
// `preview --expect-no-changes` → `destroy` (the entries are gone). And bad input: an invalid `flags` value
// fails the preview with the component's own error naming the field, as a TypeScript user sees it.
//
// The program runs from a copy in a temp dir, OUTSIDE this checkout (the package path made absolute), as a
// user's project would: no node_modules above it. The drift case proves the repair tokens (src/host/units.ts)
// turn a removed entry into an update of exactly that rule there too. The stack's config file lives in the temp dir too (`--config-file`).
// Lab hosts: prefix `yaml` (yaml1), stopped at the end.
import { after, before, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { findHost, labDown, labUp, sshExec, type LabHost } from "../support/lab";
import { pulumiBinary, repoRoot, toolchainEnv } from "../support/toolchain";

const execFileAsync = promisify(execFile);

const PREFIX = "yaml";
const HOST = `${PREFIX}1`;
const EXAMPLE = path.join(repoRoot, "examples", "yaml-build-host");
const STACK = "yaml-test";

let host: LabHost;
let tmp: string;
let configFile: string;
let env: Record<string, string>;
/** The copy of the example that the tests run. */
let program: string;

/** examples/yaml-build-host/Pulumi.yaml into `dir`, the package path made absolute, `extra` lines added to the resource. */
function copyProgram(dir: string, extra = ""): string {
  mkdirSync(dir);
  const text = readFileSync(path.join(EXAMPLE, "Pulumi.yaml"), "utf8")
    .replaceAll("../../pulumi-package", path.join(repoRoot, "pulumi-package"))
    .replace("      architectures:", `${extra}      architectures:`);
  writeFileSync(path.join(dir, "Pulumi.yaml"), text);
  return text;
}

interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** `pulumi ARGS` in `cwd` (the program's directory), with this stack and its config file; never throws. */
async function pulumi(args: string[], cwd: string = program, timeoutMs = 900_000): Promise<RunResult> {
  const full = ["--non-interactive", ...args, "--stack", STACK];
  // A YAML program's destroy validates its config too; `stack` commands take no --config-file.
  if (args[0] !== "stack") full.push("--config-file", configFile);
  try {
    const r = await execFileAsync(pulumiBinary(), full, { cwd, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number; message: string };
    return { stdout: err.stdout ?? "", stderr: `${err.stderr ?? ""}\n${err.message}`, code: typeof err.code === "number" ? err.code : -1 };
  }
}

async function ok(args: string[]): Promise<RunResult> {
  const r = await pulumi(args);
  assert.equal(r.code, 0, `pulumi ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

function entryExists(name: string): boolean {
  return sshExec(host, host.users.sudo, `test -e /proc/sys/fs/binfmt_misc/${name}`).code === 0;
}

before(async () => {
  assert.ok(existsSync(path.join(repoRoot, "dist", "src", "index.js")), "dist/ is missing: npm run build (the package runs the built library)");
  host = findHost(labUp({ hosts: 1, suites: ["bookworm"], prefix: PREFIX, fresh: true }), HOST);
  tmp = mkdtempSync(path.join(os.tmpdir(), "pqb-yaml-"));
  const backend = path.join(tmp, "backend");
  mkdirSync(backend);
  env = toolchainEnv({ backendDir: backend, passphrase: "" });
  program = path.join(tmp, "yaml-build-host");
  copyProgram(program);
  // `pulumi stack init` has no --config-file: create the stack from a copy of the project file, so that its
  // config file (with the passphrase salt) lands in the temp dir.
  const initDir = path.join(tmp, "init");
  mkdirSync(initDir);
  copyFileSync(path.join(program, "Pulumi.yaml"), path.join(initDir, "Pulumi.yaml"));
  await execFileAsync(pulumiBinary(), ["--non-interactive", "stack", "init", STACK], { cwd: initDir, env: { ...process.env, ...env } });
  configFile = path.join(initDir, `Pulumi.${STACK}.yaml`);
  const settings: Record<string, string> = {
    host: host.address,
    port: String(host.port),
    user: host.users.sudo,
    hostKey: host.hostPublicKey,
    privateKeyPath: host.privateKeyPath,
  };
  await ok(["config", "set-all", ...Object.entries(settings).flatMap(([k, v]) => ["--plaintext", `${k}=${v}`])]);
});

after(async () => {
  try {
    if (configFile !== undefined) await pulumi(["destroy", "--yes", "--skip-preview"]);
  } finally {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
    if (!process.env.PQB_LAB_KEEP) labDown([HOST]);
  }
});

describe("examples/yaml-build-host: BinfmtHost from Pulumi YAML through the component package", () => {
  let upDone = false;
  const needsUp = (t: TestContext): boolean => {
    if (!upDone) t.skip("pulumi up did not succeed");
    return upDone;
  };

  test("an invalid flags value fails the preview with the error naming the field, and nothing is created", { timeout: 600_000 }, async () => {
    // The same program with `flags: XF`, in a directory of its own (same project, stack and config file).
    const dir = path.join(tmp, "bad-flags");
    assert.match(copyProgram(dir, "      flags: XF\n"), /^ {6}flags: XF$/m);
    const r = await pulumi(["preview", "--color", "never"], dir);
    assert.notEqual(r.code, 0, "the preview succeeded with flags XF");
    const text = `${r.stdout}\n${r.stderr}`;
    assert.match(text, /BinfmtHost "builder": invalid arguments:/);
    assert.match(text, /args\.flags: invalid flags "XF": unknown flag "X"; valid letters: P, O, C, F/);
    assert.equal(entryExists("qemu-aarch64"), false);
  });

  test("pulumi up: both targets registered and their acceptance checks passed", { timeout: 900_000 }, async () => {
    await ok(["up", "--yes", "--skip-preview", "--color", "never", "--suppress-progress"]);
    const { stdout } = await ok(["stack", "output", "--json"]);
    const out = JSON.parse(stdout) as { uname: Record<string, string>; acceptance: Record<string, string>; hostMachine: string; summary: string };
    assert.deepEqual(out.acceptance, { arm: "passed", aarch64: "passed" });
    assert.deepEqual(out.uname, { arm: "armv7l", aarch64: "aarch64" });
    assert.equal(out.hostMachine, "x86_64");
    assert.match(out.summary, /aarch64/);
    // From outside Pulumi: the article's test on the host itself.
    const r = sshExec(host, host.users.sudo, "docker run --rm arm64v8/busybox uname -m");
    assert.equal(r.stdout.trim(), "aarch64", r.stderr);
    upDone = true;
  });

  test("a second run has nothing to do (preview --expect-no-changes)", { timeout: 600_000 }, async (t) => {
    if (!needsUp(t)) return;
    await ok(["preview", "--expect-no-changes", "--color", "never"]);
  });

  // The repair token of the drifted target, in the rule command created by the component provider (Construct):
  // drift turns into a planned update of that rule, and back into no changes after the repair.
  test("drift: an entry removed on the host is planned for repair by the preview, repaired by up", { timeout: 900_000 }, async (t) => {
    if (!needsUp(t)) return;
    const removed = sshExec(host, host.users.sudo, "echo -1 | sudo tee /proc/sys/fs/binfmt_misc/qemu-aarch64 >/dev/null");
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(entryExists("qemu-aarch64"), false);
    const drifted = await pulumi(["preview", "--expect-no-changes", "--diff", "--color", "never"]);
    assert.notEqual(drifted.code, 0, "the preview saw no change after the entry was removed");
    assert.match(drifted.stdout, /~ command:remote:Command: \(update\)\n.*\n.*::builder-rule-aarch64\]/);
    // The repair token of that rule changes (the reason itself is logged by the component, which a component
    // provider's Construct does not show here: measured, see docs/languages.md).
    assert.match(drifted.stdout, /UNIT='aarch64'\n.*- UNIT_TOKEN='[0-9a-f]{16}'\n.*\+ UNIT_TOKEN='[0-9a-f]{16}'/);
    assert.doesNotMatch(drifted.stdout, /builder-rule-arm\]/, "only the drifted target's rule");
    await ok(["up", "--yes", "--skip-preview", "--color", "never", "--suppress-progress"]);
    assert.equal(entryExists("qemu-aarch64"), true);
    await ok(["preview", "--expect-no-changes", "--color", "never"]);
  });

  test("pulumi destroy removes the entries", { timeout: 600_000 }, async (t) => {
    if (!needsUp(t)) return;
    await ok(["destroy", "--yes", "--skip-preview", "--color", "never"]);
    assert.equal(entryExists("qemu-aarch64"), false);
    assert.equal(entryExists("qemu-arm"), false);
  });
});
