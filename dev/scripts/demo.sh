#!/usr/bin/env bash
# npm run demo — the "Jetson Containers" article's story, for real, on a lab host of this machine:
#   1. start a Debian host (systemd, sshd, dockerd) and show the failing test:
#        docker run arm64v8/busybox uname -m   ->  exec format error
#   2. pulumi up of the demo stack (Pulumi.yaml, demo/index.ts) against it
#   3. show the passing test (aarch64, armv7l) and the stack outputs
#
#   npm run demo                 run it (re-running converges: the same stack is updated)
#   npm run demo -- --fresh      tear the stack and host down first, then run from scratch
#   npm run demo -- down         pulumi destroy + remove the stack, stop the lab host, remove its disk
#
# Environment: PQB_DEMO_SUITE=bookworm|trixie (default bookworm: Debian 12's qemu-user-static, the
# article's /usr/bin/qemu-*-static layout). PQB_DEMO_NAME (default demo: stack `demo`, lab host `demo1`,
# files in .state/demo) names another demo beside it: the cold demo test runs one as `cold`, with
# PQB_CACHE pointing at an empty directory. Needs root (the lab uses namespaces, a bridge and mounts).
# Installs what it needs: npm dependencies, the Pulumi toolchain, the lab. Details go to a log file.
set -euo pipefail

PQB_SCRIPT=demo
# shellcheck source=dev/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PQB_ROOT"

DEMO_NAME=${PQB_DEMO_NAME:-demo}
# The name is a lab prefix too (interface names: 1-8 of [a-z0-9]).
[[ $DEMO_NAME =~ ^[a-z][a-z0-9]{0,7}$ ]] || { echo "[demo] error: PQB_DEMO_NAME must be 1-8 of [a-z0-9], starting with a letter; got '$DEMO_NAME'" >&2; exit 2; }
STACK=$DEMO_NAME
PREFIX=$DEMO_NAME
HOST=${PREFIX}1
SUITE=${PQB_DEMO_SUITE:-bookworm}
DEMO_DIR=$PQB_ROOT/.state/$DEMO_NAME
LOG=$DEMO_DIR/demo.log
LAB_JSON=$DEMO_DIR/lab.json
KNOWN_HOSTS=$DEMO_DIR/known_hosts
# The demo program is type-checked by the examples test (tsc --noEmit); here ts-node only transpiles,
# which saves ~15 s per program run on a 2-core machine.
export PULUMI_NODEJS_TRANSPILE_ONLY=true
# Plain text in the log (node colours stack traces otherwise).
export NO_COLOR=1 FORCE_COLOR=0

