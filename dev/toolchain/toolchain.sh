#!/usr/bin/env bash
# npm run toolchain — the Pulumi engine for this checkout, without the internet.
#
# Provides `pulumi`, `pulumi-language-nodejs`, `pulumi-language-yaml` and the `command` resource plugin (pulumi-resource-command) to
# the project's scripts and tests, and writes the hand-off:
#   .toolchain/env.sh          sourceable `export` lines (PATH, PULUMI_HOME, PULUMI_BACKEND_URL, ...)
#   .toolchain/toolchain.json  versions, paths, dockerProviderAvailable, timings, env (test/support/toolchain.ts)
#
# A `pulumi` already on PATH is used as is (with the language host next to it). Otherwise the binaries are
# built with `go` into $PQB_CACHE/toolchain (keyed by version) and reused on the next run. See
# dev/toolchain/README.md for what is built from where.
#
# Usage: bash dev/toolchain/toolchain.sh [--rebuild] [--no-system] [--quiet]
#   --rebuild    ignore cached binaries and build again
#   --no-system  ignore a pulumi on PATH and use the cached/built one
# Environment: PQB_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-qemu-binfmt),
#   PQB_TOOLCHAIN_CACHE (the built binaries, default $PQB_CACHE/toolchain: a run with an empty
#   PQB_CACHE, e.g. the cold demo test, can keep the 20 minutes of Go builds),
#   PQB_STATE_DIR (file backend directory, default <checkout>/.state/pulumi),
#   PQB_TOOLCHAIN_NO_SYSTEM=1 (same as --no-system).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=dev/scripts/trace.sh
source "$ROOT/dev/scripts/trace.sh"
SRC_DIR=$ROOT/dev/toolchain/go

# ---- pinned versions ------------------------------------------------------------------------------------
# The CLI matches the SDK devDependency @pulumi/pulumi 3.248.0 (the newest whose engines allow Node 20).
PULUMI_VERSION=3.248.0
PULUMI_PKG=github.com/pulumi/pulumi/pkg/v3
PULUMI_SDK=github.com/pulumi/pulumi/sdk/v3
PULUMI_MAIN=$PULUMI_PKG/cmd/pulumi
# pkg/v3's own go.mod replaces this module; a wrapper module has to repeat it.
CLIPBOARD_REPLACE="github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e"
GO_TAGS=osusergo,grpcnotrace
# The YAML language host: upstream github.com/pulumi/pulumi-yaml (served by the module proxy), built with the
# pulumi/pkg and pulumi/sdk versions ITS go.mod pins (v1.25.0 does not compile against v3.248.0's API). A
# language host talks to the CLI over gRPC, so a host built on older modules serves a newer v3 CLI.
YAML_VERSION=1.25.0
YAML_PULUMI_MODULES=3.206.0
YAML_MODULE=github.com/pulumi/pulumi-yaml
YAML_MAIN=$YAML_MODULE/cmd/pulumi-language-yaml

# ---- options ----------------------------------------------------------------------------------------------
REBUILD=0
NO_SYSTEM=${PQB_TOOLCHAIN_NO_SYSTEM:-0}
QUIET=0
for arg in "$@"; do
	case $arg in
	--rebuild) REBUILD=1 ;;
	--no-system) NO_SYSTEM=1 ;;
	--quiet) QUIET=1 ;;
	-h | --help)
		sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "toolchain: unknown option $arg (try --help)" >&2
		exit 2
		;;
	esac
done

PQB_CACHE=${PQB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-qemu-binfmt}
TC_CACHE=${PQB_TOOLCHAIN_CACHE:-$PQB_CACHE/toolchain}
OUT_DIR=$ROOT/.toolchain
BIN_DIR=$OUT_DIR/bin
PROJECT_PULUMI_HOME=$ROOT/.pulumi-home
STATE_DIR=${PQB_STATE_DIR:-$ROOT/.state/pulumi}

