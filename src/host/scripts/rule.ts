/**
 * The per-target rule script (./rule.sh with its libraries ./elf.sh and ./binfmt-entries.sh): `apply`
 * (create/update) and `remove` (delete) ONE binfmt_misc registration and its binfmt.d file. One text
 * serves both actions, because the command provider keeps ONE stdin per resource for create and delete
 * (the delete of a replaced rule runs with the stdin stored at its last create/update: the old rule).
 *
 * apply is all or nothing (see rule.sh): checks first (interpreter, file ownership, binfmt_misc mount,
 * self-match guard, conflict guard), then the kernel entry, then the binfmt.d file LAST; on failure it
 * removes what it wrote and puts back what it replaced. It prints the entry as the kernel shows it
 * (/proc/sys/fs/binfmt_misc/<name>, raw text), which ../outputs.ts parses once with the core.
 *
 * remove: unregister the entry only if it is still exactly ours, delete the file only if it carries our
 * marker.
 *
 * Ownership: the file's second line records the stack and resource that manage it (ownerRecord). apply
 * refuses, naming that owner, when our file records another owner (two stacks, one host, one target);
 * remove then leaves file and entry to their owner. A file without an owner line (written before owners
 * were recorded) is taken over.
 */
import { createHash } from "node:crypto";
import { MANAGED_MARKER } from "../../binfmt";
import { ApplyMode } from "../enums";
import { Shipping, renderScript } from "../shell";
import { UnitRecord, unitVars } from "../units";

/**
 * First line of every binfmt.d file the component writes (the core's marker comment, which
 * renderBinfmtDFile puts first); how the scripts recognise files they may overwrite or delete.
 */
export const FILE_MARKER = MANAGED_MARKER;

/** The actions of the rule script: `sh -s apply`, `sh -s remove`. */
export enum RuleAction {
  Apply = "apply",
  Remove = "remove",
}

/** The kernel's own spelling of an entry's fields (as /proc/sys/fs/binfmt_misc/<name> prints them). */
export interface KernelFields {
  readonly interpreter: string;
  /** Flags in the kernel's order P, O, C, F (C implies O). */
  readonly flags: string;
  readonly offset: string;
  /** Lower-case hex, no separators. */
  readonly magic: string;
  /** Lower-case hex, or "" when the rule has no mask. */
  readonly mask: string;
}

export interface RuleScriptInput {
  readonly label: string;
  /** QEMU target name, e.g. "aarch64". */
  readonly target: string;
  /** binfmt_misc entry name, e.g. "qemu-aarch64". */
  readonly entryName: string;
  /** Absolute path of the binfmt.d file. */
  readonly file: string;
  /** The file's full content (marker line included), without the final newline. */
  readonly content: string;
  /** The registration line written to /proc/sys/fs/binfmt_misc/register. */
  readonly registerLine: string;
  readonly expected: KernelFields;
  /** Fail unless the interpreter is statically linked (flag F requested). */
  readonly requireStatic: boolean;
  /** Effective apply mode (SystemdRestart only on systemd hosts). */
  readonly applyMode: ApplyMode;
  /** The host applies binfmt.d at boot (systemd). Reported only. */
  readonly persistent: boolean;
  /** Who manages this rule (ownerRecord); recorded in the file, checked before any change. "" or absent: nobody recorded. */
  readonly owner?: string;
  /** The repair token recorded on the host once the rule is applied (../units.ts); absent: none recorded. */
  readonly unit?: UnitRecord;
  /**
   * installDigest of the install step's script (packages or image), as INSTALL_DIGEST (read by nobody): the rule
   * then runs again whenever the install step runs with other input (a packageVersion, a repaired package), in
   * the same `up`, and registers an entry with flag F again if the install replaced its interpreter (rule.sh
   * stale_entry). Absent: "".
   */
  readonly installDigest?: string;
  /** How the script's files reach the host (../shell.ts); default inline. */
  readonly shipping?: Shipping;
}

/** Prefix of the owner line, the binfmt.d file's second line (after FILE_MARKER). */
export const OWNER_PREFIX = "# Owner: ";

/**
 * "<project>/<stack> BinfmtHost <name>": the stack and the resource that manage a rule, from
 * pulumi.getProject(), pulumi.getStack() and the BinfmtHost's resource name (in a fleet
 * `<fleet>-<id>`), all known when the program runs. One line (a newline would end the comment).
 */
export function ownerRecord(project: string, stack: string, resourceName: string): string {
  return `${project}/${stack} BinfmtHost ${resourceName}`.replace(/[\r\n]+/g, " ");
}

/**
 * The file's content with the owner line after the marker line (unchanged when owner is ""); with
 * PREVIOUS, that previous owner's line is taken out first.
 */
export function withOwner(content: string, owner: string, previous = ""): string {
  if (previous !== "") content = content.replace(`\n${OWNER_PREFIX}${previous}`, "");
  if (owner === "") return content;
  const nl = content.indexOf("\n");
  return nl < 0 ? `${content}\n${OWNER_PREFIX}${owner}` : `${content.slice(0, nl)}\n${OWNER_PREFIX}${owner}${content.slice(nl)}`;
}

/** Where binfmt_misc lives; one variable, so tests can point the script at a simulated directory. */
export const BINFMT_MISC = "/proc/sys/fs/binfmt_misc";

/**
 * The lock a host's rule scripts take, one at a time (./lock.sh): a 0-byte file in /run, a tmpfs, so it is
 * gone at the next boot. One variable, so tests can point the script at a lock file of their own.
 */
export const HOST_LOCK_FILE = "/run/pulumi-qemu-binfmt.lock";
/** Seconds a rule script waits for the host's lock before it fails: the other rules' scripts take well under one each. */
export const HOST_LOCK_WAIT_SECONDS = 300;

/** 16 hex digits of sha256 of the install step's script: what a rule's script and its check's trigger follow. */
export function installDigest(install: string): string {
  return createHash("sha256").update(install).digest("hex").slice(0, 16);
}

/** stdin of `sh -s apply|remove`. */
export function ruleScript(input: RuleScriptInput): string {
  const slash = input.file.lastIndexOf("/");
  return renderScript({
    label: input.label,
    vars: {
      TARGET: input.target,
      NAME: input.entryName,
      FILE: input.file,
      DIR: slash > 0 ? input.file.slice(0, slash) : "/",
      CONTENT: input.content,
      LINE: input.registerLine,
      INTERP: input.expected.interpreter,
      FLAGS: input.expected.flags,
      OFFSET: input.expected.offset,
      MAGIC: input.expected.magic,
      MASK: input.expected.mask,
      MARKER: FILE_MARKER,
      OWNER: input.owner ?? "",
      MNT: BINFMT_MISC,
      MODE: input.applyMode,
      PERSISTENT: input.persistent ? "true" : "false",
      REQUIRE_STATIC: input.requireStatic ? "true" : "false",
      LOCK_FILE: HOST_LOCK_FILE,
      LOCK_WAIT: String(HOST_LOCK_WAIT_SECONDS),
      INSTALL_DIGEST: input.installDigest ?? "",
      ...unitVars(input.unit),
    },
    files: ["lock.sh", "units.sh", "elf.sh", "binfmt-entries.sh", "rule.sh"],
    shipping: input.shipping ?? Shipping.Inline,
  });
}

/** stdin of `sh -s` for a target the host runs natively (skipped by the plan): touches nothing, prints why. */
export function skippedRuleScript(label: string, target: string, entryName: string, reason: string): string {
  return renderScript({ label, vars: { TARGET: target, NAME: entryName, REASON: reason }, files: ["skipped-rule.sh"] });
}
