package report_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// uniqueFiles makes random per-file results without copies of one record
// in two files (what a scan passes on: it deduplicates).
func uniqueFiles(r *rand.Rand, n int) []*smbaudit.Result {
	var files []*smbaudit.Result
	for i := range n {
		var pool []smbaudit.Finding // fresh: no copies of earlier files
		files = append(files, randomFile(r, fmt.Sprintf("/evidence/u%02d.evtx", i), &pool))
	}
	return files
}

// withoutFindings is the report exact would be had its findings not been
// kept: the rows stay, the findings are counted instead of listed.
func withoutFindings(exact *report.Report) *report.Report {
	out := *exact
	out.FindingsOmitted, out.Findings = len(exact.Findings), nil
	return &out
}

// A report that stops keeping findings past Options.MaxFindings has the
// very rows of the report that keeps them, in every renderer.
func TestMaxFindingsKeepsTheRows(t *testing.T) {
	for seed := range uint64(propertyRuns()) {
		r := rand.New(rand.NewPCG(seed, 11))
		all := concat(uniqueFiles(r, 1+r.IntN(5))...)
		exact := build(all, pinned)
		n := len(exact.Findings)
		wantAll, wantRows := renderAll(t, exact), renderAll(t, withoutFindings(exact))
		for _, max := range []int{1, n / 2, n - 1, n, n + 1} {
			got := newReport(all, report.Options{GeneratedAt: pinned, MaxFindings: max})
			if max <= 0 || n <= max {
				require.Equal(t, wantAll, renderAll(t, got), "seed %d max %d: under the limit", seed, max)
				require.Zero(t, got.FindingsOmitted)
				continue
			}
			require.Empty(t, got.Findings, "seed %d max %d", seed, max)
			require.Equal(t, n, got.FindingsOmitted, "seed %d max %d", seed, max)
			require.Equal(t, wantRows, renderAll(t, got), "seed %d max %d", seed, max)
		}
	}
}

// Findings added one by one, then the result without them (a streamed
// scan), give the report of the whole result; Report can be called again
// after more is added.
func TestBuilderStreamsLikeBuild(t *testing.T) {
	for seed := range uint64(propertyRuns()) {
		r := rand.New(rand.NewPCG(seed, 12))
		all := concat(uniqueFiles(r, 1+r.IntN(5))...)
		for _, max := range []int{0, 3} {
			b := report.NewBuilder(report.Options{GeneratedAt: pinned, MaxFindings: max})
			half := len(all.Findings) / 2
			for i := range all.Findings[:half] {
				b.Add(&all.Findings[i])
			}
			for i := range all.Findings[half:] {
				b.Add(&all.Findings[half+i])
			}
			b.AddResult(&smbaudit.Result{Files: all.Files, Servers: all.Servers})
			want := renderAll(t, newReport(all, report.Options{GeneratedAt: pinned, MaxFindings: max}))
			require.Equal(t, want, renderAll(t, b.Finish()), "seed %d max %d", seed, max)
		}
	}
}

// Reports without findings merge by adding their rows: shards of disjoint
// files without shared records merge into the report of all the files,
// directly and through JSON, and mixed with shards that kept theirs.
func TestMergeWithoutFindings(t *testing.T) {
	for seed := range uint64(propertyRuns()) {
		r := rand.New(rand.NewPCG(seed, 13))
		files := uniqueFiles(r, 1+r.IntN(6))
		exact := build(concat(files...), pinned)
		want := renderAll(t, withoutFindings(exact))
		var shards, viaJSON []*report.Report
		summarised := false
		for len(files) > 0 {
			k := 1 + r.IntN(len(files))
			max := 0
			if r.IntN(2) == 0 || len(files) == k && !summarised {
				max, summarised = 1, true
			}
			sh := newReport(concat(files[:k]...), report.Options{GeneratedAt: pinned, MaxFindings: max})
			files = files[k:]
			shards = append(shards, sh)
			var b bytes.Buffer
			require.NoError(t, sh.Render(&b, report.FormatJSON, report.RenderOptions{}))
			back, err := report.ReadJSON(&b)
			require.NoError(t, err)
			viaJSON = append(viaJSON, back)
		}
		if len(exact.Findings) < 2 {
			continue // a shard of one finding keeps it: nothing was summarised
		}
		m := merge(t, shards...)
		if m.FindingsOmitted == 0 {
			continue
		}
		require.Equal(t, want, renderAll(t, m), "seed %d: merge", seed)
		require.Equal(t, want, renderAll(t, merge(t, viaJSON...)), "seed %d: merge of JSON", seed)
	}
}

