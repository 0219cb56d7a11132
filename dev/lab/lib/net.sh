# shellcheck shell=bash
# The lab bridge: one private /24 on the machine, gateway .1, hosts .10-.250.
# Services (dev/lab/services.sh) listen on the gateway address.

# Candidate /24s, first free one wins. Private ranges only; the machine's own
# network (192.0.2.0/24 here) and anything else in the routing table is avoided.
SUBNET_CANDIDATES=(10.213.7 10.213.8 10.231.7 172.29.213 192.168.213)

ip2int() { local IFS=.; local -a o; read -r -a o <<<"$1"; echo $(((o[0] << 24) + (o[1] << 16) + (o[2] << 8) + o[3])); }

# cidr_overlaps A/N B/M — true when the two ranges share an address.
cidr_overlaps() {
  local a=${1%/*} n=${1#*/} b=${2%/*} m=${2#*/}
  [ "$n" = "$1" ] && n=32
  [ "$m" = "$2" ] && m=32
  local p=$((n < m ? n : m))
  local mask=$(((0xffffffff << (32 - p)) & 0xffffffff))
  [ $(($(ip2int "$a") & mask)) -eq $(($(ip2int "$b") & mask)) ]
}

# Prefixes in use on the machine (routes of every table, addresses), except
# those of our own bridge.
used_prefixes() {
  {
    ip -4 -o route show table all 2>/dev/null | awk -v br="$LAB_BRIDGE" '
      { dev=""; for (i=1;i<NF;i++) if ($i=="dev") dev=$(i+1) }
      dev==br { next }
      { d=$1; if (d=="default"||d=="broadcast"||d=="local"||d=="unreachable"||d=="blackhole"||d=="prohibit"||d=="throw"||d=="multicast") d=$2; if (d=="default") next; print d }'
    ip -4 -o addr show 2>/dev/null | awk -v br="$LAB_BRIDGE" '$2!=br {print $4}'
  } | { grep -E '^[0-9.]+(/[0-9]+)?$' || true; } | sort -u
}

choose_subnet() {
  local c used u ok
  used=$(used_prefixes)
  for c in "${SUBNET_CANDIDATES[@]}"; do
    ok=1
    for u in $used; do
      if cidr_overlaps "$c.0/24" "$u"; then ok=0; break; fi
    done
    [ $ok = 1 ] && { echo "$c"; return 0; }
  done
  die "every candidate subnet (${SUBNET_CANDIDATES[*]/%/.0/24}) collides with 'ip route'; set LAB_SUBNET=a.b.c"
}

# Writes $LAB_RUN/net.json, creates the bridge when missing. Echoes gateway.
ensure_bridge() {
  local prefix gw
  if [ -f "$LAB_RUN/net.json" ] && ip link show "$LAB_BRIDGE" >/dev/null 2>&1; then
    prefix=$(jq -r .prefix "$LAB_RUN/net.json")
  else
    prefix=${LAB_SUBNET:-$(choose_subnet)}
    # A bridge of ours without its record (state lost): start it over.
    ip addr flush dev "$LAB_BRIDGE" 2>/dev/null || true
  fi
  gw="$prefix.1"
  if ! ip link show "$LAB_BRIDGE" >/dev/null 2>&1; then
    log "creating bridge $LAB_BRIDGE with $gw/24"
    ip link add "$LAB_BRIDGE" type bridge
    # No IPv6 on the lab link: no router solicitations or DAD noise.
    echo 1 >"/proc/sys/net/ipv6/conf/$LAB_BRIDGE/disable_ipv6" 2>/dev/null || true
  fi
  ip addr replace "$gw/24" dev "$LAB_BRIDGE"
  ip link set "$LAB_BRIDGE" up
  jq -n --arg b "$LAB_BRIDGE" --arg p "$prefix" --arg g "$gw" \
    '{bridge:$b, prefix:$p, subnet:($p+".0/24"), gateway:$g}' >"$LAB_RUN/net.json"
  ensure_forward_rules
  echo "$gw"
}

# With br_netfilter (built in here: bridge-nf-call-iptables=1) traffic between
# two hosts on the bridge crosses the machine's FORWARD chain. If iptables is
# installed and FORWARD does not accept by default, let bridge-local traffic
# through with a tagged rule that `down` removes. We install nothing for this.
ensure_forward_rules() {
  command -v iptables >/dev/null 2>&1 || return 0
  iptables -S FORWARD 2>/dev/null | grep -q -- "--comment $IPT_TAG" && return 0
  if iptables -S FORWARD 2>/dev/null | head -n 1 | grep -q -- '-P FORWARD ACCEPT'; then return 0; fi
  iptables -I FORWARD 1 -i "$LAB_BRIDGE" -o "$LAB_BRIDGE" -m comment --comment "$IPT_TAG" -j ACCEPT
}

remove_forward_rules() {
  command -v iptables >/dev/null 2>&1 || return 0
  local rule
  # Delete exactly the rules carrying our tag (iptables -S prints them re-usable).
  while rule=$(iptables -S FORWARD 2>/dev/null | grep -- "--comment $IPT_TAG" | head -n 1) && [ -n "$rule" ]; do
    # shellcheck disable=SC2086
    iptables ${rule/-A /-D } || break
  done
}

remove_bridge() {
  remove_forward_rules
  if ip link show "$LAB_BRIDGE" >/dev/null 2>&1; then
    log "removing bridge $LAB_BRIDGE"
    ip link del "$LAB_BRIDGE"
  fi
  rm -f "$LAB_RUN/net.json"
}
