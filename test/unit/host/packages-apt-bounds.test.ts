/**
 * The packages script bounds apt itself (src/host/scripts/apt.sh): it waits for apt's and dpkg's locks
 * (a real POSIX fcntl lock, the kind apt-pkg's GetLock and dpkg take, held by a process this test starts
 * on a file in a temporary directory that stands for /var/lib/apt/lists/lock), retries an apt call that
 * lost the race for a lock, and refuses before any change when apt would remove or downgrade a package it
 * does not own. Run for real with `sh -s install|remove` and stand-ins for apt-get, dpkg-query and
 * systemctl first on the script's PATH (this machine's dpkg compares versions). The real apt is proved on
 * a lab host by test/integration/apt-bounds.test.ts.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PackagesAction, packagesScript } from "../../../src/host/scripts/packages";
import { runScript } from "./run-script";

const REAL_LOCKS = "/var/lib/apt/lists/lock /var/cache/apt/archives/lock /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock";
const holders: ChildProcess[] = [];
after(() => holders.forEach((h) => h.kill()));

interface Sandbox {
  readonly dir: string;
  readonly bin: string;
  /** Stand-ins of the four lock files, in apt.sh's order. */
  readonly locks: readonly string[];
  /** One line per apt-get call: its arguments. */
  calls(): string[];
}

/**
 * `apt-get` prints SIM for `-s` and LOCK_MESSAGE (exit 100) for the first `failures` real calls, then
 * succeeds and marks the packages installed; `dpkg-query` reports them installed from then on.
 */
