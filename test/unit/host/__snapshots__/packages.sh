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
# --- packages.sh
lock_holders() {
  ino=$(stat -c %i /var/lib/dpkg/lock-frontend 2>/dev/null || true)
  [ -n "$ino" ] || return 0
  for pid in $(awk -v i="$ino" '{ for (k = 2; k <= NF; k++) if ($k ~ (":" i "$")) print $(k - 1) }' /proc/locks | sort -u); do
    printf '%s[%s] ' "$(cat "/proc/$pid/comm" 2>/dev/null || echo '?')" "$pid"
  done
}
guard_binfmt() {
  GUARDED=""
  if [ -d /run/systemd/system ] && [ "$(systemctl show --property=LoadState --value systemd-binfmt.service 2>/dev/null || true)" = loaded ]; then
    systemctl mask --runtime --quiet systemd-binfmt.service && GUARDED=1
  fi
}
unguard_binfmt() {
  if [ -n "${GUARDED:-}" ]; then systemctl unmask --runtime --quiet systemd-binfmt.service || true; GUARDED=""; fi
}
FETCH_FAILED=""
fetch_failures() { grep -E '^[WE]: Failed to fetch' "$1" | head -n 2 | tr '\n' ' ' | sed 's/ *$//' || true; }
apt_run() {
  log=$(mktemp)
  rc=0
  DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout="$LOCK_TIMEOUT" \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >"$log" 2>&1 || rc=$?
  FETCH_FAILED="$FETCH_FAILED$(fetch_failures "$log")"
  if [ "$rc" -eq 0 ]; then rm -f "$log"; return 0; fi
  if grep -qiE 'could not get lock|unable to acquire the dpkg frontend lock|unable to lock' "$log"; then
    rm -f "$log"
    fail "the dpkg lock (/var/lib/dpkg/lock-frontend) stayed held for more than $LOCK_TIMEOUT s (possible holders: $(lock_holders)). Wait for that apt/dpkg run (often unattended-upgrades) to finish and run pulumi up again, or raise lockTimeoutSeconds"
  fi
  tail -n 25 "$log" >&2; rm -f "$log"
  if [ -n "$FETCH_FAILED" ]; then
    fail "apt-get $1 failed (exit $rc): a package repository could not be reached from this host ($FETCH_FAILED). apt-get downloads every package before dpkg changes anything, so nothing was installed; check the host's apt sources and network, then run pulumi up again"
  fi
  fail "apt-get $1 failed (exit $rc); the last lines of its output are above"
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
