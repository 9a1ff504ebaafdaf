package evtx_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
)

// TestDecoderFallbackOnCorpus counts, over the whole public corpus, how the
// events are built: from the native pre-pass alone, or through the Velocidex
// fallback. docs/performance.md quotes the figures this test logs
// (go test ./evtx -run TestDecoderFallbackOnCorpus -v).
func TestDecoderFallbackOnCorpus(t *testing.T) {
	var total evtx.BuildCounts
	files := 0
	for _, path := range corpusFiles(t) {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		c, err := evtx.CountBuilds(b)
		if errors.Is(err, evtx.ErrNotEVTX) || errors.Is(err, evtx.ErrShortFile) || errors.Is(err, evtx.ErrUnsupportedVersion) {
			continue
		}
		require.NoError(t, err, path)
		files++
		if c.Decoder > 0 {
			t.Logf("%s: %d of %d events through the decoder, %d changed by it", filepath.Base(path), c.Decoder, c.PlanAlone+c.PlanKept+c.Decoder, c.DecoderChanged)
		}
		total.PlanAlone += c.PlanAlone
		total.PlanKept += c.PlanKept
		total.Decoder += c.Decoder
		total.DecoderChanged += c.DecoderChanged
		total.Errors += c.Errors
		total.Events += c.Events
		require.Equal(t, c.Events, c.PlanAlone+c.PlanKept+c.Decoder, "%s: every event is built one of the three ways", path)
	}
	events := total.PlanAlone + total.PlanKept + total.Decoder
	t.Logf("%d files, %d events: %d from the pre-pass alone (resolved), %d from the pre-pass alone (kept from the decoder), %d through the Velocidex fallback (%d changed by it); %d errors",
		files, events, total.PlanAlone, total.PlanKept, total.Decoder, total.DecoderChanged, total.Errors)
	assert.Positive(t, events)
	assert.Equal(t, total.Events, events)
}
