# shellcheck shell=sh
# One binfmt_misc rule of one target: `apply` (create/update) or `remove` (delete), the action being the
# script's first argument (`sh -s apply`). Needs prelude.sh, lock.sh, units.sh, elf.sh and binfmt-entries.sh,
# and these variables: TARGET NAME FILE DIR CONTENT LINE INTERP FLAGS OFFSET MAGIC MASK MARKER OWNER MNT MODE
# PERSISTENT REQUIRE_STATIC INSTALL_DIGEST (see rule.ts), lock.sh's and units.sh's. Both actions first take the host's lock
# (the rules of a host start together); a successful apply records the target's repair token (unit_record);
# remove forgets it.
#
# apply is all or nothing:
# 1. check everything that can be checked before any change: the interpreter (exists, executable,
#    static when flag F is asked for), the binfmt.d path (absent or ours, and not recorded as another
#    stack's: its "# Owner:" line names project/stack and resource), binfmt_misc mounted (mount it
#    when not: the mount itself is no rule artifact and stays), the self-match guard (the rule must not
#    match the interpreter, /bin/sh or init) and the conflict guard (no other enabled entry matches the
#    same binaries);
# 2. register the entry (nothing when it already matches, unless it has flag F and was registered before its
#    interpreter file last changed: see stale_entry), then read it back and compare every field;
# 3. write the binfmt.d file LAST (atomically: temp file + rename).
# On any failure after step 1, the EXIT trap removes what this run wrote (the entry it registered, the
# file it wrote) and puts back what it replaced (the previous entry of this name, our previous file).
# The kernel's and mount's own error text is passed through.
# shellcheck disable=SC2154 # the variables above are defined by the component before this text

# INSTALL_DIGEST is only there to change with the install step's script (rule.ts): read it once, for shellcheck.
: "$INSTALL_DIGEST"

# Sets DIFF to "" when the entry MNT/NAME is exactly the rendered one, else to the differing fields.
cmp_field() { [ "$2" = "$3" ] || DIFF="${DIFF:+$DIFF; }$1 (expected \"$2\", actual \"$3\")"; }
entry_diff() {
  DIFF=""
  if [ ! -e "$MNT/$NAME" ]; then DIFF="not registered"; return 0; fi
  cmp_field state enabled "$(sed -n 1p "$MNT/$NAME")"
  cmp_field interpreter "$INTERP" "$(entry_get "$MNT/$NAME" 'interpreter ')"
  cmp_field flags "$FLAGS" "$(entry_get "$MNT/$NAME" 'flags: ')"
  cmp_field offset "$OFFSET" "$(entry_get "$MNT/$NAME" 'offset ')"
  cmp_field magic "$MAGIC" "$(entry_get "$MNT/$NAME" 'magic ')"
  cmp_field mask "$MASK" "$(entry_get "$MNT/$NAME" 'mask ')"
}
# The entry was registered before INTERP's file last changed (ctime), e.g. replaced by a package upgrade:
# with flag F the kernel opened the interpreter at registration and keeps running THAT file, not the one now at
# the path, until the entry is registered again. binfmt_misc stamps an entry's file with its registration time.
stale_entry() {
  case $FLAGS in *F*) ;; *) return 1 ;; esac
  [ -e "$MNT/$NAME" ] || return 1
  _reg=$(stat -c %Y "$MNT/$NAME" 2>/dev/null) && _chg=$(stat -L -c %Z "$INTERP" 2>/dev/null) || return 1
  case $_reg$_chg in *[!0-9]*) return 1 ;; esac
  # A change time after "now" (the clock was set back) would ask for a registration on every run: not stale.
  [ "$_chg" -gt "$_reg" ] && [ "$_chg" -le "$(date +%s)" ]
}
ours_file() { [ -f "$FILE" ] && [ ! -L "$FILE" ] && [ "$(head -n 1 "$FILE")" = "$MARKER" ]; }
# The owner our file records (its "# Owner: " line), "" when none. other_owner: a different one is recorded.
file_owner() { sed -n 's/^# Owner: //p' "$FILE" | head -n 1; }
other_owner() { ours_file && _rec=$(file_owner) && [ -n "$_rec" ] && [ -n "$OWNER" ] && [ "$_rec" != "$OWNER" ]; }

# Writes one line to a binfmt_misc control file; on failure prints the kernel's error (errno text).
# `env printf`: the external printf reports the write error, the shell builtin may not.
proc_write() { { env printf '%s\n' "$2" >"$1"; } 2>&1; }

