#!/usr/bin/env bash
# The lab: real Linux test hosts on this machine (systemd-nspawn machines with
# systemd, sshd, dockerd and a private binfmt_misc each; optionally "plain"
# hosts without systemd), on a private bridge, offline.
#
#   npm run lab -- prepare [--suite S]...   build the caches only (rootfs, apt repo, images)
#   npm run lab -- up [--hosts N] [--suite S]... [--plain N] [--prefix P] [--fresh] [--noapt]
#   npm run lab -- status [--json]
#   npm run lab -- reboot HOST
#   npm run lab -- down [--purge] [HOST...]
#
# `up` and `status --json` print the connection info as JSON on stdout (schema
# in dev/lab/README.md); logs and step timings go to stderr.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$LAB_DIR/lib/common.sh"
# shellcheck source=lib/rootfs.sh
source "$LAB_DIR/lib/rootfs.sh"
# shellcheck source=lib/net.sh
source "$LAB_DIR/lib/net.sh"
# shellcheck source=lib/hosts.sh
source "$LAB_DIR/lib/hosts.sh"

SERVICES_SH="$LAB_DIR/services.sh"
SERVICES_STATE="$LAB_SERVICES_RUN"
DEFAULT_SUITES=(bookworm trixie)
SUPPORTED_SUITES=" bookworm trixie "

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

write_hosts_json() { lab_json >"$LAB_RUN/hosts.json.tmp" && mv "$LAB_RUN/hosts.json.tmp" "$LAB_RUN/hosts.json"; }

# ---------------------------------------------------------------------------
# Services (dev/lab/services.sh, owned by another engineer): apt repo + registry.
# ---------------------------------------------------------------------------
services_up() {
  local gw=$1; shift
  if [ ! -f "$SERVICES_SH" ]; then
    warn "$SERVICES_SH missing: hosts get no apt repo and no registry"
    rm -f "$SERVICES_STATE/services.json"
    return 0
  fi
  local -a args=() s
  for s in "$@"; do args+=(--suite "$s"); done
  bash "$SERVICES_SH" prepare "${args[@]}" </dev/null >&2 9>&- || die "services.sh prepare failed"
  mkdir -p "$SERVICES_STATE"
  # Another cache's services listen on free ports (unless given), beside the default ones.
  local -a ports=()
  [ "$SERVICES_STATE" = "$LAB_RUN/services" ] || ports=(--free-ports)
  local json
  # start is idempotent (same answer when already running). Its daemons must
  # not inherit our stdout or the lock (9>&-): it starts them with setsid and
  # redirects their output itself.
  json=$(bash "$SERVICES_SH" start --address "$gw" --state "$SERVICES_STATE" "${ports[@]}" </dev/null 9>&- | tail -n 1) ||
    die "services.sh start failed"
  jq -e 'has("apt") and has("registry")' <<<"$json" >/dev/null 2>&1 || die "services.sh start printed no JSON: $json"
  echo "$json" >"$SERVICES_STATE/services.json"
}

# services_down [STATE...]: stop the services of these state dirs (default: this cache's).
services_down() {
  local state
  for state in "${@:-$SERVICES_STATE}"; do
    [ -d "$state" ] || continue
    if [ -f "$SERVICES_SH" ]; then
      bash "$SERVICES_SH" stop --state "$state" </dev/null >&2 9>&- || warn "services.sh stop failed ($state)"
    fi
    rm -rf "$state"
  done
}

# Another cache's services go with the last running host that uses them (the default
# cache's stay until `down` without names, as before).
services_down_if_unused() {
  [ "$SERVICES_STATE" != "$LAB_RUN/services" ] || return 0
  local n
  for n in $(running_hosts); do
    [ "$(host_get "$n" '.services // ""')" = "$SERVICES_STATE" ] && return 0
  done
  services_down
}

