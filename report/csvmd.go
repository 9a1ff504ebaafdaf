package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// csvSafe defuses spreadsheet formulas: client names come from the network,
// and a spreadsheet runs a cell whose first character, after any leading
// white space, is = + - @ (or their full-width forms ＝ ＋ － ＠), and acts on
// one that starts with a tab, CR or LF. Such cells get a leading apostrophe
// (the usual convention), which spreadsheets show as text and do not run.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	if s[0] == '\t' || s[0] == '\r' || s[0] == '\n' {
		return "'" + s
	}
	first := strings.TrimLeftFunc(s, unicode.IsSpace)
	if first == "" {
		return s
	}
	if r, _ := utf8.DecodeRuneInString(first); strings.ContainsRune("=+-@\uff1d\uff0b\uff0d\uff20", r) {
		return "'" + s
	}
	return s
}

func joinSettings(s []Setting) string {
	return strings.Join(settingsOut(s), ";")
}

// csvHeader is the header row of the CSV form.
var csvHeader = []string{"client", "kind", "short_name", "linked", "names", "first_seen", "last_seen",
	"events_total", "e3000", "e3021", "e3022", "e3023", "e3024", "e3025", "e3026", "e3027", "e551", "e5168", "servers", "users", "spns",
	"spn_query_statuses", "epa_policies", "server_requires_signing", "damaged_chunk_events",
	"breaks_under", "possibly_breaks_under", "rejected_by_enforcement", "rejection_statuses", "hints"}

// csvPreamble is what writeCSV writes before its header: rows whose first
// cell starts with "#" (a comment to csv.Reader.Comment = '#'), saying how
// the report was made, the state of each setting, the caveats and the
// inputs.
func (r *Report) csvPreamble() [][]string {
	var rows [][]string
	if r.Summary.Notice != "" {
		rows = append(rows, []string{"# NO EVIDENCE", r.Summary.Notice})
	}
	for _, kv := range r.about() {
		rows = append(rows, []string{"# " + kv[0], kv[1]})
	}
	for _, h := range r.Summary.Headlines {
		rows = append(rows, []string{"# " + string(h.Setting), string(h.State), h.Text})
	}
	for _, c := range r.Caveats {
		rows = append(rows, []string{"# caveat", string(c.Kind), c.Text})
	}
	for _, in := range r.Inputs {
		status := "read"
		if in.Skipped {
			status = "skipped: " + in.Reason
		}
		rows = append(rows, []string{"# input", in.Path, strconv.FormatInt(in.Size, 10), in.SHA256, status, inputFacts(in)})
	}
	return rows
}

