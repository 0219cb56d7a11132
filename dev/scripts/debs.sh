#!/usr/bin/env bash
# Download Debian packages for any suite and architecture through a private apt
# configuration, without touching the machine's own apt state (no
# `dpkg --add-architecture`, no change to /etc/apt or /var/lib/apt).
#
# The mirror is read from the machine's own apt sources at run time: no
# package registry's host name is written into this repository.
#
#   dev/scripts/debs.sh mirror                                  print the Debian mirror URI
#   dev/scripts/debs.sh fetch --suite S --arch A --dest DIR PKG...
#        download PKG (no dependencies) into DIR; prints one .deb path per line.
#        A package name may carry a version: pkg=1.2-3.
#   dev/scripts/debs.sh closure --suite S --arch A --dest DIR PKG...
#        download PKG and its whole dependency closure (as if nothing were
#        installed) into DIR; prints one .deb path per line.
#
# Lists are cached per suite/arch under $PQB_CACHE/apt (default
# ~/.cache/pulumi-qemu-binfmt/apt) and refreshed when older than a day.
set -euo pipefail
# shellcheck source=dev/scripts/trace.sh
source "$(dirname "${BASH_SOURCE[0]}")/trace.sh"

PQB_CACHE=${PQB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-qemu-binfmt}

die() { echo "debs.sh: $* (at $(pqb_caller))" >&2; exit 2; }

# The first http(s) URI among the machine's Debian sources whose suite list
# holds a plain codename (not -security, not -updates). Handles deb822
# (*.sources) and one-line (*.list) formats. PQB_DEBIAN_MIRROR overrides it
# (a mirror of one's own, or a dead address to see how a failed download is
# reported).
mirror_uri() {
  if [ -n "${PQB_DEBIAN_MIRROR:-}" ]; then echo "${PQB_DEBIAN_MIRROR%/}"; return 0; fi
  local f uri=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '
      BEGIN { RS=""; FS="\n" }
      {
        u=""; s=""; c=""
        for (i=1;i<=NF;i++) {
          if ($i ~ /^URIs:/)   { u=$i; sub(/^URIs:[ \t]*/,"",u) }
          if ($i ~ /^Suites:/) { s=$i; sub(/^Suites:[ \t]*/,"",s) }
          if ($i ~ /^Components:/) { c=$i }
        }
        if (u != "" && c ~ /main/) {
          n=split(s, parts, /[ \t]+/)
          for (j=1;j<=n;j++) if (parts[j] !~ /-/ && parts[j] != "") { split(u, us, /[ \t]+/); print us[1]; exit }
        }
      }' "$f")
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] || continue
      uri=$(awk '$1=="deb" { i=2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i+1) !~ /-/ && $0 ~ / main/) { print $i; exit } }' "$f")
      [ -n "$uri" ] && break
    done
  fi
  [ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d}: configure apt first"
  echo "${uri%/}"
}

# Private apt root for SUITE/ARCH; echoes the apt-get options that use it.
apt_opts() {
  local suite=$1 arch=$2 root="$PQB_CACHE/apt/$1-$2"
  mkdir -p "$root/lists/partial" "$root/cache/archives/partial" "$root/state" "$root/empty"
  [ -f "$root/status" ] || : >"$root/status"
  local mirror; mirror=$(mirror_uri)
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  echo "deb [arch=$arch signed-by=$keyring] $mirror $suite main" >"$root/sources.list"
  printf '%s\n' \
    -o "Dir::Etc::SourceList=$root/sources.list" \
    -o "Dir::Etc::SourceParts=$root/empty" \
    -o "Dir::Etc::Preferences=$root/empty/preferences" \
    -o "Dir::Etc::PreferencesParts=$root/empty" \
    -o "APT::Sandbox::User=root" \
    -o "Dir::State=$root/state" \
    -o "Dir::State::Lists=$root/lists" \
    -o "Dir::State::status=$root/status" \
    -o "Dir::Cache=$root/cache" \
    -o "APT::Architecture=$arch" \
    -o "APT::Architectures=$arch" \
    -o "APT::Install-Recommends=false" \
    -o "Debug::NoLocking=1" \
    -o "quiet=2"
}

update_if_stale() {
  local suite=$1 arch=$2 root="$PQB_CACHE/apt/$1-$2"
  local stamp="$root/updated"
  if [ -f "$stamp" ] && [ -n "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then return 0; fi
  local -a opts; mapfile -t opts < <(apt_opts "$suite" "$arch")
  # Error-Mode=any: a list that could not be fetched fails the update (apt exits 0 otherwise, and the
  # stamp below would keep empty lists for a day).
  retry 3 "apt-get update ($suite/$arch lists)" apt-get "${opts[@]}" -o APT::Update::Error-Mode=any update >&2 || die "apt-get update failed for $suite/$arch"
  touch "$stamp"
}

cmd=${1:-}; shift || true
case "$cmd" in
  mirror) mirror_uri; exit 0 ;;
  fetch|closure) ;;
  *) die "usage: debs.sh mirror | fetch|closure --suite S --arch A --dest DIR PKG..." ;;
esac

suite="" arch="" dest=""
while [ $# -gt 0 ]; do
  case "$1" in
    --suite) suite=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --dest) dest=$2; shift 2 ;;
    --) shift; break ;;
    -*) die "unknown option $1" ;;
    *) break ;;
  esac
done
[ -n "$suite" ] || die "--suite is required (e.g. bookworm)"
[ -n "$arch" ] || die "--arch is required (a Debian architecture, e.g. arm64)"
[ -n "$dest" ] || die "--dest is required"
[ $# -gt 0 ] || die "name at least one package"
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

update_if_stale "$suite" "$arch"
mapfile -t opts < <(apt_opts "$suite" "$arch")

if [ "$cmd" = fetch ]; then
  (cd "$dest" && retry 3 "apt-get download $* ($suite/$arch)" apt-get "${opts[@]}" download "$@" >&2) || die "download of $* ($suite/$arch) failed"
  for p in "$@"; do
    name=${p%%=*}
    { ls -1t "$dest/${name}_"*"_${arch}.deb" "$dest/${name}_"*"_all.deb" 2>/dev/null || true; } | head -n 1
  done
else
  root="$PQB_CACHE/apt/$suite-$arch"
  retry 3 "download of the closure of $* ($suite/$arch)" apt-get "${opts[@]}" -y --download-only \
    -o "Dir::Cache::archives=$dest" install "$@" >&2 || die "closure of $* ($suite/$arch) failed"
  rm -rf "$dest/partial" "$dest/lock"
  ls -1 "$dest"/*.deb
fi
