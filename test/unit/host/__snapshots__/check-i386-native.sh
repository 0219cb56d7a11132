{
LABEL='builder-1 (root@10.0.0.21:22)'
TARGET='i386'
IMAGE='i386/busybox'
PLATFORM='linux/386'
EXPECTED='i686'
TIMEOUT='300'
NATIVE='true'
REQUESTED='i386'
CHECK_CPU=''
ISA_LEVEL=''
RUN_AS=''
DOCKER_URI=''
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
if [ -n "$RUN_AS" ]; then
  command -v runuser >/dev/null 2>&1 || fail "acceptance check for target $TARGET: acceptance.runAs $RUN_AS needs runuser (util-linux) on the host"
  uid=$(id -u "$RUN_AS" 2>/dev/null) || fail "acceptance check for target $TARGET: acceptance.runAs: no user $RUN_AS on this host"
  home=$(getent passwd "$RUN_AS" | cut -d: -f6)
  [ "$(id -u)" = 0 ] || fail "acceptance check for target $TARGET: acceptance.runAs $RUN_AS needs root (log in as root or with passwordless sudo)"
fi
dk() {
  t=$1; shift
  set -- docker "$@"
  if [ -n "$DOCKER_URI" ]; then set -- env DOCKER_HOST="$DOCKER_URI" "$@"; fi
  if [ -n "$RUN_AS" ]; then set -- runuser -u "$RUN_AS" -- env HOME="$home" XDG_RUNTIME_DIR="/run/user/$uid" "$@"; fi
  timeout "$t" "$@"
}
as_who="${RUN_AS:+ as $RUN_AS}${DOCKER_URI:+ on $DOCKER_URI}"
asked=""
[ -n "$REQUESTED" ] && [ "$REQUESTED" != "$TARGET" ] && asked=" (requested as $REQUESTED)"
if [ "$NATIVE" = true ]; then
  EXPECTED=$(uname -m)
  also=""
  [ "$EXPECTED" = aarch64 ] && also=armv8l
else
  also=""
fi
run() {
  set -- "$IMAGE" "$@"
  [ -n "$CHECK_CPU" ] && set -- -e "QEMU_CPU=$CHECK_CPU" "$@"
  [ -n "$PLATFORM" ] && set -- --platform "$PLATFORM" "$@"
  dk "$TIMEOUT" run --rm "$@"
}
out=$(mktemp); err=$(mktemp)
rc=0
run uname -m >"$out" 2>"$err" || rc=$?
if [ "$rc" -ne 0 ] && ! info=$(dk 30 version --format '{{.Server.Version}}' 2>&1 </dev/null); then
  rm -f "$out" "$err"
  case "$info" in
    *"permission denied"*)
      fail "acceptance check for target $TARGET: the docker daemon refused the check's user$as_who (docker version: $(printf '%s' "$info" | grep -v '^[[:space:]]*$' | tail -n 1)). Give ${RUN_AS:-the login user} access to that daemon (the docker group, or its own rootless daemon: acceptance.dockerHost), or change acceptance.runAs" ;;
  esac
  fail "acceptance check for target $TARGET: docker is not running on this host$as_who (docker version: $(printf '%s' "$info" | grep -v '^[[:space:]]*$' | tail -n 1)). The binfmt_misc rules stay registered; start the daemon (systemctl start docker) and run pulumi up again"
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
  fail "acceptance check failed for target $TARGET$asked: docker run --platform ${PLATFORM:-(none)}${CHECK_CPU:+ -e QEMU_CPU=$CHECK_CPU} $IMAGE uname -m$as_who printed \"$actual\", expected \"$EXPECTED\" (exit $rc)${detail:+: $detail}"
fi
if [ -n "$ISA_LEVEL" ]; then
  lrc=0
  levels=$(run /lib64/ld-linux-x86-64.so.2 --help 2>&1) || lrc=$?
  if ! printf '%s\n' "$levels" | grep -q "^[[:space:]]*$ISA_LEVEL (supported"; then
    case "$levels" in
      *"$ISA_LEVEL"*) fail "acceptance check failed for target $TARGET$asked: the emulated CPU does not support $ISA_LEVEL, so programs built for it stop (\"CPU does not support $ISA_LEVEL\"): $IMAGE's /lib64/ld-linux-x86-64.so.2 --help$as_who lists $(printf '%s\n' "$levels" | grep "x86-64-v" | tr -s ' \n' ' '). A newer QEMU emulates more (x86-64-v2 and v3 need QEMU 7.2 or later), or request plain x86_64" ;;
    esac
    fail "acceptance check failed for target $TARGET$asked: cannot tell whether $ISA_LEVEL runs: $IMAGE /lib64/ld-linux-x86-64.so.2 --help$as_who (exit $lrc) listed no $ISA_LEVEL line: $(printf '%s\n' "$levels" | grep -v '^[[:space:]]*$' | tail -n 2 | tr '\n' ' ')(the image needs glibc 2.33 or later at the psABI loader path; set acceptance.images for $TARGET)"
  fi
fi
printf '{"target":%s,"image":%s,"platform":%s,"expected":%s,"actual":%s,"exitCode":%d,"ok":true,"native":%s,"detail":%s}\n' \
  "$(js "$TARGET")" "$(js "$IMAGE")" "$(js "$PLATFORM")" "$(js "$EXPECTED")" "$(js "$actual")" "$rc" "$NATIVE" "$(js "$detail")"
} </dev/null
