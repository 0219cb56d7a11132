/**
 * Drift: how a host differs from what the program declares, per unit the component converges (the
 * packages, and each registered target), as sentences naming the field, what was expected and what is
 * there. Pure: computed from the plan and the observation of the same run.
 *
 * An empty list means the unit is converged. The Pulumi layer turns a non-empty list into a new repair
 * token in that unit's command (./units.ts), so `pulumi preview` shows it and `pulumi up` repairs exactly it.
 */
import { diffEntry, parseProcEntry, entriesOverlap } from "../binfmt";
import { HostObservation } from "./observation";
import { HostPlan, RulePlan } from "./plan";
import { OWNER_PREFIX } from "./scripts/rule";
import { VERSIONED_PACKAGES } from "./scripts/packages";
import { satisfies } from "./version";

export interface TargetDrift {
  /** Sentences, e.g. `binfmt_misc entry qemu-aarch64: flags (expected "F", actual "POC")`; [] when converged. */
  readonly reasons: readonly string[];
  /** Something of this target is on the host already (our file or our entry): drift, not a first install. */
  readonly present: boolean;
}

export interface HostDrift {
  /** Per registered target (QEMU name). Skipped targets have no entry. */
  readonly targets: Readonly<Record<string, TargetDrift>>;
  /** Planned packages that are not installed. */
  readonly packages: readonly string[];
  /** The image install source: its interpreter files that are missing, as sentences. */
  readonly install: readonly string[];
}

function targetDrift(rule: RulePlan, obs: HostObservation, marker: string): TargetDrift {
  const reasons: string[] = [];
  let registeredAsRendered = false;
  const name = rule.rule.name;
  const entry = obs.entries.find((e) => e.name === name);
  if (!obs.binfmt.mounted) reasons.push("binfmt_misc is not mounted at /proc/sys/fs/binfmt_misc");
  else if (obs.binfmt.status === "disabled") {
    reasons.push("binfmt_misc is switched off for the whole host (/proc/sys/fs/binfmt_misc/status says disabled; not ours to change: echo 1 > it)");
  } else if (entry === undefined) reasons.push(`binfmt_misc entry ${name} is not registered`);
  else {
    try {
      const diffs = diffEntry(rule.rule, parseProcEntry(entry.text));
      registeredAsRendered = diffs.length === 0;
      for (const d of diffs) reasons.push(`binfmt_misc entry ${name}: ${d.field} (expected ${JSON.stringify(d.expected)}, actual ${JSON.stringify(d.actual)})`);
    } catch (e) {
      reasons.push(`binfmt_misc entry ${name} is not a magic entry: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  // Other enabled entries that match the same files: the kernel uses whichever comes first.
  for (const other of obs.entries) {
    if (other.name === name) continue;
    let parsed;
    try {
      parsed = parseProcEntry(other.text);
    } catch {
      continue; // an extension (E) entry, or one this parser does not know: it cannot match by magic
    }
    if (!parsed.enabled || parsed.magic === "") continue;
    if (entriesOverlap(rule.rule, { offset: parsed.offset, magic: parsed.magic, mask: parsed.mask ?? "" })) {
      reasons.push(`conflict: enabled binfmt_misc entry ${other.name} (interpreter ${parsed.interpreter}) matches the same binaries as ${name}`);
    }
  }
  const file = obs.files.find((f) => f.path === rule.script.file);
  const ours = file !== undefined && file.state === "file" && file.text.split("\n")[0] === marker;
  if (file === undefined || file.state === "missing") reasons.push(`${rule.script.file} is missing: ${name} would not come back at the next boot`);
  else if (!ours) reasons.push(`${rule.script.file} exists but was not written by pulumi-qemu-binfmt (${file.state})`);
  else if (otherOwner(file.text, rule.script.owner)) {
    reasons.push(`conflict: ${rule.script.file} is managed by another stack (${otherOwner(file.text, rule.script.owner)}); up refuses to take it over`);
  } else if (file.text !== rule.script.content) reasons.push(`${rule.script.file} differs from the rendered rule`);
  const interp = obs.elfs.find((e) => e.path === rule.rule.interpreter);
  if (interp !== undefined && !interp.exists) reasons.push(`interpreter ${rule.rule.interpreter} is missing`);
  else if (interp !== undefined && rule.script.requireStatic && interp.linking !== "static") {
    reasons.push(`interpreter ${rule.rule.interpreter} is ${interp.linking}, flag F needs a static one`);
  } else if (
    // Flag F: the kernel opened the interpreter at registration and keeps running THAT file; a package upgrade
    // renames a new file over the path (a new inode, ctime now), which the entry does not see until it is
    // registered again. Seconds on both sides: a file replaced in the second of its registration is not drift.
    interp !== undefined &&
    registeredAsRendered &&
    rule.rule.flags.includes("F") &&
    entry?.registered !== undefined &&
    interp.changed > entry.registered
  ) {
    reasons.push(
      `binfmt_misc entry ${name} runs an older ${rule.rule.interpreter}: the file changed at ${isoSeconds(interp.changed)}, after the entry was registered at ${isoSeconds(entry.registered)} (a package upgrade?), and with flag F the kernel keeps the file it opened then`,
    );
  }
  const present = ours || (entry !== undefined && entry.text.includes(`interpreter ${rule.rule.interpreter}`));
  return { reasons, present };
}

/** Seconds since the epoch as UTC, e.g. "2026-11-29T23:43:36Z". */
function isoSeconds(s: number): string {
  return new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The owner a file of ours records when it is not OWNER (see ownerRecord); "" otherwise. */
function otherOwner(text: string, owner: string | undefined): string {
  const recorded =
    text
      .split("\n")
      .find((l) => l.startsWith(OWNER_PREFIX))
      ?.slice(OWNER_PREFIX.length) ?? "";
  return recorded !== "" && owner !== undefined && owner !== "" && recorded !== owner ? recorded : "";
}

/** Drift of every registered target and of the packages. */
export function hostDrift(plan: HostPlan, obs: HostObservation, marker: string): HostDrift {
  const targets: Record<string, TargetDrift> = {};
  for (const r of plan.rules) if (r.skipped === undefined) targets[r.target.name] = targetDrift(r, obs, marker);
  // A QEMU package under packageVersion counts as installed only in a version that satisfies it.
  const c = plan.versionConstraint;
  const packages = plan.packages.filter((name) => {
    const o = obs.packages.find((x) => x.name === name);
    if (o?.status !== "installed") return true;
    return c !== undefined && VERSIONED_PACKAGES.test(name) && !satisfies(o.installed, c);
  });
  const install = (plan.image?.binaries ?? [])
    .map((b) => `${plan.image?.dir ?? ""}/${b}`)
    .filter((path) => obs.elfs.find((e) => e.path === path)?.exists === false)
    .map((path) => `interpreter ${path} from ${plan.image?.image.reference ?? ""} is missing`);
  return { targets, packages, install };
}
