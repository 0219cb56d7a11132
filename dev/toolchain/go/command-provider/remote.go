package main

// One run of a remote:Command script, as upstream 1.2.1 runs it (measured side by side; see README):
//   - a new SSH client per run (connection.go: dialled with retries, never closed), one session on it;
//   - `environment` goes with the SSH "env" request: sshd drops names its AcceptEnv does not list and the run
//     fails with `could not set environment variable "NAME": ssh: setenv failed` (and an error diagnostic);
//   - the previous stdout/stderr (update: the last create/update's; delete: the state's; create: none) go as
//     PULUMI_COMMAND_STDOUT / PULUMI_COMMAND_STDERR with the same request when addPreviousOutputInEnv is not
//     false and the value is not empty; a refusal is a warning diagnostic and the run goes on;
//   - stdin, when not empty, is the session's standard input (create, update and delete alike);
//   - stdout and stderr lines go to the engine as info status messages (per `logging`), both streams through
//     one line splitter;
//   - a failure reads `<session error>: running "<script, Go-quoted>":\n<stdout and stderr as they arrived>`,
//     e.g. `Process exited with status 3: running "exit 3":\n`;
//   - the recorded stdout/stderr lose one trailing newline.

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// runLog is where a run reports: output lines and dial retries (status), setenv refusals (warning, error).
type runLog struct {
	status  func(string)
	warning func(string)
	error   func(string)
}

// remoteRun is what one run of a remote:Command script needs.
type remoteRun struct {
	conn        *connection
	script      string
	environment map[string]string
	// previous holds PULUMI_COMMAND_STDOUT/PULUMI_COMMAND_STDERR when addPreviousOutputInEnv allows them.
	previous  map[string]string
	stdin     string
	logStdout bool
	logStderr bool
}

func setenvRefused(name string) string {
	return fmt.Sprintf("Unable to set '%s'. This only works if your SSH server is configured to accept these "+
		"variables via AcceptEnv. Alternatively, if a Bash-like shell runs the command on the remote host, you "+
		"could prefix the command itself with the variables in the form 'VAR=value command'", name)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func runRemote(ctx context.Context, r remoteRun, log runLog) (string, string, error) {
	client, err := dialAndKeep(ctx, r.conn, log.status)
	if err != nil {
		return "", "", err
	}
	session, err := client.NewSession()
	if err != nil {
		return "", "", err
	}
	defer session.Close()
	for _, k := range sortedKeys(r.environment) {
		if err := session.Setenv(k, r.environment[k]); err != nil {
			log.error(setenvRefused(k))
			return "", "", fmt.Errorf("could not set environment variable %q: %w", k, err)
		}
	}
	for _, k := range sortedKeys(r.previous) {
		if r.previous[k] == "" {
			continue
		}
		if err := session.Setenv(k, r.previous[k]); err != nil {
			log.warning(setenvRefused(k))
		}
	}
	if r.stdin != "" {
		session.Stdin = strings.NewReader(r.stdin)
	}
	logged := &lineWriter{onLine: log.status}
	combined := &lineWriter{onLine: func(string) {}}
	stdout := &lineWriter{onLine: func(string) {}}
	stderr := &lineWriter{onLine: func(string) {}}
	outs := []io.Writer{stdout, combined}
	if r.logStdout {
		outs = append(outs, logged)
	}
	errs := []io.Writer{stderr, combined}
	if r.logStderr {
		errs = append(errs, logged)
	}
	session.Stdout = io.MultiWriter(outs...)
	session.Stderr = io.MultiWriter(errs...)
	// Like upstream, the run is not bound to ctx: a started script runs to its end.
	err = session.Run(r.script)
	logged.flush()
	if err != nil {
		return "", "", fmt.Errorf("%w: running %q:\n%s", err, r.script, combined.text())
	}
	return stdout.flush(), stderr.flush(), nil
}
