#!/usr/bin/env python3
"""Run a command and measure its wall time and the memory of its whole process tree.

    measure.py --out RESULT.json [--interval 0.05] [--log FILE] -- COMMAND [ARG...]

Why not `/usr/bin/time -v`: its "Maximum resident set size" is the peak of the
largest single process (getrusage RUSAGE_CHILDREN keeps a max, not a sum), so
for `pulumi up` (CLI + language host + node + provider plugins) or Ansible
(controller + forks + ssh) it under-reports what the run needs.

This sampler:
  * makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so processes
    that daemonize (Ansible's ControlPersist ssh masters, plugin grandchildren)
    stay in the measured tree instead of escaping to init;
  * every INTERVAL seconds walks /proc, collects every descendant of itself and
    sums their RSS (VmRSS) and, at a lower rate, PSS (smaps_rollup: shared pages
    divided among sharers, so the sum does not double-count shared libraries);
  * wall time = spawn of COMMAND to exit of COMMAND (not of leftovers);
  * afterwards ends the leftovers it adopted (by PID, they are its own
    descendants) and reports them.

The JSON result: wall_s, exit_code, peak_tree_rss_kib, peak_tree_pss_kib,
peak_single_rss_kib (+ its comm), peak_processes, samples, leftovers.
"""
import argparse
import ctypes
import resource
import threading
import json
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def set_subreaper():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            return False
        return True
    except Exception:
        return False


def children_of(pid):
    """Children of every thread of PID (/proc/PID/task/TID/children)."""
    out = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(x) for x in f.read().split())
        except OSError:
            pass
    return out


def tree(root):
    """{pid: (comm, rss_kib, cpu_ticks)} for every descendant of ROOT (cpu: its own utime + stime). Walks the children files from ROOT
    instead of scanning all of /proc: cheap enough to sample often on a busy 2-core machine."""
    out, stack = {}, [root]
    while stack:
        for c in children_of(stack.pop()):
            if c in out:
                continue
            try:
                with open(f"/proc/{c}/stat", "rb") as f:
                    data = f.read()
            except OSError:
                continue
            r = data.rfind(b")")
            comm = data[data.find(b"(") + 1 : r].decode(errors="replace")
            fields = data[r + 2 :].split()
            try:
                out[c] = (comm, int(fields[21]) * PAGE_KIB, int(fields[11]) + int(fields[12]))
            except (IndexError, ValueError):
                continue
            stack.append(c)
    return out


def cpu_by_comm(last):
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for comm, ticks in last.values():
        out[comm] = round(out.get(comm, 0) + ticks / tick, 2)
    return out


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def reap_others(mainpid):
    """Reap adopted children that exited (zombies), never the main child."""
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None or info.si_pid == mainpid:
            return
        try:
            os.waitpid(info.si_pid, 0)
        except ChildProcessError:
            return


