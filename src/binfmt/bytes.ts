/**
 * Byte strings as binfmt_misc spells them. A registration line writes magic and mask with `\xNN`
 * escapes (the kernel unescapes them with UNESCAPE_HEX); /proc/sys/fs/binfmt_misc/<name> prints them
 * back as plain lower-case hex. We keep one canonical form — every byte as `\xNN`, lower case — so
 * that strings compare equal exactly when the bytes do.
 */

const ESCAPED_BYTE = /\\x([0-9a-fA-F]{2})/y;

/** Decode `\x7f\x45LF`-style text (escapes and plain printable ASCII, as QEMU's script writes it). */
export function parseEscapedBytes(text: string): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === "\\") {
      ESCAPED_BYTE.lastIndex = i;
      const m = ESCAPED_BYTE.exec(text);
      if (!m || m[1] === undefined) throw new Error(`bad escape at offset ${i} in ${JSON.stringify(text)}: expected \\xNN`);
      out.push(parseInt(m[1], 16));
      i += 4;
      continue;
    }
    const code = text.charCodeAt(i);
    // ':' separates fields in a registration line, so it can never be a literal magic byte.
    if (code < 0x21 || code > 0x7e || text[i] === ":") {
      throw new Error(`character ${JSON.stringify(text[i])} at offset ${i} must be written as \\xNN`);
    }
    out.push(code);
    i += 1;
  }
  return Uint8Array.from(out);
}

export function escapeBytes(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += `\\x${b.toString(16).padStart(2, "0")}`;
  return s;
}

/** Canonical `\xNN` spelling of an escaped byte string (e.g. `\x7fELF` -> `\x7f\x45\x4c\x46`). */
export function canonicalEscape(text: string): string {
  return escapeBytes(parseEscapedBytes(text));
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`not a hex byte string: ${JSON.stringify(hex)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}
