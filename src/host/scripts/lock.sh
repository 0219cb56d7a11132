# shellcheck shell=sh
# One rule command at a time on a host. The component starts all rule commands of a host together (each is
# its own resource and SSH session, and each waits only for the install), so a rule script first takes this
# lock and the scripts' work runs one after the other: a rule's guards read every binfmt_misc entry, the
# systemd-restart mode re-registers all of them, and the units file is read, changed and renamed.
#
# `host_lock`: flock(1) (util-linux, Essential on Debian and Ubuntu; busybox has one too) on LOCK_FILE, a
# 0-byte file in /run (a tmpfs: it is gone at the next boot; the same convention as /run/xtables.lock),
# opened for append (never truncated) on file descriptor 9 and held until the script exits, however it
# exits: a killed script leaves no stale lock. Waits at most LOCK_WAIT seconds, then fails naming the file.
# Variables: LOCK_FILE, LOCK_WAIT (seconds).
# shellcheck disable=SC2154 # LOCK_FILE and LOCK_WAIT are defined by the component before this text

host_lock() {
  command -v flock >/dev/null 2>&1 ||
    fail "flock is not installed (Debian/Ubuntu: package util-linux): the rule commands of a host run at the same time and take a lock with it. Install util-linux and run pulumi up again"
  _lerr=$( { : >>"$LOCK_FILE"; } 2>&1) || fail "cannot open the lock file $LOCK_FILE: ${_lerr:-no message}"
  exec 9>>"$LOCK_FILE"
  flock -w "$LOCK_WAIT" 9 ||
    fail "another command held the lock $LOCK_FILE for more than $LOCK_WAIT s. A pulumi-qemu-binfmt rule command on this host may be stuck (look for an sh process with $LOCK_FILE open on file descriptor 9: ls -l /proc/*/fd/9); end it, then run pulumi up again"
}
