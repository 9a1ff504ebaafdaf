package report_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/report/internal/sample"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func sampleReport(t testing.TB) *report.Report {
	t.Helper()
	return report.Build(sample.Result(), report.Options{GeneratedAt: sample.GeneratedAt})
}

// checkGolden compares got with testdata/golden/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./report -update to create the golden files")
	require.Equal(t, string(want), string(got), "output differs from %s (go test ./report -update rewrites it)", path)
}

func TestGolden(t *testing.T) {
	r := sampleReport(t)
	renderers := []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"sample.txt", func(b *bytes.Buffer) error { return r.WriteText(b, report.TextOptions{}) }},
		{"sample-color.txt", func(b *bytes.Buffer) error { return r.WriteText(b, report.TextOptions{Color: true}) }},
		{"sample.json", func(b *bytes.Buffer) error { return r.WriteJSON(b) }},
		{"sample.csv", func(b *bytes.Buffer) error { return r.WriteCSV(b) }},
		{"sample.md", func(b *bytes.Buffer) error { return r.WriteMarkdown(b) }},
		{"sample.html", func(b *bytes.Buffer) error { return r.WriteHTML(b, report.HTMLOptions{}) }},
	}
	for _, tc := range renderers {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, tc.render(&b))
			checkGolden(t, tc.name, b.Bytes())
		})
	}
}
