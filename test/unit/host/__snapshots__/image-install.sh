{
LABEL='builder-1 (root@10.0.0.21:22)'
IMAGE='registry.example:5000/qemu-user-static@sha256:1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e'
DIR='/var/lib/pulumi-qemu-binfmt/qemu/1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e1c7e'
ROOT='/var/lib/pulumi-qemu-binfmt/qemu'
SRC_DIR='/usr/bin'
BINARIES='qemu-aarch64 qemu-arm'
TIMEOUT='300'
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
# --- image.sh
MNT=/proc/sys/fs/binfmt_misc
CID=""; STAGE=""
cleanup() {
  if [ -n "$CID" ]; then docker rm -f "$CID" >/dev/null 2>&1 || note "could not remove the container $CID"; fi
  if [ -n "$STAGE" ]; then
    rm -rf "$STAGE"
    if rmdir "$ROOT" 2>/dev/null; then rmdir "${ROOT%/*}" 2>/dev/null || true; fi
  fi
}
elf_machine() {
  if [ "$(elf_u "$1" 5 1 le)" = 2 ]; then elf_u "$1" 18 2 be; else elf_u "$1" 18 2 le; fi
}
version_line() { "$1" --version 2>/dev/null | head -n 1 || true; }
interpreters_json() {
  sep=""; printf '['
  for b in $BINARIES; do
    printf '%s{"binary":%s,"path":%s,"version":%s}' "$sep" "$(js "$b")" "$(js "$DIR/$b")" "$(js "$(version_line "$DIR/$b")")"
    sep=,
  done
  printf ']'
}
check_binary() { # FILE NAME
  _rc=0; elf_static "$1" || _rc=$?
  case $_rc in
    0) ;;
    1) fail "$2 in $IMAGE is dynamically linked: binfmt_misc's F flag runs it inside containers, where its libraries are missing. Use an image of static interpreters (e.g. tonistiigi/binfmt, or one built from Debian's qemu-user-static)" ;;
    *) fail "$SRC_DIR/$2 in $IMAGE is not an ELF executable" ;;
  esac
  _want=$(elf_machine /bin/sh); _got=$(elf_machine "$1")
  [ "$_want" = "$_got" ] || fail "$2 in $IMAGE is built for ELF machine $_got, but this host's programs are machine $_want ($(uname -m)): the image is for another host architecture (pull the image's variant for $(uname -m))"
  chmod 0755 "$1"
  _line=$(version_line "$1")
  case $_line in
    "$2 version "*) ;;
    *) fail "$2 from $IMAGE does not say it is $2: its --version printed \"$_line\"" ;;
  esac
}
image_install() {
  missing=""
  for b in $BINARIES; do [ -x "$DIR/$b" ] || missing="$missing $b"; done
  pulled=false
  if [ -n "$missing" ]; then
    if ! command -v docker >/dev/null 2>&1; then
      _alt="installPackages none with interpreters installed by other means"
      command -v apt-get >/dev/null 2>&1 && _alt="installSource apt"
      fail "the image install source needs docker on the host (docker pull/create/cp), and there is no docker command. Install docker, or use $_alt"
    fi
    trap cleanup EXIT
    _err=$(timeout "$TIMEOUT" docker pull -q "$IMAGE" 2>&1) || fail "docker pull $IMAGE failed: $_err"
    pulled=true
    CID=$(docker create --network none --entrypoint /pulumi-qemu-binfmt-never-started "$IMAGE" 2>&1) || { _e=$CID; CID=""; fail "docker create $IMAGE failed: $_e"; }
    mkdir -p "$ROOT"
    STAGE=$(mktemp -d "$ROOT/.stage.XXXXXX")
    for b in $missing; do
      _err=$(docker cp -L "$CID:$SRC_DIR/$b" "$STAGE/$b" 2>&1) || fail "$IMAGE has no $SRC_DIR/$b (docker cp: $_err); the image must hold the static interpreters at $SRC_DIR/qemu-<cpu>"
      check_binary "$STAGE/$b" "$b"
    done
    docker rm -f "$CID" >/dev/null 2>&1 || note "could not remove the container $CID"
    CID=""
    if [ ! -d "$DIR" ]; then
      chmod 0755 "$STAGE"
      mv "$STAGE" "$DIR"
    else
      for b in $missing; do mv -f "$STAGE/$b" "$DIR/$b"; done
      rm -rf "$STAGE"
    fi
    STAGE=""
    trap - EXIT
  fi
  unit_record
  printf '{"image":%s,"dir":%s,"pulled":%s,"interpreters":%s}\n' "$(js "$IMAGE")" "$(js "$DIR")" "$pulled" "$(interpreters_json)"
}
image_remove() {
  unit_forget
  users=""
  if [ -d "$MNT" ]; then
    for e in "$MNT"/*; do
      case ${e##*/} in register | status) continue ;; esac
      [ -f "$e" ] || continue
      case $(sed -n 's/^interpreter //p' "$e" 2>/dev/null) in "$DIR"/*) users="$users ${e##*/}" ;; esac
    done
  fi
  removed=false
  if [ -n "$users" ]; then
    note "keeping $DIR: binfmt_misc entries still use it:$users"
  elif [ -d "$DIR" ]; then
    rm -rf "$DIR"; removed=true
    if rmdir "$ROOT" 2>/dev/null; then rmdir "${ROOT%/*}" 2>/dev/null || true; fi
  fi
  printf '{"image":%s,"dir":%s,"removed":%s}\n' "$(js "$IMAGE")" "$(js "$DIR")" "$removed"
}
case ${1:-} in
  install) image_install ;;
  remove) image_remove ;;
  *) fail "image script: unknown action \"${1:-}\" (install or remove)" ;;
esac
} </dev/null
