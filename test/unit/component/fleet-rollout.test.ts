import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Recorder, installMocks, settle } from "./harness";
import type { BinfmtFleetArgs, FleetHost, ProxyConnection } from "../../../src/component";

let rec: Recorder;
before(() => {
  rec = installMocks();
});

async function fleet(name: string, args: BinfmtFleetArgs): Promise<Record<string, readonly string[]>> {
  const { BinfmtFleet } = await import("../../../src/component");
  rec.clear();
  const f = new BinfmtFleet(name, args, { transformations: [rec.transformation] });
  await settle(pulumi.all([f.hostReports, f.summary]));
  return Object.fromEntries(rec.registered.map((r) => [r.name, r.dependsOn]));
}

const hosts = (n: number, proxy?: ProxyConnection): FleetHost[] =>
  Array.from({ length: n }, (_, i) => ({ id: `h${i}`, connection: { host: `10.0.0.${i + 1}`, ...(proxy === undefined ? {} : { proxy }) } }));

/**
 * What a host waits for outside itself: the dependsOn of its first steps (its children that wait for none of its
 * own children), each sorted. Robust to which step comes first (the install, the facts command, a bundle copy).
 */
function firstWaits(deps: Record<string, readonly string[]>, host: string): string[][] {
  const own = (n: string) => n.startsWith(`${host}-`);
  return Object.entries(deps)
    .filter(([n, d]) => own(n) && !d.some(own))
    .map(([, d]) => [...d].sort());
}

/** Every first step of `host` waits for exactly `expected` (and there is at least one). */
function assertWaits(deps: Record<string, readonly string[]>, host: string, expected: string[], message?: string): void {
  const w = firstWaits(deps, host);
  assert.ok(w.length > 0, `${host} has steps`);
  for (const d of w) assert.deepEqual(d, [...expected].sort(), message ?? host);
}

describe("BinfmtFleet rollout waves", () => {
  it("starts a wave's hosts only after every host of the previous wave passed its checks: their install waits for the checks", async () => {
    const deps = await fleet("w", { architectures: ["arm"], hosts: hosts(5), rollout: { waveSize: 2 } });
    assertWaits(deps, "w-h0", []);
    assertWaits(deps, "w-h1", []);
    assertWaits(deps, "w-h2", ["w-h0-check", "w-h1-check"]);
    assertWaits(deps, "w-h3", ["w-h0-check", "w-h1-check"]);
    assertWaits(deps, "w-h4", ["w-h2-check", "w-h3-check"]);
    // The rest of a later host's chain follows its install, so nothing of it runs before the previous wave passed.
    assert.deepEqual(deps["w-h4-rule-arm"], ["w-h4-packages"]);
  });

  it("waits for the rules of the previous wave when acceptance is off", async () => {
    const deps = await fleet("wn", { architectures: ["arm", "aarch64"], hosts: hosts(2), rollout: { waveSize: 1 }, acceptance: { enabled: false } });
    assertWaits(deps, "wn-h1", ["wn-h0-rule-arm", "wn-h0-rule-aarch64"]);
  });

  it("makes a later wave's facts command (observe: false) wait too: it is an SSH session on that host", async () => {
    const deps = await fleet("wf", { architectures: ["arm"], hosts: hosts(2), rollout: { waveSize: 1 }, observe: false });
    assert.deepEqual(deps["wf-h1-facts"], ["wf-h0-check"]);
  });

  it("runs every host at once without a rollout, as before", async () => {
    const deps = await fleet("wa", { architectures: ["arm"], hosts: hosts(3) });
    for (const i of [0, 1, 2]) assertWaits(deps, `wa-h${i}`, []);
  });
});

describe("BinfmtFleet behind a bastion", () => {
  it("chains the hosts sharing a bastion into maxConcurrent lanes (default 8): the ninth waits for the first", async () => {
    const deps = await fleet("b", { architectures: ["arm"], hosts: hosts(10, { host: "jump.example" }) });
    for (let i = 0; i < 8; i++) assertWaits(deps, `b-h${i}`, [], `h${i}`);
    assertWaits(deps, "b-h8", ["b-h0-check"]);
    assertWaits(deps, "b-h9", ["b-h1-check"]);
  });

  it("honours connection.proxy.maxConcurrent and keeps hosts of other bastions and direct hosts free", async () => {
    const jump = { host: "jump", user: "ops", maxConcurrent: 1 };
    const deps = await fleet("bc", {
      architectures: ["arm"],
      hosts: [
        { id: "a", connection: { host: "10.0.0.1", proxy: jump } },
        { id: "b", connection: { host: "10.0.0.2", proxy: jump } },
        { id: "c", connection: { host: "10.0.0.3", proxy: { ...jump, user: "other" } } },
        { id: "d", connection: { host: "10.0.0.4" } },
        { id: "e", connection: { host: "10.0.0.5", proxy: jump } },
      ],
    });
    assertWaits(deps, "bc-b", ["bc-a-check"]);
    assertWaits(deps, "bc-e", ["bc-b-check"]);
    assertWaits(deps, "bc-c", []);
    assertWaits(deps, "bc-d", []);
  });

  it("reads at most maxConcurrent hosts through one bastion at once when the program observes them", async () => {
    const { useObservationRunner } = await import("../../../src/component/observe");
    const { observationStdout, DEBIAN12_FACTS } = await import("./harness");
    let active = 0;
    let peak = 0;
    const restore = useObservationRunner(async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 20));
      active--;
      return { code: 0, stderr: "", stdout: observationStdout(DEBIAN12_FACTS) };
    });
    try {
      await fleet("bo", { architectures: ["arm"], hosts: hosts(6, { host: "jump-observe", maxConcurrent: 2 }) });
    } finally {
      restore();
    }
    assert.equal(peak, 2);
  });

  it("rejects a maxConcurrent that is not a positive integer, naming the field and the value", async () => {
    const { BinfmtFleet } = await import("../../../src/component");
    assert.throws(
      () => new BinfmtFleet("bad", { architectures: ["arm"], hosts: [{ id: "a", connection: { host: "h", proxy: { host: "j", maxConcurrent: 0 } } }] }),
      /args\.hosts\[0\]\.connection\.proxy\.maxConcurrent: invalid maxConcurrent 0: expected an integer from 1 to 1000/,
    );
  });
});

