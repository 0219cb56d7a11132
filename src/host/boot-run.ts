/**
 * Does systemd-binfmt RUN at boot? A loaded, unmasked unit is still skipped at every boot when one of its
 * conditions fails: Ubuntu on WSL2 shipped a drop-in with `ConditionVirtualization=!wsl`, so the unit was
 * "loaded" and "static" while systemd skipped it at each boot (systemd.unit(5): a failed condition skips
 * the unit, it is not an error). What the observation reads (./scripts/observe.sh, the boot record's `run`)
 * and the decision taken from it (./evidence.ts persistenceDecision). Pure.
 */
import { z } from "zod";

export const bootRunSchema = z.object({
  /** ConditionResult at this boot: "yes", "no" ("no" also before the first check). */
  conditionResult: z.string(),
  /** ConditionTimestampMonotonic: when the conditions were checked at this boot (µs since boot); 0: not at this boot. */
  conditionChecked: z.number().int().nonnegative(),
  /** Result of the last run, e.g. "success". */
  result: z.string(),
  /** FragmentPath and DropInPaths, space separated. */
  files: z.string(),
  /** `systemctl status`'s "ConditionX=… was not met" (or "none of the trigger conditions were met") of this boot; "". */
  notMet: z.string(),
  /**
   * The unit's conditions as `systemctl show` prints them ("ConditionX=[|][!]VALUE"), each evaluated NOW by
   * `systemd-analyze condition` ("yes"/"no"; "" where it cannot say: systemd < 243), with the unit file or
   * drop-in that has the line ("" unknown).
   */
  conditions: z.array(z.object({ text: z.string(), met: z.enum(["yes", "no", ""]), source: z.string() })),
});
export type BootRun = z.infer<typeof bootRunSchema>;

const TRIGGER = /^[A-Za-z]+=\|/;

/**
 * Whether a condition holds once the rules' binfmt.d file is in configDir, whatever it said before:
 * systemd-binfmt's own `ConditionDirectoryNotEmpty=|DIR` lines (or a PathExists of the directory).
 */
function satisfiedByOurFile(text: string, configDir: string): boolean {
  const m = /^Condition(DirectoryNotEmpty|PathExists|PathIsDirectory)=\|?(.*)$/.exec(text);
  return m !== null && m[2]!.replace(/\/+$/, "") === configDir.replace(/\/+$/, "");
}

const where = (source: string) => (source === "" ? "" : ` (set in ${source})`);

/**
 * Why systemd-binfmt will not run at the next boot although it is loaded and not masked, or undefined
 * when it will (or nothing says otherwise). Decided from, in order:
 * 1. each condition evaluated now: a non-trigger condition that fails (and that our file in configDir
 *    does not fix) skips the unit at every boot; trigger conditions ("|") skip it when none holds;
 * 2. where nothing could be evaluated (systemd < 243): this boot's check, when it failed on a condition
 *    other than the trigger directories (systemctl status names it).
 */
export function bootSkipReason(run: BootRun | undefined, configDir: string): string | undefined {
  if (run === undefined) return undefined;
  const fails = run.conditions.find((c) => !TRIGGER.test(c.text) && c.met === "no" && !satisfiedByOurFile(c.text, configDir));
  if (fails !== undefined) {
    return `systemd-binfmt.service is skipped at every boot: its condition ${fails.text} is not met on this host${where(fails.source)}, so nothing applies binfmt.d files at boot`;
  }
  const triggers = run.conditions.filter((c) => TRIGGER.test(c.text));
  if (triggers.length > 0 && !triggers.some((c) => c.met !== "no" || satisfiedByOurFile(c.text, configDir))) {
    return `systemd-binfmt.service is skipped at every boot: none of its trigger conditions (${triggers.map((c) => c.text).join(", ")}) is met on this host, and ${configDir} is not one of them`;
  }
  const evaluated = run.conditions.some((c) => c.met !== "");
  if (!evaluated && run.conditionChecked > 0 && run.conditionResult === "no" && /^Condition/.test(run.notMet)) {
    const text = run.notMet.replace(/ was not met$/, "");
    if (!satisfiedByOurFile(text, configDir)) {
      const source = run.conditions.find((c) => c.text === text)?.source ?? "";
      return `systemd-binfmt.service was skipped at this boot: its condition ${text} was not met${where(source)}, so nothing applies binfmt.d files at boot`;
    }
  }
  return undefined;
}
