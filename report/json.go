package report

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// Sentinel errors of ReadJSON. Test for them with errors.Is.
var (
	// ErrSchema: the document does not declare the schema this package reads.
	ErrSchema = errors.New("report: unsupported schema")
	// ErrMalformed: the document is not valid JSON of the report schema.
	ErrMalformed = errors.New("report: malformed report")
)

// formatTime renders t as every renderer writes an exact time, in UTC with
// evtx.TimeLayout, or "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(evtx.TimeLayout)
}

// parseWide parses s as time.Parse(layout, s) does, layout starting with
// the year, and also takes a year of more than four digits, as formatTime
// writes past 9999 (the largest FILETIME is in the year 60056).
func parseWide(layout, s string) (time.Time, error) {
	t, err := time.Parse(layout, s)
	n := strings.IndexByte(s, '-')
	if err == nil || n <= 4 || n > 9 || strings.Trim(s[:n], "0123456789") != "" {
		return t, err
	}
	y, _ := strconv.Atoi(s[:n])
	// The Gregorian calendar repeats every 400 years: a year of the same
	// place in the cycle has the same days, and AddDate keeps them.
	base := 2000 + y%400
	t, err = time.Parse(layout, strconv.Itoa(base)+s[n:])
	if err != nil {
		return time.Time{}, fmt.Errorf("parsing time %q: %w", s, err)
	}
	return t.AddDate(y-base, 0, 0), nil
}

// formatBound renders a filter bound as formatTime does, but to the
// nanosecond when it lies between two 100 ns ticks: cut, it would name a
// tick the filter excludes (a since) or includes (an until past it).
func formatBound(t time.Time) string {
	if t.Nanosecond()%100 != 0 {
		return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
	}
	return formatTime(t)
}

type jsonReport struct {
	Schema      string     `json:"schema"`
	GeneratedAt string     `json:"generated_at"`
	Version     string     `json:"version"`
	CommandLine string     `json:"command_line"`
	Filter      jsonFilter `json:"filter"`
	ShortWindow string     `json:"short_window"`
	// AuditWindows says that the servers carry their audit windows
	// (audit_first, audit_last, omitted when zero); a document written
	// before they existed lacks it, and its windows are unknown.
	AuditWindows    bool           `json:"audit_windows"`
	PartialFilters  []string       `json:"partial_filters"`
	Summary         jsonSummary    `json:"summary"`
	Caveats         []jsonCaveat   `json:"caveats"`
	Clients         []jsonClient   `json:"clients"`
	Servers         []jsonServer   `json:"servers"`
	Inputs          []jsonInput    `json:"inputs"`
	EventsPerDay    []jsonDay      `json:"events_per_day"`
	Unparsed        int            `json:"unparsed"`
	UnparsedSamples []jsonUnparsed `json:"unparsed_samples"`
	Findings        []jsonRecord   `json:"findings"`
	FindingsOmitted int            `json:"findings_omitted"`
}

type jsonRecord struct {
	jsonEvidence
	EventRecordID            uint64 `json:"event_record_id"`
	Kind                     string `json:"kind"`
	Channel                  string `json:"channel"`
	Client                   string `json:"client"`
	ClientRaw                string `json:"client_raw"`
	ClientKind               string `json:"client_kind"`
	ShortName                string `json:"short_name"`
	User                     string `json:"user"`
	SPN                      string `json:"spn"`
	HasSPN                   bool   `json:"has_spn"`
	SPNQueryStatus           string `json:"spn_query_status"`
	EPAPolicy                string `json:"epa_policy"`
	ServerRequiresSigning    string `json:"server_requires_signing"`
	ServiceClassIsValid      string `json:"service_class_is_valid"`
	PrincipalNameIsValid     string `json:"principal_name_is_valid"`
	ServerRequiresEncryption string `json:"server_requires_encryption"`
	Status                   string `json:"status"`
	ChunkDamaged             bool   `json:"chunk_damaged"`
	Recovered                bool   `json:"recovered,omitempty"`
	Reason                   string `json:"reason"`
}

type jsonSummary struct {
	Clients             int            `json:"clients"`
	Servers             int            `json:"servers"`
	ServersWithoutAudit int            `json:"servers_without_audit"`
	Inputs              int            `json:"inputs"`
	SkippedInputs       int            `json:"skipped_inputs"`
	Records             int            `json:"records"`
	DamagedChunks       int            `json:"damaged_chunks"`
	Errors              int            `json:"errors"`
	Events              map[string]int `json:"events"`
	RejectedClients     int            `json:"rejected_clients"`
	AuditEvents         int            `json:"audit_events"`
	Notice              string         `json:"notice"`
	Headlines           []jsonHeadline `json:"headlines"`
}

type jsonFilter struct {
	Since   string   `json:"since"`
	Until   string   `json:"until"`
	Servers []string `json:"servers"`
	Clients []string `json:"clients"`
}

