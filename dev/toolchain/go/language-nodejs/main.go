// pulumi-language-nodejs (pulumi-qemu-binfmt offline build)
//
// A small Node.js language host for the Pulumi engine, written for this project because the upstream
// host's Go module (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not served by the
// Go module proxy that this project's machines reach. It speaks the LanguageRuntime gRPC protocol of
// github.com/pulumi/pulumi/sdk/v3 (the same version as the CLI it is built with) and runs programs through
// the Node SDK's own entry point, `@pulumi/pulumi/cmd/run`, resolved from the program's directory, so
// TypeScript, config, secrets, dry runs and exit codes are handled by the SDK exactly as upstream.
//
// Implemented: Handshake, GetPluginInfo, GetRequiredPackages, GetRequiredPlugins, Run, RunPlugin (plugins
// written in Node.js, e.g. a component package: run_plugin.go), InstallDependencies (no-op: dependencies are
// the project's own `npm ci`), About, GetProgramDependencies, RuntimeOptionsPrompts, Cancel. Not implemented
// (the engine falls back or reports it): code generation, Pack, Link.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Exit code with which the Node SDK says "the error was already reported to the user".
const bailExitCode = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	tracing       string
	flagOptions   map[string]string

	mu      sync.Mutex
	running map[*exec.Cmd]struct{}
}

func main() {
	flags := map[string]string{}
	var positional []string
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			kv := strings.TrimLeft(a, "-")
			if k, v, ok := strings.Cut(kv, "="); ok {
				flags[k] = v
			} else {
				flags[kv] = "true"
			}
			continue
		}
		positional = append(positional, a)
	}
	if _, ok := flags["version"]; ok {
		fmt.Println(version.Version)
		return
	}
	h := &host{flagOptions: flags, tracing: flags["tracing"], running: map[*exec.Cmd]struct{}{}}
	if len(positional) > 0 {
		h.engineAddress = positional[len(positional)-1]
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start the RPC server: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: RPC server stopped: %v\n", err)
		os.Exit(1)
	}
}

// option reads a runtime option (Pulumi.yaml runtime.options) from the program info, falling back to the
// command-line flags older engines passed.
func (h *host) option(info *pulumirpc.ProgramInfo, name string) (string, bool) {
	if info != nil && info.GetOptions() != nil {
		if v, ok := info.GetOptions().GetFields()[name]; ok {
			switch k := v.GetKind().(type) {
			case *structpb.Value_StringValue:
				return k.StringValue, true
			case *structpb.Value_BoolValue:
				return strconv.FormatBool(k.BoolValue), true
			case *structpb.Value_NumberValue:
				return strconv.FormatFloat(k.NumberValue, 'f', -1, 64), true
			}
		}
	}
	v, ok := h.flagOptions[name]
	return v, ok
}

func nodeBinary(h *host, info *pulumirpc.ProgramInfo) (string, error) {
	if b, ok := h.option(info, "nodeBinary"); ok && b != "" {
		return b, nil
	}
	p, err := exec.LookPath("node")
	if err != nil {
		return "", errors.New("could not find `node` on PATH; install Node.js (>= 20)")
	}
	return p, nil
}

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// ---------------------------------------------------------------------------------------------------------
// Required packages: every package under the nearest node_modules whose package.json has
// `"pulumi": {"resource": true}` (the same rule as upstream).

type pulumiPackageJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  *struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

type pkgDep struct{ name, version, server string }

// nodeModulesFor returns the node_modules directories Node would search from dir (nearest first).
func nodeModulesFor(dir string) []string {
	var out []string
	d := dir
	for {
		nm := filepath.Join(d, "node_modules")
		if st, err := os.Stat(nm); err == nil && st.IsDir() {
			out = append(out, nm)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return out
		}
		d = parent
	}
}

func scanNodeModules(nm string, depth int, seen map[string]bool, acc map[string]pkgDep) {
	real, err := filepath.EvalSymlinks(nm)
	if err != nil || seen[real] || depth > 6 {
		return
	}
	seen[real] = true
	entries, err := os.ReadDir(nm)
	if err != nil {
		return
	}
	var pkgDirs []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(nm, name)
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(p)
			if err != nil {
				continue
			}
			for _, s := range scoped {
				pkgDirs = append(pkgDirs, filepath.Join(p, s.Name()))
			}
			continue
		}
		pkgDirs = append(pkgDirs, p)
	}
	for _, p := range pkgDirs {
		b, err := os.ReadFile(filepath.Join(p, "package.json"))
		if err == nil {
			var pj pulumiPackageJSON
			if json.Unmarshal(b, &pj) == nil && pj.Pulumi != nil && pj.Pulumi.Resource {
				name := pj.Pulumi.Name
				if name == "" {
					name = strings.TrimPrefix(pj.Name, "@pulumi/")
					name = strings.TrimPrefix(name, "@")
				}
				ver := pj.Pulumi.Version
				if ver == "" {
					ver = pj.Version
				}
				if name != "" && ver != "" {
					if !strings.HasPrefix(ver, "v") {
						ver = "v" + ver
					}
					acc[name+"@"+ver] = pkgDep{name: name, version: ver, server: pj.Pulumi.Server}
				}
			}
		}
		nested := filepath.Join(p, "node_modules")
		if st, err := os.Stat(nested); err == nil && st.IsDir() {
			scanNodeModules(nested, depth+1, seen, acc)
		}
	}
}

