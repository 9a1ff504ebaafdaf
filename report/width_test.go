package report_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// At any width from 80 columns, colored or not, in UTC or in a zone, no
// line of the text report is wider than the width, and a wider terminal
// gives the client and server columns the room.
func TestTextWidths(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	long := oneClient(3021, 3024)
	for i := range long.Findings {
		long.Findings[i].Client = smbaudit.Client{ID: "workstation-with-a-long-name.branch-office.corp.example", Kind: smbaudit.ClientFQDN}
		long.Findings[i].Server = "file-server-with-a-long-name.corp.example"
	}
	long.Files = []smbaudit.FileResult{{Path: "/evidence/" + strings.Repeat("a-very-long-directory-name/", 6) + "Microsoft-Windows-SMBServer%4Audit.evtx"}}
	reps := []*report.Report{sampleReport(t), fixtureReport(t), newReport(long, report.Options{GeneratedAt: pinned})}
	for _, width := range []int{80, 88, 89, 97, 98, 99, 100, 120, 200} {
		for _, rep := range reps {
			for _, loc := range []*time.Location{nil, paris} {
				var b bytes.Buffer
				require.NoError(t, rep.Render(&b, report.FormatText, report.RenderOptions{Width: width, Color: true, Location: loc}))
				for i, line := range strings.Split(ansi.ReplaceAllString(b.String(), ""), "\n") {
					assert.LessOrEqual(t, len([]rune(line)), width, "width %d, line %d: %q", width, i+1, line)
				}
			}
		}
	}
	header := func(width int, col string) string {
		var b bytes.Buffer
		require.NoError(t, reps[2].Render(&b, report.FormatText, report.RenderOptions{Width: width}))
		for _, l := range strings.Split(b.String(), "\n") {
			if strings.HasPrefix(l, col) {
				return l
			}
		}
		return ""
	}
	assert.Equal(t, 28, strings.Index(header(100, "CLIENT "), "SMB1"), "27 columns at 100, as ever")
	assert.Equal(t, 48, strings.Index(header(120, "CLIENT "), "SMB1"), "20 more at 120")
	assert.Equal(t, 18, strings.Index(header(80, "CLIENT "), "SMB1"), "17 at 80")
	var b bytes.Buffer
	require.NoError(t, reps[2].Render(&b, report.FormatText, report.RenderOptions{Width: 120}))
	assert.Contains(t, b.String(), "\nworkstation-with-a-long-name.branch-office.cor~ ", "the client column has more room at 120")
	assert.Contains(t, b.String(), "\nfile-server-with-a-long-name.corp.example ", "and the server column")
	b.Reset()
	require.NoError(t, reps[2].Render(&b, report.FormatText, report.RenderOptions{Width: 80}))
	assert.Contains(t, b.String(), "\nworkstation-with~ ")
	assert.Regexp(t, `\n[^\n]*  2025-10-01\n`, b.String(), "the last-seen column shows the date at 80")
}
