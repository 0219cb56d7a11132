package main

import (
	"bytes"
	"strings"
	"sync"
)

// lineWriter buffers everything written and calls onLine for each complete line. Safe for concurrent writers
// (a command's stdout and stderr arrive on different goroutines).
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

// flush reports a last unterminated line and returns everything written, less one trailing newline.
func (w *lineWriter) flush() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.partial.Len() > 0 {
		w.onLine(w.partial.String())
		w.partial.Reset()
	}
	return strings.TrimSuffix(w.all.String(), "\n")
}

// text returns everything written, as written.
func (w *lineWriter) text() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.all.String()
}
