package report

import (
	"archive/zip"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// The sheets of the XLSX form, in order.
const (
	SheetSummary  = "Summary"
	SheetClients  = "Clients"
	SheetEvidence = "Evidence"
	SheetServers  = "Servers"
	SheetInputs   = "Inputs"
)

// XLSXDateFormat is the number format of the date cells of the XLSX form.
// Excel shows times to the millisecond; the Evidence sheet also has each
// time as text, exact to 100 ns.
const XLSXDateFormat = "yyyy-mm-dd hh:mm:ss.000"

// Verdict colours of the XLSX form: the meaning of the HTML report's. Red: the
// setting breaks the client (or enforcement already rejects it); amber:
// it possibly does (3027 only), or an input or server needs a look.
// Nothing is ever green: no evidence is not proof of a clean client.
const (
	xlsxBadFill  = "F8D0D0"
	xlsxBadFont  = "C62828"
	xlsxWarnFill = "FCE8B2"
	xlsxWarnFont = "8A5A00"
)

// writeXLSX writes the report as an Excel workbook with the sheets
// Summary (the headline per setting and the totals), Clients (one row
// per client, a verdict column per setting), Evidence (one row per listed
// finding, Report.Findings), Servers and Inputs. Times are date cells in
// UTC (Render with RenderOptions.Location: the wall clock of that zone,
// named on the Summary sheet), or text with the offset for a time outside
// Excel's years 1900 to 9999; every sheet has a frozen, filterable header row; verdicts are
// coloured as in the HTML report. Every string goes through Escape. The
// rows are streamed to a temporary buffer (on disk past a few MiB), so
// large reports do not build the sheets in memory; the compressed
// workbook is held in memory once, to write its parts in a fixed order:
// the same report gives the same bytes. Past Excel's
// 1,048,576 rows the Evidence sheet ends with a row saying how many
// findings it leaves out. writeXLSX returns the first error of w.
func (r *Report) writeXLSX(w io.Writer, z zone) error {
	f := excelize.NewFile()
	defer f.Close()
	x := &xlsxWriter{f: f, z: z}
	if err := x.newStyles(); err != nil {
		return err
	}
	sheets := []struct {
		name  string
		write func(*xlsxSheet) error
	}{
		{SheetSummary, r.xlsxSummary},
		{SheetClients, r.xlsxClients},
		{SheetEvidence, r.xlsxEvidence},
		{SheetServers, r.xlsxServers},
		{SheetInputs, r.xlsxInputs},
	}
	for i, s := range sheets {
		var err error
		if i == 0 {
			err = f.SetSheetName(f.GetSheetName(0), s.name)
		} else {
			_, err = f.NewSheet(s.name)
		}
		if err != nil {
			return fmt.Errorf("report: xlsx sheet %s: %w", s.name, err)
		}
		sw, err := f.NewStreamWriter(s.name)
		if err != nil {
			return fmt.Errorf("report: xlsx sheet %s: %w", s.name, err)
		}
		sh := &xlsxSheet{x: x, name: s.name, sw: sw}
		if err := s.write(sh); err != nil {
			return fmt.Errorf("report: xlsx sheet %s: %w", s.name, err)
		}
		if err := sh.flush(); err != nil {
			return fmt.Errorf("report: xlsx sheet %s: %w", s.name, err)
		}
	}
	f.SetActiveSheet(0)
	// excelize writes the parts of the package in map order: they are
	// copied, still compressed, in a fixed order, so that the same report
	// gives the same bytes.
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return err
	}
	return sortedZip(w, buf.Bytes())
}

// sortedZip copies the zip archive b to w with its entries sorted:
// [Content_Types].xml first, then by name.
func sortedZip(w io.Writer, b []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	files := slices.Clone(zr.File)
	rank := func(f *zip.File) int {
		if f.Name == "[Content_Types].xml" {
			return 0
		}
		return 1
	}
	slices.SortFunc(files, func(a, b *zip.File) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a.Name, b.Name))
	})
	zw := zip.NewWriter(w)
	for _, f := range files {
		if err := zw.Copy(f); err != nil {
			return err
		}
	}
	return zw.Close()
}

type xlsxWriter struct {
	f                       *excelize.File
	header, date, bad, warn int
	z                       zone // date cells hold the wall clock of this zone
}

