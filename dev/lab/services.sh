#!/usr/bin/env bash
# The lab's network services: what the offline test hosts need, served on the lab bridge's
# gateway address.
#   - a flat apt repository per Debian suite (the product's packages + whole dependency closure)
#   - a docker registry (Debian's docker-registry) holding busybox images for every
#     architecture Debian builds busybox-static for, under their Docker Hub names, plus the
#     multi-arch list library/busybox:latest, so `docker run arm64v8/busybox uname -m` inside a
#     host pulls through `registry-mirrors` exactly as it would online.
#
#   dev/lab/services.sh prepare [--suite S]... [--with PKG]...
#        build the caches under $PQB_CACHE/lab (default suites: bookworm trixie). Idempotent;
#        seconds when warm. --with adds packages (and their closure) to every suite's repo.
#   dev/lab/services.sh start --address IP --state DIR [--free-ports]
#        start the apt HTTP server and the registry on IP (the registry also on 127.0.0.1,
#        same port), pidfiles in DIR; prints one JSON line:
#        {"apt":"http://IP:PORT","registry":"IP:PORT"}. Already running: same line again.
#   dev/lab/services.sh stop --state DIR
#        stop what `start` started (by PID from DIR), remove the pidfiles.
#   dev/lab/services.sh configure-host --root DIR --suite S --address IP [--state DIR]
#        point a host root's apt at the lab repo only, and its dockerd at the lab registry.
#
# Ports: $PQB_LAB_APT_PORT (default 8642) and $PQB_LAB_REGISTRY_PORT (default 5642); start and
# configure-host must see the same values (configure-host --state reads them from the state).
#
# Cache layout ($PQB_CACHE/lab):
#   apt/<suite>/        *.deb, Packages, Packages.gz, Release (served as http://IP:PORT/<suite>/)
#   bin/docker-registry the registry binary, extracted from Debian's docker-registry .deb
#   images/bin/<arch>/  busybox + version, extracted from busybox-static_<arch>.deb
#   images/pushed.json  digests and platforms of what the registry holds
#   images/qemu/<suite>/ qemu-<cpu> + version, extracted from Debian's static QEMU .deb (qemu-images.mjs)
#   images/qemu-pushed.json  digests of the QEMU interpreter images
#   registry/           the registry's storage (filesystem driver)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=../scripts/trace.sh
source "$REPO_ROOT/dev/scripts/trace.sh"
PQB_CACHE=${PQB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-qemu-binfmt}
LAB_CACHE="$PQB_CACHE/lab"
APT_PORT=${PQB_LAB_APT_PORT:-8642}
REGISTRY_PORT=${PQB_LAB_REGISTRY_PORT:-5642}
DEBS="$REPO_ROOT/dev/scripts/debs.sh"
IMAGES_JS="$HERE/images/busybox-images.mjs"
QEMU_IMAGES_JS="$HERE/images/qemu-images.mjs"
DAEMON_JSON_JS="$HERE/registry/daemon-json.mjs"
REGISTRY_BIN="$LAB_CACHE/bin/docker-registry"
DEFAULT_SUITES=(bookworm trixie)

# What the product may install on a host, one `apt-get install` per line. Separate lines because
# in bookworm qemu-user-binfmt conflicts with qemu-user-static (two alternative setups); in
# trixie qemu-user-static is transitional and pulls qemu-user + qemu-user-binfmt. binfmt-support
# rides along with qemu-user-binfmt so that its "systemd | binfmt-support" dependency resolves to
# binfmt-support instead of dragging systemd's closure into the repo.
INSTALL_SETS=(
  "qemu-user-static binfmt-support"
  "qemu-user qemu-user-binfmt binfmt-support"
)

log() { echo "[services] $*" >&2; }
die() { echo "services.sh: $* (at $(pqb_caller))" >&2; exit 1; }
now_ms() { date +%s%3N; }
since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f s", (b - a) / 1000 }'; }

# timed NAME CMD...: run CMD and log how long it took (prepare's step timings).
timed() {
  local name=$1 t0; shift
  t0=$(now_ms)
  "$@"
  log "$name: $(since "$t0")"
}

