#!/usr/bin/env bash
# npm run bench [-- OPTIONS]
#   (no options)        full run: N = 1,4,8 x 3 runs x contenders a,b,c,d, fresh lab hosts each
#   --quick             smoke test: N = 1, one run; results under dev/bench/work/results-quick/
#   --ns 1,4 --runs 2 --contenders a,c    a subset
#   --report            only rewrite dev/bench/results/results.md and wall-time.png from results.json
#   --command-plugin BIN  run the pulumi contenders with this pulumi-resource-command (e.g. a private
#                       upstream build) instead of the toolchain's stand-in; recorded in results.json
#   --scale-ns 1,8,16,32  N values of the scaling curve (contender s, packages preinstalled); '' for none
#   --prefix P          lab hosts P1..PN (default bench); raises fs.inotify.max_user_instances for the
#                       run when N needs it, restored on exit (dev/bench/README.md)
#
# Contenders: (a) `pulumi up` of a stack using BinfmtFleet, plus its no-op second up;
# (b) an Ansible playbook doing the same work; (c) one bash script per host over one ssh
# session, all hosts in parallel (the floor); (d) `pulumi up` of an empty stack.
# See dev/bench/README.md for what is measured and how.
#
# Prepares everything it needs on a fresh machine: Debian's ansible, gnuplot-nox, jq;
# the toolchain (npm run toolchain); node_modules and a compiled snapshot of the package;
# python3-apt .debs for Ansible's apt module. Lab hosts (prefix "bench") are created
# and removed per measurement; only hosts of that prefix are ever taken down.
set -euo pipefail
# shellcheck source=dev/scripts/trace.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/trace.sh"
cd "$(dirname "$0")/../.."
REPO=$(pwd)
PQB_CACHE=${PQB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-qemu-binfmt}
PY=/usr/bin/python3
say() { echo "[bench] $*"; }

report=0
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --report) report=1 ;;
    --command-plugin) BENCH_COMMAND_PLUGIN=${2:?--command-plugin needs a path}; shift ;;
    --command-plugin=*) BENCH_COMMAND_PLUGIN=${1#*=} ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done
if [ -n "${BENCH_COMMAND_PLUGIN:-}" ]; then
  [ -x "$BENCH_COMMAND_PLUGIN" ] || { echo "bench: --command-plugin $BENCH_COMMAND_PLUGIN is not an executable" >&2; exit 2; }
  BENCH_COMMAND_PLUGIN=$(readlink -f "$BENCH_COMMAND_PLUGIN")
  export BENCH_COMMAND_PLUGIN
fi

# --- machine packages (Debian) --------------------------------------------------------------
need=()
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
command -v jq >/dev/null || need+=(jq)
[ -x "$PY" ] || need+=(python3)
if [ $report = 0 ]; then
  command -v ansible-playbook >/dev/null || need+=(ansible)
  command -v ssh >/dev/null || need+=(openssh-client)
fi
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${need[@]}" >/dev/null || { apt-get update -q >/dev/null; apt-get install -y -q "${need[@]}" >/dev/null; }
fi

if [ $report = 1 ]; then
  exec "$PY" dev/bench/lib/bench.py report
fi

# --- node deps, compiled package, toolchain ------------------------------------------------
if [ ! -d node_modules/@pulumi/pulumi ]; then say "npm ci"; npm ci --no-audit --no-fund >/dev/null; fi
# The package under test: compiled from src/ into dev/bench/work/pkg (its own copy, so a rebuild of
# dist/ by someone else during a run cannot change the component between two measurements).
pkg=dev/bench/work/pkg
say "compiling the package into $pkg (tsc -p dev/bench/tsconfig.bench.json)"
rm -rf "$pkg"
npx --no-install tsc -p dev/bench/tsconfig.bench.json
node dev/scripts/copy-scripts.mjs "$pkg/dist" >/dev/null
cp package.json "$pkg/package.json"
export BENCH_PACKAGE=$REPO/$pkg
if [ ! -f .toolchain/env.sh ]; then say "npm run toolchain (first time: builds the engine, can take 20 min)"; npm run -s toolchain; fi
# shellcheck disable=SC1091
source .toolchain/env.sh
command -v pulumi >/dev/null || { echo "bench: pulumi not on PATH after .toolchain/env.sh" >&2; exit 1; }

# --- python3-apt for Ansible's apt module on the managed hosts ------------------------------
# Ansible's apt module needs python3-apt on the managed node; the lab's offline repo only
# carries the product's packages, so the bench copies these .debs in before (b), untimed.
debdir="$PQB_CACHE/bench/python3-apt-bookworm"
if ! ls "$debdir"/python3-apt_*.deb >/dev/null 2>&1; then
  say "fetching python3-apt (+ python-apt-common, distro-info-data) for bookworm hosts"
  rm -rf "$debdir.tmp"
  bash dev/scripts/debs.sh fetch --suite bookworm --arch "$(dpkg --print-architecture)" --dest "$debdir.tmp" \
    python3-apt python-apt-common distro-info-data >/dev/null
  rm -rf "$debdir"; mv "$debdir.tmp" "$debdir"
fi
export BENCH_PY3APT_DEBS=$debdir

exec "$PY" dev/bench/lib/bench.py run ${args[@]+"${args[@]}"}
