package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[1;31m"
	ansiYellow = "\x1b[33m"
	ansiMag    = "\x1b[1;35m"
	ansiDim    = "\x1b[2m"
)

// shortTime renders a time to the second for tables; details keep 100 ns.
func shortTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

type textWriter struct {
	w     *bufio.Writer
	width int
	color bool
	z     zone
}

func (t *textWriter) paint(code, s string) string {
	if !t.color || code == "" {
		return s
	}
	return code + s + ansiReset
}

func (t *textWriter) line(s string) { t.w.WriteString(strings.TrimRight(s, " ") + "\n") }

// wrap writes text after prefix, breaking at spaces so that no line is
// longer than the width; continuation lines are indented by indent spaces.
// A word longer than a whole line (a long path) is cut across lines.
func (t *textWriter) wrap(prefix string, indent int, text string) {
	line := prefix
	width := visibleWidth(prefix)
	pad := strings.Repeat(" ", indent)
	first := true
	for _, word := range t.pieces(strings.Fields(text), indent) {
		n := utf8.RuneCountInString(word)
		if !first && width+1+n > t.width {
			t.line(line)
			line, width, first = pad+word, indent+n, false
			continue
		}
		if first && width > 0 && !strings.HasSuffix(line, " ") {
			line += " "
			width++
		} else if !first {
			line += " "
			width++
		}
		line += word
		width += n
		first = false
	}
	t.line(line)
}

// visibleWidth is the number of runes of s that a terminal shows: the
// colour escapes that paint puts in a prefix take no room.
func visibleWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && s[j] != 'm' {
				j++
			}
			i = j + 1
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// dayOnly keeps the date of a table time when day is set.
func dayOnly(s string, day bool) string {
	if i := strings.IndexAny(s, "T "); day && i > 0 {
		return s[:i] // the date has more than ten bytes past the year 9999
	}
	return s
}

// pieces cuts the words longer than a line of the width (after indent)
// into pieces that fit one.
func (t *textWriter) pieces(words []string, indent int) []string {
	room := max(t.width-indent, 8)
	var out []string
	for _, w := range words {
		r := []rune(w)
		for len(r) > room {
			out = append(out, string(r[:room]))
			r = r[room:]
		}
		out = append(out, string(r))
	}
	return out
}

// cell pads s to n columns (truncating with "~" when longer).
func cell(s string, n int, right bool) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "~"
	}
	p := strings.Repeat(" ", n-len(r))
	if right {
		return p + s
	}
	return s + p
}

