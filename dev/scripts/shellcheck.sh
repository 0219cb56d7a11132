#!/usr/bin/env bash
# `npm run shellcheck`: Debian's shellcheck over every shipped remote script (src/host/scripts/*.sh,
# POSIX sh) and over the rendered scripts of the golden tests (test/unit/host/__snapshots__/*.sh: the
# exact text a host receives, variables and libraries included, comments stripped). Installs shellcheck with apt-get when
# it is missing (a fresh machine of this kind: Debian, root).
set -euo pipefail
# shellcheck source=dev/scripts/trace.sh
source "$(dirname "${BASH_SOURCE[0]}")/trace.sh"
cd "$(dirname "$0")/../.."

if ! command -v shellcheck >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "shellcheck: not installed, and this is not root on a Debian/Ubuntu machine: install the shellcheck package" >&2
    exit 1
  fi
  echo "shellcheck: installing Debian's shellcheck package" >&2
  retry 3 "apt-get update" apt-get update -qq >/dev/null
  retry 3 "apt-get install shellcheck" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
fi

shopt -s nullglob
sources=(src/host/scripts/*.sh)
rendered=(test/unit/host/__snapshots__/*.sh)
if [ ${#sources[@]} -eq 0 ] || [ ${#rendered[@]} -eq 0 ]; then echo "shellcheck: no scripts found" >&2; exit 1; fi
shellcheck --shell=sh --severity=style "${sources[@]}"
# A rendered script has lost its comments, the sources' `# shellcheck disable=` directives with them
# (src/host/strip-comments.ts), so it is checked with exactly the codes those directives disable.
excluded=$({ grep -ho 'shellcheck disable=[A-Z0-9,]*' "${sources[@]}" || true; } | sed 's/.*=//' | tr ',' '\n' | sort -u | paste -sd, -)
shellcheck --shell=sh --severity=style ${excluded:+--exclude="$excluded"} "${rendered[@]}"
echo "shellcheck $(shellcheck --version | sed -n 's/^version: //p'): $((${#sources[@]} + ${#rendered[@]})) scripts clean (rendered ones without ${excluded:-nothing}, disabled in the sources)"
