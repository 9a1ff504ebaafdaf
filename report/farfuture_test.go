package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// fileTime is the time a FILETIME stands for, exactly.
func fileTime(ft uint64) time.Time {
	const epochDelta = 11644473600 // seconds from 1601 to 1970
	return time.Unix(int64(ft/10_000_000)-epochDelta, int64(ft%10_000_000)*100).UTC()
}

// A record's time may be any FILETIME, the largest (a year past 9999, which
// RFC 3339 does not write) included: the reports show it exactly, and read
// back what they wrote.
func TestTimesAtTheEndsOfFILETIME(t *testing.T) {
	maxFT := fileTime(1<<64 - 1)
	require.Equal(t, 60056, maxFT.Year())
	tests := []struct {
		name  string
		times []time.Time
		full  string // the exact form of the latest
		short string // the tables' form of it
		day   string
	}{
		{"largest FILETIME", []time.Time{fileTime(1), maxFT},
			"60056-05-28T05:36:10.9551615Z", "60056-05-28T05:36:10Z", "60056-05-28"},
		{"year 10000", []time.Time{time.Date(9999, 12, 31, 23, 59, 59, 999999900, time.UTC), time.Date(10000, 2, 29, 0, 0, 0, 100, time.UTC)},
			"10000-02-29T00:00:00.0000001Z", "10000-02-29T00:00:00Z", "10000-02-29"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, keep := range []int{0, 1} { // findings kept, and rows alone
				b := report.NewBuilder(report.Options{GeneratedAt: time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC), MaxFindings: keep})
				for i, tm := range tt.times {
					f := smbaudit.Finding{Time: tm, Server: "FS01", EventID: smbaudit.EventSigningUnsupported, RecordID: uint64(i + 1),
						Kind: smbaudit.KindSigningUnsupported, Client: smbaudit.NormalizeClient(`\\10.0.20.15`), Channel: smbaudit.AuditChannel}
					b.Add(&f)
				}
				r := b.Finish()

				var text bytes.Buffer
				require.NoError(t, r.Render(&text, report.FormatText, report.RenderOptions{Width: 120}))
				assert.Contains(t, text.String(), " "+tt.short)
				assert.Contains(t, text.String(), tt.full)

				var narrow bytes.Buffer // tables show the date alone
				require.NoError(t, r.Render(&narrow, report.FormatText, report.RenderOptions{Width: 80}))
				var row string
				for _, l := range strings.Split(narrow.String(), "\n") {
					if strings.HasPrefix(l, "10.0.20.15 ") {
						row = l // the table's row, before the details
						break
					}
				}
				assert.True(t, strings.HasSuffix(row, " "+tt.day), "%q", row)

				var js bytes.Buffer
				require.NoError(t, r.Render(&js, report.FormatJSON, report.RenderOptions{}))
				assert.Contains(t, js.String(), `"`+tt.full+`"`)
				back, err := report.ReadJSON(bytes.NewReader(js.Bytes()))
				require.NoError(t, err, "the report reads back what it wrote")
				require.Len(t, back.Clients, 1)
				assert.True(t, tt.times[1].Equal(back.Clients[0].LastSeen), "%v", back.Clients[0].LastSeen)
				assert.Equal(t, r.Days, back.Days)

				m := report.NewBuilder(report.Options{GeneratedAt: r.GeneratedAt})
				require.NoError(t, m.AddJSON(bytes.NewReader(js.Bytes())))
				merged := m.Finish()
				require.NotEmpty(t, merged.Days)
				assert.Equal(t, tt.day, merged.Days[len(merged.Days)-1].Date, "the day of the latest is kept in a merge")
				assert.Equal(t, r.Days, merged.Days)
			}
		})
	}
}
