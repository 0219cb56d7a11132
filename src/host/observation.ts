/**
 * The observation of one host: what the component reads, read-only, in ONE session before it plans
 * anything (./scripts/observe.sh), and the parser of what that script prints. Pure.
 *
 * It is read on every `pulumi preview` and `pulumi up` (unless `observe` is off): the facts (so a
 * release upgrade or a new kernel shows as a plan change), every binfmt_misc entry, the rules' binfmt.d
 * files, the boot path (systemd-binfmt, the file system under configDir), the interpreters and the
 * host's own shell and init (ELF headers, for the self-match guard), the QEMU packages (installed and
 * candidate versions) and the native-execution probes.
 */
import { z } from "zod";
import { Privilege } from "./enums";
import { HostFacts, factsSchema } from "./facts";
import { ObservedBinfmtSupport, binfmtSupportRecord } from "./binfmt-support";
import { ObservedFreshLists, freshListsRecord, withFreshPackages } from "./fresh-lists";
export type { ObservedBinfmtSupport, ObservedFreshLists };
import { BootRun, bootRunSchema } from "./boot-run";

/** One binfmt_misc entry as /proc/sys/fs/binfmt_misc/<name> prints it. */
export interface ObservedEntry {
  readonly name: string;
  /** The entry's text, e.g. "enabled\ninterpreter /usr/bin/qemu-aarch64\nflags: F\noffset 0\nmagic …". */
  readonly text: string;
  /**
   * When it was registered (seconds since the epoch: binfmt_misc stamps an entry's file then); read for the
   * requested targets' entries only, undefined for the others.
   */
  readonly registered?: number;
}

/** A rule's binfmt.d path and what is there. */
export interface ObservedFile {
  readonly path: string;
  /** "file", "missing", "symlink" or "other" (a directory, a device…). */
  readonly state: "file" | "missing" | "symlink" | "other";
  /** Content of a regular file, without its final newline; "" otherwise. */
  readonly text: string;
}

/** Whether systemd-binfmt will apply configDir at the next boot. */
export interface ObservedBoot {
  /** systemd-binfmt.service LoadState: "loaded", "masked", "not-found"; "" without systemd. */
  readonly load: string;
  /** UnitFileState: "static", "enabled", "masked", "masked-runtime", …; "" without systemd. */
  readonly unitFileState: string;
  /** ActiveState, e.g. "active". */
  readonly active: string;
  /** `stat -f -c %T` of configDir (or its nearest existing parent), e.g. "ext2/ext3", "tmpfs". */
  readonly configDirFs: string;
  readonly run?: BootRun | undefined; // does the loaded unit run at boot (./boot-run.ts); absent without systemd
}

/** An executable the component depends on or must never capture. */
export interface ObservedElf {
  readonly path: string;
  readonly exists: boolean;
  readonly executable: boolean;
  /** "static" (no PT_INTERP: static or static-pie), "dynamic", "not-elf" or "missing". */
  readonly linking: "static" | "dynamic" | "not-elf" | "missing";
  /** First 64 bytes, lower-case hex ("" when unreadable). */
  readonly header: string;
  /** Its last inode change (ctime, seconds since the epoch; a package upgrade replaces the file); 0 when missing. */
  readonly changed: number;
}

/** dpkg and apt's view of one package (apt hosts only). */
export interface ObservedPackage {
  readonly name: string;
  /** dpkg's db:Status-Status, e.g. "installed", "config-files", "not-installed". */
  readonly status: string;
  /** Installed version ("" when not installed). */
  readonly installed: string;
  /** The installed version's Depends line ("" when not installed or none). */
  readonly installedDepends: string;
  /** The version apt would install ("" when no repository offers it). */
  readonly candidate: string;
  /** The candidate's Depends line ("" when none). */
  readonly depends: string;
  /** Every version the host's repositories offer (`apt-cache madison`), as listed. */
  readonly versions: readonly string[];
  readonly conflicts?: string; // the candidate's Conflicts line ("" none): ./apt-conflicts.ts
}