type jsonCaveat struct {
	Kind   string `json:"kind"`
	Server string `json:"server"`
	Input  string `json:"input"`
	Text   string `json:"text"`
}

type jsonHeadline struct {
	Setting             string   `json:"setting"`
	Clients             int      `json:"clients"`
	Servers             int      `json:"servers"`
	PossibleClients     int      `json:"possible_clients"`
	PossibleServers     int      `json:"possible_servers"`
	State               string   `json:"state"`
	Audit               string   `json:"audit"`
	AuditSwitch         string   `json:"audit_switch"`
	ServersWithAudit    []string `json:"servers_with_audit"`
	ServersWithoutAudit []string `json:"servers_without_audit"`
	Text                string   `json:"text"`
}

type jsonEvidence struct {
	Time     string      `json:"time"`
	Server   string      `json:"server"`
	EventID  uint16      `json:"event_id"`
	RecordID uint64      `json:"record_id"`
	Source   evtx.Source `json:"source"`
}

type jsonVerdict struct {
	Setting string   `json:"setting"`
	Certain bool     `json:"certain"`
	Events  []uint16 `json:"events"`
	Servers []string `json:"servers"`
	Hints   []string `json:"hints"`
}

type jsonClient struct {
	Client                   string              `json:"client"`
	Kind                     string              `json:"kind"`
	ShortName                string              `json:"short_name"`
	Linked                   []string            `json:"linked"`
	LinkedTotal              int                 `json:"linked_total"`
	Names                    []string            `json:"names"`
	NamesTotal               int                 `json:"names_total"`
	Events                   map[string]int      `json:"events"`
	ServersByEvent           map[string][]string `json:"servers_by_event"`
	FirstSeen                string              `json:"first_seen"`
	LastSeen                 string              `json:"last_seen"`
	FirstEvidence            jsonEvidence        `json:"first_evidence"`
	LastEvidence             jsonEvidence        `json:"last_evidence"`
	Servers                  []string            `json:"servers"`
	ServersTotal             int                 `json:"servers_total"`
	Users                    []string            `json:"users"`
	UsersTotal               int                 `json:"users_total"`
	SPNs                     []string            `json:"spns"`
	SPNsTotal                int                 `json:"spns_total"`
	SPNQueryStatuses         []string            `json:"spn_query_statuses"`
	EPAPolicies              []string            `json:"epa_policies"`
	ServerRequiresSigning    []string            `json:"server_requires_signing"`
	RejectionStatuses        []string            `json:"rejection_statuses"`
	SPNsServiceClassInvalid  []string            `json:"spns_service_class_invalid"`
	SPNsPrincipalNameInvalid []string            `json:"spns_principal_name_invalid"`
	DamagedChunkEvents       int                 `json:"damaged_chunk_events"`
	BreaksUnder              []string            `json:"breaks_under"`
	PossiblyBreaksUnder      []string            `json:"possibly_breaks_under"`
	RejectedByEnforcement    bool                `json:"rejected_by_enforcement"`
	Verdicts                 []jsonVerdict       `json:"verdicts"`
}

type jsonServer struct {
	Server      string         `json:"server"`
	First       string         `json:"first"`
	Last        string         `json:"last"`
	AuditFirst  string         `json:"audit_first,omitempty"`
	AuditLast   string         `json:"audit_last,omitempty"`
	Records     int            `json:"records"`
	Findings    int            `json:"findings"`
	Events      map[string]int `json:"events"`
	AuditEvents int            `json:"audit_events"`
	Clients     []string       `json:"clients"`
	AuditKinds  []uint16       `json:"audit_kinds"`
	Audits      []string       `json:"audits"`
	Warnings    []string       `json:"warnings"`
}

type jsonInput struct {
	Path            string   `json:"path"`
	Size            int64    `json:"size"`
	Skipped         bool     `json:"skipped"`
	Reason          string   `json:"reason"`
	Cause           string   `json:"cause"`
	Chunks          int      `json:"chunks"`
	ChunksDecoded   int      `json:"chunks_decoded"`
	ChunksSkipped   int      `json:"chunks_skipped"`
	Records         int      `json:"records"`
	RecordsInChunks int      `json:"records_in_chunks"`
	FirstRecordID   uint64   `json:"first_record_id"`
	SHA256          string   `json:"sha256"`
	DamagedChunks   []int    `json:"damaged_chunks"`
	Errors          []string `json:"errors"`
	First           string   `json:"first"`
	Last            string   `json:"last"`
}

type jsonDay struct {
	Date   string         `json:"date"`
	Events map[string]int `json:"events"`
}

type jsonUnparsed struct {
	jsonEvidence
	Reason string `json:"reason"`
}

// nonNil makes empty lists render as [] rather than null, so consumers
// need not tell the two apart.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func countsOut(m map[uint16]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[strconv.Itoa(int(k))] = v
	}
	return out
}

