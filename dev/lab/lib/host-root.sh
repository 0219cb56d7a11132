#!/usr/bin/env bash
# shellcheck disable=SC2154,SC2016 # H_*/spec fields are set by eval of jq @sh; jq filters are single-quoted
# Runs in a private mount namespace made by lab.sh (`unshare -m
# --propagation private`): the host's overlay is mounted here only, so it can
# never linger on the machine — it vanishes with the last process of the
# namespace, even when that process is killed.
#
#   host-root.sh prepare SPEC_JSON   mount, write the per-host files, exit
#   host-root.sh nspawn  SPEC_JSON   mount, exec systemd-nspawn --boot
#   host-root.sh plain   SPEC_JSON   mount, exec unshare ... plain-stage1.sh
#
# SPEC_JSON is the host's record ($LAB_RUN/hosts/NAME.json).
set -euo pipefail
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=common.sh
source "$LAB_DIR/lib/common.sh"
# shellcheck source=hosts.sh
source "$LAB_DIR/lib/hosts.sh"

cmd=$1 spec=$2
# One jq run for every field (jq is slow to start on a loaded machine).
eval "$(jq -r '@sh "name=\(.name) suite=\(.suite) init=\(.init) noapt=\(.noapt // false) address=\(.address) gateway=\(.gateway) hostdir=\(.hostDir) lower=\(.lower) pub=\(.publicKey)"' "$spec")"
merged="$hostdir/merged"

mount_overlay() {
  mkdir -p "$hostdir/upper" "$hostdir/work" "$merged" "$hostdir/docker"
  mount -t overlay "pqb-lab-$name" \
    -o "lowerdir=$lower,upperdir=$hostdir/upper,workdir=$hostdir/work" "$merged"
}

# A host without a package manager (`up --noapt`): apt, apt-get, apt-cache, dpkg and dpkg-query move
# out of PATH into /usr/lib/pqb-lab-noapt/ (in the host's own overlay, so the cached rootfs keeps
# them), as on Fedora, Arch or an immutable OS; a later `up` without --noapt puts them back.
NOAPT_TOOLS=(apt apt-get apt-cache apt-config apt-mark dpkg dpkg-query dpkg-deb)
hide_package_manager() {
  local r=$1 t
  mkdir -p "$r/usr/lib/pqb-lab-noapt"
  for t in "${NOAPT_TOOLS[@]}"; do
    [ -e "$r/usr/bin/$t" ] && mv "$r/usr/bin/$t" "$r/usr/lib/pqb-lab-noapt/$t"
  done
  return 0
}
restore_package_manager() {
  local r=$1 t
  [ -d "$r/usr/lib/pqb-lab-noapt" ] || return 0
  for t in "${NOAPT_TOOLS[@]}"; do
    [ -e "$r/usr/lib/pqb-lab-noapt/$t" ] && mv "$r/usr/lib/pqb-lab-noapt/$t" "$r/usr/bin/$t"
  done
  rmdir "$r/usr/lib/pqb-lab-noapt"
}

write_host_files() {
  local r=$merged
  if [ "$noapt" = true ]; then hide_package_manager "$r"; else restore_package_manager "$r"; fi
  echo "$name" >"$r/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$name" >"$r/etc/hosts"
  # A stable machine id per host (the rootfs has an empty one).
  # Exactly one line of 32 hex digits, or systemd refuses to boot.
  local mid; mid=$(head -n 1 "$r/etc/machine-id" 2>/dev/null || true)
  [[ $mid =~ ^[0-9a-f]{32}$ ]] || mid=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  echo "$mid" >"$r/etc/machine-id"

  # Offline: no resolver (debootstrap copied the machine's); lookups fail at once.
  rm -f "$r/etc/resolv.conf"
  echo '# pulumi-qemu-binfmt lab host: offline, no DNS' >"$r/etc/resolv.conf"

  # Static address; named to sort before nspawn's 80-container-host0.network.
  mkdir -p "$r/etc/systemd/network"
  cat >"$r/etc/systemd/network/10-host0.network" <<EOF
[Match]
Name=host0

[Network]
Address=$address/24
LinkLocalAddressing=no
IPv6AcceptRA=no

[Link]
RequiredForOnline=yes
MACAddress=$(mac_for "$address")
EOF

  # Host key: regenerated per host (kept across restarts so pins stay valid;
  # --fresh wipes it with the upper dir).
  if [ ! -s "$r/etc/ssh/ssh_host_ed25519_key" ]; then
    rm -f "$r"/etc/ssh/ssh_host_*
    ssh-keygen -q -t ed25519 -N '' -C "root@$name" -f "$r/etc/ssh/ssh_host_ed25519_key"
  fi

  # The lab key for root and builder.
  local uid gid
  uid=$(awk -F: '$1=="builder"{print $3}' "$r/etc/passwd")
  gid=$(awk -F: '$1=="builder"{print $4}' "$r/etc/passwd")
  install -d -m 700 "$r/root/.ssh"
  echo "$pub" >"$r/root/.ssh/authorized_keys"
  chmod 600 "$r/root/.ssh/authorized_keys"
  install -d -m 700 -o "$uid" -g "$gid" "$r/home/builder/.ssh"
  echo "$pub" >"$r/home/builder/.ssh/authorized_keys"
  chown "$uid:$gid" "$r/home/builder/.ssh/authorized_keys"
  chmod 600 "$r/home/builder/.ssh/authorized_keys"

  # The bind mount point for the real-filesystem docker dir.
  mkdir -p "$r/var/lib/docker"
  if [ "$init" = none ]; then
    install -m 755 "$LAB_DIR/lib/plain-init.sh" "$r/usr/local/sbin/pqb-plain-init"
  fi

  # Apt sources (lab repo only) and docker's registry mirror: L2's services.sh.
  local services="$LAB_DIR/services.sh"
  if [ -f "$services" ]; then
    bash "$services" configure-host --root "$r" --suite "$suite" --address "$gateway" --state "$LAB_SERVICES_RUN" >&2 ||
      die "services.sh configure-host failed for $name"
  else
    warn "$services missing: $name gets no apt sources and no registry mirror"
  fi
}

# Stand in per-host cgroups (recorded in the spec, removed by `down`): nspawn
# puts the host's systemd below the cgroup it starts in, and a plain host's
# cgroup namespace is rooted where we stand when unsharing it.
enter_cgroups() {
  local -a dirs; mapfile -t dirs < <(jq -r '.cgroups[]' "$spec")
  enter_cgroup_dirs "${dirs[@]}"
}

case "$cmd" in
  prepare)
    mount_overlay
    write_host_files
    umount "$merged"
    ;;
  nspawn)
    mount_overlay
    enter_cgroups
    # Flags from shared/notes/test-hosts.md:
    # --register=no --keep-unit: no systemd (no bus) on the machine;
    # --private-users=0:65536: a user namespace of its own, hence a private
    #   binfmt_misc instance (kernel >= 6.7);
    # --system-call-filter=@keyring: runc inside joins a session keyring;
    # /var/lib/docker from a real filesystem: overlay2 cannot stack on overlayfs.
    exec systemd-nspawn -D "$merged" -M "$name" --boot --register=no --keep-unit \
      --console=pipe --link-journal=no --resolv-conf=off --timezone=off \
      --private-users=0:65536 --private-users-ownership=off \
      --network-bridge="$LAB_BRIDGE" \
      --bind="$hostdir/docker:/var/lib/docker" \
      --system-call-filter=@keyring
    ;;
  plain)
    mount_overlay
    enter_cgroups
    # Every namespace of its own; --kill-child: if unshare dies (killed with
    # the session), the host's PID 1 and so the whole host die with it.
    exec unshare --user --mount --net --uts --ipc --pid --cgroup --fork --kill-child \
      bash "$LAB_DIR/lib/plain-stage1.sh" "$spec"
    ;;
  *) die "host-root.sh: unknown command $cmd" ;;
esac
