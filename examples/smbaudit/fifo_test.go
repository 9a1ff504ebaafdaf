//go:build unix

package main

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// notBlocked runs the command in process and fails the test, rather than
// hanging it, if the command blocks on a named pipe. The limit is a guard
// against a hang, far above any run's duration, not a speed check.
func notBlocked(t *testing.T, args ...string) result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- runCmd(t, args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(60 * time.Second):
		t.Fatalf("smbaudit %q blocked on a named pipe", args)
		return result{}
	}
}

func mkfifo(t *testing.T, path string) string {
	t.Helper()
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	return path
}

// TestInputFIFORefused: a named pipe called x.evtx, named or found in a
// directory, is skipped and named at once (before, the open blocked forever
// and the other files' results were lost); nobody ever writes to it.
func TestInputFIFORefused(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, filepath.Join(dir, "x.evtx"))
	good := filepath.Join(dir, "good.evtx")
	copyFile(t, fixture("audit-fs01.evtx"), good, -1)

	for _, args := range [][]string{{fifo, good}, {dir}} {
		r := notBlocked(t, args...)
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Contains(t, r.stderr, "smbaudit: "+fifo+": skipped: named pipe (FIFO): not a regular file\n")
		assert.Contains(t, r.stderr, "smbaudit: read 1 of 2 files")
		assert.Contains(t, r.stderr, "; skipped 1: 1 not a regular file\n")
		assert.Contains(t, r.stdout, "SMB hardening readiness report", "the other file's report is written")
	}

	r := notBlocked(t, "-f", "json", fifo, good)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"cause": "not-regular"`, "the JSON form keeps the cause")

	r = notBlocked(t, fifo)
	assert.Equal(t, exitNothing, r.code)
	assert.Contains(t, r.stderr, "nothing readable: all 1 inputs skipped")
	assert.Empty(t, r.stdout)
}

// TestMergeFIFORefused: a named pipe among the partials fails the merge at
// once, named, and nothing is written.
func TestMergeFIFORefused(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "a.json")
	r := runCmd(t, "-q", "--partial", good, fixture("audit-fs01.evtx"))
	require.Equal(t, exitOK, r.code, r.stderr)
	fifo := mkfifo(t, filepath.Join(dir, "b.json"))

	r = notBlocked(t, "merge", good, fifo)
	assert.Equal(t, exitNothing, r.code)
	assert.Contains(t, r.stderr, "smbaudit: "+fifo+": named pipe (FIFO): not a regular file\n")
	assert.Empty(t, r.stdout)
}

// openReader opens the read end of a named pipe without waiting for a
// writer and reads everything written to it until the writer closes it.
func openReader(t *testing.T, fifo string) <-chan []byte {
	t.Helper()
	fd, err := syscall.Open(fifo, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	require.NoError(t, err)
	require.NoError(t, syscall.SetNonblock(fd, false))
	f := os.NewFile(uintptr(fd), fifo)
	got := make(chan []byte, 1)
	go func() {
		defer f.Close()
		for { // EOF until the command opens the pipe
			b, err := io.ReadAll(f)
			if len(b) > 0 || err != nil {
				got <- b
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return got
}

// TestOutputFIFOWrittenThrough: -o naming a named pipe writes the report
// into it and leaves it a pipe (before, it was replaced by a regular file);
// a pipe nobody reads fails at once, before the scan.
func TestOutputFIFOWrittenThrough(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, filepath.Join(dir, "report.html"))

	r := notBlocked(t, "-o", fifo, fixtures)
	assert.Equal(t, exitInternal, r.code)
	assert.Contains(t, r.stderr, "smbaudit: -o: output "+fifo+": named pipe has no reader; nothing read\n")
	assert.False(t, scanned(r.stderr))

	want := runCmd(t, "-q", "-f", "html", fixtures)
	require.Equal(t, exitOK, want.code)
	got := openReader(t, fifo)
	r = notBlocked(t, "-q", "-o", fifo, fixtures)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	select {
	case b := <-got:
		assert.Equal(t, sansCommandLine(want.stdout), sansCommandLine(string(b)), "the reader got the report, as HTML from the extension")
	case <-time.After(60 * time.Second):
		t.Fatal("the reader got nothing")
	}
	st, err := os.Lstat(fifo)
	require.NoError(t, err)
	assert.Equal(t, fs.ModeNamedPipe, st.Mode().Type(), "still a named pipe")
	noTemp(t, dir, "report.html")
}