func TestReadJSONRowErrors(t *testing.T) {
	const head = `{"schema": "smbreadiness.report/v2", `
	tests := []struct{ name, doc string }{
		{"negative omitted", head + `"findings_omitted": -1}`},
		{"omitted beside findings", head + `"findings_omitted": 1, "findings": [{"server": "a", "time": "2025-09-01T00:00:00Z"}]}`},
		{"client event ID", head + `"findings_omitted": 1, "clients": [{"client": "a", "events": {"x": 1}}]}`},
		{"client negative count", head + `"findings_omitted": 1, "clients": [{"client": "a", "events": {"3021": -1}}]}`},
		{"client without ID", head + `"findings_omitted": 1, "clients": [{"events": {"3021": 1}}]}`},
		{"client evidence time", head + `"findings_omitted": 1, "clients": [{"client": "a", "first_evidence": {"time": "now"}}]}`},
		{"servers by event", head + `"findings_omitted": 1, "clients": [{"client": "a", "servers_by_event": {"70000": ["s"]}}]}`},
		{"server findings", head + `"findings_omitted": 1, "servers": [{"server": "s", "findings": -2}]}`},
		{"day", head + `"findings_omitted": 1, "events_per_day": [{"date": "2025-02-30", "events": {}}]}`},
		{"day count", head + `"findings_omitted": 1, "events_per_day": [{"date": "2025-02-03", "events": {"3021": -1}}]}`},
		{"unparsed", head + `"findings_omitted": 1, "unparsed": -1}`},
		{"v2 without omitted findings", head + `"findings_omitted": 0}`},
		{"v1 with omitted findings", `{"schema": "smbreadiness.report/v1", "findings_omitted": 1}`},
		{"client server", head + `"findings_omitted": 1, "clients": [{"client": "a", "servers": [""]}]}`},
		{"evidence server", head + `"findings_omitted": 1, "clients": [{"client": "a", "first_evidence": {"server": ""}}]}`},
		{"sample server", head + `"findings_omitted": 1, "unparsed_samples": [{"time": "2025-09-01T00:00:00Z"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report.ReadJSON(strings.NewReader(tc.doc))
			require.ErrorIs(t, err, report.ErrMalformed)
		})
	}
}

// A summarised report naming a server in its client rows only gives that
// server a row, as a finding would.
func TestRowsNameTheirServers(t *testing.T) {
	doc := `{"schema": "smbreadiness.report/v2", "findings_omitted": 1, "clients": [{"client": "10.0.0.5", "events": {"3021": 1},
	"servers_by_event": {"3021": ["FS09"]}, "servers": ["FS09"], "first_evidence": {"server": "FS09", "time": "2025-09-01T00:00:00Z", "event_id": 3021},
	"last_evidence": {"server": "FS09", "time": "2025-09-01T00:00:00Z", "event_id": 3021}}]}`
	r, err := report.ReadJSON(strings.NewReader(doc))
	require.NoError(t, err)
	require.Len(t, r.Servers, 1)
	require.Equal(t, "FS09", r.Servers[0].Name)
	require.Equal(t, []string{"FS09"}, r.Clients[0].Servers)
}

// Shards added one at a time to a Builder give what MergeAll gives, with
// copies across shards counted once; past MaxFindings, the rows of the
// exact merge.
func TestBuilderAddReportIsMerge(t *testing.T) {
	for seed := range uint64(propertyRuns()) {
		r := rand.New(rand.NewPCG(seed, 14))
		var pool []smbaudit.Finding
		var shards []*report.Report
		for i := range 1 + r.IntN(5) {
			at := pinned.Add(time.Duration(r.IntN(3)) * time.Hour)
			shards = append(shards, build(randomFile(r, fmt.Sprintf("/e/s%d.evtx", i), &pool), at))
		}
		latest := shards[0].GeneratedAt
		for _, sh := range shards {
			if sh.GeneratedAt.After(latest) {
				latest = sh.GeneratedAt
			}
		}
		require.Equal(t, latest, merge(t, shards...).GeneratedAt, "seed %d: the latest of the reports", seed)

		later := pinned.Add(24 * time.Hour)
		b := report.NewBuilder(report.Options{GeneratedAt: later})
		require.NoError(t, b.AddReport(nil))
		for _, sh := range shards {
			require.NoError(t, b.AddReport(sh))
		}
		got := b.Finish()
		require.Equal(t, later, got.GeneratedAt, "seed %d: pinned", seed)

		files := uniqueFiles(r, 1+r.IntN(4))
		exact := build(concat(files...), pinned)
		if len(exact.Findings) < 2 {
			continue
		}
		b = report.NewBuilder(report.Options{GeneratedAt: pinned, MaxFindings: 1})
		for _, f := range files {
			require.NoError(t, b.AddReport(build(f, pinned)))
		}
		require.Equal(t, renderAll(t, withoutFindings(exact)), renderAll(t, b.Finish()), "seed %d: past MaxFindings", seed)
	}
}

// A Builder's report does not depend on the order of the reports added
// when some kept their findings (sharing records) and some did not: copies
// among the former count once in every order.
func TestMergeOrderWithSummarisedReports(t *testing.T) {
	for seed := range uint64(propertyRuns()) {
		r := rand.New(rand.NewPCG(seed, 15))
		var pool []smbaudit.Finding
		a := build(randomFile(r, "/e/a.evtx", &pool), pinned)
		b := build(randomFile(r, "/e/b.evtx", &pool), pinned) // holds copies of a's records
		s := newReport(concat(uniqueFiles(r, 2)...), report.Options{GeneratedAt: pinned, MaxFindings: 1})
		if s.FindingsOmitted == 0 {
			continue
		}
		want := renderAll(t, merge(t, a, b, s))
		for _, order := range [][]*report.Report{{s, a, b}, {a, s, b}, {b, s, a}, {s, b, a}} {
			require.Equal(t, want, renderAll(t, merge(t, order...)), "seed %d", seed)
		}
		require.Equal(t, renderAll(t, merge(t, a, s)), renderAll(t, merge(t, s, a)), "seed %d: commutative", seed)
		// The rows: a and b's copies once, s's rows added.
		exactAB := merge(t, a, b)
		got := merge(t, a, b, s)
		require.Equal(t, len(exactAB.Findings)+s.FindingsOmitted, got.FindingsOmitted, "seed %d", seed)
	}
}