func settingsOut(s []Setting) []string {
	out := make([]string, 0, len(s))
	for _, v := range s {
		out = append(out, string(v))
	}
	return out
}

func evidenceOut(e Evidence) jsonEvidence {
	return jsonEvidence{Time: formatTime(e.Time), Server: e.Server, EventID: e.EventID, RecordID: e.RecordID, Source: e.Source}
}

func (r *Report) toJSON() jsonReport {
	schema := Schema
	if r.FindingsOmitted > 0 {
		schema = SchemaSummarised
	}
	j := jsonReport{Schema: schema, GeneratedAt: formatTime(r.GeneratedAt), Unparsed: r.Unparsed, FindingsOmitted: r.FindingsOmitted,
		Clients: []jsonClient{}, Servers: []jsonServer{}, Inputs: []jsonInput{}, EventsPerDay: []jsonDay{},
		UnparsedSamples: []jsonUnparsed{}, Findings: []jsonRecord{}, Caveats: []jsonCaveat{},
		Version: r.Version, CommandLine: r.CommandLine, ShortWindow: r.ShortWindow.String(), AuditWindows: true, PartialFilters: nonNil(r.PartialFilters),
		Filter: jsonFilter{Since: formatBound(r.Filter.Since), Until: formatBound(r.Filter.Until),
			Servers: nonNil(r.Filter.Servers), Clients: nonNil(r.Filter.Clients)}}
	for _, c := range r.Caveats {
		j.Caveats = append(j.Caveats, jsonCaveat{Kind: string(c.Kind), Server: c.Server, Input: c.Input, Text: c.Text})
	}
	s := r.Summary
	j.Summary = jsonSummary{Clients: s.Clients, Servers: s.Servers, ServersWithoutAudit: s.ServersWithoutAudit,
		Inputs: s.Inputs, SkippedInputs: s.SkippedInputs, Records: s.Records, DamagedChunks: s.DamagedChunks,
		Errors: s.Errors, Events: countsOut(s.Events), RejectedClients: s.RejectedClients, Headlines: []jsonHeadline{},
		AuditEvents: s.AuditEvents, Notice: s.Notice}
	for _, h := range s.Headlines {
		j.Summary.Headlines = append(j.Summary.Headlines, jsonHeadline{Setting: string(h.Setting), Clients: h.Clients,
			Servers: h.Servers, PossibleClients: h.PossibleClients, PossibleServers: h.PossibleServers,
			State: string(h.State), Audit: h.Audit, AuditSwitch: h.AuditSwitch,
			ServersWithAudit: nonNil(h.ServersWithAudit), ServersWithoutAudit: nonNil(h.ServersWithoutAudit), Text: h.Text})
	}
	// The clients and findings are appended one at a time by writeJSON.
	for _, sv := range r.Servers {
		j.Servers = append(j.Servers, jsonServer{Server: sv.Name, First: formatTime(sv.First), Last: formatTime(sv.Last),
			AuditFirst: formatTime(sv.AuditFirst), AuditLast: formatTime(sv.AuditLast),
			Records: sv.Records, Findings: sv.Findings, Events: countsOut(sv.Events), AuditEvents: sv.AuditEvents, Clients: nonNil(sv.Clients),
			AuditKinds: nonNil(sv.AuditKinds), Audits: nonNil(sv.Audits), Warnings: nonNil(sv.Warnings)})
	}
	for _, in := range r.Inputs {
		j.Inputs = append(j.Inputs, jsonInput{Path: in.Path, Size: in.Size, Skipped: in.Skipped, Reason: in.Reason, Cause: string(in.Cause),
			Chunks: in.Chunks, ChunksDecoded: in.ChunksDecoded, ChunksSkipped: in.ChunksSkipped, Records: in.Records,
			RecordsInChunks: in.RecordsInChunks, FirstRecordID: in.FirstRecordID, SHA256: in.SHA256,
			DamagedChunks: nonNil(in.DamagedChunks), Errors: nonNil(in.Errors),
			First: formatTime(in.First), Last: formatTime(in.Last)})
	}
	for _, d := range r.Days {
		j.EventsPerDay = append(j.EventsPerDay, jsonDay{Date: d.Date, Events: countsOut(d.Events)})
	}
	for _, u := range r.UnparsedSamples {
		j.UnparsedSamples = append(j.UnparsedSamples, jsonUnparsed{jsonEvidence: evidenceOut(u.Evidence), Reason: u.Reason})
	}
	return j
}