// writeCSV writes one row per client, for spreadsheets, after comment rows
// (first cell starting with "#") that state the tool version, command line,
// filters, the state of each setting, the caveats and each input's size and
// SHA-256. Lists are joined
// with ";"; times are RFC 3339 UTC with 7 fractional digits. Every cell is
// passed through Escape, so no control character reaches the file, and
// cells a spreadsheet would run as a formula are defused (see csvSafe).
func (r *Report) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	for _, row := range r.csvPreamble() {
		for i := range row {
			row[i] = csvSafe(Escape(row[i]))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, c := range r.Clients {
		var hints []string
		for _, v := range c.Verdicts {
			for _, h := range v.Hints {
				hints = append(hints, string(v.Setting)+": "+h)
			}
		}
		if c.RejectedByEnforcement {
			hints = append(hints, HintAlreadyFails)
		}
		row := []string{c.ID, c.Kind, c.ShortName, strings.Join(andMore(c.Linked, c.LinkedTotal), ";"), strings.Join(andMore(c.Names, c.NamesTotal), ";"),
			formatTime(c.FirstSeen), formatTime(c.LastSeen), strconv.Itoa(c.TotalEvents())}
		for _, id := range eventColumns {
			row = append(row, strconv.Itoa(c.Count(id)))
		}
		row = append(row, strings.Join(andMore(c.Servers, c.ServersTotal), ";"), strings.Join(andMore(c.Users, c.UsersTotal), ";"),
			strings.Join(andMore(c.SPNs, c.SPNsTotal), ";"),
			strings.Join(c.SPNQueryStatuses, ";"), strings.Join(c.EPAPolicies, ";"),
			strings.Join(c.ServerRequiresSigning, ";"), strconv.Itoa(c.DamagedChunkEvents),
			joinSettings(c.BreaksUnder), joinSettings(c.PossiblyBreaksUnder),
			strconv.FormatBool(c.RejectedByEnforcement), strings.Join(c.RejectionStatuses, ";"), strings.Join(hints, " | "))
		for i := range row {
			row[i] = csvSafe(Escape(row[i]))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// mdEscape makes a log string safe inside a Markdown table cell: after
// Escape, it puts a backslash before every character Markdown acts on,
// & included, for a renderer decodes a character reference such as
// &#x202e; into the very rune Escape keeps out.
func mdEscape(s string) string {
	s = Escape(s)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|~&", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func mdList(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		if v == "" {
			out[i] = "(empty)"
		} else {
			out[i] = mdEscape(v)
		}
	}
	return strings.Join(out, "<br>")
}

// writeMarkdown writes the report as Markdown, for tickets.
func (r *Report) writeMarkdown(w io.Writer, z zone) error {
	b := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	if d := z.describe(r); d != "" {
		p("# SMB hardening readiness report\n\nGenerated %s; %s.\n\n", z.full(r.GeneratedAt), d)
	} else {
		p("# SMB hardening readiness report\n\nGenerated %s.\n\n", formatTime(r.GeneratedAt))
	}
	if r.Summary.Notice != "" {
		p("> **No evidence.** %s\n\n", mdEscape(r.Summary.Notice))
	}
	for _, kv := range r.about() {
		p("- %s: %s\n", kv[0], mdEscape(kv[1]))
	}
	p("\n## What breaks if you enforce each setting\n\n")
	for _, h := range r.Summary.Headlines {
		p("- **%s**: %s.", stateMark(h.State), mdEscape(h.Text))
		if w := withoutAudit(h); w != "" {
			p(" %s.", mdEscape(w))
		}
		p("\n")
	}
	if len(r.Caveats) > 0 {
		p("\n### What weakens an absence of evidence\n\n")
		for _, c := range r.Caveats {
			p("- %s.\n", mdEscape(c.Text))
		}
	}
	p("\n%s\n\n", mdEscape(summaryLine(r.Summary, r.Unparsed)))

	p("## Clients\n\n\"yes\": breaks; \"maybe\": 3027 evidence only (unreliable), never a certain break.\n\n")
	p("| Client | DisableSMB1 | EncryptData+RejectUnencryptedAccess | RequireSecuritySignature | SmbServerNameHardeningLevel=1 | SmbServerNameHardeningLevel=2 | Rejected (551, 5168) | Events | First seen | Last seen | Servers | Users | SPNs | Names |\n")
	p("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range r.Clients {
		p("| %s |", mdEscape(c.ID))
		for _, st := range settings {
			p(" %s |", verdictCell(c, st))
		}
		rej := "-"
		if c.RejectedByEnforcement {
			rej = "**rejected**"
		}
		p(" %s | %s | %s | %s | %s | %s | %s | %s |\n", rej, mdEscape(eventsString(c.Events())),
			z.full(c.FirstSeen), z.full(c.LastSeen), mdList(andMore(c.Servers, c.ServersTotal)), mdList(andMore(c.Users, c.UsersTotal)),
			mdList(andMore(c.SPNs, c.SPNsTotal)), mdList(andMore(c.Names, c.NamesTotal)))
	}

	p("\n### Remediation\n\n")
	for _, c := range r.Clients {
		for _, v := range c.Verdicts {
			word := "breaks under"
			if !v.Certain {
				word = "possibly breaks under"
			}
			p("- **%s** %s `%s` (event %s on %s): %s.\n", mdEscape(c.ID), word, v.Setting, idsString(v.Events),
				strings.Join(mdEscapeAll(v.Servers), ", "), mdEscape(strings.Join(v.Hints, "; ")))
		}
		if c.RejectedByEnforcement {
			p("- **%s**: %s.\n", mdEscape(c.ID), mdEscape(HintAlreadyFails))
		}
		if c.DamagedChunkEvents > 0 {
			p("- **%s**: %s read from damaged chunks: verify them.\n", mdEscape(c.ID), plural(c.DamagedChunkEvents, "event", "events"))
		}
	}

	p("\n## Servers\n\nCoverage: first and last record of any event of the server in the inputs.\n\n")
	p("| Server | Audit events | Clients | Records | First | Last | Audit kinds | Audits | Warnings |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Servers {
		p("| %s | %d | %d | %d | %s | %s | %s | %s | %s |\n", mdEscape(s.Name), s.AuditEvents, len(s.Clients), s.Records,
			orDash(z.full(s.First)), orDash(z.full(s.Last)), orDash(idsString(s.AuditKinds)), orDash(strings.Join(s.Audits, ", ")),
			mdList(s.Warnings))
	}

	p("\n## Input files\n\n| Path | Size | SHA-256 | Records in chunks | Decoded | First record ID | Chunks | Decoded chunks | Damaged chunks | Errors | Status |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, in := range r.Inputs {
		status := "read"
		if in.Skipped {
			status = "skipped: " + mdEscape(in.Reason)
		}
		p("| %s | %d | %s | %d | %d | %d | %d | %d | %s | %s | %s |\n", mdEscape(in.Path), in.Size, orDash(mdEscape(in.SHA256)),
			in.RecordsInChunks, in.Records, in.FirstRecordID, in.Chunks, in.ChunksDecoded,
			orDash(intsString(in.DamagedChunks)), mdList(errorList(in.Errors)), status)
	}
	if r.Unparsed > 0 {
		p("\n## Unparsed events\n\n%d recognised events were too malformed to classify.\n\n", r.Unparsed)
		for _, u := range r.UnparsedSamples {
			p("- %s: %s\n", mdEscape(z.evidence(u.Evidence)), mdEscape(u.Reason))
		}
	}
	return b.Flush()
}

func mdEscapeAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = mdEscape(v)
	}
	return out
}

func intsString(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}
