package report_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// Excel's dates run from 1900 to 9999: a time outside them, which a
// FILETIME can hold, is written as its exact text with its offset, not as
// a serial Excel cannot show nor as text that calls a zone's wall clock UTC.
func TestWriteXLSXTimesOutsideExcelDates(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	early, late := fileTime(1), fileTime(1<<64-1)
	tests := []struct {
		loc         *time.Location
		early, late string
	}{
		{nil, "1601-01-01T00:00:00.0000001Z", "60056-05-28T05:36:10.9551615Z"},
		{paris, "1601-01-01T00:09:21.0000001+00:09:21", "60056-05-28T07:36:10.9551615+02:00"},
	}
	for _, tt := range tests {
		t.Run(tt.loc.String(), func(t *testing.T) {
			b := report.NewBuilder(report.Options{GeneratedAt: time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)})
			for i, tm := range []time.Time{early, late} {
				f := smbaudit.Finding{Time: tm, Server: "FS01", EventID: smbaudit.EventSigningUnsupported, RecordID: uint64(i + 1),
					Kind: smbaudit.KindSigningUnsupported, Client: smbaudit.NormalizeClient(`\\10.0.20.15`), Channel: smbaudit.AuditChannel}
				b.Add(&f)
			}
			var buf bytes.Buffer
			require.NoError(t, b.Finish().Render(&buf, report.FormatXLSX, report.RenderOptions{Location: tt.loc}))
			f, err := excelize.OpenReader(&buf)
			require.NoError(t, err)
			defer f.Close()
			for cell, want := range map[string]string{"A2": tt.early, "A3": tt.late} {
				raw, err := f.GetCellValue(report.SheetEvidence, cell, excelize.Options{RawCellValue: true})
				require.NoError(t, err)
				assert.Equal(t, want, raw, "Evidence %s", cell)
			}
			rows, err := f.GetRows(report.SheetClients, excelize.Options{RawCellValue: true})
			require.NoError(t, err)
			require.Len(t, rows, 2)
			assert.Contains(t, rows[1], tt.early, "first seen")
			assert.Contains(t, rows[1], tt.late, "last seen")
		})
	}
}
