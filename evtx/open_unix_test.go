//go:build unix

package evtx

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenFIFODoesNotBlock: a named pipe that nobody writes to is refused
// at once; before, the open blocked forever. No writer is started, so a
// regression hangs the test until its timeout.
func TestOpenFIFODoesNotBlock(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "x.evtx")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	_, err := Open(fifo)
	require.ErrorIs(t, err, ErrNotRegular)
	assert.Contains(t, err.Error(), fifo+": named pipe (FIFO)")
}
