/**
 * The acceptance check through `@pulumi/command` (./check.sh): on the host, with the host's own docker
 * daemon, `docker run --rm --platform PLATFORM IMAGE uname -m` must print the target's machine (the "Jetson
 * Containers" article's test: arm64v8/busybox prints aarch64). On success it prints one JSON object with the fields
 * the docker-provider path reports; a failure or a mismatch fails the command with a message naming
 * host, target, expected and actual.
 *
 * A target the plan skips as native is checked too (`native`): a check that did not run never reports
 * passed. The script then expects what a native run prints on that host (its own `uname -m`, or armv8l
 * for 32-bit ARM on an aarch64 kernel) and, on "exec format error", says that the skip was wrong.
 */
import { Shipping, renderScript, renderSteps } from "../shell";

export interface CheckScriptInput {
  readonly label: string;
  readonly target: string;
  readonly image: string;
  /** Docker platform, e.g. "linux/arm64"; "" runs without --platform. */
  readonly platform: string;
  /** What `uname -m` must print under emulation (ignored when `native`: the host's own machine is expected). */
  readonly expected: string;
  /** Upper bound for pull + run, seconds. */
  readonly timeoutSeconds: number;
  /** The plan skips this target: the host is believed to run it natively. */
  readonly native: boolean;
}

function checkVars(input: Omit<CheckScriptInput, "label">): Record<string, string> {
  return {
    TARGET: input.target,
    IMAGE: input.image,
    PLATFORM: input.platform,
    EXPECTED: input.expected,
    TIMEOUT: String(input.timeoutSeconds),
    NATIVE: input.native ? "true" : "false",
  };
}

/** stdin of `sh -s` (no action): the check of one target. */
export function checkScript(input: CheckScriptInput): string {
  return renderScript({ label: input.label, vars: checkVars(input), files: ["check.sh"] });
}

/**
 * stdin of `sh -s` (no action): the checks of several targets of one host, in order, in ONE session; one
 * JSON line per target (each names its target). The first failing check fails the script, naming its target;
 * the checks after it do not run (as a chain of one resource per check would not run them either).
 */
export function hostCheckScript(label: string, inputs: readonly Omit<CheckScriptInput, "label">[], shipping: Shipping.Inline | Shipping.Bundle = Shipping.Inline): string {
  if (inputs.length === 0) throw new Error(`internal: ${label}: a host check without targets`);
  return renderSteps(
    label,
    inputs.map((i) => ({ vars: checkVars(i), files: ["check.sh"] as const })),
    shipping,
  );
}