# The python3 that runs the apt HTTP server: Debian's own when present (a pyenv shim on PATH
# would make the pidfile point at a wrapper in some setups).
python_bin() {
  if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else command -v python3 || die "python3 is required"; fi
}

host_arch() { dpkg --print-architecture; }

need_ipv4() {
  [[ $1 =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}$ ]] || die "--address must be an IPv4 address, got '$1'"
}

# ---------------------------------------------------------------------------------------------
# prepare
# ---------------------------------------------------------------------------------------------

ensure_tools() {
  command -v node >/dev/null || die "node is required (the image builder is a Node.js script)"
  command -v curl >/dev/null || die "curl is required"
  command -v dpkg-deb >/dev/null || die "dpkg-deb is required (a Debian machine)"
  if ! command -v dpkg-scanpackages >/dev/null; then
    # dpkg-scanpackages lives in dpkg-dev; installing it starts no service.
    log "installing dpkg-dev (dpkg-scanpackages)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dpkg-dev >&2 \
      || { retry 3 "apt-get update" apt-get update >&2 &&
        retry 3 "apt-get install dpkg-dev" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dpkg-dev >&2; } \
      || die "could not install dpkg-dev"
  fi
}

# The registry binary comes out of Debian's docker-registry .deb, extracted into the cache rather
# than installed: installing the package would start a registry on :5000 through its init script
# (a daemon we did not start by PID). It links only against libc, so take the machine's suite.
ensure_registry_bin() {
  if [ -x "$REGISTRY_BIN" ]; then return 0; fi
  local suite tmp deb
  suite=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null | tr -d '"')
  [ -n "$suite" ] || suite=bookworm
  tmp=$(mktemp -d)
  deb=$(bash "$DEBS" fetch --suite "$suite" --arch "$(host_arch)" --dest "$tmp" docker-registry | tail -n 1)
  [ -f "$deb" ] || die "could not download docker-registry ($suite)"
  dpkg-deb -x "$deb" "$tmp/x"
  mkdir -p "$(dirname "$REGISTRY_BIN")"
  install -m 0755 "$tmp/x/usr/bin/docker-registry" "$REGISTRY_BIN.new"
  mv "$REGISTRY_BIN.new" "$REGISTRY_BIN"
  basename "$deb" >"$REGISTRY_BIN.deb"
  rm -rf "$tmp"
}

# Release for a flat repo: no Suite/Codename (a flat "./" source has no distribution to match),
# hashes of the indexes so apt accepts it as a normal (trusted=yes) repository.
write_release() {
  local dir=$1 suite=$2 arch=$3 f
  {
    echo "Origin: pulumi-qemu-binfmt-lab"
    echo "Label: pulumi-qemu-binfmt lab $suite"
    echo "Architectures: $arch all"
    echo "Date: $(LC_ALL=C date -Ru)"
    echo "MD5Sum:"
    for f in Packages Packages.gz; do echo " $(md5sum <"$dir/$f" | cut -d' ' -f1) $(stat -c %s "$dir/$f") $f"; done
    echo "SHA256:"
    for f in Packages Packages.gz; do echo " $(sha256sum <"$dir/$f" | cut -d' ' -f1) $(stat -c %s "$dir/$f") $f"; done
  } >"$dir/Release"
}

