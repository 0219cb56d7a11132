import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { prelude, runAs, shellQuote, shellVars } from "../../../src/host/shell";
import { Privilege } from "../../../src/host/enums";
import { factsScript } from "../../../src/host/scripts/facts";
import { installPackagesScript, removePackagesScript } from "../../../src/host/scripts/packages";
import { applyRuleScript, removeRuleScript, skippedRuleScript } from "../../../src/host/scripts/rule";
import { checkScript } from "../../../src/host/scripts/check";
import { planHost } from "../../../src/host/plan";
import { parseHostArgs } from "../../../src/component/validate";
import { DEBIAN12_FACTS, observed } from "./harness";

const NASTY = [`it's`, `$(reboot)`, "`id`", `a"b`, "back\\slash \\x7f", "new\nline", "*", "-n", "'; rm -rf / #", ""];

function sh(script: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("sh", ["-c", script], { encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("shell quoting", () => {
  it("passes any string through as one literal word", () => {
    for (const v of NASTY) assert.equal(sh(`printf '%s' ${shellQuote(v)}`).stdout, v, JSON.stringify(v));
  });

  it("survives the extra level of sh -c that runAs adds (root and sudo shapes)", () => {
    for (const v of NASTY) {
      const inner = `printf '%s' ${shellQuote(v)}`;
      const line = runAs(Privilege.Root, inner);
      assert.match(line, /^sh -c '/);
      assert.equal(sh(line).stdout, v);
      assert.match(runAs(Privilege.Sudo, inner), /^sudo -n sh -c '/);
    }
  });

  it("defines variables literally", () => {
    assert.equal(sh(`${shellVars({ A: "$(x)", B: "it's" })}\nprintf '%s|%s' "$A" "$B"`).stdout, "$(x)|it's");
    assert.throws(() => shellVars({ "a;b": "x" }), /bad shell variable name/);
  });

  it("prints JSON strings with quotes, backslashes and control characters handled", () => {
    const r = sh(`${prelude("lbl")}\nprintf '[%s,%s]' "$(js 'a"b\\c')" "$(js "$(printf 'x\\ty')")"`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ['a"b\\c', "xy"]);
  });

  it("fail() prefixes the host label and exits 1", () => {
    const r = sh(`${prelude("builder-1 (root@10.0.0.5:22)")}\nfail "boom"\necho unreachable`);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "builder-1 (root@10.0.0.5:22): boom\n");
    assert.equal(r.stdout, "");
  });
});

describe("every remote script", () => {
  const config = parseHostArgs("t", { connection: { host: "h" }, architectures: ["aarch64", "x86_64"] });
  const plan = planHost(config, observed(DEBIAN12_FACTS), `it's "odd" $(label)`);
  const rule = plan.rules[0];
  if (rule === undefined) throw new Error("no rule");
  const scripts: Record<string, string> = {
    facts: factsScript("l"),
    install: installPackagesScript({ label: "l", packages: ["qemu-user-static"], lockTimeoutSeconds: 120 }),
    remove: removePackagesScript({ label: "l", packages: ["qemu-user-static"], lockTimeoutSeconds: 120 }),
    apply: applyRuleScript(rule.script),
    unapply: removeRuleScript(rule.script),
    skipped: skippedRuleScript("l", "x86_64", "qemu-x86_64", "native"),
    check: checkScript({ label: "l", target: "aarch64", image: "arm64v8/busybox", platform: "linux/arm64", expected: "aarch64", timeoutSeconds: 60 }),
  };

  it("is valid POSIX sh (sh -n)", () => {
    for (const [name, script] of Object.entries(scripts)) {
      const r = spawnSync("sh", ["-n", "-c", script], { encoding: "utf8" });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    }
  });

  it("starts in strict mode with a fixed PATH and locale", () => {
    for (const [name, script] of Object.entries(scripts)) assert.match(script, /^set -eu\nPATH=.*\nLC_ALL=C\n/, name);
  });

  it("carries an odd host label literally (no expansion)", () => {
    assert.match(rule.script.label, /\$\(label\)/);
    assert.match(applyRuleScript(rule.script), /LABEL='it'\\''s "odd" \$\(label\)'/);
  });

  it("prints the skipped target's JSON without touching anything", () => {
    const r = sh(scripts.skipped ?? "");
    assert.deepEqual(JSON.parse(r.stdout), { target: "x86_64", name: "qemu-x86_64", skipped: "native" });
  });
});
