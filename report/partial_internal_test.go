package report

import (
	"crypto/sha256"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The document size cap: a guard stops at MaxPartialBytes whatever the
// document holds (here only white space, which no other limit catches).
func TestGuardStopsAtTheSizeCap(t *testing.T) {
	g := &guard{r: io.LimitReader(strings.NewReader(strings.Repeat(" ", 1<<20)), 1<<20), h: sha256.New()}
	g.max = 1000
	n, err := io.Copy(io.Discard, g)
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	assert.ErrorIs(t, err, ErrLimit)
	assert.Equal(t, int64(1000), fe.Offset)
	assert.LessOrEqual(t, n, int64(32<<10+1000), "stops within one read of the cap")
}
