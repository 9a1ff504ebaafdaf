//go:build unix

package main

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/internal/safefile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunFIFOOutput: -o naming a named pipe writes the log into it, for
// the reader at the other end, and leaves the pipe in place; without a
// reader it fails at once instead of blocking.
func TestRunFIFOOutput(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "out.evtx")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))

	var err error
	finish(t, func() { err = run([]string{"-o", fifo}, untouched{t}, io.Discard) })
	require.ErrorIs(t, err, safefile.ErrNoReader)

	// The read end, opened without waiting for a writer.
	fd, err := syscall.Open(fifo, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	require.NoError(t, err)
	require.NoError(t, syscall.SetNonblock(fd, false))
	r := os.NewFile(uintptr(fd), fifo)
	defer r.Close()
	var got []byte
	var readErr error
	reading := make(chan struct{})
	go func() {
		defer close(reading)
		for { // EOF until evtxgen opens the pipe
			if got, readErr = io.ReadAll(r); len(got) > 0 || readErr != nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	finish(t, func() {
		err = run([]string{"-o", fifo}, strings.NewReader(line+"\n"+line+"\n"), io.Discard)
		<-reading
	})
	require.NoError(t, err)
	require.NoError(t, readErr)
	lr, err := evtx.NewReader(bytes.NewReader(got), int64(len(got)), "from the pipe")
	require.NoError(t, err)
	n := 0
	for _, err := range lr.Events(t.Context(), evtx.Options{}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 2, n, "the reader got the whole log")
	st, err := os.Lstat(fifo)
	require.NoError(t, err)
	assert.NotZero(t, st.Mode()&fs.ModeNamedPipe, "still a named pipe")
}

// finish runs fn and fails the test if it blocks; the timer only turns a
// hang into a failure.
func finish(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("evtxgen blocked on a named pipe")
	}
}
