package report_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/report/internal/sample"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// fixtures is the directory of the smbaudit fixtures: the logs of a small
// estate, written by the project's own writer.
const fixtures = "../testdata/smbaudit"

func scanFixtures(t testing.TB, paths ...string) *smbaudit.Result {
	t.Helper()
	if len(paths) == 0 {
		paths = []string{fixtures}
	}
	res, err := smbaudit.Scan(context.Background(), paths, smbaudit.ScanOptions{AllEvents: true})
	require.NoError(t, err)
	return res
}

var (
	fixtureOnce   sync.Once
	fixtureResult *smbaudit.Result
)

// fixtureReport builds the report of one scan of all the fixtures; the scan
// runs once per test binary (Build does not modify its input).
func fixtureReport(t testing.TB) *report.Report {
	t.Helper()
	return newReport(scanFixturesOnce(t), report.Options{GeneratedAt: sample.GeneratedAt})
}

// scanFixturesOnce returns the result of one scan of all the fixtures.
func scanFixturesOnce(t testing.TB) *smbaudit.Result {
	t.Helper()
	fixtureOnce.Do(func() { fixtureResult = scanFixtures(t) })
	require.NotEmpty(t, fixtureResult.Findings, "the fixtures hold SMB audit findings")
	return fixtureResult
}

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func sampleReport(t testing.TB) *report.Report {
	t.Helper()
	return newReport(sample.Result(), report.Options{GeneratedAt: sample.GeneratedAt})
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

// TestGolden renders the report of the smbaudit fixtures (scanned with
// smbaudit.Scan) and of the hand-made sample (which adds what the fixtures
// lack: a skipped file, an unparsed event) in every format.
//
// The fixtures' goldens hold their rows, not their 622 findings: the
// report is built with MaxFindings 1, so its findings are counted into the
// rows and not listed, and each golden stays small enough to review. The
// sample's goldens list every finding, so both forms are covered.
func TestGolden(t *testing.T) {
	fixtureRows := newReport(scanFixturesOnce(t), report.Options{GeneratedAt: sample.GeneratedAt, MaxFindings: 1})
	require.Empty(t, fixtureRows.Findings)
	for _, src := range []struct {
		name string
		r    *report.Report
	}{{"fixtures", fixtureRows}, {"sample", sampleReport(t)}} {
		t.Run(src.name, func(t *testing.T) { checkRenderers(t, src.name, src.r) })
	}
}

func checkRenderers(t *testing.T, base string, r *report.Report) {
	renderers := []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{".txt", func(b *bytes.Buffer) error { return r.Render(b, report.FormatText, report.RenderOptions{}) }},
		{".json", func(b *bytes.Buffer) error { return r.Render(b, report.FormatJSON, report.RenderOptions{}) }},
		{".csv", func(b *bytes.Buffer) error { return r.Render(b, report.FormatCSV, report.RenderOptions{}) }},
		{".md", func(b *bytes.Buffer) error { return r.Render(b, report.FormatMarkdown, report.RenderOptions{}) }},
		{".html", func(b *bytes.Buffer) error { return r.Render(b, report.FormatHTML, report.RenderOptions{}) }},
	}
	for _, tc := range renderers {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, tc.render(&b))
			checkGolden(t, base+tc.name, b.Bytes())
		})
	}
}

// withoutRecords blanks Server.Records, the one member that is a sum over
// shards rather than a count of unique records (see Server.Records).
func withoutRecords(t *testing.T, r *report.Report) string {
	t.Helper()
	c := *r
	c.Servers = append([]report.Server(nil), r.Servers...)
	for i := range c.Servers {
		c.Servers[i].Records = 0
	}
	var b bytes.Buffer
	require.NoError(t, c.Render(&b, report.FormatJSON, report.RenderOptions{}))
	return b.String()
}

// Each fixture scanned on its own (as on separate machines), shipped as JSON
// and merged, gives the report of one scan of them all, though the files
// hold copies of one another's records (a damaged copy of FS01's log, the
// WEF collector's ForwardedEvents).
func TestFixtureShardsMergeIntoTheWholeScan(t *testing.T) {
	whole := fixtureReport(t)
	paths, err := filepath.Glob(filepath.Join(fixtures, "*.evtx"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(paths), 3)
	var shards []*report.Report
	findings := 0
	for _, p := range paths {
		res := scanFixtures(t, p)
		findings += len(res.Findings)
		var b bytes.Buffer
		require.NoError(t, newReport(res, report.Options{GeneratedAt: sample.GeneratedAt}).Render(&b, report.FormatJSON, report.RenderOptions{}))
		back, err := report.ReadJSON(&b)
		require.NoError(t, err)
		shards = append(shards, back)
	}
	require.Greater(t, findings, len(whole.Findings), "the fixtures overlap, so the test means something")
	merged := merge(t, shards...)
	require.Equal(t, withoutRecords(t, whole), withoutRecords(t, merged))
	for i := range whole.Servers {
		require.GreaterOrEqual(t, merged.Servers[i].Records, whole.Servers[i].Records)
	}
}
