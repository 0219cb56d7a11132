{
LABEL='builder-1 (root@10.0.0.21:22)'
FILES='/etc/binfmt.d/qemu-aarch64.conf
/etc/binfmt.d/qemu-arm.conf
/etc/binfmt.d/qemu-x86_64.conf'
ELFS='/usr/bin/qemu-aarch64
/usr/bin/qemu-aarch64-static
/usr/bin/qemu-arm
/usr/bin/qemu-arm-static
/usr/bin/qemu-x86_64
/usr/bin/qemu-x86_64-static'
PACKAGES='qemu-user qemu-user-static qemu-user-binfmt binfmt-support'
PROBES='aarch64 \177\105\114\106\002\001\001\000\000\000\000\000\000\000\000\000\002\000\267\000\001\000\000\000\260\000\100\000\000\000\000\000\100\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\100\000\070\000\002\000\000\000\000\000\000\000\001\000\000\000\005\000\000\000\000\000\000\000\000\000\000\000\000\000\100\000\000\000\000\000\000\000\100\000\000\000\000\000\274\000\000\000\000\000\000\000\274\000\000\000\000\000\000\000\000\000\001\000\000\000\000\000\001\000\000\000\004\000\000\000\260\000\000\000\000\000\000\000\260\000\101\000\000\000\000\000\260\000\101\000\000\000\000\000\014\000\000\000\000\000\000\000\014\000\000\000\000\000\000\000\000\000\001\000\000\000\000\000\250\013\200\322\100\005\200\322\001\000\000\324
arm \177\105\114\106\001\001\001\000\000\000\000\000\000\000\000\000\002\000\050\000\001\000\000\000\164\000\100\000\064\000\000\000\000\000\000\000\000\000\000\005\064\000\040\000\002\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000\000\000\100\000\000\000\100\000\200\000\000\000\200\000\000\000\005\000\000\000\000\020\000\000\001\000\000\000\164\000\000\000\164\020\100\000\164\020\100\000\014\000\000\000\014\000\000\000\004\000\000\000\000\020\000\000\001\160\240\343\052\000\240\343\000\000\000\357
x86_64 \177\105\114\106\002\001\001\000\000\000\000\000\000\000\000\000\002\000\076\000\001\000\000\000\260\000\100\000\000\000\000\000\100\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\100\000\070\000\002\000\000\000\000\000\000\000\001\000\000\000\005\000\000\000\000\000\000\000\000\000\000\000\000\000\100\000\000\000\000\000\000\000\100\000\000\000\000\000\274\000\000\000\000\000\000\000\274\000\000\000\000\000\000\000\000\020\000\000\000\000\000\000\001\000\000\000\004\000\000\000\260\000\000\000\000\000\000\000\260\020\100\000\000\000\000\000\260\020\100\000\000\000\000\000\014\000\000\000\000\000\000\000\014\000\000\000\000\000\000\000\000\020\000\000\000\000\000\000\270\074\000\000\000\277\052\000\000\000\017\005'
CONFIG_DIR='/etc/binfmt.d'
FRESH_LISTS_TIMEOUT='60'
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
# --- observe.sh
MNT=/proc/sys/fs/binfmt_misc
osr=/etc/os-release
[ -r "$osr" ] || osr=/usr/lib/os-release
osv() { if [ -r "$osr" ]; then sed -n "s/^$1=//p" "$osr" | head -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'$/\1/"; fi; }
uid=$(id -u)
user=$(id -un 2>/dev/null || echo "$uid")
if [ "$uid" = 0 ]; then
  priv=root
elif ! command -v sudo >/dev/null 2>&1; then
  fail "user $user is not root and sudo is not installed; connect as root, or install sudo and give $user passwordless sudo (NOPASSWD)"
elif sudo -n true >/dev/null 2>&1; then
  priv=sudo
else
  fail "user $user is not root and 'sudo -n true' failed: sudo wants a password (or $user may not use sudo). Remote commands have no terminal to type one: connect as root or give $user passwordless sudo (NOPASSWD) for the commands this component runs"
fi
if [ -d /run/systemd/system ]; then systemd=true; else systemd=false; fi
if [ -e "$MNT/register" ]; then mounted=true; else mounted=false; fi
if command -v docker >/dev/null 2>&1; then docker=true; else docker=false; fi
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then apt=true; else apt=false; fi
if command -v flock >/dev/null 2>&1; then flock=true; else flock=false; fi
printf '{"kind":"facts","machine":%s,"kernel":%s,"hostname":%s,"distroId":%s,"distroVersion":%s,"distroCodename":%s,"distroName":%s,"distroLike":%s,"systemd":%s,"binfmtMiscMounted":%s,"user":%s,"privilege":%s,"docker":%s,"apt":%s,"flock":%s}\n' \
  "$(js "$(uname -m)")" "$(js "$(uname -r)")" "$(js "$(uname -n)")" \
  "$(js "$(osv ID)")" "$(js "$(osv VERSION_ID)")" "$(js "$(osv VERSION_CODENAME)")" "$(js "$(osv PRETTY_NAME)")" "$(js "$(osv ID_LIKE)")" \
  "$systemd" "$mounted" "$(js "$user")" "$(js "$priv")" "$docker" "$apt" "$flock"
status=""
[ -r "$MNT/status" ] && status=$(cat "$MNT/status")
printf '{"kind":"binfmt","mounted":%s,"status":%s}\n' "$mounted" "$(js "$status")"
kmods=/lib/modules/$(uname -r)
if grep -qw binfmt_misc /proc/filesystems 2>/dev/null; then support=listed
elif [ -r "$kmods/modules.builtin" ] && grep -q '/binfmt_misc\.ko$' "$kmods/modules.builtin"; then support=builtin
elif { [ -r "$kmods/modules.dep" ] && grep -q '/binfmt_misc\.ko[^:]*:' "$kmods/modules.dep"; } ||
  ls "$kmods"/kernel/fs/binfmt_misc.ko* >/dev/null 2>&1; then support=module
elif [ -d "$kmods" ]; then support=none
else support=no-modules
fi
ro=false
if [ "$mounted" = true ] && awk -v d="$MNT" '$2 == d { ro = ($4 ~ /(^|,)ro(,|$)/) } END { exit !ro }' /proc/mounts 2>/dev/null; then ro=true; fi
printf '{"kind":"binfmtSupport","support":%s,"readOnly":%s,"modulesDir":%s}\n' "$(js "$support")" "$ro" "$(js "$kmods")"
JSON_AWK='
  function swap(v, c, r,  p, n, i, o) { n = split(v, p, c); o = p[1]; for (i = 2; i <= n; i++) o = o r p[i]; return o }
  function esc(v) {
    if (cc == "") cc = "[" sprintf("%c", 1) "-" sprintf("%c", 31) "]"
    v = swap(v, "\\", "\\\\"); v = swap(v, "\"", "\\\""); gsub(cc, "", v); return v
  }
'
entry_loop() {
  for e in "$@"; do
    [ -f "$e" ] && printf '{"kind":"entry","name":%s,"text":%s}\n' "$(js "${e##*/}")" "$(js_lines "$(cat "$e")")"
  done
}
entry_records() {
  set --
  for e in "$MNT"/*; do
    case ${e##*/} in register | status) continue ;; esac
    [ -f "$e" ] && set -- "$@" "$e"
  done
  [ $# -gt 0 ] || return 0
  if _recs=$(awk "$JSON_AWK"'
    function flush(f,  name, line, k, r, l, t, i) {
      k = 0; while ((r = (getline l < f)) > 0) line[++k] = esc(l)
      close(f)
      if (r < 0) return
      while (k > 0 && line[k] == "") k--
      t = ""; for (i = 1; i <= k; i++) t = t (i > 1 ? "\\n" : "") line[i]
      name = f; sub(/.*\//, "", name)
      printf "{\"kind\":\"entry\",\"name\":\"%s\",\"text\":\"%s\"}\n", esc(name), t
    }
    BEGIN { for (a = 1; a < ARGC; a++) flush(ARGV[a]) }' "$@" 2>/dev/null); then
    [ -z "$_recs" ] || printf '%s\n' "$_recs"
  else
    entry_loop "$@"
  fi
}
[ "$mounted" != true ] || entry_records
if [ "$mounted" = true ]; then
  printf '%s\n' "$FILES" | while IFS= read -r f; do
    n=${f##*/}
    n=${n%.conf}
    { [ -n "$n" ] && [ -f "$MNT/$n" ]; } || continue
    t=$(stat -c %Y "$MNT/$n" 2>/dev/null) || continue
    case $t in '' | *[!0-9]*) continue ;; esac
    printf '{"kind":"registration","name":%s,"time":%s}\n' "$(js "$n")" "$t"
  done
fi
printf '%s\n' "$FILES" | while IFS= read -r f; do
  [ -n "$f" ] || continue
  if [ -L "$f" ]; then state="symlink"; text=""
  elif [ -f "$f" ]; then state="file"; text=$(cat "$f" 2>/dev/null || true)
  elif [ -e "$f" ]; then state="other"; text=""
  else state="missing"; text=""
  fi
  printf '{"kind":"file","path":%s,"state":%s,"text":%s}\n' "$(js "$f")" "$(js "$state")" "$(js_lines "$text")"
done
load=""; unit=""; active=""
if [ "$systemd" = true ]; then
  load=$(systemctl show --property=LoadState --value systemd-binfmt.service 2>/dev/null || true)
  unit=$(systemctl show --property=UnitFileState --value systemd-binfmt.service 2>/dev/null || true)
  active=$(systemctl show --property=ActiveState --value systemd-binfmt.service 2>/dev/null || true)
fi
d=$CONFIG_DIR
while [ ! -e "$d" ] && [ "$d" != / ]; do d=$(dirname "$d"); done
fs=$(stat -f -c %T "$d" 2>/dev/null || true)
boot_run() {
  _all=$(systemctl show -p FragmentPath -p DropInPaths -p ConditionResult -p ConditionTimestampMonotonic -p Result systemd-binfmt.service 2>/dev/null || true)
  _bp() { printf '%s\n' "$_all" | sed -n "s/^$1=//p" | head -n 1; }
  _srcs="$(_bp FragmentPath) $(_bp DropInPaths)"
  _list=""
  for _f in $_srcs; do
    [ -r "$_f" ] || continue
    while read -r _c; do
      case $_c in
        Condition[A-Z]*=) _list="" ;;
        Condition[A-Z]*=*) _list="$_list$_f $_c
" ;;
      esac
    done <"$_f"
  done
  set --
  while read -r _f _c; do [ -z "$_c" ] || set -- "$@" "$_c"; done <<EOF
$_list
EOF
  _eval=""
  [ $# -eq 0 ] || _eval=$(systemd-analyze condition "$@" 2>&1 </dev/null || true)
  _notmet=""
  case $_eval in
    *"Conditions succeeded."* | *"Conditions failed."*) ;;
    *) _notmet=$(systemctl status -n 0 --no-pager systemd-binfmt.service 2>/dev/null | sed -n 's/^.*[^ ]* \(Condition[A-Za-z]*=.* was not met\)$/\1/p; s/^.*\(none of the trigger conditions were met\).*$/\1/p' | head -n 1) ;;
  esac
  _conds=""
  while read -r _f _c; do
    [ -n "$_c" ] || continue
    case $_eval in
      *": $_c succeeded."*) _met=yes ;;
      *": $_c failed."*) _met=no ;;
      *) _met="" ;;
    esac
    _conds="$_conds${_conds:+,}{\"text\":$(js "$_c"),\"met\":$(js "$_met"),\"source\":$(js "$_f")}"
  done <<EOF