say() { [ "$QUIET" = 1 ] || echo "toolchain: $*"; }
die() {
	echo "toolchain: error: $* (at $(pqb_caller))" >&2
	exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# step timings, collected as JSON members
TIMINGS=()
timing() { TIMINGS+=("$(printf '{"step":"%s","seconds":%s,"action":"%s"}' "$1" "$2" "$3")"); }

T_ALL=$(now)

# ---- prerequisites -----------------------------------------------------------------------------------------
command -v node >/dev/null 2>&1 || die "node is not on PATH (Node.js >= 20 is required)"
[ -f "$ROOT/node_modules/@pulumi/pulumi/package.json" ] ||
	die "node_modules is missing @pulumi/pulumi: run \`npm ci\` in $ROOT first"
[ -f "$ROOT/node_modules/@pulumi/command/package.json" ] ||
	die "node_modules is missing @pulumi/command: run \`npm ci\` in $ROOT first"

node_field() { # package, expression over p
	(cd "$ROOT" && node -e "const p=require('$1/package.json'); const v=($2); process.stdout.write(v==null?'':String(v))")
}
SDK_VERSION=$(node_field @pulumi/pulumi 'p.version')
COMMAND_VERSION=$(node_field @pulumi/command 'p.pulumi && p.pulumi.version || p.version')
DOCKER_VERSION=""
if [ -f "$ROOT/node_modules/@pulumi/docker/package.json" ]; then
	DOCKER_VERSION=$(node_field @pulumi/docker 'p.pulumi && p.pulumi.version || p.version')
fi
[ -n "$COMMAND_VERSION" ] || die "could not read the plugin version from @pulumi/command/package.json"

mkdir -p "$TC_CACHE" "$OUT_DIR" "$BIN_DIR" "$PROJECT_PULUMI_HOME" "$STATE_DIR"

# One run at a time per cache (builds) — the lock also covers this checkout's PULUMI_HOME and hand-off.
exec 9>"$TC_CACHE/.lock"
if ! flock -n 9; then
	say "waiting for another toolchain run to finish (lock $TC_CACHE/.lock)"
	flock 9
fi

# ---- Go ------------------------------------------------------------------------------------------------------
GO=""
need_go() {
	[ -n "$GO" ] && return 0
	GO=$(command -v go || true)
	[ -n "$GO" ] || die "\`go\` is not on PATH: it is needed to build the Pulumi engine (Go >= 1.25; Debian: apt-get install golang, or the official tarball). Alternatively install Pulumi ${PULUMI_VERSION} so that \`pulumi\` is on PATH."
	say "using $("$GO" version | cut -d" " -f3-) at $GO"
}

sha_sources() { # dir → short hash of sources + pinned versions + flags
	{
		echo "$PULUMI_VERSION $CLIPBOARD_REPLACE $GO_TAGS"
		(cd "$1" && find . -type f -name '*.go' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
	} | sha256sum | cut -c1-12
}

# build_binary NAME OUTPUT_FILE VERSION_LDFLAGS GO_GET_ARGS MAIN_PACKAGE [SOURCE_DIR] [PULUMI_MODULES_VERSION]
# Builds in a throwaway wrapper module under $TC_CACHE/build and moves the binary into place atomically.
# The resolved pulumi/pkg and pulumi/sdk modules must be PULUMI_MODULES_VERSION (default: the CLI's).
build_binary() {
	local name=$1 out=$2 ldflags=$3 getargs=$4 main=$5 srcdir=${6:-} want=${7:-$PULUMI_VERSION}
	need_go
	local work=$TC_CACHE/build/$name
	rm -rf "$work"
	mkdir -p "$work" "$(dirname "$out")"
	local log=$TC_CACHE/build/$name.log
	: >"$log"
	say "building $name (log: $log) ..."
	(
		cd "$work"
		export GOWORK=off GOFLAGS="${GOFLAGS:-} -buildvcs=false" CGO_ENABLED=0
		"$GO" mod init "pqbtoolchain/$name" >>"$log" 2>&1
		"$GO" mod edit -replace "$CLIPBOARD_REPLACE" >>"$log" 2>&1
		if [ -n "$srcdir" ]; then cp "$srcdir"/*.go .; fi
		# The download step: a module proxy's transient failure is tried again.
		# shellcheck disable=SC2086
		retry 3 "go get $getargs" "$GO" get $getargs >>"$log" 2>&1 || exit 1
		# The resolved Pulumi modules must be exactly the pinned version.
		local resolved
		resolved=$("$GO" list -m -f '{{.Path}} {{.Version}}' "$PULUMI_PKG" "$PULUMI_SDK" 2>>"$log")
		echo "$resolved" >>"$log"
		if [ "$(echo "$resolved" | awk '{print $2}' | sort -u)" != "v$want" ]; then
			echo "resolved versions differ from v$want: $resolved" >>"$log"
			exit 3
		fi
		nice -n 10 "$GO" build -mod=mod -trimpath -tags "$GO_TAGS" -ldflags "-s -w $ldflags" -o "$out.tmp.$$" "$main" >>"$log" 2>&1
		mv -f "$out.tmp.$$" "$out"
	) || {
		rm -f "$out.tmp."*
		tail -n 25 "$log" >&2
		die "building $name failed (full log: $log)"
	}
	rm -rf "$work"
}

# ---- 1. pulumi CLI ------------------------------------------------------------------------------------------
T=$(now)
PULUMI_BIN=""
PULUMI_SOURCE=""
LANG_BIN=""
if [ "$NO_SYSTEM" != 1 ]; then
	# A pulumi on PATH that is not one of ours (a user's normal installation).
	while IFS= read -r cand; do
		[ -n "$cand" ] || continue
		real=$(readlink -f "$cand")
		case $real in "$TC_CACHE"/* | "$BIN_DIR"/*) continue ;; esac
		case $cand in "$BIN_DIR"/*) continue ;; esac
		PULUMI_BIN=$real
		break
	done < <(type -ap pulumi 2>/dev/null || true)
fi
if [ -n "$PULUMI_BIN" ]; then
	PULUMI_SOURCE=system
	PULUMI_ACTUAL=$(PULUMI_SKIP_UPDATE_CHECK=true "$PULUMI_BIN" version 2>/dev/null | tr -d '\r' | tail -n 1)
	say "pulumi $PULUMI_ACTUAL found on PATH in $(elapsed "$T") s ($PULUMI_BIN)"
	if ! node -e 'const [a,b]=process.argv.slice(1).map(v=>v.replace(/^v/,"").split(/[.-]/).slice(0,3).map(Number));process.exit(a[0]>b[0]||(a[0]===b[0]&&(a[1]>b[1]||(a[1]===b[1]&&a[2]>=b[2])))?0:1)' -- "$PULUMI_ACTUAL" "$SDK_VERSION"; then
		say "warning: pulumi $PULUMI_ACTUAL is older than the SDK @pulumi/pulumi $SDK_VERSION; upgrade it or use --no-system"
	fi
	timing pulumi "$(elapsed "$T")" system
	# its bundled language host lives next to it
	for cand in "$(dirname "$PULUMI_BIN")/pulumi-language-nodejs" "$(command -v pulumi-language-nodejs || true)"; do
		if [ -n "$cand" ] && [ -x "$cand" ]; then
			case $(readlink -f "$cand") in "$TC_CACHE"/*) continue ;; esac
			LANG_BIN=$(readlink -f "$cand")
			break
		fi
	done
else
	PULUMI_SOURCE=cache
	PULUMI_DIR=$TC_CACHE/pulumi-v$PULUMI_VERSION
	PULUMI_BIN=$PULUMI_DIR/pulumi
	if [ "$REBUILD" = 1 ] || [ ! -x "$PULUMI_BIN" ]; then
		build_binary "pulumi-v$PULUMI_VERSION" "$PULUMI_BIN" \
			"-X $PULUMI_SDK/go/common/version.Version=v$PULUMI_VERSION" \
			"$PULUMI_MAIN@v$PULUMI_VERSION $PULUMI_SDK@v$PULUMI_VERSION" "$PULUMI_MAIN"
		PULUMI_SOURCE=built
		say "pulumi v$PULUMI_VERSION built in $(elapsed "$T") s (cache: $PULUMI_DIR)"
	else
		say "pulumi v$PULUMI_VERSION reused in $(elapsed "$T") s (cache: $PULUMI_DIR)"
	fi
	PULUMI_ACTUAL=$("$PULUMI_BIN" version 2>/dev/null | tail -n 1)
	[ "$PULUMI_ACTUAL" = "v$PULUMI_VERSION" ] || die "$PULUMI_BIN reports version '$PULUMI_ACTUAL', expected v$PULUMI_VERSION (try --rebuild)"
	timing pulumi "$(elapsed "$T")" "$PULUMI_SOURCE"
fi

# ---- 2. pulumi-language-nodejs ----------------------------------------------------------------------------
T=$(now)
if [ -n "$LANG_BIN" ]; then
	LANG_SOURCE=system
	LANG_VERSION=$("$LANG_BIN" -version 2>/dev/null | tail -n 1 || true)
	say "pulumi-language-nodejs ${LANG_VERSION:-?} found next to pulumi in $(elapsed "$T") s ($LANG_BIN)"
else
	LANG_SOURCE=cache
	LANG_VERSION=v$PULUMI_VERSION
	LANG_DIR=$TC_CACHE/pulumi-language-nodejs-v$PULUMI_VERSION-$(sha_sources "$SRC_DIR/language-nodejs")
	LANG_BIN=$LANG_DIR/pulumi-language-nodejs
	if [ "$REBUILD" = 1 ] || [ ! -x "$LANG_BIN" ]; then
		build_binary "pulumi-language-nodejs-v$PULUMI_VERSION" "$LANG_BIN" \
			"-X $PULUMI_SDK/go/common/version.Version=v$PULUMI_VERSION" \
			"$PULUMI_PKG@v$PULUMI_VERSION $PULUMI_SDK@v$PULUMI_VERSION" . "$SRC_DIR/language-nodejs"
		LANG_SOURCE=built
		say "pulumi-language-nodejs $LANG_VERSION built in $(elapsed "$T") s (cache: $LANG_DIR)"
	else
		say "pulumi-language-nodejs $LANG_VERSION reused in $(elapsed "$T") s (cache: $LANG_DIR)"
	fi
fi
timing pulumi-language-nodejs "$(elapsed "$T")" "$LANG_SOURCE"

# pulumi looks for its bundled language host next to its own resolved executable (else it warns and uses
# PATH), so a built pulumi and language host are linked side by side into one engine dir in the cache.
if [ "$PULUMI_SOURCE" != system ]; then
	ENGINE_DIR=$TC_CACHE/engine-v$PULUMI_VERSION-$(basename "$(dirname "$LANG_BIN")" | sed 's/.*-//')
	if ! cmp -s "$PULUMI_BIN" "$ENGINE_DIR/pulumi" || ! cmp -s "$LANG_BIN" "$ENGINE_DIR/pulumi-language-nodejs"; then
		rm -rf "$ENGINE_DIR.tmp.$$"
		mkdir -p "$ENGINE_DIR.tmp.$$"
		for b in "$PULUMI_BIN" "$LANG_BIN"; do
			ln "$b" "$ENGINE_DIR.tmp.$$/" 2>/dev/null || cp "$b" "$ENGINE_DIR.tmp.$$/"
		done
		rm -rf "$ENGINE_DIR"
		mv "$ENGINE_DIR.tmp.$$" "$ENGINE_DIR"
	fi
	PULUMI_BIN=$ENGINE_DIR/pulumi
	LANG_BIN=$ENGINE_DIR/pulumi-language-nodejs
fi

# The checkout's bin dir (PATH puts it first).
ln -sfn "$PULUMI_BIN" "$BIN_DIR/pulumi"
ln -sfn "$LANG_BIN" "$BIN_DIR/pulumi-language-nodejs"
# The nodejs dynamic-provider plugin (`pulumi-nodejs`, which serves pulumi.dynamic resources such as the
# component's ObservedState). Upstream ships it with the CLI as a small script beside `pulumi`, where the
# engine looks for bundled plugins; an engine built from Go modules has none, so write our own there: it
# runs the SDK's own dynamic-provider host, resolved from the program's directory (the plugin's cwd).
PULUMI_DIR=$(dirname "$(readlink -f "$PULUMI_BIN")")
rm -f "$BIN_DIR/pulumi-resource-pulumi-nodejs"
if [ ! -x "$PULUMI_DIR/pulumi-resource-pulumi-nodejs" ] && [ -w "$PULUMI_DIR" ]; then
	cat >"$PULUMI_DIR/pulumi-resource-pulumi-nodejs.tmp.$$" <<'SH'
#!/bin/sh
# pulumi-nodejs resource plugin: the @pulumi/pulumi SDK's dynamic-provider host (written by npm run toolchain).
script=$(node -e 'process.stdout.write(require.resolve("@pulumi/pulumi/cmd/dynamic-provider"))') || {
	echo "pulumi-resource-pulumi-nodejs: @pulumi/pulumi is not resolvable from $(pwd)" >&2
	exit 1
}
exec node "$script" "$@"
SH
	chmod 755 "$PULUMI_DIR/pulumi-resource-pulumi-nodejs.tmp.$$"
	mv -f "$PULUMI_DIR/pulumi-resource-pulumi-nodejs.tmp.$$" "$PULUMI_DIR/pulumi-resource-pulumi-nodejs"
fi

# Everything below runs with the offline environment that env.sh will export.
export PATH="$BIN_DIR:$PATH"
export PULUMI_HOME=$PROJECT_PULUMI_HOME
export PULUMI_BACKEND_URL="file://$STATE_DIR"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
unset PULUMI_ACCESS_TOKEN

# ---- 3. pulumi-resource-command ----------------------------------------------------------------------------
T=$(now)
CMD_PLUGIN_DIR=$PULUMI_HOME/plugins/resource-command-v$COMMAND_VERSION
CMD_SOURCE=""
CMD_BIN=""
USER_PLUGIN=$HOME/.pulumi/plugins/resource-command-v$COMMAND_VERSION/pulumi-resource-command
if [ "$PULUMI_SOURCE" = system ] && [ -x "$USER_PLUGIN" ]; then
	# a normal installation's plugin cache already has the upstream provider at this version
	CMD_BIN=$USER_PLUGIN
	CMD_SOURCE=user-plugin-cache
else
	CMD_DIR=$TC_CACHE/pulumi-resource-command-v$COMMAND_VERSION-$(sha_sources "$SRC_DIR/command-provider")
	CMD_BIN=$CMD_DIR/pulumi-resource-command
	CMD_SOURCE=cache
	if [ "$REBUILD" = 1 ] || [ ! -x "$CMD_BIN" ]; then
		build_binary "pulumi-resource-command-v$COMMAND_VERSION" "$CMD_BIN" \
			"-X main.Version=$COMMAND_VERSION" \
			"$PULUMI_PKG@v$PULUMI_VERSION $PULUMI_SDK@v$PULUMI_VERSION" . "$SRC_DIR/command-provider"
		CMD_SOURCE=built
	fi
	got=$("$CMD_BIN" --version 2>/dev/null || true)
	[ "$got" = "$COMMAND_VERSION" ] || die "$CMD_BIN reports version '$got', expected $COMMAND_VERSION (try --rebuild)"
fi
ACTION=reused
[ "$CMD_SOURCE" = built ] && ACTION=built
[ "$CMD_SOURCE" = user-plugin-cache ] && ACTION="taken from ~/.pulumi"
say "pulumi-resource-command $COMMAND_VERSION $ACTION in $(elapsed "$T") s (${CMD_DIR:-$(dirname "$CMD_BIN")})"
timing pulumi-resource-command "$(elapsed "$T")" "$CMD_SOURCE"

# ---- 3b. pulumi-language-yaml (Pulumi YAML programs: examples/yaml-build-host) ------------------------------
# Its own cache entry, independent of the engine's: adding or rebuilding it never rebuilds `pulumi`.
T=$(now)
YAML_BIN=""
if [ "$PULUMI_SOURCE" = system ] && [ -x "$(dirname "$PULUMI_BIN")/pulumi-language-yaml" ]; then
	YAML_BIN=$(readlink -f "$(dirname "$PULUMI_BIN")/pulumi-language-yaml")
	YAML_SOURCE=system
	YAML_ACTUAL=$("$YAML_BIN" -version 2>/dev/null | tail -n 1 || true)
else
	YAML_DIR=$TC_CACHE/pulumi-language-yaml-v$YAML_VERSION
	YAML_BIN=$YAML_DIR/pulumi-language-yaml
	YAML_SOURCE=cache
	if [ "$REBUILD" = 1 ] || [ ! -x "$YAML_BIN" ]; then
		build_binary "pulumi-language-yaml-v$YAML_VERSION" "$YAML_BIN" \
			"-X $YAML_MODULE/pkg/version.Version=v$YAML_VERSION" \
			"$YAML_MAIN@v$YAML_VERSION" "$YAML_MAIN" "" "$YAML_PULUMI_MODULES"
		YAML_SOURCE=built
	fi
	YAML_ACTUAL=v$YAML_VERSION
fi
ln -sfn "$YAML_BIN" "$BIN_DIR/pulumi-language-yaml"
ACTION=reused
[ "$YAML_SOURCE" = built ] && ACTION=built
[ "$YAML_SOURCE" = system ] && ACTION="found next to pulumi"
say "pulumi-language-yaml ${YAML_ACTUAL:-?} $ACTION in $(elapsed "$T") s ($YAML_BIN)"
timing pulumi-language-yaml "$(elapsed "$T")" "$YAML_SOURCE"

# ---- 4. plugin install into the project's PULUMI_HOME --------------------------------------------------------
T=$(now)
if cmp -s "$CMD_BIN" "$CMD_PLUGIN_DIR/pulumi-resource-command" && [ ! -e "$CMD_PLUGIN_DIR.partial" ]; then
	say "plugin resource command $COMMAND_VERSION already installed in $(elapsed "$T") s ($CMD_PLUGIN_DIR)"
	timing plugin-install "$(elapsed "$T")" reused
else
	pulumi plugin install resource command "$COMMAND_VERSION" --file "$CMD_BIN" --reinstall >"$OUT_DIR/plugin-install.log" 2>&1 ||
		{
			cat "$OUT_DIR/plugin-install.log" >&2
			die "pulumi plugin install failed"
		}
	say "plugin resource command $COMMAND_VERSION installed in $(elapsed "$T") s ($CMD_PLUGIN_DIR)"
	timing plugin-install "$(elapsed "$T")" installed
fi

# ---- 5. docker provider (cannot be built here; absence is normal) --------------------------------------------
T=$(now)
DOCKER_AVAILABLE=false
DOCKER_PATH=""
DOCKER_WHERE=""
if [ -n "$DOCKER_VERSION" ]; then
	DOCKER_PLUGIN=$PULUMI_HOME/plugins/resource-docker-v$DOCKER_VERSION/pulumi-resource-docker
	USER_DOCKER=$HOME/.pulumi/plugins/resource-docker-v$DOCKER_VERSION/pulumi-resource-docker
	if [ -x "$DOCKER_PLUGIN" ]; then
		DOCKER_AVAILABLE=true DOCKER_PATH=$DOCKER_PLUGIN DOCKER_WHERE="plugin cache"
	elif [ -x "$USER_DOCKER" ]; then
		if pulumi plugin install resource docker "$DOCKER_VERSION" --file "$USER_DOCKER" >>"$OUT_DIR/plugin-install.log" 2>&1; then
			DOCKER_AVAILABLE=true DOCKER_PATH=$DOCKER_PLUGIN DOCKER_WHERE="installed from ~/.pulumi"
		fi
	elif command -v pulumi-resource-docker >/dev/null 2>&1; then
		DOCKER_AVAILABLE=true DOCKER_PATH=$(command -v pulumi-resource-docker) DOCKER_WHERE="PATH"
	fi
fi
if [ "$DOCKER_AVAILABLE" = true ]; then
	say "docker provider plugin ${DOCKER_VERSION} available ($DOCKER_WHERE: $DOCKER_PATH) in $(elapsed "$T") s"
else
	say "docker provider plugin ${DOCKER_VERSION:-?} not available (normal without the internet: it cannot be built from Go modules; docker-dependent tests will skip) in $(elapsed "$T") s"
fi
timing docker-provider "$(elapsed "$T")" "$([ "$DOCKER_AVAILABLE" = true ] && echo found || echo absent)"

# ---- 6. verify ---------------------------------------------------------------------------------------------
T=$(now)
V=$(pulumi version 2>&1 | tail -n 1)
case $V in v3.*) ;; *) die "\`pulumi version\` printed '$V'" ;; esac
pulumi plugin ls >"$OUT_DIR/plugin-ls.txt" 2>&1 || { cat "$OUT_DIR/plugin-ls.txt" >&2; die "pulumi plugin ls failed"; }
grep -Eq "^command[[:space:]]+resource[[:space:]]+$COMMAND_VERSION[[:space:]]" "$OUT_DIR/plugin-ls.txt" ||
	{ cat "$OUT_DIR/plugin-ls.txt" >&2; die "pulumi plugin ls does not list command $COMMAND_VERSION"; }
say "verified: pulumi version $V; plugin ls lists command $COMMAND_VERSION in $(elapsed "$T") s"
timing verify "$(elapsed "$T")" ok

# ---- 7. hand-off -----------------------------------------------------------------------------------------------
ENV_KEYS=(PULUMI_HOME PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE PULUMI_SKIP_UPDATE_CHECK
	PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION PULUMI_DISABLE_REGISTRY_RESOLVE PULUMI_DIY_BACKEND_NO_LEGACY_WARNING)
{
	echo "# Written by dev/toolchain/toolchain.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ); source it: . .toolchain/env.sh"
	printf 'export PATH=%q:"$PATH"\n' "$BIN_DIR"
	for k in "${ENV_KEYS[@]}"; do
		printf 'export %s=%q\n' "$k" "${!k}"
	done
	echo "unset PULUMI_ACCESS_TOKEN"
} >"$OUT_DIR/env.sh.tmp.$$"
mv -f "$OUT_DIR/env.sh.tmp.$$" "$OUT_DIR/env.sh"

timings_json=$(
	IFS=,
	echo "[${TIMINGS[*]}]"
)
TOTAL=$(elapsed "$T_ALL")
node -e '
const [file, ...kv] = process.argv.slice(1);
const a = Object.fromEntries(kv.map((s) => { const i = s.indexOf("="); return [s.slice(0, i), s.slice(i + 1)]; }));
const doc = {
  schema: 1,
  generatedAt: new Date().toISOString(),
  checkout: a.root,
  cacheDir: a.cache,
  binDir: a.bin,
  pulumi: { version: a.pulumiVersion, path: a.pulumiBin, source: a.pulumiSource },
  languageNodejs: { version: a.langVersion, path: a.langBin, source: a.langSource },
  languageYaml: { version: a.yamlVersion, path: a.yamlBin, source: a.yamlSource },
  commandProvider: { version: a.commandVersion, path: a.commandBin, source: a.commandSource,
                     installedPath: a.commandInstalled },
  sdk: { "@pulumi/pulumi": a.sdkVersion },
  dockerProviderAvailable: a.dockerAvailable === "true",
  dockerProvider: { version: a.dockerVersion || null, path: a.dockerPath || null },
  pulumiHome: a.home,
  backendUrl: a.backend,
  pathPrepend: [a.bin],
  env: Object.fromEntries(a.envKeys.split(",").map((k) => [k, process.env[k] ?? ""])),
  timings: JSON.parse(a.timings),
  totalSeconds: Number(a.total),
};
require("fs").writeFileSync(file, JSON.stringify(doc, null, 2) + "\n");
' -- "$OUT_DIR/toolchain.json.tmp.$$" \
	"root=$ROOT" "cache=$TC_CACHE" "bin=$BIN_DIR" \
	"pulumiVersion=$PULUMI_ACTUAL" "pulumiBin=$PULUMI_BIN" "pulumiSource=$PULUMI_SOURCE" \
	"langVersion=$LANG_VERSION" "langBin=$LANG_BIN" "langSource=$LANG_SOURCE" \
	"yamlVersion=$YAML_ACTUAL" "yamlBin=$YAML_BIN" "yamlSource=$YAML_SOURCE" \
	"commandVersion=$COMMAND_VERSION" "commandBin=$CMD_BIN" "commandSource=$CMD_SOURCE" \
	"commandInstalled=$CMD_PLUGIN_DIR/pulumi-resource-command" "sdkVersion=$SDK_VERSION" \
	"dockerAvailable=$DOCKER_AVAILABLE" "dockerVersion=$DOCKER_VERSION" "dockerPath=$DOCKER_PATH" \
	"home=$PULUMI_HOME" "backend=$PULUMI_BACKEND_URL" "envKeys=$(IFS=,; echo "${ENV_KEYS[*]}")" "timings=$timings_json" "total=$TOTAL"
mv -f "$OUT_DIR/toolchain.json.tmp.$$" "$OUT_DIR/toolchain.json"

say "wrote $OUT_DIR/env.sh and $OUT_DIR/toolchain.json (total $TOTAL s)"
say "use it: . .toolchain/env.sh && pulumi version"
