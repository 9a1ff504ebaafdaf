package smbaudit

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

// TestScanFileFacts checks the facts a report needs of each input: its
// SHA-256, its lowest record ID (above 1 when the log wrapped), and the
// records of the chunks the pre-filter skipped.
func TestScanFileFacts(t *testing.T) {
	t0 := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	whole := auditLog(t, "whole.evtx", "FS01", 1, 300, t0)
	wrapped := auditLog(t, "wrapped.evtx", "FS01", 4001, 4300, t0)
	r := scan(t, ScanOptions{}, whole, wrapped, fixture("forwarded-events.evtx"))
	src := loadJSONL(t, "forwarded-events.jsonl")
	require.Len(t, r.Files, 3)
	byPath := map[string]FileResult{}
	for _, f := range r.Files {
		byPath[f.Path] = f
	}

	for _, p := range []string{whole, wrapped, fixture("forwarded-events.evtx")} {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, sha256.Sum256(b), byPath[p].SHA256, p)
	}
	// NoHash leaves the hash out, and nothing else.
	nh := scan(t, ScanOptions{NoHash: true}, whole)
	require.Len(t, nh.Files, 1)
	assert.Zero(t, nh.Files[0].SHA256)
	assert.Equal(t, byPath[whole].Records, nh.Files[0].Records)
	assert.Equal(t, uint64(1), byPath[whole].FirstRecordID)
	assert.Equal(t, uint64(4001), byPath[wrapped].FirstRecordID, "records 1-4000 are gone")
	assert.Equal(t, 300, byPath[whole].RecordsInChunks)
	assert.Equal(t, 300, byPath[whole].Records)
	fwd := byPath[fixture("forwarded-events.evtx")]
	require.Positive(t, fwd.ChunksSkipped)
	assert.Less(t, fwd.Records, len(src))
	assert.Equal(t, len(src), fwd.RecordsInChunks, "a collector's log, its record IDs out of order: counted by record numbers")

	// A mixed log: Security events, then a few SMB audit events; the
	// pre-filter skips the chunks of the first.
	var evs []evtxwrite.Event
	for i := range 2000 {
		evs = append(evs, evtxwrite.Event{System: evtx.System{Provider: "Microsoft-Windows-Security-Auditing", Channel: "Security",
			Computer: "DC01", EventID: 4624, TimeCreated: t0.Add(time.Duration(i) * time.Second)},
			Data: []evtxwrite.Data{{Name: "TargetUserName", Type: evtx.TypeString, Value: strings.Repeat("u", 100)}}})
	}
	mixed := filepath.Join(t.TempDir(), "mixed.evtx")
	require.NoError(t, evtxwrite.WriteFile(mixed, evs, evtxwrite.Options{}))
	m := scan(t, ScanOptions{}, mixed).Files[0]
	require.Positive(t, m.ChunksSkipped)
	assert.Less(t, m.Records, 2000)
	assert.Equal(t, 2000, m.RecordsInChunks, "every record of the file, decoded or not")

	skipped := scan(t, ScanOptions{}, fixture("audit-fs01.jsonl")) // not EVTX
	require.Len(t, skipped.Files, 1)
	require.True(t, skipped.Files[0].Skipped)
	assert.Zero(t, skipped.Files[0].SHA256)
}
