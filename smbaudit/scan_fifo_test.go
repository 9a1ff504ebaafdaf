//go:build unix

package smbaudit

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
)

// TestScanSkipsFIFO: a named pipe called x.evtx, named on the command line
// or found in a directory, is skipped as not-regular at once (before, the
// open blocked forever and the other files' results were lost), and the
// other files are read.
func TestScanSkipsFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "x.evtx")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	good := filepath.Join("..", "testdata", "smbaudit", "audit-fs01.evtx")
	require.FileExists(t, good)

	for _, paths := range [][]string{{fifo, good}, {dir, good}} {
		res, err := Scan(context.Background(), paths, ScanOptions{})
		require.NoError(t, err)
		require.Len(t, res.Files, 2, "%v", paths)
		byPath := map[string]FileResult{}
		for _, f := range res.Files {
			byPath[f.Path] = f
		}
		f := byPath[fifo]
		assert.True(t, f.Skipped)
		assert.Equal(t, CauseNotRegular, f.Cause)
		assert.ErrorIs(t, f.Err, evtx.ErrNotRegular)
		assert.False(t, byPath[good].Skipped, "the other file is read")
	}
}
