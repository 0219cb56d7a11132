# shellcheck shell=sh
# Repair tokens (../units.ts): `unit_record` writes "UNIT UNIT_TOKEN" into UNITS_FILE once the unit's work
# succeeded; `unit_forget` takes UNIT out (delete), and removes the file, then its empty directories, when no
# unit is left. The file's first line names its owner ("# Owner: UNITS_OWNER"); a file with another first
# line is replaced when recording and left alone when forgetting. Written to a temporary file and renamed (a
# reader never sees half a file), mode 0644 in 0755 directories whatever the umask: the observation reads it
# as the login user. A failure to write is a note, not a failure: the unit's work is done, and the unit runs
# again on every up until its token can be recorded.
# shellcheck disable=SC2154 # UNITS_FILE UNITS_OWNER UNIT UNIT_TOKEN are defined by the component before this text
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