func (x *xlsxWriter) newStyles() error {
	var err error
	style := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = x.f.NewStyle(s)
		return id
	}
	dateFmt := XLSXDateFormat
	x.header = style(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F0F3F6"}},
		Border: []excelize.Border{{Type: "bottom", Color: "D0D7DE", Style: 1}}})
	x.date = style(&excelize.Style{CustomNumFmt: &dateFmt})
	x.bad = style(&excelize.Style{Font: &excelize.Font{Bold: true, Color: xlsxBadFont},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{xlsxBadFill}}})
	x.warn = style(&excelize.Style{Font: &excelize.Font{Bold: true, Color: xlsxWarnFont},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{xlsxWarnFill}}})
	return err
}

// xlsxSheet streams the rows of one sheet.
type xlsxSheet struct {
	x    *xlsxWriter
	name string
	sw   *excelize.StreamWriter
	row  int // rows written
	cols int // header columns
	// filterRows, when set, ends the autofilter's range there.
	filterRows int
}

// header sets the column widths, freezes the first row and writes it.
func (s *xlsxSheet) header(names []string, widths []float64) error {
	for i, wd := range widths {
		if err := s.sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	s.cols = len(names)
	cells := make([]any, len(names))
	for i, n := range names {
		cells[i] = excelize.Cell{StyleID: s.x.header, Value: n}
	}
	return s.add(cells...)
}

// add writes one row. Strings are escaped, times become date cells (a
// zero time an empty cell).
func (s *xlsxSheet) add(cells ...any) error {
	row := make([]any, len(cells))
	for i, c := range cells {
		row[i] = s.cell(c)
	}
	s.row++
	cell, err := excelize.CoordinatesToCellName(1, s.row)
	if err != nil {
		return err
	}
	return s.sw.SetRow(cell, row)
}

func (s *xlsxSheet) cell(c any) any {
	switch v := c.(type) {
	case string:
		return xlsxText(Escape(v))
	case time.Time:
		if v.IsZero() {
			return nil
		}
		if w := s.x.z.wall(v); w.Year() >= 1900 && w.Year() <= 9999 {
			return excelize.Cell{StyleID: s.x.date, Value: w}
		}
		// Outside Excel's dates (a FILETIME runs from 1601 to 60056):
		// the exact text, with its offset.
		return s.x.z.full(v)
	case excelize.Cell:
		v.Value = s.cell(v.Value)
		if inner, ok := v.Value.(excelize.Cell); ok { // a time inside a styled cell keeps its style
			v.Value = inner.Value
		}
		return v
	}
	return c
}

// styled returns v in a cell of style id when on, else v.
func styled(v any, id int, on bool) any {
	if !on {
		return v
	}
	return excelize.Cell{StyleID: id, Value: v}
}

// flush sets the autofilter on the header and the rows, and ends the
// sheet.
func (s *xlsxSheet) flush() error {
	if s.cols > 0 {
		last := s.row
		if s.filterRows > 0 {
			last = s.filterRows
		}
		end, err := excelize.CoordinatesToCellName(s.cols, last)
		if err != nil {
			return err
		}
		if err := s.x.f.AutoFilter(s.name, "A1:"+end, nil); err != nil {
			return err
		}
	}
	return s.sw.Flush()
}

func (r *Report) xlsxSummary(s *xlsxSheet) error {
	if err := s.header([]string{"Setting", "Clients it breaks", "on servers", "Clients it possibly breaks (3027 only)",
		"on servers", "Headline", "State", "Audit", "Servers with the audit", "Servers without it"},
		[]float64{36, 24, 12, 34, 12, 90, 14, 12, 40, 40}); err != nil {
		return err
	}
	sum := r.Summary
	for _, h := range sum.Headlines {
		if err := s.add(string(h.Setting), styled(h.Clients, s.x.bad, h.Clients > 0), h.Servers,
			styled(h.PossibleClients, s.x.warn, h.PossibleClients > 0), h.PossibleServers, h.Text,
			styled(string(h.State), s.x.warn, h.State == StateCannotTell), h.Audit,
			strings.Join(h.ServersWithAudit, "; "), strings.Join(h.ServersWithoutAudit, "; ")); err != nil {
			return err
		}
	}
	s.filterRows = s.row
	listed := len(r.Findings)
	type total struct {
		name string
		v    any
	}
	totals := []total{{"", nil}}
	if sum.Notice != "" {
		totals = append(totals, total{"NO EVIDENCE", styled(sum.Notice, s.x.bad, true)})
	}
	if d := s.x.z.describe(r); d != "" {
		totals = append(totals, total{"Times", d})
	}
	for _, kv := range r.about() {
		totals = append(totals, total{kv[0], kv[1]})
	}
	for _, c := range r.Caveats {
		totals = append(totals, total{"Caveat: " + string(c.Kind), styled(c.Text, s.x.warn, true)})
	}
	totals = append(totals, []total{
		{"Clients", sum.Clients},
		{"Clients already rejected by enforcement (551, 5168)", styled(sum.RejectedClients, s.x.bad, sum.RejectedClients > 0)},
		{"Servers", sum.Servers},
		{"Servers without audit events", styled(sum.ServersWithoutAudit, s.x.warn, sum.ServersWithoutAudit > 0)},
		{"Input files", sum.Inputs},
		{"Skipped input files", styled(sum.SkippedInputs, s.x.warn, sum.SkippedInputs > 0)},
		{"Records read", sum.Records},
		{"Damaged chunks", styled(sum.DamagedChunks, s.x.warn, sum.DamagedChunks > 0)},
		{"Errors", styled(sum.Errors, s.x.warn, sum.Errors > 0)},
		{"Unparsed events", styled(r.Unparsed, s.x.warn, r.Unparsed > 0)},
		{"Findings listed in Evidence", listed},
		{"Findings counted but not listed (max findings)", r.FindingsOmitted},
		{"Generated" + " (" + s.x.z.label() + ")", r.GeneratedAt},
	}...)
	for _, t := range totals {
		if t.v == nil {
			if err := s.add(); err != nil {
				return err
			}
			continue
		}
		if err := s.add(excelize.Cell{StyleID: s.x.header, Value: t.name}, t.v); err != nil {
			return err
		}
	}
	return nil
}

func (r *Report) xlsxClients(s *xlsxSheet) error {
	names := []string{"Client", "Kind"}
	widths := []float64{28, 8}
	for _, st := range settings {
		names = append(names, string(st))
		widths = append(widths, 16)
	}
	names = append(names, "Rejected by enforcement", "First seen"+" ("+s.x.z.label()+")", "Last seen"+" ("+s.x.z.label()+")", "Events")
	widths = append(widths, 12, 24, 24, 9)
	for _, id := range eventColumns {
		names = append(names, strconv.Itoa(int(id)))
		widths = append(widths, 7)
	}
	names = append(names, "Servers", "Raw names", "Linked", "Users", "SPNs", "SPN query statuses", "EPA policies",
		"Server requires signing", "Damaged-chunk events", "Hints")
	widths = append(widths, 30, 30, 20, 24, 30, 24, 16, 12, 10, 90)
	if err := s.header(names, widths); err != nil {
		return err
	}
	for _, c := range r.Clients {
		row := []any{c.ID, c.Kind}
		for _, st := range settings {
			switch v := verdictCell(c, st); v {
			case "yes":
				row = append(row, excelize.Cell{StyleID: s.x.bad, Value: v})
			case "maybe":
				row = append(row, excelize.Cell{StyleID: s.x.warn, Value: v})
			default:
				row = append(row, v)
			}
		}
		rej := any("-")
		if c.RejectedByEnforcement {
			rej = excelize.Cell{StyleID: s.x.bad, Value: "REJECTED"}
		}
		row = append(row, rej, c.FirstSeen, c.LastSeen, c.TotalEvents())
		for _, id := range eventColumns {
			row = append(row, c.Count(id))
		}
		var hints []string
		for _, v := range c.Verdicts {
			for _, h := range v.Hints {
				hints = append(hints, string(v.Setting)+": "+h)
			}
		}
		if c.RejectedByEnforcement {
			hints = append(hints, HintAlreadyFails)
		}
		row = append(row, joinList(c.Servers), joinList(c.Names), joinList(c.Linked), joinList(c.Users), joinList(c.SPNs),
			joinList(c.SPNQueryStatuses), joinList(c.EPAPolicies), joinList(c.ServerRequiresSigning),
			styled(c.DamagedChunkEvents, s.x.warn, c.DamagedChunkEvents > 0), strings.Join(hints, " | "))
		if err := s.add(row...); err != nil {
			return err
		}
	}
	return nil
}

func joinList(v []string) string { return strings.Join(v, "; ") }

func (r *Report) xlsxEvidence(s *xlsxSheet) error {
	names := append([]string{"Time" + " (" + s.x.z.label() + ")", "Time (exact, " + s.x.z.label() + ")"}, timelineHeader[1:]...)
	widths := []float64{24, 29, 22, 30, 8, 10, 10, 22, 30, 28, 28, 8, 20, 30, 28, 16, 34, 34, 8, 20, 50, 7, 10}
	if err := s.header(names, widths); err != nil {
		return err
	}
	for i := range r.Findings {
		if s.row >= excelize.TotalRows-1 {
			return s.add(fmt.Sprintf("%d more findings not listed: a sheet holds %d rows", len(r.Findings)-i, excelize.TotalRows))
		}
		rec := &r.Findings[i]
		t := timelineRowOf(rec)
		if err := s.add(rec.Time, s.x.z.full(rec.Time), t.Computer, t.Channel, int(t.EventID), t.EventRecordID, t.RecordID,
			t.Kind, t.Description, t.Client, t.ClientRaw, t.ClientKind, t.User, t.SPN, t.Status, t.EPAPolicy,
			styled(strings.Join(t.BreaksUnder, "; "), s.x.bad, len(t.BreaksUnder) > 0),
			styled(strings.Join(t.PossiblyBreaks, "; "), s.x.warn, len(t.PossiblyBreaks) > 0),
			styled(strconv.FormatBool(t.ChunkDamaged), s.x.warn, t.ChunkDamaged), t.Reason, t.SourceFile, t.Chunk, t.Offset); err != nil {
			return err
		}
	}
	return nil
}

func (r *Report) xlsxServers(s *xlsxSheet) error {
	if err := s.header([]string{"Server", "First" + " (" + s.x.z.label() + ")", "Last" + " (" + s.x.z.label() + ")", "Records", "Findings", "Audit events", "Clients",
		"Audit event IDs", "Warnings"}, []float64{30, 24, 24, 10, 10, 12, 9, 24, 80}); err != nil {
		return err
	}
	for _, sv := range r.Servers {
		if err := s.add(sv.Name, sv.First, sv.Last, sv.Records, sv.Findings, sv.AuditEvents, len(sv.Clients),
			idsString(sv.AuditKinds), styled(strings.Join(sv.Warnings, " | "), s.x.warn, len(sv.Warnings) > 0)); err != nil {
			return err
		}
	}
	return nil
}

func (r *Report) xlsxInputs(s *xlsxSheet) error {
	if err := s.header([]string{"Path", "Size", "Skipped", "Cause", "Reason", "Chunks", "Chunks decoded", "Chunks skipped",
		"Records", "Damaged chunks", "Errors", "First errors", "First" + " (" + s.x.z.label() + ")", "Last" + " (" + s.x.z.label() + ")", "Records in chunks", "First record ID",
		"SHA-256"},
		[]float64{60, 12, 9, 18, 40, 8, 10, 10, 10, 16, 8, 80, 24, 24, 12, 12, 66}); err != nil {
		return err
	}
	for _, in := range r.Inputs {
		var damaged []string
		for _, c := range in.DamagedChunks {
			damaged = append(damaged, strconv.Itoa(c))
		}
		first := errorList(in.Errors)
		if err := s.add(in.Path, in.Size, styled(strconv.FormatBool(in.Skipped), s.x.warn, in.Skipped), string(in.Cause),
			in.Reason, in.Chunks, in.ChunksDecoded, in.ChunksSkipped, in.Records,
			styled(strings.Join(damaged, "; "), s.x.warn, len(damaged) > 0), styled(len(in.Errors), s.x.warn, len(in.Errors) > 0),
			strings.Join(first, " | "), in.First, in.Last, in.RecordsInChunks,
			styled(in.FirstRecordID, s.x.warn, in.FirstRecordID > 1), in.SHA256); err != nil {
			return err
		}
	}
	return nil
}

// xlsxText returns s, or when it is longer than a cell of Excel holds
// (excelize.TotalCellChars UTF-16 units, past which excelize would cut it
// silently) its start and a note of how many characters are cut.
func xlsxText(s string) string {
	const room = excelize.TotalCellChars - 100 // the note is ASCII, well under 100
	units := 0
	for i, r := range s {
		if units += utf16.RuneLen(r); units > room {
			if len(utf16.Encode([]rune(s))) <= excelize.TotalCellChars {
				return s
			}
			return fmt.Sprintf("%s [%d characters more, cut here: a cell holds %d]",
				s[:i], utf8.RuneCountInString(s[i:]), excelize.TotalCellChars)
		}
	}
	return s
}
