package smbaudit

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScanRecoverMarksFindings: with ScanOptions.Recover the events left in
// a chunk's slack are classified too, and their findings are marked.
func TestScanRecoverMarksFindings(t *testing.T) {
	const n, slack = 30, 3
	p := slackLog(t, "audit.evtx", n, n-slack, time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC))

	for _, tc := range []struct {
		recover       bool
		wantRecovered []uint64
	}{
		{false, nil},
		{true, []uint64{9000, n - 1, n}},
	} {
		res, err := Scan(context.Background(), []string{p}, ScanOptions{Recover: tc.recover})
		require.NoError(t, err)
		var live int
		var recovered []uint64
		for _, f := range res.Findings {
			if f.Recovered {
				recovered = append(recovered, f.RecordID)
			} else {
				live++
			}
		}
		assert.Equal(t, n-slack, live, "recover %v", tc.recover)
		assert.ElementsMatch(t, tc.wantRecovered, recovered, "recover %v", tc.recover)
		require.Len(t, res.Files, 1)
		assert.Empty(t, res.Files[0].Errors, "slack is not damage")
	}
}
