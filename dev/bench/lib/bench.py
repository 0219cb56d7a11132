#!/usr/bin/env python3
"""`npm run bench` driver (dev/bench/bench.sh prepares the machine, then runs this).

    bench.py run    [--quick] [--ns 1,4,8] [--runs 3] [--contenders a,b,c,d,e]
                    [--scale-ns 1,8,16,32] [--scale-runs 1] [--prefix bench]
                    [--out dev/bench/results] [--work dev/bench/work]
    bench.py report [--out dev/bench/results]     rewrite results.md + wall-time.png from results.json

Contenders, each measured as one process tree on this machine (wall time + peak
tree RSS/PSS by measure.py), on freshly created lab hosts:
  a  `pulumi up` of dev/bench/stacks/component (BinfmtFleet: arm + aarch64, acceptance
     check on), then a second, no-op `pulumi up` on the same hosts
  b  ansible-playbook dev/bench/ansible/playbook.yml (Debian's ansible)
  c  dev/bench/floor/run.sh: one bash script per host over one ssh session, all in parallel
  d  `pulumi up` of dev/bench/stacks/empty (no hosts)
  e  `pulumi up` of dev/bench/stacks/recipe: the hand-written program without the component
     (one remote.Command per host running the article's recipe)
  s  the scaling curve: (a)'s first up on hosts with the packages already installed
(b) also runs a second time on the unchanged hosts (Ansible's no-op).
SSH sessions per host: sshd's "Accepted ..." lines in each host's journal whose
timestamp lies inside the measured command's [start, end] (hosts share this
machine's clock), so the bench's own reads never count.
"""
import argparse
import concurrent.futures as cf
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(BENCH))
PY = sys.executable
PREFIX = "bench"  # lab host names PREFIX1..PREFIXn (--prefix)
# the compiled package under test (bench.sh snapshots it into dev/bench/work/pkg); the checkout otherwise
PACKAGE = os.environ.get("BENCH_PACKAGE", REPO)
SUITE = "bookworm"
BOOT_BATCH = 8  # hosts booted at once (see Lab._up_in_batches)
sys.path.insert(0, HERE)
import events  # noqa: E402
import limits  # noqa: E402
import report  # noqa: E402

CONTENDERS = {
    "a": "pulumi up (component)",
    "b": "ansible-playbook",
    "c": "bash over ssh (floor)",
    "d": "pulumi up (empty stack)",
    "e": "pulumi up (hand-written recipe)",
    "s": "scaling: pulumi up (component), packages present",
}
# the command provider under test: the upstream build given by --command-plugin (bench.sh exports it),
# or the toolchain's stand-in (dev/toolchain/go/command-provider) from the plugin cache
COMMAND_PLUGIN = os.environ.get("BENCH_COMMAND_PLUGIN", "")


def log(msg):
    print(f"[bench {datetime.datetime.now().strftime('%H:%M:%S')}] {msg}", flush=True)


def sh(cmd, check=True, capture=True, env=None, cwd=None, timeout=None):
    r = subprocess.run(cmd, capture_output=capture, text=True, env=env, cwd=cwd, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}:\n{(r.stderr or '')[-3000:]}")
    return r


# ----------------------------------------------------------------------------- lab

def ours(name):
    """Hosts the lab names PREFIX1..PREFIXn for `up --prefix PREFIX` (never another prefix's)."""
    return re.fullmatch(PREFIX + r"[0-9]+", name) is not None