say() { if [ $# -eq 0 ]; then echo >&2; else printf '[%s] %s\n' "$PQB_SCRIPT" "$*" >&2; fi; }
die() { say "error: $* (at $(pqb_caller))"; exit 1; }

# logged CMD...: run CMD with its output appended to the demo log (and to step's own capture, which
# step prints when CMD fails).
logged() {
  printf '\n$ %s\n' "$*" >>"$LOG"
  local rc=0
  "$@" 2>&1 | tee -a "$LOG" || rc=${PIPESTATUS[0]}
  return "$rc"
}

# --- the pieces ---------------------------------------------------------------------------------------

toolchain() {
  bash dev/toolchain/toolchain.sh
}

use_toolchain() {
  [ -f .toolchain/env.sh ] || die ".toolchain/env.sh missing after toolchain.sh"
  # shellcheck disable=SC1091
  source .toolchain/env.sh
  local backend=${PULUMI_BACKEND_URL#file://}
  [ "$backend" = "$PULUMI_BACKEND_URL" ] || mkdir -p "$backend"
}

lab_up() {
  local -a args=(up --hosts 1 --suite "$SUITE" --prefix "$PREFIX")
  [ "${1:-}" = fresh ] && args+=(--fresh)
  local rc=0
  printf '\n$ bash dev/lab/lab.sh %s\n' "${args[*]}" >>"$LOG"
  bash dev/lab/lab.sh "${args[@]}" >"$LAB_JSON.tmp" 2>"$DEMO_DIR/lab.stderr" || rc=$?
  tee -a "$LOG" <"$DEMO_DIR/lab.stderr"
  [ "$rc" = 0 ] || return "$rc"
  mv "$LAB_JSON.tmp" "$LAB_JSON"
}

# host_field JQ-PATH: a field of our host in the lab's JSON.
host_field() {
  jq -er --arg n "$HOST" ".hosts[] | select(.name == \$n) | $1" "$LAB_JSON"
}

read_host() {
  host_field .name >/dev/null || die "the lab's JSON has no host $HOST ($LAB_JSON)"
  ADDRESS=$(host_field .address)
  PORT=$(host_field .port)
  SSH_USER=$(host_field .users.sudo)
  KEY_PATH=$(host_field .privateKeyPath)
  HOST_KEY=$(host_field .hostPublicKey)
  if [ "$PORT" = 22 ]; then
    printf '%s %s\n' "$ADDRESS" "$HOST_KEY" >"$KNOWN_HOSTS"
  else
    printf '[%s]:%s %s\n' "$ADDRESS" "$PORT" "$HOST_KEY" >"$KNOWN_HOSTS"
  fi
}

# on_host CMD: run a shell command line on the host as the sudo user (in the docker group), host key
# pinned. Prints stdout and stderr merged.
on_host() {
  ssh -i "$KEY_PATH" -p "$PORT" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$KNOWN_HOSTS" -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 \
    -o LogLevel=ERROR "$SSH_USER@$ADDRESS" "$1" </dev/null 2>&1
}

# try_image IMAGE: "docker run IMAGE uname -m" on the host, as the "Jetson Containers" article runs it; sets RUN_OUT
# (last line, CR stripped) and RUN_RC. The platform-mismatch warning docker prints goes to stderr, so
# only stdout counts as the answer, stderr as the error.
try_image() {
  local out rc=0
  printf '\n$ ssh %s@%s docker run --rm %s uname -m\n' "$SSH_USER" "$ADDRESS" "$1" >>"$LOG"
  out=$(ssh -i "$KEY_PATH" -p "$PORT" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$KNOWN_HOSTS" -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 \
    -o LogLevel=ERROR "$SSH_USER@$ADDRESS" \
    "out=\$(docker run --rm $1 uname -m 2>/tmp/pqb-demo-run.err); rc=\$?; if [ \$rc = 0 ]; then echo \"\$out\"; else grep -v 'requested image.s platform' /tmp/pqb-demo-run.err | tail -n 1; fi; rm -f /tmp/pqb-demo-run.err; exit \$rc" \
    </dev/null 2>>"$LOG") || rc=$?
  printf '%s\n(exit %s)\n' "$out" "$rc" >>"$LOG"
  RUN_OUT=$(printf '%s' "$out" | tr -d '\r' | tail -n 1)
  RUN_RC=$rc
}

# The host's qemu-* binfmt_misc entries on one line, or "(none)".
qemu_entries() {
  local e
  e=$(on_host 'ls /proc/sys/fs/binfmt_misc 2>/dev/null | grep "^qemu-" | tr "\n" " "' || true)
  e=${e%"${e##*[! ]}"}
  printf '%s\n' "${e:-(none)}"
}

stack_exists() {
  pulumi stack ls --json 2>/dev/null | jq -e --arg s "$STACK" 'map(select(.name == $s)) | length > 0' >/dev/null
}

configure_stack() {
  pulumi stack select --create "$STACK"
  # Replace the host list as a whole (an earlier run may have left other entries).
  pulumi config rm --path hosts >/dev/null 2>&1 || true
  pulumi config set-all --path \
    --plaintext "hosts[0].name=$HOST" \
    --plaintext "hosts[0].address=$ADDRESS" \
    --plaintext "hosts[0].port=$PORT" \
    --plaintext "hosts[0].user=$SSH_USER" \
    --plaintext "hosts[0].hostKey=$HOST_KEY" \
    --plaintext "hosts[0].privateKeyPath=$KEY_PATH"
  pulumi config
}

stack_up() {
  # --skip-preview: the program runs once, not twice; the update itself prints every step.
  pulumi up --yes --skip-preview --stack "$STACK" --color never --suppress-progress
}

stack_destroy() {
  pulumi destroy --yes --stack "$STACK" --color never --suppress-progress
}

show_resource_summary() {
  # The "Resources:" block of the last update, e.g. "+ 14 created", "14 unchanged".
  awk '/^Resources:/ { on = 1; next } on && /^ *$/ { exit } on { sub(/^ +/, ""); print }' "$1" |
    while IFS= read -r line; do say "    $line"; done
}

show_outputs() {
  local json
  json=$(pulumi stack output --json --stack "$STACK")
  printf '\n$ pulumi stack output --json\n%s\n' "$json" >>"$LOG"
  # The per-host summaries the component writes for people, line by line.
  jq -r '.summaries // {} | to_entries[] | .value' <<<"$json" | while IFS= read -r line; do say "    $line"; done
}

# --- down ---------------------------------------------------------------------------------------------

teardown() {
  if [ -f .toolchain/env.sh ]; then
    use_toolchain
    if stack_exists; then
      if bash dev/lab/lab.sh status --json 2>/dev/null | jq -e --arg n "$HOST" '.hosts[] | select(.name == $n)' >/dev/null; then
        step "pulumi destroy (stack $STACK: unregister its binfmt entries, remove its binfmt.d files)" logged stack_destroy
      else
        say "host $HOST is not running: the stack's resources go without running their delete commands"
      fi
      step "remove stack $STACK" logged pulumi stack rm --yes --force "$STACK"
    fi
  fi
  if [ -d /run/pulumi-qemu-binfmt-lab ] || [ -f "$LAB_JSON" ]; then
    # --purge: the host's disk goes too, so the next run starts from a clean Debian again.
    step "stop lab host $HOST (and remove its disk)" logged bash dev/lab/lab.sh down --purge "$HOST"
  fi
  rm -f "$LAB_JSON" "$KNOWN_HOSTS"
}

# --- main ---------------------------------------------------------------------------------------------

mode=run
case "${1:-}" in
  "") ;;
  --fresh) mode=fresh ;;
  down) mode=down ;;
  -h | --help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (npm run demo [-- --fresh | -- down])" ;;
