// Property: no value a user passes can carry shell syntax (or a binfmt field separator) into anything
// we render. Every validated field gets hostile strings; each is either rejected with a
// BinfmtInputError naming the field, or — if accepted — made only of characters with no meaning to a
// shell.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { z } from "zod";
import {
  BinfmtInputError,
  SkipPolicy,
  absolutePathSchema,
  buildRule,
  fileNameSchema,
  flagsSchema,
  hostMachineSchema,
  interpreterSuffixSchema,
  maskPolicySchema,
  parseInput,
  planTargets,
  renderBinfmtDFile,
  renderRegisterString,
  skipPolicySchema,
  targetNameSchema,
} from "../../../src/binfmt";

/** Characters that mean nothing to sh/bash in any position we use them. */
const SHELL_INERT = /^[A-Za-z0-9._+/-]*$/;

// prettier-ignore
const SHELL_SYNTAX = [";", "|", "&", "$", "`", "(", ")", "{", "}", "<", ">", "*", "?", "[", "]", "!", "~", "#", "'", "\"", "\\",
  " ", "\t", "\n", "\r", "\0", ":", "=", "%", "^", ",", "@", "$(reboot)", "`id`", "${IFS}", "; rm -rf /", "\u2028", "é", "\u00a0"];
// prettier-ignore
const FRAGMENTS = ["arm", "aarch64", "linux/arm/v7", "x86_64", "F", "FC", "P", "/usr/bin", "/", "//", "-static", "qemu-arm.conf",
  "", ".", "..", "../", "-", "--", "-rf", "ignore-abi-version", "qemu", "family"];

const hostile: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.array(fc.oneof(fc.constantFrom(...SHELL_SYNTAX), fc.constantFrom(...FRAGMENTS)), { minLength: 1, maxLength: 8 }).map((a) => a.join("")),
);
/** A valid value with shell syntax spliced in somewhere: the hardest case for a loose pattern. */
function spliced(valid: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...valid), fc.constantFrom(...SHELL_SYNTAX, ".", "..", "/", "-"), fc.nat(), fc.constantFrom(...valid)).map(([v, bad, at, tail]) => {
    const i = at % (v.length + 1);
    return v.slice(0, i) + bad + v.slice(i) + (at % 3 === 0 ? tail : "");
  });
}

/** Hostile strings around valid ones, and non-strings: what a JavaScript caller might pass. */
function hostileFor(valid: readonly string[]): fc.Arbitrary<unknown> {
  return fc.oneof(hostile, spliced(valid), fc.constantFrom(...valid), fc.constantFrom(undefined, null, 0, -1, true, {}, [], ["arm"]));
}

const RUNS = { numRuns: 400 };

function checkField(name: string, schema: z.ZodType, valid: readonly string[], extra?: (accepted: string) => void): void {
  test(`${name}: hostile values are rejected with the field named, or accepted only when shell-inert`, () => {
    fc.assert(
      fc.property(hostileFor(valid), (value) => {
        let accepted: unknown;
        try {
          accepted = parseInput(schema, value, name);
        } catch (e) {
          assert.ok(e instanceof BinfmtInputError, `a BinfmtInputError, not ${String(e)}`);
          assert.equal(e.field, name);
          assert.ok(e.message.startsWith(`${name}: `));
          return;
        }
        assert.equal(typeof accepted, "string");
        assert.match(String(accepted), SHELL_INERT, `accepted ${JSON.stringify(accepted)}`);
        extra?.(String(accepted));
      }),
      RUNS,
    );
  });
}

checkField("target", targetNameSchema, ["arm", "aarch64", "linux/arm/v7", "arm64v8"]);
checkField("flags", flagsSchema, ["F", "FC", "POCF"], (v) => assert.match(v, /^[POCF]*$/));
checkField("interpreter", absolutePathSchema, ["/usr/bin/qemu-arm-static", "/usr/libexec/qemu-binfmt/arm-binfmt-P"], (v) => {
  assert.ok(v.startsWith("/"));
  assert.ok(!v.split("/").some((s) => s === ".." || s === "."));
});
checkField("interpreterDir", absolutePathSchema, ["/usr/bin", "/opt/qemu"]);
checkField("fileName", fileNameSchema, ["qemu-arm.conf", "a"], (v) => {
  assert.ok(!v.includes("/") && !v.startsWith("-") && v !== "." && v !== "..");
});
checkField("interpreterSuffix", interpreterSuffixSchema, ["-static", ""]);
checkField("hostMachine", hostMachineSchema, ["x86_64", "aarch64", "armv7l"]);
checkField("mask", maskPolicySchema, ["ignore-abi-version", "qemu"], (v) => assert.ok(v === "ignore-abi-version" || v === "qemu"));
checkField("skip", skipPolicySchema, ["family", "exact-native"], (v) => assert.ok(v === "family" || v === "exact-native"));

test("buildRule with hostile options renders only shell-inert fields, or throws BinfmtInputError", () => {
  const field = fc.option(fc.oneof(hostile, spliced(["/usr/bin", "F", "-static", "/usr/bin/qemu-arm-static"])), { nil: undefined });
  fc.assert(
    fc.property(fc.oneof(hostile, spliced(["arm", "arm64", "linux/riscv64"])), field, field, field, field, (target, flags, interpreterDir, interpreterSuffix, interpreter) => {
      const opts = Object.fromEntries(Object.entries({ flags, interpreterDir, interpreterSuffix, interpreter }).filter(([, v]) => v !== undefined));
      let line: string;
      try {
        const rule = buildRule(target, opts);
        line = renderRegisterString(rule);
        assert.ok(renderBinfmtDFile(rule).endsWith(`${line}\n`));
      } catch (e) {
        assert.ok(e instanceof BinfmtInputError, `a BinfmtInputError, not ${String(e)}`);
        return;
      }
      const fields = line.split(":");
      assert.equal(fields.length, 8, line);
      for (const f of fields) assert.match(f, /^[A-Za-z0-9._+/\\-]*$/, line);
    }),
    RUNS,
  );
});

test("planTargets with hostile target lists and host machines: BinfmtInputError or catalogue targets only", () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(hostile, spliced(["arm64", "x86_64"])), { maxLength: 4 }), fc.oneof(hostile, spliced(["x86_64"])), (targets, host) => {
      try {
        const plan = planTargets(targets, host, SkipPolicy.Family);
        for (const t of [...plan.register, ...plan.skipped.map((s) => s.target)]) assert.match(t.name, SHELL_INERT);
      } catch (e) {
        assert.ok(e instanceof BinfmtInputError, `a BinfmtInputError, not ${String(e)}`);
        assert.match(e.field, /^(targets(\[\d+\])?|hostMachine)$/);
      }
    }),
    RUNS,
  );
});
