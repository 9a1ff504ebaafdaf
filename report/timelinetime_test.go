package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// The timeline writes a record's time exactly, in UTC, in both forms, and
// an unknown time (a FILETIME of 0, the zero time) as empty, as the
// reports do, never as the year 1.
func TestTimelineTimes(t *testing.T) {
	tests := []struct {
		tm        time.Time
		csv, json string
	}{
		{time.Time{}, "", ""},
		{time.Date(1601, 1, 1, 0, 0, 0, 100, time.UTC), "1601-01-01 00:00:00.0000001", "1601-01-01T00:00:00.0000001Z"},
		{time.Date(2025, 10, 26, 2, 30, 0, 999999900, time.FixedZone("CEST", 2*3600)), "2025-10-26 00:30:00.9999999", "2025-10-26T00:30:00.9999999Z"},
		{fileTime(1<<64 - 1), "60056-05-28 05:36:10.9551615", "60056-05-28T05:36:10.9551615Z"},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			f := smbaudit.Finding{Time: tt.tm, Server: "FS01", EventID: smbaudit.EventSigningUnsupported,
				Kind: smbaudit.KindSigningUnsupported, Client: smbaudit.NormalizeClient(`\\10.0.20.15`), Channel: smbaudit.AuditChannel}
			var c, j bytes.Buffer
			for _, w := range []struct {
				tl  *report.Timeline
				buf *bytes.Buffer
			}{{report.NewTimeline(&c, report.TimelineCSV), &c}, {report.NewTimeline(&j, report.TimelineJSONL), &j}} {
				require.NoError(t, w.tl.Write(&f))
				require.NoError(t, w.tl.Close())
			}
			rows, err := csv.NewReader(&c).ReadAll()
			require.NoError(t, err)
			require.Len(t, rows, 2)
			require.Equal(t, "time_utc", rows[0][0])
			assert.Equal(t, tt.csv, rows[1][0])
			var row map[string]any
			require.NoError(t, json.Unmarshal(j.Bytes(), &row))
			assert.Equal(t, tt.json, row["time_utc"])
		})
	}
}
