/**
 * The host plan: what the component does on one host, decided from its validated configuration and the
 * host's facts. Pure: the same inputs give byte-identical scripts, which is what makes a second
 * `pulumi up` a no-op (remote commands have no Read; unchanged inputs mean nothing runs).
 *
 * Decided here from facts: the interpreter layout and path (distribution), the package names, the
 * native-family skip, the effective apply mode (systemd or not) and whether rules persist.
 */
import { createHash } from "node:crypto";
import {
  BinfmtRule,
  TargetInfo,
  binfmtDFileName,
  bytesToHex,
  parseEscapedBytes,
  planResolvedTargets,
  renderBinfmtDFile,
  renderRegisterString,
  ruleFor,
  selfMatchProblems,
} from "../binfmt";
import { ApplyMode, InterpreterLayout, PackageSet } from "./enums";
import { layoutDecision, nativeDecisions, persistenceDecision } from "./evidence";
import { HostObservation, unreadObservation } from "./observation";
import { KernelFields, RuleScriptInput, withOwner } from "./scripts/rule";
import { HostConfig } from "./config";
import { interpreterFor } from "./interpreter";
import { kernelProblems } from "./kernel";
import { capabilityProblems, pLinkEvidence } from "./capability";
import { ImagePlan, imageInterpreterPath, imagePlan } from "./image";
import { aptPackages } from "./install";
import { VersionConstraint } from "./version";

export interface RulePlan {
  readonly target: TargetInfo;
  /** Why the host skips this target (it runs it natively); undefined when it is registered. */
  readonly skipped: string | undefined;
  readonly rule: BinfmtRule;
  /** Everything the rule scripts need. */
  readonly script: RuleScriptInput;
}

export interface HostPlan {
  readonly layout: InterpreterLayout;
  /** The evidence behind `layout` (./evidence.ts). */
  readonly layoutReason: string;
  readonly packages: readonly string[];
  /** packageVersion for the QEMU packages (apt source only); the packages script applies it on the host. */
  readonly versionConstraint: VersionConstraint | undefined;
  /** The image install source's copy (InstallSource.Image); undefined with apt. */
  readonly image: ImagePlan | undefined;
  readonly applyMode: ApplyMode;
  /** binfmt.d files are applied at boot (systemd hosts). */
  readonly persistent: boolean;
  /** The evidence behind `persistent`. */
  readonly persistenceReason: string;
  readonly rules: readonly RulePlan[];
  /** sha256 of the rendered rules the host gets (files + lines, sorted); triggers the acceptance checks. */
  readonly rulesHash: string;
}

import { ruleFilePath } from "./config";
export { ruleFilePath };

export function packagesFor(config: HostConfig, layout: InterpreterLayout): string[] {
  if (config.installPackages === PackageSet.None) return [];
  if (config.packages !== undefined) return [...config.packages];
  if (config.installPackages === PackageSet.QemuUserStaticBinfmtSupport) return ["qemu-user-static", "binfmt-support"];
  return layout === InterpreterLayout.Plain ? ["qemu-user"] : ["qemu-user-static"];
}

export function kernelFields(rule: BinfmtRule): KernelFields {
  return {
    interpreter: rule.interpreter,
    flags: rule.flags,
    offset: String(rule.offset),
    magic: bytesToHex(parseEscapedBytes(rule.magic)),
    mask: rule.mask === "" ? "" : bytesToHex(parseEscapedBytes(rule.mask)),
  };
}

/**
 * OWNER (see ownerRecord in ./scripts/rule.ts) is recorded in every binfmt.d file as the line after the
 * marker, so another stack never silently takes the file and its entry over; "" records none.
 */
/** The host's plan cannot be carried out (kernel, self-match, apt, packageVersion): the message names the host. */
export class PlanRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanRefusedError";
  }
}

/**
 * The plan, or why it is refused together with a stand-in plan (the one for an unread host) that gives the
 * host's resources their inputs. Why not just throw: a rejected plan reaches every resource that reads it,
 * and the engine prints (and Node builds) one nested "error serializing property" chain per input:
 * measured 100-160 s of CPU before `up` failed. The component hands `refused` to the host's first
 * resource, which fails with it (preview and up), so nothing that depends on it runs.
 */
export function planOrRefusal(config: HostConfig, obs: HostObservation, label: string, owner = ""): { plan: HostPlan; refused: string } {
  try {
    return { plan: planHost(config, obs, label, owner), refused: "" };
  } catch (e) {
    if (!(e instanceof PlanRefusedError)) throw e;
    return { plan: planHost(config, unreadObservation(), label, owner), refused: e.message };
  }
}

