{
LABEL='builder-1 (root@10.0.0.21:22)'
TARGET='aarch64'
NAME='qemu-aarch64'
FILE='/etc/binfmt.d/qemu-aarch64.conf'
DIR='/etc/binfmt.d'
CONTENT='# Managed by pulumi-qemu-binfmt; local changes are overwritten.
:qemu-aarch64:M::\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F'
LINE=':qemu-aarch64:M::\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F'
INTERP='/usr/bin/qemu-aarch64-static'
FLAGS='F'
OFFSET='0'
MAGIC='7f454c460201010000000000000000000200b700'
MASK='ffffffffffffff000000000000000000feffffff'
MARKER='# Managed by pulumi-qemu-binfmt; local changes are overwritten.'
OWNER=''
MNT='/proc/sys/fs/binfmt_misc'
MODE='per-file'
PERSISTENT='true'
REQUIRE_STATIC='true'
LOCK_FILE='/run/pulumi-qemu-binfmt.lock'
LOCK_WAIT='300'
INSTALL_DIGEST=''
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
# --- lock.sh
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
# --- elf.sh
elf_u() { # FILE OFFSET LENGTH ENDIAN -> unsigned integer
  _v=0; _m=1
  for _b in $(od -v -A n -t u1 -j "$2" -N "$3" "$1"); do
    if [ "$4" = le ]; then _v=$((_v + _b * _m)); _m=$((_m * 256)); else _v=$((_v * 256 + _b)); fi
  done
  echo "$_v"
}
elf_static() {
  _r=$(od -v -A n -t u1 -N 4096 "$1" 2>/dev/null | awk '
    function u(o, l,  v, i) {
      v = 0
      if (e == 1) { for (i = l - 1; i >= 0; i--) v = v * 256 + b[o + i] } else { for (i = 0; i < l; i++) v = v * 256 + b[o + i] }
      return v
    }
    { for (i = 1; i <= NF; i++) b[n++] = $i + 0 }
    END {
      if (n < 4 || b[0] != 127 || b[1] != 69 || b[2] != 76 || b[3] != 70) { print 2; exit }
      c = b[4]; e = b[5]
      if (e != 1 && e != 2) { print 2; exit }
      if (c == 2) { off = u(32, 8); sz = u(54, 2); ph = u(56, 2) }
      else if (c == 1) { off = u(28, 4); sz = u(42, 2); ph = u(44, 2) }
      else { print 2; exit }
      if (ph > 0 && off + ph * sz > n) { print "walk"; exit }
      for (i = 0; i < ph; i++) if (u(off + i * sz, 4) == 3) { print 1; exit }
      print 0
    }') || _r=walk
  case $_r in
    0 | 1 | 2) return "$_r" ;;
    *) elf_static_walk "$1" ;;
  esac
}
elf_static_walk() {
  _f=$1
  [ "$(od -v -A n -t x1 -N 4 "$_f" 2>/dev/null | tr -d ' \n')" = 7f454c46 ] || return 2
  _c=$(elf_u "$_f" 4 1 le); _d=$(elf_u "$_f" 5 1 le)
  if [ "$_d" = 1 ]; then _e=le; elif [ "$_d" = 2 ]; then _e=be; else return 2; fi
  if [ "$_c" = 2 ]; then
    _off=$(elf_u "$_f" 32 8 "$_e"); _sz=$(elf_u "$_f" 54 2 "$_e"); _n=$(elf_u "$_f" 56 2 "$_e")
  elif [ "$_c" = 1 ]; then
    _off=$(elf_u "$_f" 28 4 "$_e"); _sz=$(elf_u "$_f" 42 2 "$_e"); _n=$(elf_u "$_f" 44 2 "$_e")
  else
    return 2
  fi
  _i=0
  while [ "$_i" -lt "$_n" ]; do
    [ "$(elf_u "$_f" $((_off + _i * _sz)) 4 "$_e")" = 3 ] && return 1
    _i=$((_i + 1))
  done
  return 0
}
file_hex() {
  od -v -A n -t x1 -j "$2" -N "$3" "$1" 2>/dev/null | tr -d ' \n' || true
}
# --- binfmt-entries.sh
entry_get() { sed -n "s/^$2//p" "$1" 2>/dev/null | head -n 1; }
magic_overlap() {
  _oa=$1 _ma=$2 _ka=$3 _ob=$4 _mb=$5 _kb=$6
  while [ "$_oa" -lt "$_ob" ] && [ -n "$_ma" ]; do _ma=${_ma#??}; _ka=${_ka#??}; _oa=$((_oa + 1)); done
  while [ "$_ob" -lt "$_oa" ] && [ -n "$_mb" ]; do _mb=${_mb#??}; _kb=${_kb#??}; _ob=$((_ob + 1)); done
  while [ -n "$_ma" ] && [ -n "$_mb" ]; do
    _a=${_ma%"${_ma#??}"}; _b=${_mb%"${_mb#??}"}
    _x=${_ka%"${_ka#??}"}; _y=${_kb%"${_kb#??}"}
    [ $(((0x$_a ^ 0x$_b) & 0x${_x:-ff} & 0x${_y:-ff})) -eq 0 ] || return 1
    _ma=${_ma#??}; _mb=${_mb#??}; _ka=${_ka#??}; _kb=${_kb#??}
  done
  return 0
}
header_matches() {
  _h=$(file_hex "$1" "$2" $((${#3} / 2)))
  [ "${#_h}" -eq "${#3}" ] || return 1
  magic_overlap "$2" "$3" "$4" "$2" "$_h" ""
}
binfmt_magics() {
  _mnt=$1
  set --
  for _e in "$_mnt"/*; do
    case ${_e##*/} in register | status) continue ;; esac
    [ -f "$_e" ] && set -- "$@" "$_e"
  done
  [ $# -gt 0 ] || return 0
  awk 'BEGIN {
    for (a = 1; a < ARGC; a++) {
      f = ARGV[a]; k = 0; on = 0; m = ""; o = ""; x = ""
      while ((getline l < f) > 0) {
        if (++k == 1) on = (l == "enabled")
        else if (m == "" && substr(l, 1, 6) == "magic ") m = substr(l, 7)
        else if (o == "" && substr(l, 1, 7) == "offset ") o = substr(l, 8)
        else if (x == "" && substr(l, 1, 5) == "mask ") x = substr(l, 6)
      }
      close(f)
      if (on && m != "") { n = f; sub(/.*\//, "", n); print (o == "" ? 0 : o), m, (x == "" ? "-" : x), n }
    }
  }' "$@" || fail "could not read the binfmt_misc entries under $_mnt"
}
magic_fields() {
  _r=$1
  _eo=${_r%% *}; _r=${_r#* }; _em=${_r%% *}; _r=${_r#* }; _ek=${_r%% *}; _n=${_r#* }
  [ "$_ek" != - ] || _ek=""
}
binfmt_conflicts() {
  _recs=$(binfmt_magics "$1")
  while IFS= read -r _r; do
    [ -n "$_r" ] || continue
    magic_fields "$_r"
    [ "$_n" != "$2" ] || continue
    if magic_overlap "$3" "$4" "$5" "$_eo" "$_em" "$_ek"; then printf '%s\n' "$_n"; fi
  done <<EOF_MAGICS
$_recs
EOF_MAGICS
}
magic_handler() {
  _far=0
  while IFS= read -r _r; do
    [ -n "$_r" ] || continue
    magic_fields "$_r"
    [ $((_eo + ${#_em} / 2)) -le "$_far" ] || _far=$((_eo + ${#_em} / 2))
  done <<EOF_MAGICS
$1
EOF_MAGICS
  [ "$_far" -gt 0 ] || return 0
  _hex=$(file_hex "$2" 0 "$_far")
  while IFS= read -r _r; do
    [ -n "$_r" ] || continue
    magic_fields "$_r"
    _h=$_hex; _i=$_eo
    while [ "$_i" -gt 0 ] && [ -n "$_h" ]; do _h=${_h#??}; _i=$((_i - 1)); done
    [ "${#_h}" -ge "${#_em}" ] || continue
    if magic_overlap "$_eo" "$_em" "$_ek" "$_eo" "$_h" ""; then printf '%s\n' "$_n"; return 0; fi
  done <<EOF_MAGICS
$1
EOF_MAGICS
}
hex_escape() {
  _s=$1
  while [ -n "$_s" ]; do printf '\\x%s' "${_s%"${_s#??}"}"; _s=${_s#??}; done
}
entry_line() {
  _f=$1/$2
  _i=$(entry_get "$_f" 'interpreter ')
  _fl=$(entry_get "$_f" 'flags: ')
  _x=$(entry_get "$_f" 'extension ')
  if [ -n "$_x" ]; then
    printf ':%s:E::%s::%s:%s\n' "$2" "${_x#.}" "$_i" "$_fl"
  else
    printf ':%s:M:%s:%s:%s:%s:%s\n' "$2" "$(entry_get "$_f" 'offset ')" "$(hex_escape "$(entry_get "$_f" 'magic ')")" \
      "$(hex_escape "$(entry_get "$_f" 'mask ')")" "$_i" "$_fl"
  fi
}
# --- rule.sh
: "$INSTALL_DIGEST"
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
stale_entry() {
  case $FLAGS in *F*) ;; *) return 1 ;; esac
  [ -e "$MNT/$NAME" ] || return 1
  _reg=$(stat -c %Y "$MNT/$NAME" 2>/dev/null) && _chg=$(stat -L -c %Z "$INTERP" 2>/dev/null) || return 1
  case $_reg$_chg in *[!0-9]*) return 1 ;; esac
  [ "$_chg" -gt "$_reg" ] && [ "$_chg" -le "$(date +%s)" ]
}
ours_file() { [ -f "$FILE" ] && [ ! -L "$FILE" ] && [ "$(head -n 1 "$FILE")" = "$MARKER" ]; }
file_owner() { sed -n 's/^# Owner: //p' "$FILE" | head -n 1; }
other_owner() { ours_file && _rec=$(file_owner) && [ -n "$_rec" ] && [ -n "$OWNER" ] && [ "$_rec" != "$OWNER" ]; }
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
  while IFS= read -r _o; do
    _list="${_list:+$_list, }$_o (interpreter $(entry_get "$MNT/$_o" 'interpreter '))"
    _fix="${_fix:+$_fix; }echo 0 > '$MNT/$_o'"
  done <<EOF_OTHERS
$_others
EOF_OTHERS
  fail "cannot register $NAME for target $TARGET: the enabled binfmt_misc entry $_list matches the same binaries, and the kernel hands each binary to whichever matching entry comes first, so which interpreter runs would depend on registration order. This component never changes entries it does not own: disable that entry ($_fix), or remove it (echo -1 instead of 0) together with the binfmt.d file or package that registers it, then run pulumi up again"
}
switched_off() { [ -r "$MNT/status" ] && [ "$(cat "$MNT/status" 2>/dev/null)" = disabled ]; }
switched_off_fail() {
  fail "binfmt_misc is switched off for the whole host ($MNT/status reads \"disabled\"): the kernel would hand no binary to $NAME$1. This component does not change that host-wide switch: switch it on as root (echo 1 > $MNT/status) and remove what switches it off at boot, then run pulumi up again"
}
installed_qemu() {
  command -v dpkg-query >/dev/null 2>&1 || return 0
  dpkg-query -W -f='${db:Status-Status} ${Package} ${Version}\n' qemu-user-static qemu-user 2>/dev/null | sed -n 's/^installed //p' | paste -sd, - | sed 's/,/, /g'
}
static_alternatives() {
  _b=${INTERP%-static}
  for _c in "$_b" "$_b-static"; do
    if [ "$_c" != "$INTERP" ] && [ -x "$_c" ] && elf_static "$_c"; then printf '%s' "$_c"; return 0; fi
  done
}
check_before_change() {
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
  ! switched_off || switched_off_fail " (switched off while this rule was applied; nothing of it is kept)"
  if ! ours_file || [ "$(cat "$FILE")" != "$CONTENT" ]; then write_file; wrote=true; fi
  DONE=true
  [ -z "$BACKUP" ] || rm -f "$BACKUP"
  unit_record
  _ver=$("$INTERP" --version 2>/dev/null | head -n 1) || _ver=""
  printf '{"target":%s,"name":%s,"file":%s,"wroteFile":%s,"applied":%s,"persistent":%s,"entry":%s,"version":%s}\n' \
    "$(js "$TARGET")" "$(js "$NAME")" "$(js "$FILE")" "$wrote" "$(js "$applied")" "$PERSISTENT" "$(js_lines "$(cat "$MNT/$NAME")")" "$(js "$_ver")"
}
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
} </dev/null
