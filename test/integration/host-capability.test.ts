/**
 * The host-capability gate and the fresh-lists evidence against a REAL lab host (its own binfmt_misc
 * instance, never this machine's): the observation script and the rule script run exactly as the
 * component runs them (`sh -s` over SSH, the text on stdin), the plan from what the observation printed.
 * - binfmt_misc switched off inside the host (echo 0 > status, as hardening profiles do): the plan refuses
 *   before any change; the rule script, run anyway, refuses too and registers nothing; switched on, it applies.
 * - a host without apt lists (the lab's hosts have none until their first apt-get update): the observation
 *   reads fresh lists into a private directory, the plan takes the layout from them, and the host's own
 *   lists directory stays empty.
 * No package is installed: the interpreter is a small file made for the test (no flag F).
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { LabHost, findHost, labDown, labUp, sshExec } from "../support/lab";
import { parseHostArgs } from "../../src/component/validate";
import { planOrRefusal } from "../../src/host/plan";
import { observationRequest, parseObservation } from "../../src/host/observation";
import { observeScript } from "../../src/host/scripts/observe";
import { RuleAction, ruleScript } from "../../src/host/scripts/rule";
import { shellCommand } from "../../src/host/shell";
import { InterpreterLayout, PackageSet, Privilege } from "../../src/host/enums";

const PREFIX = "cap";
const LAB_NAME = `${PREFIX}1`;
const MNT = "/proc/sys/fs/binfmt_misc";
let host: LabHost;

function root(command: string): string {
  const r = sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout;
}

function observe(architectures: string[], extra: object = {}) {
  const config = parseHostArgs("t", { connection: { host: host.address }, architectures, ...extra });
  const r = sshExec(host, "root", "sh -s", { input: observeScript("t", observationRequest(config)) });
  assert.equal(r.code, 0, r.stderr);
  return { config, obs: parseObservation(r.stdout, "t") };
}

describe("host capability on a real host", { timeout: 15 * 60_000 }, () => {
  before(() => {
    host = findHost(labUp({ hosts: 1, suites: ["bookworm"], prefix: PREFIX, fresh: true }), LAB_NAME);
  });
  after(() => {
    if (process.env.PQB_KEEP_LAB !== "1") labDown([LAB_NAME]);
  });

  it("binfmt_misc switched off: the plan refuses before any change, the rule script registers nothing, switched on it applies", () => {
    root("printf '#!/bin/sh\\nexit 0\\n' > /usr/local/bin/qemu-aarch64 && chmod 755 /usr/local/bin/qemu-aarch64");
    root(`echo 0 > ${MNT}/status`);
    try {
      const extra = { flags: "", interpreterDir: "/usr/local/bin", interpreterSuffix: "", installPackages: PackageSet.None };
      const { config, obs } = observe(["aarch64"], extra);
      assert.equal(obs.binfmt.status, "disabled");
      assert.deepEqual(obs.binfmtSupport, { support: "listed", readOnly: false, modulesDir: `/lib/modules/${root("uname -r").trim()}` });
      const { refused } = planOrRefusal(config, obs, "t");
      assert.match(refused, /binfmt_misc is switched off for the whole host .*echo 1 > \/proc\/sys\/fs\/binfmt_misc\/status/);
      // The rule script, run although the plan refused (its own last line of defence).
      const { plan } = planOrRefusal(config, { ...obs, binfmt: { mounted: true, status: "enabled" } }, "t");
      const script = plan.rules[0]?.script;
      assert.ok(script !== undefined);
      const r = sshExec(host, "root", shellCommand(Privilege.Root, RuleAction.Apply), { input: ruleScript(script) });
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /switched off for the whole host/);
      assert.equal(r.stdout, "", "no applied record");
      assert.equal(sshExec(host, "root", `test -e ${MNT}/qemu-aarch64 || test -e ${script.file}`).code, 1, "no entry and no file");
      root(`echo 1 > ${MNT}/status`);
      const ok = sshExec(host, "root", shellCommand(Privilege.Root, RuleAction.Apply), { input: ruleScript(script) });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(JSON.parse(ok.stdout).applied, "proc");
      const rm = sshExec(host, "root", shellCommand(Privilege.Root, RuleAction.Remove), { input: ruleScript(script) });
      assert.equal(rm.code, 0, rm.stderr);
    } finally {
      sshExec(host, "root", `echo 1 > ${MNT}/status; rm -f /usr/local/bin/qemu-aarch64`);
    }
  });

  it("no apt lists: the observation reads fresh lists privately and the layout comes from them; the host's lists stay empty", () => {
    root("rm -rf /var/lib/apt/lists/* && mkdir -p /var/lib/apt/lists/partial");
    const before = root("ls -A /var/lib/apt/lists");
    const { config, obs } = observe(["aarch64"]);
    assert.equal(obs.freshLists?.result, "updated", obs.freshLists?.detail);
    const candidate = obs.packages.find((p) => p.name === "qemu-user-static")?.candidate ?? "";
    assert.match(candidate, /^1:7\.2\+dfsg/, "bookworm's qemu-user-static, from the fresh lists");
    const { plan, refused } = planOrRefusal(config, obs, "t");
    assert.equal(refused, "");
    assert.equal(plan.layout, InterpreterLayout.StaticSuffix);
    assert.match(plan.layoutReason, /apt offers qemu-user-static 1:7\.2.*from apt lists read into a private directory/);
    assert.equal(root("ls -A /var/lib/apt/lists"), before, "the host's own lists are untouched");
    assert.equal(root("ls -d /tmp/pqb-lists.* 2>/dev/null | wc -l").trim(), "0", "the private directory is gone");
  });
});