export function planHost(config: HostConfig, obs: HostObservation, label: string, owner = ""): HostPlan {
  const facts = obs.facts;
  const image = config.interpreterImage;
  const layout = image === undefined ? layoutDecision(config, obs) : { value: InterpreterLayout.Plain, reason: `interpreters copied from the image ${image.reference}` };
  const persistence = persistenceDecision(config, obs);
  const applyMode = config.applyMode === ApplyMode.SystemdRestart && !facts.systemd ? ApplyMode.PerFile : config.applyMode;
  const persistent = persistence.value;
  const targetPlan = planResolvedTargets(config.targets, facts.machine, config.skipPolicy);
  const skippedReason = nativeDecisions(config, obs, new Map(targetPlan.skipped.map((s) => [s.target.name, s.reason])));
  const rules = config.targets.map((target): RulePlan => {
    const rule = ruleFor(target, {
      mask: config.maskPolicy,
      flags: config.flags,
      interpreter: image === undefined ? interpreterFor(target, config, layout.value) : imageInterpreterPath(image, target),
    });
    const file = ruleFilePath(config.configDir, target);
    if (binfmtDFileName(rule) !== file.slice(config.configDir.length + 1)) {
      throw new Error(`internal: file name of ${rule.name} disagrees with the core (${binfmtDFileName(rule)})`);
    }
    return {
      target,
      skipped: skippedReason.get(target.name),
      rule,
      script: {
        label,
        target: target.name,
        entryName: rule.name,
        file,
        content: withOwner(renderBinfmtDFile(rule).replace(/\n$/, ""), owner),
        owner,
        registerLine: renderRegisterString(rule),
        expected: kernelFields(rule),
        requireStatic: rule.flags.includes("F"),
        applyMode,
        persistent,
      },
    };
  });
  // Validated against the kernel the facts give, before any change on the host (src/host/kernel.ts).
  const registered = rules.filter((r) => r.skipped === undefined);
  const refused: string[] = [];
  // apt exists and offers what packageVersion asks for (./install.ts); the image source needs no package.
  const packages = image === undefined ? aptPackages(config, obs, packagesFor(config, layout.value), refused) : [];
  // What the kernel and the installed QEMU cannot do, before any change (./capability.ts); the advice for
  // flag P offers Debian's "-binfmt-P" link only where the host has it or this run installs it.
  refused.push(...registered.flatMap((r) => kernelProblems(r.rule, facts.kernel, pLinkEvidence(config, obs, r.target, packages))));
  refused.push(
    ...capabilityProblems(
      config,
      obs,
      registered.map((r) => ({ target: r.target, rule: r.rule, requireStatic: r.script.requireStatic })),
      packages,
      image !== undefined,
      label,
    ),
  );
  // Never a rule that captures the host's own programs (its interpreters, /bin/sh, init): under any skip
  // policy, checked against the ELF headers the observation read (the apply script checks again on the host).
  const headers = obs.elfs.filter((e) => e.exists && e.header !== "").map((e) => ({ path: e.path, headerHex: e.header }));
  refused.push(
    ...selfMatchProblems(
      registered.map((r) => r.rule),
      headers,
    ).map((p) => p.message),
  );
  // The rule commands of a host take turns with flock(1) (./scripts/lock.sh): without it each would fail at
  // its first step, after the packages step. Decided from the observation (an unread host has no kernel).
  if (registered.length > 0 && facts.kernel !== "" && !facts.flock) {
    refused.push(
      `flock is not on this host's PATH, and the rule commands of a host take turns with it (a lock in /run). Install util-linux (Debian, Ubuntu, Fedora) or a busybox with its flock applet, then run pulumi up again`,
    );
  }
  if (refused.length > 0) throw new PlanRefusedError(`${label}: ${refused.join("; ")}`);
  const hashed = rules
    .filter((r) => r.skipped === undefined)
    // Without the owner line: who manages a rule does not change what the check proves.
    .map((r) => `${r.script.file}\n${withOwner(r.script.content, "", r.script.owner ?? "")}`)
    .sort();
  const rulesHash = createHash("sha256").update(JSON.stringify(hashed)).digest("hex");
  return {
    layout: layout.value,
    layoutReason: layout.reason,
    packages,
    versionConstraint: image === undefined ? config.packageVersion : undefined,
    image:
      image === undefined
        ? undefined
        : imagePlan(
            image,
            registered.map((r) => r.target),
          ),
    applyMode,
    persistent,
    persistenceReason: persistence.reason,
    rules,
    rulesHash,
  };
}
