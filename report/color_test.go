package report_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
)

// sgr matches one ANSI select-graphic-rendition sequence, the only escape
// the colour text writes.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestTextColor checks the colour text apart from the goldens: stripped of
// its escapes it is the plain text, every escape is a reset or one of the
// report's five styles, and the verdicts are painted by their meaning.
func TestTextColor(t *testing.T) {
	const (
		reset  = "\x1b[0m"
		bold   = "\x1b[1m"
		red    = "\x1b[1;31m"
		yellow = "\x1b[33m"
		mag    = "\x1b[1;35m"
		dim    = "\x1b[2m"
	)
	for _, src := range []struct {
		name string
		r    *report.Report
	}{{"fixtures", fixtureReport(t)}, {"sample", sampleReport(t)}} {
		t.Run(src.name, func(t *testing.T) {
			text := func(color bool) string {
				var b bytes.Buffer
				require.NoError(t, src.r.Render(&b, report.FormatText, report.RenderOptions{Color: color}))
				return b.String()
			}
			plain, color := text(false), text(true)
			assert.NotContains(t, plain, "\x1b", "no escape without Color")
			assert.Equal(t, plain, sgr.ReplaceAllString(color, ""), "the colour text is the plain text with escapes")

			allowed := map[string]bool{reset: true, bold: true, red: true, yellow: true, mag: true, dim: true}
			for _, code := range sgr.FindAllString(color, -1) {
				assert.True(t, allowed[code], "unexpected escape %q", code)
			}
			assert.Equal(t, strings.Count(color, reset), len(sgr.FindAllString(color, -1))-strings.Count(color, reset),
				"every painted span is reset")
			assert.Contains(t, color, bold+"SMB hardening readiness report"+reset)

			// The client table: a breaking verdict in red, a 3027-only one
			// in yellow, a client rejected by enforcement in magenta.
			var breaks, maybe, rejected bool
			for _, c := range src.r.Clients {
				breaks = breaks || len(c.BreaksUnder) > 0
				maybe = maybe || len(c.PossiblyBreaksUnder) > 0
				rejected = rejected || c.RejectedByEnforcement
			}
			require.True(t, breaks, "the report has a breaking client, so the test means something")
			assert.Contains(t, color, red+"yes  "+reset)
			assert.Equal(t, maybe, strings.Contains(color, yellow+"maybe"+reset), "a maybe verdict is yellow")
			assert.Equal(t, rejected, strings.Contains(color, mag+"REJECTED"+reset), "a rejected client is magenta")
			for _, h := range src.r.Summary.Headlines {
				if h.State == report.StateBreaks {
					assert.Contains(t, color, red+"* ", "a breaking headline is red")
				}
			}
		})
	}
}
