import { installDigest } from "../../../src/host/scripts/rule";
import { packagesScript } from "../../../src/host/scripts/packages";
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { DEBIAN12_FACTS, DEBIAN13_SUDO_FACTS, Recorder, TEST_KEY, innerScript, installMocks, settle, scriptVars } from "./harness";

let rec: Recorder;
before(() => {
  rec = installMocks({ facts: (host) => (host.startsWith("trixie") ? DEBIAN13_SUDO_FACTS : DEBIAN12_FACTS) });
});

async function load() {
  return import("../../../src/component");
}

describe("BinfmtHost resource graph", () => {
  it("creates a command for the packages and for each requested target, then one check per target, all parented to the host, and no other resource", async () => {
    const { BinfmtHost } = await load();
    rec.clear();
    const host = new BinfmtHost(
      "builder-1",
      { connection: { host: "10.0.0.5", privateKey: TEST_KEY }, architectures: ["arm", "aarch64"] },
      { transformations: [rec.transformation] },
    );
    await settle(host.targets);
    const children = rec.registered.filter((r) => r.name !== "builder-1");
    assert.deepEqual(
      children.map((r) => r.name),
      ["builder-1-bundle", "builder-1-packages", "builder-1-rule-arm", "builder-1-rule-aarch64", "builder-1-check"],
    );
    for (const c of children) {
      assert.equal(c.parent, "builder-1", `${c.name} is parented to the component`);
      assert.equal(c.type, c.name === "builder-1-bundle" ? "command:remote:CopyToRemote" : "command:remote:Command");
    }
  });

  it("starts every rule of a host right after the install and the check after all rules: three steps up to four targets", async () => {
    const { BinfmtHost } = await load();
    rec.clear();
    const host = new BinfmtHost("chain", { connection: { host: "10.0.0.5" }, architectures: ["arm", "aarch64", "riscv64"] }, { transformations: [rec.transformation] });
    await settle(host.targets);
    const deps = Object.fromEntries(rec.registered.map((r) => [r.name, r.dependsOn]));
    assert.deepEqual(deps["chain-bundle"], []);
    assert.deepEqual(deps["chain-packages"], ["chain-bundle"]);
    assert.deepEqual(deps["chain-rule-arm"], ["chain-packages"]);
    assert.deepEqual(deps["chain-rule-aarch64"], ["chain-packages"]);
    assert.deepEqual(deps["chain-rule-riscv64"], ["chain-packages"]);
    assert.deepEqual(deps["chain-check"], ["chain-rule-arm", "chain-rule-aarch64", "chain-rule-riscv64"]);
  });

  it("runs at most RULE_LANES rules of a host at once: the fifth rule waits for the first", async () => {
    const { BinfmtHost } = await load();
    const { RULE_LANES } = await import("../../../src/component/commands");
    assert.equal(RULE_LANES, 4);
    rec.clear();
    const archs = ["arm", "aarch64", "riscv64", "ppc64le", "s390x", "mips64el"];
    const host = new BinfmtHost("lanes", { connection: { host: "10.0.0.5" }, architectures: archs }, { transformations: [rec.transformation] });
    await settle(host.targets);
    const deps = Object.fromEntries(rec.registered.map((r) => [r.name, r.dependsOn]));
    for (const a of archs.slice(0, 4)) assert.deepEqual(deps[`lanes-rule-${a}`], ["lanes-packages"], a);
    assert.deepEqual(deps["lanes-rule-s390x"], ["lanes-rule-arm"]);
    assert.deepEqual(deps["lanes-rule-mips64el"], ["lanes-rule-aarch64"]);
    assert.deepEqual(
      deps["lanes-check"],
      archs.map((a) => `lanes-rule-${a}`),
    );
  });

  it("replaces a rule delete-first (its delete undoes the path its create writes) and keys the replacement on file and entry name", async () => {
    const { BinfmtHost } = await load();
    rec.clear();
    const host = new BinfmtHost("dbr", { connection: { host: "h" }, architectures: ["aarch64"], configDir: "/etc/binfmt.d" }, { transformations: [rec.transformation] });
    await settle(host.targets);
    const rule = rec.registered.find((r) => r.name === "dbr-rule-aarch64");
    assert.ok(rule);
    assert.equal(rule.deleteBeforeReplace, true);
    assert.deepEqual(rule.props.triggers, ["/etc/binfmt.d/qemu-aarch64.conf", "qemu-aarch64"]);
    const check = rec.registered.find((r) => r.name === "dbr-check");
    assert.equal(check?.deleteBeforeReplace, false);
  });

  it("sets addPreviousOutputInEnv false and logs stderr only on every command", async () => {
    const { BinfmtHost } = await load();
    rec.clear();
    const host = new BinfmtHost("flags", { connection: { host: "h" }, architectures: ["aarch64"] }, { transformations: [rec.transformation] });
    await settle(host.targets);
    const commands = rec.created.filter((c) => c.type === "command:remote:Command" && c.name.startsWith("flags-"));
    assert.equal(commands.length, 3, "packages, one rule, one check: the host is observed by the program, not by a command");
    for (const c of commands) {
      assert.equal(c.inputs.addPreviousOutputInEnv, false, c.name);
      assert.equal(c.inputs.logging, "stderr", c.name);
    }
  });

  it("follows the distribution: Debian 12 gets qemu-user-static and -static interpreters, Debian 13 qemu-user and plain ones, through sudo -n", async () => {
    const { BinfmtHost } = await load();
    rec.clear();
    const b = new BinfmtHost("bookworm-h", { connection: { host: "a" }, architectures: ["aarch64"] });
    const t = new BinfmtHost("trixie-h", { connection: { host: "b", user: "builder" }, architectures: ["aarch64"] });
    const [bt, tt, bp, tp] = await Promise.all([settle(b.targets), settle(t.targets), settle(b.packages), settle(t.packages)]);
    assert.equal(bt.aarch64?.interpreter, "/usr/bin/qemu-aarch64-static");
    assert.equal(tt.aarch64?.interpreter, "/usr/bin/qemu-aarch64");
    assert.deepEqual(bp, ["qemu-user-static"]);
    assert.deepEqual(tp, ["qemu-user"]);
    const cmd = (n: string, op: "create" | "delete" = "create") => String(rec.created.find((c) => c.name === n)?.inputs[op]);
    assert.equal(cmd("bookworm-h-rule-aarch64"), "sh -s apply");
    assert.equal(cmd("bookworm-h-rule-aarch64", "delete"), "sh -s remove");
    assert.equal(cmd("trixie-h-rule-aarch64"), "sudo -n sh -s apply");
    assert.equal(cmd("trixie-h-rule-aarch64", "delete"), "sudo -n sh -s remove");
    assert.equal(cmd("trixie-h-packages"), "sudo -n sh -s install");
    assert.equal(
      rec.created.find((c) => c.name === "trixie-h-facts"),
      undefined,
      "observed by the program, no facts command",
    );
    const stdin = String(rec.created.find((c) => c.name === "trixie-h-rule-aarch64")?.inputs.stdin);
    assert.match(stdin, /^\{\nLABEL=.*\nTARGET='aarch64'\n/, "the script reaches the host on stdin");
    const v = scriptVars(stdin);
    assert.equal(v.UNIT, "aarch64");
    assert.match(v.UNITS_FILE ?? "", /^\/var\/lib\/pulumi-qemu-binfmt\/units\/[0-9a-f]{16}$/);
    assert.equal(v.UNITS_OWNER, "project/stack BinfmtHost trixie-h");
    assert.match(v.UNIT_TOKEN ?? "", /^[0-9a-f]{16}$/, "a first run (nothing recorded, the entry missing) carries a fresh repair token");
  });

  it("with observe off, reads the host once through a facts command that runs the observation unprivileged on stdin", async () => {
    const { BinfmtHost } = await load();
    rec.clear();
    const t = new BinfmtHost("trixie-once", { connection: { host: "b", user: "builder" }, architectures: ["aarch64"], observe: false }, { transformations: [rec.transformation] });
    const tt = await settle(t.targets);
    assert.equal(tt.aarch64?.interpreter, "/usr/bin/qemu-aarch64");
    const facts = rec.created.find((c) => c.name === "trixie-once-facts");
    assert.equal(facts?.inputs.create, "sh -s");
    assert.match(String(facts?.inputs.stdin), /MNT=\/proc\/sys\/fs\/binfmt_misc/);
    const deps = Object.fromEntries(rec.registered.map((r) => [r.name, r.dependsOn]));
    assert.deepEqual(deps["trixie-once-bundle"], ["trixie-once-facts"]);
    assert.deepEqual(deps["trixie-once-packages"], ["trixie-once-facts", "trixie-once-bundle"]);
    assert.equal(
      scriptVars(String(rec.created.find((c) => c.name === "trixie-once-rule-aarch64")?.inputs.stdin)).UNIT_TOKEN,
      "0",
      "nothing is observed again: the token never changes",
    );
  });

  it("skips the host's own family (x86_64 on an x86_64 host) without registering anything, and reports why", async () => {
    const { BinfmtHost, TargetStatus } = await load();
    rec.clear();
    const host = new BinfmtHost("native", { connection: { host: "h" }, architectures: ["x86_64", "aarch64"] });
    const targets = await settle(host.targets);
    assert.equal(targets.x86_64?.status, TargetStatus.Skipped);
    assert.match(targets.x86_64?.skipReason ?? "", /family/);
    assert.equal(targets.aarch64?.status, TargetStatus.Registered);
    const inputs = rec.created.find((c) => c.name === "native-rule-x86_64")?.inputs ?? {};
    assert.doesNotMatch(innerScript(inputs), /binfmt_misc\/register|\/etc\/binfmt\.d/, "a skipped target's command touches nothing");
    assert.equal(inputs.delete, "true", "and its delete does nothing");
  });

  it("runs the check of a natively run target (i386 on an x86_64 host) natively, expecting the host's own machine", async () => {
    const { BinfmtHost, AcceptanceStatus, TargetStatus } = await load();
    rec.clear();
    const host = new BinfmtHost("native-check", { connection: { host: "h" }, architectures: ["i386", "aarch64"] });
    const targets = await settle(host.targets);
    assert.equal(targets.i386?.status, TargetStatus.Skipped);
    assert.equal(targets.i386?.acceptance.status, AcceptanceStatus.Passed, "the native check ran and passed");
    assert.equal(targets.i386?.acceptance.expected, "x86_64", "a native run prints the host's own machine");
    assert.equal(targets.i386?.acceptance.actual, "x86_64");
    assert.equal(targets.aarch64?.acceptance.status, AcceptanceStatus.Passed);
    const script = innerScript(rec.created.find((c) => c.name === "native-check-check")?.inputs ?? {});
    const [i386, aarch64] = script
      .split(/# --- check\.sh|\. "\$BUNDLE_DIR\/check\.sh"/)
      .slice(0, 2)
      .map((s) => scriptVars(s.slice(s.lastIndexOf("\nTARGET="))));
    assert.deepEqual([i386?.TARGET, i386?.NATIVE, i386?.IMAGE], ["i386", "true", "i386/busybox"]);
    assert.deepEqual([aarch64?.TARGET, aarch64?.NATIVE, aarch64?.IMAGE], ["aarch64", "false", "arm64v8/busybox"], "both targets are checked in the one session, in order");
  });

  it("renders the Jetson Containers article's aarch64 line and reports the kernel's fields per target", async () => {
    const { BinfmtHost, AcceptanceStatus } = await load();
    rec.clear();
    const host = new BinfmtHost("article", { connection: { host: "h" }, architectures: ["aarch64", "arm"] });
    const targets = await settle(host.targets);
    const v = scriptVars(innerScript(rec.created.find((c) => c.name === "article-rule-aarch64")?.inputs ?? {}));
    assert.equal(
      v.LINE,
      ":qemu-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\xfe\\xff\\xff\\xff:/usr/bin/qemu-aarch64-static:F",
    );
    assert.equal(v.FILE, "/etc/binfmt.d/qemu-aarch64.conf");
    assert.equal(targets.aarch64?.flags, "F");
    assert.equal(targets.aarch64?.acceptance.status, AcceptanceStatus.Passed);
    assert.equal(targets.aarch64?.acceptance.image, "arm64v8/busybox");
    assert.equal(targets.arm?.acceptance.image, "arm32v7/busybox");
    assert.equal(targets.arm?.acceptance.actual, "armv7l");
    const summary = await settle(host.summary);
    assert.match(summary, /article \(root@h:22\): Debian GNU\/Linux 12/);
    assert.match(summary, /aarch64 +registered \/usr\/bin\/qemu-aarch64-static flags F; arm64v8\/busybox uname -m = aarch64 \(ok\)/);
  });

  it("triggers the host's check on the hash of its rendered rules (which changes when a target is added), on each target's repair token and on the install step's script", async () => {
    const { BinfmtHost } = await load();
    rec.clear();
    const a = new BinfmtHost("hash-a", { connection: { host: "h" }, architectures: ["aarch64"] });
    const b = new BinfmtHost("hash-b", { connection: { host: "h" }, architectures: ["aarch64", "riscv64"] });
    const c = new BinfmtHost("hash-c", { connection: { host: "h" }, architectures: ["riscv64", "aarch64"] });
    const [ha, hb, hc] = await Promise.all([settle(a.rulesHash), settle(b.rulesHash), settle(c.rulesHash), settle(b.targets)]);
    assert.notEqual(ha, hb);
    assert.equal(hb, hc, "order of the list does not matter");
    const check = rec.created.find((r) => r.name === "hash-b-check");
    const vars = (t: string) => scriptVars(String(rec.created.find((r) => r.name === `hash-b-rule-${t}`)?.inputs.stdin));
    // The digest of the install script as it would run inline: what it runs, not how its files reach the host.
    const p = scriptVars(String(rec.created.find((r) => r.name === "hash-b-packages")?.inputs.stdin));
    const unit = { file: p.UNITS_FILE ?? "", owner: p.UNITS_OWNER ?? "", unit: p.UNIT ?? "", token: p.UNIT_TOKEN ?? "" };
    const install = installDigest(packagesScript({ label: p.LABEL ?? "", packages: (p.PACKAGES ?? "").split(" "), lockTimeoutSeconds: Number(p.LOCK_TIMEOUT), unit }));
    assert.equal(vars("aarch64").INSTALL_DIGEST, install, "each rule's script follows the install step's");
    assert.deepEqual(check?.inputs.triggers, [hb, `aarch64 repair ${vars("aarch64").UNIT_TOKEN} ${install}`, `riscv64 repair ${vars("riscv64").UNIT_TOKEN} ${install}`]);
  });

  it("runs the rules and the check again when the install step changes (a new packageVersion: a new QEMU)", async () => {
    const { BinfmtHost } = await load();
    rec.clear();
    const before = new BinfmtHost("pin-a", { connection: { host: "h" }, architectures: ["aarch64"] });
    const after = new BinfmtHost("pin-b", { connection: { host: "h" }, architectures: ["aarch64"], packageVersion: ">=1:7.2" });
    await Promise.all([settle(before.targets), settle(after.targets)]);
    const input = (n: string) => rec.created.find((r) => r.name === n)?.inputs;
    const digest = (n: string) => scriptVars(String(input(`${n}-rule-aarch64`)?.stdin)).INSTALL_DIGEST;
    assert.notEqual(digest("pin-a"), digest("pin-b"));
    assert.notDeepEqual(input("pin-a-check")?.triggers, input("pin-b-check")?.triggers);
  });

  it("removes no package unless asked (its delete only forgets the unit's token), and removes them when removePackagesOnDestroy is set", async () => {
    const { BinfmtHost } = await load();
    rec.clear();
    const keep = new BinfmtHost("keep", { connection: { host: "h" }, architectures: ["aarch64"] });
    const drop = new BinfmtHost("drop", { connection: { host: "h" }, architectures: ["aarch64"], removePackagesOnDestroy: true });
    await Promise.all([settle(keep.targets), settle(drop.targets)]);
    const pkg = (n: string) => rec.created.find((c) => c.name === n)?.inputs;
    assert.equal(pkg("keep-packages")?.delete, "sh -s remove");
    assert.equal(scriptVars(String(pkg("keep-packages")?.stdin)).REMOVE_PACKAGES, "false");
    assert.equal(pkg("drop-packages")?.delete, "sh -s remove");
    assert.equal(scriptVars(String(pkg("drop-packages")?.stdin)).REMOVE_PACKAGES, "true");
  });

  it("creates no check when acceptance is disabled and reports it", async () => {
    const { BinfmtHost, AcceptanceStatus } = await load();
    rec.clear();
    const host = new BinfmtHost("noacc", { connection: { host: "h" }, architectures: ["aarch64"], acceptance: { enabled: false } });
    const t = await settle(host.targets);
    assert.equal(t.aarch64?.acceptance.status, AcceptanceStatus.Disabled);
    assert.equal(rec.created.filter((c) => c.name.startsWith("noacc-check")).length, 0);
  });
});
