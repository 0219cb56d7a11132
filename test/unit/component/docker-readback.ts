/**
 * What the real docker plugin (`pulumi-resource-docker` 5.2.0 = pulumi/pulumi-docker 237b7899, wrapping
 * kreuzwerker/terraform-provider-docker 5074970c) stores after creating a resource, per input: the
 * engine diffs the next run's inputs against that, so an input whose read-back differs replaces or
 * updates the resource on every `up`. Source: `resourceDockerContainerRead` and
 * `resourceDockerImageRead` (internal/provider/*_funcs.go); the `platform` entry was measured (a
 * container given "linux/arm64" is read back as "linux" and replaced on every `up`).
 * An input with no entry here is an error: add it with the reason it is (or is not) stable.
 */

export interface ReadBack {
  /** The value the plugin stores for the given input value. */
  readonly stored: (given: unknown) => unknown;
  readonly reason: string;
}

const kept = (reason: string): ReadBack => ({ stored: (v) => v, reason });

/** Go's time.Duration.String() for the whole-unit durations a healthcheck takes ("1000ms" → "1s"). */
export function goDuration(text: unknown): unknown {
  const m = typeof text === "string" ? /^(\d+)(ms|s|m|h)$/.exec(text) : null;
  if (m === null) return `(not a duration: ${JSON.stringify(text)})`;
  const ms = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const min = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h > 0 ? `${h}h` : ""}${h > 0 || min > 0 ? `${min}m` : ""}${s}s`;
}

const HEALTHCHECK_DEFAULTS = { interval: "0s", timeout: "0s", startPeriod: "0s", startInterval: "0s", retries: 0 };

export const READ_BACK: Readonly<Record<string, Readonly<Record<string, ReadBack>>>> = {
  "pulumi:providers:docker": {
    host: kept("provider configuration: the engine compares it with the inputs it stored, nothing is read from the daemon"),
    sshOpts: kept("provider configuration, stored as given"),
    disableDockerDaemonCheck: kept("provider configuration, stored as given"),
  },
  "docker:index/remoteImage:RemoteImage": {
    name: kept("Read looks the image up by it and never sets it"),
    keepLocally: kept("only Delete reads it; never set from the daemon"),
    platform: kept("ForceNew, only used to pull; Read never sets it"),
  },
  "docker:index/container:Container": {
    image: {
      // Read: an input starting with "sha256:" is read back as container.Image (the image ID it runs);
      // any other is read back as Config.Image, the daemon's spelling of the name.
      stored: (v) => (typeof v === "string" && v.startsWith("sha256:") ? v : `(Config.Image of ${JSON.stringify(v)})`),
      reason: "an image ID (sha256:…) is read back as the container's image ID, unchanged",
    },
    command: kept("read back from Config.Cmd, the list the container was created with"),
    platform: {
      stored: (v) => (typeof v === "string" ? v.split("/")[0] : v),
      reason: 'read back from the daemon as the OS alone ("linux/arm64" → "linux"): only an OS-only value is stable',
    },
    restart: kept("read back from HostConfig.RestartPolicy.Name, the policy name given"),
    healthcheck: {
      stored: (v) => {
        const h: Record<string, unknown> = { ...HEALTHCHECK_DEFAULTS, ...(v as Record<string, unknown>) };
        return {
          tests: h.tests,
          interval: goDuration(h.interval),
          timeout: goDuration(h.timeout),
          startPeriod: goDuration(h.startPeriod),
          // Daemons before API 1.44 (Debian 12's docker.io 20.10) drop StartInterval: only "0s" is stable.
          startInterval: "0s",
          retries: h.retries,
        };
      },
      reason: "read back from Config.Healthcheck: the test list as given, durations as Go prints them, startInterval only on new daemons",
    },
    wait: kept("used by Create only; Read never sets it"),
    waitTimeout: kept("used by Create only; Read never sets it"),
    attach: kept("used by Create only; Read never sets it"),
    logs: kept("used by Create only; Read never sets it"),
    mustRun: {
      stored: (v) => (v === true ? false : v),
      reason: "Read sets it to false once the container stopped (a one-shot always stops): only false is stable",
    },
    labels: kept("Read never sets labels (they would mix with the image's own)"),
  },
};

/** The inputs the engine sees, with the defaults it fills in for an omitted healthcheck field. */
export function normalisedInput(type: string, key: string, value: unknown): unknown {
  if (type === "docker:index/container:Container" && key === "healthcheck") return { ...HEALTHCHECK_DEFAULTS, ...(value as Record<string, unknown>) };
  return value;
}
