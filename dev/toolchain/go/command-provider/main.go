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
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/pkg/v3/resource/provider"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
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

// detailedDiffServer answers Diff as upstream's provider framework does: the detailed diff is authoritative
// (HasDetailedDiff, which plugin.NewProviderServer leaves unset, so the engine would show a replace as a
// diff of every output) and Diffs/Replaces name top-level properties.
type detailedDiffServer struct {
	pulumirpc.ResourceProviderServer
}

func (s detailedDiffServer) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	resp, err := s.ResourceProviderServer.Diff(ctx, req)
	if err != nil || resp == nil {
		return resp, err
	}
	resp.HasDetailedDiff = true
	heads := func(paths []string) []string {
		seen := map[string]bool{}
		var out []string
		for _, p := range paths {
			if pp, err := resource.ParsePropertyPath(p); err == nil && len(pp) > 0 {
				if h, ok := pp[0].(string); ok {
					p = h
				}
			}
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
		sort.Strings(out)
		return out
	}
	resp.Diffs = heads(resp.Diffs)
	resp.Replaces = heads(resp.Replaces)
	return resp, nil
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
// Check and Diff

func (p *commandProvider) Check(_ context.Context, req plugin.CheckRequest) (plugin.CheckResponse, error) {
	if _, ok := inputKeys[req.Type]; !ok {
		return plugin.CheckResponse{}, fmt.Errorf("unknown resource type %q (this command provider build "+
			"implements %s)", req.Type, knownTypes())
	}
	var failures []plugin.CheckFailure
	need := func(k resource.PropertyKey) {
		if v, ok := req.News[k]; !ok || v.IsNull() {
			failures = append(failures, plugin.CheckFailure{Property: k, Reason: fmt.Sprintf("missing required property '%s'", k)})
		}
	}
	switch req.Type {
	case tRemoteCommand:
		need("connection")
	case tCopyToRemote:
		need("connection")
		need("source")
		need("remotePath")
	case tCopyFile:
		need("connection")
		need("localPath")
		need("remotePath")
	}
	news := req.News.Copy()
	if v, ok := news["connection"]; ok {
		news["connection"] = secretConnection(v, true)
	}
	return plugin.CheckResponse{Properties: news, Failures: failures}, nil
}

// secretConnection marks a connection secret as a whole (when top) and its password, privateKey and
// privateKeyPassword each on their own, in its proxy too, as upstream's Check does: the state holds them as
// nested secrets, so a program that unsecrets `connection` still sees the key as a secret.
func secretConnection(v resource.PropertyValue, top bool) resource.PropertyValue {
	inner := plain(v)
	if !inner.IsObject() {
		return v
	}
	m := inner.ObjectValue().Copy()
	for _, k := range []resource.PropertyKey{"password", "privateKey", "privateKeyPassword"} {
		if f, ok := m[k]; ok && !f.IsNull() && !f.IsSecret() && !f.IsComputed() {
			m[k] = resource.MakeSecret(f)
		}
	}
	if pv, ok := m["proxy"]; ok && !pv.IsNull() && !pv.IsComputed() {
		m["proxy"] = secretConnection(pv, false)
	}
	out := resource.NewObjectProperty(m)
	if top {
		return resource.MakeSecret(out)
	}
	return out
}

func knownTypes() string {
	var ts []string
	for t := range inputKeys {
		ts = append(ts, string(t))
	}
	sort.Strings(ts)
	return strings.Join(ts, ", ")
}

// Diff compares the old and new inputs as upstream's infer layer does: every input (but "version" and "__…"), a
// detailed diff keyed by property path ("create", "triggers[0]", "connection.host"), all of kind update/add/
// delete except a whole "triggers" appearing or going, which replaces. A changed trigger element replaces
// because the SDK registers the resource with replaceOnChanges ["triggers[*]"], not because of this diff.
func (p *commandProvider) Diff(_ context.Context, req plugin.DiffRequest) (plugin.DiffResponse, error) {
	if _, ok := inputKeys[req.Type]; !ok {
		return plugin.DiffResult{}, fmt.Errorf("unknown resource type %q", req.Type)
	}
	olds := req.OldInputs
	if len(olds) == 0 {
		olds = resource.PropertyMap{}
		for _, k := range inputKeys[req.Type] {
			if v, ok := req.OldOutputs[k]; ok {
				olds[k] = v
			}
		}
	}
	news := resource.PropertyMap{}
	for k, v := range req.NewInputs {
		if k != "version" && !strings.HasPrefix(string(k), "__") {
			news[k] = v
		}
	}
	res := plugin.DiffResult{Changes: plugin.DiffNone}
	objDiff := olds.Diff(news)
	if objDiff == nil || !objDiff.AnyChanges() {
		return res, nil
	}
	res.Changes = plugin.DiffSome
	res.DetailedDiff = plugin.NewDetailedDiffFromObjectDiff(objDiff, false)
	changed, replaced := map[resource.PropertyKey]bool{}, map[resource.PropertyKey]bool{}
	for path, d := range res.DetailedDiff {
		head := path
		if pp, err := resource.ParsePropertyPath(path); err == nil && len(pp) > 0 {
			if h, ok := pp[0].(string); ok {
				head = h
			}
		}
		if replaceKeys[resource.PropertyKey(path)] {
			d.Kind = d.Kind.AsReplace()
			res.DetailedDiff[path] = d
		}
		changed[resource.PropertyKey(head)] = true
		if d.Kind.IsReplace() {
			replaced[resource.PropertyKey(head)] = true
		}
	}
	for k := range changed {
		res.ChangedKeys = append(res.ChangedKeys, k)
	}
	for k := range replaced {
		res.ReplaceKeys = append(res.ReplaceKeys, k)
	}
	sort.Slice(res.ChangedKeys, func(i, j int) bool { return res.ChangedKeys[i] < res.ChangedKeys[j] })
	sort.Slice(res.ReplaceKeys, func(i, j int) bool { return res.ReplaceKeys[i] < res.ReplaceKeys[j] })
	return res, nil
}

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
		// Upstream previews an update with the last run's stdout/stderr, known, not as unknowns.
		outs := req.NewInputs.Copy()
		if req.Type == tRemoteCommand {
			for _, k := range []resource.PropertyKey{"stdout", "stderr"} {
				if v, ok := req.OldOutputs[k]; ok {
					outs[k] = v
				}
			}
			return plugin.UpdateResponse{Properties: outs}, nil
		}
		return plugin.UpdateResponse{Properties: previewOutputs(req.Type, req.NewInputs)}, nil
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

func previewOutputs(t tokens.Type, inputs resource.PropertyMap) resource.PropertyMap {
	outs := inputs.Copy()
	if t == tRemoteCommand || t == tLocalCommand {
		outs["stdout"] = resource.MakeComputed(resource.NewStringProperty(""))
		outs["stderr"] = resource.MakeComputed(resource.NewStringProperty(""))
	}
	return outs
}

// apply runs the create (or update) action of a resource and returns its new outputs.
func (p *commandProvider) apply(
	ctx context.Context, urn resource.URN, t tokens.Type, inputs, oldOutputs resource.PropertyMap, op string,
) (resource.PropertyMap, error) {
	outs := inputs.Copy()
	switch t {
	case tRemoteCommand, tLocalCommand:
		script, _ := str(inputs, "create")
		if op == "update" {
			if u, _ := str(inputs, "update"); u != "" {
				script = u
			}
		}
		stdout, stderr := "", ""
		if op == "update" && script == "" {
			// Neither update nor create: nothing runs and the last outputs stay, as upstream.
			stdout, _ = str(oldOutputs, "stdout")
			stderr, _ = str(oldOutputs, "stderr")
		}
		if script != "" {
			var err error
			stdout, stderr, err = p.runCommand(ctx, urn, t, inputs, oldOutputs, op, script)
			if err != nil {
				return nil, err
			}
		}
		outs["stdout"] = resource.NewStringProperty(stdout)
		outs["stderr"] = resource.NewStringProperty(stderr)
	case tCopyToRemote:
		if err := copyToRemote(ctx, inputs); err != nil {
			return nil, err
		}
	case tCopyFile:
		if err := copyFile(ctx, inputs); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown resource type %q", t)
	}
	return outs, nil
}

// runCommand runs one script of a command resource, locally or over SSH, and streams its output to the engine.
// previous is the state whose stdout/stderr the script sees (nil on create).
func (p *commandProvider) runCommand(
	ctx context.Context, urn resource.URN, t tokens.Type, props, previous resource.PropertyMap, op, script string,
) (string, string, error) {
	env, err := strMap(props, "environment")
	if err != nil {
		return "", "", err
	}
	prev := map[string]string{}
	if b, ok := boolean(props, "addPreviousOutputInEnv"); (!ok || b) && previous != nil {
		prev["PULUMI_COMMAND_STDOUT"], _ = str(previous, "stdout")
		prev["PULUMI_COMMAND_STDERR"], _ = str(previous, "stderr")
	}
	stdin, hasStdin := str(props, "stdin")
	logging, _ := str(props, "logging")
	if logging == "" {
		logging = "stdoutAndStderr"
	}
	logStdout := logging == "stdout" || logging == "stdoutAndStderr"
	logStderr := logging == "stderr" || logging == "stdoutAndStderr"
	report := func(sev diag.Severity, status bool) func(string) {
		return func(msg string) {
			if p.host == nil || urn == "" {
				return
			}
			if status {
				_ = p.host.LogStatus(context.Background(), sev, urn, msg)
			} else {
				_ = p.host.Log(context.Background(), sev, urn, msg)
			}
		}
	}

	switch t {
	case tRemoteCommand:
		conn, err := parseConnection(props)
		if err != nil {
			return "", "", err
		}
		return runRemote(ctx, remoteRun{
			conn: conn, script: script, environment: env, previous: prev, stdin: stdin,
			logStdout: logStdout, logStderr: logStderr,
		}, runLog{status: report(diag.Info, true), warning: report(diag.Warning, false), error: report(diag.Error, false)})
	case tLocalCommand:
		if v, ok := props["assetPaths"]; ok && !v.IsNull() {
			return "", "", errors.New("local.Command: assetPaths is not supported by this command provider build")
		}
		if v, ok := props["archivePaths"]; ok && !v.IsNull() {
			return "", "", errors.New("local.Command: archivePaths is not supported by this command provider build")
		}
		interpreter, err := strList(props, "interpreter")
		if err != nil {
			return "", "", err
		}
		dir, _ := str(props, "dir")
		for k, v := range prev {
			if v != "" {
				env[k] = v
			}
		}
		var in *string
		if hasStdin {
			in = &stdin
		}
		return runLocal(ctx, script, interpreter, dir, env, in, logStdout, logStderr, report(diag.Info, true))
	}
	return "", "", fmt.Errorf("resource type %q runs no command", t)
}

// ---------------------------------------------------------------------------------------------------------
// Property helpers

// plain unwraps secrets and known outputs.
func plain(v resource.PropertyValue) resource.PropertyValue {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput():
			v = v.OutputValue().Element
		default:
			return v
		}
	}
}

