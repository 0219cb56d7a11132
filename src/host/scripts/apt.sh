# shellcheck shell=sh
# apt-get, bounded by this script: its locks are waited for here, and what it would change is simulated
# before it changes anything. Used by packages.sh. Variables: LOCK_TIMEOUT (seconds), OWNED (the package
# names the step may change, space separated).
#
# Locks. apt and dpkg take fcntl(2) record locks (apt-pkg's GetLock, dpkg's file_lock: POSIX locks, F_SETLK)
# on four files: `apt-get update` takes the lists lock, a download the archives lock, an install or remove
# the dpkg frontend lock and then the dpkg lock. apt's own wait, -o DPkg::Lock::Timeout, exists only from
# apt 1.9.11 on (Ubuntu 18.04 = Jetson L4T R32 and Debian 10 ignore it) and covers only the dpkg frontend
# lock, never the lists lock that apt-daily, unattended-upgrades and cloud-init hold at boot: with the lists
# lock held, `apt-get update` fails at once. So before each apt call the script waits itself until none of
# the four is held, for at most LOCK_TIMEOUT seconds per apt call; apt's own timeout (the seconds left) stays
# as a second line, because waiting and then starting apt is not atomic; an apt call that still fails for a
# lock is run again while seconds are left. A timeout names the lock that was held and its holders.
#
# How a held lock is seen without python or lsof (a minimal Debian has neither, nor fuser): /proc/locks
# lists every fcntl, OFD and flock lock as "N: TYPE ADVISORY WRITE PID MAJ:MIN:INODE START END" (a line with
# "->" is a process WAITING for it, not holding it); a lock on the file's inode number means held. The
# device is not compared: overlayfs and btrfs report another st_dev than the /proc/locks one, and a missed
# lock would make apt fail where the script should wait; another file with the same inode number locked at
# the same moment only costs a wait. The holder's name is /proc/PID/comm; an OFD lock (PID -1) or a holder
# outside this PID namespace (0) is named by the processes that have the file open (/proc/PID/fd).
# shellcheck disable=SC2154 # LOCK_TIMEOUT and OWNED are defined by the component before this text
APT_LOCKS="/var/lib/apt/lists/lock /var/cache/apt/archives/lock /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock"

