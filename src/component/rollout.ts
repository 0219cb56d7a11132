/**
 * The order in which a fleet's hosts run: waves (rollout.waveSize) and bastion lanes (connection.proxy.maxConcurrent,
 * ./bastion.ts). Pure: from the hosts in the order of `hosts` (retired hosts left out), which earlier hosts each one
 * waits for. The fleet (./fleet.ts) turns "waits for host j" into dependsOn on host j's converged resources (its
 * checks, or its rules when acceptance is off: convergedResources in ./host.ts), given to host i's first remote
 * step (hostAfter), so a host that waits runs nothing before those complete, and nothing at all when one fails.
 *
 * - Waves: hosts 0..w-1 form wave 0, the next w wave 1, and so on; every host of a wave waits for every host of
 *   the wave before (which waited for the one before it).
 * - Lanes: within a wave, the hosts behind one bastion, in order; the k-th waits for the (k - cap)-th, so at most
 *   `cap` of them run at once. Across waves the wave barrier orders them already.
 */

/** What the order needs to know of a host. */
export interface RolloutMember {
  /** The host's bastion ("user@host:port", ./bastion.ts bastionKey); undefined for a direct connection. */
  readonly bastion: string | undefined;
  /** Its bastion's maxConcurrent (ignored without a bastion). */
  readonly cap: number;
}

/** Where a host runs: its wave, and the earlier hosts (indices into the members) it waits for, ascending. */
export interface RolloutSlot {
  readonly wave: number;
  readonly after: readonly number[];
}

/**
 * The waves and lanes of `members` (in the order of `hosts`). `waveSize` undefined: one wave. Hosts naming one
 * bastion with different caps all get the smallest.
 */
export function planRollout(members: readonly RolloutMember[], waveSize: number | undefined): RolloutSlot[] {
  const size = waveSize ?? Math.max(1, members.length);
  const caps = new Map<string, number>();
  for (const m of members) if (m.bastion !== undefined) caps.set(m.bastion, Math.min(caps.get(m.bastion) ?? m.cap, m.cap));
  const waveOf = (i: number) => Math.floor(i / size);
  return members.map((m, i) => {
    const wave = waveOf(i);
    const after = new Set<number>();
    // The whole previous wave.
    for (let j = (wave - 1) * size; wave > 0 && j < wave * size; j++) after.add(j);
    // The lane: the host `cap` places earlier among this wave's hosts behind the same bastion.
    if (m.bastion !== undefined) {
      const same = members.map((x, j) => ({ x, j })).filter(({ x, j }) => waveOf(j) === wave && x.bastion === m.bastion && j <= i);
      const ahead = same[same.length - 1 - (caps.get(m.bastion) ?? m.cap)];
      if (ahead !== undefined) after.add(ahead.j);
    }
    return { wave, after: [...after].sort((a, b) => a - b) };
  });
}
