/**
 * Output shaping: turn the JSON that the remote scripts print (and the docker provider's container
 * results) into the component's readable outputs. Pure. The docker-provider path and the command path
 * produce the same AcceptanceReport; a failed check throws an Error naming host, target, expected and
 * actual (the command path's script fails with the same wording).
 */
import { z } from "zod";
import { ProcEntry, diffEntry, parseProcEntry } from "../binfmt";
import { AcceptanceStatus, AcceptanceVia, TargetStatus } from "./enums";
import { HostFacts } from "./facts";
import { HostPlan, RulePlan } from "./plan";
import { TargetAcceptance } from "./config";
import { parseQemuVersion } from "./version";

/** Result of the acceptance check of one target. */
export interface AcceptanceReport {
  /** Passed, failed, skipped (no image for the target) or disabled. */
  readonly status: AcceptanceStatus;
  /** How the check ran; "" when it did not. */
  readonly via: string;
  /** The image the check ran, e.g. "arm64v8/busybox"; "" when it did not run. */
  readonly image: string;
  /** The docker platform it ran with, e.g. "linux/arm64"; "" when it did not run. */
  readonly platform: string;
  /** What `uname -m` had to print. */
  readonly expected: string;
  /** What it printed. */
  readonly actual: string;
  /** Exit code of `docker run`; 0 when it passed. */
  readonly exitCode: number;
}

/** One requested target on one host. */
export interface TargetReport {
  /** The target's QEMU name, e.g. "aarch64". */
  readonly target: string;
  /** binfmt_misc entry name, e.g. "qemu-aarch64". */
  readonly entryName: string;
  /** Registered, or skipped (see skipReason). */
  readonly status: TargetStatus;
  /** Why it was skipped; "" when registered. */
  readonly skipReason: string;
  /** Interpreter path as the kernel shows it. */
  readonly interpreter: string;
  /** Flags as the kernel shows them. */
  readonly flags: string;
  /** The binfmt.d file. */
  readonly file: string;
  /** Registered again at boot: systemd-binfmt is loaded, not masked, not skipped by one of its conditions (drop-ins included) and reads a configDir on disk; false on hosts without systemd. The summary says why. */
  readonly persistent: boolean;
  /** How the last apply reached the kernel: "proc", "systemd-restart", "unchanged" or "" (skipped). */
  readonly applied: string;
  /** QEMU's version from the interpreter itself (`<interpreter> --version`), e.g. "10.0.13"; "" when skipped or unreadable. */
  readonly qemuVersion: string;
  /** That first line as printed, e.g. "qemu-aarch64 version 10.0.13 (Debian 1:10.0.13+ds-0+deb13u1)". */
  readonly qemuVersionLine: string;
  /** The docker acceptance check of this target. */
  readonly acceptance: AcceptanceReport;
}

/** One host, as a person reads it. */
export interface HostReport {
  /** What the component learned about the host: machine, distribution, systemd, binfmt_misc, privilege. */
  readonly facts: HostFacts;
  /** The packages the component installs on this host. */
  readonly packages: string[];
  /** Per requested target (QEMU name). */
  readonly targets: Readonly<Record<string, TargetReport>>;
  /** sha256 of the host's rendered rules; the acceptance checks re-run when it changes. */
  readonly rulesHash: string;
  /** A few readable lines: the host and one line per target. */
  readonly summary: string;
}

const ruleOutputSchema = z.object({
  target: z.string(),
  name: z.string(),
  file: z.string(),
  wroteFile: z.boolean(),
  applied: z.string(),
  persistent: z.boolean(),
  /** /proc/sys/fs/binfmt_misc/<name> as the kernel printed it after the apply. */
  entry: z.string(),
  /** First line of `<interpreter> --version`. */
  version: z.string().default(""),
});

const checkOutputSchema = z.object({
  target: z.string(),
  image: z.string(),
  platform: z.string(),
  expected: z.string(),
  actual: z.string(),
  exitCode: z.number(),
  ok: z.boolean(),
  /** The check of a target the plan skips: it ran natively and expected the host's own machine. */
  native: z.boolean(),
  detail: z.string(),
});

