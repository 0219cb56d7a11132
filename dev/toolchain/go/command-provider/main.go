// pulumi-resource-command (pulumi-qemu-binfmt offline build)
//
// A resource provider for the `command` package that the @pulumi/command Node SDK talks to, written for this
// project because the upstream provider's Go module (github.com/pulumi/pulumi-command/provider) is not served
// by the Go module proxy that this project's machines reach. It reports the version @pulumi/command asks for
// (set at build time) and implements:
//
//   - command:remote:Command  create/update/delete over SSH (remote.go, connection.go);
//   - command:remote:CopyToRemote  an asset (file) or archive (directory, tar, zip, asset map) to remotePath;
//   - command:remote:CopyFile      (deprecated upstream) a local file to remotePath (copy.go);
//   - command:local:Command and the command:local:run invoke (local.go).
//
// Files: main.go (plugin, CRUD), check.go (Check, Diff), run.go (one script run), remote.go + connection.go (SSH),
// copy.go, local.go, output.go (line splitting), props.go (property helpers).
//
// It reproduces upstream 1.2.1 where users see it, checked side by side with a private build of upstream:
// one SSH client per remote command held open until the provider exits; every dial error retried
// (dialErrorLimit+1 attempts, retry.Until pauses, "after N failed attempts: …"); failures read
// `<error>: running "<script>":\n<output>`; environment and PULUMI_COMMAND_STDOUT/STDERR go by SSH setenv;
// stdin on create, update and delete; triggers replace; path-keyed detailed diffs; nested connection secrets.
//
// Differences from upstream (dev/toolchain/README.md keeps the full list): copies go through `cat`/`tar` in the
// remote shell, not SFTP; local assetPaths/archivePaths are refused; inputs are not validated against a schema
// and GetSchema returns name and version only; environment variables are set in name order.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/resource/provider"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/blang/semver"
)

// Version is set with -ldflags "-X main.Version=1.2.1".
var Version = "0.0.0-dev"

const (
	tRemoteCommand = "command:remote:Command"
	tCopyToRemote  = "command:remote:CopyToRemote"
	tCopyFile      = "command:remote:CopyFile"
	tLocalCommand  = "command:local:Command"
	fLocalRun      = "command:local:run"
)

// inputKeys lists, per resource type, its input properties: the types this build knows, and what Diff compares
// when the engine sends no old inputs (it then takes them from the old outputs).
var inputKeys = map[tokens.Type][]resource.PropertyKey{
	tRemoteCommand: {"connection", "create", "update", "delete", "environment", "triggers", "stdin", "logging",
		"addPreviousOutputInEnv"},
	tCopyToRemote: {"connection", "source", "remotePath", "triggers"},
	tCopyFile:     {"connection", "localPath", "remotePath", "triggers"},
	tLocalCommand: {"create", "update", "delete", "environment", "triggers", "stdin", "logging", "dir",
		"interpreter", "addPreviousOutputInEnv", "assetPaths", "archivePaths"},
}

// replaceKeys lists the inputs whose change replaces the resource (the SDK also asks for it).
var replaceKeys = map[resource.PropertyKey]bool{"triggers": true}

type commandProvider struct {
	plugin.UnimplementedProvider
	host *provider.HostClient
}

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Println(Version)
		return
	}
	err := provider.Main("command", func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return detailedDiffServer{plugin.NewProviderServer(&commandProvider{host: host})}, nil
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: %v\n", err)
		os.Exit(1)
	}
}

func (p *commandProvider) GetPluginInfo(context.Context) (plugin.PluginInfo, error) {
	v, err := semver.ParseTolerant(Version)
	if err != nil {
		return plugin.PluginInfo{}, err
	}
	return plugin.PluginInfo{Version: &v}, nil
}

func (p *commandProvider) GetSchema(context.Context, plugin.GetSchemaRequest) (plugin.GetSchemaResponse, error) {
	return plugin.GetSchemaResponse{
		Schema: []byte(fmt.Sprintf(`{"name":"command","version":%q}`, strings.TrimPrefix(Version, "v"))),
	}, nil
}

func (p *commandProvider) CheckConfig(
	_ context.Context, req plugin.CheckConfigRequest,
) (plugin.CheckConfigResponse, error) {
	return plugin.CheckConfigResponse{Properties: req.News}, nil
}

func (p *commandProvider) DiffConfig(context.Context, plugin.DiffConfigRequest) (plugin.DiffConfigResponse, error) {
	return plugin.DiffResult{Changes: plugin.DiffNone}, nil
}

func (p *commandProvider) Configure(context.Context, plugin.ConfigureRequest) (plugin.ConfigureResponse, error) {
	return plugin.ConfigureResponse{}, nil
}

func (p *commandProvider) SignalCancellation(context.Context) error { return nil }

func (p *commandProvider) Close() error { return nil }

// ---------------------------------------------------------------------------------------------------------
// CRUD

func newID(urn resource.URN) (resource.ID, error) {
	// As upstream: the name and 8 random hex digits, no separator ("run" -> "run1a2b3c4d").
	return resource.NewUniqueHexID(urn.Name(), 8, 0)
}

func withTimeout(ctx context.Context, seconds float64) (context.Context, context.CancelFunc) {
	if seconds > 0 {
		return context.WithTimeout(ctx, secondsDuration(seconds))
	}
	return context.WithCancel(ctx)
}

