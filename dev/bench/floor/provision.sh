#!/usr/bin/env bash
# The floor (contender c): everything one host needs, as one bash script run as
# root over a single SSH session (`ssh root@host bash -s < script`).
#
# dev/bench/floor/run.sh prepends the per-target data as shell variables:
#   TARGETS="arm aarch64"
#   RULE_arm=':qemu-arm:M::...:...:/path:FLAGS'   PLATFORM_arm=linux/arm/v7
#   IMAGE_arm=arm32v7/busybox   EXPECT_arm=armv7l        (same for each target)
#   APT_UPDATE=1|0                                       (refresh lists first)
# Steps: install qemu-user-static + binfmt-support, write
# /etc/binfmt.d/qemu-<target>.conf, apply with systemd-binfmt, verify
# /proc/sys/fs/binfmt_misc/qemu-<target>, run the docker acceptance check.
set -euo pipefail
# Runs on the host from stdin, where dev/scripts/trace.sh is not: the same report inline.
trap 'echo "provision.sh: command failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
export DEBIAN_FRONTEND=noninteractive
t() { printf '%s %s\n' "$(date +%s.%N | cut -c1-14)" "$*" >&2; }

t start
installed=$(dpkg-query -W -f='${Status}\n' qemu-user-static binfmt-support 2>/dev/null | grep -c '^install ok installed$' || true)
if [ "$installed" = 2 ]; then
  t "packages present"
else
  if [ "${APT_UPDATE:-1}" = 1 ]; then apt-get update -qq; fi
  apt-get install -y -qq --no-install-recommends qemu-user-static binfmt-support >/dev/null
  t "packages installed"
fi

mkdir -p /etc/binfmt.d
changed=0
for target in $TARGETS; do
  rule_var=RULE_$target
  f=/etc/binfmt.d/qemu-$target.conf
  want=$(printf '%s\n' "${!rule_var}")
  if [ ! -f "$f" ] || [ "$(cat "$f")" != "$want" ]; then
    printf '%s\n' "${!rule_var}" >"$f.tmp" && mv "$f.tmp" "$f"
    changed=1
  fi
done
t "rules written (changed=$changed)"
if [ "$changed" = 1 ]; then systemctl restart systemd-binfmt; fi
t applied

for target in $TARGETS; do
  rule_var=RULE_$target
  interp=$(printf '%s' "${!rule_var}" | awk -F: '{print $7}')
  e=/proc/sys/fs/binfmt_misc/qemu-$target
  [ -f "$e" ] || { echo "verify: $e missing" >&2; exit 1; }
  head -n1 "$e" | grep -qx enabled || { echo "verify: $e not enabled" >&2; exit 1; }
  grep -qx "interpreter $interp" "$e" || { echo "verify: $e interpreter is not $interp" >&2; cat "$e" >&2; exit 1; }
done
t verified

for target in $TARGETS; do
  p=PLATFORM_$target i=IMAGE_$target x=EXPECT_$target
  got=$(docker run --rm --platform "${!p}" "${!i}" uname -m 2>/dev/null)
  [ "$got" = "${!x}" ] || { echo "acceptance: ${!i} printed '$got', expected '${!x}'" >&2; exit 1; }
done
t "acceptance ok"
echo "ok $(hostname)"
