#!/usr/bin/env bash
# `npm run shellcheck`: Debian's shellcheck over every shipped remote script (src/host/scripts/*.sh,
# POSIX sh) and over the rendered scripts of the golden tests (test/unit/host/__snapshots__/*.sh: the
# exact text a host receives, variables and libraries included). Installs shellcheck with apt-get when
# it is missing (a fresh machine of this kind: Debian, root).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v shellcheck >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "shellcheck: not installed, and this is not root on a Debian/Ubuntu machine: install the shellcheck package" >&2
    exit 1
  fi
  echo "shellcheck: installing Debian's shellcheck package" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
fi

shopt -s nullglob
files=(src/host/scripts/*.sh test/unit/host/__snapshots__/*.sh)
[ ${#files[@]} -gt 0 ] || { echo "shellcheck: no scripts found" >&2; exit 1; }
shellcheck --shell=sh --severity=style "${files[@]}"
echo "shellcheck $(shellcheck --version | sed -n 's/^version: //p'): ${#files[@]} scripts clean"
