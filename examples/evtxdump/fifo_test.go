//go:build unix

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunFIFO: a named pipe among the inputs, with no writer, used to block
// the dump forever in open. It is now refused, and the other file is read.
func TestRunFIFO(t *testing.T) {
	dir := t.TempDir()
	good := writeLog(t, dir)
	fifo := filepath.Join(dir, "x.evtx")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))

	var out, errb bytes.Buffer
	code := -1
	done := make(chan struct{})
	go func() {
		defer close(done)
		code = run(context.Background(), []string{fifo, good}, &out, &errb)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second): // only to fail a hang
		t.Fatal("evtxdump blocked on a named pipe")
	}
	assert.Equal(t, 1, code, "an input was skipped: "+errb.String())
	assert.Equal(t, "evtxdump: "+fifo+": named pipe (FIFO): not a regular file\n", errb.String())
	assert.Len(t, strings.Split(strings.TrimSpace(out.String()), "\n"), 3, "the good file's events")
}
