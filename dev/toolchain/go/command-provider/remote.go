package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

type connection struct {
	Host               string
	Port               int
	User               string
	Password           string
	PrivateKey         string
	PrivateKeyPassword string
	AgentSocketPath    string
	HostKey            string
	DialErrorLimit     int
	PerDialTimeout     int
	Proxy              *connection
}

func (c *connection) addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

func (c *connection) String() string { return c.User + "@" + c.addr() }

func parseConnection(props resource.PropertyMap) (*connection, error) {
	v, ok := props["connection"]
	if !ok {
		return nil, errors.New("missing required property 'connection'")
	}
	v = plain(v)
	if !v.IsObject() {
		return nil, errors.New("property 'connection' must be an object")
	}
	return connectionFrom(v.ObjectValue(), true)
}

func connectionFrom(m resource.PropertyMap, allowProxy bool) (*connection, error) {
	c := &connection{Port: 22, User: "root", DialErrorLimit: 10, PerDialTimeout: 15}
	var ok bool
	if c.Host, ok = str(m, "host"); !ok || c.Host == "" {
		return nil, errors.New("connection.host is required")
	}
	if n, ok := number(m, "port"); ok {
		c.Port = int(n)
	}
	if s, ok := str(m, "user"); ok && s != "" {
		c.User = s
	}
	c.Password, _ = str(m, "password")
	c.PrivateKey, _ = str(m, "privateKey")
	c.PrivateKeyPassword, _ = str(m, "privateKeyPassword")
	c.AgentSocketPath, _ = str(m, "agentSocketPath")
	c.HostKey, _ = str(m, "hostKey")
	if n, ok := number(m, "dialErrorLimit"); ok {
		c.DialErrorLimit = int(n)
	}
	if n, ok := number(m, "perDialTimeout"); ok {
		c.PerDialTimeout = int(n)
	}
	if pv, ok := m["proxy"]; ok {
		pv = plain(pv)
		if pv.IsObject() {
			if !allowProxy {
				return nil, errors.New("connection.proxy cannot itself have a proxy")
			}
			proxy, err := connectionFrom(pv.ObjectValue(), false)
			if err != nil {
				return nil, fmt.Errorf("connection.proxy: %w", err)
			}
			c.Proxy = proxy
		}
	}
	return c, nil
}

func secondsDuration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func (c *connection) clientConfig() (*ssh.ClientConfig, func(), error) {
	var auths []ssh.AuthMethod
	cleanup := func() {}
	if c.PrivateKey != "" {
		var signer ssh.Signer
		var err error
		if c.PrivateKeyPassword != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(c.PrivateKey), []byte(c.PrivateKeyPassword))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(c.PrivateKey))
		}
		if err != nil {
			return nil, cleanup, fmt.Errorf("connection.privateKey: %w", err)
		}
		auths = append(auths, ssh.PublicKeys(signer))
	}
	if c.Password != "" {
		pw := c.Password
		auths = append(auths, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	sock := c.AgentSocketPath
	if sock == "" && c.PrivateKey == "" && c.Password == "" {
		sock = os.Getenv("SSH_AUTH_SOCK")
	}
	if sock != "" {
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, cleanup, fmt.Errorf("ssh agent at %s: %w", sock, err)
		}
		cleanup = func() { _ = conn.Close() }
		auths = append(auths, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
	}
	if len(auths) == 0 {
		return nil, cleanup, fmt.Errorf("connection to %s has no credentials: set privateKey, password or "+
			"agentSocketPath (or SSH_AUTH_SOCK)", c)
	}
	hostKeyCallback := ssh.InsecureIgnoreHostKey() //nolint:gosec // upstream's default when no hostKey is given
	if c.HostKey != "" {
		pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(c.HostKey))
		if err != nil {
			return nil, cleanup, fmt.Errorf("connection.hostKey: %w", err)
		}
		hostKeyCallback = ssh.FixedHostKey(pk)
	}
	cfg := &ssh.ClientConfig{User: c.User, Auth: auths, HostKeyCallback: hostKeyCallback}
	if c.PerDialTimeout > 0 {
		cfg.Timeout = time.Duration(c.PerDialTimeout) * time.Second
	}
	return cfg, cleanup, nil
}