// writeJSON writes the report in the JSON form of schema
// "smbreadiness.report/v1" (see the package documentation), indented, with
// a final newline. ReadJSON reads it back. The clients and the findings
// are encoded one at a time, so that writing a report holds neither a
// second copy of them nor the whole document.
func (r *Report) writeJSON(w io.Writer) error {
	j := r.toJSON()
	validStrings(reflect.ValueOf(&j).Elem())
	head, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return fmt.Errorf("report: encoding JSON: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	// Each element is appended to one reused buffer by a jsonWriter,
	// laid out as MarshalIndent lays out the elements of an array.
	jw := jsonWriter{prefix: "    "}
	var keys []eventKey
	// toJSON leaves "clients" and "findings" empty; their elements go
	// between the brackets. The members are at the top level, the only
	// place where a line starts with two spaces and a quote.
	for _, m := range []struct {
		name string
		n    int
		elem func(i int)
	}{
		{"clients", len(r.Clients), func(i int) { keys = jw.client(&r.Clients[i], keys) }},
		{"findings", len(r.Findings), func(i int) { jw.record(&r.Findings[i]) }},
	} {
		empty := "\n  \"" + m.name + "\": [],\n"
		at := bytes.Index(head, []byte(empty))
		if at < 0 {
			return fmt.Errorf("report: encoding JSON: no %s member", m.name) // cannot happen: toJSON has one
		}
		bw.Write(head[:at+len(empty)-3]) // up to and including the bracket that opens
		head = head[at+len(empty)-3:]
		for i := range m.n {
			jw.b = jw.b[:0]
			if i > 0 {
				jw.b = append(jw.b, ',')
			}
			jw.b = append(jw.b, "\n    "...)
			m.elem(i)
			bw.Write(jw.b)
		}
		if m.n > 0 {
			bw.WriteString("\n  ")
		}
	}
	bw.Write(head) // from the bracket that closes the findings
	bw.WriteByte('\n')
	return bw.Flush()
}

// ReadJSON reads a report written by Render in FormatJSON, typically a
// shard built on another machine, for a Builder to merge. It reads what a
// report is built from (its findings, or its rows when it kept none; the
// servers' coverage, the inputs, the generation time: see the package
// documentation) and derives the rest again, never trusting it. The report
// carries the SHA-256 of the bytes read (Report.Digest), so that the same
// partial counts once.
//
// A partial may come from anywhere: it is checked while it is read against
// the limits of docs/limits.md (MaxCount, MaxPartialTotal, MaxPartialBytes,
// MaxStringBytes, MaxListLen, MaxDepth, the event IDs, kinds and times it
// may hold). The error is ErrSchema for another schema, otherwise a
// *FieldError naming the JSON path or the byte offset, wrapping
// ErrMalformed, ErrLimit or ErrOverflow.
func ReadJSON(rd io.Reader) (*Report, error) {
	a, digest, err := readPartial(rd)
	if err != nil {
		return nil, err
	}
	out := a.finish(true)
	if w, ok := weight(out); !ok || int64(w) > MaxPartialTotal {
		return nil, errPartialTotal()
	}
	out.Digest = digest
	return out, nil
}

func errPartialTotal() error {
	return &FieldError{Path: "(report)", Msg: fmt.Sprintf("its counts sum past %d (MaxPartialTotal)", MaxPartialTotal), Err: ErrLimit}
}

// readPartial reads and checks a partial report for ReadJSON into the rows
// of an agg of its own, and returns them with the SHA-256 of the document.
func readPartial(rd io.Reader) (*agg, [32]byte, error) {
	var digest [32]byte
	var j jsonReport
	g := &guard{r: rd, h: sha256.New()}
	dec := json.NewDecoder(g)
	p := parser{}
	a := newAgg(Options{})
	// The clients of a summarised partial (its schema first, as writeJSON
	// writes it) go to the rows one at a time: a partial of many clients
	// is never held whole, neither as text nor decoded.
	var streamed checkedSum
	streamedSchema := ""
	client := func(i int, jc *jsonClient) {
		if !jc.stringsWithin(MaxStringBytes) { // the path of the first one is worth reflection
			p.checkStrings(reflect.ValueOf(*jc), []string{"clients", "[" + strconv.Itoa(i) + "]"})
		}
		if j.Schema != SchemaSummarised {
			j.Clients = append(j.Clients, *jc) // read at the end, if at all
			return
		}
		streamedSchema = j.Schema
		one := Report{Clients: []Client{p.client(i, jc)}}
		streamed.addCounts(one.Clients[0].EventCounts)
		streamed.add(one.Clients[0].DamagedChunkEvents)
		if a.summary == nil {
			a.summary = newRows()
		}
		a.summary.addRows(&one)
		for _, name := range namedServers(&one) {
			a.addCoverage(name, time.Time{}, time.Time{}, 0)
		}
	}
	if err := decodeReport(dec, &j, client); err != nil {
		if fe := (*FieldError)(nil); errors.As(err, &fe) {
			return nil, digest, fe
		}
		at := dec.InputOffset()
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case g.err == nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)):
			// Cut short: say where it ends, which may be far past the
			// start of the member it cuts.
			msg := "empty document"
			if g.n > 0 {
				msg = fmt.Sprintf("cut short at byte %d", g.n)
			}
			if at < g.n {
				msg += fmt.Sprintf(", inside the value that starts at offset %d", at)
			}
			return nil, digest, &FieldError{Offset: g.n, Msg: msg, Err: ErrMalformed}
		case errors.As(err, &syn):
			at = syn.Offset
		case errors.As(err, &typ):
			at = typ.Offset
		}
		return nil, digest, &FieldError{Offset: at, Msg: err.Error(), Err: ErrMalformed}
	}
	if _, err := io.Copy(io.Discard, g); err != nil {
		if fe := (*FieldError)(nil); errors.As(err, &fe) {
			return nil, digest, fe
		}
		return nil, digest, &FieldError{Offset: g.n, Msg: err.Error(), Err: ErrMalformed}
	}
	if streamedSchema != "" && j.Schema != streamedSchema {
		return nil, digest, &FieldError{Path: "schema", Msg: "given again after the clients, changed", Err: ErrMalformed}
	}
	if j.Schema != Schema && j.Schema != SchemaSummarised {
		return nil, digest, fmt.Errorf("%w: %q (want %q or %q)", ErrSchema, j.Schema, Schema, SchemaSummarised)
	}
	p.checkStrings(reflect.ValueOf(j), nil)
	r := &Report{GeneratedAt: p.time("generated_at", j.GeneratedAt, false), FindingsOmitted: p.count("findings_omitted", j.FindingsOmitted)}
	switch {
	case j.Schema == Schema && j.FindingsOmitted > 0:
		p.fail("findings_omitted", "set in a report of schema "+Schema)
	case j.Schema == SchemaSummarised && j.FindingsOmitted == 0:
		p.fail("findings_omitted", "0 in a report of schema "+SchemaSummarised)
	case j.FindingsOmitted > 0 && len(j.Findings) > 0:
		p.fail("findings_omitted", "set beside findings")
	case j.FindingsOmitted > 0:
		p.rows(&j, r)
	}
	j.Clients = nil // read, or not needed: let them go before the report is made
	for i, jf := range j.Findings {
		at := fmt.Sprintf("findings[%d]", i)
		if jf.Server == "" {
			p.fail(at+".server", "empty")
		}
		if !smbaudit.Kind(jf.Kind).Known() {
			p.fail(at+".kind", fmt.Sprintf("unknown kind %q", jf.Kind))
		}
		if !knownClientKinds[jf.ClientKind] {
			p.fail(at+".client_kind", fmt.Sprintf("unknown client kind %q", jf.ClientKind))
		}
		switch jf.ServerRequiresSigning {
		case "", "true", "false":
		default:
			p.fail(at+".server_requires_signing", fmt.Sprintf("%q is not \"true\", \"false\" or \"\"", jf.ServerRequiresSigning))
		}
		r.Findings = append(r.Findings, Record{Evidence: p.evidence(at, jf.jsonEvidence), EventRecordID: jf.EventRecordID,
			Kind: jf.Kind, Channel: jf.Channel, ClientID: jf.Client, ClientRaw: jf.ClientRaw, ClientKind: jf.ClientKind,
			ShortName: jf.ShortName, User: jf.User, SPN: jf.SPN, HasSPN: jf.HasSPN, SPNQueryStatus: jf.SPNQueryStatus,
			EPAPolicy: jf.EPAPolicy, ServerRequiresSigning: jf.ServerRequiresSigning, ServiceClassIsValid: jf.ServiceClassIsValid,
			PrincipalNameIsValid: jf.PrincipalNameIsValid, ServerRequiresEncryption: jf.ServerRequiresEncryption, Status: jf.Status,
			ChunkDamaged: jf.ChunkDamaged, Recovered: jf.Recovered, Reason: jf.Reason})
	}
	for i, js := range j.Servers {
		at := fmt.Sprintf("servers[%d]", i)
		if js.Server == "" {
			p.fail(at+".server", "empty")
		}
		p.again(at+".server", "servers", "server", strings.ToLower(js.Server), i)
		s := Server{Name: js.Server, First: p.time(at+".first", js.First, false), Last: p.time(at+".last", js.Last, false),
			AuditFirst: p.time(at+".audit_first", js.AuditFirst, false), AuditLast: p.time(at+".audit_last", js.AuditLast, false),
			Records: p.count(at+".records", js.Records), Audits: p.audits(at+".audits", js.Audits)}
		// A document written before the audit windows existed lacks them:
		// the findings it kept of the Audit channel give a server's window
		// again, but a summarised one keeps none, and the window of a
		// server that logged an audit is then unknown, not none.
		s.auditUnknown = !j.AuditWindows && j.FindingsOmitted > 0 && len(s.Audits) > 0
		if j.FindingsOmitted > 0 {
			s.Findings, s.Events, s.Clients = p.count(at+".findings", js.Findings), p.counts(at+".events", js.Events), js.Clients
		}
		r.Servers = append(r.Servers, s)
	}
	for i, ji := range j.Inputs {
		at := fmt.Sprintf("inputs[%d]", i)
		if ji.Size < 0 {
			p.fail(at+".size", "negative")
		}
		for k, c := range ji.DamagedChunks {
			p.count(fmt.Sprintf("%s.damaged_chunks[%d]", at, k), c)
		}
		r.Inputs = append(r.Inputs, Input{Path: ji.Path, Size: ji.Size, Skipped: ji.Skipped, Reason: ji.Reason, Cause: p.cause(at, ji),
			Chunks: p.count(at+".chunks", ji.Chunks), ChunksDecoded: p.count(at+".chunks_decoded", ji.ChunksDecoded),
			ChunksSkipped: p.count(at+".chunks_skipped", ji.ChunksSkipped), Records: p.count(at+".records", ji.Records),
			RecordsInChunks: p.count(at+".records_in_chunks", ji.RecordsInChunks), FirstRecordID: ji.FirstRecordID,
			SHA256:        p.sha256(at+".sha256", ji.SHA256),
			DamagedChunks: emptyNil(ji.DamagedChunks), Errors: emptyNil(ji.Errors),
			First: p.time(at+".first", ji.First, false), Last: p.time(at+".last", ji.Last, false)})
	}
	meta := Meta{Version: j.Version, CommandLine: j.CommandLine,
		Filter: smbaudit.Filter{Since: p.time("filter.since", j.Filter.Since, false), Until: p.time("filter.until", j.Filter.Until, false),
			Servers: emptyNil(j.Filter.Servers), Clients: emptyNil(j.Filter.Clients)}}
	if j.ShortWindow != "" { // reports written before the member existed have none: the default
		d, err := time.ParseDuration(j.ShortWindow)
		if err != nil {
			p.fail("short_window", err.Error())
		}
		meta.ShortWindow = d
	}
	if p.err != nil {
		return nil, digest, p.err
	}
	r.Meta, r.PartialFilters = meta, emptyNil(j.PartialFilters)
	a.meta = meta
	j = jsonReport{}
	a.total = streamed.n
	if err := a.addReport(r); streamed.overflow || err != nil {
		return nil, digest, &FieldError{Msg: "the counts of the report sum past the largest int", Path: "(report)", Err: ErrOverflow}
	}
	// The report's own filter is its own, not that of a partial merged
	// into it: only those it lists are.
	a.filters = set{}
	a.filters.add(r.PartialFilters...)
	r = nil // in a now
	g.h.Sum(digest[:0])
	return a, digest, nil
}

