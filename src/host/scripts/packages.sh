# shellcheck shell=sh
# The distribution packages that provide the QEMU interpreters: `install` (create) or `remove` (delete),
# the action being the first argument; `remove` forgets the unit's repair token and uninstalls only when
# REMOVE_PACKAGES=true (removePackagesOnDestroy). Debian/Ubuntu (apt) only. Needs units.sh. Variables:
# PACKAGES (space-separated), LOCK_TIMEOUT (seconds), and packageVersion's constraint: VERSION_OP ("=" or
# ">="), VERSION_WANT (a Debian version; "" for none), VERSION_TEXT (as written), VERSIONED (the names it
# applies to), REMOVE_PACKAGES, and units.sh's UNITS_FILE UNITS_OWNER UNIT UNIT_TOKEN.
#
# - Idempotent: packages already installed are not touched and apt is not even called.
# - Non-interactive: DEBIAN_FRONTEND=noninteractive, keep existing conffiles, no recommends (recommends
#   would bring qemu-user-binfmt/binfmt-support, i.e. other registrars).
# - apt's locks (lists, archives, dpkg frontend, dpkg) are waited for by the script itself, at most
#   LOCK_TIMEOUT seconds per apt call, whatever apt's version; a timeout names the lock and its holders
#   (apt.sh).
# - Nothing it does not own: before apt changes anything, `apt-get -s` shows what it would do; when it
#   would remove, purge or downgrade a package that is not one of PACKAGES (a Conflicts or Breaks), the
#   script fails naming them and the ways out, and nothing is changed (apt.sh). The same holds for remove.
# - packageVersion: a package of VERSIONED not pinned by the plan ("name" rather than "name=version":
#   the observation saw no apt lists) counts as missing unless its installed version satisfies the
#   constraint; after `apt-get update` and before any install, the versions `apt-cache madison` offers
#   are compared with `dpkg --compare-versions` (the installed one, then the candidate, then the highest
#   that satisfies a minimum); none: the script fails naming the field, the constraint and the versions.
# - An unreachable repository fails saying so, quoting what apt could not fetch.
# - Foreign registrations survive the install: Debian's systemd package restarts systemd-binfmt from a
#   dpkg trigger whenever a package ships /usr/lib/binfmt.d files (qemu-user-static on Debian 12,
#   qemu-user on Debian 13), and that restart unregisters EVERY entry (WSLInterop, docker's, ...). During
#   the apt run the unit is masked with `--runtime` (the trigger then skips the restart) and unmasked on
#   exit. A runtime mask lives in /run, so even a killed script leaves nothing behind after a reboot.
# Needs apt.sh (which reads OWNED: the names of PACKAGES without their "=version").
# shellcheck disable=SC2154 # PACKAGES is defined by the component before this text
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
# "name=version" (apt's pin syntax, from packageVersion) is installed only in exactly that version.
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
# Pins each constrained name in MISSING to the version apt is asked for (see the header).
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

# Prints {"packages":[...],"installed":[...]}.
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
    # shellcheck disable=SC2086 # one word per package
    foreign_changes install --no-install-recommends --allow-downgrades $MISSING
    [ -z "$FOREIGN" ] ||
      fail "refused before any change: apt-get install$MISSING would $FOREIGN, and those packages are not this host's QEMU packages ($PACKAGES): apt -y does that, without asking, to a package that conflicts with one it installs or is broken by it. Nothing was installed or removed. Ways out: remove or replace those packages yourself if nothing needs them (apt-get remove NAME), or choose packages that do not conflict with them (the packages argument, or installPackages), or set installPackages to none and provide QEMU's static interpreters yourself (or installSource image)"
    # shellcheck disable=SC2086 # one word per package
    apt_run install --no-install-recommends --allow-downgrades $MISSING
    unguard_binfmt
    trap - EXIT
    new=$MISSING
    # Pinned names ("name=version") are checked in that version; constrained names by the constraint.
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
  # shellcheck disable=SC2086 # one word per package
  foreign_changes remove $present
  [ -z "$FOREIGN" ] ||
    fail "refused before any change: apt-get remove$present would also $FOREIGN, which this component did not install (they depend on the packages it removes). Nothing was removed. Ways out: set removePackagesOnDestroy to false (the packages stay), or remove those packages yourself first"
  trap unguard_binfmt EXIT
  guard_binfmt
  # shellcheck disable=SC2086 # one word per package
  apt_run remove $present
  printf '{"removed":%s}\n' "$(json_list "$present")"
}

case ${1:-} in
  install) packages_install ;;
  remove) packages_remove ;;
  *) fail "packages script: unknown action \"${1:-}\" (install or remove)" ;;
esac
