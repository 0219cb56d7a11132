{
LABEL='builder-1 (root@10.0.0.21:22)'
PACKAGES='qemu-user-static'
LOCK_TIMEOUT='120'
VERSION_OP=''
VERSION_WANT=''
VERSION_TEXT=''
VERSIONED='qemu-user-static'
REMOVE_PACKAGES='false'
UNITS_FILE=''
UNITS_OWNER=''
UNIT=''
UNIT_TOKEN=''
# --- prelude.sh
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LC_ALL=C
export PATH LC_ALL
fail() { printf '%s: %s\n' "$LABEL" "$*" >&2; exit 1; }
note() { printf '%s: %s\n' "$LABEL" "$*" >&2; }
js() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\000-\037')"; }
js_lines() {
  printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\000-\011\013-\037' | awk '{ printf "%s%s", (NR > 1 ? "\\n" : ""), $0 }')"
}
# --- units.sh
units_write() { # TOKEN ("" to forget UNIT)
  [ -n "$UNITS_FILE" ] && [ -n "$UNIT" ] || return 0
  _udir=${UNITS_FILE%/*}
  _ukept=""
  _uours=false
  if [ -f "$UNITS_FILE" ] && [ "$(head -n 1 "$UNITS_FILE" 2>/dev/null || true)" = "# Owner: $UNITS_OWNER" ]; then
    _uours=true
    _ukept=$(awk -v u="$UNIT" 'NR > 1 && $1 != u' "$UNITS_FILE" 2>/dev/null) || _ukept=""
  fi
  if [ -z "$1" ] && [ -z "$_ukept" ]; then
    if [ "$_uours" = true ]; then rm -f "$UNITS_FILE"; fi
    if rmdir "$_udir" 2>/dev/null; then rmdir "${_udir%/*}" 2>/dev/null || true; fi
    return 0
  fi
  _utmp="$UNITS_FILE.tmp.$$"
  if _uerr=$( (umask 022 && mkdir -p "$_udir" && chmod 0755 "$_udir" "${_udir%/*}" &&
    { printf '# Owner: %s\n' "$UNITS_OWNER"; [ -z "$_ukept" ] || printf '%s\n' "$_ukept"; [ -z "$1" ] || printf '%s %s\n' "$UNIT" "$1"; } >"$_utmp" &&
    chmod 0644 "$_utmp" && mv -f "$_utmp" "$UNITS_FILE") 2>&1); then
    return 0
  fi
  rm -f "$_utmp" 2>/dev/null || true
  note "could not record $UNIT in $UNITS_FILE (${_uerr:-no message}); until it can, every pulumi up runs $UNIT again"
}
unit_record() { units_write "$UNIT_TOKEN"; }
unit_forget() { units_write ""; }
# --- apt.sh
APT_LOCKS="/var/lib/apt/lists/lock /var/cache/apt/archives/lock /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock"
lock_what() {
  case $1 in
    */lists/lock) printf "apt's package lists lock (%s, taken by apt-get update, which apt-daily, unattended-upgrades and cloud-init run at boot)" "$1" ;;
    */archives/lock) printf "apt's download lock (%s, taken while apt downloads packages)" "$1" ;;
    */lock-frontend) printf 'the dpkg frontend lock (%s, taken by apt and dpkg while they install or remove)' "$1" ;;
    *) printf 'the dpkg database lock (%s, taken by dpkg)' "$1" ;;
  esac
}
lock_pids() {
  _lino=$(stat -c %i "$1" 2>/dev/null) || return 1
  _lp=$(awk -v i="$_lino" '$2 != "->" { for (k = 2; k <= NF; k++) if ($k ~ ("^[0-9a-f]+:[0-9a-f]+:" i "$")) { print $(k - 1); break } }' /proc/locks 2>/dev/null | sort -u)
  [ -n "$_lp" ] && printf '%s\n' "$_lp"
}
lock_holders() {
  _lh=""
  for _p in $(lock_pids "$1" || true); do
    case $_p in
      *[!0-9]* | 0)
        _ln=""
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
wait_locks() {
  _noted=""
  while locks_held; do
    [ "$(date +%s)" -lt "$1" ] || lock_timeout "$HELD"
    if [ "$_noted" != "$HELD" ]; then note "waiting for $(lock_what "$HELD"), held by $(lock_holders "$HELD"), up to $LOCK_TIMEOUT s"; _noted=$HELD; fi
    sleep 1
  done
}
apt_lock_named() {
  sed -n -e 's/^E: Could not get lock \([^ ]*[^ .]\).*/\1/p' \
    -e 's/^E: Unable to lock directory \(.*\)\/$/\1\/lock/p' \
    -e 's/^E: Unable to acquire the dpkg frontend lock (\(.*\)).*/\1/p' \
    -e 's/^E: Unable to lock the administration directory.*/\/var\/lib\/dpkg\/lock/p' \
    -e 's/^dpkg: error: dpkg frontend lock .*locked.*/\/var\/lib\/dpkg\/lock-frontend/p' \
    -e 's/^dpkg: error: dpkg status database is locked.*/\/var\/lib\/dpkg\/lock/p' "$1" | head -n 1
}
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
# --- packages.sh
OWNED=""
for _p in $PACKAGES; do OWNED="$OWNED ${_p%%=*}"; done
guard_binfmt() {
  GUARDED=""
  if [ -d /run/systemd/system ] && [ "$(systemctl show --property=LoadState --value systemd-binfmt.service 2>/dev/null || true)" = loaded ]; then
    systemctl mask --runtime --quiet systemd-binfmt.service && GUARDED=1
  fi
}
unguard_binfmt() {
  if [ -n "${GUARDED:-}" ]; then systemctl unmask --runtime --quiet systemd-binfmt.service || true; GUARDED=""; fi
}
installed() {
  _st=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "${1%%=*}" 2>/dev/null || true)
  case $1 in
    *=*) [ "$_st" = "installed ${1#*=}" ] ;;
    *) [ "${_st%% *}" = installed ] ;;
  esac
}
constrained() { [ -n "$VERSION_WANT" ] && case " $VERSIONED " in *" $1 "*) true ;; *) false ;; esac; }
meets() { # VERSION: satisfies packageVersion
  if [ "$VERSION_OP" = "=" ]; then dpkg --compare-versions "$1" eq "$VERSION_WANT"; else dpkg --compare-versions "$1" ge "$VERSION_WANT"; fi
}
installed_version() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ] && dpkg-query -W -f='${Version}' "$1"; }
missing_packages() {
  MISSING=""
  for p in $PACKAGES; do
    if constrained "$p"; then
      _iv=$(installed_version "$p" || true)
      { [ -n "$_iv" ] && meets "$_iv"; } || MISSING="$MISSING $p"
    else
      installed "$p" || MISSING="$MISSING $p"
    fi
  done
}
resolve_versions() {
  _out=""
  for p in $MISSING; do
    if ! constrained "$p"; then _out="$_out $p"; continue; fi
    _offered=$(apt-cache madison "$p" 2>/dev/null | awk -F'|' '{ gsub(/[ \t]/, "", $2); if ($2 != "") print $2 }' | sort -u)
    _cand=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -n 1)
    _chosen=""
    for v in $(installed_version "$p" || true) $_cand; do
      [ "$v" != "(none)" ] && [ "$VERSION_OP" = ">=" ] && meets "$v" && { _chosen=$v; break; }
    done
    if [ -z "$_chosen" ]; then
      for v in $_offered; do
        if meets "$v" && { [ -z "$_chosen" ] || dpkg --compare-versions "$v" gt "$_chosen"; }; then _chosen=$v; fi
      done
    fi
    [ -n "$_chosen" ] || fail "packageVersion \"$VERSION_TEXT\" cannot be satisfied for $p: the host's repositories offer $(printf '%s' "$_offered" | tr '\n' ' ' | sed 's/ $//; s/ /, /g; s/^$/no version of it/'). Choose one of those, or add a repository that has it (e.g. backports), or use installSource \"image\""
    _out="$_out $p=$_chosen"
  done
  MISSING=$_out
}
json_list() { sep=""; printf '['; for w in $1; do printf '%s%s' "$sep" "$(js "$w")"; sep=,; done; printf ']'; }
packages_install() {
  if [ -z "$PACKAGES" ]; then unit_record; printf '{"packages":[],"installed":[]}\n'; return 0; fi
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    fail "apt-get/dpkg not found: packages are installed on Debian and Ubuntu only. Install QEMU's static interpreters yourself and set installPackages to none"
  fi
  missing_packages
  if [ -n "$MISSING" ]; then
    trap unguard_binfmt EXIT
    guard_binfmt
    apt_run update
    resolve_versions
    foreign_changes install --no-install-recommends --allow-downgrades $MISSING
    [ -z "$FOREIGN" ] ||
      fail "refused before any change: apt-get install$MISSING would $FOREIGN, and those packages are not this host's QEMU packages ($PACKAGES): apt -y does that, without asking, to a package that conflicts with one it installs or is broken by it. Nothing was installed or removed. Ways out: remove or replace those packages yourself if nothing needs them (apt-get remove NAME), or choose packages that do not conflict with them (the packages argument, or installPackages), or set installPackages to none and provide QEMU's static interpreters yourself (or installSource image)"
    apt_run install --no-install-recommends --allow-downgrades $MISSING
    unguard_binfmt
    trap - EXIT
    new=$MISSING
    _requested=$PACKAGES
    PACKAGES=$MISSING
    missing_packages
    PACKAGES=$_requested
    [ -z "$MISSING" ] || fail "apt-get reported success but these packages are still not installed:$MISSING"
  else
    new=""
  fi
  unit_record
  printf '{"packages":%s,"installed":%s}\n' "$(json_list "$PACKAGES")" "$(json_list "$new")"
}
packages_remove() {
  unit_forget
  [ "$REMOVE_PACKAGES" = true ] || { printf '{"removed":[]}\n'; return 0; }
  [ -n "$PACKAGES" ] || return 0
  command -v apt-get >/dev/null 2>&1 || return 0
  present=""
  for p in $PACKAGES; do installed "$p" && present="$present $p"; done
  [ -n "$present" ] || return 0
  foreign_changes remove $present
  [ -z "$FOREIGN" ] ||
    fail "refused before any change: apt-get remove$present would also $FOREIGN, which this component did not install (they depend on the packages it removes). Nothing was removed. Ways out: set removePackagesOnDestroy to false (the packages stay), or remove those packages yourself first"
  trap unguard_binfmt EXIT
  guard_binfmt
  apt_run remove $present
  printf '{"removed":%s}\n' "$(json_list "$present")"
}
case ${1:-} in
  install) packages_install ;;
  remove) packages_remove ;;
  *) fail "packages script: unknown action \"${1:-}\" (install or remove)" ;;
esac
} </dev/null
