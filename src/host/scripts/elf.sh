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
  for _b in $(od -v -A n -t u1 -j "$2" -N "$3" "$1"); do
    if [ "$4" = le ]; then _v=$((_v + _b * _m)); _m=$((_m * 256)); else _v=$((_v * 256 + _b)); fi
  done
  echo "$_v"
}

# The usual ELF has its program headers within its first 4 KiB: one od and one awk read them all
# (elf_static_walk, one od per field, took ~15 forks for a static QEMU). Farther tables take the walk.
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