class Tailer(threading.Thread):
    """Follows a growing JSON-lines file (pulumi's --event-log) and stamps every
    complete line with the time it appeared, relative to the command's start.
    The engine's own event timestamps are whole seconds; this gives ~20 ms."""

    def __init__(self, path, out, t0):
        super().__init__(daemon=True)
        self.path, self.out, self.t0 = path, out, t0
        self.stop = threading.Event()
        self.lines = []

    def poll(self, f, buf):
        chunk = f.read()
        if not chunk:
            return buf
        now = round(time.monotonic() - self.t0, 3)
        buf += chunk
        *complete, buf = buf.split(b"\n")
        for line in complete:
            if line.strip():
                self.lines.append((now, line.decode(errors="replace")))
        return buf

    def run(self):
        f, buf = None, b""
        while True:
            stopping = self.stop.is_set()
            if f is None:
                try:
                    f = open(self.path, "rb")
                except OSError:
                    f = None
            if f is not None:
                buf = self.poll(f, buf)
            if stopping:
                break
            time.sleep(0.02)
        with open(self.out, "w") as o:
            for t, line in self.lines:
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                o.write(json.dumps({"t": t, "event": ev}) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--pss-every", type=int, default=4, help="read PSS every Nth sample")
    ap.add_argument("--log", help="file for the command's stdout+stderr (default: inherit)")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--tail", help="a file the command appends JSON lines to (pulumi --event-log)")
    ap.add_argument("--tail-out", help="where to write the stamped lines of --tail")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")

    subreaper = set_subreaper()
    me = os.getpid()
    logf = open(a.log, "ab") if a.log else None
    t0 = time.monotonic()
    start_epoch = time.time()
    proc = subprocess.Popen(cmd, stdout=logf or None, stderr=subprocess.STDOUT if logf else None,
                            stdin=subprocess.DEVNULL)
    tailer = None
    if a.tail and os.path.exists(a.tail):
        os.remove(a.tail)  # a stale file would be read before the command truncates it
    if a.tail:
        tailer = Tailer(a.tail, a.tail_out or a.tail + ".stamped", t0)
        tailer.start()
    peak_rss = peak_pss = peak_single = peak_procs = 0
    peak_single_comm = ""
    samples = 0
    seen = set()
    peak_by_comm = {}
    last_cpu = {}  # pid -> (comm, cpu ticks at its last sample): CPU seconds per process name at the end  # comm -> peak of the summed RSS of the processes of that name (where memory goes)
    exes = {}  # executable path -> processes seen running it (which engine, language host, plugins ran)
    timed_out = False
    rc = None
    while True:
        table = tree(me)
        pids = list(table)
        for p in pids:
            if p not in seen:
                seen.add(p)
                try:
                    exe = os.readlink(f"/proc/{p}/exe")
                except OSError:
                    continue
                exes[exe] = exes.get(exe, 0) + 1
        for p in pids:
            last_cpu[p] = (table[p][0], table[p][2])
        rss = 0
        by_comm = {}
        for p in pids:
            r = table[p][1]
            rss += r
            by_comm[table[p][0]] = by_comm.get(table[p][0], 0) + r
            if r > peak_single:
                peak_single, peak_single_comm = r, table[p][0]
        peak_rss = max(peak_rss, rss)
        for k, v in by_comm.items():
            peak_by_comm[k] = max(peak_by_comm.get(k, 0), v)
        peak_procs = max(peak_procs, len(pids))
        if samples % a.pss_every == 0:
            peak_pss = max(peak_pss, sum(pss_kib(p) for p in pids))
        samples += 1
        reap_others(proc.pid)
        rc = proc.poll()
        if rc is not None:
            break
        if time.monotonic() - t0 > a.timeout:
            timed_out = True
            proc.kill()
            rc = proc.wait()
            break
        time.sleep(a.interval)
    wall = time.monotonic() - t0
    end_epoch = time.time()
    if tailer:
        tailer.stop.set()
        tailer.join()

    # leftovers adopted by us (daemonized descendants): record and end them by PID
    table = tree(me)
    left = list(table)
    leftovers = [{"pid": p, "comm": table[p][0]} for p in left]
    for p in left:
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    while left and time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.05)
    for p in tree(me):
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        while os.waitpid(-1, os.WNOHANG)[0] != 0:
            pass
    except ChildProcessError:
        pass

    # CPU time of every descendant that was waited for (the command's tree, the adopted leftovers):
    # on this lab the hosts share the machine's 2 cores, so the controller's CPU competes with them
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = {
        "cmd": cmd,
        "cpu_user_s": round(ru.ru_utime, 2),
        "cpu_sys_s": round(ru.ru_stime, 2),
        "wall_s": round(wall, 3),
        "exit_code": rc,
        "start_epoch": round(start_epoch, 3),
        "end_epoch": round(end_epoch, 3),
        "timed_out": timed_out,
        "peak_tree_rss_kib": peak_rss,
        "peak_tree_pss_kib": peak_pss,
        "peak_single_rss_kib": peak_single,
        "peak_single_comm": peak_single_comm,
        "peak_processes": peak_procs,
        "samples": samples,
        "interval_s": a.interval,
        "subreaper": subreaper,
        "leftovers": leftovers,
        "executables": exes,
        "peak_rss_by_comm_kib": peak_by_comm,
        # sampled every interval: a process's last interval before it exited is missing (<= interval_s each)
        "cpu_by_comm_s": cpu_by_comm(last_cpu),
    }
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    sys.exit(0 if rc == 0 else 1)


if __name__ == "__main__":
    main()