kernel_hint() { # a hint only when the facts on this host support it
  _kv=$(uname -r); _maj=${_kv%%.*}; _rest=${_kv#*.}; _min=${_rest%%[!0-9]*}
  case $FLAGS in *F*)
    if [ "$_maj" -lt 4 ] || { [ "$_maj" -eq 4 ] && [ "${_min:-0}" -lt 8 ]; }; then
      printf ' (this kernel is %s; flag F needs Linux 4.8 or later)' "$_kv"
    fi ;;
  esac
}

mount_hint() {
  if ! grep -qw binfmt_misc /proc/filesystems 2>/dev/null; then
    printf ' (/proc/filesystems lists no binfmt_misc: the kernel lacks it or its module is not loaded)'
  elif awk '$2 == "/proc/sys" && $4 ~ /(^|,)ro(,|$)/ { f = 1 } END { exit !f }' /proc/mounts 2>/dev/null; then
    printf ' (/proc/sys is mounted read-only here, as in an unprivileged container)'
  fi
}

self_match_guard() {
  _init=/sbin/init
  [ -r /proc/1/exe ] && _init=/proc/1/exe
  for _w in "interpreter:$INTERP" "shell:/bin/sh" "init:$_init"; do
    _what=${_w%%:*}; _p=${_w#*:}
    [ -r "$_p" ] || continue
    if header_matches "$_p" "$OFFSET" "$MAGIC" "$MASK"; then
      _real=$(readlink -f "$_p" 2>/dev/null || echo "$_p")
      fail "refusing to register $NAME for target $TARGET: its magic/mask matches the ELF header of this host's own $_what ($_real). The kernel would hand that program to $INTERP, which is itself run the same way: every exec on this host would loop (\"Too many levels of symbolic links\"), including the shell that could undo it. This host runs $TARGET binaries natively: leave $TARGET out of architectures (or use the default skipPolicy)"
    fi
  done
}

conflict_guard() {
  _others=$(binfmt_conflicts "$MNT" "$NAME" "$OFFSET" "$MAGIC" "$MASK")
  [ -z "$_others" ] && return 0
  _list=""; _fix=""
  # One name per line; a name may hold spaces (the kernel refuses only '/', '.' and '..'), so read lines
  # and quote the path in the command we suggest.
  while IFS= read -r _o; do
    _list="${_list:+$_list, }$_o (interpreter $(entry_get "$MNT/$_o" 'interpreter '))"
    _fix="${_fix:+$_fix; }echo 0 > '$MNT/$_o'"
  done <<EOF_OTHERS
$_others
EOF_OTHERS
  fail "cannot register $NAME for target $TARGET: the enabled binfmt_misc entry $_list matches the same binaries, and the kernel hands each binary to whichever matching entry comes first, so which interpreter runs would depend on registration order. This component never changes entries it does not own: disable that entry ($_fix), or remove it (echo -1 instead of 0) together with the binfmt.d file or package that registers it, then run pulumi up again"
}

# binfmt_misc switched off host-wide (MNT/status "disabled"): the kernel hands no binary to any entry, so a
# registration would change nothing that runs. Read before any change and again before `applied` is reported.
switched_off() { [ -r "$MNT/status" ] && [ "$(cat "$MNT/status" 2>/dev/null)" = disabled ]; }
switched_off_fail() {
  fail "binfmt_misc is switched off for the whole host ($MNT/status reads \"disabled\"): the kernel would hand no binary to $NAME$1. This component does not change that host-wide switch: switch it on as root (echo 1 > $MNT/status) and remove what switches it off at boot, then run pulumi up again"
}

# The QEMU packages dpkg has installed ("name version, ..."; "" when none or no dpkg), for the missing-emulator message.
installed_qemu() {
  command -v dpkg-query >/dev/null 2>&1 || return 0
  dpkg-query -W -f='${db:Status-Status} ${Package} ${Version}\n' qemu-user-static qemu-user 2>/dev/null | sed -n 's/^installed //p' | paste -sd, - | sed 's/,/, /g'
}

# The other Debian layout's emulator of this target, when it is there and static: offered in the message.
static_alternatives() {
  _b=${INTERP%-static}
  for _c in "$_b" "$_b-static"; do
    if [ "$_c" != "$INTERP" ] && [ -x "$_c" ] && elf_static "$_c"; then printf '%s' "$_c"; return 0; fi
  done
}

check_before_change() {
  # First: with binfmt_misc switched off nothing else matters (read again after a mount, and after registering).
  ! switched_off || switched_off_fail ""
  if [ ! -e "$INTERP" ]; then
    _q=$(installed_qemu)
    [ -z "$_q" ] || fail "interpreter $INTERP for target $TARGET does not exist although $_q is installed: that QEMU has no emulator for $TARGET under this name (see ls /usr/bin/qemu-*). Leave $TARGET out of architectures, point interpreters at an emulator that is there, or install a QEMU that has it (installSource image, a newer release)"
    fail "interpreter $INTERP for target $TARGET does not exist, and no QEMU package is installed. Install the package that provides it (installPackages) or point interpreterDir/interpreterSuffix at it"
  fi
  [ -x "$INTERP" ] || fail "interpreter $INTERP for target $TARGET is not executable"
  if [ "$REQUIRE_STATIC" = true ]; then
    _rc=0; elf_static "$INTERP" || _rc=$?
    case $_rc in
      0) ;;
      1) _alt=$(static_alternatives)
        fail "interpreter $INTERP is dynamically linked, but flag F makes the kernel run it inside containers and chroots, where its shared libraries are missing. ${_alt:+A static build is on this host: $_alt (point interpreters at it); or }leave F out of flags${_alt:-, or install a static build (Debian: qemu-user-static up to QEMU 9.0, qemu-user from 9.1)}" ;;
      *) fail "interpreter $INTERP is not an ELF executable; with flag F it must be a static binary" ;;
    esac
  fi
  if { [ -e "$FILE" ] || [ -L "$FILE" ]; } && ! ours_file; then
    fail "$FILE exists and was not written by pulumi-qemu-binfmt (its first line is not \"$MARKER\"). Move it away (it configures the same entry $NAME) or choose another configDir"
  fi
  if other_owner; then
    fail "$NAME (target $TARGET) is managed by another stack: $FILE records the owner $_rec (this is $OWNER). Two stacks must not manage the same target on one host; leave $TARGET out of this stack's architectures, or remove it from the owner's stack first (its pulumi up or destroy deletes the file). If the recorded owner is this same stack or resource under its former name (pulumi stack rename, a renamed resource or fleet host id), delete the '# Owner:' line from $FILE and run pulumi up again"
  fi
  if [ ! -e "$MNT/register" ]; then
    _err=$(mount -t binfmt_misc binfmt_misc "$MNT" 2>&1) ||
      fail "binfmt_misc is not mounted at $MNT and 'mount -t binfmt_misc binfmt_misc $MNT' failed: ${_err:-no message}$(mount_hint)"
  fi
  ! switched_off || switched_off_fail ""
  self_match_guard
  conflict_guard
}

