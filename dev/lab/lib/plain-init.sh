#!/bin/bash
# PID 1 of a plain lab host (no systemd): installed into the host as
# /usr/local/sbin/pqb-plain-init by dev/lab/lib/host-root.sh.
# Starts sshd and dockerd directly, reaps orphans, and on SIGTERM stops both
# and exits (which ends the host's PID namespace).
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p /run/sshd /var/log

/usr/sbin/sshd -D -e >>/var/log/pqb-sshd.log 2>&1 &
sshd=$!
# dockerd starts its own containerd when none is configured.
dockerd >>/var/log/pqb-dockerd.log 2>&1 &
dockerd=$!

stopping=0
stop() {
  stopping=1
  kill -TERM "$dockerd" "$sshd" 2>/dev/null
}
trap stop TERM INT

# `wait` returns on every signal and child exit; as PID 1 bash also reaps the
# orphans that get reparented to it.
while :; do
  wait -n 2>/dev/null
  if [ "$stopping" = 1 ]; then
    for _ in $(seq 1 100); do
      kill -0 "$dockerd" 2>/dev/null || kill -0 "$sshd" 2>/dev/null || exit 0
      sleep 0.1
    done
    exit 0
  fi
  # sshd must always answer: restart it if it died.
  if ! kill -0 "$sshd" 2>/dev/null; then
    /usr/sbin/sshd -D -e >>/var/log/pqb-sshd.log 2>&1 &
    sshd=$!
  fi
  sleep 0.2
done
