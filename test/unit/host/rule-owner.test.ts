/**
 * Ownership of a rule: the binfmt.d file records the stack and resource that manage it (its second line),
 * so a second stack asking for the same target on the same host fails naming the owner, and its destroy
 * leaves the owner's file and entry alone. Run for real with `sh` against a simulated binfmt_misc
 * directory (./rule-sandbox.ts).
 */
import { describe, it, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { OWNER_PREFIX, RuleAction, RuleScriptInput, ownerRecord, withOwner } from "../../../src/host/scripts/rule";
import { kernelText, run, Sandbox, sandbox } from "./rule-sandbox";
import { parseHostArgs } from "../../../src/component/validate";
import { hostDrift } from "../../../src/host/drift";
import { planHost } from "../../../src/host/plan";
import { FILE_MARKER } from "../../../src/host/scripts/rule";
import { DEBIAN12_FACTS } from "../component/harness";
import { observed } from "../../support/observation";

const A = ownerRecord("proj-a", "prod", "builder");
const B = ownerRecord("proj-b", "dev", "other");

let s: Sandbox;
beforeEach(() => {
  s = sandbox();
});

function ownedBy(owner: string): RuleScriptInput {
  const base = s.plan.script;
  const plain = base.content
    .split("\n")
    .filter((l) => !l.startsWith(OWNER_PREFIX))
    .join("\n");
  return { ...base, owner, content: withOwner(plain, owner) };
}

describe("rule ownership", () => {
  it("records the owner as the file's second line", () => {
    const i = ownedBy(A);
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(i));
    const r = run(s, RuleAction.Apply, i);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(i.file, "utf8").split("\n")[1], "# Owner: proj-a/prod BinfmtHost builder");
  });

  it("refuses another stack's file, naming its owner, and changes nothing", () => {
    const a = ownedBy(A);
    mkdirSync(s.etc, { recursive: true });
    writeFileSync(a.file, `${a.content}\n`);
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(a));
    const r = run(s, RuleAction.Apply, ownedBy(B));
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /qemu-aarch64 \(target aarch64\) is managed by another stack: .*qemu-aarch64\.conf records the owner proj-a\/prod BinfmtHost builder \(this is proj-b\/dev BinfmtHost other\)/,
    );
    assert.equal(readFileSync(a.file, "utf8"), `${a.content}\n`);
    assert.equal(readFileSync(path.join(s.mnt, "register"), "utf8"), "", "nothing registered");
  });

  it("a remove by another stack leaves the owner's file and entry", () => {
    const a = ownedBy(A);
    mkdirSync(s.etc, { recursive: true });
    writeFileSync(a.file, `${a.content}\n`);
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(a));
    const r = run(s, RuleAction.Remove, ownedBy(B));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { target: "aarch64", name: "qemu-aarch64", unregistered: false, removedFile: false });
    assert.match(r.stderr, /leaving qemu-aarch64 and .* they are managed by proj-a\/prod/);
    assert.equal(readFileSync(path.join(s.mnt, "qemu-aarch64"), "utf8"), kernelText(a), "entry untouched");
  });

  it("takes over a file of ours that records no owner (written before owners were recorded)", () => {
    const legacy = s.plan.script;
    mkdirSync(s.etc, { recursive: true });
    writeFileSync(legacy.file, `${legacy.content}\n`);
    const b = ownedBy(B);
    writeFileSync(path.join(s.mnt, "qemu-aarch64"), kernelText(b));
    const r = run(s, RuleAction.Apply, b);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(b.file, "utf8"), `${b.content}\n`);
  });

  it("drift: another stack's file is a conflict naming its owner; the same owner's file is converged; rulesHash ignores the owner", () => {
    const config = parseHostArgs("t", { connection: { host: "h" }, architectures: ["aarch64"] });
    const obs = observed(DEBIAN12_FACTS);
    const mine = planHost(config, obs, "l", B);
    const theirs = planHost(config, obs, "l", A);
    const rule = mine.rules[0];
    if (rule === undefined) throw new Error("no rule");
    const e = rule.script.expected;
    const entry = { name: "qemu-aarch64", text: `enabled\ninterpreter ${e.interpreter}\nflags: ${e.flags}\noffset 0\nmagic ${e.magic}\nmask ${e.mask}` };
    const withFile = (text: string) => ({ ...obs, entries: [entry], files: [{ path: rule.script.file, state: "file" as const, text }] });
    assert.deepEqual(hostDrift(mine, withFile(rule.script.content), FILE_MARKER).targets.aarch64?.reasons, []);
    assert.deepEqual(hostDrift(mine, withFile(theirs.rules[0]?.script.content ?? ""), FILE_MARKER).targets.aarch64?.reasons, [
      "conflict: /etc/binfmt.d/qemu-aarch64.conf is managed by another stack (proj-a/prod BinfmtHost builder); up refuses to take it over",
    ]);
    assert.equal(mine.rulesHash, theirs.rulesHash);
    assert.equal(mine.rulesHash, planHost(config, obs, "l").rulesHash, "the same hash as a file without an owner line");
  });
});
