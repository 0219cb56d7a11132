import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { renderScript, shellCommand, shellQuote, shellVars } from "../../../src/host/shell";
import { Privilege } from "../../../src/host/enums";
import { observeScript } from "../../../src/host/scripts/observe";
import { observationRequest } from "../../../src/host/observation";
import { packagesScript } from "../../../src/host/scripts/packages";
import { ruleScript, skippedRuleScript } from "../../../src/host/scripts/rule";
import { checkScript } from "../../../src/host/scripts/check";
import { planHost } from "../../../src/host/plan";
import { parseHostArgs } from "../../../src/component/validate";
import { DEBIAN12_FACTS, observed } from "../component/harness";
import { runScript } from "./run-script";

const NASTY = [`it's`, `$(reboot)`, "`id`", `a"b`, "back\\slash \\x7f", "new\nline", "*", "-n", "'; rm -rf / #", ""];

function sh(script: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("sh", ["-c", script], { encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("shell quoting", () => {
  it("passes any string through as one literal word", () => {
    for (const v of NASTY) assert.equal(sh(`printf '%s' ${shellQuote(v)}`).stdout, v, JSON.stringify(v));
  });

  it("carries any string literally through a rendered script on stdin (sh -s)", () => {
    for (const v of NASTY) {
      const r = runScript(renderScript({ label: v, vars: { V: v }, files: [] }).replace("} </dev/null", `printf '%s|%s' "$V" "$LABEL"\n} </dev/null`));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${v}|${v}`, JSON.stringify(v));
    }
  });

  it("defines variables literally", () => {
    assert.equal(sh(`${shellVars({ A: "$(x)", B: "it's" })}\nprintf '%s|%s' "$A" "$B"`).stdout, "$(x)|it's");
    assert.throws(() => shellVars({ "a;b": "x" }), /bad shell variable name/);
  });

  it("prints JSON strings with quotes, backslashes and control characters handled; js_lines keeps line breaks", () => {
    const script = renderScript({ label: "lbl", vars: {}, files: [] }).replace(
      "} </dev/null",
      `printf '[%s,%s,%s]' "$(js 'a"b\\c')" "$(js "$(printf 'x\\ty')")" "$(js_lines "$(printf 'l1\\n"l2"\\\\\\n')")"\n} </dev/null`,
    );
    const r = runScript(script);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ['a"b\\c', "xy", 'l1\n"l2"\\']);
  });

  it("fail() prefixes the host label and exits 1", () => {
    const r = runScript(renderScript({ label: "builder-1 (root@10.0.0.5:22)", vars: {}, files: [] }).replace("} </dev/null", `fail "boom"\necho unreachable\n} </dev/null`));
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "builder-1 (root@10.0.0.5:22): boom\n");
    assert.equal(r.stdout, "");
  });

  it("runs a script as a short command line: sh -s ACTION, through sudo -n for Privilege.Sudo", () => {
    assert.equal(shellCommand(Privilege.Root, "apply"), "sh -s apply");
    assert.equal(shellCommand(Privilege.Sudo, "remove"), "sudo -n sh -s remove");
    assert.equal(shellCommand(undefined), "sh -s");
    assert.throws(() => shellCommand(Privilege.Root, "apply; reboot"), /bad script action "apply; reboot"/);
  });

  it("keeps the rest of the script away from a command that reads stdin (the whole text is one brace group)", () => {
    const script = renderScript({ label: "l", vars: {}, files: [] }).replace("} </dev/null", `cat\necho after\n} </dev/null`);
    const r = runScript(script);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "after\n", "cat read /dev/null, not the script's remaining lines");
  });
});

describe("every remote script", () => {
  const config = parseHostArgs("t", { connection: { host: "h" }, architectures: ["aarch64", "x86_64"] });
  const plan = planHost(config, observed(DEBIAN12_FACTS), `it's "odd" $(label)`);
  const rule = plan.rules[0];
  if (rule === undefined) throw new Error("no rule");
  const scripts: Record<string, string> = {
    observe: observeScript("l", observationRequest(config)),
    packages: packagesScript({ label: "l", packages: ["qemu-user-static"], lockTimeoutSeconds: 120 }),
    rule: ruleScript(rule.script),
    skipped: skippedRuleScript("l", "x86_64", "qemu-x86_64", "native"),
    check: checkScript({ label: "l", target: "aarch64", image: "arm64v8/busybox", platform: "linux/arm64", expected: "aarch64", timeoutSeconds: 60, native: false }),
  };

  it("is valid POSIX sh (sh -n)", () => {
    for (const [name, script] of Object.entries(scripts)) {
      const r = spawnSync("sh", ["-n", "-s"], { input: script, encoding: "utf8" });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    }
  });

  it("defines its variables first, then starts in strict mode with a fixed PATH and locale", () => {
    for (const [name, script] of Object.entries(scripts))
      assert.match(script, /^\{\nLABEL='[^\n]*'\n(?:[A-Z_]+='[\s\S]*?'\n)*# --- prelude\.sh\n(?:[\s\S]*?\n)?set -eu\nPATH=.*\nLC_ALL=C\n/, name);
  });

  it("carries an odd host label literally (no expansion)", () => {
    assert.match(rule.script.label, /\$\(label\)/);
    assert.match(ruleScript(rule.script), /LABEL='it'\\''s "odd" \$\(label\)'/);
  });

  it("prints the skipped target's JSON without touching anything", () => {
    const r = runScript(scripts.skipped ?? "");
    assert.deepEqual(JSON.parse(r.stdout), { target: "x86_64", name: "qemu-x86_64", skipped: "native" });
  });

  it("refuses an unknown action, naming it", () => {
    const r = runScript(scripts.rule ?? "", ["frobnicate"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /rule script: unknown action "frobnicate" \(apply or remove\)/);
  });
});