func total(m map[uint16]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func eventsString(m map[uint16]int) string {
	var parts []string
	for _, id := range sortedIDs(m) {
		parts = append(parts, fmt.Sprintf("%d×%d", id, m[id]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func sortedIDs(m map[uint16]int) []uint16 {
	var ids []uint16
	for id, n := range m {
		if n != 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func idsString(ids []uint16) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(int(id))
	}
	return strings.Join(s, ",")
}

// evidence renders e in one line, its time in the zone.
func (z zone) evidence(e Evidence) string {
	s := fmt.Sprintf("%s, event %d on %s, record %d", z.full(e.Time), e.EventID, Escape(e.Server), e.RecordID)
	if e.Source.File != "" {
		s += fmt.Sprintf(" (%s chunk %d offset %d)", Escape(e.Source.File), e.Source.Chunk, e.Source.Offset)
	}
	return s
}

func summaryLine(s Summary, unparsed int) string {
	return fmt.Sprintf("%s, %s (%d without audit events), %s (%d skipped), %s, %s, %s, %s, %s already rejected by enforcement (551, 5168).",
		plural(s.Clients, "client", "clients"), plural(s.Servers, "server", "servers"), s.ServersWithoutAudit,
		plural(s.Inputs, "input file", "input files"), s.SkippedInputs, plural(s.Records, "record read", "records read"),
		plural(s.DamagedChunks, "damaged chunk", "damaged chunks"), plural(s.Errors, "read error", "read errors"),
		plural(unparsed, "unparsed event", "unparsed events"), plural(s.RejectedClients, "client", "clients"))
}

// verdictCell says what a setting does to a client: "yes", "maybe" or "-".
func verdictCell(c Client, st Setting) string {
	if slices.Contains(c.BreaksUnder, st) {
		return "yes"
	}
	if slices.Contains(c.PossiblyBreaksUnder, st) {
		return "maybe"
	}
	return "-"
}

// writeText writes a terminal summary and tables, within opts.Width columns (100 by default).
func (r *Report) writeText(w io.Writer, opts RenderOptions, z zone) error {
	t := &textWriter{w: bufio.NewWriter(w), width: opts.Width, color: opts.Color, z: z}
	if t.width <= 0 {
		t.width = 100
	}
	t.line(t.paint(ansiBold, "SMB hardening readiness report") + "  (generated " + z.full(r.GeneratedAt) + ")")
	if d := z.describe(r); d != "" {
		t.wrap("", 2, strings.ToUpper(d[:1])+d[1:]+".")
	}
	if r.Summary.Notice != "" {
		t.line("")
		t.wrap(t.paint(ansiRed, "NO EVIDENCE:"), 2, r.Summary.Notice)
	}
	t.line("")
	for _, kv := range r.about() {
		t.wrap(kv[0]+":", 4, Escape(kv[1]))
	}
	t.line("")
	t.line(t.paint(ansiBold, "What breaks if you enforce each setting"))
	for _, h := range r.Summary.Headlines {
		code := map[State]string{StateBreaks: ansiRed, StatePossibly: ansiYellow, StateCannotTell: ansiMag}[h.State]
		t.wrap("  "+t.paint(code, "* "+stateMark(h.State)+":"), 4, Escape(h.Text)+".")
		if w := withoutAudit(h); w != "" {
			t.wrap("    ", 4, Escape(w)+".")
		}
	}
	if len(r.Caveats) > 0 {
		t.line("")
		t.line(t.paint(ansiBold, "What weakens an absence of evidence"))
		for _, c := range r.Caveats {
			t.wrap("  "+t.paint(ansiYellow, "!"), 4, Escape(c.Text)+".")
		}
	}
	t.line("")
	t.wrap("", 0, summaryLine(r.Summary, r.Unparsed))

	// Clients table.
	t.line("")
	if t.width >= 100 {
		t.line(t.paint(ansiBold, "Clients") + "  (yes: breaks; maybe: 3027 only; SMB1=DisableSMB1, SIGN=RequireSecuritySignature,")
		t.line("          ENC=EncryptData+RejectUnencryptedAccess, SPN1/SPN2=SmbServerNameHardeningLevel=1/2;")
		t.line("          551: already rejected, by a 551 or a 5168)")
	} else {
		t.line(t.paint(ansiBold, "Clients"))
		t.wrap("  (yes: breaks; maybe: 3027 only;", 3, "SMB1=DisableSMB1, SIGN=RequireSecuritySignature, "+
			"ENC=EncryptData+RejectUnencryptedAccess, SPN1/SPN2=SmbServerNameHardeningLevel=1/2; 551: already rejected, by a 551 or a 5168)")
	}
	// The client column takes what the width leaves (27 at 100 columns);
	// under 89 columns the last-seen column shows the date alone.
	cw, lastSeen, day := t.width-73, "LAST SEEN"+z.suffix(), false
	if cw < 16 {
		cw, lastSeen, day = max(t.width-63, 12), "LAST SEEN", true
	}
	t.line(fmt.Sprintf("%s %-5s %-5s %-5s %-5s %-5s %-8s %6s %4s  %s", cell("CLIENT", cw, false), "SMB1", "ENC", "SIGN", "SPN1", "SPN2", "551", "EVENTS", "SRVS", lastSeen))
	for _, c := range r.Clients {
		row := cell(Escape(c.ID), cw, false)
		for _, st := range settings {
			v := verdictCell(c, st)
			code := map[string]string{"yes": ansiRed, "maybe": ansiYellow, "-": ansiDim}[v]
			row += " " + t.paint(code, cell(v, 5, false))
		}
		rej := "-"
		code := ansiDim
		if c.RejectedByEnforcement {
			rej, code = "REJECTED", ansiMag
		}
		row += " " + t.paint(code, cell(rej, 8, false))
		row += fmt.Sprintf(" %6d %4d  %s", c.TotalEvents(), max(len(c.Servers), c.ServersTotal), dayOnly(z.short(c.LastSeen), day))
		t.line(row)
	}

	// Client details.
	t.line("")
	t.line(t.paint(ansiBold, "Client details"))
	for _, c := range r.Clients {
		t.line("")
		head := Escape(c.ID)
		if c.Kind != "" {
			head += " (" + Escape(c.Kind) + ")"
		}
		t.line(t.paint(ansiBold, head))
		field := func(name string, vals []string) {
			if len(vals) > 0 {
				t.wrap("  "+name+":", 6, strings.Join(escapeAll(vals), ", "))
			}
		}
		field("names", andMore(c.Names, c.NamesTotal))
		field("same short name as", andMore(c.Linked, c.LinkedTotal))
		t.wrap("  events:", 6, eventsString(c.Events()))
		t.wrap("  first seen:", 6, z.evidence(c.First))
		t.wrap("  last seen:", 6, z.evidence(c.Last))
		field("servers", andMore(c.Servers, c.ServersTotal))
		field("users", andMore(c.Users, c.UsersTotal))
		field("SPNs", andMore(showEmpty(c.SPNs), c.SPNsTotal))
		field("SPN query statuses", c.SPNQueryStatuses)
		field("EPA policies", c.EPAPolicies)
		field("server requires signing", c.ServerRequiresSigning)
		field("551 statuses", c.RejectionStatuses)
		if c.DamagedChunkEvents > 0 {
			t.wrap("  "+t.paint(ansiYellow, "!"), 6, fmt.Sprintf("%s read from damaged chunks: verify them", plural(c.DamagedChunkEvents, "event", "events")))
		}
		for _, v := range c.Verdicts {
			word, code := "breaks under", ansiRed
			if !v.Certain {
				word, code = "possibly breaks under", ansiYellow
			}
			t.wrap("  "+t.paint(code, word), 6, fmt.Sprintf("%s (event %s on %s): %s.", v.Setting, idsString(v.Events),
				strings.Join(escapeAll(v.Servers), ", "), strings.Join(v.Hints, "; ")))
		}
		if c.RejectedByEnforcement {
			t.wrap("  "+t.paint(ansiMag, "rejected:"), 6, HintAlreadyFails+".")
		}
	}

	// Servers.
	t.line("")
	if t.width >= 100 {
		t.line(t.paint(ansiBold, "Servers") + "  (coverage: first and last record of any event of the server in the inputs)")
	} else {
		t.line(t.paint(ansiBold, "Servers"))
		t.wrap("  (coverage:", 3, "first and last record of any event of the server in the inputs)")
	}
	// The server column takes what the width leaves past 100 columns;
	// under 98 the first and last columns show dates alone.
	sw, tw, day := 30+max(t.width-100, 0), 20, false
	if t.width < 98 {
		sw, tw, day = min(max(t.width-50, 12), 30), 11, true
	}
	t.line(fmt.Sprintf("%s %6s %7s %8s  %-*s  %-*s", cell("SERVER", sw, false), "AUDIT", "CLIENTS", "RECORDS", tw, "FIRST"+z.suffix(), tw, "LAST"+z.suffix()))
	for _, s := range r.Servers {
		t.line(fmt.Sprintf("%s %6d %7d %8d  %-*s  %-*s", cell(Escape(s.Name), sw, false), s.AuditEvents, len(s.Clients), s.Records,
			tw, dayOnly(z.short(s.First), day), tw, dayOnly(z.short(s.Last), day)))
		if len(s.AuditKinds) > 0 {
			t.wrap("    audit kinds:", 6, idsString(s.AuditKinds)+" (audits: "+strings.Join(s.Audits, ", ")+")")
		}
		for _, wn := range s.Warnings {
			t.wrap("    "+t.paint(ansiYellow, "!"), 6, wn)
		}
	}

	// Inputs.
	t.line("")
	t.line(t.paint(ansiBold, "Input files"))
	for _, in := range r.Inputs {
		t.wrap("", 2, Escape(in.Path))
		if in.Skipped {
			t.wrap("    "+t.paint(ansiYellow, "skipped:"), 6, fmt.Sprintf("%s (%d bytes)", Escape(in.Reason), in.Size))
			continue
		}
		t.wrap("   ", 6, fmt.Sprintf("%s; %s (%d decoded), %s, %s; %s to %s", inputFacts(in),
			plural(in.Chunks, "chunk", "chunks"), in.ChunksDecoded, plural(len(in.DamagedChunks), "damaged chunk", "damaged chunks"),
			plural(len(in.Errors), "error", "errors"), orDash(z.full(in.First)), orDash(z.full(in.Last))))
		t.wrap("    sha256:", 6, orDash(in.SHA256))
		shown, more := firstErrors(in.Errors)
		for _, e := range shown {
			t.wrap("    "+t.paint(ansiYellow, "!"), 6, Escape(e))
		}
		if more != "" {
			t.wrap("    "+t.paint(ansiYellow, "!"), 6, more)
		}
	}
	if r.Unparsed > 0 {
		t.line("")
		t.line(t.paint(ansiBold, "Unparsed events") + fmt.Sprintf("  (%d; recognised but too malformed to classify)", r.Unparsed))
		for _, u := range r.UnparsedSamples {
			t.wrap("  *", 4, z.evidence(u.Evidence)+": "+Escape(u.Reason))
		}
	}
	return t.w.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// showEmpty shows an empty value (an empty SPN) as "(empty)".
func showEmpty(vals []string) []string {
	out := slices.Clone(vals)
	for i, v := range out {
		if v == "" {
			out[i] = "(empty)"
		}
	}
	return out
}

// MaxErrorsShown bounds the errors the text, Markdown and HTML forms list per
// input file; the JSON form lists them all.
const MaxErrorsShown = 5

// firstErrors returns the errors to show and, when some are left out, a line
// saying how many.
func firstErrors(errs []string) ([]string, string) {
	if len(errs) <= MaxErrorsShown {
		return errs, ""
	}
	return errs[:MaxErrorsShown], fmt.Sprintf("... and %d more errors (the JSON form lists them all)", len(errs)-MaxErrorsShown)
}

// errorList is firstErrors as one list.
func errorList(errs []string) []string {
	shown, more := firstErrors(errs)
	if more == "" {
		return shown
	}
	return append(slices.Clone(shown), more)
}