function lastJsonLine(stdout: string, what: string, label: string, prefix = "{"): unknown {
  const line = stdout
    .trim()
    .split("\n")
    .filter((l) => l.startsWith(prefix))
    .pop();
  if (line === undefined) throw new Error(`${label}: the ${what} command printed no result (stdout: ${JSON.stringify(stdout.slice(0, 300))})`);
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${label}: the ${what} command printed malformed JSON: ${JSON.stringify(line.slice(0, 300))}`);
  }
}

/** The rule command's stdout as a TargetReport (acceptance filled in later). Re-verifies with the core. */
export function ruleReport(label: string, plan: RulePlan, stdout: string): Omit<TargetReport, "acceptance"> {
  const base = { target: plan.target.name, entryName: plan.rule.name, file: plan.script.file, persistent: plan.script.persistent };
  if (plan.skipped !== undefined) {
    return { ...base, status: TargetStatus.Skipped, skipReason: plan.skipped, interpreter: "", flags: "", applied: "", qemuVersion: "", qemuVersionLine: "" };
  }
  const raw = lastJsonLine(stdout, `rule ${plan.target.name}`, label);
  const r = ruleOutputSchema.safeParse(raw);
  if (!r.success) throw new Error(`${label}: unexpected output of the rule command for ${plan.target.name}: ${JSON.stringify(raw)}`);
  const o = r.data;
  // The script compared the entry field by field on the host (its last line of defence); here the core
  // parses the kernel's own text once and compares it with the rule.
  let entry: ProcEntry;
  try {
    entry = parseProcEntry(o.entry);
  } catch (e) {
    throw new Error(`${label}: binfmt_misc entry ${plan.rule.name} could not be read back: ${(e as Error).message}`);
  }
  const diffs = diffEntry(plan.rule, entry);
  if (diffs.length > 0) {
    const what = diffs.map((d) => `${d.field} (expected ${JSON.stringify(d.expected)}, actual ${JSON.stringify(d.actual)})`).join("; ");
    throw new Error(`${label}: binfmt_misc entry ${plan.rule.name} is not what was rendered: ${what}`);
  }
  const qemu = parseQemuVersion(o.version);
  return {
    ...base,
    status: TargetStatus.Registered,
    skipReason: "",
    interpreter: entry.interpreter,
    flags: entry.flags,
    applied: o.applied,
    qemuVersion: qemu.version,
    qemuVersionLine: qemu.line,
  };
}

export function disabledAcceptance(acc: TargetAcceptance): AcceptanceReport {
  return { status: AcceptanceStatus.Disabled, via: "", image: acc.image, platform: acc.platform, expected: acc.expected, actual: "", exitCode: -1 };
}

/** A target the host runs natively: no emulation to prove. */
export function skippedAcceptance(acc: TargetAcceptance, via: AcceptanceVia): AcceptanceReport {
  return { status: AcceptanceStatus.Skipped, via, image: acc.image, platform: acc.platform, expected: acc.expected, actual: "", exitCode: -1 };
}

export function noImageAcceptance(acc: TargetAcceptance): AcceptanceReport {
  return { status: AcceptanceStatus.NoImage, via: "", image: "", platform: acc.platform, expected: acc.expected, actual: "", exitCode: -1 };
}

/** The one wording of a failed check, shared with the check script. */
export function acceptanceFailure(label: string, target: string, acc: TargetAcceptance, actual: string, exitCode: number, detail: string): Error {
  return new Error(
    `${label}: acceptance check failed for target ${target}: docker run --platform ${acc.platform || "(none)"} ${acc.image} uname -m printed ${JSON.stringify(actual)}, expected ${JSON.stringify(acc.expected)} (exit ${exitCode})${detail ? `: ${detail}` : ""}`,
  );
}

/** The check command's stdout (AcceptanceVia.Command). */
export function acceptanceFromCommand(label: string, target: string, acc: TargetAcceptance, stdout: string): AcceptanceReport {
  // The host's check prints one line per target (scripts/check.ts hostCheckScript): this target's line.
  const raw = lastJsonLine(stdout, `acceptance check ${target}`, label, `{"target":${JSON.stringify(target)},`);
  const r = checkOutputSchema.safeParse(raw);
  if (!r.success) throw new Error(`${label}: unexpected output of the acceptance check for ${target}: ${JSON.stringify(raw)}`);
  const o = r.data;
  if (o.native) {
    // The target is skipped as native and its check ran natively: the host's own machine was expected.
    if (!o.ok) throw acceptanceFailure(label, target, { ...acc, expected: o.expected }, o.actual, o.exitCode, o.detail);
    return { status: AcceptanceStatus.Passed, via: AcceptanceVia.Command, image: o.image, platform: o.platform, expected: o.expected, actual: o.actual, exitCode: o.exitCode };
  }
  if (!o.ok || o.actual !== acc.expected) throw acceptanceFailure(label, target, acc, o.actual, o.exitCode, o.detail);
  return { status: AcceptanceStatus.Passed, via: AcceptanceVia.Command, image: o.image, platform: o.platform, expected: o.expected, actual: o.actual, exitCode: o.exitCode };
}

/** A docker provider container's logs and exit code (AcceptanceVia.DockerProvider). */
export function acceptanceFromContainer(
  label: string,
  target: string,
  acc: TargetAcceptance,
  logs: string | undefined,
  exitCode: number | undefined,
  skipped?: string,
): AcceptanceReport {
  // The container of a natively run target ran natively: its answer proves nothing about emulation.
  if (skipped !== undefined) return skippedAcceptance(acc, AcceptanceVia.DockerProvider);
  const lines = (logs ?? "")
    .split("\n")
    .map((l) => l.replace(/\r$/, "").trim())
    .filter((l) => l !== "");
  const actual = lines[lines.length - 1] ?? "";
  const code = exitCode ?? -1;
  if (code !== 0 || actual !== acc.expected) throw acceptanceFailure(label, target, acc, actual, code, lines.slice(0, -1).slice(-3).join(" "));
  return { status: AcceptanceStatus.Passed, via: AcceptanceVia.DockerProvider, image: acc.image, platform: acc.platform, expected: acc.expected, actual, exitCode: code };
}

/** A few lines a person reads in `pulumi stack output`. */
export function summarise(label: string, facts: HostFacts, plan: HostPlan, targets: Readonly<Record<string, TargetReport>>): string {
  const boot = plan.persistent ? "entries persist across reboots" : `entries are NOT re-registered at boot (${plan.persistenceReason})`;
  const source = plan.image !== undefined ? `interpreters from ${plan.image.image.reference}` : `packages: ${plan.packages.join(" ") || "(none)"}`;
  const head = `${label}: ${facts.distroName || facts.distroId} ${facts.machine}, kernel ${facts.kernel}, ${facts.systemd ? "systemd" : "no systemd"}, ${facts.privilege}, ${source}; ${boot}`;
  const rows = Object.values(targets).map((t) => {
    const acc = t.acceptance;
    const check =
      acc.status === AcceptanceStatus.Passed
        ? `${acc.image} uname -m = ${acc.actual} (ok)`
        : acc.status === AcceptanceStatus.NoImage
          ? "no image to check"
          : acc.status === AcceptanceStatus.Skipped
            ? "no check (runs natively)"
            : "check disabled";
    const qemu = t.qemuVersion !== "" ? ` QEMU ${t.qemuVersion}` : "";
    const reg = t.status === TargetStatus.Registered ? `registered ${t.interpreter}${qemu} flags ${t.flags || "-"}${t.persistent ? "" : " (not persistent)"}` : `skipped: native`;
    return `  ${t.target.padEnd(12)} ${reg}; ${check}`;
  });
  return [head, ...rows].join("\n");
}

/**
 * The fleet's view: QEMU version → ids of the hosts that run it for at least one registered target,
 * versions in version order, ids sorted; "unknown" for an interpreter whose version could not be read.
 */
export function qemuVersionsByHost(hosts: Readonly<Record<string, Pick<HostReport, "targets">>>): Record<string, string[]> {
  const by = new Map<string, Set<string>>();
  for (const [id, h] of Object.entries(hosts)) {
    for (const t of Object.values(h.targets)) {
      if (t.status !== TargetStatus.Registered) continue;
      const v = t.qemuVersion || "unknown";
      by.set(v, (by.get(v) ?? new Set()).add(id));
    }
  }
  const num = (v: string) => v.split(".").map((x) => Number.parseInt(x, 10) || 0);
  const cmp = (a: string, b: string) => {
    const x = num(a);
    const y = num(b);
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return a.localeCompare(b);
  };
  return Object.fromEntries([...by.keys()].sort(cmp).map((v) => [v, [...(by.get(v) ?? [])].sort()]));
}
