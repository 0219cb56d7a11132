package main

// Check and Diff, as upstream's infer layer answers them (see dev/toolchain/README.md).

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

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
