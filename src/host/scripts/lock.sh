# shellcheck shell=sh
# One rule command at a time on a host. The component starts up to 4 rule commands of a host together (each
# is its own resource and SSH session, and each waits only for the install), so a rule script first takes
# this lock and the scripts' work runs one after the other: a rule's guards read every binfmt_misc entry,
# the systemd-restart mode re-registers all of them, and the units file is read, changed and renamed.
#
# `host_lock`: flock(1) on LOCK_FILE, a 0-byte file in /run (root's tmpfs: gone at the next boot; the same
# convention as /run/xtables.lock), opened for append (never truncated) on file descriptor 9 and held until
# the script and the commands it started have exited (they inherit fd 9; none of them stays in the
# background), however the script exits: a killed script leaves no stale lock. util-linux's flock waits at
# most LOCK_WAIT seconds (-w), then the script fails naming the file; busybox's flock has no -w (its usage
# line shows none) and waits as long as the holder runs. Variables: LOCK_FILE, LOCK_WAIT (seconds).
# shellcheck disable=SC2154 # LOCK_FILE and LOCK_WAIT are defined by the component before this text

host_lock() {
  command -v flock >/dev/null 2>&1 ||
    fail "flock is not installed (Debian/Ubuntu: package util-linux): the rule commands of a host start together and take turns with it. Install util-linux and run pulumi up again"
  _lerr=$( { : >>"$LOCK_FILE"; } 2>&1) ||
    fail "cannot create the lock file $LOCK_FILE that the rule commands of a host take turns with (${_lerr:-no message}); /run must exist and be writable by root"
  exec 9>>"$LOCK_FILE"
  case $(flock --help 2>&1 || true) in
    *-w*) _lrc=0; _lerr=$(flock -w "$LOCK_WAIT" 9 2>&1) || _lrc=$? ;;
    *) _lrc=0; _lerr=$(flock 9 2>&1) || _lrc=$? ;;
  esac
  [ "$_lrc" -eq 0 ] && return 0
  if [ "$_lrc" -eq 1 ] && [ -z "$_lerr" ]; then
    fail "another command held the lock $LOCK_FILE for more than $LOCK_WAIT s. A pulumi-qemu-binfmt rule command on this host may be stuck, e.g. left running by an interrupted pulumi up (find it: ls -l /proc/[0-9]*/fd/9 2>/dev/null | grep pulumi-qemu-binfmt.lock); end it, then run pulumi up again"
  fi
  fail "flock on $LOCK_FILE failed (exit $_lrc): ${_lerr:-no message}"
}
