export const PROGRAM = "pulumi-qemu-binfmt";

export const USAGE = `Usage:
  ${PROGRAM} rules [options] TARGET...   print the binfmt.d line each TARGET would get
  ${PROGRAM} rules --list [--json]       print the catalogue of targets and the names they answer to

TARGET: a QEMU target (aarch64, arm, riscv64, ...), a \`uname -m\` name (armv7l), a Docker platform
(linux/arm64, linux/arm/v7), an image namespace (arm64v8, arm32v7) or an alias (arm64, armhf, amd64).

Options for rules:
  --mask ignore-abi-version|qemu
                            ignore-abi-version (default): ignore the e_ident bytes after EI_OSABI
                            (8..15), as the "Jetson Containers" article does; qemu: QEMU's exact masks
  --flags LETTERS           binfmt flags from P, O, C, F (default F; C implies O)
  --interpreter-dir DIR     directory of the emulators (default /usr/bin)
  --interpreter-suffix SFX  appended to qemu-<cpu> (default by distribution, as the component decides:
                            "-static" on Debian <= 12 / Ubuntu <= 24.10 and unknown ones, "" on
                            Debian >= 13 / Ubuntu >= 25.04)
  --interpreter PATH        the full interpreter path instead (one TARGET only)
  --target-interpreter TARGET=PATH
                            the full interpreter path for one target (repeatable), e.g.
                            aarch64=/usr/libexec/qemu-binfmt/aarch64-binfmt-P
  --interpreter-image NAME@sha256:HEX
                            the interpreters come from this image (installSource "image"): each rule
                            names /var/lib/pulumi-qemu-binfmt/qemu/HEX/qemu-<cpu>; a tag alone is refused
  --host-arch MACHINE       the host's \`uname -m\` (default: the facts' machine, else this machine's)
  --distribution ID[:VER]   the host's os-release ID and VERSION_ID, e.g. debian:13, ubuntu:24.04
  --kernel RELEASE          the host's \`uname -r\`: refuse flags it cannot honour (F < 4.8; P < 5.12
                            unless the interpreter is a Debian "-binfmt-P" link)
  --facts FILE.json         the host facts the component would see (its \`facts\` output) instead of
                            --distribution and --kernel
  --skip family|exact-native
                            skip the host's whole family (default, as QEMU does) or only its exact target
  --json                    machine-readable output
  -h, --help                this help

Values may start with "-" (--interpreter-suffix -static). Exit status: 0 done (also when every target
is native: "nothing to do"), 2 invalid input or a flag the kernel cannot honour, 1 other failure.
`;
