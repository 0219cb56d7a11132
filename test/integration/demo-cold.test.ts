// The README's first command on a cold machine: `npm run demo` with an EMPTY cache (PQB_CACHE points at a
// new directory: no Debian root file system, no apt repository, no busybox or QEMU images, no apt lists),
// keeping only the Pulumi toolchain's 20 minutes of Go builds (PQB_TOOLCHAIN_CACHE). It must tell the
// article's story — the failing `docker run` (exec format error), `pulumi up`, then aarch64 and armv7l — and
// `npm run demo -- down` must leave no host, no stack and no services of that cache behind. Issue 23: the demo
// once died silently on a cold machine, because every measurement ran after `npm test` had warmed the caches.
// It runs as its own demo (PQB_DEMO_NAME=cold: stack `cold`, host `cold1`), beside anyone's `demo`.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { labStatus } from "../support/lab";
import { readToolchain, repoRoot } from "../support/toolchain";

const NAME = "cold";
const cache = mkdtempSync(join(tmpdir(), "pqb-cold-cache-"));
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  PQB_CACHE: cache,
  PQB_TOOLCHAIN_CACHE: readToolchain().cacheDir,
  PQB_DEMO_NAME: NAME,
  NO_COLOR: "1",
};

function demo(args: string[]): { status: number | null; output: string; seconds: number } {
  const t0 = Date.now();
  const r = spawnSync("bash", ["dev/scripts/demo.sh", ...args], { cwd: repoRoot, env, encoding: "utf8", timeout: 30 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, output: `${r.stdout}${r.stderr}`, seconds: (Date.now() - t0) / 1000 };
}

/** The lab's services of this cache: a state dir under /run/pulumi-qemu-binfmt-lab named services-<hash>. */
function coldServices(): string[] {
  const run = "/run/pulumi-qemu-binfmt-lab";
  if (!existsSync(run)) return [];
  return readdirSync(run).filter((n) => n.startsWith("services-"));
}

after(() => {
  // Whatever happened above: no host, stack or services of this cache stay, and the cache goes.
  if (labStatus().hosts.some((h) => h.name === `${NAME}1`)) demo(["down"]);
  rmSync(cache, { recursive: true, force: true });
});

describe("npm run demo on a cold machine (empty lab cache, warm toolchain)", () => {
  const servicesBefore = coldServices();

  it("tells the story: exec format error before, aarch64 and armv7l after pulumi up", { timeout: 30 * 60_000 }, () => {
    const r = demo([]);
    process.stdout.write(`# cold npm run demo: exit ${String(r.status)} in ${r.seconds.toFixed(0)} s\n`);
    assert.equal(r.status, 0, `npm run demo failed on an empty cache (${r.seconds.toFixed(0)} s):\n${r.output.slice(-6000)}`);
    const before = r.output.indexOf("The failing test (before)");
    const failing = r.output.search(/-> .*exec format error \(exit \d+\): the kernel cannot run arm64 binaries yet/);
    const aarch64 = r.output.search(/docker run arm64v8\/busybox uname -m {2}-> {2}aarch64/);
    const armv7l = r.output.search(/docker run arm32v7\/busybox uname -m {2}-> {2}armv7l/);
    assert.ok(before >= 0 && failing > before, `the failing test (exec format error) was not shown:\n${r.output.slice(-4000)}`);
    assert.ok(aarch64 > failing && armv7l > failing, `the passing test (aarch64, armv7l) was not shown after the failing one:\n${r.output.slice(-4000)}`);
    // The cold run built this cache's own lab: a Debian root file system and an apt repository.
    assert.ok(existsSync(join(cache, "lab", "rootfs", "bookworm", ".pqb-lab-rootfs")), "the bookworm root file system was built in the empty cache");
    assert.ok(existsSync(join(cache, "lab", "apt", "bookworm", "Release")), "the bookworm apt repository was built in the empty cache");
  });

  it("npm run demo -- down removes the stack, the host and this cache's services", { timeout: 10 * 60_000 }, () => {
    const r = demo(["down"]);
    process.stdout.write(`# npm run demo -- down: exit ${String(r.status)} in ${r.seconds.toFixed(0)} s\n`);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, new RegExp(`down: stack ${NAME} removed, host ${NAME}1 stopped`));
    assert.ok(!labStatus().hosts.some((h) => h.name === `${NAME}1`), `${NAME}1 still runs`);
    assert.deepEqual(coldServices(), servicesBefore, "the services of the empty cache were stopped with its last host");
  });
});