/** Whether the kernel ran a probe executable of a target's format (src/binfmt/probe-elf.ts). */
export interface ObservedProbe {
  readonly target: string;
  /**
   * "native": the kernel ran it; "foreign": it did not; "inconclusive": an enabled binfmt_misc entry
   * would have taken it, so running it would prove nothing; "unavailable": nowhere to run it.
   */
  readonly result: "native" | "foreign" | "inconclusive" | "unavailable";
  readonly detail: string;
  /** The enabled entry that would have taken the probe ("" unless inconclusive). */
  readonly handler: string;
}

export interface HostObservation {
  readonly facts: HostFacts;
  readonly binfmt: { readonly mounted: boolean; readonly status: string };
  /** Absent from observations stored by versions before it (observe: false): not known, nothing refused. */
  readonly binfmtSupport?: ObservedBinfmtSupport;
  /** The private `apt-get update` (./fresh-lists.ts), when the host's lists knew no QEMU package; its packages are in `packages`. */
  readonly freshLists?: ObservedFreshLists;
  readonly entries: readonly ObservedEntry[];
  readonly files: readonly ObservedFile[];
  readonly boot: ObservedBoot;
  /** Interpreter candidates, then the host's /bin/sh and init (/proc/1/exe or /sbin/init). */
  readonly elfs: readonly ObservedElf[];
  readonly packages: readonly ObservedPackage[];
  readonly probes: readonly ObservedProbe[];
}

export { ObservationRequest, QEMU_PACKAGES, interpreterCandidates, observationRequest, observationVars } from "./observation-request";

const packageRecord = z.object({
  kind: z.literal("package"),
  name: z.string(),
  status: z.string(),
  installed: z.string(),
  installedDepends: z.string(),
  candidate: z.string(),
  depends: z.string(),
  versions: z.string().default(""),
  conflicts: z.string().default(""),
});

const line = z.discriminatedUnion("kind", [
  factsSchema.extend({ kind: z.literal("facts") }),
  z.object({ kind: z.literal("binfmt"), mounted: z.boolean(), status: z.string() }),
  binfmtSupportRecord,
  z.object({ kind: z.literal("entry"), name: z.string(), text: z.string() }),
  z.object({ kind: z.literal("registration"), name: z.string(), time: z.number().int().nonnegative() }),
  z.object({ kind: z.literal("file"), path: z.string(), state: z.enum(["file", "missing", "symlink", "other"]), text: z.string() }),
  z.object({ kind: z.literal("boot"), load: z.string(), unitFileState: z.string(), active: z.string(), configDirFs: z.string(), run: bootRunSchema.nullish() }),
  z.object({
    kind: z.literal("elf"),
    path: z.string(),
    exists: z.boolean(),
    executable: z.boolean(),
    linking: z.enum(["static", "dynamic", "not-elf", "missing"]),
    header: z.string(),
    // Absent from observations stored by earlier versions (observe: false): 0, not known, never drift.
    changed: z.number().int().nonnegative().default(0),
  }),
  packageRecord,
  packageRecord.extend({ kind: z.literal("freshPackage") }),
  freshListsRecord,
  z.object({ kind: z.literal("probe"), target: z.string(), result: z.enum(["native", "foreign", "inconclusive", "unavailable"]), detail: z.string(), handler: z.string() }),
]);

/**
 * Parse what the observation script printed. Throws naming the host when a record is malformed or the
 * facts, binfmt or boot record is missing (the script did not run to its end).
 */
