#!/usr/bin/env bash
# What `down` must give back as it found it: the machine's links, mounts,
# iptables rules and binfmt_misc. `lab.sh up`/`down` do not call this; tests
# and people diff two snapshots (before up, after down).
set -euo pipefail
# shellcheck source=dev/scripts/trace.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/trace.sh"
echo "## ip link"
ip -o link show | sed -E 's/^[0-9]+: //; s/ qlen [0-9]+//' | awk '{print $1, $2}' | sort
echo "## findmnt"
findmnt -rn -o TARGET,FSTYPE,SOURCE | sort
echo "## iptables"
if command -v iptables >/dev/null 2>&1; then iptables -S 2>&1; iptables -t nat -S 2>&1; else echo "(iptables not installed)"; fi
echo "legacy tables loaded: $(tr '\n' ' ' </proc/net/ip_tables_names 2>/dev/null)"
if command -v nft >/dev/null 2>&1; then nft list ruleset 2>&1; fi
echo "## binfmt_misc"
if findmnt -rn /proc/sys/fs/binfmt_misc >/dev/null 2>&1; then echo "(mounted)"; ls -1 /proc/sys/fs/binfmt_misc; else echo "(not mounted)"; fi
echo "## cgroups"
# Other sessions' per-command cgroups (process_api/ID) come and go, and so do the insides of
# running lab hosts' groups (pqb-lab-NAME/...): list the groups themselves, not their insides.
find /sys/fs/cgroup -mindepth 2 -type d 2>/dev/null | grep -v '/process_api/' | grep -v '/pqb-lab-[^/]*/' | sort || true
find /sys/fs/cgroup -type d -name 'pqb-lab-*' 2>/dev/null | sort || true
