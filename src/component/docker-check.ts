/**
 * The docker-provider acceptance check of one target: a `docker.RemoteImage` (the target's image, pulled
 * for its platform) and a one-shot `docker.Container` on the host's own daemon that prints `uname -m`.
 *
 * Two facts of the real plugin (`pulumi-resource-docker` 5.2.0, which wraps the Terraform docker
 * provider; read in its container Read/Create and measured against a Debian 12 host) shape these inputs:
 * - Every input must be one the provider reads back unchanged, or every `up` replaces the container.
 *   The container's `platform` is read back from the daemon as the OS alone ("linux", not
 *   "linux/arm64"), so the container gets no `platform`: the image ID it runs already is the target's
 *   image, pulled for the target's platform by the RemoteImage (whose `platform` is not read back).
 *   `dockerInputReadBack` in the unit tests lists every input with the reason it is stable.
 * - The provider never fails a container for its exit code: an `attach`ed one-shot container that exits
 *   1 is created and kept, so a failed check would stay in state and never run again. The one thing
 *   that fails a container's creation is `wait`: the provider waits up to `waitTimeout` seconds for the
 *   container's healthcheck to report healthy. So the comparison is the healthcheck: it passes only
 *   when the emulated `uname -m` prints the expected machine; the main process prints `uname -m` (the
 *   report's `actual`) and exits 0 once the healthcheck has passed, or 1 after the timeout. A failed
 *   check fails `pulumi up` ("container failed to be in healthy state"), the engine keeps the container
 *   as not initialised, and `replaceOnChanges: ["*"]` makes the next `up` replace it: the check runs
 *   again instead of staying failed.
 * Re-running when the rules change: the rules hash is a label, and labels force replacement.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import type { DockerModule } from "./docker-module";
import { shellQuote } from "../host/shell";

/** Label keys on check containers. */
export const RULES_HASH_LABEL = "pulumi-qemu-binfmt.rules-hash";
export const TARGET_LABEL = "pulumi-qemu-binfmt.target";
/** Label carrying the target's repair token (../host/units.ts): a repair of the target replaces the container too. */
export const REPAIR_LABEL = "pulumi-qemu-binfmt.repair";

/** The file the healthcheck creates inside the container once `uname -m` printed the expected machine. */
export const CHECK_PASSED_MARKER = "/tmp/.pulumi-qemu-binfmt-check-passed";

/**
 * Healthcheck interval: the first probe runs one interval after the start, so a passing check takes
 * about two intervals. Written as Go prints a duration ("1s"): the provider reads it back that way.
 */
export const HEALTHCHECK_INTERVAL = "1s";

export interface DockerCheckSpec {
  /** QEMU target name, e.g. "aarch64" (label only). */
  readonly target: string;
  /** Image that prints the target's machine, e.g. "arm64v8/busybox". */
  readonly image: string;
  /** Docker platform to pull, e.g. "linux/arm64"; "" pulls the image's default. */
  readonly platform: string;
  /** What `uname -m` prints under emulation, e.g. "aarch64". */
  readonly expected: string;
  /** QEMU_CPU for the emulated `uname -m` (an ARM v5/v6 check, ../host/acceptance-check.ts). Default: none. */
  readonly qemuCpu?: string;
  /** An x86-64 level the image's glibc loader must list as supported, e.g. "x86-64-v2". Default: none. */
  readonly isaLevel?: string;
  /** Seconds the container may take to pass (acceptance.timeoutSeconds); also its own upper bound. */
  readonly timeoutSeconds: number;
  /** sha256 of the host's rendered rules: a new value replaces the container, so the check re-runs. */
  readonly rulesHash: pulumi.Input<string>;
  /** The target's repair token: a repair of the target (drift) replaces the container too. */
  readonly repair?: pulumi.Input<string>;
  /**
   * Why the host runs this target natively (its own family), from the facts; undefined when emulated.
   * A native run proves nothing about emulation and may print another machine (i386/busybox on x86_64
   * prints x86_64), so its healthcheck passes without comparing and the report says "skipped".
   */
  readonly skipped?: pulumi.Input<string | undefined>;
}

/** Seconds the container stays up after its healthcheck passed: the provider looks at the health once a second. */
export const HEALTHY_LINGER_SECONDS = 2;

/**
 * The container's main process: print `uname -m`, wait for the healthcheck's marker, stay up
 * HEALTHY_LINGER_SECONDS more and exit 0; exit 1 after `timeoutSeconds` without the marker.
 * Why the lingering: when a container stops, dockerd sets its health to "unhealthy" (measured on docker
 * 20.10, Debian 12), and the provider polls once a second, so it must see the container healthy AND running.
 * Why `/bin/sleep` by path: busybox sh runs an applet by name through /proc/self/exe; under QEMU without
 * the P flag (preserve argv[0]) that re-executes as `sh` ("sh: can't open '1'", measured). A path is
 * exec'ed as the file itself, whose name tells busybox which applet to run.
 */
