# shellcheck shell=bash
# shellcheck disable=SC2154,SC2016 # H_*/spec fields are set by eval of jq @sh; jq filters are single-quoted
# Lab hosts: start, stop, readiness, stale-state reaping, status JSON.
#
# A host's record is $LAB_RUN/hosts/NAME.json; its disk state (overlay upper
# and work dirs, /var/lib/docker, console log) is $LAB_VAR/hosts/NAME/.
# The overlay is only ever mounted inside the host's own mount namespace
# (lib/host-root.sh), so no mount can outlive the host's processes.

HOSTS_RUN="$LAB_RUN/hosts"
LAB_KEY="$LAB_VAR/ssh/id_ed25519"

host_spec() { echo "$HOSTS_RUN/$1.json"; }
host_get() { jq -r "$2" "$(host_spec "$1")"; }
# load_host NAME — the record's fields as shell variables H_<field>, with one
# jq run (jq costs ~50 ms a call on a loaded machine; this is the hot path).
load_host() {
  eval "$(jq -r '@sh "H_name=\(.name) H_suite=\(.suite) H_init=\(.init) H_address=\(.address) H_log=\(.log) H_veth=\(.veth) H_hostDir=\(.hostDir) H_pid=\(.pid // "") H_pidStart=\(.pidStart // "")"' "$(host_spec "$1")")"
}
# host_set NAME JQ_FILTER ARGS... — update the record in place.
host_set() {
  local f; f=$(host_spec "$1"); shift
  local tmp="$f.tmp"
  jq "$@" "$f" >"$tmp" && mv "$tmp" "$f"
}

host_running() { # NAME -> true when its recorded launcher process lives
  local f pid start; f=$(host_spec "$1")
  [ -f "$f" ] || return 1
  read -r pid start < <(jq -r '"\(.pid // "-") \(.pidStart // "-")"' "$f")
  proc_alive "$pid" "$start"
}

recorded_hosts() { # names of every recorded host, sorted
  local f
  for f in "$HOSTS_RUN"/*.json; do
    [ -f "$f" ] && basename "$f" .json
  done | sort
}

running_hosts() {
  local n
  for n in $(recorded_hosts); do host_running "$n" && echo "$n"; done
  return 0
}

ensure_lab_key() {
  if [ ! -s "$LAB_KEY" ]; then
    mkdir -p "$(dirname "$LAB_KEY")"
    chmod 700 "$(dirname "$LAB_KEY")"
    log "generating the lab SSH key $LAB_KEY"
    ssh-keygen -q -t ed25519 -N '' -C pulumi-qemu-binfmt-lab -f "$LAB_KEY"
  fi
}

# The per-host cgroups a host's launcher enters before nspawn or unshare
# (cgroup_dirs_for in common.sh). Without them every nspawn host's systemd
# (and every plain host's dockerd) would manage the same cgroups at the
# machine's root (system.slice/docker.service, payload, ...), stepping on each
# other and leaving directories behind. `down` removes the subtree.
host_cgroup_dirs() { cgroup_dirs_for "$1"; }

# The host's MAC derived from its address (02:70 + the 4 octets): an address
# always comes back with the same MAC, so the machine's neighbour cache is
# never stale after a restart (a stale entry black-holes ssh for ~30 s).
mac_for() { local IFS=.; local -a o; read -r -a o <<<"$1"; printf '02:70:%02x:%02x:%02x:%02x\n' "${o[@]}"; }

veth_name() { local v="vp-$1"; echo "${v:0:15}"; }

# ---------------------------------------------------------------------------
# Starting
# ---------------------------------------------------------------------------

# write_spec NAME PREFIX SUITE INIT ADDRESS GATEWAY [NOAPT]
write_spec() {
  local name=$1 prefix=$2 suite=$3 init=$4 address=$5 gateway=$6 noapt=${7:-false}
  local hostdir="$LAB_VAR/hosts/$name"
  mkdir -p "$HOSTS_RUN" "$hostdir"
  local -a cgroups=()
  mapfile -t cgroups < <(host_cgroup_dirs "$name")
  jq -n --arg name "$name" --arg prefix "$prefix" --arg suite "$suite" --arg init "$init" \
    --arg address "$address" --arg gateway "$gateway" --arg hostDir "$hostdir" \
    --arg lower "$(rootfs_dir "$suite")" --arg rootfsId "$(rootfs_id "$suite")" \
    --arg publicKey "$(cat "$LAB_KEY.pub")" --arg fifo "$HOSTS_RUN/$name.fifo" \
    --arg log "$hostdir/console.log" --arg veth "$(veth_name "$name")" --argjson noapt "$noapt" \
    --arg services "$LAB_SERVICES_RUN" \
    --args '{name:$name, prefix:$prefix, suite:$suite, init:$init, noapt:$noapt, address:$address,
      gateway:$gateway, hostDir:$hostDir, lower:$lower, rootfsId:$rootfsId, services:$services,
      publicKey:$publicKey, fifo:$fifo, log:$log, veth:$veth, cgroups:$ARGS.positional,
      pid:null, pidStart:null, leaderPid:null, leaderStart:null}' \
    "${cgroups[@]}" >"$(host_spec "$name")"
}

# Wipe a host's disk state (overlay upper/work, docker data): --fresh, or a
# host whose upper dir was made on another suite.
wipe_host_dir() {
  local d="$LAB_VAR/hosts/$1"
  rm -rf "$d/upper" "$d/work" "$d/docker" "$d/merged" "$d/suite"
}

# prepare_host NAME — per-host files into the overlay (in a throwaway mount ns).
prepare_host() {
  local name=$1 hostdir suite
  load_host "$name"
  hostdir=$H_hostDir suite=$H_suite
  if [ -f "$hostdir/suite" ] && [ "$(cat "$hostdir/suite")" != "$suite" ]; then
    log "$name: disk state was made for $(cat "$hostdir/suite"), wiping it"
    wipe_host_dir "$name"
  fi
  mkdir -p "$hostdir"
  echo "$suite" >"$hostdir/suite"
  unshare -m --propagation private bash "$LAB_DIR/lib/host-root.sh" prepare "$(host_spec "$name")" 9>&- ||
    die "$name: preparing its root failed"
  local pub
  pub=$(cut -d' ' -f1,2 "$hostdir/upper/etc/ssh/ssh_host_ed25519_key.pub")
  host_set "$name" '.hostPublicKey=$k' --arg k "$pub"
  echo "$H_address $pub" >"$HOSTS_RUN/$name.known_hosts"
}

# launch_host NAME — start the host's processes; returns once they run.
launch_host() {
  local name=$1 init log pid
  load_host "$name"
  init=$H_init log=$H_log
  local fifo="$HOSTS_RUN/$name.fifo"
  # Hosts keep their MAC per address (mac_for), but an entry learnt from an
  # older lab run may still be cached.
  ip neigh flush to "$H_address" dev "$LAB_BRIDGE" 2>/dev/null || true
  rm -f "$fifo"
  [ "$init" = none ] && mkfifo -m 600 "$fifo"
  echo "=== $(date -u +%FT%TZ) boot" >>"$log"
  # setsid: own session, immune to the caller's terminal signals; no fd of
  # ours (stdout pipe, lock fd 9) may stay open in it, or callers that wait
  # for our stdout to close would hang. Same PID all along (exec chain).
  local mode=nspawn
  [ "$init" = none ] && mode=plain
  setsid unshare -m --propagation private \
    bash "$LAB_DIR/lib/host-root.sh" "$mode" "$(host_spec "$name")" </dev/null >>"$log" 2>&1 9>&- &
  pid=$!
  local start=""
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    start=$(proc_start "$pid")
    [ -n "$start" ] && break
    sleep 0.05
  done
  [ -n "$start" ] || die "$name: launcher exited at once (log: $log)"$'\n'"$(tail -n 20 "$log")"
  host_set "$name" '.pid=($p|tonumber) | .pidStart=$s' --arg p "$pid" --arg s "$start"
  H_pid=$pid H_pidStart=$start
  if [ "$init" = none ]; then plain_handshake "$name" "$pid"; fi
}

# Plain host: its unshare (PID) sits in new namespaces, its child (the host's
# PID 1) waits on the fifo. Write the id maps, plug the network, release it.
plain_handshake() {
  local name=$1 pid=$2 i
  local self_ns; self_ns=$(readlink /proc/self/ns/user)
  for ((i = 0; i < 100; i++)); do
    local ns; ns=$(readlink "/proc/$pid/ns/user" 2>/dev/null || true)
    [ -n "$ns" ] && [ "$ns" != "$self_ns" ] && [ -n "$(first_child "$pid")" ] && break
    proc_alive "$pid" "$H_pidStart" || die "$name: plain host died during start (log: $H_log)"
    sleep 0.05
  done
  [ "$i" -lt 100 ] || die "$name: plain host did not enter its namespaces"
  # util-linux's --map-users needs /etc/subuid; as root we write the maps.
  echo '0 0 65536' >"/proc/$pid/uid_map"
  echo '0 0 65536' >"/proc/$pid/gid_map"
  local veth address
  veth=$H_veth address=$H_address
  ip link del "$veth" 2>/dev/null || true
  ip link add "$veth" type veth peer name host0 address "$(mac_for "$address")" netns "$pid"
  ip link set "$veth" master "$LAB_BRIDGE" up
  nsenter -t "$pid" -n sh -c "ip link set lo up && ip addr add $address/24 dev host0 && ip link set host0 up"
  echo go >"$HOSTS_RUN/$name.fifo"
  rm -f "$HOSTS_RUN/$name.fifo"
}

ssh_host() { # NAME USER COMMAND... — ssh with the lab key and the pinned host key
  local name=$1 user=$2 address; shift 2
  address=$(awk '{print $1; exit}' "$HOSTS_RUN/$name.known_hosts")
  ssh -i "$LAB_KEY" -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=3 \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$HOSTS_RUN/$name.known_hosts" \
    -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR \
    "$user@$address" "$@"
}

# wait_ready NAME — sshd answers with the pinned key, boot finished, docker up.
wait_ready() {
  local name=$1 init deadline log
  load_host "$name"
  init=$H_init log=$H_log
  deadline=$((SECONDS + ${LAB_BOOT_TIMEOUT:-120}))
  until ssh_host "$name" root true </dev/null >/dev/null 2>&1; do
    if ! proc_alive "$H_pid" "$H_pidStart"; then
      tail -n 30 "$log" >&2
      die "$name: host stopped while booting (log: $log)"
    fi
    [ $SECONDS -lt "$deadline" ] || { tail -n 30 "$log" >&2; die "$name: sshd did not answer in time (log: $log)"; }
    sleep 0.3
  done
  # The leader (the host's PID 1, seen from the machine): recorded so that a
  # later run can end it even if its launcher was killed.
  local leader; leader=$(first_child "$H_pid")
  [ -n "$leader" ] && host_set "$name" '.leaderPid=($p|tonumber) | .leaderStart=$s' --arg p "$leader" --arg s "$(proc_start "$leader")"
  local script='for i in $(seq 1 150); do docker info >/dev/null 2>&1 && exit 0; sleep 0.2; done; echo "docker info failed" >&2; exit 1'
  if [ "$init" = systemd ]; then
    script="state=\$(timeout 90 systemctl is-system-running --wait 2>/dev/null || true); case \"\$state\" in running|degraded) ;; *) echo \"systemd state: \$state\" >&2; exit 1 ;; esac; $script"
  fi
  ssh_host "$name" root "$script" </dev/null >&2 || die "$name: not ready (see above; log: $log)"
}

# ---------------------------------------------------------------------------
# Stopping and reaping
# ---------------------------------------------------------------------------

# Everything a host leaves on the machine once its processes are gone.
cleanup_host_leftovers() {
  local name=$1 f veth
  f=$(host_spec "$name")
  veth=$(jq -r '.veth // empty' "$f")
  if [ -n "$veth" ] && ip link show "$veth" >/dev/null 2>&1; then ip link del "$veth" 2>/dev/null || true; fi
  local cg
  for cg in $(jq -r '.cgroups[]? // empty' "$f"); do remove_cgroup_tree "$cg"; done
  # nspawn leaves an empty propagation directory per machine name.
  rmdir "/run/systemd/nspawn/propagate/$name" 2>/dev/null || true
  rm -f "$f" "$f.tmp" "$HOSTS_RUN/$name.fifo" "$HOSTS_RUN/$name.known_hosts"
}

# signal_host NAME — ask a host to shut down cleanly (returns at once).
signal_host() {
  local f init pid start
  f=$(host_spec "$1")
  [ -f "$f" ] || return 0
  read -r init pid start < <(jq -r '"\(.init) \(.pid // "") \(.pidStart // "")"' "$f")
  proc_alive "$pid" "$start" || return 0
  if [ "$init" = systemd ]; then
    # SIGTERM to systemd-nspawn = clean poweroff of the container.
    kill_recorded "$pid" "$start" TERM
  else
    # The plain init stops dockerd and sshd on SIGTERM, then exits.
    local child; child=$(first_child "$pid")
    if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null || true; else kill_recorded "$pid" "$start" TERM; fi
  fi
}

# finish_stop NAME — wait for a signalled host, force it if needed, clean up.
finish_stop() {
  local name=$1 f pid start leader lstart
  f=$(host_spec "$name")
  [ -f "$f" ] || return 0
  read -r pid start leader lstart < <(jq -r '"\(.pid // "-") \(.pidStart // "-") \(.leaderPid // "-") \(.leaderStart // "-")"' "$f")
  if proc_alive "$pid" "$start" && ! wait_gone "$pid" "$start" "${LAB_STOP_TIMEOUT:-30}"; then
    warn "$name: no clean shutdown in time, killing it"
    kill_recorded "$leader" "$lstart" KILL
    kill_recorded "$pid" "$start" KILL
    wait_gone "$pid" "$start" 10 || warn "$name: process $pid survives SIGKILL"
  fi
  # The launcher may be gone while the host's PID 1 survived it.
  if proc_alive "$leader" "$lstart"; then
    kill_recorded "$leader" "$lstart" KILL
    wait_gone "$leader" "$lstart" 10 || true
  fi
  cleanup_host_leftovers "$name"
}

# stop_hosts NAME... — shut hosts down in parallel; always clears their records.
stop_hosts() {
  local n
  for n in "$@"; do signal_host "$n"; done
  for n in "$@"; do finish_stop "$n"; done
}
stop_host() { stop_hosts "$1"; }

# Records whose processes died (killed session, crashed host): end whatever
# of them survives (by recorded PID + start time) and clear what they left.
reap_stale() {
  local n f
  for n in $(recorded_hosts); do
    host_running "$n" && continue
    f=$(host_spec "$n")
    log "reaping stale host $n (its processes are gone)"
    local leader lstart
    leader=$(jq -r '.leaderPid // empty' "$f") lstart=$(jq -r '.leaderStart // empty' "$f")
    if proc_alive "$leader" "$lstart"; then
      kill_recorded "$leader" "$lstart" KILL
      wait_gone "$leader" "$lstart" 10 || true
    fi
    cleanup_host_leftovers "$n"
  done
}

# ---------------------------------------------------------------------------
# Status
# ---------------------------------------------------------------------------
lab_json() {
  local gw="" services='{}' n
  [ -f "$LAB_RUN/net.json" ] && gw=$(jq -r .gateway "$LAB_RUN/net.json")
  [ -f "$LAB_SERVICES_RUN/services.json" ] && services=$(cat "$LAB_SERVICES_RUN/services.json")
  local -a files=()
  for n in $(running_hosts); do files+=("$(host_spec "$n")"); done
  local hosts='[]'
  if [ ${#files[@]} -gt 0 ]; then
    hosts=$(jq -s --arg key "$LAB_KEY" '[.[] | {name, suite, init, noapt: (.noapt // false), address, port: 22,
      users: {root: "root", sudo: "builder"}, privateKeyPath: $key,
      hostPublicKey, hostKeyType: (.hostPublicKey | split(" ")[0])}]' "${files[@]}")
  fi
  jq -n --arg gw "$gw" --argjson services "$services" --argjson hosts "$hosts" \
    '{gateway: (if $gw == "" then null else $gw end), services: $services, hosts: $hosts}'
}
