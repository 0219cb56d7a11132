/**
 * The script bundle: every shipped script (./scripts/*.sh but bundle.sh) in ONE content-addressed file, copied
 * to each host once (src/component/bundle.ts) and installed by the first command that needs it into
 * BUNDLE_ROOT/<sha256>/ (./scripts/bundle.sh). A command's stdin then carries its variables, the bundle's hash,
 * bundle.sh and the `.` lines of its files, instead of the files' text, which the Pulumi state stores twice per
 * command (inputs and outputs). A command with a delete also carries its files compressed (fallbackText): a
 * delete must work even after someone removed the bundle.
 *
 * Format of the file: for each script, a line `#@ bundle-file <name>` then the script as a host receives it
 * (./scripts/load.ts shippedText); bundle.sh splits it with awk at those lines.
 */
import { createHash, randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { SCRIPT_FILES, ScriptFile, shippedText } from "./scripts/load";

/** Where bundles are installed on a host, one directory per bundle hash. Root's alone (./scripts/bundle.sh). */
export const BUNDLE_ROOT = "/var/lib/pulumi-qemu-binfmt/lib";
/** The line that starts each script in the bundle file. */
export const BUNDLE_FILE_MARK = "#@ bundle-file ";
/** The file sent inline before the others: it installs, checks and loads the bundle. */
export const BUNDLE_LOADER: ScriptFile = "bundle.sh";

export interface ScriptBundle {
  /** sha256 (hex) of the bundle file: the name of its directory on a host. */
  readonly hash: string;
  /** The bundle file's text. */
  readonly text: string;
  /** Where the bundle resource copies the file, relative to the login's home directory. */
  readonly staged: string;
}

let built: ScriptBundle | undefined;

/** The bundle of this package's scripts, built once per process. */
export function scriptBundle(): ScriptBundle {
  if (built !== undefined) return built;
  const parts = SCRIPT_FILES.filter((f) => f !== BUNDLE_LOADER).map((f) => {
    const text = shippedText(f);
    // A script line that looks like a mark would split the file there: refuse to build such a bundle.
    if (text.split("\n").some((l) => l.startsWith(BUNDLE_FILE_MARK))) throw new Error(`internal: ${f} has a line starting with "${BUNDLE_FILE_MARK}"`);
    return `${BUNDLE_FILE_MARK}${f}\n${text.endsWith("\n") ? text : `${text}\n`}`;
  });
  const text = parts.join("");
  const hash = createHash("sha256").update(text).digest("hex");
  built = { hash, text, staged: `.cache/pulumi-qemu-binfmt/bundle-${hash}` };
  return built;
}

/**
 * The bundle as a file on this machine, for a FileAsset (the state then records its path and hash, not its
 * text): `<tmpdir>/pulumi-qemu-binfmt-<uid>/bundle-<hash>`, written once (atomically) and reused.
 */
export function bundleFile(): string {
  const b = scriptBundle();
  const dir = path.join(tmpdir(), `pulumi-qemu-binfmt-${process.getuid?.() ?? "user"}`);
  const file = path.join(dir, `bundle-${b.hash}`);
  try {
    if (readFileSync(file, "utf8") === b.text) return file;
  } catch {
    // not written yet: write it below
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The directory's name is predictable in a shared /tmp: use it only if it is ours alone, a real directory
  // nobody else can write to, and create the temporary file exclusively (O_EXCL does not follow a symlink).
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) {
    throw new Error(`pulumi-qemu-binfmt: ${dir} is not a directory of this user's alone (a symlink, another owner, or writable by others): remove it, or set TMPDIR`);
  }
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(tmp, b.text, { mode: 0o644, flag: "wx" });
  renameSync(tmp, file);
  return file;
}

/** prelude.sh and FILES, gzip'd and base64'd: what a command runs when the bundle is gone (bundle.sh). */
export function fallbackText(files: readonly ScriptFile[]): string {
  const text = (["prelude.sh", ...files] as const).map((f) => shippedText(f)).join("\n");
  return gzipSync(Buffer.from(text), { level: 9 }).toString("base64");
}
