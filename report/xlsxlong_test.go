package report_test

import (
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// A cell of Excel holds at most 32,767 UTF-16 units, and excelize cuts a
// longer string there without a word. A log string can be longer (a name
// of 20,000 bidi overrides is 120,000 once escaped): the workbook cuts
// it too, but says so at the end of the cell, with how much is left out,
// and the cell stays within Excel's limit.
func TestXLSXSaysWhereACellIsCut(t *testing.T) {
	for _, tc := range []struct {
		name, client string
		cut          bool
	}{
		{"at the limit", strings.Repeat("a", excelize.TotalCellChars), false},
		{"one unit past", strings.Repeat("a", excelize.TotalCellChars+1), true},
		{"escapes past", strings.Repeat("\u202e", 20000), true},
		{"astral runes past", strings.Repeat("\U0001F600", 20000), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := &smbaudit.Result{Findings: []smbaudit.Finding{{Kind: smbaudit.KindSigningUnsupported, EventID: 3021,
				Server: "FS01", Time: pinned, RecordID: 1, Client: smbaudit.Client{ID: tc.client, Raw: tc.client, Kind: smbaudit.ClientHost}}}}
			f := openXLSX(t, newReport(res, report.Options{GeneratedAt: pinned}))
			got, err := f.GetCellValue(report.SheetClients, "A2")
			require.NoError(t, err)
			assert.LessOrEqual(t, len(utf16.Encode([]rune(got))), excelize.TotalCellChars)
			whole := report.Escape(tc.client)
			if !tc.cut {
				assert.Equal(t, whole, got)
				return
			}
			assert.Contains(t, got, "characters more, cut here")
			head, _, _ := strings.Cut(got, " [")
			assert.True(t, strings.HasPrefix(whole, head), "the cell starts as the value")
			assert.Greater(t, len(head), 10000)
		})
	}
}
