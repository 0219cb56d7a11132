/**
 * Which interpreter a target's rule names on a host: the one function the component's plan and the
 * `rules` CLI share, so "what would it write?" shows the path the component writes. Pure.
 */
import { RULE_DEFAULTS, TargetInfo, interpreterPath } from "../binfmt";
import { InterpreterLayout } from "./enums";
import { HostConfig } from "./config";
import { binfmtPLink } from "./kernel";

/** What decides the interpreter, besides the host: the arguments interpreters, interpreterDir, interpreterSuffix. */
export interface InterpreterChoice {
  /** Full path per target (QEMU name), e.g. { aarch64: "/usr/libexec/qemu-binfmt/aarch64-binfmt-P" }. */
  readonly interpreters?: Readonly<Record<string, string>>;
  /** @default DEFAULTS.interpreterDir ("/usr/bin") */
  readonly interpreterDir?: string;
  /** @default by the host's layout: see suffixForLayout */
  readonly interpreterSuffix?: string;
}

/**
 * The suffix of the emulators a layout ships: "-static" for qemu-user-static's /usr/bin/qemu-<cpu>-static
 * (Debian ≤ 12, Ubuntu ≤ 24.10), "" for qemu-user's static-pie /usr/bin/qemu-<cpu> (Debian ≥ 13, Ubuntu ≥
 * 25.04). The component decides the layout from evidence read on the host (./evidence.ts layoutDecision);
 * the `rules` CLI, which reads no host, from the distribution (./facts.ts interpreterLayout).
 */
export function suffixForLayout(layout: InterpreterLayout): string {
  return layout === InterpreterLayout.Plain ? "" : RULE_DEFAULTS.staticInterpreterSuffix;
}

/** The interpreter path for `target` on a host whose static emulators follow `layout`. */
export function interpreterFor(target: TargetInfo, choice: InterpreterChoice, layout: InterpreterLayout): string {
  const explicit = choice.interpreters?.[target.name];
  if (explicit !== undefined) return explicit;
  const suffix = choice.interpreterSuffix ?? suffixForLayout(layout);
  return interpreterPath(target, choice.interpreterDir ?? RULE_DEFAULTS.interpreterDir, suffix);
}

/**
 * Paths where a target's interpreter may be (the observation reads each): the configured one, or both
 * Debian layouts; with flag P also Debian's "-binfmt-P" link, which the plan offers on kernels < 5.12 only
 * where the host has it (./capability.ts).
 */
export function interpreterCandidates(config: HostConfig, target: TargetInfo): string[] {
  const link = config.flags.includes("P") ? [binfmtPLink(target)] : [];
  const explicit = config.interpreters[target.name];
  if (explicit !== undefined) return [explicit, ...link.filter((l) => l !== explicit)];
  const dir = config.interpreterDir ?? "/usr/bin";
  if (config.interpreterSuffix !== undefined) return [`${dir}/${target.qemuBinary}${config.interpreterSuffix}`, ...link];
  return [`${dir}/${target.qemuBinary}`, `${dir}/${target.qemuBinary}-static`, ...link];
}