esac

[ "$(id -u)" = 0 ] || die "run as root: the lab's hosts are systemd-nspawn machines on a private bridge"
case "$SUITE" in bookworm | trixie) ;; *) die "PQB_DEMO_SUITE must be bookworm or trixie" ;; esac
mkdir -p "$DEMO_DIR"
: >"$LOG"
T0=$(now_ms)
say "details: $LOG"

if [ "$mode" = down ]; then
  teardown
  say "down: stack $STACK removed, host $HOST stopped ($(elapsed "$T0") s)"
  exit 0
fi

step "npm dependencies and build" logged ensure_node_modules
cd "$PQB_ROOT"
step "Pulumi toolchain (pulumi, nodejs language host, command provider)" logged toolchain
use_toolchain
if [ "$mode" = fresh ]; then
  teardown
  step "lab host $HOST (Debian $SUITE: systemd, sshd, dockerd; fresh disk)" lab_up fresh
else
  step "lab host $HOST (Debian $SUITE: systemd, sshd, dockerd)" lab_up
fi
read_host
say "host $HOST: $SSH_USER@$ADDRESS:$PORT (passwordless sudo), host key pinned, key $KEY_PATH"

say
say "The failing test (before): docker run arm64v8/busybox uname -m"
say "  binfmt_misc qemu entries: $(qemu_entries)"
try_image arm64v8/busybox
if [ "$RUN_RC" != 0 ]; then
  say "  -> $RUN_OUT (exit $RUN_RC): the kernel cannot run arm64 binaries yet"
elif [ "$RUN_OUT" = aarch64 ]; then
  say "  -> aarch64: this host already runs arm64 binaries (an earlier run, or a qemu package registering"
  say "     its formats at boot: see the entries above); pulumi up converges and owns qemu-arm, qemu-aarch64"
else
  say "  -> unexpected: '$RUN_OUT' (exit 0)"
fi

say
step "stack $STACK: config from the lab's JSON (host, user, host key, key path)" logged configure_stack
UP_LOG=$DEMO_DIR/up.log
up_and_copy() {
  local rc=0
  stack_up >"$UP_LOG" 2>&1 || rc=$?
  printf '\n$ pulumi up --yes --skip-preview --stack %s\n' "$STACK" >>"$LOG"
  cat "$UP_LOG" >>"$LOG"
  [ "$rc" = 0 ] || tail -n 40 "$UP_LOG"
  return "$rc"
}
step "pulumi up (install QEMU, write /etc/binfmt.d, register, docker acceptance check)" up_and_copy
show_resource_summary "$UP_LOG"

say
say "The passing test (after):"
for pair in arm64v8/busybox:aarch64 arm32v7/busybox:armv7l; do
  image=${pair%%:*} want=${pair##*:}
  try_image "$image"
  if [ "$RUN_RC" = 0 ] && [ "$RUN_OUT" = "$want" ]; then
    say "  docker run $image uname -m  ->  $RUN_OUT"
  else
    say "  docker run $image uname -m  ->  '$RUN_OUT' (exit $RUN_RC), expected $want"
    die "the passing test failed; see $LOG"
  fi
done
say "  binfmt_misc qemu entries: $(qemu_entries)"

say
say "Stack outputs (pulumi stack output --stack $STACK):"
show_outputs

say
say "done in $(elapsed "$T0") s. Look around, then clean up:"
say "  source .toolchain/env.sh && pulumi stack output --json      # everything the stack knows"
say "  ssh -i $KEY_PATH -o UserKnownHostsFile=$KNOWN_HOSTS $SSH_USER@$ADDRESS"
say "  npm run demo -- down       # pulumi destroy (entries, binfmt.d files), stack rm, lab host stop + disk"
