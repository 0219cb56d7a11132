package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
)

func runLocal(
	ctx context.Context, op, script string, interpreter []string, dir string, env map[string]string,
	stdin *string, logLine func(stream, line string),
) (string, string, error) {
	if len(interpreter) == 0 {
		interpreter = []string{"/bin/sh", "-c"}
	}
	args := append(append([]string{}, interpreter[1:]...), script)
	cmd := exec.CommandContext(ctx, interpreter[0], args...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if stdin != nil {
		cmd.Stdin = strings.NewReader(*stdin)
	}
	stdoutW := &lineWriter{onLine: func(l string) { logLine("stdout", l) }}
	stderrW := &lineWriter{onLine: func(l string) { logLine("stderr", l) }}
	cmd.Stdout = stdoutW
	cmd.Stderr = stderrW
	err := cmd.Run()
	stdout, stderr := stdoutW.flush(), stderrW.flush()
	if err != nil {
		return stdout, stderr, commandError(op, "the local machine", err, stdout, stderr)
	}
	return stdout, stderr, nil
}
