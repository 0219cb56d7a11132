/**
 * Fresh apt lists read privately by the observation (./scripts/observe.sh, "fresh apt lists"): when the
 * host has no apt lists and no QEMU package installed, the host's own sources are read into a temporary directory
 * (the host's lists, caches and locks untouched), so the interpreter layout and package set come from what
 * the repositories offer instead of a name table. Pure: the records and how they join the observation.
 */
import { z } from "zod";

/**
 * Seconds the private `apt-get update` may take: well inside the observation's own 120 s (src/component/
 * observe.ts); a slower mirror leaves the decision to the name table, which the reason then says.
 */
export const FRESH_LISTS_TIMEOUT_SECONDS = 60;

/** What the private update gave: "updated", "failed" (with apt's first error) or "unavailable" (and why). */
export interface ObservedFreshLists {
  readonly result: "updated" | "failed" | "unavailable";
  readonly detail: string;
}

export const freshListsRecord = z.object({ kind: z.literal("freshLists"), result: z.enum(["updated", "failed", "unavailable"]), detail: z.string() });

/**
 * The packages as the fresh lists show them: each replaces the record of the same name (installed fields
 * are dpkg's, the same in both), and a name only the fresh lists know is added.
 */
export function withFreshPackages<P extends { readonly name: string }>(packages: readonly P[], fresh: readonly P[]): P[] {
  const out = packages.map((p) => fresh.find((f) => f.name === p.name) ?? p);
  return [...out, ...fresh.filter((f) => !packages.some((p) => p.name === f.name))];
}
