package smbaudit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
)

func TestCauseOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Cause
	}{
		{nil, CauseNotSkipped},
		{fmt.Errorf("x: %w: magic %q", evtx.ErrNotEVTX, "hello"), CauseNotEVTX},
		{fmt.Errorf("x: named pipe (FIFO): %w", evtx.ErrNotRegular), CauseNotRegular},
		{fmt.Errorf("x: %w 4.0", evtx.ErrUnsupportedVersion), CauseVersion},
		{fmt.Errorf("x: %w", evtx.ErrShortFile), CauseTooShort},
		{&fs.PathError{Op: "stat", Path: "/nope", Err: fs.ErrNotExist}, CauseNotFound},
		{&fs.PathError{Op: "open", Path: "x", Err: fs.ErrPermission}, CausePermission},
		// The text is not read: only the wrapped sentinels count.
		{errors.New("open x: permission denied"), CauseUnreadable},
		{errors.New("read x: input/output error"), CauseUnreadable},
	} {
		assert.Equal(t, tc.want, CauseOf(tc.err), "%v", tc.err)
	}
}

func TestCauseText(t *testing.T) {
	for _, c := range []Cause{CauseNotEVTX, CauseNotRegular, CauseVersion, CauseTooShort, CauseNotFound, CausePermission} {
		assert.True(t, c.Known(), c)
		assert.NotEqual(t, string(c), c.Text(), "a phrase, not the token")
	}
	assert.True(t, CauseUnreadable.Known())
	assert.True(t, CauseNotSkipped.Known())
	assert.False(t, Cause("gremlins").Known())
	assert.Equal(t, "gremlins", Cause("gremlins").Text())
	assert.Equal(t, "not EVTX", CauseNotEVTX.Text())
}

// The causes must match what Scan really reports, decided from the errors
// it meets, not from their text.
func TestCauseOnScan(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "x.evtx")
	short := filepath.Join(dir, "short.evtx")
	require.NoError(t, os.WriteFile(text, []byte(string(make([]byte, 8192))+"not a log"), 0o644))
	require.NoError(t, os.WriteFile(short, []byte("ElfFile\x00"), 0o644))
	missing := filepath.Join(dir, "missing.evtx")
	want := map[string]Cause{text: CauseNotEVTX, short: CauseTooShort, missing: CauseNotFound}
	paths := []string{text, short, missing}
	if runtime.GOOS != "windows" && os.Geteuid() != 0 {
		locked := filepath.Join(dir, "locked.evtx")
		require.NoError(t, os.WriteFile(locked, []byte("ElfFile\x00"), 0o000))
		want[locked] = CausePermission
		paths = append(paths, locked)
	}
	res, err := Scan(context.Background(), paths, ScanOptions{})
	require.NoError(t, err)
	got := map[string]Cause{}
	for _, f := range res.Files {
		got[f.Path] = f.Cause
		assert.True(t, f.Skipped, f.Path)
		assert.Equal(t, f.Cause, CauseOf(f.Err), f.Path)
	}
	assert.Equal(t, want, got)
	for _, f := range res.Files {
		if f.Cause == CauseNotFound {
			assert.ErrorIs(t, f.Err, fs.ErrNotExist)
		}
	}
}
