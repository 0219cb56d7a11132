import { BinfmtInputError, quote } from "./errors";

/**
 * binfmt_misc registration flags, in the order the kernel prints them in
 * /proc/sys/fs/binfmt_misc/<name> ("flags: POCF"):
 *   P  preserve argv[0]          O  open the binary, pass an fd
 *   C  credentials from binary   F  fix binary: open the interpreter now (works in containers/chroots)
 * The kernel turns C into C+O, so "FC" and "OCF" register the same entry.
 */
export const FLAG_LETTERS = ["P", "O", "C", "F"] as const;
export type FlagLetter = (typeof FLAG_LETTERS)[number];

/** Canonical form of a flags string: kernel order, no duplicates, C implies O. "FC" -> "OCF". */
export function normaliseFlags(flags: string, field = "flags"): string {
  if (typeof flags !== "string") {
    throw new BinfmtInputError(field, flags, `expected a string of flag letters, got ${quote(flags)}; valid letters: ${FLAG_LETTERS.join(", ")}`, FLAG_LETTERS);
  }
  const present = new Set<string>();
  for (const letter of flags) {
    if (!(FLAG_LETTERS as readonly string[]).includes(letter)) {
      throw new BinfmtInputError(
        field,
        flags,
        `unknown flag ${quote(letter)} in ${quote(flags)}; valid letters: ${FLAG_LETTERS.join(", ")} (upper case, e.g. "F", "FP", "FC")`,
        FLAG_LETTERS,
      );
    }
    present.add(letter);
  }
  return canonicalFlags(flags);
}

/** Kernel order, no duplicates, C implies O — for letters already known to be valid (flagsSchema). */
export function canonicalFlags(validFlags: string): string {
  const present = new Set<string>(validFlags);
  if (present.has("C")) present.add("O");
  return FLAG_LETTERS.filter((l) => present.has(l)).join("");
}
