#!/usr/bin/env bash
# Contender (c), the floor: provision every host in parallel, one `ssh` session
# per host, each piping dev/bench/floor/provision.sh (with the targets prepended).
#
#   floor/run.sh HOSTS.json SPEC.json WORKDIR
# HOSTS.json: the lab's JSON ({"hosts":[{name,address,port,privateKeyPath,hostPublicKey,...}]}).
# SPEC.json:  dev/bench/lib/spec.py output ({"targets":[{target,rule,platform,image,expect}],"apt_update":bool}).
# Exit status: 0 when every host succeeded. Per-host logs in WORKDIR/floor-<name>.log.
set -euo pipefail
# shellcheck source=dev/scripts/trace.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/trace.sh"
here=$(cd "$(dirname "$0")" && pwd)
hosts=$1 spec=$2 work=$3
mkdir -p "$work"

script=$work/floor-script.sh
{
  echo "TARGETS='$(jq -r '[.targets[].target] | join(" ")' "$spec")'"
  echo "APT_UPDATE=$(jq -r 'if .apt_update then 1 else 0 end' "$spec")"
  jq -r '.targets[] | "RULE_\(.target)=\(.rule | @sh)\nPLATFORM_\(.target)=\(.platform | @sh)\nIMAGE_\(.target)=\(.image | @sh)\nEXPECT_\(.target)=\(.expect | @sh)"' "$spec"
  cat "$here/provision.sh"
} >"$script"

known=$work/known_hosts
jq -r '.hosts[] | (if .port == 22 then .address else "[\(.address)]:\(.port)" end) + " " + .hostPublicKey' "$hosts" >"$known"

pids=() names=()

while IFS=$'\t' read -r name addr port key; do
  ssh -o BatchMode=yes -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes \
      -o ConnectTimeout=15 -i "$key" -p "$port" "root@$addr" 'bash -s' \
      <"$script" >"$work/floor-$name.log" 2>&1 &
  pids+=($!) names+=("$name")
done < <(jq -r '.hosts[] | [.name, .address, (.port|tostring), .privateKeyPath] | @tsv' "$hosts")

rc=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "floor: ${names[$i]} failed:" >&2; tail -n 5 "$work/floor-${names[$i]}.log" >&2; rc=1
  fi
done
exit $rc
