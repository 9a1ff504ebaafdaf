package evtx

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenRefusesNonRegular: a directory, or a named pipe (see
// open_unix_test.go), is refused with ErrNotRegular naming the path, not
// taken for a damaged log.
func TestOpenRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(dir)
	require.ErrorIs(t, err, ErrNotRegular)
	assert.NotErrorIs(t, err, ErrNotEVTX)
	assert.Contains(t, err.Error(), dir+": directory")

	_, err = Open(filepath.Join(dir, "missing.evtx"))
	require.ErrorIs(t, err, os.ErrNotExist)
}
