// RunPlugin: runs a plugin written in Node.js (a PulumiPlugin.yaml folder with `runtime: nodejs`, such as a
// component package) the way upstream pulumi-language-nodejs does (sdk/nodejs/cmd/pulumi-language-nodejs,
// RunPlugin, v3.248.0): `node <@pulumi/pulumi/cmd/run-plugin> <program directory> <args...>` in the request's
// working directory, with the request's environment plus PULUMI_NODEJS_TYPESCRIPT / PULUMI_NODEJS_TSCONFIG_PATH
// from the plugin's runtime options, its stdout and stderr streamed back to the engine (the provider's port
// is the first line of stdout). The SDK's run-plugin then finds the ComponentResource classes the folder
// exports and serves them as a component provider (schema inferred from the TypeScript declarations).
//
// Not reproduced: policy packs (kind "analyzer": upstream runs @pulumi/pulumi/cmd/run-policy-pack behind a
// configuration proxy; refused here), the debugger attach, the bun runtime.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func resolveModule(node, module, dir string) (string, error) {
	script := `process.stdout.write(require.resolve(process.argv[1], {paths: [process.argv[2]]}))`
	cmd := exec.Command(node, "-e", script, module, dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("could not find %s from %s (have you run `npm ci`?): %v %s",
			module, dir, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if req.GetKind() == "analyzer" {
		return errors.New("pulumi-language-nodejs (offline build): policy packs are not supported")
	}
	if req.GetAttachDebugger() {
		return errors.New("pulumi-language-nodejs (offline build): attaching a debugger to a plugin is not supported")
	}
	info := req.GetInfo()
	dir := programDir(info, req.GetProgram()) //nolint:staticcheck // older engines send Program
	node, err := nodeBinary(h, info)
	if err != nil {
		return err
	}
	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		runPath = "@pulumi/pulumi/cmd/run-plugin"
	}
	runScript, err := resolveModule(node, runPath, dir)
	if err != nil {
		return err
	}

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	env := req.GetEnv()
	if len(env) == 0 {
		env = os.Environ()
	}
	// As upstream: TypeScript unless the plugin's runtime options say `typescript: false`.
	if ts, ok := h.option(info, "typescript"); !ok || ts != "false" {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if tsconfig, ok := h.option(info, "tsconfig"); ok && tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+tsconfig)
	}

	var args []string
	if na, ok := h.option(info, "nodeargs"); ok && na != "" {
		args = append(args, strings.Fields(na)...)
	}
	args = append(args, runScript, dir)
	args = append(args, req.GetArgs()...)

	cmd := exec.CommandContext(server.Context(), node, args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return fmt.Errorf("Program exited with non-zero exit code: %d", exitErr.ExitCode())
		}
		return fmt.Errorf("Problem executing plugin program (could not run language executor): %w", err)
	}
	return closer.Close()
}
