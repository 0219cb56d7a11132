import { TargetInfo } from "./catalogue";
import { escapeBytes, parseEscapedBytes } from "./bytes";

/**
 * Which mask a rule carries.
 * - IgnoreAbiVersion: ignore the e_ident bytes after EI_OSABI (EI_ABIVERSION and the padding, bytes
 *   8..15), so a binary whose toolchain stamps an ABI version still matches. For arm and aarch64 this
 *   gives, byte for byte, the lines of the "Jetson Containers" article on QEMU and binfmt_misc (the
 *   set-up this project started from). Byte 7 (EI_OSABI) stays as QEMU has it.
 * - Qemu: QEMU's exact mask (its scripts/qemu-binfmt-conf.sh).
 */
export enum MaskPolicy {
  /** Ignore the e_ident bytes after EI_OSABI (ABI version and padding), as the "Jetson Containers" article's rules do. */
  IgnoreAbiVersion = "ignore-abi-version",
  /** QEMU's exact mask (its scripts/qemu-binfmt-conf.sh). */
  Qemu = "qemu",
}

export const MASK_POLICIES: readonly MaskPolicy[] = [MaskPolicy.IgnoreAbiVersion, MaskPolicy.Qemu];

/** e_ident[EI_ABIVERSION] is byte 8; e_ident is 16 bytes long (EI_NIDENT). */
const BYTES_AFTER_EI_OSABI = { from: 8, to: 15 } as const;

export function maskFor(target: TargetInfo, policy: MaskPolicy = MaskPolicy.IgnoreAbiVersion): string {
  if (policy === MaskPolicy.Qemu) return target.mask;
  const bytes = parseEscapedBytes(target.mask);
  for (let i = BYTES_AFTER_EI_OSABI.from; i <= BYTES_AFTER_EI_OSABI.to && i < bytes.length; i++) bytes[i] = 0;
  return escapeBytes(bytes);
}
