package smbaudit

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The files read at once share GOMAXPROCS: the goroutines of a scan grow
// with GOMAXPROCS, not with its square.
func TestFileShare(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	for _, tc := range []struct{ files, want int }{
		{0, 8}, {1, 8}, {2, 4}, {3, 2}, {4, 2}, {8, 1}, {100, 1},
	} {
		got := fileShare(tc.files)
		assert.Equal(t, tc.want, got, "%d files", tc.files)
		assert.LessOrEqual(t, min(max(tc.files, 1), 8)*got, 8, "%d files read at once (at most GOMAXPROCS): %d each", tc.files, got)
		assert.Equal(t, got, tuning{}.classifyWorkers(got), "%d files", tc.files)
	}
	assert.Equal(t, 3, tuning{workers: 3}.classifyWorkers(8))
	assert.Equal(t, 1, tuning{}.classifyWorkers(0))
	assert.Equal(t, defaultClassifyBatch, tuning{}.batchSize())
	assert.Equal(t, 7, tuning{batch: 7}.batchSize())
}
