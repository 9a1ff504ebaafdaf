package report_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// openXLSX renders r as a workbook and opens it with excelize's reader.
func openXLSX(t *testing.T, r *report.Report) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, r.Render(&buf, report.FormatXLSX, report.RenderOptions{}))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

func xlsxFixtureReport(t *testing.T) *report.Report {
	t.Helper()
	g, err := report.Generate(context.Background(), []string{fixtures}, report.GenerateOptions{
		Report: report.Options{GeneratedAt: pinned}})
	require.NoError(t, err)
	return g.Report
}

// styleOf returns the style of a cell.
func styleOf(t *testing.T, f *excelize.File, sheet, cell string) *excelize.Style {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	require.NoError(t, err)
	st, err := f.GetStyle(id)
	require.NoError(t, err)
	return st
}

func fillOf(st *excelize.Style) string {
	if len(st.Fill.Color) == 0 {
		return ""
	}
	return strings.ToUpper(st.Fill.Color[0])
}

func TestWriteXLSXSheetsAndRows(t *testing.T) {
	r := xlsxFixtureReport(t)
	require.NotEmpty(t, r.Findings)
	f := openXLSX(t, r)
	assert.Equal(t, []string{report.SheetSummary, report.SheetClients, report.SheetEvidence, report.SheetServers, report.SheetInputs}, f.GetSheetList())
	for _, tc := range []struct {
		sheet  string
		header []string // the first cells of the header row
		rows   int      // data rows
		first  string   // first column of the first data row
	}{
		{report.SheetSummary, []string{"Setting", "Clients it breaks"}, len(r.Summary.Headlines), string(report.Settings()[0])},
		{report.SheetClients, []string{"Client", "Kind", string(report.Settings()[0])}, len(r.Clients), r.Clients[0].ID},
		{report.SheetEvidence, []string{"Time (UTC)", "Time (exact, UTC)", "computer"}, len(r.Findings), ""},
		{report.SheetServers, []string{"Server", "First (UTC)"}, len(r.Servers), r.Servers[0].Name},
		{report.SheetInputs, []string{"Path", "Size"}, len(r.Inputs), r.Inputs[0].Path},
	} {
		t.Run(tc.sheet, func(t *testing.T) {
			rows, err := f.GetRows(tc.sheet)
			require.NoError(t, err)
			require.NotEmpty(t, rows)
			assert.Equal(t, tc.header, rows[0][:len(tc.header)])
			if tc.sheet != report.SheetSummary { // the totals follow the headlines
				assert.Len(t, rows, tc.rows+1)
			}
			if tc.first != "" {
				assert.Equal(t, tc.first, rows[1][0])
			}
			panes, err := f.GetPanes(tc.sheet)
			require.NoError(t, err)
			assert.True(t, panes.Freeze, "header row frozen")
			assert.Equal(t, 1, panes.YSplit)
			assert.True(t, styleOf(t, f, tc.sheet, "A1").Font.Bold)
		})
	}
	// The Summary's headline rows are the report's.
	for i, h := range r.Summary.Headlines {
		row := strconv.Itoa(i + 2)
		v, err := f.GetCellValue(report.SheetSummary, "A"+row)
		require.NoError(t, err)
		assert.Equal(t, string(h.Setting), v)
		v, err = f.GetCellValue(report.SheetSummary, "B"+row)
		require.NoError(t, err)
		assert.Equal(t, strconv.Itoa(h.Clients), v)
	}
	// Every sheet has an autofilter (a hidden defined name per sheet).
	filters := 0
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" {
			filters++
		}
	}
	assert.Equal(t, 5, filters)
}

// A time is a date cell (a number with a date format) holding the
// instant, to Excel's millisecond; the text beside it is exact.
func TestWriteXLSXDates(t *testing.T) {
	r := xlsxFixtureReport(t)
	f := openXLSX(t, r)
	for i, rec := range r.Findings[:3] {
		cell := "A" + strconv.Itoa(i+2)
		st := styleOf(t, f, report.SheetEvidence, cell)
		require.NotNil(t, st.CustomNumFmt)
		assert.Equal(t, report.XLSXDateFormat, *st.CustomNumFmt)
		raw, err := f.GetCellValue(report.SheetEvidence, cell, excelize.Options{RawCellValue: true})
		require.NoError(t, err)
		serial, err := strconv.ParseFloat(raw, 64)
		require.NoError(t, err, "a date cell holds a number, not text: %q", raw)
		// Days since 1899-12-30 (excelize's reader rounds to the second).
		tm := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).Add(time.Duration(serial * 86400 * 1e9))
		assert.WithinDuration(t, rec.Time, tm, time.Millisecond)
		shown, err := f.GetCellValue(report.SheetEvidence, cell)
		require.NoError(t, err)
		assert.Equal(t, rec.Time.Format("2006-01-02 15:04:05"), shown[:19])
		exact, err := f.GetCellValue(report.SheetEvidence, "B"+strconv.Itoa(i+2))
		require.NoError(t, err)
		assert.Equal(t, rec.Time.UTC().Format(evtx.TimeLayout), exact)
	}
}