export function parseObservation(stdout: string, label: string): HostObservation {
  let facts: HostFacts | undefined;
  let binfmt: HostObservation["binfmt"] | undefined;
  let boot: ObservedBoot | undefined;
  let binfmtSupport: ObservedBinfmtSupport | undefined;
  let freshLists: ObservedFreshLists | undefined;
  const fresh: ObservedPackage[] = [];
  const entries: ObservedEntry[] = [];
  const files: ObservedFile[] = [];
  const elfs: ObservedElf[] = [];
  const packages: ObservedPackage[] = [];
  const probes: ObservedProbe[] = [];
  for (const text of stdout.split("\n")) {
    if (!text.startsWith("{")) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new Error(`${label}: the observation printed a malformed record: ${JSON.stringify(text.slice(0, 200))}`);
    }
    const r = line.safeParse(raw);
    if (!r.success) throw new Error(`${label}: unexpected observation record ${JSON.stringify(text.slice(0, 200))}: ${r.error.issues[0]?.message ?? ""}`);
    switch (r.data.kind) {
      case "facts": {
        const { kind: _k, ...f } = r.data;
        facts = f;
        break;
      }
      case "binfmt":
        binfmt = { mounted: r.data.mounted, status: r.data.status };
        break;
      case "binfmtSupport":
        binfmtSupport = { support: r.data.support, readOnly: r.data.readOnly, modulesDir: r.data.modulesDir };
        break;
      case "entry":
        entries.push({ name: r.data.name, text: r.data.text });
        break;
      case "registration": {
        // Printed after the entries: stamps the entry of that name.
        const name = r.data.name;
        const i = entries.findIndex((e) => e.name === name);
        const e = entries[i];
        if (e !== undefined) entries[i] = { ...e, registered: r.data.time };
        break;
      }
      case "file":
        files.push({ path: r.data.path, state: r.data.state, text: r.data.text });
        break;
      case "boot":
        boot = { load: r.data.load, unitFileState: r.data.unitFileState, active: r.data.active, configDirFs: r.data.configDirFs, run: r.data.run ?? undefined };
        break;
      case "elf":
        elfs.push({ path: r.data.path, exists: r.data.exists, executable: r.data.executable, linking: r.data.linking, header: r.data.header, changed: r.data.changed });
        break;
      case "freshLists":
        freshLists = { result: r.data.result, detail: r.data.detail };
        break;
      case "package":
      case "freshPackage":
        (r.data.kind === "package" ? packages : fresh).push({
          name: r.data.name,
          status: r.data.status,
          installed: r.data.installed,
          installedDepends: r.data.installedDepends,
          candidate: r.data.candidate,
          depends: r.data.depends,
          versions: r.data.versions.split(" ").filter((v) => v !== ""),
          conflicts: r.data.conflicts,
        });
        break;
      case "probe":
        probes.push({ target: r.data.target, result: r.data.result, detail: r.data.detail, handler: r.data.handler });
        break;
    }
  }
  if (facts === undefined || binfmt === undefined || boot === undefined) {
    throw new Error(
      `${label}: the observation ended early (no ${facts === undefined ? "facts" : binfmt === undefined ? "binfmt_misc" : "boot"} record); stdout: ${JSON.stringify(stdout.slice(0, 300))}`,
    );
  }
  const known = { ...(binfmtSupport === undefined ? {} : { binfmtSupport }), ...(freshLists === undefined ? {} : { freshLists }) };
  return { facts, binfmt, ...known, entries, files, boot, elfs, packages: withFreshPackages(packages, fresh), probes };
}

/**
 * Stands for a host that could not be read, so that its resources still get inputs (its first resource
 * fails before any of them runs): nothing known, nothing registered, no evidence.
 */
export function unreadObservation(): HostObservation {
  const facts: HostFacts = {
    machine: "unknown",
    kernel: "",
    hostname: "",
    distroId: "",
    distroVersion: "",
    distroCodename: "",
    distroName: "",
    distroLike: "",
    systemd: false,
    binfmtMiscMounted: false,
    user: "",
    privilege: Privilege.Root,
    docker: false,
    apt: false,
    flock: false,
  };
  return {
    facts,
    binfmt: { mounted: false, status: "" },
    entries: [],
    files: [],
    boot: { load: "", unitFileState: "", active: "", configDirFs: "" },
    elfs: [],
    packages: [],
    probes: [],
  };
}
