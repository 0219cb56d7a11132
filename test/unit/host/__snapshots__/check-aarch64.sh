{
LABEL='builder-1 (root@10.0.0.21:22)'
TARGET='aarch64'
IMAGE='arm64v8/busybox'
PLATFORM='linux/arm64'
EXPECTED='aarch64'
TIMEOUT='300'
NATIVE='false'
# --- prelude.sh
# shellcheck shell=sh
# The start of every remote script (after the variables the component defines with shellVars).
# Strict mode, a predictable PATH and locale (apt's messages are matched in English), and helpers:
# - `fail MSG` prints "LABEL: MSG" on stderr and exits 1 (a non-zero exit fails the Pulumi resource and
#   the message reaches the Pulumi log);
# - `note MSG` prints "LABEL: MSG" on stderr;
# - `js VALUE` prints VALUE as a JSON string (quotes and backslashes escaped, control characters dropped);
# - `js_lines VALUE` the same, but keeps line breaks as \n (for text such as a /proc entry).
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
# --- check.sh
# shellcheck shell=sh
# The acceptance check through the host's own docker daemon (the "Jetson Containers" article's test):
# `docker run --rm --platform PLATFORM IMAGE uname -m` must print the expected machine. Variables:
# TARGET IMAGE PLATFORM (may be empty: no --platform) EXPECTED TIMEOUT (seconds for pull + run) NATIVE.
#
# NATIVE=true is the check of a target the plan skips because the host runs it natively: it still runs
# (a check that did not run never reports passed) and must print what a native run prints, read on this
# host: its own `uname -m`, or armv8l for 32-bit ARM on an aarch64 kernel. An "exec format error" then
# means the host does NOT run the target natively: the skip was wrong, and the message says so.
#
# A daemon that does not answer (stopped, socket gone) fails with "docker is not running on this host".
#
# On success prints one JSON object (the fields of the component's AcceptanceReport); on failure prints
# only the message (host, target, expected, actual) on stderr and exits 1.
# shellcheck disable=SC2154 # the variables above are defined by the component before this text
command -v docker >/dev/null 2>&1 || fail "acceptance check for target $TARGET: no docker CLI on the host (Debian 13: docker.io brings the daemon, docker-cli the command). Install docker or disable acceptance"
if [ "$NATIVE" = true ]; then
  EXPECTED=$(uname -m)
  also=""
  [ "$EXPECTED" = aarch64 ] && also=armv8l
else
  also=""
fi
out=$(mktemp); err=$(mktemp)
rc=0
if [ -n "$PLATFORM" ]; then
  timeout "$TIMEOUT" docker run --rm --platform "$PLATFORM" "$IMAGE" uname -m >"$out" 2>"$err" || rc=$?
else
  timeout "$TIMEOUT" docker run --rm "$IMAGE" uname -m >"$out" 2>"$err" || rc=$?
fi
# A failed run may be no answer at all: a stopped daemon. `docker version` (its server part) tells and
# says why ("Cannot connect to the Docker daemon at …"; `docker info --format` only prints a template
# error then); the message says so plainly, and that the rules (registered before the checks) stay.
if [ "$rc" -ne 0 ] && ! info=$(timeout 30 docker version --format '{{.Server.Version}}' 2>&1 </dev/null); then
  rm -f "$out" "$err"
  fail "acceptance check for target $TARGET: docker is not running on this host (docker version: $(printf '%s' "$info" | grep -v '^[[:space:]]*$' | tail -n 1)). The binfmt_misc rules stay registered; start the daemon (systemctl start docker) and run pulumi up again"
fi
actual=$(grep -v '^[[:space:]]*$' "$out" | tail -n 1 | tr -d '\r' || true)
detail=$(grep -v -i 'warning' "$err" | grep -v '^[[:space:]]*$' | tail -n 3 | tr '\n' ' ' || true)
rm -f "$out" "$err"
ok=false
if [ "$rc" -eq 0 ] && { [ "$actual" = "$EXPECTED" ] || { [ -n "$also" ] && [ "$actual" = "$also" ]; }; }; then ok=true; fi
if [ "$ok" != true ]; then
  if [ "$NATIVE" = true ]; then
    case "$actual $detail" in
      *"exec format error"*)
        fail "target $TARGET was skipped as native, but this host does not run it natively: docker run --platform ${PLATFORM:-(none)} $IMAGE uname -m failed with exec format error (exit $rc): ${detail:-$actual}. Register $TARGET (skipPolicy ExactNative)" ;;
    esac
    fail "acceptance check of natively run target $TARGET failed: docker run --platform ${PLATFORM:-(none)} $IMAGE uname -m printed \"$actual\", expected \"$EXPECTED\"${also:+ or \"$also\"} (this host's own machine; exit $rc)${detail:+: $detail}"
  fi
  fail "acceptance check failed for target $TARGET: docker run --platform ${PLATFORM:-(none)} $IMAGE uname -m printed \"$actual\", expected \"$EXPECTED\" (exit $rc)${detail:+: $detail}"
fi
printf '{"target":%s,"image":%s,"platform":%s,"expected":%s,"actual":%s,"exitCode":%d,"ok":true,"native":%s,"detail":%s}\n' \
  "$(js "$TARGET")" "$(js "$IMAGE")" "$(js "$PLATFORM")" "$(js "$EXPECTED")" "$(js "$actual")" "$rc" "$NATIVE" "$(js "$detail")"
} </dev/null