export function checkMainCommand(timeoutSeconds: number, qemuCpu = ""): string[] {
  const t = timeoutSeconds;
  if (!Number.isInteger(t) || t < 1) throw new Error(`acceptance.timeoutSeconds must be a positive integer, got ${JSON.stringify(t)}`);
  const passed = shellQuote(CHECK_PASSED_MARKER);
  // With a CPU model: `uname -m` as its own program, so its emulator starts with QEMU_CPU (checkHealthTest).
  const uname = qemuCpu === "" ? "uname -m" : `QEMU_CPU=${shellQuote(qemuCpu)} /bin/uname -m`;
  return ["sh", "-c", `${uname}; i=0; until [ -e ${passed} ]; do i=$((i+1)); [ "$i" -gt ${t} ] && exit 1; /bin/sleep 1; done; /bin/sleep ${HEALTHY_LINGER_SECONDS}; exit 0`];
}

/**
 * The healthcheck: passes (and leaves the marker) only when `uname -m` prints `expected` — run as its own
 * program (`/bin/uname`, see checkMainCommand) with QEMU_CPU when `qemuCpu` is set: binfmt_misc starts a new
 * emulator for that exec, with that environment — and, with `isaLevel`, the image's glibc loader lists the
 * level as supported (../host/acceptance-check.ts); always for a native target.
 */
export function checkHealthTest(expected: string, skipped: string | undefined, qemuCpu = "", isaLevel = ""): string[] {
  const passed = shellQuote(CHECK_PASSED_MARKER);
  if (skipped !== undefined) return ["CMD-SHELL", `touch ${passed}`];
  const uname = qemuCpu === "" ? "uname -m" : `QEMU_CPU=${shellQuote(qemuCpu)} /bin/uname -m`;
  const level = isaLevel === "" ? "" : ` && /lib64/ld-linux-x86-64.so.2 --help | grep -q ${shellQuote(`^[[:space:]]*${isaLevel} (supported`)}`;
  return ["CMD-SHELL", `[ "$(${uname})" = ${shellQuote(expected)} ]${level} && touch ${passed}`];
}

/** The RemoteImage inputs: `name`, `keepLocally` (other things on the host may use the image), `platform`. */
export function checkImageArgs(spec: DockerCheckSpec): docker.RemoteImageArgs {
  return { name: spec.image, keepLocally: true, ...(spec.platform !== "" ? { platform: spec.platform } : {}) };
}

/** The one-shot check container's inputs; `imageId` is the RemoteImage's `imageId` ("sha256:…"). */
export function checkContainerArgs(spec: DockerCheckSpec, imageId: pulumi.Input<string>): docker.ContainerArgs {
  return {
    image: imageId,
    command: checkMainCommand(spec.timeoutSeconds, spec.qemuCpu),
    healthcheck: {
      tests: pulumi.output(spec.skipped).apply((skip) => checkHealthTest(spec.expected, skip, spec.qemuCpu, spec.isaLevel)),
      interval: HEALTHCHECK_INTERVAL,
    },
    wait: true,
    waitTimeout: spec.timeoutSeconds,
    attach: true,
    logs: true,
    mustRun: false,
    restart: "no",
    labels: [
      { label: RULES_HASH_LABEL, value: spec.rulesHash },
      { label: TARGET_LABEL, value: spec.target },
      ...(spec.repair === undefined ? [] : [{ label: REPAIR_LABEL, value: spec.repair }]),
    ],
  };
}

/** Creates the image and the container of one target's check (with `docker`, the loaded module); the container runs after every resource of `after`. */
export function dockerCheck(
  docker: DockerModule,
  name: string,
  spec: DockerCheckSpec,
  parent: pulumi.Resource,
  provider: docker.Provider,
  after: readonly pulumi.Resource[],
): docker.Container {
  const img = new docker.RemoteImage(`${name}-image-${spec.target}`, checkImageArgs(spec), { parent, provider, dependsOn: [...after] });
  // A check that failed is kept by the engine as not initialised; "*" makes the next up replace it
  // (run it again) instead of updating it in place, which would run nothing.
  return new docker.Container(`${name}-check-${spec.target}`, checkContainerArgs(spec, img.imageId), { parent, provider, dependsOn: [img], replaceOnChanges: ["*"] });
}
