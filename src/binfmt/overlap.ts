import { parseEscapedBytes } from "./bytes";
import { BinfmtRule } from "./rule";

/**
 * Can one file be matched by both entries? binfmt_misc tries enabled entries in order and hands the file
 * to the first that matches, so two overlapping entries under different names mean one of them silently
 * wins (the one registered first, which is rarely the one its owner expects).
 *
 * Each entry tests, for every magic byte j, ((header[offset + j] ^ magic[j]) & mask[j]) == 0. A byte
 * position constrained by both entries admits a common value exactly when the bits both masks test agree:
 * ((magicA ^ magicB) & maskA & maskB) == 0. Positions only one entry tests never prevent a common header.
 * Magic and mask in the rules' canonical `\xNN` escaping; an empty mask means "every bit".
 */
export function rulesOverlap(a: Pick<BinfmtRule, "offset" | "magic" | "mask">, b: Pick<BinfmtRule, "offset" | "magic" | "mask">): boolean {
  const ma = parseEscapedBytes(a.magic);
  const ka = parseEscapedBytes(a.mask);
  const mb = parseEscapedBytes(b.magic);
  const kb = parseEscapedBytes(b.mask);
  const from = Math.max(a.offset, b.offset);
  const to = Math.min(a.offset + ma.length, b.offset + mb.length);
  for (let p = from; p < to; p++) {
    const i = p - a.offset;
    const j = p - b.offset;
    const both = (ka.length > 0 ? (ka[i] ?? 0xff) : 0xff) & (kb.length > 0 ? (kb[j] ?? 0xff) : 0xff);
    if ((((ma[i] ?? 0) ^ (mb[j] ?? 0)) & both) !== 0) return false;
  }
  return true;
}