// Verdicts are coloured as in the HTML report: red for yes, amber for
// maybe, nothing for no evidence.
func TestWriteXLSXVerdictColours(t *testing.T) {
	r := xlsxFixtureReport(t)
	f := openXLSX(t, r)
	seen := map[string]bool{}
	for i, c := range r.Clients {
		for j, st := range report.Settings() {
			cell, err := excelize.CoordinatesToCellName(3+j, i+2)
			require.NoError(t, err)
			v, err := f.GetCellValue(report.SheetClients, cell)
			require.NoError(t, err)
			fill := fillOf(styleOf(t, f, report.SheetClients, cell))
			switch {
			case containsSetting(c.BreaksUnder, st):
				assert.Equal(t, "yes", v)
				assert.Equal(t, "F8D0D0", fill, "red: breaks")
			case containsSetting(c.PossiblyBreaksUnder, st):
				assert.Equal(t, "maybe", v)
				assert.Equal(t, "FCE8B2", fill, "amber: possibly")
			default:
				assert.Equal(t, "-", v)
				assert.Empty(t, fill, "no evidence is never coloured")
			}
			seen[v] = true
		}
	}
	assert.True(t, seen["yes"] && seen["maybe"] && seen["-"], "the fixtures hold every verdict: %v", seen)
}

func containsSetting(s []report.Setting, v report.Setting) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Strings from the logs reach the cells through Escape.
func TestWriteXLSXEscapes(t *testing.T) {
	b := report.NewBuilder(report.Options{GeneratedAt: pinned})
	b.Add(&smbaudit.Finding{Kind: smbaudit.KindSigningUnsupported, EventID: smbaudit.EventSigningUnsupported,
		Server: "FS01\u202e", Client: smbaudit.Client{ID: "ws\x1b[2J01", Raw: "=HYPERLINK(\"x\")", Kind: smbaudit.ClientHost},
		Time: time.Date(2025, 10, 1, 12, 0, 0, 0, time.UTC), RecordID: 1, Source: evtx.Source{File: "a.evtx"}})
	f := openXLSX(t, b.Finish())
	v, err := f.GetCellValue(report.SheetClients, "A2")
	require.NoError(t, err)
	assert.Equal(t, `ws\x1b[2J01`, v)
	v, err = f.GetCellValue(report.SheetEvidence, "C2")
	require.NoError(t, err)
	assert.Equal(t, `FS01\u202e`, v)
	formula, err := f.GetCellFormula(report.SheetEvidence, "K2")
	require.NoError(t, err)
	assert.Empty(t, formula, "a string is never a formula")
	v, err = f.GetCellValue(report.SheetEvidence, "K2")
	require.NoError(t, err)
	assert.Equal(t, `=HYPERLINK("x")`, v)
}

// A report without findings still has every sheet and its header.
func TestWriteXLSXEmpty(t *testing.T) {
	f := openXLSX(t, report.NewBuilder(report.Options{GeneratedAt: pinned}).Finish())
	assert.Len(t, f.GetSheetList(), 5)
	rows, err := f.GetRows(report.SheetEvidence)
	require.NoError(t, err)
	assert.Len(t, rows, 1)
}

// The same report gives the same bytes, [Content_Types].xml first.
func TestWriteXLSXDeterministic(t *testing.T) {
	r := xlsxFixtureReport(t)
	var a, b bytes.Buffer
	require.NoError(t, r.Render(&a, report.FormatXLSX, report.RenderOptions{}))
	for range 3 { // excelize's part order varies from run to run
		b.Reset()
		require.NoError(t, r.Render(&b, report.FormatXLSX, report.RenderOptions{}))
		require.Equal(t, a.Bytes(), b.Bytes())
	}
	assert.Equal(t, "[Content_Types].xml", string(a.Bytes()[30:49]), "the first part")
}