class Lab:
    def __init__(self, work):
        self.work = work

    def up(self, n, tag):
        cmd = ["bash", os.path.join(REPO, "dev", "lab", "lab.sh"), "up", "--hosts", str(n), "--suite", SUITE,
               "--prefix", PREFIX, "--fresh"]
        errlog = os.path.join(self.work, f"lab-up-{tag}.log")
        for attempt in (1, 2):
            if n > BOOT_BATCH:
                r = self._up_in_batches(n, errlog)
            else:
                with open(errlog, "a") as err:
                    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, text=True, timeout=1800)
            if r.returncode == 0:
                lab = json.loads(r.stdout)
                mine = [h for h in lab["hosts"] if ours(h.get("name", ""))]
                lab["hosts"] = sorted(mine, key=lambda h: h["name"])[:n] if len(mine) > n else mine
                if len(lab["hosts"]) != n:
                    raise RuntimeError(f"lab up returned {len(lab['hosts'])} {PREFIX} hosts, wanted {n}")
                return lab
            log(f"lab up failed (attempt {attempt}), see {errlog}")
            self.down_prefix()
        raise RuntimeError(f"lab up failed twice: {errlog}")

    def _up_in_batches(self, n, errlog):
        """More than BOOT_BATCH hosts: on this machine (/run on disk, not tmpfs) systemd-nspawn fails to boot
        some of 16 hosts started at once ("Attempted to remove disk file system under
        /run/systemd/nspawn/propagate/<name>"). So: purge the hosts' disks (a fresh start without --fresh),
        then `up` BOOT_BATCH more at a time; running hosts are left alone by a later `up`."""
        lab = os.path.join(REPO, "dev", "lab", "lab.sh")
        names = [f"{PREFIX}{i}" for i in range(1, n + 1)]
        with open(errlog, "a") as err:
            subprocess.run(["bash", lab, "down", "--purge", *names], stdout=err, stderr=err, text=True, timeout=1800)
            r = None
            for k in range(BOOT_BATCH, n + BOOT_BATCH, BOOT_BATCH):
                r = subprocess.run(["bash", lab, "up", "--hosts", str(min(k, n)), "--suite", SUITE, "--prefix", PREFIX],
                                   stdout=subprocess.PIPE, stderr=err, text=True, timeout=1800)
                if r.returncode != 0:
                    break
        return r

    def down(self, names):
        """Never raises: the lab lock can be held for minutes by someone else's rootfs build."""
        if not names:
            return
        assert all(ours(n) for n in names)
        try:
            r = sh(["bash", os.path.join(REPO, "dev", "lab", "lab.sh"), "down", *names], check=False, timeout=1800)
            if r.returncode != 0:
                log(f"lab down {' '.join(names)} exited {r.returncode}: {r.stderr[-500:]}")
        except subprocess.TimeoutExpired:
            log(f"lab down {' '.join(names)} timed out (lab lock held?); continuing")

    def down_prefix(self):
        """Hosts of our prefix left over by an earlier, interrupted run."""
        r = sh(["bash", os.path.join(REPO, "dev", "lab", "lab.sh"), "status", "--json"], check=False, timeout=120)
        try:
            st = json.loads(r.stdout)
        except Exception:
            return
        names = [h["name"] for h in st.get("hosts", []) if ours(h.get("name", ""))]
        if names:
            log(f"taking down leftover hosts {' '.join(names)}")
            self.down(names)


def known_hosts_line(h):
    key = h["hostPublicKey"].strip()
    if " " not in key and h.get("hostKeyType"):
        key = f"{h['hostKeyType']} {key}"
    addr = h["address"] if int(h.get("port", 22)) == 22 else f"[{h['address']}]:{h['port']}"
    return f"{addr} {key}"


def ssh_cmd(h, known, *remote):
    return ["ssh", "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={known}", "-o", "StrictHostKeyChecking=yes",
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=15",
            "-i", h["privateKeyPath"], "-p", str(h.get("port", 22)), f"root@{h['address']}", *remote]


def sshd_accepts(h, known):
    """Unix timestamps of every sshd 'Accepted' line in the host's journal."""
    r = sh(ssh_cmd(h, known, "journalctl _COMM=sshd -o short-unix --no-pager -q | grep -F ' Accepted ' || true"),
           check=False, timeout=60)
    out = []
    for line in r.stdout.splitlines():
        try:
            out.append(float(line.split()[0]))
        except (ValueError, IndexError):
            pass
    return out


