import { hexToBytes, parseEscapedBytes } from "./bytes";
import { matchesHeader } from "./header-match";
import { BinfmtRule } from "./rule";

/** The leading bytes of a file on the host, as the host's observation reads them. */
export interface ElfHeaderSample {
  /** Where the bytes come from, e.g. "/bin/sh", "/sbin/init", the rule's interpreter. */
  readonly path: string;
  /** The file's first bytes as hex (e.g. `head -c 64 FILE | od -An -tx1`, whitespace ignored). */
  readonly headerHex: string;
}

/** One rule that would capture a program the host needs. */
export interface SelfMatchProblem {
  /** The rule's entry name, e.g. "qemu-arm". */
  readonly entryName: string;
  /** The file whose header the rule matches. */
  readonly path: string;
  readonly message: string;
}

/**
 * The rules whose magic/mask match the header of a program the host itself runs: the rule's own
 * interpreter, the shell, init. Registering such a rule hands every exec of that format to the emulator,
 * whose own exec then matches again: every command fails with ELOOP ("Too many levels of symbolic
 * links"), including the SSH session that could undo it, and a binfmt.d file brings it back at boot
 * (e.g. qemu-arm on an aarch64 kernel with a 32-bit armhf userland). Matching is binfmt_misc's own test
 * (matchesHeader). Returns [] when no rule matches; a header that is not valid hex is a problem too (the
 * guard never passes on bytes it could not read).
 */
export function selfMatchProblems(
  rules: readonly Pick<BinfmtRule, "name" | "offset" | "magic" | "mask" | "interpreter">[],
  headers: readonly ElfHeaderSample[],
): SelfMatchProblem[] {
  const problems: SelfMatchProblem[] = [];
  for (const h of headers) {
    const compact = h.headerHex.replace(/\s+/g, "");
    if (!/^([0-9a-fA-F]{2})*$/.test(compact)) {
      for (const r of rules)
        problems.push({
          entryName: r.name,
          path: h.path,
          message: `cannot check ${r.name} against ${h.path}: its header is not hex (${JSON.stringify(h.headerHex.slice(0, 40))})`,
        });
      continue;
    }
    const header = hexToBytes(compact.toLowerCase());
    for (const r of rules) {
      if (!matchesHeader(r, header)) continue;
      const own = h.path === r.interpreter ? " (its own interpreter: the emulator would be run by itself)" : "";
      problems.push({
        entryName: r.name,
        path: h.path,
        message: `refusing to register ${r.name}: its magic/mask matches ${h.path}${own}, a program this host runs natively; every exec of it would go to ${r.interpreter}, which matches again (ELOOP: "Too many levels of symbolic links") and locks the host out. The host runs this format natively: do not request this target`,
      });
    }
  }
  return problems;
}

/** One binfmt_misc magic entry: where the magic starts, the magic, its mask ("" for none: all bits count). */
export type MagicEntry = Pick<BinfmtRule, "offset" | "magic" | "mask">;

/**
 * Can one file header match both entries? binfmt_misc tests byte j of the header at offset+j with
 * ((header ^ magic) & mask) == 0. Bytes only one entry looks at can take any value, so the entries overlap
 * exactly when, at every position both look at, the magics agree on every bit both masks keep:
 * ((magicA ^ magicB) & maskA & maskB) == 0. Overlapping entries are a conflict: the kernel runs the first
 * one registered, which is not necessarily ours.
 */
export function entriesOverlap(a: MagicEntry, b: MagicEntry): boolean {
  const bytes = (e: MagicEntry) => {
    const magic = parseEscapedBytes(e.magic);
    const mask = e.mask === "" ? new Uint8Array(magic.length).fill(0xff) : parseEscapedBytes(e.mask);
    return { magic, mask };
  };
  const x = bytes(a);
  const y = bytes(b);
  const from = Math.max(a.offset, b.offset);
  const to = Math.min(a.offset + x.magic.length, b.offset + y.magic.length);
  for (let p = from; p < to; p++) {
    const i = p - a.offset;
    const j = p - b.offset;
    if ((((x.magic[i] ?? 0) ^ (y.magic[j] ?? 0)) & (x.mask[i] ?? 0xff) & (y.mask[j] ?? 0xff)) !== 0) return false;
  }
  return true;
}
