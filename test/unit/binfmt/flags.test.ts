import { test } from "node:test";
import assert from "node:assert/strict";
import { BinfmtInputError, buildRule, normaliseFlags } from "../../../src/binfmt";

test("flags normalise to the kernel's print order P O C F", () => {
  assert.equal(normaliseFlags("F"), "F");
  assert.equal(normaliseFlags("FP"), "PF");
  assert.equal(normaliseFlags("OPF"), "POF");
  assert.equal(normaliseFlags("FOCP"), "POCF");
  assert.equal(normaliseFlags(""), "");
  assert.equal(normaliseFlags("FFF"), "F");
});

test("C implies O, as in the kernel", () => {
  assert.equal(normaliseFlags("C"), "OC");
  assert.equal(normaliseFlags("FC"), "OCF");
  assert.equal(buildRule("arm", { flags: "FC" }).flags, "OCF");
});

test("F is the default flag", () => {
  assert.equal(buildRule("arm").flags, "F");
});

test("unknown or lower-case letters are errors naming the field and listing valid letters", () => {
  for (const bad of ["X", "f", "F ", "F;reboot"]) {
    assert.throws(
      () => normaliseFlags(bad),
      (e: unknown) => e instanceof BinfmtInputError && e.field === "flags" && e.value === bad && e.choices.join("") === "POCF" && e.message.includes(JSON.stringify(bad)),
    );
  }
  assert.throws(() => buildRule("arm", { flags: "FZ" }), /^BinfmtInputError: flags: invalid flags "FZ": unknown flag "Z"; valid letters: P, O, C, F/);
});

test("flagsSchema validates and normalises in one step; the component's config holds the normalised flags", async () => {
  const { flagsSchema, parseInput } = await import("../../../src/binfmt");
  const { parseHostArgs } = await import("../../../src/component/validate");
  assert.equal(parseInput(flagsSchema, "FC", "flags"), "OCF");
  assert.equal(parseHostArgs("t", { connection: { host: "h" }, architectures: ["arm"], flags: "FCP" }).flags, "POCF");
  assert.equal(parseHostArgs("t", { connection: { host: "h" }, architectures: ["arm"] }).flags, "F");
});
