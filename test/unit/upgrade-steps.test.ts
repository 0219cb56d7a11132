// The upgrade test's reading of a plan (test/support/upgrade-steps.ts): every replace or delete fails it except the
// acceptance check re-running for its triggers alone, and only when the state shows that check has no delete command.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkReruns, destructiveSteps, type PlannedStep } from "../support/upgrade-steps";

const PARENT = "urn:pulumi:upgrade::p::qemu-binfmt:index:BinfmtHost$command:remote:Command::";
const CHECK = `${PARENT}builder-check`;
const RULE = `${PARENT}builder-rule-arm`;

function replacement(urn: string, keys: string[], diffs: string[]): PlannedStep[] {
  return [
    { op: "create-replacement", urn, keys, diffs },
    { op: "replace", urn, keys, diffs },
    { op: "delete-replaced", urn, keys: [], diffs: [] },
  ];
}

test("the check replaced for its triggers, with no delete command in the state, is the one allowed replacement", () => {
  const steps = replacement(CHECK, [], ["stdin", "triggers"]);
  assert.deepEqual([...checkReruns(steps, new Set([CHECK]))], [CHECK]);
  assert.deepEqual(destructiveSteps(steps, checkReruns(steps, new Set([CHECK]))), []);
  assert.deepEqual([...checkReruns(replacement(CHECK, ["triggers"], ["triggers"]), new Set([CHECK]))], [CHECK], "keys from the engine");
});

test("a check with a delete command, replaced for another key, or deleted outright is not allowed", () => {
  assert.equal(checkReruns(replacement(CHECK, [], ["triggers"]), new Set()).size, 0, "delete command in the state");
  assert.equal(checkReruns(replacement(CHECK, ["connection"], ["connection", "triggers"]), new Set([CHECK])).size, 0, "forced by another key");
  assert.equal(checkReruns(replacement(CHECK, [], ["stdin"]), new Set([CHECK])).size, 0, "no triggers change");
  assert.equal(checkReruns([{ op: "delete", urn: CHECK, keys: [], diffs: [] }], new Set([CHECK])).size, 0, "deleted, not replaced");
});

test("any other resource replaced or deleted is named with its cause", () => {
  const steps = [...replacement(RULE, [], ["triggers"]), { op: "delete", urn: `${PARENT}builder-packages`, keys: [], diffs: [] }];
  assert.equal(checkReruns(steps, new Set([RULE])).size, 0, "only a -check command");
  assert.deepEqual(destructiveSteps(steps, checkReruns(steps, new Set([RULE]))), [
    `create-replacement ${RULE} (changed: triggers)`,
    `replace ${RULE} (changed: triggers)`,
    `delete-replaced ${RULE}`,
    `delete ${PARENT}builder-packages`,
  ]);
});
