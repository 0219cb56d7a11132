# shellcheck shell=bash
# Shared helpers for dev/lab/lab.sh: paths, logging, timing, dependency
# installation, process identity and small JSON helpers.
# Sourced, never run: the caller has `set -euo pipefail`.

LAB_DIR=${LAB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
REPO_DIR=$(cd "$LAB_DIR/../.." && pwd)
# An unexpected exit names the command, file and line; `retry` for downloads.
# shellcheck source=../../scripts/trace.sh
source "$REPO_DIR/dev/scripts/trace.sh"

# Per-machine cache (CONTRIBUTING.md): rootfs per suite lives here. Another
# PQB_CACHE (an empty one: the cold demo test) gives a lab of its own caches.
PQB_CACHE=${PQB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-qemu-binfmt}
LAB_CACHE="$PQB_CACHE/lab"
# Machine-wide live state (pids, hosts.json): /run vanishes with the machine,
# like the processes it describes.
LAB_RUN=${LAB_RUN:-/run/pulumi-qemu-binfmt-lab}
# The services (apt repository, registry) serve one cache each: the default
# cache's on the default ports, with their state in $LAB_RUN/services; another
# cache's beside it, on free ports, so hosts of both can run at once (the cold
# demo test next to someone's lab). A host records the services it was given.
LAB_DEFAULT_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-qemu-binfmt/lab"
if [ "$LAB_CACHE" = "$LAB_DEFAULT_CACHE" ]; then
  LAB_SERVICES_RUN="$LAB_RUN/services"
else
  LAB_SERVICES_RUN="$LAB_RUN/services-$(printf '%s' "$LAB_CACHE" | sha256sum | cut -c1-8)"
fi
# Machine-wide persistent state: overlays, docker data, the lab SSH key.
LAB_VAR=${LAB_VAR:-/var/lib/pulumi-qemu-binfmt-lab}

LAB_BRIDGE=${LAB_BRIDGE:-pqblab0}
# Bump when the rootfs recipe changes: cached rootfs with another recipe id
# are rebuilt (only when no host is running on them).
ROOTFS_RECIPE=5
# Tag on every iptables rule we add, so that we remove exactly ours.
IPT_TAG=pqb-lab

log() { printf 'lab: %s\n' "$*" >&2; }
warn() { printf 'lab: WARNING: %s\n' "$*" >&2; }
die() { printf 'lab: ERROR: %s (at %s)\n' "$*" "$(pqb_caller)" >&2; exit 1; }

# Step timings on stderr: `step NAME` starts a step, ends the previous one.
_step_name="" _step_t0=0 _run_t0=$(date +%s%N)
step() {
  local now; now=$(date +%s%N)
  if [ -n "$_step_name" ]; then
    printf 'lab: [%6.2fs] %s\n' "$(awk -v a="$_step_t0" -v b="$now" 'BEGIN{print (b-a)/1e9}')" "$_step_name" >&2
  fi
  _step_name=${1:-} _step_t0=$now
}
step_total() {
  step ""
  printf 'lab: [%6.2fs] total %s\n' "$(awk -v a="$_run_t0" -v b="$(date +%s%N)" 'BEGIN{print (b-a)/1e9}')" "$1" >&2
}

# ---------------------------------------------------------------------------
# Machine dependencies: install from Debian only what is missing, so the same
# script works on a fresh machine of this kind.
# ---------------------------------------------------------------------------
_apt_updated=0
apt_install() {
  log "installing on the machine: $*"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "$@" >&2; then
    # A fresh machine may have stale or no lists: update once and try again (a mirror's transient
    # failure is tried again too).
    [ "$_apt_updated" = 1 ] && die "apt-get install $* failed"
    retry 3 "apt-get update" apt-get update >&2 || die "apt-get update failed"
    _apt_updated=1
    retry 3 "apt-get install $*" apt-get install -y --no-install-recommends "$@" >&2 || die "apt-get install $* failed"
  fi
}

# ensure_cmds CMD:PACKAGE ... — install PACKAGE when CMD is not on PATH.
ensure_cmds() {
  local spec cmd pkg; local -a missing=()
  for spec in "$@"; do
    cmd=${spec%%:*} pkg=${spec#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

ensure_machine_deps() {
  [ "$(id -u)" = 0 ] || die "the lab needs root (namespaces, bridge, mounts)"
  ensure_cmds systemd-nspawn:systemd-container debootstrap:debootstrap \
    ssh:openssh-client ssh-keygen:openssh-client jq:jq ip:iproute2 \
    unshare:util-linux nsenter:util-linux flock:util-linux setsid:util-linux
}

# ---------------------------------------------------------------------------
# Processes: identified by PID *and* start time (field 22 of /proc/PID/stat),
# so a recycled PID is never mistaken for ours. Never by name.
# ---------------------------------------------------------------------------
proc_start() { # PID -> start time in clock ticks, or nothing (also for zombies)
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  # comm (field 2) may hold spaces: cut after the last ')'.
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  # A zombie has finished: whoever reaps it is not us (its parent died).
  [ "$1" = Z ] && return 0
  echo "${20}"
}
proc_alive() { # PID START -> true when that very process still runs
  [ -n "${1:-}" ] && [ "$1" != null ] && [ -n "${2:-}" ] || return 1
  [ "$(proc_start "$1")" = "$2" ]
}
# kill_recorded PID START SIGNAL — signal only the recorded process.
kill_recorded() {
  proc_alive "$1" "$2" || return 0
  kill "-$3" "$1" 2>/dev/null || true
}
# wait_gone PID START SECONDS — true when it ended in time.
wait_gone() {
  local i n=$(($3 * 10))
  for ((i = 0; i < n; i++)); do
    proc_alive "$1" "$2" || return 0
    sleep 0.1
  done
  ! proc_alive "$1" "$2"
}
first_child() { # PID -> its first child PID, or nothing
  local c
  c=$(cat "/proc/$1/task/$1/children" 2>/dev/null) || return 0
  # shellcheck disable=SC2086
  set -- $c
  echo "${1:-}"
}

# ---------------------------------------------------------------------------
# Locking: one lab.sh at a time changes the machine-wide lab.
# fd 9 must be closed for every process we leave running (see `detach`).
# ---------------------------------------------------------------------------
lab_lock() {
  mkdir -p "$LAB_RUN"
  exec 9>"$LAB_RUN/lock"
  if ! flock -w 600 9; then die "another lab.sh holds $LAB_RUN/lock for over 10 minutes"; fi
}

# ---------------------------------------------------------------------------
# cgroups: everything the lab starts runs below `pqb-lab-TAG` under our own
# cgroup, in every hierarchy (cgroup v1 hybrid here, or v2), so nspawn's
# payload/supervisor groups, a host's system.slice or docker's groups never
# land at the machine's root, and can be removed by path afterwards.
# ---------------------------------------------------------------------------
cgroup_dirs_for() { # TAG -> one directory per hierarchy (one awk: this is hot)
  awk -v tag="pqb-lab-$1" '
    FNR == NR {   # /proc/self/mounts: where each hierarchy is mounted
      if ($2 !~ /^\/sys\/fs\/cgroup/) next
      if ($3 == "cgroup2") { if (!("" in mnt)) mnt[""] = $2; next }
      if ($3 == "cgroup") { n = split($4, o, ","); for (i = 1; i <= n; i++) if (!(o[i] in mnt)) mnt[o[i]] = $2 }
      next
    }
    {             # /proc/self/cgroup: ID:CONTROLLERS:PATH
      split($0, f, ":"); hier = f[2]; path = substr($0, length(f[1]) + length(f[2]) + 3)
      m = ""
      if (hier == "") { if ("" in mnt) m = mnt[""] }
      else { k = split(hier, hs, ","); if (hs[1] in mnt) m = mnt[hs[1]] }
      if (m == "") next
      sub(/\/$/, "", path)
      print m path "/" tag
    }' /proc/self/mounts /proc/self/cgroup
}

# enter_cgroup_dirs DIR... — move the calling shell ($BASHPID) into them.
enter_cgroup_dirs() {
  local cg f
  for cg in "$@"; do
    mkdir -p "$cg"
    # cgroup v1 cpuset: a new group has no cpus/mems until given its parent's.
    for f in cpuset.cpus cpuset.mems; do
      if [ -f "$cg/$f" ] && [ -z "$(cat "$cg/$f")" ]; then cat "$(dirname "$cg")/$f" >"$cg/$f"; fi
    done
    echo "$BASHPID" >"$cg/cgroup.procs"
  done
}

# Remove a cgroup subtree bottom-up (only empty cgroups can go).
remove_cgroup_tree() {
  local d=$1
  [ -d "$d" ] || return 0
  find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  [ -d "$d" ] && warn "cgroup $d still has processes; left in place"
  return 0
}

# in_cgroups TAG CMD... — run CMD in its own cgroups, removed when it ends.
in_cgroups() {
  local tag=$1; shift
  local -a dirs; mapfile -t dirs < <(cgroup_dirs_for "$tag")
  local rc=0
  ( enter_cgroup_dirs "${dirs[@]}" && "$@" ) || rc=$?
  local d
  for d in "${dirs[@]}"; do remove_cgroup_tree "$d"; done
  return $rc
}