def count_sessions(hosts, known, windows):
    """{phase: {host: sessions}} for each (phase, start, end) window."""
    with cf.ThreadPoolExecutor(max_workers=8) as ex:
        accepts = dict(zip([h["name"] for h in hosts], ex.map(lambda h: sshd_accepts(h, known), hosts)))
    return {phase: {name: sum(1 for t in ts if start <= t <= end) for name, ts in accepts.items()}
            for phase, start, end in windows}


# ----------------------------------------------------------------------------- measuring

def measure(rundir, label, cmd, env=None, cwd=None, tail=None):
    out = os.path.join(rundir, f"{label}.measure.json")
    logf = os.path.join(rundir, f"{label}.log")
    argv = [PY, os.path.join(HERE, "measure.py"), "--out", out, "--log", logf]
    if tail:
        argv += ["--tail", tail, "--tail-out", tail + ".stamped"]
    load_before = os.getloadavg()[0]
    subprocess.run(argv + ["--", *cmd], env=env, cwd=cwd)
    with open(out) as f:
        m = json.load(f)
    # how busy the shared machine was (1-minute load average before / after)
    m["load_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    m["log"] = os.path.relpath(logf, REPO)
    if m["exit_code"] != 0:
        with open(logf, errors="replace") as f:
            tailtxt = f.read()[-2500:]
        log(f"{label}: exit {m['exit_code']}; end of {logf}:\n{tailtxt}")
    return m


def write_hosts(rundir, lab):
    hosts_file = os.path.join(rundir, "hosts.json")
    with open(hosts_file, "w") as f:
        json.dump(lab, f, indent=1)
    known = os.path.join(rundir, "known_hosts")
    with open(known, "w") as f:
        for h in lab["hosts"]:
            f.write(known_hosts_line(h) + "\n")
    return hosts_file, known


def pulumi_env(rundir, extra=None):
    env = dict(os.environ)
    state = os.path.join(rundir, "state")
    os.makedirs(state, exist_ok=True)
    env.update({
        "PULUMI_BACKEND_URL": "file://" + state,
        "PULUMI_CONFIG_PASSPHRASE": "",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_SKIP_CONFIRMATIONS": "true",
        # --event-log (per-resource timings) is only offered with debug commands on, as the
        # Automation API does for every operation it runs.
        "PULUMI_DEBUG_COMMANDS": "true",
    })
    env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    if COMMAND_PLUGIN:
        # an ambient plugin (a `pulumi-resource-command` on PATH) wins over the plugin cache
        pdir = os.path.join(rundir, "plugin-bin")
        os.makedirs(pdir, exist_ok=True)
        link = os.path.join(pdir, "pulumi-resource-command")
        if not os.path.lexists(link):
            os.symlink(COMMAND_PLUGIN, link)
        env["PATH"] = pdir + os.pathsep + env.get("PATH", "")
    env.update(extra or {})
    return env


def stack_project(kind, rundir):
    """A copy of dev/bench/stacks/KIND inside the run dir (stack files land there, not in
    the tree); node resolves @pulumi/* and the component up the tree in REPO."""
    proj = os.path.join(rundir, "project")
    shutil.copytree(os.path.join(BENCH, "stacks", kind), proj)
    return proj


PULUMI_UP = ["pulumi", "up", "--yes", "--skip-preview", "--non-interactive", "--stack", "bench"]


def run_pulumi(kind, rundir, env, phases):
    proj = stack_project(kind, rundir)
    sh(["pulumi", "stack", "init", "bench", "--non-interactive"], env=env, cwd=proj, timeout=300)
    out = {}
    for phase in phases:
        ev = os.path.join(rundir, f"events-{phase}.jsonl")
        m = measure(rundir, phase, PULUMI_UP + ["--event-log", ev], env=env, cwd=proj, tail=ev)
        if os.path.exists(ev + ".stamped"):
            m["events"] = events.summarize(events.load(ev + ".stamped"), m["wall_s"])
            m["events_file"] = os.path.relpath(ev + ".stamped", REPO)
        out[phase] = m
        if m["exit_code"] != 0:
            break
    return out


def contender_a(rundir, lab, spec_file, phases=("up", "noop")):
    hosts_file, known = write_hosts(rundir, lab)
    env = pulumi_env(rundir, {"BENCH_HOSTS_FILE": hosts_file, "BENCH_SPEC_FILE": spec_file, "BENCH_PACKAGE": PACKAGE})
    res = run_pulumi("component", rundir, env, list(phases))
    windows = [(p, m["start_epoch"], m["end_epoch"]) for p, m in res.items()]
    sessions = count_sessions(lab["hosts"], known, windows)
    for p in res:
        res[p]["ssh_sessions"] = sessions[p]
        if "events" in res[p]:
            ops = res[p]["events"].get("ops", {})
            res[p]["changes"] = {k: v for k, v in ops.items() if k != "same"}
    return res


def contender_b(rundir, lab, spec_file):
    hosts_file, known = write_hosts(rundir, lab)
    inv = os.path.join(rundir, "inventory.yml")
    with open(inv, "w") as f:
        f.write("buildhosts:\n  hosts:\n")
        for h in lab["hosts"]:
            f.write(f"    {h['name']}:\n      ansible_host: {h['address']}\n      ansible_port: {h.get('port', 22)}\n"
                    f"      ansible_user: root\n      ansible_ssh_private_key_file: {h['privateKeyPath']}\n")
        f.write(f"  vars:\n    ansible_ssh_common_args: >-\n      -o UserKnownHostsFile={known}"
                f" -o GlobalKnownHostsFile=/dev/null\n")
    env = dict(os.environ)
    env.update({"ANSIBLE_CONFIG": os.path.join(BENCH, "ansible", "ansible.cfg"),
                "ANSIBLE_SSH_CONTROL_PATH_DIR": os.path.join(rundir, "cp"),
                "ANSIBLE_LOCAL_TEMP": os.path.join(rundir, "ansible-tmp"),
                "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"})
    play = ["ansible-playbook", "-i", inv, "-e", "@" + spec_file, os.path.join(BENCH, "ansible", "playbook.yml")]
    res = {"run": measure(rundir, "ansible", play, env=env)}
    # Ansible's own no-op: the same playbook again on the same, unchanged hosts (its checks run again)
    if res["run"]["exit_code"] == 0:
        res["noop"] = measure(rundir, "ansible-noop", play, env=env)
    sessions = count_sessions(lab["hosts"], known, [(p, m["start_epoch"], m["end_epoch"]) for p, m in res.items()])
    for p in res:
        res[p]["ssh_sessions"] = sessions[p]
    return res


def floor_steps(rundir, lab):
    """Per-step seconds from provision.sh's timestamped stderr, per host."""
    out = {}
    for h in lab["hosts"]:
        p = os.path.join(rundir, "floor", f"floor-{h['name']}.log")
        marks = []
        try:
            with open(p) as f:
                for line in f:
                    parts = line.split(" ", 1)
                    try:
                        marks.append((float(parts[0]), parts[1].strip()))
                    except (ValueError, IndexError):
                        pass
        except OSError:
            continue
        steps = {}
        for (t0, _), (t1, name) in zip(marks, marks[1:]):
            steps[name.split(" (")[0]] = round(t1 - t0, 3)
        out[h["name"]] = steps
    return out


def contender_c(rundir, lab, spec_file):
    hosts_file, known = write_hosts(rundir, lab)
    m = measure(rundir, "floor", ["bash", os.path.join(BENCH, "floor", "run.sh"), hosts_file, spec_file,
                                  os.path.join(rundir, "floor")])
    m["ssh_sessions"] = count_sessions(lab["hosts"], known, [("run", m["start_epoch"], m["end_epoch"])])["run"]
    m["steps"] = floor_steps(rundir, lab)
    return {"run": m}


def contender_e(rundir, lab, spec_file):
    """The hand-written program a user would write without the component (stacks/recipe)."""
    hosts_file, known = write_hosts(rundir, lab)
    env = pulumi_env(rundir, {"BENCH_HOSTS_FILE": hosts_file, "BENCH_SPEC_FILE": spec_file})
    res = run_pulumi("recipe", rundir, env, ["up"])
    sessions = count_sessions(lab["hosts"], known, [(p, m["start_epoch"], m["end_epoch"]) for p, m in res.items()])
    for p in res:
        res[p]["ssh_sessions"] = sessions[p]
    return res


def contender_s(rundir, lab, spec_file):
    """The controller's scaling curve: (a)'s program on hosts whose packages are already installed
    (prepare_hosts), so dpkg, CPU-bound on the cores the controller shares, does not hide it."""
    return contender_a(rundir, lab, spec_file, phases=["up"])


def contender_d(rundir):
    env = pulumi_env(rundir)
    return run_pulumi("empty", rundir, env, ["up"])


# ----------------------------------------------------------------------------- host prerequisites

def prepare_hosts(lab, rundir, contender):
    """Out of the timed region. (b) Ansible's apt module needs python3-apt on the
    managed node (Ansible's documented prerequisite, like python3); the lab's
    offline repo does not carry it, so its .debs are copied in and installed."""
    if contender == "s":
        preinstall(lab, rundir)
        return
    if contender != "b":
        return
    debdir = os.environ.get("BENCH_PY3APT_DEBS")
    if not debdir:
        return
    _, known = write_hosts(rundir, lab)
    debs = sorted(os.path.join(debdir, d) for d in os.listdir(debdir) if d.endswith(".deb"))

    def one(h):
        tar = subprocess.Popen(["tar", "-C", debdir, "-cf", "-", *[os.path.basename(d) for d in debs]],
                               stdout=subprocess.PIPE)
        r = subprocess.run(ssh_cmd(h, known, "set -e; d=$(mktemp -d); tar -C $d -xf -; "
                                   "dpkg -i $d/*.deb >/dev/null; rm -rf $d"), stdin=tar.stdout,
                           capture_output=True, text=True, timeout=300)
        tar.wait()
        if r.returncode != 0:
            raise RuntimeError(f"python3-apt on {h['name']}: {r.stderr[-1000:]}")

    with cf.ThreadPoolExecutor(max_workers=8) as ex:
        list(ex.map(one, lab["hosts"]))


def preinstall(lab, rundir):
    """Out of the timed region, for the scaling curve: the packages installed beforehand (4 hosts at a
    time: dpkg is CPU-bound and the hosts share this machine's cores)."""
    _, known = write_hosts(rundir, lab)
    script = ("set -e; export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; "
              "apt-get install -y -qq --no-install-recommends qemu-user-static binfmt-support >/dev/null")

    def one(h):
        r = subprocess.run(ssh_cmd(h, known, script), capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            raise RuntimeError(f"preinstall on {h['name']}: {r.stderr[-1000:]}")

    with cf.ThreadPoolExecutor(max_workers=4) as ex:
        list(ex.map(one, lab["hosts"]))


# ----------------------------------------------------------------------------- machine

def first_line(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return (r.stdout or r.stderr).strip().splitlines()[0]
    except Exception as e:  # noqa: BLE001
        return f"unavailable ({e.__class__.__name__})"


def pkg_version(name):
    try:
        with open(os.path.join(REPO, "node_modules", *name.split("/"), "package.json")) as f:
            return json.load(f)["version"]
    except Exception:  # noqa: BLE001
        return None


def machine():
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    osrel = {}
    with open("/etc/os-release") as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                osrel[k] = v.strip('"')
    git = sh(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], check=False).stdout.strip()
    dirty = bool(sh(["git", "-C", REPO, "status", "--porcelain"], check=False).stdout.strip())
    with open(os.path.join(REPO, "package.json")) as f:
        pkg = json.load(f)
    digest = sh(["bash", "-c", f"cd {PACKAGE!r} && find dist -name '*.js' -type f | sort | xargs cat | sha256sum"],
                check=False).stdout[:12]
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": osrel.get("PRETTY_NAME"),
        "loadavg_at_start": os.getloadavg(),
        "versions": {
            "pulumi-qemu-binfmt": f"{pkg['version']} ({git}{'+dirty' if dirty else ''}, compiled JS sha256 {digest})",
            "pulumi": first_line(["pulumi", "version"]),
            "@pulumi/pulumi": pkg_version("@pulumi/pulumi"),
            "@pulumi/command": pkg_version("@pulumi/command"),
            "node": first_line(["node", "--version"]),
            "ansible": first_line(["ansible", "--version"]),
            "openssh": first_line(["ssh", "-V"]),
            "python3": platform.python_version(),
        },
        "setup": setup(),
        "lab": f"systemd-nspawn Debian hosts ({SUITE}), created fresh per run; dev/lab/lab.sh up --fresh",
    }


def _sha(path):
    r = sh(["sha256sum", path], check=False)
    return r.stdout.split()[0][:16] if r.returncode == 0 and r.stdout else None


def setup():
    """Which engine, language host and command provider the pulumi contenders run: figures from
    different setups are never comparable. From .toolchain/toolchain.json (npm run toolchain) and
    --command-plugin; each record's `executables` (measure.py) shows what actually ran."""
    try:
        with open(os.path.join(REPO, ".toolchain", "toolchain.json")) as f:
            tc = json.load(f)
    except (OSError, ValueError):
        tc = {}
    lang = tc.get("languageNodejs") or {}
    cmd = tc.get("commandProvider") or {}
    if COMMAND_PLUGIN:
        provider = {"kind": "upstream", "path": COMMAND_PLUGIN, "sha256": _sha(COMMAND_PLUGIN),
                    "version": os.environ.get("BENCH_COMMAND_PLUGIN_VERSION") or cmd.get("version"),
                    "how": "ambient plugin: a pulumi-resource-command on PATH (wins over the plugin cache)"}
    else:
        path = cmd.get("installedPath") or cmd.get("path")
        provider = {"kind": "stand-in (dev/toolchain/go/command-provider)" if cmd.get("source") != "system" else "system",
                    "path": path, "sha256": _sha(path) if path else None, "version": cmd.get("version"),
                    "how": "plugin cache (PULUMI_HOME/plugins)"}
    lang_path = lang.get("path")
    return {
        "engine": {"version": (tc.get("pulumi") or {}).get("version"), "path": (tc.get("pulumi") or {}).get("path")},
        "language_host": {"kind": "stand-in (dev/toolchain/go/language-nodejs)" if lang.get("source") != "system" else "system",
                          "version": lang.get("version"), "path": lang_path,
                          "sha256": _sha(lang_path) if lang_path else None},
        "command_provider": provider,
        "cores": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
    }


def setup_line(st):
    cp, lh = st["command_provider"], st["language_host"]
    return (f"command provider {cp['kind']} {cp.get('version')} ({cp.get('path')}, sha256 {cp.get('sha256')}); "
            f"language host {lh['kind']} {lh.get('version')}; engine {st['engine'].get('version')}")


def host_versions(lab, known):
    h = lab["hosts"][0]
    r = sh(ssh_cmd(h, known, "dpkg-query -W -f='${Package} ${Version}\\n' qemu-user-static binfmt-support "
                             "docker.io systemd openssh-server 2>/dev/null; . /etc/os-release; echo \"os $PRETTY_NAME\""),
           check=False, timeout=60)
    return dict(line.split(" ", 1) for line in r.stdout.splitlines() if " " in line)


# ----------------------------------------------------------------------------- main loop

def measure_one(lab, rundir, c, n, r, spec_file, want_hostinfo=False):
    os.makedirs(rundir)
    names = []
    res = {}
    try:
        if c == "d":
            res = contender_d(rundir)
        else:
            labinfo = lab.up(n, os.path.basename(rundir))
            names = [h["name"] for h in labinfo["hosts"]]
            prepare_hosts(labinfo, rundir, c)
            res = {"a": contender_a, "b": contender_b, "c": contender_c, "e": contender_e,
                   "s": contender_s}[c](rundir, labinfo, spec_file)
            if want_hostinfo:
                res["_hostinfo"] = host_versions(labinfo, os.path.join(rundir, "known_hosts"))
    except Exception as e:  # noqa: BLE001
        log(f"{c} N={n} run {r}: error: {e}")
        res = {"error": {"wall_s": None, "exit_code": -1, "message": str(e)[-2000:]}}
    finally:
        lab.down(names)
    return res


def estimate(c, n):
    """First guess of one measurement's seconds including lab up/down."""
    return {"a": 100 + 15 * n, "b": 90 + 8 * n, "c": 50 + 4 * n, "d": 8, "e": 80 + 10 * n, "s": 60 + 12 * n}[c]


def cmd_run(a):
    ns = [1] if a.quick else [int(x) for x in a.ns.split(",")]
    scale_ns = [int(x) for x in a.scale_ns.split(",")] if a.scale_ns and not a.quick else []
    runs = 1 if a.quick else a.runs
    contenders = a.contenders.split(",")
    out = a.out or (os.path.join(a.work, "results-quick") if a.quick else os.path.join(BENCH, "results"))
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(out, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    session = os.path.join(a.work, stamp)
    os.makedirs(session)
    spec_file = os.path.join(session, "spec.json")
    with open(spec_file, "w") as f:
        f.write(sh([PY, os.path.join(HERE, "spec.py"), "--repo", PACKAGE]).stdout)
    with open(spec_file) as f:
        spec = json.load(f)

    lab = Lab(session)
    lab.down_prefix()
    plan = [(r, n, c) for r in range(1, runs + 1) for n in ns for c in contenders if c != "s"]
    # the scaling curve: its own N values, one run each unless --scale-runs
    plan += [(r, n, "s") for r in range(1, a.scale_runs + 1) for n in scale_ns]
    if scale_ns and "s" not in contenders:
        contenders.append("s")
    # all lab hosts share root's inotify instances (limits.py): raised for this run when N needs it
    kernel_limits = limits.RaisedLimits(max([n for _, n, c in plan if c != "d"], default=0), log)
    # a SIGTERM (or the terminal's SIGHUP) ends the run through the `with` below, which restores the limit
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: sys.exit(128 + signum))
    with kernel_limits:
        return _run_plan(a, lab, plan, session, spec_file, spec, out, ns, scale_ns, runs, contenders, kernel_limits)


def _run_plan(a, lab, plan, session, spec_file, spec, out, ns, scale_ns, runs, contenders, kernel_limits):
    observed = {}
    total_est = sum(estimate(c, n) for _, n, c in plan)
    main = [c for c in contenders if c != "s"]
    log(f"{len(plan)} measurements ("
        + "; ".join(([f"{', '.join(main)} x N={ns} x {runs} run(s)"] if main else [])
                    + ([f"scaling curve s at N={scale_ns} x {a.scale_runs} run(s)"] if scale_ns else [])) + "); "
        f"first estimate {total_est / 60:.0f} min; raw data in {os.path.relpath(session, REPO)}")
    records = []
    failures = []
    mach = machine()
    mach["kernel_limits"] = kernel_limits.rec  # the same dict: the final save sees whether it was restored
    log("setup: " + setup_line(mach["setup"]))
    hostinfo = None
    t_all = time.monotonic()
    for i, (r, n, c) in enumerate(plan, 1):
        t0 = time.monotonic()
        for attempt in range(1, a.attempts + 1):
            rundir = os.path.join(session, f"{c}-n{n}-r{r}" + (f"-try{attempt}" if attempt > 1 else ""))
            res = measure_one(lab, rundir, c, n, r, spec_file, want_hostinfo=hostinfo is None and c == "c")
            if hostinfo is None and res.get("_hostinfo"):
                hostinfo = res["_hostinfo"]
            res.pop("_hostinfo", None)
            main_phase = res.get("up") or res.get("run") or next(iter(res.values()))
            if main_phase.get("exit_code") == 0 or attempt == a.attempts:
                break
            # A failed measurement is kept aside and measured again on fresh hosts: on a shared lab
            # a host can be stopped under us (someone's rootfs rebuild), which says nothing about us.
            log(f"{c} N={n} run {r}: attempt {attempt} failed; measuring again on fresh hosts")
            failures.append({"contender": c, "n": n, "run": r, "attempt": attempt,
                             "rundir": os.path.relpath(rundir, REPO),
                             "phases": {p: {k: v for k, v in m.items() if k in ("wall_s", "exit_code", "log", "message")}
                                        for p, m in res.items()}})
        for phase, m in res.items():
            rec = {"contender": c, "n": n, "run": r, "phase": phase, **m}
            records.append(rec)
        spent = time.monotonic() - t0
        observed.setdefault((c, n), []).append(spent)
        left = sum(statistics.mean(observed[(cc, nn)]) if (cc, nn) in observed else
                   estimate(cc, nn) * _scale(observed) for _, nn, cc in plan[i:])
        ok = "ok" if main_phase.get("exit_code") == 0 else f"FAILED (exit {main_phase.get('exit_code')})"
        extra = ""
        if "noop" in res:
            extra = f", no-op {res['noop']['wall_s']:.1f} s"
        log(f"{i}/{len(plan)} {c} N={n} run {r}: {ok} {main_phase.get('wall_s') or 0:.1f} s{extra} "
            f"(step {spent:.0f} s incl. lab; elapsed {(time.monotonic() - t_all) / 60:.1f} min, "
            f"~{left / 60:.0f} min left)")
        _save(out, mach, hostinfo, spec, records, failures, a, ns, runs, contenders, partial=True)
    kernel_limits.restore()
    _save(out, mach, hostinfo, spec, records, failures, a, ns, runs, contenders, partial=False)
    report.write_all(out)
    log(f"done in {(time.monotonic() - t_all) / 60:.1f} min: {os.path.relpath(out, REPO)}/results.md, "
        f"results.json, wall-time.png")
    failed = [r for r in records if r.get("exit_code") != 0]
    return 1 if failed else 0


def _scale(observed):
    ratios = [statistics.mean(v) / estimate(c, n) for (c, n), v in observed.items()]
    return statistics.mean(ratios) if ratios else 1.0


def _save(out, mach, hostinfo, spec, records, failures, a, ns, runs, contenders, partial):
    doc = {
        "machine": mach,
        "hosts": hostinfo,
        "config": {"ns": ns, "runs": runs, "contenders": {c: CONTENDERS[c] for c in contenders},
                   "scale_ns": a.scale_ns, "quick": a.quick, "suite": SUITE, "partial": partial,
                   "targets": [t["target"] for t in spec["targets"]], "rules_source": spec.get("rules_source"),
                   "pulumi_up": " ".join(PULUMI_UP)},
        "records": records,
        "failed_attempts": failures,
    }
    doc["summary"] = report.summarize(doc)
    tmp = os.path.join(out, "results.json.tmp")
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(tmp, os.path.join(out, "results.json"))


def main():
    global PREFIX
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--quick", action="store_true")
    r.add_argument("--ns", default="1,4,8")
    r.add_argument("--runs", type=int, default=3)
    r.add_argument("--contenders", default="a,b,c,d,e")
    r.add_argument("--scale-ns", default="1,8,16,32", help="N values of the scaling curve (contender s); '' for none")
    r.add_argument("--scale-runs", type=int, default=1)
    r.add_argument("--attempts", type=int, default=2, help="tries per measurement when one fails")
    r.add_argument("--prefix", default=PREFIX, help="lab host name prefix (hosts PREFIX1..PREFIXn); only these are ever taken down")
    r.add_argument("--out")
    r.add_argument("--work", default=os.path.join(BENCH, "work"))
    p = sub.add_parser("report")
    p.add_argument("--out", default=os.path.join(BENCH, "results"))
    a = ap.parse_args()
    if a.cmd == "run":
        if not re.fullmatch(r"[a-z][a-z0-9]*[a-z]", a.prefix):
            ap.error(f"--prefix {a.prefix!r}: lowercase letters and digits, starting and ending with a letter")
        PREFIX = a.prefix
        sys.exit(cmd_run(a))
    report.write_all(a.out)


if __name__ == "__main__":
    main()