// decodeReport decodes the top-level object of a report into j, but for
// the elements of its "clients" member, which it passes to client one at a
// time. Of another member given twice the last counts, as in
// json.Unmarshal; clients given twice are refused, as the first ones are
// already passed on.
func decodeReport(dec *json.Decoder, j *jsonReport, client func(i int, jc *jsonClient)) error {
	t, err := dec.Token()
	if err != nil || t == nil {
		return err // null: no report, refused for its schema
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return &json.UnmarshalTypeError{Value: fmt.Sprint(t), Type: reflect.TypeOf(*j), Offset: dec.InputOffset()}
	}
	seen := false // the clients
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		start := dec.InputOffset()
		if strings.ToLower(key) == "clients" { // json.Unmarshal matches names without regard to case
			if seen {
				return fmt.Errorf("member %q given twice", key)
			}
			seen = true
			if err := decodeClients(dec, client); err != nil {
				return err
			}
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		name, _ := json.Marshal(key)
		doc := make([]byte, 0, len(name)+len(raw)+3)
		doc = append(append(append(append(append(doc, '{'), name...), ':'), raw...), '}')
		if err := json.Unmarshal(doc, j); err != nil {
			var typ *json.UnmarshalTypeError
			if errors.As(err, &typ) {
				typ.Offset += start - int64(len(name)+2) // from doc to the document
			}
			return err
		}
	}
	_, err = dec.Token() // the closing brace
	return err
}

