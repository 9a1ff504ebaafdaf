//go:build unix

package safefile

import (
	"bytes"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hangLimit only turns a hang into a failure; no test measures time.
const hangLimit = 20 * time.Second

// within runs fn and fails the test if it has not returned after hangLimit.
func within(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(hangLimit):
		t.Fatalf("%s: still blocked after %v", what, hangLimit)
	}
}

func mkfifo(t *testing.T, path string) string {
	t.Helper()
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	return path
}

func assertFIFO(t *testing.T, path string) {
	t.Helper()
	st, err := os.Lstat(path)
	require.NoError(t, err)
	assert.NotZero(t, st.Mode()&fs.ModeNamedPipe, "%s is still a named pipe", path)
}

func TestOpenRegularFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, filepath.Join(dir, "x.evtx"))
	link := symlink(t, "x.evtx", filepath.Join(dir, "link.evtx"))
	for _, path := range []string{fifo, link} {
		var f *os.File
		var err error
		within(t, "OpenRegular on a named pipe without a writer", func() { f, err = OpenRegular(path) })
		require.ErrorIs(t, err, ErrNotRegular)
		assert.Nil(t, f)
		assert.Equal(t, path+": named pipe (FIFO): not a regular file", err.Error())
	}
	assertFIFO(t, fifo)
}

func TestOpenRegularSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.evtx")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("no unix socket: %v", err)
	}
	defer l.Close()
	_, err = OpenRegular(path)
	require.ErrorIs(t, err, ErrNotRegular)
	assert.Contains(t, err.Error(), "socket")
}

// TestOpenNonblockFIFO checks the guard under the type check: were a named
// pipe put in place of the checked file, the open itself does not block.
func TestOpenNonblockFIFO(t *testing.T) {
	fifo := mkfifo(t, filepath.Join(t.TempDir(), "x.evtx"))
	var f *os.File
	var err error
	within(t, "openInput on a named pipe without a writer", func() { f, err = openInput(fifo) })
	require.NoError(t, err)
	defer f.Close()
	st, err := f.Stat()
	require.NoError(t, err)
	assert.NotZero(t, st.Mode()&fs.ModeNamedPipe, "what OpenRegular's second check sees")
}

// openReader opens the read end of fifo without waiting for a writer, in
// blocking mode for the reads that follow.
func openReader(t *testing.T, fifo string) *os.File {
	t.Helper()
	fd, err := syscall.Open(fifo, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	require.NoError(t, err)
	require.NoError(t, syscall.SetNonblock(fd, false))
	return os.NewFile(uintptr(fd), fifo)
}

func TestCreateFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, filepath.Join(dir, "report.fifo"))
	// More than a pipe buffer, so that the writer waits for the reader.
	report := bytes.Repeat([]byte("one row of the report\n"), 20000)

	r := openReader(t, fifo)
	defer r.Close()
	var got []byte
	var readErr error
	reading := make(chan struct{})
	go func() {
		defer close(reading)
		// The pipe has had no writer yet: wait for Create to open it.
		for {
			got, readErr = io.ReadAll(r)
			if len(got) > 0 || readErr != nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}()

	var createErr, writeErr, commitErr error
	var left []string
	within(t, "writing a report to a named pipe with a reader", func() {
		out, err := Create(fifo, Options{})
		if createErr = err; err != nil {
			return
		}
		defer out.Abort()
		left = temps(t, dir)
		_, writeErr = out.Write(report)
		commitErr = out.Commit()
		<-reading
	})
	require.NoError(t, createErr)
	assert.Empty(t, left, "no temporary file for a named pipe")
	require.NoError(t, writeErr)
	require.NoError(t, commitErr)
	require.NoError(t, readErr)
	assert.Equal(t, len(report), len(got))
	assert.True(t, bytes.Equal(report, got), "the reader got the report")
	assertFIFO(t, fifo)
}

func TestCreateFIFOWithoutReader(t *testing.T) {
	fifo := mkfifo(t, filepath.Join(t.TempDir(), "report.fifo"))
	var err error
	within(t, "Create on a named pipe without a reader", func() { _, err = Create(fifo, Options{}) })
	require.ErrorIs(t, err, ErrNoReader)
	assert.Equal(t, "output "+fifo+": named pipe has no reader", err.Error())
	assertFIFO(t, fifo)
}

func TestCreateFIFOInput(t *testing.T) {
	fifo := mkfifo(t, filepath.Join(t.TempDir(), "in.jsonl"))
	var err error
	within(t, "Create on a named pipe that is an input", func() { _, err = Create(fifo, Options{Inputs: []string{fifo}}) })
	require.ErrorIs(t, err, ErrIsInput)
	assertFIFO(t, fifo)
}

func TestCreateSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.out")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("no unix socket: %v", err)
	}
	defer l.Close()
	_, err = Create(path, Options{})
	require.ErrorIs(t, err, ErrNotWritable)
	assert.Contains(t, err.Error(), "socket")
}

// TestCommitRechecks replaces the output by a named pipe between Create and
// Commit: the pipe is not replaced.
func TestCommitRechecks(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, filepath.Join(dir, "r.txt"), "old", 0o644)
	out, err := Create(path, Options{})
	require.NoError(t, err)
	_, err = out.Write([]byte("new"))
	require.NoError(t, err)
	require.NoError(t, os.Remove(path))
	mkfifo(t, path)
	err = out.Commit()
	require.ErrorIs(t, err, ErrNotWritable)
	assert.Contains(t, err.Error(), "output "+path+": ")
	assertFIFO(t, path)
	assert.Empty(t, temps(t, dir))
}

func TestSameDevice(t *testing.T) {
	dir := t.TempDir()
	stat := func(p string) fs.FileInfo {
		st, err := os.Stat(p)
		require.NoError(t, err)
		return st
	}
	a := stat(mkfifo(t, filepath.Join(dir, "a")))
	b := stat(mkfifo(t, filepath.Join(dir, "b")))
	f := stat(writeFile(t, filepath.Join(dir, "f"), "", 0o644))
	assert.True(t, sameDevice(a, stat(filepath.Join(dir, "a"))))
	assert.False(t, sameDevice(a, b), "another pipe")
	assert.False(t, sameDevice(a, f), "a regular file")
}

// TestCommitFails removes the output's directory during the work: Commit
// fails with an error naming the output, not the temporary file.
func TestCommitFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sub")
	require.NoError(t, os.Mkdir(dir, 0o755))
	path := filepath.Join(dir, "r.txt")
	out, err := Create(path, Options{})
	require.NoError(t, err)
	_, err = out.Write([]byte("report"))
	require.NoError(t, err)
	require.NoError(t, os.RemoveAll(dir))
	err = out.Commit()
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Equal(t, "output "+path+": no such file or directory", err.Error())
}
