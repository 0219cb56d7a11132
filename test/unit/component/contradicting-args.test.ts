// K6.13: inputs that contradict each other are rejected before any connection; K5.11: an interpreter per
// target (`interpreters`), validated and used by the plan.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BinfmtArgsError } from "../../../src/component/errors";
import { parseFleetArgs, parseHostArgs } from "../../../src/component/validate";
import type { BinfmtHostArgs } from "../../../src/component/args";
import { planHost } from "../../../src/host/plan";
import { DEBIAN12_FACTS, DEBIAN13_SUDO_FACTS, observed } from "./harness";

const base: BinfmtHostArgs = { connection: { host: "h" }, architectures: ["aarch64", "arm"] };

function rejected(args: unknown): BinfmtArgsError {
  try {
    parseHostArgs('BinfmtHost "v"', args as BinfmtHostArgs);
  } catch (e) {
    if (e instanceof BinfmtArgsError) return e;
    throw e;
  }
  assert.fail("expected BinfmtArgsError");
}

describe("two names for one target are rejected, naming both and the target", () => {
  it("acceptance.images { arm64, aarch64 }", () => {
    const e = rejected({ ...base, acceptance: { images: { arm64: "arm64v8/busybox", aarch64: "arm64v8/busybox:other" } } });
    assert.equal(e.field, "args.acceptance.images.aarch64");
    assert.match(e.message, /keys "arm64" and "aarch64" both name the target aarch64 \("arm64v8\/busybox" and "arm64v8\/busybox:other"\)/);
  });

  it("acceptance.platforms { armhf, linux/arm/v7 }", () => {
    const e = rejected({ ...base, acceptance: { platforms: { armhf: "linux/arm/v7", "linux/arm/v7": "linux/arm" } } });
    assert.match(e.message, /keys "armhf" and "linux\/arm\/v7" both name the target arm/);
  });

  it("interpreters { aarch64, arm64v8 }", () => {
    const e = rejected({ ...base, interpreters: { aarch64: "/usr/bin/qemu-aarch64", arm64v8: "/opt/q/qemu-aarch64" } });
    assert.equal(e.field, "args.interpreters.arm64v8");
    assert.match(e.message, /both name the target aarch64/);
  });

  it('architectures ["aarch64", "arm64"] and ["arm", "arm"]', () => {
    const e = rejected({ ...base, architectures: ["aarch64", "arm64"] });
    assert.equal(e.field, "args.architectures[1]");
    assert.match(e.message, /"arm64" names the target aarch64, already requested as "aarch64" \(args.architectures\[0\]\); list each target once/);
    assert.match(rejected({ ...base, architectures: ["arm", "arm"] }).message, /already requested/);
  });

  it("a fleet host's own architectures, named by their field", () => {
    assert.throws(
      () => parseFleetArgs("f", { architectures: ["arm"], hosts: [{ id: "a", connection: { host: "h" }, architectures: ["riscv64", "linux/riscv64"] }] }),
      (e: unknown) => e instanceof BinfmtArgsError && e.field === "args.hosts[0].architectures[1]",
    );
  });
});

describe("interpreters: a full path per target", () => {
  it("must be absolute and name a requested target", () => {
    const rel = rejected({ ...base, interpreters: { aarch64: "qemu-aarch64" } });
    assert.equal(rel.field, "args.interpreters.aarch64");
    assert.match(rel.message, /invalid path "qemu-aarch64": it is not absolute/);
    const other = rejected({ ...base, interpreters: { riscv64: "/usr/bin/qemu-riscv64" } });
    assert.match(other.message, /"riscv64" is not one of the requested architectures/);
  });

  it("overrides the distribution's path for its target only, keyed by any accepted name", () => {
    const config = parseHostArgs("t", { ...base, interpreters: { arm64: "/usr/libexec/qemu-binfmt/aarch64-binfmt-P" }, flags: "POF" });
    const plan = planHost(config, observed(DEBIAN13_SUDO_FACTS), "t");
    assert.deepEqual(
      plan.rules.map((r) => r.rule.interpreter),
      ["/usr/libexec/qemu-binfmt/aarch64-binfmt-P", "/usr/bin/qemu-arm"],
    );
    assert.deepEqual(
      planHost(parseHostArgs("t", base), observed(DEBIAN12_FACTS), "t").rules.map((r) => r.rule.interpreter),
      ["/usr/bin/qemu-aarch64-static", "/usr/bin/qemu-arm-static"],
    );
  });
});

describe("fleet-wide per-target maps", () => {
  const hosts = [
    { id: "a", connection: { host: "10.0.0.1" } },
    { id: "b", connection: { host: "10.0.0.2" }, architectures: ["riscv64"] },
  ];

  it("apply to the hosts that request the target, and are not an error for the others", () => {
    const parsed = parseFleetArgs("BinfmtFleet f", { architectures: ["aarch64"], hosts, acceptance: { images: { riscv64: "riscv64/busybox:1.36" } } });
    assert.equal(parsed[0]?.config.acceptance.targets.aarch64?.image, "arm64v8/busybox");
    assert.equal(parsed[1]?.config.acceptance.targets.riscv64?.image, "riscv64/busybox:1.36");
  });

  it("still reject a key that no host requests, naming every requested target", () => {
    assert.throws(
      () => parseFleetArgs("BinfmtFleet f", { architectures: ["aarch64"], hosts, interpreters: { s390x: "/opt/qemu-s390x" } }),
      /args\.interpreters\.s390x: "s390x" is not one of the requested architectures \(aarch64, riscv64\)/,
    );
  });
});

describe("a value of the wrong type", () => {
  it("is rejected naming the field, what was expected, an example and the value given", () => {
    const msg = (extra: object) => {
      try {
        parseHostArgs("BinfmtHost t", { ...base, ...extra } as BinfmtHostArgs);
      } catch (e) {
        return e instanceof BinfmtArgsError ? e.problems.join("\n") : String(e);
      }
      return "accepted";
    };
    assert.equal(msg({ connection: { host: "h", port: "22" } }), 'args.connection.port: expected a port number, e.g. 22, got "22"');
    assert.equal(msg({ lockTimeoutSeconds: "120" }), 'args.lockTimeoutSeconds: expected an integer from 0 to 3600, e.g. 10, got "120"');
    assert.equal(msg({ observe: "false" }), 'args.observe: expected true or false, e.g. false, got "false"');
  });
});