// sshClient is an SSH client and whatever it rides on (a proxy client, an agent connection).
type sshClient struct {
	*ssh.Client
	closers []func()
}

func (s *sshClient) Close() {
	_ = s.Client.Close()
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// dialOnce opens one connection to c, through via when given.
func dialOnce(ctx context.Context, c *connection, via *ssh.Client) (*ssh.Client, func(), error) {
	cfg, cleanup, err := c.clientConfig()
	if err != nil {
		return nil, cleanup, err
	}
	var raw net.Conn
	if via != nil {
		raw, err = via.Dial("tcp", c.addr())
	} else {
		d := net.Dialer{Timeout: cfg.Timeout}
		raw, err = d.DialContext(ctx, "tcp", c.addr())
	}
	if err != nil {
		return nil, cleanup, err
	}
	if cfg.Timeout > 0 {
		_ = raw.SetDeadline(time.Now().Add(cfg.Timeout))
	}
	sc, chans, reqs, err := ssh.NewClientConn(raw, c.addr(), cfg)
	if err != nil {
		_ = raw.Close()
		return nil, cleanup, err
	}
	_ = raw.SetDeadline(time.Time{})
	return ssh.NewClient(sc, chans, reqs), cleanup, nil
}

// isAuthError tells errors that retrying cannot fix.
func isPermanent(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "unable to authenticate") || strings.Contains(msg, "has no credentials") ||
		strings.Contains(msg, "connection.privateKey") || strings.Contains(msg, "connection.hostKey") ||
		strings.Contains(msg, "host key mismatch")
}

// dialWithRetry dials c, retrying up to its dialErrorLimit (-1: no limit) with a growing pause.
func dialWithRetry(ctx context.Context, c *connection, via *ssh.Client) (*ssh.Client, func(), error) {
	var lastErr error
	for attempt := 1; ; attempt++ {
		client, cleanup, err := dialOnce(ctx, c, via)
		if err == nil {
			return client, cleanup, nil
		}
		cleanup()
		lastErr = err
		if isPermanent(err) || (c.DialErrorLimit >= 0 && attempt >= c.DialErrorLimit) {
			break
		}
		pause := time.Duration(attempt) * 500 * time.Millisecond
		if pause > 5*time.Second {
			pause = 5 * time.Second
		}
		select {
		case <-ctx.Done():
			return nil, func() {}, fmt.Errorf("dialing %s: %w (last error: %v)", c, ctx.Err(), lastErr)
		case <-time.After(pause):
		}
	}
	return nil, func() {}, fmt.Errorf("dialing %s: %w", c, lastErr)
}

func connect(ctx context.Context, c *connection) (*sshClient, error) {
	out := &sshClient{}
	var via *ssh.Client
	if c.Proxy != nil {
		pc, cleanup, err := dialWithRetry(ctx, c.Proxy, nil)
		if err != nil {
			return nil, fmt.Errorf("proxy: %w", err)
		}
		out.closers = append(out.closers, cleanup, func() { _ = pc.Close() })
		via = pc
	}
	client, cleanup, err := dialWithRetry(ctx, c, via)
	if err != nil {
		for i := len(out.closers) - 1; i >= 0; i-- {
			out.closers[i]()
		}
		return nil, err
	}
	out.Client = client
	out.closers = append(out.closers, cleanup)
	return out, nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func envPrefix(env map[string]string) string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("export " + k + "=" + shellQuote(env[k]) + "\n")
	}
	return b.String()
}

// lineWriter buffers everything written and calls onLine for each complete line.
type lineWriter struct {
	mu      sync.Mutex
	all     bytes.Buffer
	partial bytes.Buffer
	onLine  func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all.Write(p)
	w.partial.Write(p)
	for {
		line, err := w.partial.ReadString('\n')
		if err != nil {
			w.partial.Reset()
			w.partial.WriteString(line)
			break
		}
		w.onLine(strings.TrimRight(line, "\r\n"))
	}
	return len(p), nil
}

func (w *lineWriter) flush() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.partial.Len() > 0 {
		w.onLine(w.partial.String())
		w.partial.Reset()
	}
	return strings.TrimSuffix(w.all.String(), "\n")
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

