/**
 * A bastion's identity and its cap on concurrent hosts (connection.proxy.maxConcurrent). sshd refuses new
 * unauthenticated connections at random past MaxStartups' first number (10 by default, sshd_config(5)), and every
 * SSH session of every host behind a bastion is one connection to the bastion's sshd: a fleet keeps the number of
 * hosts talking through one bastion at once at or below the cap, in two places:
 * - the fleet's resources: hosts sharing a bastion are chained into at most `maxConcurrent` lanes (./rollout.ts);
 *   a host's own commands already run one at a time behind a bastion (RULE_LANES_BEHIND_PROXY);
 * - the program's read of each host (./observe.ts): at most `maxConcurrent` reads through one bastion at once
 *   (throughBastion below), for every host of the program that names it.
 */
import * as pulumi from "@pulumi/pulumi";
import { HostConnection, ProxyConnection } from "./args";
import { DEFAULTS } from "../host/config";

/** A bastion named by Outputs cannot be told apart when the program lays out the lanes: all such hosts share one. */
export const UNKNOWN_BASTION = "(a bastion given as pulumi Outputs)";

function plain(v: pulumi.Input<string> | pulumi.Input<number> | undefined, fallback: string | number): string | undefined {
  if (v === undefined) return String(fallback);
  return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
}

/**
 * "user@host:port" of the connection's bastion (defaults filled in), UNKNOWN_BASTION when a part of it is an Output
 * or a Promise, undefined for a direct connection.
 */
export function bastionKey(c: Pick<HostConnection, "proxy"> | undefined): string | undefined {
  const p = c?.proxy;
  if (p === undefined) return undefined;
  const host = plain(p.host, "");
  const port = plain(p.port, DEFAULTS["connection.port"]);
  const user = plain(p.user, DEFAULTS["connection.user"]);
  return host === undefined || port === undefined || user === undefined ? UNKNOWN_BASTION : `${user}@${host}:${port}`;
}

/** The bastion's cap: connection.proxy.maxConcurrent, else DEFAULTS. */
export function bastionCap(p: Pick<ProxyConnection, "maxConcurrent"> | undefined): number {
  return p?.maxConcurrent ?? DEFAULTS["connection.proxy.maxConcurrent"];
}

interface Slots {
  limit: number;
  active: number;
  readonly waiting: (() => void)[];
}
const slots = new Map<string, Slots>();

/**
 * Runs `work` once fewer than `limit` other works hold the bastion `key` (process-wide; the smallest limit named
 * for a bastion wins). Waiting works start in the order they asked.
 */
export async function throughBastion<T>(key: string, limit: number, work: () => Promise<T>): Promise<T> {
  let s = slots.get(key);
  if (s === undefined) {
    s = { limit, active: 0, waiting: [] };
    slots.set(key, s);
  }
  s.limit = Math.min(s.limit, limit);
  const gate = s;
  if (gate.active >= gate.limit) await new Promise<void>((resolve) => gate.waiting.push(resolve));
  gate.active++;
  try {
    return await work();
  } finally {
    gate.active--;
    gate.waiting.shift()?.();
  }
}
