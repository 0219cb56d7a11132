package main

// remote:CopyToRemote and remote:CopyFile. Upstream copies over SFTP and closes the client when done; this
// build streams through `cat`/`tar` in a remote shell (see README) and also closes its client.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"golang.org/x/crypto/ssh"
)

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func runRemoteStream(ctx context.Context, client *ssh.Client, where, script string, r io.Reader) error {
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
		return fmt.Errorf("copying to %s: %w: running %q:\n%s", where, err, script, stderr.String())
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
	client, err := dial(ctx, c, func(string) {})
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
	client, err := dial(ctx, c, func(string) {})
	if err != nil {
		return err
	}
	defer client.Close()
	return runRemoteStream(ctx, client, c.String(), "cat > "+shellQuote(remotePath), f)
}
