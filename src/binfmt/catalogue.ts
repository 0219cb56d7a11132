/**
 * The catalogue: every linux-user target that QEMU's scripts/qemu-binfmt-conf.sh registers, in that
 * script's order, as ONE flat table. Magic, mask and family are QEMU's data values (its `\x7fELF` is
 * spelled `\x7f\x45\x4c\x46` so every byte has one canonical form); the other columns say how users and
 * tools name the target.
 *
 * Columns:
 * - family        QEMU's family: the script never registers a target of the host's own family.
 * - qemuBinary    the emulator; i486 is run by qemu-i386, as in QEMU's script.
 * - unameMachine  what `uname -m` prints under the emulator (QEMU's cpu_to_uname_machine / UNAME_MACHINE,
 *                 with the default CPU model: qemu-arm says armv7l for armel and armhf binaries alike;
 *                 qemu-i386 says i686; sparc32plus says sparc64 since QEMU 6.1).
 * - dockerPlatforms / imageNamespaces  where Docker has them (GOARCH-based platform names; the official
 *                 image namespaces arm64v8, arm32v7, ...).
 * - debianArch    the Debian architecture (including Debian Ports) whose binaries the target runs.
 *
 * Where Debian's packaging (qemu-user-static 7.2 in bookworm, /usr/lib/binfmt.d/qemu-*.conf) differs from
 * QEMU's script, this is what we decided:
 * - microblaze: QEMU's entry is wrong (see the row); we take Debian's correction.
 * - EI_OSABI (byte 7): Debian masks it with \xfc for ppc, ppc64, ppc64le, s390x, sh4, sh4eb and sparc*;
 *   QEMU with \x00. We keep QEMU's \x00 — Linux ignores EI_OSABI, and the "Jetson Containers" article's rules ignore it too.
 * - mips family: Debian masks EI_ABIVERSION (byte 8) with \xfe and does not check e_version; QEMU ignores
 *   byte 8 and requires e_version = 1 (bytes 20..23 of o32/n32). Every real executable has e_version 1, so
 *   both match the same binaries; we keep QEMU's.
 * - alpha: Debian checks EI_DATA/EI_VERSION fully (\xff), QEMU with \xfe like the x86 entries. Same
 *   binaries match (both are 1); we keep QEMU's.
 * - Debian also ships cris (gone from QEMU's list) and no rule for aarch64_be, or1k, microblazeel or the
 *   host's own family; we follow QEMU's list. Debian's interpreter is /usr/libexec/qemu-binfmt/<cpu>-binfmt-P
 *   with flags POF (bookworm) — our default follows the article: /usr/bin/qemu-<cpu>-static with F.
 */

/** One emulation target. */
export interface TargetInfo {
  /** QEMU target name, e.g. "aarch64"; the binfmt entry is `qemu-<name>`. */
  readonly name: string;
  /** QEMU's family, e.g. "arm" for arm and aarch64, "i386" for i386, i486 and x86_64. */
  readonly family: string;
  /** Magic bytes, `\xNN`-escaped exactly as in a binfmt registration line. */
  readonly magic: string;
  /** QEMU's exact mask, same escaping. */
  readonly mask: string;
  /** Emulator binary name without directory or suffix, e.g. "qemu-aarch64". */
  readonly qemuBinary: string;
  /** What `uname -m` prints under emulation, e.g. "aarch64", "armv7l". */
  readonly unameMachine: string;
  /** Docker platforms this target runs, e.g. ["linux/arm64", "linux/arm64/v8"]; [] if none. */
  readonly dockerPlatforms: readonly string[];
  /** Official Docker image namespaces, e.g. ["arm64v8"]; [] if none. */
  readonly imageNamespaces: readonly string[];
  /** Debian architecture whose binaries this target runs, e.g. "arm64", "armhf". */
  readonly debianArch?: string;
}