REGISTERED=false; REPLACED=""; REPLACED_STATE=""; WROTE=false; BACKUP=""; DONE=false
rollback() {
  [ "$DONE" = true ] && return 0
  _undone=""
  if [ "$REGISTERED" = true ] && [ -e "$MNT/$NAME" ]; then
    if proc_write "$MNT/$NAME" -1 >/dev/null; then _undone="unregistered $NAME"; else note "rollback: could not unregister $NAME"; fi
  fi
  if [ -n "$REPLACED" ] && [ ! -e "$MNT/$NAME" ]; then
    if proc_write "$MNT/register" "$REPLACED" >/dev/null; then
      [ "$REPLACED_STATE" = enabled ] || proc_write "$MNT/$NAME" 0 >/dev/null || true
      _undone="${_undone:+$_undone, }put back the previous entry $NAME"
    else
      note "rollback: could not put back the previous entry $NAME ($REPLACED)"
    fi
  fi
  if [ "$WROTE" = true ]; then
    if [ -n "$BACKUP" ]; then mv -f "$BACKUP" "$FILE"; _undone="${_undone:+$_undone, }restored the previous $FILE"
    else rm -f "$FILE"; _undone="${_undone:+$_undone, }removed $FILE"; fi
  elif [ -n "$BACKUP" ]; then
    rm -f "$BACKUP"
  fi
  [ -z "$_undone" ] || note "nothing of $NAME is left half-done: $_undone"
}

write_file() {
  WROTE=true
  mkdir -p "$DIR"
  if ours_file; then BACKUP="$FILE.pqb-old.$$"; cp -p "$FILE" "$BACKUP"; fi
  _tmp="$FILE.pqb.$$"
  printf '%s\n' "$CONTENT" >"$_tmp"
  chmod 0644 "$_tmp"
  mv -f "$_tmp" "$FILE"
}