lock_what() {
  case $1 in
    */lists/lock) printf "apt's package lists lock (%s, taken by apt-get update, which apt-daily, unattended-upgrades and cloud-init run at boot)" "$1" ;;
    */archives/lock) printf "apt's download lock (%s, taken while apt downloads packages)" "$1" ;;
    */lock-frontend) printf 'the dpkg frontend lock (%s, taken by apt and dpkg while they install or remove)' "$1" ;;
    *) printf 'the dpkg database lock (%s, taken by dpkg)' "$1" ;;
  esac
}
# lock_pids FILE: the PIDs /proc/locks shows holding a lock on FILE, one per line; exit 1 when none.
lock_pids() {
  _lino=$(stat -c %i "$1" 2>/dev/null) || return 1
  _lp=$(awk -v i="$_lino" '$2 != "->" { for (k = 2; k <= NF; k++) if ($k ~ ("^[0-9a-f]+:[0-9a-f]+:" i "$")) { print $(k - 1); break } }' /proc/locks 2>/dev/null | sort -u)
  [ -n "$_lp" ] && printf '%s\n' "$_lp"
}
# lock_holders FILE: "name[pid]" of each holder, space separated ("" when none is held any more).
lock_holders() {
  _lh=""
  for _p in $(lock_pids "$1" || true); do
    case $_p in
      *[!0-9]* | 0)
        # OFD lock or a holder in another PID namespace: the processes that have the file open.
        _ln=""
        # shellcheck disable=SC2012 # /proc/PID/fd holds numbered links only; busybox find has no -lname
        for _o in $(ls -l /proc/[0-9]*/fd 2>/dev/null | awk -v f="$1" '/^\/proc\/[0-9]+\/fd:$/ { split($0, d, "/"); p = d[3] } $NF == f { print p }' | sort -u); do
          _ln="$_ln $(cat "/proc/$_o/comm" 2>/dev/null || echo '?')[$_o]"
        done
        _lh="$_lh${_ln:- a process not visible in /proc here (lock pid $_p: another PID namespace, e.g. a container)}"
        ;;
      *) _lh="$_lh $(cat "/proc/$_p/comm" 2>/dev/null || echo '?')[$_p]" ;;
    esac
  done
  printf '%s' "${_lh# }"
}
# HELD: the first of APT_LOCKS that is held ("" when none).
locks_held() {
  HELD=""
  for _l in $APT_LOCKS; do
    if lock_pids "$_l" >/dev/null; then HELD=$_l; return 0; fi
  done
  return 1
}
lock_timeout() { # LOCK [what apt said]
  _lw=$(lock_holders "$1")
  fail "$(lock_what "$1") stayed held for more than $LOCK_TIMEOUT s (held by ${_lw:-no process any more: it was released just now}${2:+; apt said: $2}). Nothing was changed. Wait for that apt or dpkg run to finish and run pulumi up again, or raise lockTimeoutSeconds"
}
# wait_locks DEADLINE: returns once no apt/dpkg lock is held; fails naming the lock at DEADLINE (epoch s).
wait_locks() {
  _noted=""
  while locks_held; do
    [ "$(date +%s)" -lt "$1" ] || lock_timeout "$HELD"
    if [ "$_noted" != "$HELD" ]; then note "waiting for $(lock_what "$HELD"), held by $(lock_holders "$HELD"), up to $LOCK_TIMEOUT s"; _noted=$HELD; fi
    sleep 1
  done
}
# The lock an apt or dpkg message says it could not take ("" when the message is about something else).
# apt ≥ 1.9: "Could not get lock FILE. It is held by process PID (NAME)"; older: "Could not get lock FILE -
# open (11: Resource temporarily unavailable)"; "Unable to lock directory DIR/"; "Unable to acquire the dpkg
# frontend lock (FILE)"; "Unable to lock the administration directory (/var/lib/dpkg/)"; dpkg's "dpkg
# frontend lock was locked by another process" and "dpkg status database is locked by another process".
apt_lock_named() {
  sed -n -e 's/^E: Could not get lock \([^ ]*[^ .]\).*/\1/p' \
    -e 's/^E: Unable to lock directory \(.*\)\/$/\1\/lock/p' \
    -e 's/^E: Unable to acquire the dpkg frontend lock (\(.*\)).*/\1/p' \
    -e 's/^E: Unable to lock the administration directory.*/\/var\/lib\/dpkg\/lock/p' \
    -e 's/^dpkg: error: dpkg frontend lock .*locked.*/\/var\/lib\/dpkg\/lock-frontend/p' \
    -e 's/^dpkg: error: dpkg status database is locked.*/\/var\/lib\/dpkg\/lock/p' "$1" | head -n 1
}
# apt-get update exits 0 when a repository cannot be reached (it prints "W: Failed to fetch …"); the
# install then fails with "Unable to locate package". What apt could not fetch is kept for that message.
FETCH_FAILED=""
fetch_failures() { grep -E '^[WE]: Failed to fetch' "$1" | head -n 2 | tr '\n' ' ' | sed 's/ *$//' || true; }
apt_failed() { # LOG RC ACTION
  tail -n 25 "$1" >&2; rm -f "$1"
  if [ -n "$FETCH_FAILED" ]; then
    fail "apt-get $3 failed (exit $2): a package repository could not be reached from this host ($FETCH_FAILED). apt-get downloads every package before dpkg changes anything, so nothing was installed; check the host's apt sources and network, then run pulumi up again"
  fi
  fail "apt-get $3 failed (exit $2); the last lines of its output are above"
}
apt_run() {
  # `date +%s` counts whole seconds: one more makes the wait at least LOCK_TIMEOUT s (and under LOCK_TIMEOUT + 2).
  _deadline=$(($(date +%s) + LOCK_TIMEOUT + 1))
  while :; do
    wait_locks "$_deadline"
    _left=$((_deadline - 1 - $(date +%s)))
    [ "$_left" -ge 0 ] || _left=0
    log=$(mktemp)
    rc=0
    DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout="$_left" \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >"$log" 2>&1 || rc=$?
    FETCH_FAILED="$FETCH_FAILED$(fetch_failures "$log")"
    if [ "$rc" -eq 0 ]; then rm -f "$log"; return 0; fi
    _lk=$(apt_lock_named "$log")
    [ -n "$_lk" ] || apt_failed "$log" "$rc" "$1"
    _said=$(grep -m 1 -iE 'lock' "$log" | sed 's/^E: //' || true)
    rm -f "$log"
    [ "$(date +%s)" -lt "$_deadline" ] || lock_timeout "$_lk" "$_said"
    sleep 1
  done
}

# foreign_changes ACTION ARGS...: simulates `apt-get ACTION ARGS` (changes nothing; Debug::NoLocking because apt
# before 2.x takes the dpkg lock for a simulation run as root, so a boot-time apt-daily would fail it) and
# sets FOREIGN to what apt would do to packages not in OWNED: remove, purge or downgrade them ("" when
# nothing). Under -y apt removes a package that conflicts with (or is broken by) one it installs, without
# asking (Debian 12: installing qemu-user-static removes qemu-user-binfmt). Simulated lines (apt-pkg's
# simulation, every apt version): "Remv NAME [VER]", "Purg NAME [VER]", "Inst NAME [INSTALLED] (NEW …)";
# upgrades of dependencies are left to apt (an install needs them, and nothing is lost).
foreign_changes() {
  _sim=$(mktemp)
  rc=0
  DEBIAN_FRONTEND=noninteractive apt-get -s -q -o Debug::NoLocking=1 "$@" >"$_sim" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    FETCH_FAILED="$FETCH_FAILED$(fetch_failures "$_sim")"
    apt_failed "$_sim" "$rc" "$1"
  fi
  FOREIGN=""
  _acts=$(awk '$1 == "Remv" || $1 == "Purg" || ($1 == "Inst" && $3 ~ /^\[/) { gsub(/[][()]/, ""); print $1, $2, $3, $4 }' "$_sim")
  rm -f "$_sim"
  while read -r _act _pkg _cur _new; do
    case " $OWNED " in *" ${_pkg%%:*} "*) continue ;; esac
    case $_act in
      Remv) FOREIGN="$FOREIGN, remove $_pkg $_cur" ;;
      Purg) FOREIGN="$FOREIGN, purge $_pkg $_cur" ;;
      Inst) if dpkg --compare-versions "$_new" lt "$_cur"; then FOREIGN="$FOREIGN, downgrade $_pkg $_cur to $_new"; fi ;;
    esac
  done <<EOF
$_acts
EOF
  FOREIGN=${FOREIGN#, }
}
