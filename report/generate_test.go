package report_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

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
	want := report.Build(filter.Apply(res), report.Options{GeneratedAt: pinned})
	assert.Equal(t, render(t, want), render(t, g.Report))
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
