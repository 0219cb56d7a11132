# shellcheck shell=sh
# The script bundle: the shipped scripts reach a host ONCE, as one content-addressed file, instead of in
# every command's stdin (which the Pulumi state stores twice per command). This file is the only one sent
# inline before the others; it runs before prelude.sh, as the command's user (root, or root through sudo -n).
#
# remote.CopyToRemote <host>-bundle puts the bundle file at BUNDLE_STAGED, a path relative to the login's
# home directory (the SSH session's and sudo's working directory), as the login user: SFTP has no sudo. The
# first command that needs it installs it as root into BUNDLE_ROOT/BUNDLE/ (/var/lib/pulumi-qemu-binfmt/lib/
# <sha256 of the bundle file>/): it copies the staged file into a root-owned temporary directory, checks the
# COPY's sha256 against BUNDLE (so what it checked is what it splits: the login user cannot swap it
# afterwards), splits it into one file per shipped script at its `#@ bundle-file NAME` lines, and renames the
# directory into place (all or nothing: a half-written directory never has the final name).
#
# Before any file of it is sourced, bundle_ready checks that the bundle directory, its parents up to
# /var/lib/pulumi-qemu-binfmt and every file in it are owned by root, writable by nobody else (neither group
# nor others) and not symlinks: root runs these files, so a directory someone else could write is refused,
# naming the path, never used and never repaired silently.
#
# A command that must work without the bundle (a delete, after someone removed /var/lib/pulumi-qemu-binfmt
# and the staged copy) carries its own files compressed in BUNDLE_FALLBACK (gzip, base64); bundle_ready
# returns 1 when neither copy exists, and the caller then runs that text instead.
# Variables: BUNDLE (sha256 hex), BUNDLE_ROOT, BUNDLE_STAGED, BUNDLE_FALLBACK; sets BUNDLE_DIR.
# shellcheck disable=SC2154 # BUNDLE, BUNDLE_ROOT, BUNDLE_STAGED and LABEL are defined by the component before this text

bundle_fail() {
  printf '%s: %s\n' "$LABEL" "$*" >&2
  exit 1
}

# The first of the paths (and, with -r, of everything under them) that is not root's alone, or "".
bundle_foreign() {
  if [ "$1" = -r ]; then
    shift
    find "$@" \( -type l -o ! -user 0 -o -perm -0020 -o -perm -0002 \) -print 2>/dev/null | head -n 1
  else
    find "$@" -maxdepth 0 \( -type l -o ! -user 0 -o -perm -0020 -o -perm -0002 \) -print 2>/dev/null | head -n 1
  fi
}

bundle_sha() { sha256sum "$1" 2>/dev/null | awk '{ print $1 }'; }

bundle_install() {
  _btop=${BUNDLE_ROOT%/*}
  _berr=$( (umask 022 && mkdir -p "$BUNDLE_ROOT") 2>&1) ||
    bundle_fail "cannot create the script bundle's directory $BUNDLE_ROOT (${_berr:-no message})"
  _bbad=$(bundle_foreign "$_btop" "$BUNDLE_ROOT")
  [ -z "$_bbad" ] ||
    bundle_fail "refusing to install the script bundle: $_bbad is not owned by root alone (owned by another user, writable by group or others, or a symlink), and root runs what is in it. Check who changed it, then make it root's (chown root:root, chmod 0755) and run pulumi up again"
  _btmp=$(mktemp -d "$BUNDLE_ROOT/.new.XXXXXX") || bundle_fail "cannot create a temporary directory in $BUNDLE_ROOT"
  chmod 0755 "$_btmp"
  if ! cp "$BUNDLE_STAGED" "$_btmp/bundle" 2>/dev/null || [ "$(bundle_sha "$_btmp/bundle")" != "$BUNDLE" ]; then
    rm -rf "$_btmp"
    bundle_fail "the staged script bundle $PWD/$BUNDLE_STAGED is not the one this program sent (its sha256 is not $BUNDLE): it was changed or only partly copied. Delete it and run pulumi up again (the bundle resource then copies it again)"
  fi
  if ! awk -v d="$_btmp" '/^#@ bundle-file [a-z0-9.-]+$/ { f = d "/" $3; next } f != "" { print > f }' "$_btmp/bundle" ||
    ! chmod 0644 "$_btmp"/*; then
    rm -rf "$_btmp"
    bundle_fail "could not split the script bundle in $_btmp"
  fi
  # Another command of this host may have installed it meanwhile (rules start together): keep theirs.
  if [ -e "$BUNDLE_DIR" ] || ! mv "$_btmp" "$BUNDLE_DIR" 2>/dev/null; then rm -rf "$_btmp"; fi
  # mv moves INTO a directory that appeared between the test and the rename: take that copy out again.
  rm -rf "${BUNDLE_DIR:?}/${_btmp##*/}"
  [ -d "$BUNDLE_DIR" ] || bundle_fail "could not install the script bundle into $BUNDLE_DIR"
}

# 0: BUNDLE_DIR holds the bundle, root's alone; 1: neither it nor the staged copy exists. Exits if refused.
bundle_ready() {
  BUNDLE_DIR="$BUNDLE_ROOT/$BUNDLE"
  if [ ! -e "$BUNDLE_DIR" ] && [ ! -L "$BUNDLE_DIR" ]; then
    [ -f "$BUNDLE_STAGED" ] || return 1
    bundle_install
  fi
  _bbad=$(bundle_foreign "${BUNDLE_ROOT%/*}" "$BUNDLE_ROOT")
  [ -n "$_bbad" ] || _bbad=$(bundle_foreign -r "$BUNDLE_DIR")
  [ -z "$_bbad" ] ||
    bundle_fail "refusing to run the script bundle: $_bbad is not owned by root alone (owned by another user, writable by group or others, or a symlink), and root runs what is in it. Check who changed it; then remove $BUNDLE_DIR (pulumi up installs it again) or make it root's"
  [ -f "$BUNDLE_DIR/prelude.sh" ] || bundle_fail "the script bundle $BUNDLE_DIR is incomplete (no prelude.sh): remove it and run pulumi up again"
}

# After the install step's delete: when no stack records units on this host any more (units.sh removed the
# units directory with the last one), nothing here uses the bundle: remove it, and the staged copy.
bundle_retire() {
  [ ! -e "${BUNDLE_ROOT%/*}/units" ] || return 0
  rm -rf "$BUNDLE_ROOT"
  rmdir "${BUNDLE_ROOT%/*}" 2>/dev/null || true
  rm -f "$BUNDLE_STAGED"
  rmdir "${BUNDLE_STAGED%/*}" 2>/dev/null || true
}

bundle_missing() {
  bundle_fail "the script bundle is missing: neither $BUNDLE_ROOT/$BUNDLE nor the staged copy $PWD/$BUNDLE_STAGED exists (removed by someone?). Copy it again: pulumi up --replace with the URN of this host's -bundle resource"
}

# The files a command carries for when the bundle is gone (a delete must still work).
bundle_fallback() {
  [ -n "$BUNDLE_FALLBACK" ] || bundle_missing
  # Quietly: the command's own messages come first in its error (the provider prints its output there).
  { command -v gzip && command -v base64; } >/dev/null 2>&1 ||
    bundle_fail "the script bundle is missing and gzip or base64 is not installed, which this command needs to run the copy of its scripts it carries"
  printf '%s\n' "$BUNDLE_FALLBACK" | base64 -d | gzip -dc
}