func (p *commandProvider) Create(ctx context.Context, req plugin.CreateRequest) (plugin.CreateResponse, error) {
	id, err := newID(req.URN)
	if err != nil {
		return plugin.CreateResponse{}, err
	}
	if req.Preview {
		return plugin.CreateResponse{ID: id, Properties: previewOutputs(req.Type, req.Properties)}, nil
	}
	ctx, cancel := withTimeout(ctx, req.Timeout)
	defer cancel()
	outs, err := p.apply(ctx, req.URN, req.Type, req.Properties, nil, "create")
	if err != nil {
		return plugin.CreateResponse{}, err
	}
	return plugin.CreateResponse{ID: id, Properties: outs, Status: resource.StatusOK}, nil
}

func (p *commandProvider) Update(ctx context.Context, req plugin.UpdateRequest) (plugin.UpdateResponse, error) {
	if req.Preview {
		return plugin.UpdateResponse{Properties: previewUpdateOutputs(req.Type, req.OldOutputs, req.NewInputs)}, nil
	}
	ctx, cancel := withTimeout(ctx, req.Timeout)
	defer cancel()
	outs, err := p.apply(ctx, req.URN, req.Type, req.NewInputs, req.OldOutputs, "update")
	if err != nil {
		return plugin.UpdateResponse{}, err
	}
	return plugin.UpdateResponse{Properties: outs, Status: resource.StatusOK}, nil
}

func (p *commandProvider) Read(_ context.Context, req plugin.ReadRequest) (plugin.ReadResponse, error) {
	// Commands have no live state to read back: keep what was recorded.
	return plugin.ReadResponse{
		ReadResult: plugin.ReadResult{ID: req.ID, Inputs: req.Inputs, Outputs: req.State},
		Status:     resource.StatusOK,
	}, nil
}

func (p *commandProvider) Delete(ctx context.Context, req plugin.DeleteRequest) (plugin.DeleteResponse, error) {
	ctx, cancel := withTimeout(ctx, req.Timeout)
	defer cancel()
	state := req.Outputs
	if len(state) == 0 {
		state = req.Inputs
	}
	switch req.Type {
	case tRemoteCommand, tLocalCommand:
		script, _ := str(state, "delete")
		if script == "" {
			return plugin.DeleteResponse{Status: resource.StatusOK}, nil
		}
		if _, _, err := p.runCommand(ctx, req.URN, req.Type, state, state, "delete", script); err != nil {
			return plugin.DeleteResponse{Status: resource.StatusUnknown}, err
		}
	}
	// Copies are left in place on delete, as upstream does.
	return plugin.DeleteResponse{Status: resource.StatusOK}, nil
}

func (p *commandProvider) Invoke(ctx context.Context, req plugin.InvokeRequest) (plugin.InvokeResponse, error) {
	if string(req.Tok) != fLocalRun {
		return plugin.InvokeResponse{}, fmt.Errorf("unknown function %q (this command provider build implements %s)",
			req.Tok, fLocalRun)
	}
	script, _ := str(req.Args, "command")
	outs := req.Args.Copy()
	stdout, stderr, err := p.runCommand(ctx, "", tLocalCommand, req.Args, nil, "run", script)
	if err != nil {
		return plugin.InvokeResponse{}, err
	}
	outs["stdout"] = resource.NewStringProperty(stdout)
	outs["stderr"] = resource.NewStringProperty(stderr)
	return plugin.InvokeResponse{Properties: outs}, nil
}

// previewUpdateOutputs is what upstream's update preview returns. Its Command.Update (provider/pkg/provider/
// remote and local, commandController.go) returns the new inputs with the last run's stdout/stderr, and
// pulumi-go-provider's infer (v1.x, resource.go markComputed) then marks every output that is not a copy of an
// input as unknown when any input is unknown or differs from the value recorded in the old state (no
// WireDependencies on Command: each output depends on every input). So an update that changes an input
// previews stdout/stderr as unknown; an update that changes none keeps them. Copies return their inputs.
func previewUpdateOutputs(t tokens.Type, olds, news resource.PropertyMap) resource.PropertyMap {
	outs := news.Copy()
	if t != tRemoteCommand && t != tLocalCommand {
		return outs
	}
	changed := false
	for k, v := range news {
		if old, ok := olds[k]; v.ContainsUnknowns() || (ok && !old.DeepEquals(v)) {
			changed = true
		}
	}
	for k := range olds {
		if _, ok := news[k]; !ok && k != "stdout" && k != "stderr" {
			changed = true // an input removed (infer compares every input field, absent = null)
		}
	}
	for _, k := range []resource.PropertyKey{"stdout", "stderr"} {
		if changed {
			outs[k] = resource.MakeComputed(resource.NewStringProperty(""))
		} else if v, ok := olds[k]; ok {
			outs[k] = v
		}
	}
	return outs
}

func previewOutputs(t tokens.Type, inputs resource.PropertyMap) resource.PropertyMap {
	outs := inputs.Copy()
	if t == tRemoteCommand || t == tLocalCommand {
		outs["stdout"] = resource.MakeComputed(resource.NewStringProperty(""))
		outs["stderr"] = resource.MakeComputed(resource.NewStringProperty(""))
	}
	return outs
}