// decodeClients decodes the array of clients, passing each to client.
func decodeClients(dec *json.Decoder, client func(i int, jc *jsonClient)) error {
	t, err := dec.Token()
	if err != nil || t == nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '[' {
		return &json.UnmarshalTypeError{Value: fmt.Sprint(t), Type: reflect.TypeOf([]jsonClient{}), Field: "clients", Offset: dec.InputOffset()}
	}
	for i := 0; dec.More(); i++ {
		var jc jsonClient
		start := dec.InputOffset()
		if err := dec.Decode(&jc); err != nil {
			var typ *json.UnmarshalTypeError
			if errors.As(err, &typ) {
				typ.Offset += start // from the element to the document (give or take its comma)
			}
			return err
		}
		client(i, &jc)
	}
	_, err = dec.Token() // the closing bracket
	return err
}

// rows reads the rows of a report whose findings were not kept (but for
// the clients that ReadJSON read one at a time).
func (p *parser) rows(j *jsonReport, r *Report) {
	for i := range j.Clients {
		r.Clients = append(r.Clients, p.client(i, &j.Clients[i]))
	}
	p.otherRows(j, r)
}

// client reads the row of client number i.
func (p *parser) client(i int, jc *jsonClient) Client {
	at := fmt.Sprintf("clients[%d]", i)
	if jc.Client == "" {
		p.fail(at+".client", "empty")
	}
	p.again(at+".client", "clients", "client", jc.Client, i)
	if !knownClientKinds[jc.Kind] {
		p.fail(at+".kind", fmt.Sprintf("unknown client kind %q", jc.Kind))
	}
	c := Client{ID: jc.Client, Kind: jc.Kind, ShortName: jc.ShortName, Names: jc.Names,
		EventCounts: p.eventCounts(at, jc.Events, jc.ServersByEvent),
		First:       p.evidence(at+".first_evidence", jc.FirstEvidence), Last: p.evidence(at+".last_evidence", jc.LastEvidence),
		Servers: jc.Servers, Users: jc.Users, SPNs: jc.SPNs, SPNQueryStatuses: jc.SPNQueryStatuses,
		EPAPolicies: jc.EPAPolicies, ServerRequiresSigning: jc.ServerRequiresSigning,
		RejectionStatuses: jc.RejectionStatuses, DamagedChunkEvents: p.count(at+".damaged_chunk_events", jc.DamagedChunkEvents),
		SPNsServiceClassInvalid: jc.SPNsServiceClassInvalid, SPNsPrincipalNameInvalid: jc.SPNsPrincipalNameInvalid,
		// A partial written before the lists were bounded has no totals.
		NamesTotal:   max(p.count(at+".names_total", jc.NamesTotal), len(jc.Names)),
		ServersTotal: max(p.count(at+".servers_total", jc.ServersTotal), len(jc.Servers)),
		UsersTotal:   max(p.count(at+".users_total", jc.UsersTotal), len(jc.Users)),
		SPNsTotal:    max(p.count(at+".spns_total", jc.SPNsTotal), len(jc.SPNs))}
	p.serverNames(at+".servers", c.Servers...)
	for k, ss := range jc.ServersByEvent {
		p.serverNames(at+".servers_by_event."+k, ss...)
	}
	p.serverNames(at+".first_evidence.server", c.First.Server)
	p.serverNames(at+".last_evidence.server", c.Last.Server)
	return c
}

