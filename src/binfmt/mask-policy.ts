import { TargetInfo } from "./catalogue";
import { escapeBytes, parseEscapedBytes } from "./bytes";

/**
 * Which mask a rule carries.
 * - Seed: the seed article's relaxation — ignore the e_ident bytes after EI_OSABI (EI_ABIVERSION and
 *   the padding, bytes 8..15), so a binary whose toolchain stamps an ABI version still matches. For arm
 *   and aarch64 this gives the article's lines byte for byte. Byte 7 (EI_OSABI) stays as QEMU has it.
 * - Qemu: QEMU's exact mask.
 */
export enum MaskPolicy {
  Seed = "seed",
  Qemu = "qemu",
}

export const MASK_POLICIES: readonly MaskPolicy[] = [MaskPolicy.Seed, MaskPolicy.Qemu];

/** e_ident[EI_ABIVERSION] is byte 8; e_ident is 16 bytes long. */
const SEED_IGNORED_BYTES = { from: 8, to: 15 } as const;

export function maskFor(target: TargetInfo, policy: MaskPolicy = MaskPolicy.Seed): string {
  if (policy === MaskPolicy.Qemu) return target.mask;
  const bytes = parseEscapedBytes(target.mask);
  for (let i = SEED_IGNORED_BYTES.from; i <= SEED_IGNORED_BYTES.to && i < bytes.length; i++) bytes[i] = 0;
  return escapeBytes(bytes);
}