function sandbox(opts: { sim?: string; lockMessage?: string; failures?: number; installed?: string } = {}): Sandbox {
  const dir = mkdtempSync(path.join(tmpdir(), "pqb-aptb-"));
  const bin = path.join(dir, "bin");
  mkdirSync(bin);
  const locks = ["lists/lock", "archives/lock", "dpkg/lock-frontend", "dpkg/lock"].map((l) => path.join(dir, l));
  for (const l of locks) {
    mkdirSync(path.dirname(l), { recursive: true });
    writeFileSync(l, "");
  }
  const write = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  writeFileSync(path.join(dir, "sim"), opts.sim ?? "Inst qemu-user-static (1:7.2+dfsg-7 Debian:12 [amd64])\n");
  writeFileSync(path.join(dir, "lockmsg"), opts.lockMessage ?? "");
  write(
    "apt-get",
    [
      `echo "$*" >>${dir}/calls`,
      `case " $* " in *" -s "*) cat ${dir}/sim; exit 0 ;; esac`,
      `n=$(cat ${dir}/failed 2>/dev/null || echo 0)`,
      `if [ "$n" -lt ${opts.failures ?? 0} ]; then echo $((n + 1)) >${dir}/failed; cat ${dir}/lockmsg; exit 100; fi`,
      `case "$*" in *install*) touch ${dir}/installed ;; *remove*) rm -f ${dir}/installed ;; esac`,
      "exit 0",
    ].join("\n"),
  );
  if (opts.installed !== undefined) writeFileSync(path.join(dir, "installed"), "");
  write("dpkg-query", `[ -e ${dir}/installed ] || exit 1\nprintf 'installed 1:7.2+dfsg-7'`);
  write("systemctl", "exit 0");
  return { dir, bin, locks, calls: () => (existsSync(path.join(dir, "calls")) ? readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") : []) };
}

function run(sb: Sandbox, action: PackagesAction, lockTimeoutSeconds: number, packages = ["qemu-user-static"]) {
  const script = packagesScript({ label: "b-1 (root@h:22)", packages, lockTimeoutSeconds, removeOnDelete: true });
  const started = Date.now();
  const r = runScript(
    script,
    [action],
    [
      ["\nPATH=/usr/local/sbin:", `\nPATH=${sb.bin}:/usr/local/sbin:`],
      [REAL_LOCKS, sb.locks.join(" ")],
    ],
  );
  return { ...r, seconds: (Date.now() - started) / 1000 };
}

/**
 * Holds a write lock on FILE until killed or SECONDS pass: POSIX (fcntl F_SETLK, as apt does), or an OFD lock
 * (F_OFD_SETLK: /proc/locks shows no PID for it); resolves with its PID once held.
 */
async function holdLock(file: string, seconds = 60, ofd = false): Promise<number> {
  const take = ofd ? "fcntl.fcntl(f, fcntl.F_OFD_SETLK, struct.pack('hhxxxxqqixxxx', fcntl.F_WRLCK, 0, 0, 0, 0))" : "fcntl.lockf(f, fcntl.LOCK_EX)";
  const code = `import fcntl,struct,sys,time\nf=open(sys.argv[1],'w')\n${take}\nprint('held', flush=True)\ntime.sleep(${seconds})`;
  const p = spawn("python3", ["-c", code, file], { stdio: ["ignore", "pipe", "inherit"] });
  holders.push(p);
  await new Promise<void>((resolve, reject) => {
    p.stdout!.on("data", (d: Buffer) => (d.toString().includes("held") ? resolve() : undefined));
    p.on("exit", (c) => reject(new Error(`lock holder exited (${c})`)));
  });
  return p.pid!;
}

describe("packages script, apt's locks", () => {
  it("waits for a held lists lock up to lockTimeoutSeconds, then names that lock and its holder, and runs no apt-get", async () => {
    const sb = sandbox();
    const pid = await holdLock(sb.locks[0]!);
    const r = run(sb, PackagesAction.Install, 2);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`apt's package lists lock \\(${sb.locks[0]}, taken by apt-get update[^)]*\\) stayed held for more than 2 s \\(held by python3[^[]*\\[${pid}\\]\\)`),
    );
    assert.match(r.stderr, /Nothing was changed\. Wait for that apt or dpkg run to finish and run pulumi up again, or raise lockTimeoutSeconds/);
    assert.ok(r.seconds >= 2 && r.seconds < 6, `waited ${r.seconds} s`);
    assert.deepEqual(sb.calls(), []);
  });

  it("names the holder of an OFD lock (no PID in /proc/locks) by the processes that have the file open", async () => {
    const sb = sandbox();
    const pid = await holdLock(sb.locks[1]!, 60, true);
    const r = run(sb, PackagesAction.Install, 1);
    assert.match(r.stderr, new RegExp(`apt's download lock \\(${sb.locks[1]}, [^)]*\\) stayed held for more than 1 s \\(held by python3[^[]*\\[${pid}\\]\\)`));
  });

  it("names the dpkg lock when that is the one held", async () => {
    const sb = sandbox();
    const pid = await holdLock(sb.locks[3]!);
    const r = run(sb, PackagesAction.Install, 1);
    assert.match(r.stderr, new RegExp(`the dpkg database lock \\(${sb.locks[3]}, taken by dpkg\\) stayed held for more than 1 s \\(held by python3[^[]*\\[${pid}\\]\\)`));
  });

  it("goes on once the holder releases the lock within lockTimeoutSeconds, saying what it waited for", async () => {
    const sb = sandbox();
    await holdLock(sb.locks[2]!, 2);
    const r = run(sb, PackagesAction.Install, 30);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /waiting for the dpkg frontend lock \(.*\), held by python3[^[]*\[\d+\], up to 30 s/);
    assert.ok(r.seconds >= 1 && r.seconds < 10, `waited ${r.seconds} s`);
    assert.deepEqual(JSON.parse(r.stdout), { packages: ["qemu-user-static"], installed: ["qemu-user-static"] });
  });

  it("runs apt again when it lost the race for a lock (apt-daily took it between the wait and apt), within the budget", () => {
    const sb = sandbox({ lockMessage: "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)", failures: 2 });
    const r = run(sb, PackagesAction.Install, 20);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sb.calls().filter((c) => / update$/.test(c)).length, 3);
  });

  it("names the lock apt could not take (apt < 1.9 message) when the budget runs out, quoting apt", () => {
    const msg = "E: Could not get lock /var/lib/dpkg/lock-frontend - open (11: Resource temporarily unavailable)";
    const sb = sandbox({ lockMessage: msg, failures: 1000 });
    const r = run(sb, PackagesAction.Install, 2);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /the dpkg frontend lock \(\/var\/lib\/dpkg\/lock-frontend, .*\) stayed held for more than 2 s \(held by .*; apt said: Could not get lock \/var\/lib\/dpkg\/lock-frontend - open/,
    );
    assert.ok(r.seconds >= 2 && r.seconds < 6, `gave up after ${r.seconds} s`);
  });

  it("passes the seconds left to apt as its own lock timeout (a second line of defence)", () => {
    const sb = sandbox();
    run(sb, PackagesAction.Install, 40);
    for (const c of sb.calls().filter((x) => !x.startsWith("-s "))) assert.match(c, /-o DPkg::Lock::Timeout=(39|40) /);
  });
});