# prepare_apt SUITE EXTRA...: the flat repo $LAB_CACHE/apt/SUITE, rebuilt only when the package
# sets changed (the signature in .pqb-repo). Built in a scratch dir and swapped in whole, so a
# running apt server never serves a half-written repo for long.
prepare_apt() {
  local suite=$1; shift
  local arch dir tmp sig set n
  arch=$(host_arch)
  dir="$LAB_CACHE/apt/$suite"
  sig="v2 arch=$arch sets=$(printf '%s;' "${INSTALL_SETS[@]}") with=$*"
  if [ -f "$dir/.pqb-repo" ] && [ "$(cat "$dir/.pqb-repo")" = "$sig" ] && [ -f "$dir/Release" ]; then
    log "apt $suite: cached ($(find "$dir" -maxdepth 1 -name '*.deb' | wc -l) debs)"
    return 0
  fi
  tmp="$LAB_CACHE/apt/.$suite.new"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # Each closure is computed as if nothing were installed (debs.sh uses an empty dpkg status),
  # so a host gets whatever it lacks whatever its rootfs holds.
  for set in "${INSTALL_SETS[@]}"; do
    # shellcheck disable=SC2086 # a set is a space-separated package list
    bash "$DEBS" closure --suite "$suite" --arch "$arch" --dest "$tmp" $set >/dev/null \
      || die "closure of '$set' failed for $suite"
  done
  if [ $# -gt 0 ]; then
    bash "$DEBS" closure --suite "$suite" --arch "$arch" --dest "$tmp" "$@" >/dev/null \
      || die "closure of '$*' failed for $suite"
  fi
  # -m: list every version present (there is one per package; keeps dpkg-scanpackages quiet).
  (cd "$tmp" && dpkg-scanpackages -m . 2>"$tmp/.scan.log" >Packages) || { cat "$tmp/.scan.log" >&2; die "dpkg-scanpackages failed"; }
  rm -f "$tmp/.scan.log"
  gzip -9n <"$tmp/Packages" >"$tmp/Packages.gz"
  write_release "$tmp" "$suite" "$arch"
  echo "$sig" >"$tmp/.pqb-repo"
  rm -rf "$dir.old"
  if [ -d "$dir" ]; then mv "$dir" "$dir.old"; fi
  mv "$tmp" "$dir"
  rm -rf "$dir.old"
  n=$(grep -c '^Package: ' "$dir/Packages" || true)
  log "apt $suite: built, $n packages, $(du -sh "$dir" | cut -f1)"
}

# Extract busybox from busybox-static_<arch>.deb for every image (fetched once, kept).
prepare_busybox_bins() {
  local bindir="$LAB_CACHE/images/bin" line debarch suite tmp deb src
  local -a lines
  mapfile -t lines < <(node "$IMAGES_JS" arches)
  [ ${#lines[@]} -gt 0 ] || die "busybox-images.mjs listed no architectures"
  for line in "${lines[@]}"; do
    read -r debarch suite <<<"$line"
    if [ -f "$bindir/$debarch/busybox" ]; then continue; fi
    tmp=$(mktemp -d)
    deb=$(bash "$DEBS" fetch --suite "$suite" --arch "$debarch" --dest "$tmp" busybox-static | tail -n 1)
    [ -f "$deb" ] || die "could not download busybox-static for $suite/$debarch"
    dpkg-deb -x "$deb" "$tmp/x"
    # trixie ships /usr/bin/busybox, bookworm /bin/busybox.
    src=$tmp/x/usr/bin/busybox
    [ -f "$src" ] || src=$tmp/x/bin/busybox
    [ -f "$src" ] || die "no busybox binary in $(basename "$deb")"
    rm -rf "$bindir/$debarch.new"
    mkdir -p "$bindir/$debarch.new"
    cp "$src" "$bindir/$debarch.new/busybox"
    dpkg-deb -f "$deb" Version >"$bindir/$debarch.new/version"
    mv "$bindir/$debarch.new" "$bindir/$debarch"
    rm -rf "$tmp"
    log "busybox $debarch: $(cat "$bindir/$debarch/version") ($suite)"
  done
}

# Extract the static QEMU interpreters of every qemu-images.mjs image from Debian's own package:
# the suite's .deb already in the lab's apt repo when there (same mirror, no second download), else
# fetched through debs.sh. Kept under images/qemu/<suite>/ as qemu-<cpu> (suffix dropped).
prepare_qemu_bins() {
  local root="$LAB_CACHE/images/qemu" line suite pkg suffix tmp deb cpu
  local -a lines cpus
  mapfile -t lines < <(node "$QEMU_IMAGES_JS" list)
  read -r -a cpus <<<"$(printf '%s\n' "${lines[@]}" | sed -n 's/^cpus //p')"
  for line in "${lines[@]}"; do
    read -r suite pkg suffix <<<"$line"
    [ "$suite" != cpus ] || continue
    [ "$suffix" != - ] || suffix=""
    [ -f "$root/$suite/version" ] && continue
    tmp=$(mktemp -d)
    # The suite's repo exists only when this prepare (or an earlier one) built it: `npm run demo`
    # prepares bookworm alone, and the trixie image's .deb is then fetched.
    deb=""
    if [ -d "$LAB_CACHE/apt/$suite" ]; then
      deb=$(find "$LAB_CACHE/apt/$suite" -maxdepth 1 -name "${pkg}_*_$(host_arch).deb" -print -quit)
    fi
    if [ -z "$deb" ]; then
      deb=$(bash "$DEBS" fetch --suite "$suite" --arch "$(host_arch)" --dest "$tmp" "$pkg" | tail -n 1)
    fi
    [ -f "$deb" ] || die "could not get $pkg for $suite"
    dpkg-deb -x "$deb" "$tmp/x"
    rm -rf "$root/$suite.new"
    mkdir -p "$root/$suite.new"
    for cpu in "${cpus[@]}"; do
      [ -f "$tmp/x/usr/bin/qemu-$cpu$suffix" ] || die "no /usr/bin/qemu-$cpu$suffix in $(basename "$deb")"
      cp "$tmp/x/usr/bin/qemu-$cpu$suffix" "$root/$suite.new/qemu-$cpu"
    done
    dpkg-deb -f "$deb" Version >"$root/$suite.new/version"
    mv "$root/$suite.new" "$root/$suite"
    rm -rf "$tmp"
    log "qemu $suite: $pkg $(cat "$root/$suite/version") (${cpus[*]})"
  done
}

# A free TCP port on loopback (the kernel picks it; the tiny race is harmless here).
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# write_registry_config FILE ADDR PORT READONLY
write_registry_config() {
  local file=$1 addr=$2 port=$3 ro=$4
  cat >"$file" <<EOF
# Written by dev/lab/services.sh. Storage is shared by every instance; the serving ones are
# read-only, only prepare's private instance writes (pushes the images).
version: 0.1
log:
  level: info
  formatter: text
  fields:
    service: pqb-lab-registry
storage:
  filesystem:
    rootdirectory: "$LAB_CACHE/registry"
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
    readonly:
      enabled: $ro
http:
  addr: "$addr:$port"
  # Fixed, since there is no secret to keep: only the private writer instance takes uploads.
  secret: pulumi-qemu-binfmt-lab
  headers:
    X-Content-Type-Options: [nosniff]
EOF
}

# wait_http URL PID LOG: until URL answers 200 (10 s), or PID dies (then show its log).
wait_http() {
  local url=$1 pid=$2 logf=$3 i
  for ((i = 0; i < 100; i++)); do
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "services.sh: process $pid exited before $url answered; last log lines:" >&2
      tail -n 20 "$logf" | sed 's/^/    /' >&2
      return 1
    fi
    sleep 0.1
  done
  echo "services.sh: $url did not answer within 10 s" >&2
  return 1
}

PREP_REGISTRY_PID=""
stop_prep_registry() {
  if [ -n "$PREP_REGISTRY_PID" ]; then
    kill "$PREP_REGISTRY_PID" 2>/dev/null || true
    wait "$PREP_REGISTRY_PID" 2>/dev/null || true
    PREP_REGISTRY_PID=""
  fi
}

# Build the images and push what the registry lacks, through a private writable registry on a
# free loopback port (the serving instances are read-only and may be running meanwhile).
push_images() {
  local tmp port
  tmp=$(mktemp -d)
  mkdir -p "$LAB_CACHE/registry" "$LAB_CACHE/images"
  port=$(free_port)
  write_registry_config "$tmp/registry.yml" 127.0.0.1 "$port" false
  "$REGISTRY_BIN" serve "$tmp/registry.yml" </dev/null >"$tmp/registry.log" 2>&1 &
  PREP_REGISTRY_PID=$!
  trap stop_prep_registry EXIT
  wait_http "http://127.0.0.1:$port/v2/" "$PREP_REGISTRY_PID" "$tmp/registry.log" || die "prepare's registry did not start"
  if ! node "$IMAGES_JS" push --registry "127.0.0.1:$port" --bin-dir "$LAB_CACHE/images/bin" \
    --record "$LAB_CACHE/images/pushed.json"; then
    tail -n 20 "$tmp/registry.log" | sed 's/^/    registry: /' >&2
    die "pushing the busybox images failed"
  fi
  if ! node "$QEMU_IMAGES_JS" push --registry "127.0.0.1:$port" --bin-dir "$LAB_CACHE/images/qemu" \
    --record "$LAB_CACHE/images/qemu-pushed.json"; then
    tail -n 20 "$tmp/registry.log" | sed 's/^/    registry: /' >&2
    die "pushing the QEMU images failed"
  fi
  stop_prep_registry
  trap - EXIT
  rm -rf "$tmp"
}

cmd_prepare() {
  local -a suites=() extras=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --suite) [ $# -ge 2 ] || die "--suite needs a value"; suites+=("$2"); shift 2 ;;
      --with) [ $# -ge 2 ] || die "--with needs a value"; extras+=("$2"); shift 2 ;;
      *) die "prepare: unknown argument '$1'" ;;
    esac
  done
  [ ${#suites[@]} -gt 0 ] || suites=("${DEFAULT_SUITES[@]}")
  local t0 suite
  t0=$(now_ms)
  mkdir -p "$LAB_CACHE"
  # One prepare at a time per cache (lab up and a test may both call it): they share scratch
  # dirs. fd 8 stays private to this process; the only child it starts (prepare's registry)
  # is stopped before we return.
  exec 8>"$LAB_CACHE/.services-prepare.lock"
  flock -w 1800 8 || die "another 'services.sh prepare' holds $LAB_CACHE/.services-prepare.lock"
  timed "tools" ensure_tools
  timed "registry binary" ensure_registry_bin
  for suite in "${suites[@]}"; do
    timed "apt repo $suite" prepare_apt "$suite" "${extras[@]}"
  done
  timed "busybox binaries" prepare_busybox_bins
  timed "qemu binaries" prepare_qemu_bins
  timed "images in registry" push_images
  log "prepare: $(since "$t0") total; $(cd "$LAB_CACHE" && du -sh apt bin images registry | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}')"
}

# ---------------------------------------------------------------------------------------------
# start / stop
# ---------------------------------------------------------------------------------------------

# What each pidfile's process must look like in /proc/PID/cmdline before we signal it, so a
# recycled PID never gets killed: the registry by its config path (unique per state dir), the
# apt server by the directory it serves.
cmd_pattern() {
  local state=$1 name=$2
  case "$name" in
    # The cache that `start` recorded (stop may run with another PQB_CACHE: lab.sh down).
    apt-http) echo "--directory $(cat "$state/cache" 2>/dev/null || echo "$LAB_CACHE")/apt" ;;
    registry) echo "$state/registry.yml" ;;
    registry-lo) echo "$state/registry-lo.yml" ;;
    *) die "unknown service $name" ;;
  esac
}
SERVICES=(apt-http registry registry-lo)

