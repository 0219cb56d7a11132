import { TargetInfo } from "./catalogue";
import { familyOf, kernelWordSize, nativeTargetsOf, targetWordSize } from "./family";
import { hostMachineSchema, parseInput, skipPolicySchema, targetListSchema } from "./schemas";
import { SkipPolicy } from "./skip-policy";

export interface SkippedTarget {
  target: TargetInfo;
  reason: string;
}

export interface TargetPlan {
  /** Targets to register, deduplicated, in the order first requested. */
  register: TargetInfo[];
  /** Requested targets the host runs natively, with why. */
  skipped: SkippedTarget[];
  /** True when nothing is left to register (every requested target is native): not an error. */
  nothingToDo: boolean;
}

/**
 * Resolve the requested names (any accepted spelling; aliases of one target count once) and drop the
 * ones the host runs natively under `skip`. Throws BinfmtInputError for a bad name ("targets[i]"), an
 * empty list ("targets"), a bad host machine ("hostMachine") or skip policy ("skip").
 */
export function planTargets(requested: readonly string[], hostMachine: string, skip: SkipPolicy = SkipPolicy.Family): TargetPlan {
  const resolved = parseInput(targetListSchema, requested, "targets");
  const host = parseInput(hostMachineSchema, hostMachine, "hostMachine");
  const policy = parseInput(skipPolicySchema, skip, "skip");
  const targets = resolved.filter((t, i) => resolved.indexOf(t) === i);
  return planResolvedTargets(targets, host, policy);
}

/**
 * The skip decision for targets that are already resolved and a host machine and policy that are already
 * validated (the component resolves each target once, in its argument validation).
 *
 * Family: QEMU's rule (qemu-binfmt-conf.sh skips the host's family), except that a 32-bit kernel never
 * skips a 64-bit member of its family: it cannot run it (armv7l/armv8l + aarch64, i686 + x86_64,
 * sparc + sparc64, mips + mips64; the word sizes come from the catalogue, see kernelWordSize). ExactNative: only the target(s) the host is.
 */
export function planResolvedTargets(targets: readonly TargetInfo[], host: string, policy: SkipPolicy): TargetPlan {
  const hostFamily = familyOf(host);
  const hostBits = kernelWordSize(host);
  const native = new Set(nativeTargetsOf(host).map((t) => t.name));
  const register: TargetInfo[] = [];
  const skipped: SkippedTarget[] = [];
  for (const t of targets) {
    const widerThanKernel = hostBits === 32 && targetWordSize(t) === 64;
    if (policy === SkipPolicy.Family && hostFamily !== undefined && t.family === hostFamily && !widerThanKernel) {
      skipped.push({
        target: t,
        reason: `${t.name} is in the host's own family "${hostFamily}" (host \`uname -m\` is ${host}); QEMU's rule skips the whole family — use skip policy "${SkipPolicy.ExactNative}" to skip only the native target`,
      });
    } else if (native.has(t.name) && !widerThanKernel) {
      skipped.push({ target: t, reason: `${t.name} is the host's native architecture (host \`uname -m\` is ${host}); the kernel runs it without emulation` });
    } else {
      register.push(t);
    }
  }
  return { register, skipped, nothingToDo: register.length === 0 };
}

/** A one-line "nothing to do" explanation for a plan that has nothing to register. */
export function describeNothingToDo(plan: TargetPlan, hostMachine: string): string {
  if (!plan.nothingToDo) throw new Error("describeNothingToDo: the plan has targets to register");
  return `nothing to do: every requested target runs natively on this ${hostMachine} host (${plan.skipped.map((s) => s.target.name).join(", ")})`;
}
