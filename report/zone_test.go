package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones, wherever the tests run

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/evtxkit/smbreadiness/report"
)

// A fixed instant, 2025-10-01T00:00:00Z (the finding and the generation
// time), shows in the zone of RenderOptions.Location in every human
// format, and the zone is named in the header.
func TestRenderLocation(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	india := time.FixedZone("", -(5*3600 + 30*60)) // as --tz -0530 makes it
	rep := newReport(oneClient(3021), report.Options{GeneratedAt: pinned})
	cases := []struct {
		name   string
		format report.Format
		loc    *time.Location
		want   []string
	}{
		{"text Paris", report.FormatText, paris, []string{"\nTimes in Europe/Paris (UTC+02:00).\n", "2025-10-01 02:00:00",
			"first seen: 2025-10-01T02:00:00.0000000+02:00, event 3021"}},
		{"text offset", report.FormatText, india, []string{"(UTC-05:30)", "2025-09-30 18:30:00", "2025-09-30T18:30:00.0000000-05:30"}},
		{"md Paris", report.FormatMarkdown, paris, []string{"Generated 2025-10-01T02:00:00.0000000+02:00; times in Europe/Paris (UTC+02:00).",
			"| 2025-10-01T02:00:00.0000000+02:00 |"}},
		{"html Paris", report.FormatHTML, paris, []string{"Times are in Europe/Paris (UTC&#43;02:00), exact to 100 ns.",
			">2025-10-01T02:00:00.0000000&#43;02:00<"}},
		{"text UTC", report.FormatText, time.UTC, []string{"\nTimes in UTC.\n", "2025-10-01 00:00:00", "2025-10-01T00:00:00.0000000Z, event 3021"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, rep.Render(&buf, tc.format, report.RenderOptions{Location: tc.loc}))
			for _, w := range tc.want {
				assert.True(t, strings.Contains(buf.String(), w), "want %q", w)
			}
			if tc.loc != time.UTC {
				assert.False(t, strings.Contains(buf.String(), "2025-10-01T00:00:00.0000000Z"), "no time left in UTC")
			}
		})
	}
}

// The workbook's date cells hold the wall clock of the zone, the exact
// column its offset, and the Summary sheet names the zone.
func TestRenderLocationXLSX(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	rep := newReport(oneClient(3021), report.Options{GeneratedAt: pinned})
	var buf bytes.Buffer
	require.NoError(t, rep.Render(&buf, report.FormatXLSX, report.RenderOptions{Location: paris}))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows(report.SheetEvidence)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	assert.Equal(t, []string{"Time (Europe/Paris)", "Time (exact, Europe/Paris)"}, rows[0][:2])
	assert.Equal(t, "2025-10-01T02:00:00.0000000+02:00", rows[1][1])
	raw, err := f.GetCellValue(report.SheetEvidence, "A2", excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	// 2025-10-01 02:00 is Excel day 45931 and 2/24 of a day.
	assert.True(t, strings.HasPrefix(raw, "45931.08333"), "the date cell holds the wall clock of Paris: %s", raw)
	summary, err := f.GetRows(report.SheetSummary)
	require.NoError(t, err)
	assert.Contains(t, flatten(summary), "times in Europe/Paris (UTC+02:00)")
	// The generation time (yyyy-mm-dd hh:mm:ss.000, 23 characters) fits
	// its column rather than showing as ###.
	wd, err := f.GetColWidth(report.SheetSummary, "B")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, wd, 23.0)
}

// JSON and CSV stay in UTC whatever the display zone.
func TestRenderLocationMachineFormatsStayUTC(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	rep := newReport(oneClient(3021), report.Options{GeneratedAt: pinned})
	for _, f := range []report.Format{report.FormatJSON, report.FormatCSV} {
		var utc, zoned bytes.Buffer
		require.NoError(t, rep.Render(&utc, f, report.RenderOptions{}))
		require.NoError(t, rep.Render(&zoned, f, report.RenderOptions{Location: paris}))
		assert.Equal(t, utc.String(), zoned.String(), f)
		assert.Contains(t, zoned.String(), "2025-10-01T00:00:00.0000000Z", f)
	}
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// Across the end of summer time the header gives both offsets of the
// records' span; a report without records, the offset at generation.
func TestRenderLocationOffsetsOfTheSpan(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	res := oneClient(3021, 3021)
	res.Findings[0].Time = time.Date(2025, 10, 20, 12, 0, 0, 0, time.UTC)
	res.Findings[1].Time = time.Date(2025, 10, 30, 12, 0, 0, 0, time.UTC)
	res.Findings[1].Server = "srv0"
	for _, tc := range []struct {
		name string
		rep  *report.Report
		want string
	}{
		{"summer to winter", newReport(res, report.Options{GeneratedAt: pinned}), "Times in Europe/Paris (UTC+02:00, UTC+01:00)."},
		{"no records, generated in winter", report.NewBuilder(report.Options{GeneratedAt: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)}).Finish(),
			"Times in Europe/Paris (UTC+01:00)."},
	} {
		var b bytes.Buffer
		require.NoError(t, tc.rep.Render(&b, report.FormatText, report.RenderOptions{Location: paris}))
		assert.True(t, strings.Contains(b.String(), "\n"+tc.want+"\n"), "%s: want %q", tc.name, tc.want)
	}
}
