import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { planRollout } from "../../../src/component/rollout";
import { UNKNOWN_BASTION, bastionKey, throughBastion } from "../../../src/component/bastion";
import * as pulumi from "@pulumi/pulumi";

const direct = { bastion: undefined, cap: 8 };

describe("planRollout", () => {
  it("puts every host in one wave with nothing to wait for when no wave size is given", () => {
    assert.deepEqual(planRollout([direct, direct, direct], undefined), [
      { wave: 0, after: [] },
      { wave: 0, after: [] },
      { wave: 0, after: [] },
    ]);
  });

  it("makes every host of a wave wait for every host of the wave before it, in the order of hosts", () => {
    const slots = planRollout([direct, direct, direct, direct, direct], 2);
    assert.deepEqual(
      slots.map((s) => s.wave),
      [0, 0, 1, 1, 2],
    );
    assert.deepEqual(slots[2]?.after, [0, 1]);
    assert.deepEqual(slots[3]?.after, [0, 1]);
    assert.deepEqual(slots[4]?.after, [2, 3], "the last wave waits for the wave before it only (which waited for the first)");
  });

  it("chains hosts behind one bastion into at most maxConcurrent lanes, and leaves other hosts free", () => {
    const b = { bastion: "root@jump:22", cap: 2 };
    const c = { bastion: "root@other:22", cap: 2 };
    const slots = planRollout([b, b, c, b, direct, b, b], undefined);
    assert.deepEqual(
      slots.map((s) => s.after),
      [[], [], [], [0], [], [1], [3]],
    );
  });

  it("uses the smallest cap named for one bastion", () => {
    const slots = planRollout(
      [
        { bastion: "j", cap: 8 },
        { bastion: "j", cap: 1 },
        { bastion: "j", cap: 8 },
      ],
      undefined,
    );
    assert.deepEqual(
      slots.map((s) => s.after),
      [[], [0], [1]],
    );
  });

  it("combines waves and lanes: lanes restart in every wave, after the previous wave", () => {
    const b = { bastion: "j", cap: 1 };
    const slots = planRollout([b, b, b, b], 2);
    assert.deepEqual(
      slots.map((s) => s.after),
      [[], [0], [0, 1], [0, 1, 2]],
    );
  });
});

describe("bastionKey", () => {
  it("names a bastion by user, host and port with their defaults, and all Output-valued bastions alike", () => {
    assert.equal(bastionKey({ proxy: { host: "jump" } }), "root@jump:22");
    assert.equal(bastionKey({ proxy: { host: "jump", port: 2222, user: "ops" } }), "ops@jump:2222");
    assert.equal(bastionKey({}), undefined);
    assert.equal(bastionKey({ proxy: { host: pulumi.output("jump") } }), UNKNOWN_BASTION);
  });
});

describe("throughBastion", () => {
  it("runs at most `limit` works through one bastion at once, the others in the order they asked", async () => {
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const work = (i: number) => async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      order.push(i);
      active--;
      return i;
    };
    const results = await Promise.all([0, 1, 2, 3, 4, 5, 6].map((i) => throughBastion("test-bastion-a", 3, work(i))));
    assert.deepEqual(results, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(peak, 3);
    assert.deepEqual(order.slice(3), [3, 4, 5, 6]);
  });

  it("frees the slot of a work that fails", async () => {
    await assert.rejects(
      throughBastion("test-bastion-b", 1, () => Promise.reject(new Error("dial failed"))),
      /dial failed/,
    );
    assert.equal(await throughBastion("test-bastion-b", 1, () => Promise.resolve("next")), "next");
  });
});