$_list
EOF
  _ts=$(_bp ConditionTimestampMonotonic)
  case $_ts in '' | *[!0-9]*) _ts=0 ;; esac
  printf '{"conditionResult":%s,"conditionChecked":%s,"result":%s,"files":%s,"notMet":%s,"conditions":[%s]}' \
    "$(js "$(_bp ConditionResult)")" "$_ts" "$(js "$(_bp Result)")" "$(js "$(printf '%s' "$_srcs" | sed 's/^ *//; s/ *$//')")" "$(js "$_notmet")" "$_conds"
}
run=null
[ "$systemd" != true ] || [ "$load" != loaded ] || run=$(boot_run)
printf '{"kind":"boot","load":%s,"unitFileState":%s,"active":%s,"configDirFs":%s,"run":%s}\n' "$(js "$load")" "$(js "$unit")" "$(js "$active")" "$(js "$fs")" "$run"
elf_report() {
  p=$1
  if [ ! -e "$p" ]; then printf '{"kind":"elf","path":%s,"exists":false,"executable":false,"linking":"missing","header":"","changed":0}\n' "$(js "$p")"; return 0; fi
  if [ -x "$p" ]; then x=true; else x=false; fi
  rc=0; elf_static "$p" || rc=$?
  case $rc in 0) l=static ;; 1) l=dynamic ;; *) l=not-elf ;; esac
  c=$(stat -L -c %Z "$p" 2>/dev/null) || c=0
  case $c in '' | *[!0-9]*) c=0 ;; *) [ "$c" -le "$now" ] || c=0 ;; esac
  printf '{"kind":"elf","path":%s,"exists":true,"executable":%s,"linking":%s,"header":%s,"changed":%s}\n' "$(js "$p")" "$x" "$(js "$l")" "$(js "$(file_hex "$p" 0 64)")" "$c"
}
now=$(date +%s)
printf '%s\n' "$ELFS" | while IFS= read -r p; do [ -n "$p" ] && elf_report "$p"; done
elf_report /bin/sh
if [ -r /proc/1/exe ]; then elf_report /proc/1/exe; else elf_report /sbin/init; fi
package_one() {
  n=${1%%=*}
  st=$(dpkg-query -W -f='${db:Status-Status}\n' "$n" 2>/dev/null | head -n 1)
  iv=$(dpkg-query -W -f='${Version}\n' "$n" 2>/dev/null | head -n 1)
  idep=$(dpkg-query -W -f='${Depends}\n' "$n" 2>/dev/null | head -n 1)
  [ "$st" = installed ] || { iv=""; idep=""; }
  cand=$(apt-cache policy "$n" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -n 1)
  [ "$cand" = "(none)" ] && cand=""
  show=$(apt-cache show --no-all-versions "$n" 2>/dev/null || true)
  dep=$(printf '%s\n' "$show" | sed -n 's/^Depends: //p' | head -n 1)
  conf=$(printf '%s\n' "$show" | sed -n 's/^Conflicts: //p' | head -n 1)
  vers=$(apt-cache madison "$n" 2>/dev/null | awk -F'|' '{ gsub(/[ \t]/, "", $2); if ($2 != "") print $2 }' | sort -u | tr '\n' ' ')
  printf '{"kind":"package","name":%s,"status":%s,"installed":%s,"installedDepends":%s,"candidate":%s,"depends":%s,"versions":%s,"conflicts":%s}\n' \
    "$(js "$1")" "$(js "${st:-not-installed}")" "$(js "$iv")" "$(js "$idep")" "$(js "$cand")" "$(js "$dep")" "$(js "$vers")" "$(js "$conf")"
}
package_loop() { for p in $PACKAGES; do package_one "$p"; done; }
package_queries() {
  printf '\001dpkg\n'
  dpkg-query -W -f='${Package}\t${db:Status-Status}\t${Version}\t${Depends}\n' "$@" 2>/dev/null || true
  printf '\001policy\n'
  apt-cache policy "$@" 2>/dev/null || true
  printf '\001show\n'
  apt-cache show --no-all-versions "$@" 2>/dev/null || true
  printf '\001madison\n'
  apt-cache madison "$@" 2>/dev/null || true
}
package_records() {
  set --
  for p in $PACKAGES; do
    n=${p%%=*}
    case $n in *:*) package_loop; return 0 ;; esac
    set -- "$@" "$n"
  done
  [ $# -gt 0 ] || return 0
  if _recs=$(package_queries "$@" | awk -v packages="$PACKAGES" "$JSON_AWK"'
    BEGIN { mark = sprintf("%c", 1) }
    substr($0, 1, 1) == mark { q = substr($0, 2); cur = ""; next }
    q == "dpkg" { split($0, f, "\t"); if (!(f[1] in st)) { st[f[1]] = f[2]; iv[f[1]] = f[3]; idep[f[1]] = f[4] }; next }
    q == "policy" && /^[^ \t]/ { cur = $0; sub(/:.*/, "", cur); next }
    q == "policy" && /^ *Candidate: / { if (cur != "" && !(cur in cand)) { c = $0; sub(/^ *Candidate: /, "", c); cand[cur] = c }; next }
    q == "show" && /^Package: / { cur = substr($0, 10); next }
    q == "show" && /^Depends: / { if (cur != "" && !(cur in dep)) dep[cur] = substr($0, 10); next }
    q == "show" && /^Conflicts: / { if (cur != "" && !(cur in conf)) conf[cur] = substr($0, 12); next }
    q == "madison" {
      if (split($0, f, "|") < 2) next
      n = f[1]; gsub(/[ \t]/, "", n); v = f[2]; gsub(/[ \t]/, "", v)
      key = n SUBSEP v
      if (v == "" || (key in offered)) next
      offered[key] = 1; k = ++count[n]
      while (k > 1 && (vs[n, k - 1] "") > (v "")) { vs[n, k] = vs[n, k - 1]; k-- }
      vs[n, k] = v
    }
    END {
      np = split(packages, req, " ")
      for (i = 1; i <= np; i++) {
        n = req[i]; sub(/=.*/, "", n)
        s = (n in st) && st[n] != "" ? st[n] : "not-installed"
        c = (n in cand) && cand[n] != "(none)" ? cand[n] : ""
        t = ""; for (k = 1; k <= count[n]; k++) t = t vs[n, k] " "
        printf "{\"kind\":\"package\",\"name\":\"%s\",\"status\":\"%s\",\"installed\":\"%s\",\"installedDepends\":\"%s\",\"candidate\":\"%s\",\"depends\":\"%s\",\"versions\":\"%s\",\"conflicts\":\"%s\"}\n", \
          esc(req[i]), esc(s), s == "installed" ? esc(iv[n]) : "", s == "installed" ? esc(idep[n]) : "", esc(c), esc(dep[n]), esc(t), esc(conf[n])
      }
    }' 2>/dev/null); then
    [ -z "$_recs" ] || printf '%s\n' "$_recs"
  else
    package_loop
  fi
}
[ "$apt" != true ] || package_records
no_lists_no_qemu() {
  ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 &&
    ! awk 'BEGIN { RS = "" } /(^|\n)Package: qemu-user(-static)?\n/ && /\nStatus: install ok installed/ { f = 1 } END { exit !f }' /var/lib/dpkg/status 2>/dev/null
}
fresh_lists() {
  _fl_cache=$(command -v apt-cache) || { printf '{"kind":"freshLists","result":"unavailable","detail":"no apt-cache"}\n'; return 0; }
  if grep -qi 'invoke' /etc/apt/apt.conf 2>/dev/null; then
    printf '{"kind":"freshLists","result":"unavailable","detail":"/etc/apt/apt.conf sets hooks that an update would run"}\n'; return 0
  fi
  _fl=$(mktemp -d "${TMPDIR:-/tmp}/pqb-lists.XXXXXX" 2>/dev/null) || { printf '{"kind":"freshLists","result":"unavailable","detail":"no temporary directory"}\n'; return 0; }
  mkdir -p "$_fl/lists/partial" "$_fl/cache/archives/partial" "$_fl/conf.d" "$_fl/bin"
  for _f in /etc/apt/apt.conf.d/*; do [ -f "$_f" ] && ! grep -qi 'invoke' "$_f" && cp "$_f" "$_fl/conf.d/"; done
  _sandbox=$user; [ "$uid" = 0 ] && _sandbox=root
  printf '#!/bin/sh\nexec %s -o Dir::State::Lists=%s/lists -o Dir::Cache=%s/cache -o Dir::Etc::Parts=%s/conf.d -o APT::Sandbox::User=%s "$@"\n' \
    "$_fl_cache" "$_fl" "$_fl" "$_fl" "$_sandbox" >"$_fl/bin/apt-cache"
  chmod 700 "$_fl/bin/apt-cache"
  _rc=0
  _out=$(timeout "$FRESH_LISTS_TIMEOUT" apt-get -q -o Dir::State::Lists="$_fl/lists" -o Dir::Cache="$_fl/cache" \
    -o Dir::Etc::Parts="$_fl/conf.d" -o APT::Sandbox::User="$_sandbox" update 2>&1) || _rc=$?
  if [ "$_rc" -ne 0 ]; then
    _why=$(printf '%s\n' "$_out" | grep -E '^(E|W):' | head -n 1)
    [ "$_rc" -eq 124 ] && _why="no answer within $FRESH_LISTS_TIMEOUT s"
    printf '{"kind":"freshLists","result":"failed","detail":%s}\n' "$(js "apt-get update (private lists) exit $_rc: ${_why:-no message}")"
  else
    printf '{"kind":"freshLists","result":"updated","detail":%s}\n' "$(js "$(printf '%s\n' "$_out" | grep -c '^Get:') lists fetched into a private directory")"
    (PATH="$_fl/bin:$PATH" package_records) | sed 's/^{"kind":"package"/{"kind":"freshPackage"/'
  fi
  rm -rf "$_fl"
}
if [ "$apt" = true ] && [ -n "$PACKAGES" ] && [ "$FRESH_LISTS_TIMEOUT" != 0 ] && no_lists_no_qemu; then fresh_lists; fi
if [ -n "$PROBES" ]; then
  pdir=""
  for base in "${TMPDIR:-/tmp}" /var/tmp /dev/shm "$HOME"; do
    pdir=$(mktemp -d "$base/pqb-probe.XXXXXX" 2>/dev/null) || { pdir=""; continue; }
    printf '#!/bin/sh\nexit 42\n' >"$pdir/x" && chmod 700 "$pdir/x"
    rc=0; "$pdir/x" >/dev/null 2>&1 || rc=$?
    rm -f "$pdir/x"
    [ "$rc" -eq 42 ] && break
    rm -rf "$pdir"; pdir=""
  done
  magics=""
  [ "$mounted" != true ] || magics=$(binfmt_magics "$MNT")
  printf '%s\n' "$PROBES" | while IFS=' ' read -r t bytes; do
    [ -n "$t" ] || continue
    if [ -z "$pdir" ]; then result=unavailable; detail="no temporary directory where $user may create and run a file"
    else
      f="$pdir/$t"
      printf "$bytes" >"$f" && chmod 700 "$f"
      handler=$(magic_handler "$magics" "$f")
      if [ -n "$handler" ]; then
        result=inconclusive; detail="binfmt_misc entry $handler would run it"
      else
        rc=0; "$f" >/dev/null 2>&1 || rc=$?
        if [ "$rc" -eq 42 ]; then result=native; detail="the kernel ran it (exit 42)"
        else result=foreign; detail="the kernel did not run it (exit $rc)"
        fi
      fi
      rm -f "$f"
    fi
    printf '{"kind":"probe","target":%s,"result":%s,"detail":%s,"handler":%s}\n' "$(js "$t")" "$(js "$result")" "$(js "$detail")" "$(js "${handler:-}")"
  done
  [ -z "$pdir" ] || rm -rf "$pdir"
fi
} </dev/null