// otherRows reads the rows but the clients' of a report whose findings
// were not kept.
func (p *parser) otherRows(j *jsonReport, r *Report) {
	for i, jd := range j.EventsPerDay {
		at := fmt.Sprintf("events_per_day[%d]", i)
		p.again(at+".date", "events_per_day", "day", jd.Date, i)
		if d, err := parseWide(time.DateOnly, jd.Date); err != nil {
			p.fail(at+".date", err.Error())
		} else if d.Before(filetimeMin) {
			p.fail(at+".date", "before 1601, the start of FILETIME")
		}
		r.Days = append(r.Days, Day{Date: jd.Date, Events: p.counts(at+".events", jd.Events)})
	}
	r.Unparsed = p.count("unparsed", j.Unparsed)
	for i, ju := range j.UnparsedSamples {
		at := fmt.Sprintf("unparsed_samples[%d]", i)
		r.UnparsedSamples = append(r.UnparsedSamples, Unparsed{Evidence: p.evidence(at, ju.jsonEvidence), Reason: ju.Reason})
		p.serverNames(at+".server", ju.Server)
	}
}

// serverNames refuses empty server names: a report names an unnamed
// server Unknown.
func (p *parser) serverNames(at string, names ...string) {
	for _, n := range names {
		if n == "" {
			p.fail(at, "empty server name")
		}
	}
}

func (p *parser) count(at string, n int) int {
	switch {
	case n < 0:
		p.fail(at, "negative")
		return 0
	case int64(n) > MaxCount:
		p.limit(at, fmt.Sprintf("%d is above MaxCount (%d)", n, MaxCount))
		return 0
	}
	return n
}

func (p *parser) eventID(at, k string) uint16 {
	id, err := strconv.ParseUint(k, 10, 16)
	switch {
	case err != nil:
		p.fail(at, fmt.Sprintf("event ID %q: %v", k, err))
	case !knownEvent(uint16(id)):
		p.fail(at, fmt.Sprintf("event ID %d is not one of the report's", id))
	case strconv.FormatUint(id, 10) != k:
		p.fail(at, fmt.Sprintf("event ID %q is not written as a report writes it", k))
	}
	return uint16(id)
}