# running STATE NAME: the PID of service NAME if its pidfile names a live process of ours.
running() {
  local state=$1 name=$2 pid
  [ -f "$state/$name.pid" ] || return 1
  pid=$(cat "$state/$name.pid")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$(cmd_pattern "$state" "$name")" || return 1
  echo "$pid"
}

# start_daemon STATE NAME CMD...: detached from our session (setsid, so a Ctrl-C aimed at the
# caller does not reach it), output to NAME.log, PID to NAME.pid. setsid does not fork when its
# caller is not a process-group leader (a background job of a non-interactive shell), so $! is
# the daemon itself; `running` double-checks that through /proc.
start_daemon() {
  local state=$1 name=$2; shift 2
  setsid "$@" </dev/null >>"$state/$name.log" 2>&1 &
  echo $! >"$state/$name.pid"
}

stop_service() {
  local state=$1 name=$2 pid i
  if pid=$(running "$state" "$name"); then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$state/$name.pid"
}

stop_all() {
  local state=$1 name
  for name in "${SERVICES[@]}"; do stop_service "$state" "$name"; done
  rm -f "$state/services.json"
}

cmd_start() {
  local address="" state="" name json free=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --address) [ $# -ge 2 ] || die "--address needs a value"; address=$2; shift 2 ;;
      --state) [ $# -ge 2 ] || die "--state needs a value"; state=$2; shift 2 ;;
      # Ports the kernel picks, unless PQB_LAB_*_PORT name them: a second set of services beside the default.
      --free-ports) free=1; shift ;;
      *) die "start: unknown argument '$1'" ;;
    esac
  done
  [ -n "$address" ] || die "start: --address is required"
  [ -n "$state" ] || die "start: --state is required"
  need_ipv4 "$address"
  mkdir -p "$state"
  state=$(cd "$state" && pwd)
  if [ ! -x "$REGISTRY_BIN" ] || [ ! -d "$LAB_CACHE/registry/docker" ] || ! compgen -G "$LAB_CACHE/apt/*/Release" >/dev/null; then
    die "caches missing under $LAB_CACHE: run 'dev/lab/services.sh prepare' first"
  fi

  # Already running (all of it, ours, answering, serving this cache): same answer again.
  if [ -f "$state/services.json" ] && [ "$(cat "$state/cache" 2>/dev/null || true)" != "$LAB_CACHE" ]; then
    log "services in $state serve $(cat "$state/cache" 2>/dev/null || echo "an unrecorded cache"); restarting them on $LAB_CACHE"
  elif [ -f "$state/services.json" ]; then
    local want=(apt-http registry) ok=1
    [ "$(cat "$state/address" 2>/dev/null)" = 127.0.0.1 ] || want+=(registry-lo)
    for name in "${want[@]}"; do running "$state" "$name" >/dev/null || ok=0; done
    if [ "$ok" = 1 ]; then
      [ "$(cat "$state/address")" = "$address" ] \
        || die "services in $state already run on $(cat "$state/address"); stop them first"
      json=$(cat "$state/services.json")
      local apt_url reg
      apt_url=$(sed -E 's/.*"apt":"([^"]*)".*/\1/' <<<"$json")
      reg=$(sed -E 's/.*"registry":"([^"]*)".*/\1/' <<<"$json")
      if curl -fsS -o /dev/null --max-time 2 "$apt_url/" && curl -fsS -o /dev/null --max-time 2 "http://$reg/v2/"; then
        echo "$json"
        return 0
      fi
      log "services in $state do not answer; restarting them"
    else
      log "stale state in $state; restarting the services"
    fi
  fi
  stop_all "$state"
  if [ "$free" = 1 ]; then
    [ -n "${PQB_LAB_APT_PORT:-}" ] || APT_PORT=$(free_port)
    [ -n "${PQB_LAB_REGISTRY_PORT:-}" ] || REGISTRY_PORT=$(free_port)
  fi

  local py pid
  py=$(python_bin)
  echo "$address" >"$state/address"
  # Which cache the daemons serve (apt's directory, the registry's storage): `start` with another
  # PQB_CACHE restarts them on it (lab.sh refuses that while hosts use them).
  echo "$LAB_CACHE" >"$state/cache"
  # apt: a plain static file server over the suites' flat repos (ThreadingHTTPServer; one log
  # line per request in apt-http.log).
  start_daemon "$state" apt-http "$py" -u -m http.server --bind "$address" --directory "$LAB_CACHE/apt" "$APT_PORT"
  write_registry_config "$state/registry.yml" "$address" "$REGISTRY_PORT" true
  start_daemon "$state" registry "$REGISTRY_BIN" serve "$state/registry.yml"
  # The registry binds one address; tests on the machine reach it on loopback through a second
  # read-only instance on the same port number and storage.
  if [ "$address" != 127.0.0.1 ]; then
    write_registry_config "$state/registry-lo.yml" 127.0.0.1 "$REGISTRY_PORT" true
    start_daemon "$state" registry-lo "$REGISTRY_BIN" serve "$state/registry-lo.yml"
  fi

  local -a checks=("apt-http http://$address:$APT_PORT/" "registry http://$address:$REGISTRY_PORT/v2/")
  [ "$address" = 127.0.0.1 ] || checks+=("registry-lo http://127.0.0.1:$REGISTRY_PORT/v2/")
  local check url
  for check in "${checks[@]}"; do
    read -r name url <<<"$check"
    pid=$(cat "$state/$name.pid")
    if ! wait_http "$url" "$pid" "$state/$name.log" || ! running "$state" "$name" >/dev/null; then
      stop_all "$state"
      die "$name did not start (log: $state/$name.log)"
    fi
  done
  json="{\"apt\":\"http://$address:$APT_PORT\",\"registry\":\"$address:$REGISTRY_PORT\"}"
  echo "$json" >"$state/services.json"
  log "apt http://$address:$APT_PORT (pid $(cat "$state/apt-http.pid")), registry $address:$REGISTRY_PORT (pid $(cat "$state/registry.pid"))"
  echo "$json"
}

