// A preview must answer: `dialErrorLimit: -1` (unlimited) waits for a booting host in `up`, but the
// observation a preview makes gives up after the default limit and reports the host unreadable.
import { test } from "node:test";
import assert from "node:assert/strict";
import { observationDialLimit } from "../../../src/component/observe";

test("dialErrorLimit -1 is unlimited in up but bounded (10) in preview", () => {
  assert.equal(observationDialLimit(-1, false), -1);
  assert.equal(observationDialLimit(-1, true), 10);
});

test("an explicit limit is kept in both; none gives the default 10", () => {
  assert.equal(observationDialLimit(3, true), 3);
  assert.equal(observationDialLimit(0, false), 0);
  assert.equal(observationDialLimit(undefined, true), 10);
  assert.equal(observationDialLimit(undefined, false), 10);
});
