# shellcheck shell=sh
# ELF helpers that need neither `file` nor `readelf` (absent on minimal hosts), only `od`.
#
# `elf_static FILE` returns 0 when FILE is statically linked (no PT_INTERP program header: a static or
# static-pie binary, which is what a binfmt_misc entry with flag F needs: the kernel opens the
# interpreter once and later runs it inside containers and chroots, where the host's shared libraries
# are not), 1 when it is dynamically linked, 2 when it is not an ELF file. ELFCLASS32/64, both byte
# orders; symlinks are followed (od reads the target).
#
# `file_hex FILE OFFSET LENGTH` prints LENGTH bytes of FILE from OFFSET as lower-case hex (fewer when the
# file is shorter; nothing when it cannot be read).

elf_u() { # FILE OFFSET LENGTH ENDIAN -> unsigned integer
  _v=0; _m=1
  for _b in $(od -A n -t u1 -j "$2" -N "$3" "$1"); do
    if [ "$4" = le ]; then _v=$((_v + _b * _m)); _m=$((_m * 256)); else _v=$((_v * 256 + _b)); fi
  done
  echo "$_v"
}

elf_static() {
  _f=$1
  [ "$(od -A n -t x1 -N 4 "$_f" 2>/dev/null | tr -d ' \n')" = 7f454c46 ] || return 2
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
  od -A n -t x1 -j "$2" -N "$3" "$1" 2>/dev/null | tr -d ' \n' || true
}