// prettier-ignore
const TABLE: readonly TargetInfo[] = [
  { name: "i386", family: "i386", qemuBinary: "qemu-i386", unameMachine: "i686", debianArch: "i386",
    dockerPlatforms: ["linux/386"], imageNamespaces: ["i386"],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x03\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
  { name: "i486", family: "i386", qemuBinary: "qemu-i386", unameMachine: "i686",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x06\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
  { name: "x86_64", family: "i386", qemuBinary: "qemu-x86_64", unameMachine: "x86_64", debianArch: "amd64",
    dockerPlatforms: ["linux/amd64", "linux/amd64/v2", "linux/amd64/v3"], imageNamespaces: ["amd64"],
    magic: "\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x3e\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
  { name: "alpha", family: "alpha", qemuBinary: "qemu-alpha", unameMachine: "alpha", debianArch: "alpha",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x26\\x90",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
  { name: "arm", family: "arm", qemuBinary: "qemu-arm", unameMachine: "armv7l", debianArch: "armhf",
    dockerPlatforms: ["linux/arm", "linux/arm/v7", "linux/arm/v6", "linux/arm/v5"], imageNamespaces: ["arm32v7", "arm32v6", "arm32v5"],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
  { name: "armeb", family: "armeb", qemuBinary: "qemu-armeb", unameMachine: "armv7b",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x28",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  { name: "sparc", family: "sparc", qemuBinary: "qemu-sparc", unameMachine: "sparc",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x02",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  { name: "sparc32plus", family: "sparc", qemuBinary: "qemu-sparc32plus", unameMachine: "sparc64",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x12",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  { name: "sparc64", family: "sparc", qemuBinary: "qemu-sparc64", unameMachine: "sparc64", debianArch: "sparc64",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x2b",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  { name: "ppc", family: "ppc", qemuBinary: "qemu-ppc", unameMachine: "ppc", debianArch: "powerpc",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x14",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  { name: "ppc64", family: "ppc", qemuBinary: "qemu-ppc64", unameMachine: "ppc64", debianArch: "ppc64",
    dockerPlatforms: ["linux/ppc64"], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x15",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  { name: "ppc64le", family: "ppcle", qemuBinary: "qemu-ppc64le", unameMachine: "ppc64le", debianArch: "ppc64el",
    dockerPlatforms: ["linux/ppc64le"], imageNamespaces: ["ppc64le"],
    magic: "\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x15\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\x00" },
  { name: "m68k", family: "m68k", qemuBinary: "qemu-m68k", unameMachine: "m68k", debianArch: "m68k",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x04",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  { name: "mips", family: "mips", qemuBinary: "qemu-mips", unameMachine: "mips",
    dockerPlatforms: ["linux/mips"], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20" },
  { name: "mipsel", family: "mips", qemuBinary: "qemu-mipsel", unameMachine: "mips", debianArch: "mipsel",
    dockerPlatforms: ["linux/mipsle"], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20\\x00\\x00\\x00" },
  { name: "mipsn32", family: "mips", qemuBinary: "qemu-mipsn32", unameMachine: "mips64",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20" },
  { name: "mipsn32el", family: "mips", qemuBinary: "qemu-mipsn32el", unameMachine: "mips64",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20\\x00\\x00\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x20\\x00\\x00\\x00" },
  { name: "mips64", family: "mips", qemuBinary: "qemu-mips64", unameMachine: "mips64",
    dockerPlatforms: ["linux/mips64"], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  { name: "mips64el", family: "mips", qemuBinary: "qemu-mips64el", unameMachine: "mips64", debianArch: "mips64el",
    dockerPlatforms: ["linux/mips64le"], imageNamespaces: ["mips64le"],
    magic: "\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x08\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
  { name: "sh4", family: "sh4", qemuBinary: "qemu-sh4", unameMachine: "sh4", debianArch: "sh4",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x2a\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
  { name: "sh4eb", family: "sh4", qemuBinary: "qemu-sh4eb", unameMachine: "sh4",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x2a",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  { name: "s390x", family: "s390x", qemuBinary: "qemu-s390x", unameMachine: "s390x", debianArch: "s390x",
    dockerPlatforms: ["linux/s390x"], imageNamespaces: ["s390x"],
    magic: "\\x7f\\x45\\x4c\\x46\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x16",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  { name: "aarch64", family: "arm", qemuBinary: "qemu-aarch64", unameMachine: "aarch64", debianArch: "arm64",
    dockerPlatforms: ["linux/arm64", "linux/arm64/v8"], imageNamespaces: ["arm64v8"],
    magic: "\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
  { name: "aarch64_be", family: "armeb", qemuBinary: "qemu-aarch64_be", unameMachine: "aarch64_be",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x02\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  { name: "hppa", family: "hppa", qemuBinary: "qemu-hppa", unameMachine: "parisc", debianArch: "hppa",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x0f",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  { name: "riscv32", family: "riscv32", qemuBinary: "qemu-riscv32", unameMachine: "riscv32",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xf3\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
  { name: "riscv64", family: "riscv64", qemuBinary: "qemu-riscv64", unameMachine: "riscv64", debianArch: "riscv64",
    dockerPlatforms: ["linux/riscv64"], imageNamespaces: ["riscv64"],
    magic: "\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xf3\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
  { name: "xtensa", family: "xtensa", qemuBinary: "qemu-xtensa", unameMachine: "xtensa",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x5e\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
  { name: "xtensaeb", family: "xtensaeb", qemuBinary: "qemu-xtensaeb", unameMachine: "xtensa",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x5e",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  // QEMU writes this big-endian entry's e_type little-endian ("\x02\x00"), so it can never match a real
  // big-endian executable; Debian's packaging (and we) spell it "\x00\x02" with mask "\xff\xfe".
  { name: "microblaze", family: "microblaze", qemuBinary: "qemu-microblaze", unameMachine: "microblaze",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\xba\\xab",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  { name: "microblazeel", family: "microblazeel", qemuBinary: "qemu-microblazeel", unameMachine: "microblaze",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xab\\xba",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
  { name: "or1k", family: "or1k", qemuBinary: "qemu-or1k", unameMachine: "openrisc",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x02\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x5c",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff" },
  { name: "hexagon", family: "hexagon", qemuBinary: "qemu-hexagon", unameMachine: "hexagon",
    dockerPlatforms: [], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xa4\\x00",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
  { name: "loongarch64", family: "loongarch", qemuBinary: "qemu-loongarch64", unameMachine: "loongarch64", debianArch: "loong64",
    dockerPlatforms: ["linux/loong64"], imageNamespaces: [],
    magic: "\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x02\\x01",
    mask:  "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfc\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff" },
];

export const CATALOGUE: readonly TargetInfo[] = Object.freeze(TABLE.map((t) => Object.freeze({ ...t })));

/** The QEMU target names, in catalogue order. */
export const TARGET_NAMES: readonly string[] = Object.freeze(CATALOGUE.map((t) => t.name));

/** Look a target up by its exact QEMU name (no aliases); undefined when unknown. */
export function findTarget(name: string): TargetInfo | undefined {
  return CATALOGUE.find((t) => t.name === name);
}
