// The new `interpreters` argument ends up in the rule scripts and the registration line: hostile keys and
// values are rejected as BinfmtArgsError before any resource, or accepted only as shell-inert absolute paths.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { BinfmtArgsError } from "../../../src/component/errors";
import { parseHostArgs } from "../../../src/component/validate";
import { planHost } from "../../../src/host/plan";
import { DEBIAN12_FACTS, observed } from "./harness";

const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 24 }),
  fc.constantFrom("$(reboot)", "`id`", "/usr/bin/x y", "/usr/bin/a:b", "/usr/bin/../sh", "-rf", "/", "//x", "/x/", "/usr/libexec/qemu-binfmt/aarch64-binfmt-P"),
);

test("hostile interpreters: BinfmtArgsError naming args.interpreters.<key>, or a shell-inert absolute path in the rule", () => {
  fc.assert(
    fc.property(fc.oneof(hostile, fc.constantFrom("aarch64", "arm64", "linux/arm64", "__proto__", "constructor")), hostile, (key, value) => {
      let config;
      try {
        config = parseHostArgs("t", { connection: { host: "h" }, architectures: ["aarch64"], flags: "POF", interpreters: { [key]: value } });
      } catch (e) {
        assert.ok(e instanceof BinfmtArgsError, String(e));
        assert.ok(e.field.startsWith("args.interpreters"), e.field);
        return;
      }
      const interpreter = planHost(config, observed(DEBIAN12_FACTS), "t").rules[0]?.rule.interpreter ?? "";
      assert.equal(interpreter, value);
      assert.match(interpreter, /^(\/[A-Za-z0-9._+-]+)+$/);
      assert.ok(!interpreter.split("/").some((s) => s === "." || s === ".."));
    }),
    { numRuns: 300 },
  );
});