func commandError(op, where string, err error, stdout, stderr string) error {
	msg := fmt.Sprintf("%s command failed on %s: %v", op, where, err)
	if strings.TrimSpace(stdout) != "" {
		msg += "\nstdout:\n" + tail(stdout, 4000)
	}
	if strings.TrimSpace(stderr) != "" {
		msg += "\nstderr:\n" + tail(stderr, 4000)
	}
	return errors.New(msg)
}

func runRemote(
	ctx context.Context, c *connection, op, script string, env map[string]string, stdin *string,
	logLine func(stream, line string),
) (string, string, error) {
	client, err := connect(ctx, c)
	if err != nil {
		return "", "", err
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		return "", "", fmt.Errorf("opening a session on %s: %w", c, err)
	}
	defer session.Close()
	stdoutW := &lineWriter{onLine: func(l string) { logLine("stdout", l) }}
	stderrW := &lineWriter{onLine: func(l string) { logLine("stderr", l) }}
	session.Stdout = stdoutW
	session.Stderr = stderrW
	if stdin != nil {
		session.Stdin = strings.NewReader(*stdin)
	}
	done := make(chan error, 1)
	go func() { done <- session.Run(envPrefix(env) + script) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = session.Signal(ssh.SIGKILL)
		_ = session.Close()
		err = ctx.Err()
	}
	stdout, stderr := stdoutW.flush(), stderrW.flush()
	if err != nil {
		return stdout, stderr, commandError(op, c.String(), err, stdout, stderr)
	}
	return stdout, stderr, nil
}

// runRemoteStream runs script with its stdin fed from r (used for copies).
func runRemoteStream(ctx context.Context, client *sshClient, where, script string, r io.Reader) error {
	session, err := client.NewSession()
	if err != nil {
		return fmt.Errorf("opening a session on %s: %w", where, err)
	}
	defer session.Close()
	var stderr bytes.Buffer
	session.Stderr = &stderr
	session.Stdin = bufio.NewReader(r)
	done := make(chan error, 1)
	go func() { done <- session.Run(script) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = session.Signal(ssh.SIGKILL)
		err = ctx.Err()
	}
	if err != nil {
		return commandError("copy", where, err, "", stderr.String())
	}
	return nil
}

func copyToRemote(ctx context.Context, props resource.PropertyMap) error {
	c, err := parseConnection(props)
	if err != nil {
		return err
	}
	remotePath, ok := str(props, "remotePath")
	if !ok || remotePath == "" {
		return errors.New("remotePath is required")
	}
	src, ok := props["source"]
	if !ok {
		return errors.New("source is required")
	}
	src = plain(src)
	client, err := connect(ctx, c)
	if err != nil {
		return err
	}
	defer client.Close()
	switch {
	case src.IsAsset():
		blob, err := src.AssetValue().Read()
		if err != nil {
			return fmt.Errorf("reading source asset: %w", err)
		}
		defer blob.Close()
		script := "mkdir -p " + shellQuote(path.Dir(remotePath)) + " && cat > " + shellQuote(remotePath)
		return runRemoteStream(ctx, client, c.String(), script, blob)
	case src.IsArchive():
		pr, pw := io.Pipe()
		go func() {
			pw.CloseWithError(src.ArchiveValue().Archive(archive.TarArchive, pw))
		}()
		script := "mkdir -p " + shellQuote(remotePath) + " && tar -x -f - -C " + shellQuote(remotePath)
		err := runRemoteStream(ctx, client, c.String(), script, pr)
		_ = pr.Close()
		return err
	default:
		return errors.New("source must be an asset or an archive")
	}
}

func copyFile(ctx context.Context, props resource.PropertyMap) error {
	c, err := parseConnection(props)
	if err != nil {
		return err
	}
	localPath, _ := str(props, "localPath")
	remotePath, _ := str(props, "remotePath")
	f, err := os.Open(localPath)
	if err != nil {
		return err
	}
	defer f.Close()
	client, err := connect(ctx, c)
	if err != nil {
		return err
	}
	defer client.Close()
	return runRemoteStream(ctx, client, c.String(), "cat > "+shellQuote(remotePath), f)
}