describe("packages script, packages it does not own", () => {
  const conflict =
    "Remv qemu-user-binfmt [1:7.2+dfsg-7+deb12u7]\nInst qemu-user-static (1:7.2+dfsg-7+deb12u7 Debian:12.8/stable [amd64])\nConf qemu-user-static (1:7.2+dfsg-7+deb12u7 Debian:12.8/stable [amd64])\n";

  it("refuses before any change when apt would remove a conflicting package (qemu-user-binfmt on Debian 12), naming it and the ways out", () => {
    const sb = sandbox({ sim: conflict });
    const r = run(sb, PackagesAction.Install, 5);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /refused before any change: apt-get install qemu-user-static would remove qemu-user-binfmt 1:7\.2\+dfsg-7\+deb12u7, and those packages are not this host's QEMU packages/,
    );
    assert.match(r.stderr, /Nothing was installed or removed\. Ways out: remove or replace those packages yourself .*installPackages to none/);
    assert.deepEqual(
      sb.calls().map((c) => c.replace(/ -o \S+/g, "")),
      ["-q -y update", "-s -q install --no-install-recommends --allow-downgrades qemu-user-static"],
    );
  });

  it("refuses a downgrade of a package it does not own, and allows its own pinned downgrade and dependency upgrades", () => {
    const sim =
      "Inst libglib2.0-0 [2.74.6-2] (2.74.0-1 Debian:12 [amd64])\nInst libc6 [2.36-9] (2.36-9+deb12u9 Debian:12 [amd64])\nInst qemu-user-static [1:8.0] (1:7.2+dfsg-7 Debian:12 [amd64])\n";
    const r1 = run(sandbox({ sim }), PackagesAction.Install, 5, ["qemu-user-static=1:7.2+dfsg-7"]);
    assert.match(r1.stderr, /would downgrade libglib2\.0-0 2\.74\.6-2 to 2\.74\.0-1, and/);
    assert.doesNotMatch(r1.stderr, /libc6|downgrade qemu-user-static/);
    const ok = "Inst libc6 [2.36-9] (2.36-9+deb12u9 Debian:12 [amd64])\nInst qemu-user-static [1:8.0] (1:7.2+dfsg-7 Debian:12 [amd64])\n";
    const r2 = run(sandbox({ sim: ok }), PackagesAction.Install, 5, ["qemu-user-static=1:7.2+dfsg-7"]);
    assert.equal(r2.code, 0, r2.stderr);
  });

  it("refuses a removal (removePackagesOnDestroy) that would take packages depending on ours with it", () => {
    const sb = sandbox({ sim: "Remv qemu-user-binfmt [1:7.2]\nRemv qemu-user-static [1:7.2]\n", installed: "yes" });
    const r = run(sb, PackagesAction.Remove, 5);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refused before any change: apt-get remove qemu-user-static would also remove qemu-user-binfmt 1:7\.2, which this component did not install/);
    assert.match(r.stderr, /set removePackagesOnDestroy to false/);
    assert.ok(!sb.calls().some((c) => !c.startsWith("-s ") && c.includes("remove")));
  });
});
