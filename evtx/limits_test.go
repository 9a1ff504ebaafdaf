package evtx

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLimitsDocumented: docs/limits.md and the package doc state the
// reader's limits with their current values.
func TestLimitsDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "limits.md"))
	require.NoError(t, err)
	doc := string(b)
	b, err = os.ReadFile("doc.go")
	require.NoError(t, err)
	// The package comment as one line of words, whatever its wrapping.
	pkgDoc := strings.Join(strings.Fields(strings.ReplaceAll(string(b), "//", "")), " ")
	for _, c := range []struct {
		row, pkg string
		v        int
	}{
		{"template instance arguments", "substitution values per template instance", maxTemplateArgs},
		{"records per chunk", "records framed per chunk", maxRecordsPerChunk},
		{"decoder retries per chunk", "decoder retries per chunk", maxDecoderRetries},
		{"chunks in flight", "decoded chunks waiting per worker", maxInFlightChunksPerWorker},
	} {
		assert.Contains(t, doc, fmt.Sprintf("| %s | %d", c.row, c.v), c.row)
		assert.Contains(t, pkgDoc, fmt.Sprintf("%s (%d", c.pkg, c.v), c.row)
	}
	// The worker's caches, in docs/limits.md only.
	for _, c := range []struct {
		row string
		v   int
	}{
		{"cached template bodies", maxCachedTemplates},
		{"interned paths", maxInternedPaths},
		{"compiled template-less shapes", maxLitProgs},
	} {
		assert.Contains(t, doc, fmt.Sprintf("| %s | %d ", c.row, c.v), c.row)
	}
	assert.Contains(t, doc, fmt.Sprintf("with %d MiB of names", maxCachedNameBytes>>20))
}