cmd_stop() {
  local state=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --state) [ $# -ge 2 ] || die "--state needs a value"; state=$2; shift 2 ;;
      *) die "stop: unknown argument '$1'" ;;
    esac
  done
  [ -n "$state" ] || die "stop: --state is required"
  [ -d "$state" ] || return 0
  state=$(cd "$state" && pwd)
  stop_all "$state"
  rm -f "$state/address" "$state/cache"
}

# ---------------------------------------------------------------------------------------------
# configure-host
# ---------------------------------------------------------------------------------------------

cmd_configure_host() {
  local root="" suite="" address="" state=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --root) [ $# -ge 2 ] || die "--root needs a value"; root=$2; shift 2 ;;
      --suite) [ $# -ge 2 ] || die "--suite needs a value"; suite=$2; shift 2 ;;
      --address) [ $# -ge 2 ] || die "--address needs a value"; address=$2; shift 2 ;;
      --state) [ $# -ge 2 ] || die "--state needs a value"; state=$2; shift 2 ;;
      *) die "configure-host: unknown argument '$1'" ;;
    esac
  done
  if [ -z "$root" ] || [ -z "$suite" ] || [ -z "$address" ]; then
    die "configure-host: --root, --suite and --address are required"
  fi
  need_ipv4 "$address"
  [ -d "$root/etc" ] || die "configure-host: $root does not look like a root filesystem (no etc/)"
  local apt_port=$APT_PORT reg_port=$REGISTRY_PORT
  if [ -n "$state" ] && [ -f "$state/services.json" ]; then
    apt_port=$(sed -E 's/.*"apt":"http:\/\/[^:]*:([0-9]+)".*/\1/' "$state/services.json")
    reg_port=$(sed -E 's/.*"registry":"[^:]*:([0-9]+)".*/\1/' "$state/services.json")
  fi

  # apt: only the lab repo. Mirror sources from debootstrap (one-line sources.list, *.list and
  # deb822 *.sources) move to sources.disabled-by-pqb-lab/ (apt ignores that directory), so
  # nothing is lost and nothing tries the internet.
  local apt=$root/etc/apt disabled f marker="# pulumi-qemu-binfmt lab:"
  disabled=$apt/sources.disabled-by-pqb-lab
  mkdir -p "$apt/sources.list.d" "$disabled"
  if [ -f "$apt/sources.list" ] && ! head -n 1 "$apt/sources.list" | grep -qF "$marker"; then
    mv --backup=numbered "$apt/sources.list" "$disabled/sources.list"
  fi
  printf '%s mirror sources moved to %s; the lab repo is in sources.list.d/pqb-lab.list\n' \
    "$marker" "${disabled#"$root"}" >"$apt/sources.list"
  for f in "$apt/sources.list.d"/*.list "$apt/sources.list.d"/*.sources; do
    [ -e "$f" ] || continue
    [ "$(basename "$f")" = pqb-lab.list ] && continue
    mv --backup=numbered "$f" "$disabled/"
  done
  echo "deb [trusted=yes] http://$address:$apt_port/$suite ./" >"$apt/sources.list.d/pqb-lab.list"

  # docker: the lab registry as the docker.io mirror, over plain HTTP.
  mkdir -p "$root/etc/docker"
  node "$DAEMON_JSON_JS" "$root/etc/docker/daemon.json" "http://$address:$reg_port" "$address:$reg_port"
  log "configured $root: apt http://$address:$apt_port/$suite, registry mirror $address:$reg_port"
}

cmd=${1:-}
shift || true
case "$cmd" in
  prepare) cmd_prepare "$@" ;;
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  configure-host) cmd_configure_host "$@" ;;
  *) die "usage: services.sh prepare [--suite S]... [--with PKG]... | start --address IP --state DIR | stop --state DIR | configure-host --root DIR --suite S --address IP [--state DIR]" ;;
esac