func str(m resource.PropertyMap, k resource.PropertyKey) (string, bool) {
	v, ok := m[k]
	if !ok {
		return "", false
	}
	v = plain(v)
	if !v.IsString() {
		return "", false
	}
	return v.StringValue(), true
}

func boolean(m resource.PropertyMap, k resource.PropertyKey) (bool, bool) {
	v, ok := m[k]
	if !ok {
		return false, false
	}
	v = plain(v)
	if !v.IsBool() {
		return false, false
	}
	return v.BoolValue(), true
}

func number(m resource.PropertyMap, k resource.PropertyKey) (float64, bool) {
	v, ok := m[k]
	if !ok {
		return 0, false
	}
	v = plain(v)
	if !v.IsNumber() {
		return 0, false
	}
	return v.NumberValue(), true
}

func strMap(m resource.PropertyMap, k resource.PropertyKey) (map[string]string, error) {
	out := map[string]string{}
	v, ok := m[k]
	if !ok {
		return out, nil
	}
	v = plain(v)
	if v.IsNull() {
		return out, nil
	}
	if !v.IsObject() {
		return nil, fmt.Errorf("property %q must be a map of strings", k)
	}
	for ek, ev := range v.ObjectValue() {
		ev = plain(ev)
		if !ev.IsString() {
			return nil, fmt.Errorf("property %q: value of %q must be a string", k, ek)
		}
		out[string(ek)] = ev.StringValue()
	}
	return out, nil
}

func strList(m resource.PropertyMap, k resource.PropertyKey) ([]string, error) {
	v, ok := m[k]
	if !ok {
		return nil, nil
	}
	v = plain(v)
	if v.IsNull() {
		return nil, nil
	}
	if !v.IsArray() {
		return nil, fmt.Errorf("property %q must be a list of strings", k)
	}
	var out []string
	for _, e := range v.ArrayValue() {
		e = plain(e)
		if !e.IsString() {
			return nil, fmt.Errorf("property %q must be a list of strings", k)
		}
		out = append(out, e.StringValue())
	}
	return out, nil
}
