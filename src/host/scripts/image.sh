# shellcheck shell=sh
# The image install source: `install` (create) or `remove` (delete) the static QEMU interpreters that
# one image, pinned by digest, provides; the action is the first argument. Needs prelude.sh, units.sh (a
# successful install records the unit's repair token, remove forgets it) and elf.sh,
# and these variables: IMAGE (reference pinned by digest), DIR (this pin's directory, keyed by the
# digest), ROOT (the parent of every pin's directory), SRC_DIR (the interpreters' directory inside the
# image), BINARIES (qemu-<cpu> names, space separated), TIMEOUT (seconds for the pull).
#
# install, through the host's own docker daemon; no package manager is touched:
# 1. nothing to do when DIR already holds every binary (a pin's files never change: the digest names
#    the content);
# 2. docker pull IMAGE; docker create it with an entrypoint that does not exist, no network (it is never
#    started, never privileged); docker cp each missing binary into a temporary directory next to DIR;
#    the container is removed on every exit path (trap);
# 3. each binary must be a static ELF for this host's machine (the e_machine of /bin/sh: it runs on the
#    host) and must call itself by its name in its `--version` line (qemu-aarch64 says "qemu-aarch64
#    version …": the right target's emulator);
# 4. then, atomically: the temporary directory is renamed to DIR, or each file renamed into an existing
#    DIR. On failure the temporary directory is removed: nothing is half-done.
# Prints {"image":…,"dir":…,"pulled":…,"interpreters":[{"binary":…,"path":…,"version":…}]}.
#
# remove deletes DIR only when no binfmt_misc entry names an interpreter inside it (an entry of another
# program may still use the same pin), then ROOT and its parent when empty. The pulled image stays: it
# may have been on the host before, and docker's own `image prune` owns that decision.
# shellcheck disable=SC2154 # the variables above are defined by the component before this text

MNT=/proc/sys/fs/binfmt_misc
CID=""; STAGE=""
cleanup() {
  if [ -n "$CID" ]; then docker rm -f "$CID" >/dev/null 2>&1 || note "could not remove the container $CID"; fi
  if [ -n "$STAGE" ]; then
    rm -rf "$STAGE"
    # A failed first copy leaves nothing: ROOT and its parent go too when empty (rmdir refuses otherwise).
    if rmdir "$ROOT" 2>/dev/null; then rmdir "${ROOT%/*}" 2>/dev/null || true; fi
  fi
}

# e_machine of FILE (2 bytes at offset 18, in the file's byte order).
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
      # The other way out only where this host has it.
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
