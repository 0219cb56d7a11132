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
import { renderScript } from "../shell";

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

/** stdin of `sh -s` (no action). */
export function checkScript(input: CheckScriptInput): string {
  return renderScript({
    label: input.label,
    vars: {
      TARGET: input.target,
      IMAGE: input.image,
      PLATFORM: input.platform,
      EXPECTED: input.expected,
      TIMEOUT: String(input.timeoutSeconds),
      NATIVE: input.native ? "true" : "false",
    },
    files: ["check.sh"],
  });
}
