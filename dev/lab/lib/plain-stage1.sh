#!/usr/bin/env bash
# shellcheck disable=SC2154,SC2016 # H_*/spec fields are set by eval of jq @sh; jq filters are single-quoted
# PID 1 of a plain (no systemd) host, before its root is switched: runs inside
# fresh user/mount/net/uts/ipc/pid/cgroup namespaces made by host-root.sh.
#
# It waits on a fifo until lab.sh (outside) has written our uid/gid maps and
# moved a veth into our network namespace, then builds the host's mounts,
# pivots into the overlay and execs pqb-plain-init (sshd + dockerd).
set -euo pipefail
# shellcheck source=dev/scripts/trace.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/trace.sh"
spec=$1
eval "$(jq -r '@sh "name=\(.name) hostdir=\(.hostDir) fifo=\(.fifo)"' "$spec")"
root="$hostdir/merged"

# Held until the maps exist: before that we are nobody in our namespace.
read -r go <"$fifo"
[ "$go" = go ] || { echo "plain-stage1: aborted by lab.sh" >&2; exit 1; }

hostname "$name"
mount --make-rprivate /
# The overlay was mounted in the parent mount namespace: it is locked here and
# pivot_root refuses it (EINVAL) unless it is a mount point of our own.
mount --bind "$root" "$root"

mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"

# /dev: a tmpfs with the few device nodes bound from the machine (no mknod in
# a user namespace) and a devpts instance of our own.
mount -t tmpfs -o mode=755,size=64k,nosuid tmpfs "$root/dev"
for d in null zero full random urandom tty; do
  touch "$root/dev/$d"
  mount --bind "/dev/$d" "$root/dev/$d"
done
mkdir -p "$root/dev/pts" "$root/dev/shm" "$root/dev/mqueue"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
mount -t mqueue mqueue "$root/dev/mqueue"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"

mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$root/run"
mkdir -p "$root/run/sshd" "$root/run/lock"

# The host's own binfmt_misc instance (private: we are in a new user ns).
mount -t binfmt_misc binfmt_misc "$root/proc/sys/fs/binfmt_misc"

# cgroups for dockerd/runc: the same hierarchies as the machine (v1 hybrid or
# v2), seen through our cgroup namespace — rooted at the host's own cgroup.
mount -t tmpfs -o mode=755 tmpfs "$root/sys/fs/cgroup"
while read -r _ mnt fstype opts _; do
  case "$mnt" in /sys/fs/cgroup/*) ;; *) continue ;; esac
  sub=${mnt#/sys/fs/cgroup/}
  mkdir -p "$root/sys/fs/cgroup/$sub"
  case "$fstype" in
    cgroup2) mount -t cgroup2 cgroup2 "$root/sys/fs/cgroup/$sub" ;;
    cgroup)
      # keep only the controller/name options
      o=$(tr ',' '\n' <<<"$opts" | { grep -vE '^(rw|ro|relatime|nosuid|nodev|noexec|clone_children)$' || true; } | paste -sd, -)
      mount -t cgroup -o "$o" cgroup "$root/sys/fs/cgroup/$sub"
      ;;
  esac
done </proc/self/mounts
if grep -q ' /sys/fs/cgroup cgroup2 ' /proc/self/mounts; then
  umount "$root/sys/fs/cgroup"
  mount -t cgroup2 cgroup2 "$root/sys/fs/cgroup"
fi

mount --bind "$hostdir/docker" "$root/var/lib/docker"

cd "$root"
mkdir -p .pqb-oldroot
pivot_root . .pqb-oldroot
cd /
umount -l /.pqb-oldroot
rmdir /.pqb-oldroot
exec /usr/local/sbin/pqb-plain-init
