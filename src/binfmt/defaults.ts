import { MaskPolicy } from "./mask-policy";
import { SkipPolicy } from "./skip-policy";

/**
 * The binfmt core's defaults, written once. The component's table (src/host/config.ts `DEFAULTS`), the
 * `rules` CLI and `buildRule` read them from here; the argument table of docs/arguments.md is checked against the
 * component's table by a unit test.
 * - flags "F": open the interpreter at registration, so emulation works inside containers and chroots
 *   (as the "Jetson Containers" article registers it).
 * - interpreterDir "/usr/bin": where Debian and Ubuntu install QEMU's user-mode emulators.
 * - staticInterpreterSuffix "-static": the name suffix of `qemu-user-static`'s emulators
 *   (/usr/bin/qemu-<cpu>-static, Debian ≤ 12 / Ubuntu ≤ 24.10); used when no host facts say otherwise.
 */
export const RULE_DEFAULTS = Object.freeze({
  flags: "F",
  maskPolicy: MaskPolicy.IgnoreAbiVersion,
  skipPolicy: SkipPolicy.Family,
  interpreterDir: "/usr/bin",
  staticInterpreterSuffix: "-static",
} as const);