func programDir(info *pulumirpc.ProgramInfo, fallback string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	if fallback != "" {
		return fallback
	}
	wd, _ := os.Getwd()
	return wd
}

// pluginNodeModules: for a plugin folder (a PulumiPlugin.yaml, e.g. a component package), only its own
// node_modules, as upstream scans a program directory downwards: a package folder inside a checkout must not
// inherit the checkout's dev dependencies (measured: the root's @pulumi/docker devDependency made
// `pulumi package get-schema pulumi-package/` try to download the docker plugin).
func pluginNodeModules(dir string) ([]string, bool) {
	if _, err := os.Stat(filepath.Join(dir, "PulumiPlugin.yaml")); err != nil {
		return nil, false
	}
	nm := filepath.Join(dir, "node_modules")
	if st, err := os.Stat(nm); err == nil && st.IsDir() {
		return []string{nm}, true
	}
	return nil, true
}

func requiredPackages(dir string) []pkgDep {
	acc := map[string]pkgDep{}
	seen := map[string]bool{}
	roots, isPlugin := pluginNodeModules(dir)
	if !isPlugin {
		roots = nodeModulesFor(dir)
	}
	for _, nm := range roots {
		scanNodeModules(nm, 0, seen, acc)
	}
	keys := make([]string, 0, len(acc))
	for k := range acc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]pkgDep, 0, len(keys))
	for _, k := range keys {
		out = append(out, acc[k])
	}
	return out
}

func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	var pkgs []*pulumirpc.PackageDependency
	for _, p := range requiredPackages(programDir(req.GetInfo(), "")) {
		pkgs = append(pkgs, &pulumirpc.PackageDependency{
			Kind: "resource", Name: p.name, Version: p.version, Server: p.server,
		})
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

func (h *host) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	//nolint:staticcheck // the deprecated field is what older engines send
	dir := programDir(req.GetInfo(), req.GetProgram())
	var plugins []*pulumirpc.PluginDependency
	for _, p := range requiredPackages(dir) {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Kind: "resource", Name: p.name, Version: p.version, Server: p.server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// ---------------------------------------------------------------------------------------------------------
// Run

func resolveRunScript(node, dir string) (string, error) {
	if p := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); p != "" {
		return p, nil
	}
	script := `process.stdout.write(require.resolve("@pulumi/pulumi/cmd/run", {paths: [process.argv[1]]}))`
	cmd := exec.Command(node, "-e", script, dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("could not find @pulumi/pulumi from %s (have you run `npm ci`?): %v %s",
			dir, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	node, err := nodeBinary(h, info)
	if err != nil {
		return nil, err
	}
	dir := programDir(info, req.GetPwd())
	runScript, err := resolveRunScript(node, dir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	var args []string
	if na, ok := h.option(info, "nodeargs"); ok && na != "" {
		args = append(args, strings.Fields(na)...)
	}
	args = append(args, runScript)
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k+"="+v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	if info != nil {
		add("root-directory", info.GetRootDirectory())
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() != 0 {
		add("parallel", strconv.Itoa(int(req.GetParallel())))
	}
	add("tracing", h.tracing)
	entry := "."
	if info != nil && info.GetEntryPoint() != "" {
		entry = info.GetEntryPoint()
	} else if req.GetProgram() != "" { //nolint:staticcheck // older engines
		entry = req.GetProgram() //nolint:staticcheck
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	configJSON, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}

	env := os.Environ()
	env = append(env, "PULUMI_CONFIG="+string(configJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON))
	typescript := true
	if ts, ok := h.option(info, "typescript"); ok {
		typescript = ts != "false"
	}
	env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(typescript))
	if tsconfig, ok := h.option(info, "tsconfig"); ok && tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+tsconfig)
	}

	cmd := exec.Command(node, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not start node: %v", err)}, nil
	}
	h.mu.Lock()
	h.running[cmd] = struct{}{}
	h.mu.Unlock()
	err = cmd.Wait()
	h.mu.Lock()
	delete(h.running, cmd)
	h.mu.Unlock()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == bailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cmd := range h.running {
		if cmd.Process != nil {
			_ = cmd.Process.Signal(os.Interrupt)
		}
	}
	return &emptypb.Empty{}, nil
}

// ---------------------------------------------------------------------------------------------------------
// Auxiliary RPCs

func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest,
	srv grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	msg := "pulumi-language-nodejs (offline build): dependencies are installed by the project (`npm ci`); nothing to do\n"
	return srv.Send(&pulumirpc.InstallDependenciesResponse{Stdout: []byte(msg)})
}

func (h *host) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *host) About(_ context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

func (h *host) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDir(req.GetInfo(), "")
	var deps []*pulumirpc.DependencyInfo
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return &pulumirpc.GetProgramDependenciesResponse{}, nil
	}
	var pj struct {
		Dependencies    map[string]string `json:"dependencies"`
		DevDependencies map[string]string `json:"devDependencies"`
	}
	if err := json.Unmarshal(b, &pj); err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for n := range pj.Dependencies {
		names[n] = true
	}
	if req.GetTransitiveDependencies() {
		for n := range pj.DevDependencies {
			names[n] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	nms := nodeModulesFor(dir)
	for _, n := range sorted {
		ver := ""
		for _, nm := range nms {
			if pb, err := os.ReadFile(filepath.Join(nm, n, "package.json")); err == nil {
				var v struct {
					Version string `json:"version"`
				}
				if json.Unmarshal(pb, &v) == nil {
					ver = v.Version
				}
				break
			}
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: n, Version: ver})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}
