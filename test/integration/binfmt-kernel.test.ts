// The rendered rules against the real kernel. In a private user + mount namespace with its own
// binfmt_misc (Linux >= 6.7), for every architecture Debian ships both busybox-static and a
// qemu-user-static emulator for: register our rule, read the entry back (diffEntry must be []), run
// the foreign busybox's `uname -m` and compare with the catalogue, unregister and see
// "Exec format error" again. The machine's own /proc/sys/fs/binfmt_misc is checked untouched.
//
// Binaries come from Debian packages unpacked into $PQB_CACHE/kernel-test (nothing is installed on
// the machine); later runs reuse them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, machine, tmpdir } from "node:os";
import path from "node:path";
import { BinfmtRule, MaskPolicy, TargetInfo, buildRule, diffEntry, familyOf, nativeTargetsOf, parseProcEntry, renderRegisterString, resolveTarget } from "../../src/binfmt";
import { BINFMT_DIR, hostBinfmtState, privateBinfmtUnavailable, runInPrivateNamespace } from "../support/userns";

const ROOT = path.resolve(__dirname, "../..");
const CACHE = path.join(process.env.PQB_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "pulumi-qemu-binfmt"), "kernel-test");

/** Debian architectures with busybox-static, and the suite that still has them (mips* left in trixie). */
// prettier-ignore
const BUSYBOX_ARCHES: readonly (readonly [debianArch: string, suite: string])[] = [
  ["arm64", "trixie"], ["armhf", "trixie"], ["armel", "trixie"], ["i386", "trixie"], ["ppc64el", "trixie"],
  ["riscv64", "trixie"], ["s390x", "trixie"], ["amd64", "trixie"], ["mipsel", "bookworm"], ["mips64el", "bookworm"],
];
const QEMU_SUITE = "bookworm"; // qemu-user-static 7.2: /usr/bin/qemu-<cpu>-static, the article's interpreter path

const HOST_DEBIAN_ARCH: Readonly<Record<string, string>> = { x86_64: "amd64", aarch64: "arm64", ppc64le: "ppc64el", s390x: "s390x", riscv64: "riscv64" };

