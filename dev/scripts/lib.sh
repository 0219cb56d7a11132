# Shared helpers for the project's entry scripts (sourced, not run).
# Progress lines go to stderr as "[name] message (12.3 s)" so logs stay readable.

PQB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PQB_ROOT
# An unexpected exit names the command, file and line; `retry` for downloads.
# shellcheck source=dev/scripts/trace.sh
source "$PQB_ROOT/dev/scripts/trace.sh"

now_ms() { date +%s%3N; }

# step NAME CMD...: run CMD, print one line with its duration; on failure print the
# tail of its log and stop.
step() {
  local name=$1; shift
  local t0; t0=$(now_ms)
  local log; log=$(mktemp "${TMPDIR:-/tmp}/pqb-step.XXXXXX")
  printf '[%s] %s …\n' "${PQB_SCRIPT:-pqb}" "$name" >&2
  if "$@" >"$log" 2>&1; then
    printf '[%s] %s done (%s s)\n' "${PQB_SCRIPT:-pqb}" "$name" "$(elapsed "$t0")" >&2
    rm -f "$log"
  else
    local rc=$?
    printf '[%s] %s FAILED (exit %s, %s s); last lines of its output:\n' "${PQB_SCRIPT:-pqb}" "$name" "$rc" "$(elapsed "$t0")" >&2
    tail -n 40 "$log" | sed 's/^/    /' >&2
    rm -f "$log"
    return "$rc"
  fi
}

elapsed() { local t0=$1 t1; t1=$(now_ms); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

# npm dependencies: `npm ci` (which also builds dist/ through `prepare`) when node_modules is missing
# or older than the lock file; otherwise rebuild dist/ only when a source file is newer than it.
ensure_node_modules() {
  cd "$PQB_ROOT"
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  elif [ ! -f dist/src/index.js ] || [ -n "$(find src test tsconfig.json package.json -newer dist/src/index.js \( -name '*.ts' -o -name '*.sh' \) -print -quit 2>/dev/null)" ] ||
    [ tsconfig.json -nt dist/src/index.js ]; then
    npm run --silent build
  fi
}

# ensure_debs PACKAGE...: install Debian packages the tests need (as root, with apt-get) when missing,
# without starting any service they ship (openssh-server would otherwise start an sshd on port 22): a
# policy-rc.d that refuses every start is put in place for the install when the machine has none.
ensure_debs() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p"); done
  [ ${#missing[@]} -gt 0 ] || return 0
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || { echo "missing Debian packages: ${missing[*]} (install them as root)" >&2; return 1; }
  local guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && guard=1
  fi
  local rc=0
  { retry 3 "apt-get update" apt-get update -qq &&
    retry 3 "apt-get install ${missing[*]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/dev/null || rc=$?
  [ -z "$guard" ] || rm -f /usr/sbin/policy-rc.d
  return "$rc"
}
