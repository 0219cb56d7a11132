{
LABEL='builder-1 (root@10.0.0.21:22)'
TARGET='aarch64'
IMAGE='arm64v8/busybox'
PLATFORM='linux/arm64'
EXPECTED='aarch64'
TIMEOUT='300'
NATIVE='false'
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
# --- check.sh
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
