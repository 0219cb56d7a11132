import { CATALOGUE, TARGET_NAMES, TargetInfo, findTarget } from "./catalogue";
import { nearestFirst } from "./edit-distance";
import { BinfmtInputError, quote } from "./errors";

/**
 * Every name a user may pass for a target, and which target(s) it means.
 *
 * Lookup is case-insensitive and goes through tiers; the first tier that knows a name decides, so a
 * QEMU name always means itself ("mips64" is the target mips64, although mips64el, mipsn32 and
 * mipsn32el also print "mips64" under `uname -m`). A name that one tier maps to several targets is
 * ambiguous and rejected with the candidates.
 */
export type NameKind = "qemu" | "alias" | "docker-platform" | "image-namespace" | "uname";

/** Common spellings from distributions, Go/Docker and habit. "riscv" is deliberately ambiguous. */
// prettier-ignore
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  "amd64": ["x86_64"], "x86-64": ["x86_64"], "x64": ["x86_64"],
  "i686": ["i386"], "i586": ["i386"], "386": ["i386"], "x86": ["i386"],
  "arm64": ["aarch64"], "armv8": ["aarch64"],
  "armhf": ["arm"], "armel": ["arm"], "arm32": ["arm"], "armv7": ["arm"], "armv6": ["arm"], "armv5": ["arm"],
  "armv6l": ["arm"], "armv5tel": ["arm"],
  // What a 64-bit ARM CPU reports to a 32-bit kernel or an AArch32 personality (`linux32 uname -m`).
  "armv8l": ["arm"],
  "powerpc": ["ppc"], "powerpc64": ["ppc64"], "ppc64el": ["ppc64le"], "powerpc64le": ["ppc64le"],
  "mipsle": ["mipsel"], "mips64le": ["mips64el"],
  "loong64": ["loongarch64"],
  "riscv": ["riscv32", "riscv64"],
};

/**
 * Names users try that are not QEMU linux-user targets, with why; resolveTarget says this instead of
 * suggesting the nearest spelling ("x32" is one edit from "x64", which means x86_64: a wrong hint).
 */
const NOT_TARGETS: Readonly<Record<string, string>> = {
  x32: "x32 is not a QEMU linux-user target: it is an ABI of x86_64 (32-bit pointers, 64-bit instructions) that x86_64 kernels built with CONFIG_X86_X32_ABI run natively; there is nothing to register",
};

export interface NameEntry {
  readonly kind: NameKind;
  /** QEMU target names this name stands for; more than one means ambiguous. */
  readonly targets: readonly string[];
}

function buildIndex(): ReadonlyMap<string, NameEntry> {
  const index = new Map<string, NameEntry>();
  const tier = (kind: NameKind, pairs: Iterable<readonly [string, string]>): void => {
    const found = new Map<string, string[]>();
    for (const [name, target] of pairs) {
      const key = name.toLowerCase();
      if (index.has(key)) continue; // an earlier tier decides
      const list = found.get(key) ?? [];
      if (!list.includes(target)) list.push(target);
      found.set(key, list);
    }
    for (const [key, targets] of found) index.set(key, { kind, targets });
  };
  tier(
    "qemu",
    CATALOGUE.map((t) => [t.name, t.name] as const),
  );
  tier(
    "alias",
    Object.entries(ALIASES).flatMap(([a, ts]) => ts.map((t) => [a, t] as const)),
  );
  tier(
    "docker-platform",
    CATALOGUE.flatMap((t) => t.dockerPlatforms.flatMap((p) => [[p, t.name] as const, [p.replace(/^linux\//, ""), t.name] as const])),
  );
  tier(
    "image-namespace",
    CATALOGUE.flatMap((t) => t.imageNamespaces.map((n) => [n, t.name] as const)),
  );
  tier(
    "uname",
    CATALOGUE.map((t) => [t.unameMachine, t.name] as const),
  );
  return index;
}

export const NAME_INDEX: ReadonlyMap<string, NameEntry> = buildIndex();

/** Every accepted name (lower case), QEMU names first. */
export const ACCEPTED_NAMES: readonly string[] = Object.freeze([...NAME_INDEX.keys()]);

/**
 * Resolve any accepted name to its catalogue entry. Throws BinfmtInputError naming `field` when the
 * name is unknown (choices: the QEMU target names, nearest first) or ambiguous (choices: the candidates).
 */
export function resolveTarget(name: string, field = "target"): TargetInfo {
  if (typeof name !== "string" || name.length === 0) {
    throw new BinfmtInputError(field, name, `expected a target name, got ${quote(name)}; valid targets: ${TARGET_NAMES.join(", ")}`, TARGET_NAMES);
  }
  const entry = NAME_INDEX.get(name.toLowerCase());
  const notATarget = NOT_TARGETS[name.toLowerCase()];
  if (entry === undefined && notATarget !== undefined) {
    throw new BinfmtInputError(field, name, `${quote(name)}: ${notATarget}; valid targets: ${TARGET_NAMES.join(", ")}`, TARGET_NAMES);
  }
  if (entry === undefined) {
    const targets = nearestFirst(name, TARGET_NAMES);
    const nearestName = nearestFirst(name, ACCEPTED_NAMES)[0];
    const hint = nearestName !== undefined && !TARGET_NAMES.includes(nearestName) ? ` (did you mean ${quote(nearestName)}?)` : "";
    throw new BinfmtInputError(
      field,
      name,
      `unknown target ${quote(name)}${hint}; valid targets, nearest first: ${targets.join(", ")}` +
        ` — uname -m names, Docker platforms (linux/arm64), image namespaces (arm64v8) and aliases (arm64, armhf, amd64) work too; \`pulumi-qemu-binfmt rules --list\` shows them all`,
      targets,
    );
  }
  if (entry.targets.length > 1) {
    throw new BinfmtInputError(field, name, `ambiguous target ${quote(name)}: it may mean ${entry.targets.join(" or ")}; name one of them`, entry.targets);
  }
  const target = findTarget(entry.targets[0] ?? "");
  if (target === undefined) throw new Error(`catalogue index is inconsistent for ${quote(name)}`);
  return target;
}

/** All names that resolve to `target` (its QEMU name first), for listings and docs. */
export function namesOf(target: TargetInfo | string): string[] {
  const name = typeof target === "string" ? target : target.name;
  return [...NAME_INDEX.entries()].filter(([, e]) => e.targets.length === 1 && e.targets[0] === name).map(([n]) => n);
}
