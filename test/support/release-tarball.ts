/**
 * npm tarballs of this package as a user installs them: one of a past release, built from its commit, and one
 * of the checkout. The past release's tarball is built once per machine and kept in
 * `$PQB_CACHE/releases/pulumi-qemu-binfmt-<commit>.tgz` (a commit's content never changes); the build is
 * `git archive <commit>` into a temporary directory, `npm ci --ignore-scripts` (npm's own cache makes it
 * offline after the first time), `npm pack` (which runs the `prepare` build once, as `npm publish` does).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "./toolchain";

/** $PQB_CACHE as CONTRIBUTING.md defines it. */
export function machineCache(): string {
  return process.env.PQB_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "pulumi-qemu-binfmt");
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
  }
}

/**
 * Throws unless `commit` is in this clone's history, naming the commit and the fix (a shallow CI clone lacks it).
 * Returns the full hash.
 */
export function requireCommit(commit: string, release: string, root: string = repoRoot): string {
  try {
    return execFileSync("git", ["rev-parse", "--verify", "--quiet", `${commit}^{commit}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    let shallow = "unknown";
    try {
      shallow = execFileSync("git", ["rev-parse", "--is-shallow-repository"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      // not a git checkout at all: said below
    }
    throw new Error(
      `commit ${commit} (release ${release}) is not in this clone of the repository (${root}; shallow clone: ${shallow}). ` +
        `The upgrade test builds that release from its commit: clone with full history (no --depth), or run ` +
        `\`git fetch --unshallow\` (or \`git fetch origin ${commit}\`) in the checkout.`,
    );
  }
}

/** The packed tarball of `commit` (a past release), built once per machine. */
export function releaseTarball(commit: string, release: string): string {
  return commitTarball(commit, release, release);
}

/**
 * The packed tarball of any commit of this repository, built once per machine; `label` names it in errors, and
 * `expectedVersion` (when given) must be its package.json version.
 */
export function commitTarball(commit: string, label: string, expectedVersion?: string): string {
  const full = requireCommit(commit, label);
  const dir = path.join(machineCache(), "releases");
  const cached = path.join(dir, `pulumi-qemu-binfmt-${full}.tgz`);
  if (existsSync(cached)) return cached;
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), "pqb-release-"));
  try {
    const src = path.join(work, "src");
    mkdirSync(src);
    execFileSync("sh", ["-c", 'git archive --format=tar "$1" | tar -x -C "$2"', "sh", full, src], { cwd: repoRoot, stdio: ["ignore", "ignore", "pipe"] });
    const version = (JSON.parse(readFileSync(path.join(src, "package.json"), "utf8")) as { version: string }).version;
    if (expectedVersion !== undefined && version !== expectedVersion)
      throw new Error(`commit ${full} has package.json version ${version}, not the release ${expectedVersion} it is recorded as`);
    run("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"], src);
    const packed = packInto(src, work);
    // Written under a temporary name first: a run killed here leaves no half-written tarball in the cache.
    const partial = `${cached}.${process.pid}.partial`;
    copyFileSync(packed, partial);
    renameSync(partial, cached);
    return cached;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `npm pack` of the package in `dir` (its `prepare` script builds dist/) into a new directory under `into`. */
export function packInto(dir: string, into: string): string {
  const dest = mkdtempSync(path.join(into, "pack-"));
  run("npm", ["pack", "--pack-destination", dest, "--silent"], dir);
  const files = readdirSync(dest).filter((f) => f.endsWith(".tgz"));
  if (files.length !== 1) throw new Error(`npm pack in ${dir} left ${files.length} tarballs in ${dest}: ${files.join(", ")}`);
  return path.join(dest, files[0] as string);
}

/** The checkout as a user would install it from npm (its `prepare` builds dist/ first). */
export function checkoutTarball(into: string): string {
  return packInto(repoRoot, into);
}

/** sha256 of a file (to say whether two tarballs differ). */
export function fileDigest(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}