rule_apply() {
  check_before_change
  trap rollback EXIT
  wrote=false
  applied=unchanged
  entry_diff
  STALE=false
  if [ -z "$DIFF" ] && stale_entry; then STALE=true; DIFF="registered before $INTERP was replaced"; fi
  if [ -n "$DIFF" ]; then
    if [ "$MODE" = systemd-restart ]; then
      # systemd-binfmt registers from the files, so here the file comes first; rollback still undoes it.
      if ! ours_file || [ "$(cat "$FILE")" != "$CONTENT" ]; then write_file; wrote=true; fi
      [ -e "$MNT/$NAME" ] && { REPLACED=$(entry_line "$MNT" "$NAME"); REPLACED_STATE=$(sed -n 1p "$MNT/$NAME"); }
      REGISTERED=true
      [ "$STALE" != true ] || note "registering $NAME again (systemctl restart systemd-binfmt): it was $DIFF, and with flag F the kernel keeps running the file it opened then"
      systemctl restart systemd-binfmt.service || fail "systemctl restart systemd-binfmt failed; see journalctl -u systemd-binfmt"
      applied=systemd-restart
    else
      if [ -e "$MNT/$NAME" ]; then
        if [ "$STALE" = true ]; then note "registering $NAME again: it was $DIFF, and with flag F the kernel keeps running the file it opened then"
        else note "replacing binfmt_misc entry $NAME registered by someone else ($DIFF)"; fi
        REPLACED=$(entry_line "$MNT" "$NAME"); REPLACED_STATE=$(sed -n 1p "$MNT/$NAME")
        _err=$(proc_write "$MNT/$NAME" -1) || fail "could not unregister the existing entry $NAME: $_err"
      fi
      REGISTERED=true
      _err=$(proc_write "$MNT/register" "$LINE") || fail "the kernel rejected the registration of $NAME ($LINE): $_err$(kernel_hint)"
      applied=proc
    fi
  fi
  entry_diff
  [ -z "$DIFF" ] || fail "binfmt_misc entry $NAME is not what was rendered: $DIFF. Another registrar (binfmt-support, a distro package, a container tool) may have registered this name; see $MNT/$NAME"
  # Read again: switched off while this ran (the rollback undoes the registration), never reported applied.
  ! switched_off || switched_off_fail " (switched off while this rule was applied; nothing of it is kept)"
  if ! ours_file || [ "$(cat "$FILE")" != "$CONTENT" ]; then write_file; wrote=true; fi
  DONE=true
  [ -z "$BACKUP" ] || rm -f "$BACKUP"
  unit_record
  # The QEMU version behind the entry, from the interpreter itself (first line of --version).
  _ver=$("$INTERP" --version 2>/dev/null | head -n 1) || _ver=""
  printf '{"target":%s,"name":%s,"file":%s,"wroteFile":%s,"applied":%s,"persistent":%s,"entry":%s,"version":%s}\n' \
    "$(js "$TARGET")" "$(js "$NAME")" "$(js "$FILE")" "$wrote" "$(js "$applied")" "$PERSISTENT" "$(js_lines "$(cat "$MNT/$NAME")")" "$(js "$_ver")"
}

# remove: unregister the entry only if it is still exactly ours (otherwise leave it and say so), and
# delete the file only if it carries our marker; leave both when the file records another owner.
rule_remove() {
  unit_forget
  if other_owner; then
    note "leaving $NAME and $FILE: they are managed by $_rec"
    printf '{"target":%s,"name":%s,"unregistered":false,"removedFile":false}\n' "$(js "$TARGET")" "$(js "$NAME")"
    return 0
  fi
  unregistered=false
  if [ -e "$MNT/$NAME" ]; then
    entry_diff
    if [ -z "$DIFF" ]; then
      _err=$(proc_write "$MNT/$NAME" -1) || fail "could not unregister binfmt_misc entry $NAME: $_err"
      unregistered=true
    else
      note "leaving binfmt_misc entry $NAME registered: it is no longer the one this component wrote ($DIFF)"
    fi
  fi
  removed=false
  if ours_file; then
    rm -f "$FILE"; removed=true
  elif [ -e "$FILE" ] || [ -L "$FILE" ]; then
    note "leaving $FILE: it was not written by pulumi-qemu-binfmt"
  fi
  printf '{"target":%s,"name":%s,"unregistered":%s,"removedFile":%s}\n' "$(js "$TARGET")" "$(js "$NAME")" "$unregistered" "$removed"
}

case ${1:-} in
  apply) host_lock; rule_apply ;;
  remove) host_lock; rule_remove ;;
  *) fail "rule script: unknown action \"${1:-}\" (apply or remove)" ;;
esac
