import { escapeBytes, hexToBytes } from "./bytes";
import { BinfmtInputError, quote } from "./errors";

/**
 * One entry as the kernel shows it in /proc/sys/fs/binfmt_misc/<name>. Verified on Linux 6.18:
 *
 *     enabled                        ("disabled" after `echo 0 >` the entry)
 *     interpreter /usr/bin/qemu-arm-static
 *     flags: POCF                    (kernel order P O C F; "flags: " with nothing after when none)
 *     offset 0
 *     magic 7f454c4601010100000000000000000002002800
 *     mask ffffffffffffff000000000000000000feffffff   (line absent when registered without a mask)
 *
 * magic and mask are plain lower-case hex of every byte. The kernel does NOT apply the mask to the
 * magic it prints: bytes the mask ignores come back exactly as registered. Extension (E) entries print
 * "extension .xyz" instead of offset/magic/mask.
 *
 * magic and mask are returned in the canonical `\xNN` escaping of BinfmtRule, so they compare directly.
 */
export interface ProcEntry {
  enabled: boolean;
  interpreter: string;
  /** As printed, e.g. "POCF" or "". */
  flags: string;
  offset: number;
  /** `\xNN` escaped; "" for extension entries. */
  magic: string;
  /** `\xNN` escaped; undefined when the entry has no mask. */
  mask: string | undefined;
  /** Only for extension (E) entries, e.g. ".xyz". */
  extension?: string;
}

const EXPECTED_LINES = ["enabled|disabled", "interpreter PATH", "flags: LETTERS", "offset N", "magic HEX", "mask HEX", "extension .EXT"];

export function parseProcEntry(text: string): ProcEntry {
  const lines = text.split("\n").filter((l, i, all) => !(l === "" && i === all.length - 1));
  let enabled: boolean | undefined;
  let interpreter: string | undefined;
  let flags: string | undefined;
  let offset: number | undefined;
  let magic: string | undefined;
  let mask: string | undefined;
  let extension: string | undefined;
  const fail = (line: string, why: string): never => {
    throw new BinfmtInputError("procEntry", line, `cannot parse binfmt_misc entry line ${quote(line)}: ${why}; expected lines: ${EXPECTED_LINES.join(", ")}`, EXPECTED_LINES);
  };
  const hex = (line: string, value: string): string => {
    try {
      return escapeBytes(hexToBytes(value));
    } catch {
      return fail(line, "not hex");
    }
  };
  for (const line of lines) {
    if (line === "enabled" || line === "disabled") enabled = line === "enabled";
    else if (line.startsWith("interpreter ")) interpreter = line.slice("interpreter ".length);
    else if (line.startsWith("flags:")) flags = line.slice("flags:".length).trim();
    else if (line.startsWith("offset ")) {
      const n = Number(line.slice("offset ".length));
      offset = Number.isInteger(n) && n >= 0 ? n : fail(line, "offset is not a number");
    } else if (line.startsWith("magic ")) magic = hex(line, line.slice("magic ".length));
    else if (line.startsWith("mask ")) mask = hex(line, line.slice("mask ".length));
    else if (line.startsWith("extension ")) extension = line.slice("extension ".length);
    else fail(line, "unknown line");
  }
  if (enabled === undefined) return fail(text, "no enabled/disabled line");
  if (interpreter === undefined) return fail(text, "no interpreter line");
  if (magic === undefined && extension === undefined) return fail(text, "neither a magic nor an extension line");
  const entry: ProcEntry = { enabled, interpreter, flags: flags ?? "", offset: offset ?? 0, magic: magic ?? "", mask };
  if (extension !== undefined) entry.extension = extension;
  return entry;
}
