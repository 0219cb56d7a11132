/**
 * Observing a host from the program: on every `pulumi preview` and `pulumi up`, one read-only SSH
 * session per host (./ssh.ts), all hosts in parallel, before anything is planned. The result feeds the
 * plan (facts, evidence), the drift and the repair tokens (../host/units.ts). Never a secret: the observation holds
 * no key material, so it is unwrapped from the connection's secrecy and shows in diffs.
 */
import * as pulumi from "@pulumi/pulumi";
import { HostObservation, ObservationRequest, parseObservation } from "../host/observation";
import { observeScript } from "../host/scripts/observe";
import { HostConnection } from "./args";
import { ExecResult, SshEndpoint, sshExec } from "./ssh";
import { bastionCap, bastionKey, throughBastion } from "./bastion";

/** Runs the observation script; replaced in unit tests, which have no hosts. */
export type ObservationRunner = (endpoint: SshEndpoint, script: string) => Promise<ExecResult>;

const OBSERVE_TIMEOUT_MS = 120_000;
let runner: ObservationRunner = (ep, script) => sshExec(ep, "sh -s", script, OBSERVE_TIMEOUT_MS);

/** Unit tests only: observe through `r` instead of SSH; returns a function that restores SSH. */
export function useObservationRunner(r: ObservationRunner): () => void {
  const previous = runner;
  runner = r;
  return () => {
    runner = previous;
  };
}

/**
 * Dial attempts for the observation. `dialErrorLimit: -1` (unlimited, for hosts still booting) is kept for
 * the update, where the commands wait the same way; a preview (also the one `up` runs first unless
 * `--skip-preview`) must answer, so it gives up after the default limit (10 retries, ~11 s unless dials
 * hang for `perDialTimeout`) and reports the host unreadable.
 */
export function observationDialLimit(limit: number | undefined, preview: boolean): number {
  const DEFAULT = 10;
  if (limit === undefined) return DEFAULT;
  return limit < 0 && preview ? DEFAULT : limit;
}

function endpoint(c: pulumi.Unwrap<HostConnection>): SshEndpoint {
  const base = {
    host: c.host,
    port: c.port ?? 22,
    user: c.user ?? "root",
    dialErrorLimit: observationDialLimit(c.dialErrorLimit, pulumi.runtime.isDryRun()),
    perDialTimeout: c.perDialTimeout ?? 15,
  };
  const opt = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : ({ [k]: v } as Record<K, V>));
  const proxy = c.proxy;
  return {
    ...base,
    ...opt("privateKey", c.privateKey),
    ...opt("privateKeyPassword", c.privateKeyPassword),
    ...opt("hostKey", c.hostKey),
    ...opt("agentSocketPath", c.agentSocketPath),
    ...(proxy === undefined
      ? {}
      : {
          proxy: {
            host: proxy.host,
            port: proxy.port ?? 22,
            user: proxy.user ?? "root",
            dialErrorLimit: base.dialErrorLimit,
            perDialTimeout: base.perDialTimeout,
            ...opt("privateKey", proxy.privateKey),
            ...opt("privateKeyPassword", proxy.privateKeyPassword),
            ...opt("hostKey", proxy.hostKey),
            ...opt("agentSocketPath", proxy.agentSocketPath),
          },
        }),
  };
}

/** Read the host now. Rejects with a message naming the host when it cannot be read. */
export async function observeNow(label: string, conn: pulumi.Unwrap<HostConnection>, req: ObservationRequest): Promise<HostObservation> {
  let r: ExecResult;
  try {
    const ep = endpoint(conn);
    const script = observeScript(label, req);
    // Behind a bastion, at most connection.proxy.maxConcurrent reads through it at once (./bastion.ts).
    const bastion = bastionKey(conn);
    r = await (bastion === undefined ? runner(ep, script) : throughBastion(bastion, bastionCap(conn.proxy), () => runner(ep, script)));
  } catch (e) {
    throw new Error(`${label}: cannot read the host: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (r.code !== 0) {
    const why = r.stderr.trim().split("\n").slice(-3).join(" ") || `exit ${r.code}`;
    throw new Error(why.startsWith(label) ? why : `${label}: reading the host failed: ${why}`);
  }
  return parseObservation(r.stdout, label);
}

/** What reading a host gave: the observation, or why it could not be read (a message naming the host). */
export type ObservationResult = { readonly observation: HostObservation } | { readonly unreadable: string };

/**
 * The observation as an Output (unknown while the connection is unknown, e.g. in a preview of a new VM).
 * A host that cannot be read is a RESULT, not a rejected Output: the host's first resource fails with the
 * message (see ./refusal.ts), so the failure stays that host's, and the program, the other hosts
 * of a fleet and their outputs go on.
 */
export function observeHost(label: pulumi.Output<string>, conn: HostConnection, req: ObservationRequest): pulumi.Output<ObservationResult> {
  const observed = pulumi.all([label, pulumi.output(conn)]).apply(
    ([l, c]): Promise<ObservationResult> =>
      observeNow(l, c, req).then(
        (observation) => ({ observation }),
        (e: unknown) => ({ unreadable: e instanceof Error ? e.message : String(e) }),
      ),
  );
  return pulumi.unsecret(observed);
}