# The common start of `prepare` and `up`: take the lab lock (held until exit),
# make sure the machine has what the lab needs, reap a killed run's leftovers,
# and have a rootfs cached for each SUITE.
lock_and_ready_caches() {
  step "lock (another lab.sh may hold it)"
  lab_lock
  step "machine dependencies"
  ensure_machine_deps
  mkdir -p "$LAB_RUN" "$HOSTS_RUN" "$LAB_VAR/hosts"
  step "reap stale state"
  reap_stale
  step "rootfs cache"
  local s
  for s in "$@"; do ensure_rootfs "$s"; done
  ensure_lab_key
}

# ---------------------------------------------------------------------------
# prepare: the caches every later `up` needs (rootfs per suite, the services'
# apt repos and images), without starting anything. `npm test` runs it once so
# that tests only boot hosts.
# ---------------------------------------------------------------------------
cmd_prepare() {
  local -a suites=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --suite) suites+=("${2:?--suite needs a value}"); shift 2 ;;
      -h | --help) usage ;;
      *) die "prepare: unknown argument '$1'" ;;
    esac
  done
  [ ${#suites[@]} -gt 0 ] || suites=("${DEFAULT_SUITES[@]}")
  local s
  for s in "${suites[@]}"; do
    [[ $SUPPORTED_SUITES == *" $s "* ]] || die "suite '$s' not supported (one of:$SUPPORTED_SUITES)"
  done
  lock_and_ready_caches "${suites[@]}"
  if [ -f "$SERVICES_SH" ]; then
    step "services caches (dev/lab/services.sh prepare)"
    local -a args=()
    for s in "${suites[@]}"; do args+=(--suite "$s"); done
    bash "$SERVICES_SH" prepare "${args[@]}" </dev/null >&2 9>&- || die "services.sh prepare failed"
  fi
  step "prepared"
}

# ---------------------------------------------------------------------------
# up
# ---------------------------------------------------------------------------
# The lowest free address in .10-.250 among recorded hosts (stale records
# were reaped first; KEEP: name whose current address may be reused).
alloc_address() {
  local prefix=$1 keep=$2 used="" n i
  for n in $(recorded_hosts); do
    [ "$n" = "$keep" ] && continue
    used+=" $(host_get "$n" .address) "
  done
  if [ -n "$keep" ] && [ -f "$(host_spec "$keep")" ]; then
    local a; a=$(host_get "$keep" .address)
    if [[ $a == "$prefix".* ]] && [[ $used != *" $a "* ]]; then echo "$a"; return 0; fi
  fi
  for ((i = 10; i <= 250; i++)); do
    [[ $used == *" $prefix.$i "* ]] || { echo "$prefix.$i"; return 0; }
  done
  die "no free address left in $prefix.0/24"
}

cmd_up() {
  local nhosts=2 nplain=0 prefix=lab fresh=0 noapt=false
  local -a suites=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --hosts) nhosts=${2:?--hosts needs a number}; shift 2 ;;
      --suite) suites+=("${2:?--suite needs a value}"); shift 2 ;;
      --plain) nplain=${2:?--plain needs a number}; shift 2 ;;
      --prefix) prefix=${2:?--prefix needs a value}; shift 2 ;;
      --fresh) fresh=1; shift ;;
      --noapt) noapt=true; shift ;;
      -h | --help) usage ;;
      *) die "up: unknown argument '$1' (see dev/lab/README.md)" ;;
    esac
  done
  [[ $nhosts =~ ^[0-9]+$ ]] && [ "$nhosts" -le 50 ] || die "--hosts must be a number 0-50"
  [[ $nplain =~ ^[0-9]+$ ]] && [ "$nplain" -le 20 ] || die "--plain must be a number 0-20"
  # Names end up in interface names (15 chars max): keep prefixes short.
  [[ $prefix =~ ^[a-z][a-z0-9]{0,7}$ ]] || die "--prefix must be 1-8 of [a-z0-9], starting with a letter"
  [ ${#suites[@]} -gt 0 ] || suites=("${DEFAULT_SUITES[@]}")
  local s
  for s in "${suites[@]}"; do
    [[ $SUPPORTED_SUITES == *" $s "* ]] || die "suite '$s' not supported (one of:$SUPPORTED_SUITES)"
  done

  # Desired hosts: NAME SUITE INIT. Suites cycle over --suite values.
  local -a want=()
  local i
  for ((i = 0; i < nhosts; i++)); do want+=("$prefix$((i + 1)) ${suites[i % ${#suites[@]}]} systemd"); done
  for ((i = 0; i < nplain; i++)); do want+=("${prefix}p$((i + 1)) ${suites[i % ${#suites[@]}]} none"); done
  local -a need_suites
  mapfile -t need_suites < <(for w in "${want[@]}"; do echo "$w" | cut -d' ' -f2; done | sort -u)

  lock_and_ready_caches "${need_suites[@]}"
  step "bridge"
  local gw; gw=$(ensure_bridge)
  local subnet=${gw%.1}
  step "services (dev/lab/services.sh)"
  services_up "$gw" "${need_suites[@]}"

  step "stop hosts no longer wanted"
  local n w name suite init
  local -a unwanted=()
  for n in $(running_hosts); do
    [ "$(host_get "$n" .prefix)" = "$prefix" ] || continue
    local wanted=0
    for w in "${want[@]}"; do [ "${w%% *}" = "$n" ] && wanted=1; done
    [ $wanted = 1 ] || { log "stopping $n (not in this spec)"; unwanted+=("$n"); }
  done
  [ ${#unwanted[@]} -eq 0 ] || stop_hosts "${unwanted[@]}"

  step "stop hosts to restart"
  # Which hosts keep running, which (re)start; restarts shut down in parallel.
  local -a started=() restart=()
  for w in "${want[@]}"; do
    read -r name suite init <<<"$w"
    if host_running "$name"; then
      local p; p=$(host_get "$name" .prefix)
      [ "$p" = "$prefix" ] || die "host $name already runs for prefix '$p'"
      if [ $fresh = 0 ] && [ "$(host_get "$name" .suite)" = "$suite" ] && [ "$(host_get "$name" .init)" = "$init" ] &&
        [ "$(host_get "$name" .rootfsId)" = "$(rootfs_id "$suite")" ] && [ "$(host_get "$name" '.noapt // false')" = "$noapt" ]; then
        log "$name: already running ($suite, init=$init), left alone"
        continue
      fi
      log "$name: restarting (spec changed or --fresh)"
      restart+=("$name")
    fi
    started+=("$w")
  done
  [ ${#restart[@]} -eq 0 ] || stop_hosts "${restart[@]}"
  local -a names=() jobs=()
  for w in "${started[@]}"; do
    read -r name suite init <<<"$w"
    local address; address=$(alloc_address "$subnet" "$name")
    [ $fresh = 1 ] && wipe_host_dir "$name"
    write_spec "$name" "$prefix" "$suite" "$init" "$address" "$gw" "$noapt"
    names+=("$name")
  done
  step "prepare hosts (keys, network, apt/docker config)"
  # Per-host files (host key, network, services' apt/docker config): in
  # parallel, each in its own throwaway mount namespace.
  for name in "${names[@]}"; do
    prepare_host "$name" &
    jobs+=($!)
  done
  local j failed=0
  for j in "${jobs[@]}"; do wait "$j" || failed=1; done
  [ $failed = 0 ] || die "preparing hosts failed (see above)"
  step "launch hosts"
  for name in "${names[@]}"; do
    launch_host "$name"
    log "$name: booting ($(host_get "$name" .suite), init=$(host_get "$name" .init), $(host_get "$name" .address))"
  done
  step "wait for hosts (sshd, systemd, docker)"
  for name in "${names[@]}"; do
    wait_ready "$name"
    log "$name: ready"
  done
  write_hosts_json
  step_total "up"
  cat "$LAB_RUN/hosts.json"
}

# ---------------------------------------------------------------------------
# down / reboot / status
# ---------------------------------------------------------------------------
cmd_down() {
  local purge=0
  local -a names=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --purge) purge=1; shift ;;
      -h | --help) usage ;;
      -*) die "down: unknown option '$1'" ;;
      *) names+=("$1"); shift ;;
    esac
  done
  if [ ! -d "$LAB_RUN" ] && [ $purge = 0 ] && ! ip link show "$LAB_BRIDGE" >/dev/null 2>&1; then
    log "nothing to do: no lab state in $LAB_RUN"
    return 0
  fi
  step "lock"
  lab_lock
  local n
  if [ ${#names[@]} -gt 0 ]; then
    local -a known=()
    for n in "${names[@]}"; do
      if [ -f "$(host_spec "$n")" ]; then known+=("$n"); else warn "no host named $n"; fi
    done
    step "stop ${known[*]}"
    [ ${#known[@]} -eq 0 ] || stop_hosts "${known[@]}"
    if [ $purge = 1 ]; then for n in "${names[@]}"; do rm -rf "${LAB_VAR:?}/hosts/$n"; done; fi
    services_down_if_unused
    write_hosts_json
    step_total "down ${names[*]}"
    return 0
  fi
  step "stop hosts and services"
  local -a all
  mapfile -t all < <(recorded_hosts)
  # Hosts power off in parallel, and meanwhile the services stop.
  for n in "${all[@]}"; do signal_host "$n"; done
  local -a states=()
  mapfile -t states < <(find "$LAB_RUN" -maxdepth 1 -type d -name 'services*' | sort)
  [ ${#states[@]} -eq 0 ] || services_down "${states[@]}"
  for n in "${all[@]}"; do finish_stop "$n"; done
  step "remove bridge"
  remove_bridge
  [ $purge = 1 ] && { log "purging $LAB_VAR/hosts"; rm -rf "${LAB_VAR:?}/hosts"; }
  # The lock file goes too: nothing of the lab stays in /run.
  rm -rf "${LAB_RUN:?}"
  step_total "down"
}

cmd_reboot() {
  local name=${1:-}
  [ -n "$name" ] || die "usage: lab.sh reboot HOST"
  lab_lock
  host_running "$name" || die "host $name is not running"
  step "poweroff $name"
  local f; f=$(host_spec "$name")
  # Keep the record (address, keys) across the reboot: stop_host clears it.
  local saved; saved=$(jq '.pid=null | .pidStart=null | .leaderPid=null | .leaderStart=null' "$f")
  stop_host "$name"
  step "boot $name"
  echo "$saved" >"$f"
  echo "$(jq -r .address "$f") $(jq -r .hostPublicKey "$f")" >"$HOSTS_RUN/$name.known_hosts"
  launch_host "$name"
  wait_ready "$name"
  write_hosts_json
  step_total "reboot $name"
}

cmd_status() {
  local json=0
  case "${1:-}" in --json) json=1 ;; "") ;; *) die "status: unknown argument '$1'" ;; esac
  if [ $json = 1 ]; then lab_json; return 0; fi
  local out; out=$(lab_json)
  if [ "$(jq '.hosts | length' <<<"$out")" = 0 ]; then echo "lab: no hosts running"; return 0; fi
  echo "gateway $(jq -r .gateway <<<"$out")  services $(jq -c .services <<<"$out")"
  jq -r '.hosts[] | "\(.name)\t\(.suite)\t\(.init)\t\(.address)"' <<<"$out"
}

cmd=${1:-}
shift || true
case "$cmd" in
  prepare) cmd_prepare "$@" ;;
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status "$@" ;;
  reboot) cmd_reboot "$@" ;;
  *) usage ;;
esac
