/**
 * The packages step bounds apt itself, against the real apt 2.6.1 of a Debian 12 lab host and the lab's
 * apt repository (which serves qemu-user-static and, on separate lines because they conflict,
 * qemu-user + qemu-user-binfmt: dev/lab/services.sh). Each case runs the rendered packages script exactly
 * as the component does (`sh -s install` over SSH, the text on stdin) and then reads the host:
 * - a held lists lock: `apt-get update` itself holds /var/lib/apt/lists/lock (its APT::Update::Pre-Invoke
 *   hook sleeps while apt holds the lock, as apt-daily's update does at boot); apt confirms it is held; the
 *   step waits lockTimeoutSeconds, then names that lock and the apt-get holding it (comm and pid), and
 *   installs nothing; released within the budget, the step goes on and installs;
 * - a conflicting package installed by hand (qemu-user-binfmt, which apt -y would remove to install
 *   qemu-user-static): the plan from the real observation refuses it (what preview says), and the step
 *   refuses it before any change naming it; it stays installed, nothing is installed.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { LabHost, findHost, labDown, labUp, sshExec } from "../support/lab";
import { PackagesAction, packagesScript } from "../../src/host/scripts/packages";
import { shellCommand } from "../../src/host/shell";
import { Privilege } from "../../src/host/enums";
import { parseHostArgs } from "../../src/component/validate";
import { observationRequest, parseObservation } from "../../src/host/observation";
import { observeScript } from "../../src/host/scripts/observe";
import { planOrRefusal } from "../../src/host/plan";

const PREFIX = "kba";
const LAB_NAME = `${PREFIX}1`;
let host: LabHost;

function root(command: string): string {
  const r = sshExec(host, "root", command, { timeoutMs: 300_000 });
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  return r.stdout;
}

function install(packages: string[], lockTimeoutSeconds: number) {
  const started = Date.now();
  const r = sshExec(host, "root", shellCommand(Privilege.Root, PackagesAction.Install), {
    input: packagesScript({ label: `${LAB_NAME} (root)`, packages, lockTimeoutSeconds }),
    timeoutMs: 600_000,
  });
  return { ...r, seconds: (Date.now() - started) / 1000 };
}

const status = (p: string) => root(`dpkg-query -W -f='\${db:Status-Status}' ${p} 2>/dev/null || echo not-installed`).trim();

/** Starts `apt-get update` on the host holding the lists lock for SECONDS (its Pre-Invoke hook sleeps); returns its PID. */
function holdListsLock(seconds: number): string {
  root(`setsid nohup apt-get -o 'APT::Update::Pre-Invoke::=sleep ${seconds}' update >/tmp/kb-holder.log 2>&1 </dev/null & echo $! >/tmp/kb-holder.pid`);
  // apt takes the lock before it runs the hook: wait until /proc/locks shows it.
  root(`for i in $(seq 50); do grep -q ":$(stat -c %i /var/lib/apt/lists/lock) " /proc/locks && exit 0; sleep 0.1; done; exit 1`);
  return root("cat /tmp/kb-holder.pid").trim();
}

describe("the packages step bounds apt on a real host", { timeout: 15 * 60_000 }, () => {
  before(() => {
    host = findHost(labUp({ hosts: 1, suites: ["bookworm"], prefix: PREFIX, fresh: true }), LAB_NAME);
    root("apt-get -q update >/dev/null");
  });
  after(() => {
    if (!process.env.PQB_LAB_KEEP) labDown([LAB_NAME]);
  });

  it("refuses before any change when apt would remove a package installed by hand (qemu-user-binfmt conflicts with qemu-user-static)", () => {
    root("DEBIAN_FRONTEND=noninteractive apt-get -q -y install qemu-user-binfmt >/dev/null");
    assert.equal(status("qemu-user-binfmt"), "installed");
    // apt itself would do it: its simulation removes qemu-user-binfmt.
    assert.match(root("apt-get -s install --no-install-recommends qemu-user-static"), /^Remv qemu-user-binfmt /m);
    // Preview already says it: the observation sees qemu-user-static's Conflicts and the installed qemu-user-binfmt.
    const config = parseHostArgs("t", { connection: { host: host.address }, architectures: ["aarch64"] });
    const seen = sshExec(host, "root", "sh -s", { input: observeScript(LAB_NAME, observationRequest(config)) });
    assert.equal(seen.code, 0, seen.stderr);
    const { refused } = planOrRefusal(config, parseObservation(seen.stdout, LAB_NAME), LAB_NAME);
    assert.match(refused, /refused before any change: installing qemu-user-static \S+ would make apt remove qemu-user-binfmt /);
    // The packages step refuses it too (what the observation cannot see is simulated there).
    const r = install(["qemu-user-static"], 30);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /refused before any change: apt-get install qemu-user-static would remove qemu-user-binfmt 1:7\.2[^,]*, and those packages are not this host's QEMU packages/,
    );
    assert.match(r.stderr, /Ways out: remove or replace those packages yourself/);
    assert.equal(status("qemu-user-binfmt"), "installed");
    assert.notEqual(status("qemu-user-static"), "installed");
    root("DEBIAN_FRONTEND=noninteractive apt-get -q -y purge qemu-user-binfmt qemu-user >/dev/null && apt-get -q -y autoremove --purge >/dev/null");
  });

  it("waits lockTimeoutSeconds for a held lists lock, then names it and its holder (apt-get and its pid), and installs nothing", () => {
    const pid = holdListsLock(120);
    try {
      // apt itself considers the lock held (and, without our wait, fails at once).
      const apt = sshExec(host, "root", "apt-get -o DPkg::Lock::Timeout=0 update");
      assert.match(apt.stderr, new RegExp(`Could not get lock /var/lib/apt/lists/lock\\. It is held by process ${pid} \\(apt-get\\)`));
      const r = install(["qemu-user-static"], 6);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`apt's package lists lock \\(/var/lib/apt/lists/lock, [^)]*\\) stayed held for more than 6 s \\(held by apt-get\\[${pid}\\]\\)`));
      assert.ok(r.seconds >= 6 && r.seconds < 20, `the step took ${r.seconds} s`);
      assert.notEqual(status("qemu-user-static"), "installed");
    } finally {
      sshExec(host, "root", `kill -- -${pid}; true`);
    }
  });

  it("goes on and installs once the lists lock is released within lockTimeoutSeconds", () => {
    const pid = holdListsLock(4);
    const r = install(["qemu-user-static"], 120);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`waiting for apt's package lists lock .*, held by apt-get\\[${pid}\\], up to 120 s`));
    assert.deepEqual(JSON.parse(r.stdout), { packages: ["qemu-user-static"], installed: ["qemu-user-static"] });
    assert.equal(status("qemu-user-static"), "installed");
  });
});