func (p *parser) counts(at string, m map[string]int) map[uint16]int {
	out := make(map[uint16]int, len(m))
	for k, n := range m {
		out[p.eventID(at, k)] = p.count(at+"."+k, n) // one key per event ID: "03021" is refused
	}
	return out
}

// eventCounts reads the "events" and "servers_by_event" members of the
// client at at, sorted by event ID. writeJSON writes both with the same
// keys: a server list without a count is refused.
func (p *parser) eventCounts(at string, counts map[string]int, servers map[string][]string) []EventCount {
	if len(counts) == 0 && len(servers) == 0 {
		return nil
	}
	out := make([]EventCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, EventCount{ID: p.eventID(at+".events", k), Count: p.count(at+".events."+k, n), Servers: servers[k]})
	}
	for k := range servers {
		if _, ok := counts[k]; !ok {
			p.fail(at+".servers_by_event."+k, "no count in events")
		}
	}
	slices.SortFunc(out, func(x, y EventCount) int { return cmp.Compare(x.ID, y.ID) })
	return out
}

func emptyNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// cause reads the cause of a skipped input. Reports written before the
// member existed have none: their skipped inputs read as
// smbaudit.CauseUnreadable.
func (p *parser) cause(at string, ji jsonInput) smbaudit.Cause {
	c := smbaudit.Cause(ji.Cause)
	switch {
	case !c.Known():
		p.fail(at+".cause", fmt.Sprintf("unknown cause %q", ji.Cause))
	case !ji.Skipped && c != smbaudit.CauseNotSkipped:
		p.fail(at+".cause", "set on an input that was read")
	case ji.Skipped && c == smbaudit.CauseNotSkipped:
		return smbaudit.CauseUnreadable
	}
	return c
}

// audits checks a server's audit family names (Audit.Name).
func (p *parser) audits(at string, names []string) []string {
	for _, n := range names {
		if !slices.ContainsFunc(audits, func(a Audit) bool { return a.Name == n }) {
			p.fail(at, fmt.Sprintf("unknown audit %q", n))
			return nil
		}
	}
	return emptyNil(names)
}

// sha256 checks a hex SHA-256: 64 lower-case hex digits, or "".
func (p *parser) sha256(at, s string) string {
	if s == "" {
		return ""
	}
	if b, err := hex.DecodeString(s); err != nil || len(b) != sha256.Size || hex.EncodeToString(b) != s {
		p.fail(at, "not a SHA-256 in lower-case hex")
		return ""
	}
	return s
}

// parser keeps the first error met while converting a decoded document.
type parser struct {
	err error
	// seen: the index of the first client, server (lower-cased) or day of
	// each name read, so that one given twice is refused (see again).
	seen map[string]int
}

// again refuses, at the member at, a row whose key (kind and name) was
// given before, as element first of list: a report has one row per
// client, server and day, and a row given twice would count twice.
func (p *parser) again(at, list, kind, name string, i int) {
	if p.seen == nil {
		p.seen = map[string]int{}
	}
	key := kind + "\x00" + name
	if first, ok := p.seen[key]; ok {
		p.fail(at, fmt.Sprintf("%q given again, as %s[%d]", name, list, first))
		return
	}
	p.seen[key] = i
}

func (p *parser) fail(at, msg string) {
	if p.err == nil {
		p.err = &FieldError{Path: at, Msg: msg, Err: ErrMalformed}
	}
}

func (p *parser) limit(at, msg string) {
	if p.err == nil {
		p.err = &FieldError{Path: at, Msg: msg, Err: ErrLimit}
	}
}

// time parses an RFC 3339 time; "" is the zero time, refused when required.
func (p *parser) time(at, s string, required bool) time.Time {
	if s == "" {
		if required {
			p.fail(at, "empty")
		}
		return time.Time{}
	}
	t, err := parseWide(time.RFC3339Nano, s)
	if err != nil {
		p.fail(at, err.Error())
		return time.Time{}
	}
	if t.Before(filetimeMin) {
		p.fail(at, "before 1601, the start of FILETIME")
	}
	return t.UTC()
}

// evidence converts the evidence of a finding, a client or an unparsed
// event: its time, server and event ID are required.
func (p *parser) evidence(at string, e jsonEvidence) Evidence {
	if !knownEvent(e.EventID) {
		p.fail(at+".event_id", fmt.Sprintf("event ID %d is not one of the report's", e.EventID))
	}
	if e.Source.Chunk < 0 {
		p.fail(at+".source.chunk", "negative")
	}
	if e.Source.Offset < 0 {
		p.fail(at+".source.offset", "negative")
	}
	return Evidence{Time: p.time(at+".time", e.Time, true), Server: e.Server, EventID: e.EventID, RecordID: e.RecordID, Source: e.Source}
}
