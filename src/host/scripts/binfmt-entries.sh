# shellcheck shell=sh
# Read-only helpers over binfmt_misc entries, shared by the rule script and any script that only
# observes a host. They need prelude.sh (fail) and elf.sh (file_hex). Magic and mask are lower-case hex without separators,
# as /proc/sys/fs/binfmt_misc/<name> prints them; an empty mask means "every bit counts" (ff...).
#
# The kernel's test (fs/binfmt_misc.c, check_file): an entry of type M matches a file when, for every
# magic byte j, ((header[offset + j] ^ magic[j]) & mask[j]) == 0.

# entry_get FILE PREFIX: the rest of FILE's first line that starts with PREFIX ("interpreter ", "flags: ").
entry_get() { sed -n "s/^$2//p" "$1" 2>/dev/null | head -n 1; }

# magic_overlap OFFSET_A MAGIC_A MASK_A OFFSET_B MAGIC_B MASK_B
# Returns 0 when some file header would match both entries: at every byte position that both
# constrain, (magicA ^ magicB) & maskA & maskB == 0. Positions only one constrains never disagree.
magic_overlap() {
  _oa=$1 _ma=$2 _ka=$3 _ob=$4 _mb=$5 _kb=$6
  # Drop the leading bytes of the entry that starts earlier: only the other one constrains them.
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

# header_matches FILE OFFSET MAGIC MASK: 0 when the kernel would hand FILE to an entry with this
# offset/magic/mask (FILE's bytes at OFFSET, as many as the magic has, pass the kernel's test).
header_matches() {
  _h=$(file_hex "$1" "$2" $((${#3} / 2)))
  [ "${#_h}" -eq "${#3}" ] || return 1
  magic_overlap "$2" "$3" "$4" "$2" "$_h" ""
}

# binfmt_magics MNT: one line "OFFSET MAGIC MASK NAME" per enabled magic (M) entry under MNT, in the
# directory's order (MASK "-" when the entry has none; the name last, as it may hold spaces). Disabled
# entries and extension (E) entries are left out: the kernel never hands a file to them by its header.
# One awk reads every entry (a host with QEMU's ~30 entries forked sed and head 10 times per entry); it
# reads each file itself with getline (procfs files all show size 0), so one that vanished is skipped.
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

# magic_fields LINE: one binfmt_magics line into _eo (offset), _em (magic), _ek (mask, "" when none), _n (name).
magic_fields() {
  _r=$1
  _eo=${_r%% *}; _r=${_r#* }; _em=${_r%% *}; _r=${_r#* }; _ek=${_r%% *}; _n=${_r#* }
  [ "$_ek" != - ] || _ek=""
}

# binfmt_conflicts MNT NAME OFFSET MAGIC MASK: prints the name of every OTHER enabled magic (M) entry
# under MNT whose magic/mask overlaps this one, one per line.
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

# magic_handler RECORDS FILE: the name of the first entry of RECORDS (binfmt_magics' lines) that the kernel
# would hand FILE to; nothing when none would. FILE's first bytes are read once, as many as the farthest
# magic reaches.
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
    # FILE's bytes from _eo on: drop 2 hex digits per byte before it; too short a file matches nothing.
    _h=$_hex; _i=$_eo
    while [ "$_i" -gt 0 ] && [ -n "$_h" ]; do _h=${_h#??}; _i=$((_i - 1)); done
    [ "${#_h}" -ge "${#_em}" ] || continue
    if magic_overlap "$_eo" "$_em" "$_ek" "$_eo" "$_h" ""; then printf '%s\n' "$_n"; return 0; fi
  done <<EOF_MAGICS
$1
EOF_MAGICS
}

# hex_escape HEX: the bytes as \xNN escapes, the spelling a registration line takes.
hex_escape() {
  _s=$1
  while [ -n "$_s" ]; do printf '\\x%s' "${_s%"${_s#??}"}"; _s=${_s#??}; done
}

# entry_line MNT NAME: the registration line that recreates the entry MNT/NAME as the kernel shows it
# (used to put back an entry that a failed apply replaced).
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
