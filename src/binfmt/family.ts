import { CATALOGUE, TargetInfo } from "./catalogue";
import { parseEscapedBytes } from "./bytes";

/**
 * Host side: what a machine's `uname -m` says about what it runs natively.
 *
 * familyOf follows QEMU's qemu_get_family(): the script never registers a target of the host's own
 * family, because the kernel already runs it — and because registering the host's own ELF class makes
 * the emulator (itself such an ELF) match its own rule: every exec then fails with ELOOP ("Too many
 * levels of symbolic links"; seen on the real kernel with x86_64 on an x86_64 host).
 */
// prettier-ignore
const HOST_FAMILIES: readonly (readonly [RegExp, string])[] = [
  [/^(amd64|i[3-6]86|i86pc|bepc|x86_64)$/, "i386"],
  [/^mips/, "mips"],
  [/^(ppc|ppc64|powerpc|powerpc64|power macintosh)$/, "ppc"],
  [/^(ppc64el|ppc64le|powerpc64le)$/, "ppcle"],
  [/^(arm|armel|armhf|arm64|armv[4-9].*l|aarch64)$/, "arm"],
  [/^(armeb|armv[4-9].*b|aarch64_be)$/, "armeb"],
  [/^sparc/, "sparc"],
  [/^loongarch/, "loongarch"],
  // Not in QEMU's function, which falls back to the raw `uname -m`; these hosts print a name that
  // differs from the family's, so without them QEMU's fallback would register the host's own target.
  [/^parisc/, "hppa"],
  [/^sh4/, "sh4"],
  [/^openrisc$/, "or1k"],
];

/** The host's QEMU family from its `uname -m`; undefined for machines the catalogue has no family for. */
export function familyOf(unameMachine: string): string | undefined {
  const m = unameMachine.toLowerCase();
  for (const [pattern, family] of HOST_FAMILIES) if (pattern.test(m)) return family;
  // QEMU's fallback: the machine name itself, when it is one of the catalogue's families (s390x, riscv64, ...).
  return CATALOGUE.some((t) => t.family === m) ? m : undefined;
}

/**
 * The targets a host runs natively, exactly (not the whole family): those whose emulated `uname -m`
 * equals the host's, plus the spellings the catalogue does not print (arm64, amd64, armv6l, ...).
 * `uname -m` does not tell the endianness of mips, sh4, xtensa or microblaze hosts, so both endiannesses
 * count as native there — skipping one registration is safer than registering the host's own format.
 */
// prettier-ignore
const NATIVE_SPELLINGS: readonly (readonly [RegExp, readonly string[]])[] = [
  [/^(amd64|x86_64)$/, ["x86_64"]],
  [/^(i[3-6]86|i86pc|bepc)$/, ["i386", "i486"]],
  [/^(arm64|aarch64)$/, ["aarch64"]],
  [/^(arm|armel|armhf|armv[4-9].*l)$/, ["arm"]],
  [/^(armeb|armv[4-9].*b)$/, ["armeb"]],
  [/^(ppc64el|ppc64le|powerpc64le)$/, ["ppc64le"]],
  [/^powerpc$/, ["ppc"]],
  [/^powerpc64$/, ["ppc64"]],
  [/^parisc/, ["hppa"]],
];

export function nativeTargetsOf(unameMachine: string): TargetInfo[] {
  const m = unameMachine.toLowerCase();
  const names = new Set<string>();
  for (const [pattern, targets] of NATIVE_SPELLINGS) if (pattern.test(m)) targets.forEach((t) => names.add(t));
  for (const t of CATALOGUE) if (t.unameMachine === m || t.name === m) names.add(t.name);
  return CATALOGUE.filter((t) => names.has(t.name));
}

/**
 * The word size of the running kernel from its `uname -m`: 32 or 64, undefined when the catalogue has no
 * target the host runs natively (unknown names). Derived from the catalogue, not from a list of names: a
 * kernel executes the widest ELF class among the targets it runs natively (nativeTargetsOf), so every QEMU
 * family gets the 32-bit/64-bit rule by construction, including those whose 32-bit kernel prints the
 * family's bare name ("mips", "ppc", "sparc"). A 32-bit kernel cannot execute 64-bit code, so a target of
 * the host's family with a wider ELF class is still emulated (armv7l and armv8l hosts need qemu-aarch64;
 * i686 hosts need qemu-x86_64; mips hosts need qemu-mips64). armv8l is what a 64-bit ARM CPU reports to a
 * 32-bit kernel or personality; "mips64" covers n32 (ELFCLASS32) and n64, so it is 64.
 */
export function kernelWordSize(unameMachine: string): 32 | 64 | undefined {
  const native = nativeTargetsOf(unameMachine);
  if (native.length === 0) return undefined;
  return native.some((t) => targetWordSize(t) === 64) ? 64 : 32;
}

/** ELF class of a target's executables from its magic (e_ident[EI_CLASS], byte 4: 1 = 32-bit, 2 = 64-bit). */
export function targetWordSize(target: TargetInfo): 32 | 64 {
  return parseEscapedBytes(target.magic)[4] === 2 ? 64 : 32;
}
