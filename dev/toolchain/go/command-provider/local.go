package main

// One run of a local:Command script (or the local:run invoke), as upstream 1.2.1 runs it: `interpreter` (default
// /bin/sh -c) with the script as its last argument, in `dir` (default: the provider's working directory), the
// provider's environment plus `environment` and the previous stdout/stderr when not empty, stdin when not empty;
// a failure reads `<exec error>: running "<script, Go-quoted>":\n<stdout and stderr as they arrived>`.

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

func runLocal(
	ctx context.Context, script string, interpreter []string, dir string, env map[string]string,
	stdin *string, logStdout, logStderr bool, status func(string),
) (string, string, error) {
	if len(interpreter) == 0 {
		interpreter = []string{"/bin/sh", "-c"}
	}
	args := append(append([]string{}, interpreter[1:]...), script)
	cmd := exec.CommandContext(ctx, interpreter[0], args...) //nolint:gosec // running the user's command is the point
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", "", err
		}
		dir = wd
	}
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for _, k := range sortedKeys(env) {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	if stdin != nil && *stdin != "" {
		cmd.Stdin = strings.NewReader(*stdin)
	}
	logged := &lineWriter{onLine: status}
	combined := &lineWriter{onLine: func(string) {}}
	stdout := &lineWriter{onLine: func(string) {}}
	stderr := &lineWriter{onLine: func(string) {}}
	outs := []io.Writer{stdout, combined}
	if logStdout {
		outs = append(outs, logged)
	}
	errs := []io.Writer{stderr, combined}
	if logStderr {
		errs = append(errs, logged)
	}
	cmd.Stdout = io.MultiWriter(outs...)
	cmd.Stderr = io.MultiWriter(errs...)
	err := cmd.Run()
	logged.flush()
	if err != nil {
		return "", "", fmt.Errorf("%w: running %q:\n%s", err, script, combined.text())
	}
	return stdout.flush(), stderr.flush(), nil
}
