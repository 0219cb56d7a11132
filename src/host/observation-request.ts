/**
 * What the observation script (./scripts/observe.sh) is asked to look at, known before anything is read
 * from the host, and its variables. Pure.
 */
import { probeElf } from "../binfmt";
import { HostConfig, ruleFilePath } from "./config";
import { interpreterCandidates } from "./interpreter";
import { FRESH_LISTS_TIMEOUT_SECONDS } from "./fresh-lists";

export { interpreterCandidates };

/** What the observation script is asked to look at (its variables). */
export interface ObservationRequest {
  readonly files: readonly string[];
  readonly elfs: readonly string[];
  readonly packages: readonly string[];
  /** Target name → probe bytes. */
  readonly probes: readonly { readonly target: string; readonly bytes: Uint8Array }[];
  readonly configDir: string;
}

/** Packages whose state decides the interpreter layout (Debian packaging; see ./evidence.ts). */
export const QEMU_PACKAGES = ["qemu-user", "qemu-user-static", "qemu-user-binfmt", "binfmt-support"] as const;

/**
 * The request for a host's configuration: known before anything is read from the host. UNITS_FILE, when
 * given, is read like the rule files (its text: the repair tokens, ./units.ts).
 */
export function observationRequest(config: HostConfig, unitsFile?: string): ObservationRequest {
  const probes = config.targets.flatMap((t) => {
    const bytes = probeElf(t.name);
    return bytes === undefined ? [] : [{ target: t.name, bytes }];
  });
  return {
    files: [...config.targets.map((t) => ruleFilePath(config.configDir, t)), ...(unitsFile === undefined ? [] : [unitsFile])],
    elfs: [...new Set(config.targets.flatMap((t) => interpreterCandidates(config, t)))],
    packages: [...new Set([...QEMU_PACKAGES, ...(config.packages ?? [])])],
    probes,
    configDir: config.configDir,
  };
}

/** The request as the script's variables. Probe bytes become `\ooo` escapes (printf's format, no `%`). */
export function observationVars(req: ObservationRequest): Record<string, string> {
  const octal = (b: Uint8Array) => [...b].map((x) => `\\${x.toString(8).padStart(3, "0")}`).join("");
  return {
    FILES: req.files.join("\n"),
    ELFS: req.elfs.join("\n"),
    PACKAGES: req.packages.join(" "),
    PROBES: req.probes.map((p) => `${p.target} ${octal(p.bytes)}`).join("\n"),
    CONFIG_DIR: req.configDir,
    FRESH_LISTS_TIMEOUT: String(FRESH_LISTS_TIMEOUT_SECONDS),
  };
}
