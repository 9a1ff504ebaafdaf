package report_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
)

// partialOf scans the fixture audit-fs01.evtx and returns its JSON
// partial, made at the given time, keeping at most max findings (0: all).
func partialOf(t *testing.T, at time.Time, max int) []byte {
	t.Helper()
	g, err := report.Generate(context.Background(), []string{"../testdata/smbaudit/audit-fs01.evtx"},
		report.GenerateOptions{Report: report.Options{GeneratedAt: at, MaxFindings: max}})
	require.NoError(t, err)
	require.NotEmpty(t, g.Report.Inputs[0].SHA256)
	var b bytes.Buffer
	require.NoError(t, g.Report.Render(&b, report.FormatJSON, report.RenderOptions{}))
	return b.Bytes()
}

// The same log scanned twice (a shard run again, a file in two shards)
// makes two partials of other bytes, so ErrDuplicate does not catch them.
// When either lists no findings, its rows would be added to the other's
// and every count of the file's clients doubled, silently: the merge
// refuses the second with ErrOverlap, naming the input. Two partials that
// both keep their findings merge as before: the copies of each record
// count once, unless the merge has a bound on the findings it keeps that
// it has passed, or could pass with the second's.
func TestMergeRefusesAnInputCountedTwice(t *testing.T) {
	const summarised, kept = 1, 0
	const between = -1 // a bound that one partial's findings fit, not two
	one := func(t *testing.T, max int) *report.Report {
		r, err := report.ReadJSON(bytes.NewReader(partialOf(t, pinned, max)))
		require.NoError(t, err)
		return r
	}
	for _, tc := range []struct {
		name        string
		first, then int
		bound       int // the merging Builder's MaxFindings
		overlap     bool
	}{
		{"summarised twice", summarised, summarised, 0, true},
		{"kept, then summarised", kept, summarised, 0, true},
		{"summarised, then kept", summarised, kept, 0, true},
		{"kept twice", kept, kept, 0, false},
		// Past its bound the Builder counts findings without keeping
		// them, so the copies of the second would count again.
		{"kept twice, merged under a bound", kept, kept, 100, true},
		{"kept twice, the first within the bound, not both", kept, kept, between, true},
		{"kept twice, both within the bound", kept, kept, 1 << 20, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := partialOf(t, pinned, tc.first), partialOf(t, pinned.Add(time.Hour), tc.then)
			want := one(t, tc.first)
			bound := tc.bound
			if bound == between {
				require.Greater(t, len(want.Findings), 1)
				bound = len(want.Findings) * 3 / 2
			}
			for _, add := range []struct {
				name string
				do   func(*report.Builder, []byte) error
			}{
				{"AddJSON", func(bl *report.Builder, doc []byte) error { return bl.AddJSON(bytes.NewReader(doc)) }},
				{"AddReport", func(bl *report.Builder, doc []byte) error {
					r, err := report.ReadJSON(bytes.NewReader(doc))
					require.NoError(t, err)
					return bl.AddReport(r)
				}},
			} {
				bl := report.NewBuilder(report.Options{GeneratedAt: pinned, MaxFindings: bound})
				require.NoError(t, add.do(bl, a), add.name)
				err := add.do(bl, b)
				got := bl.Finish()
				if !tc.overlap {
					require.NoError(t, err, add.name)
					assert.Equal(t, want.Clients[0].TotalEvents(), got.Clients[0].TotalEvents(), "%s: the copies count once", add.name)
					continue
				}
				require.ErrorIs(t, err, report.ErrOverlap, add.name)
				assert.Contains(t, err.Error(), "audit-fs01.evtx", "%s: the error names the input", add.name)
				assert.Contains(t, err.Error(), want.Inputs[0].SHA256, add.name)
				require.Len(t, got.Inputs, 1, "%s: nothing of the refused partial is added", add.name)
				assert.Equal(t, want.Clients[0].TotalEvents(), got.Clients[0].TotalEvents(), "%s: counted once", add.name)
			}
		})
	}
}
