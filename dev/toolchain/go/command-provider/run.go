package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

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
		// Upstream (1.2.1 copyController.go Update) copies again on an update only when the source's hash or
		// remotePath changed; a change of the connection or of the source's local path alone copies nothing.
		if op == "update" && sourceHash(inputs) == sourceHash(oldOutputs) && sameString(inputs, oldOutputs, "remotePath") {
			break
		}
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

// sourceHash is the hash of a copy's source asset or archive ("" when there is none).
func sourceHash(props resource.PropertyMap) string {
	src, ok := props["source"]
	if !ok {
		return ""
	}
	src = plain(src)
	switch {
	case src.IsAsset():
		return "asset:" + src.AssetValue().Hash
	case src.IsArchive():
		return "archive:" + src.ArchiveValue().Hash
	}
	return ""
}

func sameString(a, b resource.PropertyMap, key resource.PropertyKey) bool {
	x, okx := str(a, key)
	y, oky := str(b, key)
	return okx == oky && x == y
}
