import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { SCRIPT_FILES, scriptText } from "../../../src/host/scripts/load";

const DIR = path.join(__dirname, "../../../src/host/scripts");

describe("shipped .sh files", () => {
  it("are exactly the files the loader knows (a new script cannot be left out of the package or of shellcheck)", () => {
    const onDisk = readdirSync(DIR)
      .filter((f) => f.endsWith(".sh"))
      .sort();
    assert.deepEqual([...SCRIPT_FILES].sort(), onDisk);
  });

  it("are read from beside the loading module, unchanged, and declare POSIX sh for shellcheck", () => {
    for (const f of SCRIPT_FILES) {
      assert.equal(scriptText(f), readFileSync(path.join(DIR, f), "utf8"));
      assert.match(scriptText(f), /^# shellcheck shell=sh\n/, f);
    }
  });
});
