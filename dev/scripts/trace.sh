# shellcheck shell=bash
# Sourced by every bash script of the test world (dev/, .ci/run) right after its `set -euo pipefail`,
# as `source "<path>/dev/scripts/trace.sh"`. Two things, so that no script exits without saying why:
#
# 1. An unexpected exit (a command failing where errexit ends the script) prints, on stderr, which
#    command failed, its exit status, the file and line, and the functions that led there:
#        services.sh: command failed (exit 1) at dev/lab/services.sh:231 in prepare_qemu_bins < cmd_prepare:
#          deb=$(find "$LAB_CACHE/apt/$suite" -maxdepth 1 -name ... | head -n 1)
#    The ERR trap is inherited by functions, command substitutions and subshells (set -E), so a failure
#    inside a function is named with the functions that led there, and one inside `$(…)` by the
#    assignment that carried it.
#    Failures that a script handles (`if`, `||`, `&&`, `!`) trigger nothing: bash runs the ERR trap
#    exactly where errexit would stop the script.
# 2. `retry TRIES WHAT CMD...` for steps that download something: a transient failure (a mirror that
#    hiccups) is tried again, up to TRIES times, PQB_RETRY_DELAY seconds (default 5) times the attempt
#    number apart; each attempt's stderr is printed after it, and giving up prints one line
#    with WHAT, the attempts and the last error line with URLs replaced by <url> (the mirror is read
#    from the machine's configuration: the reason must not depend on, or reveal, where it points).
#
# The script's name in messages: $PQB_SCRIPT when set (dev/scripts/lib.sh's convention), else the
# basename of $0.

set -E

pqb_trace_name() { printf '%s' "${PQB_SCRIPT:-$(basename "$0")}"; }

# Paths relative to the checkout when inside it: short, and the same on every machine.
pqb_trace_path() {
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  case $1 in "$root"/*) printf '%s' "${1#"$root"/}" ;; *) printf '%s' "$1" ;; esac
}

pqb_on_err() {
  local rc=$1 cmd=$2 i chain=""
  # Only where errexit is on, i.e. where the shell now exits: command substitutions run without it
  # (bash's default, no inherit_errexit), and a failure there that the script goes on from is no exit.
  case $- in *e*) ;; *) return 0 ;; esac
  # FUNCNAME[0] is this function; [1] the one whose command failed (main: top level).
  for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
    [ "${FUNCNAME[i]}" = main ] && break
    chain+="${chain:+ < }${FUNCNAME[i]}"
  done
  printf '%s: command failed (exit %s) at %s:%s%s:\n  %s\n' "$(pqb_trace_name)" "$rc" \
    "$(pqb_trace_path "${BASH_SOURCE[1]:-$0}")" "${BASH_LINENO[0]}" "${chain:+ in $chain}" "$cmd" >&2
}
trap 'pqb_on_err "$?" "$BASH_COMMAND"' ERR

# retry TRIES WHAT CMD...: see above. Returns CMD's last exit status.
retry() {
  local tries=$1 what=$2 n=1 rc out
  shift 2
  out=$(mktemp "${TMPDIR:-/tmp}/pqb-retry.XXXXXX")
  while :; do
    rc=0
    # stderr through a file, printed after each attempt (stdout stays a pipe: callers read it).
    "$@" 2>"$out" || rc=$?
    cat "$out" >&2
    if [ "$rc" = 0 ]; then
      rm -f "$out"
      return 0
    fi
    if [ "$n" -ge "$tries" ]; then
      local last
      last=$(grep -v '^[[:space:]]*$' "$out" | tail -n 1 | sed -E 's#[a-zA-Z][a-zA-Z0-9+.-]*://[^ ]*#<url>#g')
      printf '%s: %s failed %s times (last exit %s)%s\n' "$(pqb_trace_name)" "$what" "$n" "$rc" "${last:+: $last}" >&2
      rm -f "$out"
      return "$rc"
    fi
    local delay=$((${PQB_RETRY_DELAY:-5} * n))
    printf '%s: %s failed (exit %s, attempt %s of %s); trying again in %s s\n' "$(pqb_trace_name)" "$what" "$rc" "$n" "$tries" "$delay" >&2
    sleep "$delay"
    n=$((n + 1))
  done
}

# pqb_caller: "file:line" of the call to the function that runs pqb_caller, e.g. in
#   die() { printf 'x: ERROR: %s (at %s)\n' "$*" "$(pqb_caller)" >&2; exit 1; }
# every `die` says where it was called from.
pqb_caller() { printf '%s:%s' "$(pqb_trace_path "${BASH_SOURCE[2]:-$0}")" "${BASH_LINENO[1]}"; }
