package report_test

import (
	"bytes"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
)

// The days of the HTML chart are UTC days (Report.Days): with a display
// zone, whose days start at another hour, the chart says so, for a reader
// of "times in Europe/Paris" would take them for that zone's days.
func TestHTMLDayChartNamesUTCDays(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	res := oneClient(3021)
	res.Findings[0].Time = time.Date(2025, 10, 15, 23, 30, 0, 0, time.UTC) // the 16th in Paris
	r := newReport(res, report.Options{GeneratedAt: pinned})
	require.Equal(t, "2025-10-15", r.Days[0].Date)
	caption := regexp.MustCompile(`<figcaption>Events per[^<]*</figcaption>`)
	for _, loc := range []*time.Location{nil, paris} {
		var b bytes.Buffer
		require.NoError(t, r.Render(&b, report.FormatHTML, report.RenderOptions{Location: loc}))
		c := caption.FindString(b.String())
		require.NotEmpty(t, c, "the day chart's caption")
		assert.Contains(t, c, "UTC", "%v: %s", loc, c)
	}
}
