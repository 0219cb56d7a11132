/**
 * Reading an upgrade's plan: which engine steps replace or delete a resource a stack already has, and the one
 * replacement an upgrade may plan (the acceptance check re-running for its triggers). Used by
 * test/integration/upgrade.test.ts; test/unit/upgrade-steps.test.ts proves the rules on crafted steps.
 */

/** Engine step kinds that would replace or delete a resource the stack already has. */
export const DESTRUCTIVE_OPS = new Set(["replace", "create-replacement", "delete-replaced", "delete", "discard", "discard-replaced", "read-replacement", "remove-pending-replace"]);

/** A step the engine announced (resourcePreEvent), with what caused it. */
export interface PlannedStep {
  readonly op: string;
  readonly urn: string;
  /** Properties whose change forces the replacement (the engine's replaceKeys). */
  readonly keys: readonly string[];
  /** Properties that differ. */
  readonly diffs: readonly string[];
}

/** The steps of one create-before-delete replacement. */
export const REPLACEMENT_OPS = new Set(["create-replacement", "replace", "delete-replaced"]);

/**
 * URNs whose replacement is the acceptance check running again, the one replacement an upgrade may plan: the
 * host's `<name>-check` (a remote.Command) re-runs when its `triggers` change, and since 0.1.0 they carry the
 * install step's script digest (a new QEMU is checked again, a656732), so a release that changes the install
 * script replaces it once. Allowed only when every step of the URN is part of a replacement, the only key that
 * forces it is `triggers`, and the state shows the command has no `delete` (so its replacement runs nothing on the
 * host: the new check runs, the old one leaves the state).
 */
export function checkReruns(steps: readonly PlannedStep[], withoutDelete: ReadonlySet<string>): Set<string> {
  const byUrn = new Map<string, PlannedStep[]>();
  for (const x of steps) if (DESTRUCTIVE_OPS.has(x.op)) byUrn.set(x.urn, [...(byUrn.get(x.urn) ?? []), x]);
  const allowed = new Set<string>();
  for (const [urn, xs] of byUrn) {
    const replace = xs.find((x) => x.op === "replace");
    const isCheck = urn.includes("$command:remote:Command::") && urn.endsWith("-check");
    if (isCheck && withoutDelete.has(urn) && xs.every((x) => REPLACEMENT_OPS.has(x.op)) && replace !== undefined && forcedByTriggers(replace)) allowed.add(urn);
  }
  return allowed;
}

/**
 * Whether `triggers` alone forces the replacement: the keys the engine reports, or, when the provider reports none
 * (the toolchain's stand-in command provider), the changed properties, where only `triggers` forces a remote.Command's
 * replacement (its other inputs update in place).
 */
export function forcedByTriggers(x: PlannedStep): boolean {
  return x.keys.length > 0 ? x.keys.every((k) => k === "triggers") : x.diffs.includes("triggers");
}

/** Every step that replaces or deletes an existing resource: "<op> <urn> (replaced for: keys; changed: diffs)". */
export function destructiveSteps(steps: readonly PlannedStep[], allowed: ReadonlySet<string> = new Set()): string[] {
  const cause = (x: PlannedStep): string =>
    x.keys.length + x.diffs.length === 0 ? "" : ` (${x.keys.length > 0 ? `replaced for: ${x.keys.join(", ")}; ` : ""}changed: ${x.diffs.join(", ") || "-"})`;
  return [...new Set(steps.filter((x) => DESTRUCTIVE_OPS.has(x.op) && !allowed.has(x.urn)).map((x) => `${x.op} ${x.urn}${cause(x)}`))];
}
