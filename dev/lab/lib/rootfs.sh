# shellcheck shell=bash
# The cached root filesystem per Debian suite: $PQB_CACHE/lab/rootfs/<suite>.
# Built once (debootstrap from the machine's own mirror, then apt inside a
# throwaway nspawn container), then used read-only as the overlay lower dir
# of every host of that suite.

ROOTFS_PACKAGES=(
  systemd systemd-sysv dbus openssh-server sudo iproute2 procps
  ca-certificates curl file python3 docker.io kmod less
)

rootfs_dir() { echo "$LAB_CACHE/rootfs/$1"; }
rootfs_id() { cat "$(rootfs_dir "$1")/.pqb-lab-rootfs" 2>/dev/null || true; }

# rootfs_in_use SUITE — true when a running host has it as its lower dir.
rootfs_in_use() {
  local f
  for f in "$LAB_RUN"/hosts/*.json; do
    [ -f "$f" ] || continue
    [ "$(jq -r .suite "$f")" = "$1" ] || continue
    proc_alive "$(jq -r .pid "$f")" "$(jq -r .pidStart "$f")" && return 0
  done
  return 1
}

ensure_rootfs() {
  local suite=$1 dir; dir=$(rootfs_dir "$1")
  local want="recipe=$ROOTFS_RECIPE suite=$suite"
  if [ "$(head -n 1 "$dir/.pqb-lab-rootfs" 2>/dev/null)" = "$want" ]; then return 0; fi
  if [ -d "$dir" ] && rootfs_in_use "$suite"; then
    die "rootfs $dir is outdated but hosts run on it: run 'npm run lab -- down' first"
  fi
  build_rootfs "$suite" "$dir" "$want"
}

build_rootfs() {
  local suite=$1 dir=$2 want=$3
  local mirror; mirror=$(bash "$REPO_DIR/dev/scripts/debs.sh" mirror) || die "cannot read the Debian mirror from apt config"
  local tmp="$dir.build"
  mkdir -p "$(dirname "$dir")"
  log "building rootfs $suite (debootstrap, ~1-2 min; cached afterwards in $dir)"
  # minbase + what makes it bootable; everything else through apt below, which
  # resolves Depends/alternatives properly (debootstrap's resolver does not).
  # A failed attempt (a mirror's hiccup) is tried again from an empty directory.
  if ! retry 3 "debootstrap $suite" debootstrap_into "$suite" "$tmp" "$mirror"; then
    die "debootstrap $suite failed (log: $LAB_CACHE/debootstrap-$suite.log)"
  fi

  local -a pkgs=("${ROOTFS_PACKAGES[@]}")
  # Debian 13's docker.io has the CLI only as a Recommends (docker-cli).
  [ "$suite" = bookworm ] || pkgs+=(docker-cli)

  # No service may start while we install: the build container shares the
  # machine's network namespace (it needs the mirror), so a dockerd started by
  # a postinst would touch the machine's iptables.
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
  chmod 755 "$tmp/usr/sbin/policy-rc.d"

  log "installing ${pkgs[*]} into rootfs $suite"
  # A throwaway nspawn container (own PID and mount namespaces): nothing it
  # starts or mounts outlives it. Not --boot: just apt.
  # In cgroups of its own: nspawn leaves payload/supervisor groups behind.
  if ! retry 3 "apt-get install into rootfs $suite" rootfs_apt "$suite" "$tmp" "${pkgs[@]}"; then
    die "apt-get install into rootfs $suite failed (log: $LAB_CACHE/rootfs-apt-$suite.log)"
  fi
  rm -f "$tmp/usr/sbin/policy-rc.d"
  # nspawn leaves an empty propagation dir (it won't rm on a non-tmpfs /run).
  rmdir "/run/systemd/nspawn/propagate/$(basename "$tmp")" 2>/dev/null || true

  configure_rootfs "$tmp"

  echo "$want" >"$tmp/.pqb-lab-rootfs"
  date -u +%Y-%m-%dT%H:%M:%SZ >>"$tmp/.pqb-lab-rootfs"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  log "rootfs $suite ready ($(du -sh "$dir" | cut -f1))"
}

# debootstrap_into SUITE DIR MIRROR: one attempt, from an empty DIR; its output goes to a log, whose
# last lines are printed when it fails.
debootstrap_into() {
  rm -rf "$2"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus \
    "$1" "$2" "$3" >"$LAB_CACHE/debootstrap-$1.log" 2>&1 && return 0
  local rc=$?
  tail -n 20 "$LAB_CACHE/debootstrap-$1.log" >&2
  return "$rc"
}

# rootfs_apt SUITE DIR PACKAGE...: one attempt at installing PACKAGEs into the rootfs DIR, in a
# throwaway nspawn container (apt-get update included: a retry starts from fresh lists).
rootfs_apt() {
  local suite=$1 dir=$2
  shift 2
  in_cgroups "build-$suite" systemd-nspawn -q -D "$dir" --register=no --keep-unit --pipe \
    -E DEBIAN_FRONTEND=noninteractive -E LC_ALL=C.UTF-8 \
    bash -euc 'apt-get update -q -o APT::Update::Error-Mode=any && apt-get install -y -q --no-install-recommends "$@" && apt-get clean' \
    _ "$@" >"$LAB_CACHE/rootfs-apt-$suite.log" 2>&1 </dev/null && return 0
  local rc=$?
  tail -n 30 "$LAB_CACHE/rootfs-apt-$suite.log" >&2
  return "$rc"
}

# Offline configuration of the rootfs (no network needed).
configure_rootfs() {
  local r=$1
  # The non-root user with passwordless sudo, in group docker. '*' (not '!')
  # as password: no password login, and sshd does not treat it as locked.
  chroot "$r" useradd -m -s /bin/bash -G sudo,docker builder
  chroot "$r" usermod -p '*' builder
  chroot "$r" usermod -p '*' root
  echo 'builder ALL=(ALL) NOPASSWD:ALL' >"$r/etc/sudoers.d/builder"
  chmod 440 "$r/etc/sudoers.d/builder"

  # sshd: keys only, one ed25519 host key (regenerated per host).
  rm -f "$r"/etc/ssh/ssh_host_*
  cat >"$r/etc/ssh/sshd_config.d/10-pqb-lab.conf" <<'EOF'
# pulumi-qemu-binfmt lab host: key-only login for root and builder.
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
MaxStartups 100:30:200
MaxSessions 50
EOF

  # Networking: networkd with a static address written per host as
  # /etc/systemd/network/10-host0.network (sorts before nspawn's 80-*).
  mkdir -p "$r/etc/systemd/system/multi-user.target.wants" "$r/etc/systemd/system/sockets.target.wants" \
    "$r/etc/systemd/system/sysinit.target.wants"
  ln -sf /lib/systemd/system/systemd-networkd.service "$r/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
  ln -sf /lib/systemd/system/systemd-networkd.socket "$r/etc/systemd/system/sockets.target.wants/systemd-networkd.socket"
  # A private binfmt_misc instance at boot: nspawn mounts /proc/sys read-only,
  # so the automount is skipped; the plain .mount unit works (see
  # shared/notes/test-hosts.md). A property of the test host only.
  ln -sf /lib/systemd/system/proc-sys-fs-binfmt_misc.mount "$r/etc/systemd/system/sysinit.target.wants/proc-sys-fs-binfmt_misc.mount"
  # No console in a --console=pipe container: gettys would only fail.
  ln -sf /dev/null "$r/etc/systemd/system/console-getty.service"
  ln -sf /dev/null "$r/etc/systemd/system/getty@.service"
  # Nothing periodic that would reach for a network or disks the host lacks.
  local u
  for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer; do
    ln -sf /dev/null "$r/etc/systemd/system/$u"
  done

  # Hosts need no internet: drop the mirror; services.sh configure-host writes
  # the lab's own repo per host.
  rm -f "$r"/etc/apt/sources.list.d/*.list "$r"/etc/apt/sources.list.d/*.sources
  echo '# pulumi-qemu-binfmt lab: sources are written per host by dev/lab/services.sh configure-host' >"$r/etc/apt/sources.list"
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin
  : >"$r/etc/machine-id"
  rm -f "$r/var/lib/dbus/machine-id"
}