/** Download PKG for SUITE/ARCH (once) and unpack it (once) under the cache; returns the unpacked root. */
function unpacked(pkg: string, suite: string, arch: string): string {
  const root = path.join(CACHE, pkg, `${suite}-${arch}`);
  const stamp = path.join(root, ".unpacked");
  if (existsSync(stamp)) return root;
  const debs = path.join(CACHE, "debs", `${suite}-${arch}`);
  mkdirSync(debs, { recursive: true });
  let deb = readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
  if (deb === undefined) {
    const out = execFileSync("bash", [path.join(ROOT, "dev/scripts/debs.sh"), "fetch", "--suite", suite, "--arch", arch, "--dest", debs, pkg], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    deb = path.basename(out.trim().split("\n").pop() ?? "");
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  execFileSync("dpkg-deb", ["-x", path.join(debs, deb), root]);
  writeFileSync(stamp, `${deb}\n`);
  return root;
}

function busyboxIn(root: string): string {
  const found = ["usr/bin/busybox", "bin/busybox"].map((p) => path.join(root, p)).find((p) => existsSync(p));
  assert.ok(found, `busybox in ${root}`);
  return found;
}

/**
 * `BIN uname -m` in the machine's own namespace, through bash: a direct spawn would fall back to
 * /bin/sh on ENOEXEC (execvp does) and hide the "Exec format error".
 */
function runOutside(bin: string) {
  return spawnSync("bash", ["-c", '"$0" uname -m', bin], { encoding: "utf8" });
}

interface Case {
  debianArch: string;
  target: TargetInfo;
  busybox: string;
  rule: BinfmtRule;
}

/** Per case, what the namespace script saw (files it wrote under the work dir). */
function observed(work: string, debianArch: string) {
  const read = (name: string) => readFileSync(path.join(work, debianArch, name), "utf8");
  const step = (s: string) => ({ rc: Number(read(`${s}.rc`).trim()), out: read(`${s}.out`).trim(), err: read(`${s}.err`) });
  return {
    before: step("before"),
    register: { rc: Number(read("register.rc").trim()), err: read("register.err") },
    entry: read("entry"),
    during: step("during"),
    unregister: Number(read("unregister.rc").trim()),
    afterEntry: read("after-entry").trim(),
    after: step("after"),
  };
}

// The script runs inside the namespace; it only mounts binfmt_misc there, registers, runs, unregisters.
// Per case (manifest line: debianArch, busybox, rule file, entry name) it writes DIR/<arch>/<step>.{rc,out,err}:
// first every "before" (armhf and armel share qemu-arm), then register + "during", then unregister + "after".
// Between registering and unregistering it waits for the test to check the machine's own state.
const NAMESPACE_SCRIPT = String.raw`
set -u
W=$1; B=${BINFMT_DIR}
mount -t binfmt_misc binfmt_misc "$B" || { echo "cannot mount binfmt_misc in the namespace" >&2; exit 3; }
ls -A "$B" > "$W/initial-entries"
run() { "$2" uname -m > "$1.out" 2> "$1.err"; echo $? > "$1.rc"; }
register() { IFS= read -r line < "$1"; printf '%s\n' "$line" > "$B/register" 2> "$2.err"; echo $? > "$2.rc"; }
while IFS=$'\t' read -r arch bb rulefile name; do
  mkdir -p "$W/$arch"; run "$W/$arch/before" "$bb"
done < "$W/manifest"
while IFS=$'\t' read -r arch bb rulefile name; do
  d="$W/$arch"
  if [ -e "$B/$name" ]; then echo 0 > "$d/register.rc"; : > "$d/register.err"; else register "$rulefile" "$d/register"; fi
  cat "$B/$name" > "$d/entry" 2>/dev/null
  run "$d/during" "$bb"
done < "$W/manifest"
touch "$W/ready"
for _ in $(seq 1 600); do [ -e "$W/go" ] && break; sleep 0.1; done
while IFS=$'\t' read -r arch bb rulefile name; do
  d="$W/$arch"
  if [ -e "$B/$name" ]; then echo -1 > "$B/$name"; echo $? > "$d/unregister.rc"; else echo 0 > "$d/unregister.rc"; fi
  if [ -e "$B/$name" ]; then echo present; else echo absent; fi > "$d/after-entry"
  run "$d/after" "$bb"
done < "$W/manifest"
# A rule with other flags and QEMU's exact mask, to see how the kernel prints them.
register "$W/flags.rule" "$W/flags-register"; cat "$B/$(cat "$W/flags.name")" > "$W/flags.entry"; echo -1 > "$B/$(cat "$W/flags.name")"
# The host's own ELF class: the emulator matches its own rule. Only builtins from here until it is gone.
if [ -s "$W/native.rule" ]; then
  register "$W/native.rule" "$W/native-register"
  /bin/true 2> "$W/native-exec.err"; echo $? > "$W/native-exec.rc"
  IFS= read -r name < "$W/native.name"; echo -1 > "$B/$name"
  /bin/true; echo $? > "$W/native-after.rc"
fi
ls -A "$B" > "$W/final-entries"
`;

const skipReason = privateBinfmtUnavailable() ?? (spawnSync("unshare", ["--version"]).status === 0 ? undefined : "unshare (util-linux) is missing");

test("rendered rules register, run foreign busybox and unregister on the real kernel (private binfmt_misc)", { skip: skipReason ?? false, timeout: 900_000 }, async (t) => {
  const hostMachine = machine();
  const hostDeb = HOST_DEBIAN_ARCH[hostMachine];
  if (hostDeb === undefined) return t.skip(`no Debian qemu-user-static mapping for host ${hostMachine}`);
  const hostBefore = hostBinfmtState();

  const qemuRoot = unpacked("qemu-user-static", QEMU_SUITE, hostDeb);
  const interpreterDir = path.join(qemuRoot, "usr/bin");
  const exactNative = new Set(nativeTargetsOf(hostMachine).map((x) => x.name));

  const cases: Case[] = [];
  for (const [debianArch, suite] of BUSYBOX_ARCHES) {
    const target = resolveTarget(debianArch, "debianArch");
    if (exactNative.has(target.name)) continue; // the host's own ELF class: see the ELOOP check below
    if (!existsSync(path.join(interpreterDir, `${target.qemuBinary}-static`))) continue;
    const busybox = busyboxIn(unpacked("busybox-static", suite, debianArch));
    cases.push({ debianArch, target, busybox, rule: buildRule(target, { interpreterDir }) });
  }
  assert.ok(cases.length >= 8, `enough architectures to test (${cases.length})`);

  const work = mkdtempSync(path.join(tmpdir(), "pqb-kernel-"));
  try {
    const manifest = cases.map((c) => {
      writeFileSync(path.join(work, `${c.debianArch}.rule`), `${renderRegisterString(c.rule)}\n`);
      return [c.debianArch, c.busybox, path.join(work, `${c.debianArch}.rule`), c.rule.name].join("\t");
    });
    writeFileSync(path.join(work, "manifest"), `${manifest.join("\n")}\n`);
    const flagsRule = buildRule("aarch64", { interpreterDir, mask: MaskPolicy.Qemu, flags: "FCP" });
    writeFileSync(path.join(work, "flags.rule"), `${renderRegisterString(flagsRule)}\n`);
    writeFileSync(path.join(work, "flags.name"), flagsRule.name);
    const native = [...exactNative].find((n) => existsSync(path.join(interpreterDir, `${resolveTarget(n).qemuBinary}-static`)));
    const nativeRule = native === undefined ? undefined : buildRule(native, { interpreterDir });
    writeFileSync(path.join(work, "native.rule"), nativeRule ? `${renderRegisterString(nativeRule)}\n` : "");
    writeFileSync(path.join(work, "native.name"), nativeRule?.name ?? "");

    // Before: how foreign binaries fare in the machine's own namespace (normally: not at all).
    const arm64 = cases.find((c) => c.target.name === "aarch64");
    const hostRunsArm64Before = arm64 ? runOutside(arm64.busybox).status === 0 : undefined;

    const running = runInPrivateNamespace(NAMESPACE_SCRIPT, [work]);
    for (let i = 0; i < 1200 && !existsSync(path.join(work, "ready")); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(path.join(work, "ready")), "the namespace registered every rule");

    // While every rule is registered inside: nothing changed outside.
    assert.deepEqual(hostBinfmtState(), hostBefore, "the machine's binfmt_misc is untouched while the namespace has registrations");
    if (arm64 && hostRunsArm64Before === false) {
      const outside = runOutside(arm64.busybox);
      assert.equal(outside.status, 126, `the namespace's registration does not leak to the machine: ${outside.stderr}`);
      assert.match(outside.stderr, /Exec format error/);
    }
    writeFileSync(path.join(work, "go"), "");
    const run = await running;
    assert.equal(run.code, 0, `namespace script: ${run.stderr}`);

    assert.deepEqual(readFileSync(path.join(work, "initial-entries"), "utf8").split("\n").filter(Boolean).sort(), ["register", "status"], "a fresh, private binfmt_misc instance");
    assert.deepEqual(readFileSync(path.join(work, "final-entries"), "utf8").split("\n").filter(Boolean).sort(), ["register", "status"], "everything unregistered");

    const proven: string[] = [];
    for (const c of cases) {
      const o = observed(work, c.debianArch);
      const what = `${c.debianArch} (${c.target.name})`;
      assert.equal(o.register.rc, 0, `${what}: register: ${o.register.err}`);
      assert.deepEqual(diffEntry(c.rule, parseProcEntry(o.entry)), [], `${what}: the kernel's entry is our rule`);
      assert.equal(o.during.rc, 0, `${what}: runs under ${c.rule.interpreter}: ${o.during.err}`);
      assert.equal(o.during.out, c.target.unameMachine, `${what}: uname -m under emulation is the catalogue's`);
      assert.equal(o.unregister, 0, `${what}: unregistered`);
      assert.equal(o.afterEntry, "absent");
      const nativeFamily = familyOf(hostMachine) === c.target.family;
      if (o.before.rc === 0) {
        // The host runs it natively (i386 on x86_64): emulation shows only where uname differs.
        assert.ok(nativeFamily, `${what} ran before registration on a ${hostMachine} host`);
        assert.equal(o.after.rc, 0);
        assert.equal(o.after.out, o.before.out, `${what}: back to native after unregistering`);
        if (o.before.out !== o.during.out) proven.push(`${c.target.name} (${c.debianArch}, native ${o.before.out} -> emulated ${o.during.out})`);
      } else {
        assert.match(o.before.err, /Exec format error/, `${what}: not runnable before registration`);
        assert.notEqual(o.after.rc, 0, `${what}: not runnable after unregistering`);
        assert.match(o.after.err, /Exec format error/, `${what}: Exec format error after unregistering`);
        proven.push(`${c.target.name} (${c.debianArch})`);
      }
    }

    // Flags come back in kernel order with C implying O; QEMU's exact mask is kept as written.
    const flagsEntry = parseProcEntry(readFileSync(path.join(work, "flags.entry"), "utf8"));
    assert.equal(flagsEntry.flags, "POCF");
    assert.deepEqual(diffEntry(flagsRule, flagsEntry), []);

    if (nativeRule) {
      // Why the host's family is skipped: the emulator is itself such an ELF and matches its own rule.
      assert.notEqual(Number(readFileSync(path.join(work, "native-exec.rc"), "utf8")), 0);
      assert.match(readFileSync(path.join(work, "native-exec.err"), "utf8"), /Too many levels of symbolic links/);
      assert.equal(Number(readFileSync(path.join(work, "native-after.rc"), "utf8")), 0);
    }

    assert.deepEqual(hostBinfmtState(), hostBefore, "the machine's binfmt_misc is as it was");
    t.diagnostic(`proven on kernel ${execFileSync("uname", ["-r"], { encoding: "utf8" }).trim()}: ${proven.join(", ")}`);
    assert.equal(proven.length, cases.length, "every case proved emulation");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
