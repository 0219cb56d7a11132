import { parseEscapedBytes } from "./bytes";
import { BinfmtRule } from "./rule";

/**
 * Would the kernel hand a file starting with `header` to this rule? binfmt_misc's test for M entries:
 * for each magic byte j, ((header[offset + j] ^ magic[j]) & mask[j]) == 0. Used by tests to prove
 * every catalogue entry matches its architecture's executables and no other's.
 */
export function matchesHeader(rule: Pick<BinfmtRule, "offset" | "magic" | "mask">, header: Uint8Array): boolean {
  const magic = parseEscapedBytes(rule.magic);
  const mask = parseEscapedBytes(rule.mask);
  if (header.length < rule.offset + magic.length) return false;
  for (let j = 0; j < magic.length; j++) {
    const h = header[rule.offset + j] ?? 0;
    if (((h ^ (magic[j] ?? 0)) & (mask[j] ?? 0xff)) !== 0) return false;
  }
  return true;
}
