package report_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// Generate is the job the smbaudit command runs: it must give the report
// of a scan built with Build, filtered as smbaudit.Filter.Apply filters.
func TestGenerateIsScanFilterBuild(t *testing.T) {
	filter := smbaudit.Filter{Servers: []string{"fs02"}, Since: pinned.AddDate(0, 0, 9)}
	var passed int
	g, err := report.Generate(context.Background(), []string{fixtures}, report.GenerateOptions{
		Scan:   smbaudit.ScanOptions{OnFinding: func(f smbaudit.Finding) { passed++ }},
		Filter: filter,
		Report: report.Options{GeneratedAt: pinned},
	})
	require.NoError(t, err)
	res, err := smbaudit.Scan(context.Background(), []string{fixtures}, smbaudit.ScanOptions{})
	require.NoError(t, err)
	want := newReport(filter.Apply(res), report.Options{GeneratedAt: pinned, Meta: report.Meta{Filter: filter}})
	assert.Equal(t, render(t, want), render(t, g.Report))
	assert.Equal(t, filter, g.Report.Filter, "the report states the filter applied")
	assert.Equal(t, res.Files, g.Files)
	assert.Equal(t, len(want.Findings), g.Findings)
	assert.Equal(t, g.Findings, passed, "the caller's OnFinding sees the findings the filter keeps")
	assert.Less(t, g.Findings, len(res.Findings), "the filter dropped some")
	assert.Equal(t, len(res.Files), g.Read())
}

func TestGenerateErrors(t *testing.T) {
	empty := t.TempDir()
	notEVTX := filepath.Join(t.TempDir(), "x.evtx")
	require.NoError(t, os.WriteFile(notEVTX, bytes.Repeat([]byte("not a log\n"), 500), 0o644))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name  string
		ctx   context.Context
		paths []string
		opts  report.GenerateOptions
		is    error
		msg   string
		files int
	}{
		{"no file", context.Background(), []string{empty}, report.GenerateOptions{}, report.ErrNothingRead,
			`report: nothing readable: no file matching "*.evtx" under ` + empty, 0},
		{"glob matches nothing", context.Background(), []string{fixtures}, report.GenerateOptions{Scan: smbaudit.ScanOptions{Glob: "*.log"}},
			report.ErrNothingRead, `no file matching "*.log"`, 0},
		{"all skipped", context.Background(), []string{notEVTX, filepath.Join(empty, "missing.evtx")}, report.GenerateOptions{},
			report.ErrNothingRead, "report: nothing readable: all 2 inputs skipped", 2},
		{"bad glob", context.Background(), []string{fixtures}, report.GenerateOptions{Scan: smbaudit.ScanOptions{Glob: "["}},
			smbaudit.ErrBadGlob, "bad glob", 0},
		{"cancelled", cancelled, []string{fixtures}, report.GenerateOptions{}, context.Canceled, "canceled", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := report.Generate(tc.ctx, tc.paths, tc.opts)
			require.ErrorIs(t, err, tc.is)
			assert.ErrorContains(t, err, tc.msg)
			require.NotNil(t, g)
			assert.Nil(t, g.Report)
			if tc.files >= 0 {
				assert.Len(t, g.Files, tc.files)
			}
		})
	}
}

// The same inputs in any order, with any number of workers, give the same
// report byte for byte, evidence pointers included (issue 12): the fixtures
// hold copies of one record (a damaged copy of FS01's log, forwarded
// events), so which copy counts must not depend on the order of the paths
// or on scheduling. One path is also given in a second spelling.
func TestGenerateIsIndependentOfOrderAndWorkers(t *testing.T) {
	entries, err := os.ReadDir(fixtures)
	require.NoError(t, err)
	var paths []string
	for _, e := range entries {
		if filepath.Ext(e.Name()) == ".evtx" {
			paths = append(paths, filepath.Join(fixtures, e.Name()))
		}
	}
	require.GreaterOrEqual(t, len(paths), 4)
	paths = append(paths, fixtures, fixtures+"/./audit-fs01.evtx")
	job := func(paths []string, workers, chunkWorkers, max int) string {
		g, err := report.Generate(context.Background(), paths, report.GenerateOptions{
			Scan:   smbaudit.ScanOptions{Workers: workers, ChunkWorkers: chunkWorkers},
			Report: report.Options{GeneratedAt: pinned, MaxFindings: max},
		})
		require.NoError(t, err)
		var b bytes.Buffer
		require.NoError(t, g.Report.Render(&b, report.FormatJSON, report.RenderOptions{}))
		return b.String()
	}
	r := rand.New(rand.NewPCG(12, 16))
	for _, max := range []int{0, 50} {
		want := job(paths, 1, 1, max)
		for i := range 6 {
			p := append([]string(nil), paths...)
			r.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
			w, cw := 1+r.IntN(5), r.IntN(4)
			got := job(p, w, cw, max)
			require.Empty(t, firstDiff(want, got), "run %d: paths %q, %d workers, %d chunk workers, max %d", i, p, w, cw, max)
		}
	}
}

// firstDiff returns the first line where a and b differ, with its number,
// or "" when they are equal.
func firstDiff(a, b string) string {
	if a == b {
		return ""
	}
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d: %q != %q", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines != %d lines", len(la), len(lb))
}

// The servers table shows the times of records, never the bounds of the
// filter: a --since between two records used to be shown as FIRST.
func TestGenerateServerWindowIsRecordTimes(t *testing.T) {
	since := time.Date(2025, 10, 10, 12, 0, 0, 0, time.UTC)
	until := time.Date(2025, 10, 18, 12, 0, 0, 0, time.UTC)
	filter := smbaudit.Filter{Since: since, Until: until}
	g, err := report.Generate(context.Background(), []string{fixtures}, report.GenerateOptions{Filter: filter,
		Report: report.Options{GeneratedAt: pinned}})
	require.NoError(t, err)
	require.NotEmpty(t, g.Report.Servers)
	times := map[string]map[time.Time]bool{}
	for _, f := range g.Report.Findings {
		if times[f.Server] == nil {
			times[f.Server] = map[time.Time]bool{}
		}
		times[f.Server][f.Time] = true
	}
	for _, s := range g.Report.Servers {
		assert.NotEqual(t, since, s.First, s.Name)
		assert.NotEqual(t, until, s.Last, s.Name)
		assert.False(t, s.First.Before(since), s.Name)
		assert.False(t, s.Last.After(until), s.Name)
		assert.True(t, times[s.Name][s.First], "%s: First %v is the time of one of its records", s.Name, s.First)
		assert.True(t, times[s.Name][s.Last], "%s: Last %v is the time of one of its records", s.Name, s.Last)
	}
	assert.Equal(t, filter, g.Report.Filter)
	var b bytes.Buffer
	require.NoError(t, g.Report.Render(&b, report.FormatText, report.RenderOptions{}))
	assert.Contains(t, b.String(), "filters: since 2025-10-10T12:00:00.0000000Z; until 2025-10-18T12:00:00.0000000Z\n")
	assert.NotContains(t, b.String(), "2025-10-10T12:00:00Z ", "the bound is no server's FIRST")
}
