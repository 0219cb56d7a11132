package main

// The SSH connection of the remote resources, dialled the way upstream 1.2.1 dials it (measured side by side
// with a private build of upstream; see dev/toolchain/README.md):
//   - every dial error is retried, a host-key mismatch and an authentication failure included: up to
//     dialErrorLimit+1 attempts (-1: no limit), 100 ms apart at first, the pause growing 1.5x per attempt up to
//     5 s (the SDK's retry.Until defaults), so the default limit of 10 gives 11 attempts over ~11.3 s; the final
//     error is "after N failed attempts: <last dial error>" and each failed attempt shows the status
//     "Dial i/N failed: retrying";
//   - perDialTimeout bounds the TCP connect only (ssh.Dial), not the SSH handshake;
//   - auth methods in this order: privateKey (+ privateKeyPassword), password (+ keyboard-interactive answering
//     it), then the agent at agentSocketPath, or at $SSH_AUTH_SOCK when that is set, whatever else is given;
//   - hostKey pins the server key and restricts the host-key algorithm to that key's type; without it any
//     host key is accepted;
//   - a remote command's client is never closed: it stays ESTABLISHED until the provider exits (see keepOpen).

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/retry"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

type connection struct {
	Host               string
	Port               int
	User               string
	Password           *string
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
	if s, ok := str(m, "password"); ok {
		c.Password = &s
	}
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

// clientConfig builds the SSH client configuration. Its errors (a key or host key that does not parse, an agent
// socket that does not answer) are not retried, and read as upstream's: the parser's own text, "failed to parse
// host key: …", the agent dial error.
func (c *connection) clientConfig() (*ssh.ClientConfig, error) {
	hostKeyCallback := ssh.InsecureIgnoreHostKey() //nolint:gosec // upstream's behaviour when no hostKey is given
	var hostKeyAlgorithms []string
	if c.HostKey != "" {
		pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(c.HostKey))
		if err != nil {
			return nil, fmt.Errorf("failed to parse host key: %w", err)
		}
		hostKeyCallback = ssh.FixedHostKey(pk)
		hostKeyAlgorithms = []string{pk.Type()}
	}
	cfg := &ssh.ClientConfig{
		User:              c.User,
		HostKeyCallback:   hostKeyCallback,
		HostKeyAlgorithms: hostKeyAlgorithms,
		Timeout:           time.Duration(c.PerDialTimeout) * time.Second,
	}
	if c.PrivateKey != "" {
		var signer ssh.Signer
		var err error
		if c.PrivateKeyPassword != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(c.PrivateKey), []byte(c.PrivateKeyPassword))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(c.PrivateKey))
		}
		if err != nil {
			return nil, err
		}
		cfg.Auth = append(cfg.Auth, ssh.PublicKeys(signer))
	}
	if c.Password != nil {
		pw := *c.Password
		cfg.Auth = append(cfg.Auth, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	sock := c.AgentSocketPath
	if sock == "" {
		sock = os.Getenv("SSH_AUTH_SOCK")
	}
	if sock != "" {
		// Upstream never closes the agent connection either; it lives as long as the provider.
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, err
		}
		cfg.Auth = append(cfg.Auth, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
	}
	return cfg, nil
}

// dialRetrying calls f until it succeeds, limit+1 attempts have failed (limit <= -1: no limit) or ctx ends.
// status shows "<what> i/<limit> failed: retrying" after each failed attempt but the last.
func dialRetrying[T any](ctx context.Context, what string, limit int, status func(string), f func() (T, error)) (T, error) {
	var zero T
	ok, data, err := retry.Until(ctx, retry.Acceptor{
		Accept: func(try int, _ time.Duration) (bool, any, error) {
			result, err := f()
			if err == nil {
				return true, result, nil
			}
			attempt := try + 1
			if limit > -1 && attempt > limit {
				return true, nil, fmt.Errorf("after %d failed attempts: %w", try, err)
			}
			shown := "inf"
			if limit != -1 {
				shown = strconv.Itoa(limit)
			}
			status(fmt.Sprintf("%s %d/%s failed: retrying", what, attempt, shown))
			return false, nil, nil
		},
	})
	if ok && err == nil {
		return data.(T), nil
	}
	if err == nil {
		err = ctx.Err()
	}
	return zero, err
}

// dial opens an SSH client to c (through its proxy when it has one), retrying as described above.
func dial(ctx context.Context, c *connection, status func(string)) (*ssh.Client, error) {
	cfg, err := c.clientConfig()
	if err != nil {
		return nil, err
	}
	if c.Proxy == nil {
		return dialRetrying(ctx, "Dial", c.DialErrorLimit, status, func() (*ssh.Client, error) {
			return ssh.Dial("tcp", c.addr(), cfg)
		})
	}
	proxyCfg, err := c.Proxy.clientConfig()
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	proxy, err := dialRetrying(ctx, "Dial proxy", c.Proxy.DialErrorLimit, status, func() (*ssh.Client, error) {
		return ssh.Dial("tcp", c.Proxy.addr(), proxyCfg)
	})
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	raw, err := dialRetrying(ctx, "Dial from proxy", c.DialErrorLimit, status, func() (net.Conn, error) {
		return proxy.Dial("tcp", c.addr())
	})
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	// Like upstream, a failed handshake through the proxy is retried on the same forwarded connection.
	type handshake struct {
		conn  ssh.Conn
		chans <-chan ssh.NewChannel
		reqs  <-chan *ssh.Request
	}
	hs, err := dialRetrying(ctx, "Dial", c.DialErrorLimit, status, func() (handshake, error) {
		conn, chans, reqs, err := ssh.NewClientConn(raw, c.addr(), cfg)
		return handshake{conn, chans, reqs}, err
	})
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	return ssh.NewClient(hs.conn, hs.chans, hs.reqs), nil
}

// keepOpen holds every client a remote command dialled. Upstream closes each command's session but never its
// client, so each command's SSH connection (and its proxy connection) stays open until the provider process
// exits: N commands on one host hold N connections at once. Held here so that this is a decision, not a leak.
var keepOpen struct {
	sync.Mutex
	clients []*ssh.Client
}

func dialAndKeep(ctx context.Context, c *connection, status func(string)) (*ssh.Client, error) {
	client, err := dial(ctx, c, status)
	if err != nil {
		return nil, err
	}
	keepOpen.Lock()
	keepOpen.clients = append(keepOpen.clients, client)
	keepOpen.Unlock()
	return client, nil
}
