package main

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

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
