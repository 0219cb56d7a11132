#!/usr/bin/env python3
"""The kernel limit that caps how many lab hosts this machine boots, raised for one bench run only.

Every lab host is a `systemd-nspawn --boot` machine in a user namespace created by root; the kernel
charges a namespace's inotify instances to its creator in the parent namespace (kernel/ucount.c,
inc_ucount walks up the namespaces), so ALL hosts share root's `fs.inotify.max_user_instances`
(128 on this machine). Measured on 2026-11-29 (kernel 6.18, Debian 12 hosts, `lab up`, docker idle):
each booted host holds 8 instances (systemd 5, dbus-daemon 1, systemd-logind 1, containerd 1) and
~28 watches. With 16 hosts up the machine counted 127 of 128 and the 16th host's logind logged
"Failed to create inotify watch on /var/run/utmp, ignoring: Too many open files"; a 17th host's
systemd cannot start (the boot failures at N = 13-15 of the previous session, with others' hosts up).
Watches (`max_user_watches`, 192536 here), pids, memory (~60 MiB per idle host) and disk are far
from their limits at N = 32.

`RaisedLimits(hosts)`: when the instances in use plus a budget per host (with room for other
sessions' hosts) exceed the limit, writes a higher `max_user_instances` (as `sysctl -w` does) and,
on exit, writes the old value back, unless more instances are in use at that moment than the old
value allows (other sessions' hosts booted meanwhile would then fail to start anything that needs
inotify): then it leaves the raised value, and says so with the command that restores it.
`record()` is what results.json keeps under machine.kernel_limits.
"""
import os

INSTANCES = "/proc/sys/fs/inotify/max_user_instances"
WATCHES = "/proc/sys/fs/inotify/max_user_watches"
# measured per booted host (see above) plus room for what a run starts inside it (apt, docker)
BUDGET_PER_HOST = 10
# other sessions' hosts that may boot during a run (the lab is shared)
OTHERS_HOSTS = 4


def _read(path):
    with open(path) as f:
        return int(f.read().strip())


def in_use():
    """(inotify instances, watches) held by all processes now: fds that link to anon_inode:inotify,
    and their `inotify wd:` lines in /proc/PID/fdinfo."""
    instances = watches = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        fddir = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(fddir)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"{fddir}/{fd}") != "anon_inode:inotify":
                    continue
                instances += 1
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    watches += sum(1 for line in f if line.startswith("inotify "))
            except OSError:
                continue
    return instances, watches


class RaisedLimits:
    def __init__(self, hosts, log):
        self.hosts = hosts
        self.log = log
        self.rec = {"max_user_instances": None, "raised_to": None, "restored": None, "hosts_planned": hosts}

    def __enter__(self):
        try:
            old = _read(INSTANCES)
        except OSError as e:
            self.rec["error"] = f"cannot read {INSTANCES}: {e}"
            return self
        used, watches = in_use()
        need = used + (self.hosts + OTHERS_HOSTS) * BUDGET_PER_HOST
        self.rec.update({"max_user_instances": old, "instances_in_use_at_start": used,
                         "watches_in_use_at_start": watches, "budget_per_host": BUDGET_PER_HOST,
                         "max_user_watches": _read(WATCHES)})
        if need <= old:
            self.log(f"fs.inotify.max_user_instances {old} holds {self.hosts} more hosts ({used} in use, "
                     f"{BUDGET_PER_HOST} per host): left as it is")
            return self
        new = -(-need // 128) * 128
        try:
            with open(INSTANCES, "w") as f:
                f.write(f"{new}\n")
        except OSError as e:
            self.rec["error"] = f"cannot raise {INSTANCES} to {new}: {e}"
            self.log(f"WARNING: {self.rec['error']}; hosts past ~{(old - used) // 8} may fail to boot")
            return self
        self.rec["raised_to"] = new
        self.log(f"fs.inotify.max_user_instances raised {old} -> {new} for this run ({used} in use, "
                 f"{self.hosts} hosts planned + {OTHERS_HOSTS} others' x {BUDGET_PER_HOST}); restored on exit")
        return self

    def __exit__(self, *exc):
        self.restore()
        return False

    def restore(self):
        old, new = self.rec["max_user_instances"], self.rec["raised_to"]
        if new is None or self.rec["restored"] is not None:
            return
        used, _ = in_use()
        self.rec["instances_in_use_at_end"] = used
        if used > old:
            self.rec["restored"] = False
            self.log(f"WARNING: fs.inotify.max_user_instances left at {new}: {used} instances are in use now, more "
                     f"than the old {old} allows (others' hosts?). Restore it later: sysctl -w fs.inotify.max_user_instances={old}")
            return
        with open(INSTANCES, "w") as f:
            f.write(f"{old}\n")
        self.rec["restored"] = True
        self.log(f"fs.inotify.max_user_instances restored to {old} ({used} in use)")

    def record(self):
        return dict(self.rec)