describe("BinfmtFleet rollout arguments", () => {
  it("rejects a wave size that is not a positive integer before any resource exists, naming the field and quoting the value", async () => {
    const { BinfmtFleet } = await import("../../../src/component");
    rec.clear();
    for (const waveSize of [0, 1.5, -2]) {
      assert.throws(
        () => new BinfmtFleet("bad", { architectures: ["arm"], hosts: hosts(2), rollout: { waveSize } }, { transformations: [rec.transformation] }),
        new RegExp(`args\\.rollout\\.waveSize: invalid waveSize ${waveSize}: expected an integer from 1 to 100000`),
      );
    }
    assert.throws(
      () => new BinfmtFleet("bad", { architectures: ["arm"], hosts: hosts(2), rollout: { waveSize: "2" as unknown as number } }),
      /args\.rollout\.waveSize: expected an integer from 1 to 100000, e\.g\. 10, got "2"/,
    );
    assert.throws(() => new BinfmtFleet("bad", { architectures: ["arm"], hosts: hosts(2), rollout: { wave: 2 } as never }), /unknown field\(s\) "wave" in a rollout/);
    assert.deepEqual(
      rec.registered.map((r) => r.name),
      [],
    );
  });
});

describe("BinfmtFleet retired hosts", () => {
  it("builds nothing for a retired host (no connection needed) and still builds the others, in waves that skip it", async () => {
    const deps = await fleet("r", {
      architectures: ["arm"],
      hosts: [
        { id: "a", connection: { host: "10.0.0.1" } },
        { id: "gone", retired: true },
        { id: "b", connection: { host: "10.0.0.2" } },
      ],
      rollout: { waveSize: 1 },
    });
    assert.deepEqual(
      Object.keys(deps).filter((n) => n.includes("gone")),
      [],
    );
    assertWaits(deps, "r-b", ["r-a-check"], "the retired host is not a wave of its own");
  });

  it("does not read a retired host, even when its connection is still given", async () => {
    const { useObservationRunner } = await import("../../../src/component/observe");
    const read: string[] = [];
    const restore = useObservationRunner(async (ep) => {
      read.push(ep.host);
      throw new Error("unreachable in this test");
    });
    try {
      await fleet("rr", {
        architectures: ["arm"],
        hosts: [
          { id: "gone", retired: true, connection: { host: "10.9.9.9" } },
          { id: "a", connection: { host: "10.0.0.1" } },
        ],
      });
    } finally {
      restore();
    }
    assert.deepEqual(read, ["10.0.0.1"]);
  });

  it("rejects a host without a connection that is not retired, naming the field and the host", async () => {
    const { BinfmtFleet } = await import("../../../src/component");
    assert.throws(
      () => new BinfmtFleet("bad", { architectures: ["arm"], hosts: [{ id: "a" }] }),
      /args\.hosts\[0\]\.connection: host "a" has no connection: give one, or mark the host retired: true/,
    );
  });

  it("names the retired host's former URN in the state-delete command it prints", async () => {
    const { retiredHostUrn } = await import("../../../src/component/fleet");
    assert.equal(
      retiredHostUrn("urn:pulumi:dev::proj::qemu-binfmt:index:BinfmtFleet::builders", "builders", "b3"),
      "urn:pulumi:dev::proj::qemu-binfmt:index:BinfmtFleet$qemu-binfmt:index:BinfmtHost::builders-b3",
    );
  });
});

describe("BinfmtFleet per-target entries", () => {
  it("gives a fleet-wide interpreter, image and platform entry to the hosts that request its target and still builds the others", async () => {
    const { BinfmtFleet } = await import("../../../src/component");
    const { innerScript, scriptVars } = await import("./harness");
    rec.clear();
    const f = new BinfmtFleet(
      "pt",
      {
        architectures: ["arm"],
        interpreters: { "linux/riscv64": "/opt/qemu/qemu-riscv64" },
        acceptance: { images: { riscv64: "registry:5000/riscv64/busybox" }, platforms: { riscv64: "linux/riscv64" } },
        hosts: [
          { id: "a", connection: { host: "10.0.0.1" }, architectures: ["riscv64"] },
          { id: "b", connection: { host: "10.0.0.2" } },
        ],
      },
      { transformations: [rec.transformation] },
    );
    await settle(f.hostReports);
    const created = Object.fromEntries(rec.created.map((c) => [c.name, c.inputs]));
    assert.ok(created["pt-b-rule-arm"], "the host that does not request riscv64 is built");
    assert.equal(scriptVars(innerScript(created["pt-a-rule-riscv64"] ?? {})).INTERP, "/opt/qemu/qemu-riscv64");
    assert.match(String(created["pt-a-check"]?.stdin), /registry:5000\/riscv64\/busybox/);
  });
});
