package report

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// The aggregation behind Builder (agg): findings and partial reports come
// in, copies of one record count once (recordTable), each client's and
// server's row is updated (rows.go), and finish makes the Report: rows,
// verdicts (verdict.go), linked clients, server warnings and the summary.

type set map[string]struct{}

func (s set) add(v ...string) {
	for _, x := range v {
		s[x] = struct{}{}
	}
}

func (s set) sorted() []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(s))
}

// better says whether copy x of a record is kept over copy y: the first by
// smbaudit.CompareCopies, as a scan chooses, then a total order on the rest.
func better(x, y *Record) bool {
	return cmpRecord(x, y) < 0
}

func cmpRecord(x, y *Record) int {
	if c := smbaudit.CompareCopies(x.Source, y.Source); c != 0 {
		return c
	}
	if c := cmpEvidenceOf(&x.Evidence, &y.Evidence); c != 0 {
		return c
	}
	if *x == *y {
		return 0
	}
	// Two different findings at one place: only crafted inputs do that.
	return cmp.Compare(fmt.Sprintf("%#v", *x), fmt.Sprintf("%#v", *y))
}

// coverage is what a report keeps of a server's coverage
// (smbaudit.ServerCoverage): the window and count of its records.
type coverage struct {
	name        string // smallest spelling seen
	id          uint32 // the number of servers before it, for recordTable
	first, last time.Time
	// auditFirst and auditLast bound its records of the Audit channel
	// (smbaudit.ServerCoverage.AuditFirst); auditUnknown says that a
	// summarised report added, written before the audit windows existed,
	// had the audit on this server: the window of the whole is then
	// unknown, whatever the others say.
	auditFirst, auditLast time.Time
	auditUnknown          bool
	records               int
	audits                set // audit families seen beyond the findings counted (Server.Audits)
}

// see widens the coverage to the time t of a finding of event id in
// channel, unless its chunk is damaged: such a time may be garbage (see
// smbaudit.ServerCoverage). A finding of the Audit channel widens the
// audit window too.
func (c *coverage) see(t time.Time, damaged bool, id uint16, channel string) {
	if !damaged {
		t = t.UTC()
		c.first, c.last = minTime(c.first, t), maxTime(c.last, t)
		if smbaudit.InAuditChannel(id, channel) {
			c.auditFirst, c.auditLast = minTime(c.auditFirst, t), maxTime(c.auditLast, t)
		}
	}
}

// seeAudit widens the audit window to first..last (zero ends: unknown).
func (c *coverage) seeAudit(first, last time.Time) {
	c.auditFirst, c.auditLast = minTime(c.auditFirst, first.UTC()), maxTime(c.auditLast, last.UTC())
}

// auditWindow returns the audit window as Server.AuditFirst and AuditLast
// give it: zero when unknown.
func (c *coverage) auditWindow() (first, last time.Time) {
	if c.auditUnknown {
		return time.Time{}, time.Time{}
	}
	return c.auditFirst, c.auditLast
}

// agg gathers what a report is made of. Findings are kept, one per record,
// in records, until there are more than max of them (max > 0): then they
// are counted into summary and records is nil. The rows of reports that
// kept no findings go to summary as well, but do not end the keeping of
// findings: records are counted into the rows only when the report is
// made, so that merging is independent of the order of the reports.
type agg struct {
	generated time.Time
	records   *recordTable // the findings kept; nil once they are counted into summary
	max       int
	listed    int                  // Options.maxListed
	summary   *rows                // nil until findings are counted without being kept
	omitted   int                  // findings counted in summary
	servers   map[string]*coverage // by lower-cased name
	// bySpelling caches the coverage of each spelling of a server name,
	// so that a finding's is found by one lookup, not two.
	bySpelling map[string]*coverage
	inputs     []Input
	lower      lowerCache
	digests    map[[32]byte]bool // Report.Digest of the reports added
	// hashed says, of the SHA-256 of each input read of the reports and
	// results added, whether the report that listed it listed no
	// findings (see checkOverlap).
	hashed  map[string]bool
	total   int  // weight of the reports added, for ErrOverflow
	meta    Meta // Options.Meta
	filters set  // Report.PartialFilters
}

func newAgg(opts Options) *agg {
	return &agg{records: &recordTable{}, servers: map[string]*coverage{}, max: max(opts.MaxFindings, 0), listed: opts.maxListed()}
}

func minNonEmpty(a, b string) string {
	if a == "" || (b != "" && b < a) {
		return b
	}
	return a
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if a.IsZero() || b.After(a) {
		return b
	}
	return a
}

// cmpEvidence is a total order on evidence: time first, then place.
func cmpEvidence(x, y Evidence) int {
	return cmpEvidenceOf(&x, &y)
}

// cmpEvidenceOf is cmpEvidence, each comparison made only when the
// earlier ones are equal (cmp.Or evaluates them all): sorting findings
// and choosing a client's first and last evidence call it a lot.
func cmpEvidenceOf(x, y *Evidence) int {
	if c := x.Time.Compare(y.Time); c != 0 {
		return c
	}
	if c := strings.Compare(x.Source.File, y.Source.File); c != 0 {
		return c
	}
	if c := cmp.Compare(x.Source.Chunk, y.Source.Chunk); c != 0 {
		return c
	}
	if c := cmp.Compare(x.Source.Offset, y.Source.Offset); c != 0 {
		return c
	}
	if c := cmp.Compare(x.RecordID, y.RecordID); c != 0 {
		return c
	}
	if c := strings.Compare(x.Server, y.Server); c != 0 {
		return c
	}
	return cmp.Compare(x.EventID, y.EventID)
}

func orUnknown(s string) string {
	if s == "" {
		return Unknown
	}
	return s
}

// RecordOf converts a finding to the form the report keeps.
func RecordOf(f *smbaudit.Finding) Record {
	return recordOf(f, nil)
}

// formats caches the renderings of the values findings share, so that a
// Builder does not render them again for every finding. A nil *formats
// renders every time.
type formats struct {
	status map[smbaudit.NTStatus]string
	epa    map[smbaudit.EPAPolicy]string
}

// maxCached bounds each cache of formats and lowerCache; past it the cache
// starts again (only hostile input has that many distinct values).
const maxCached = 4096

func cached[K comparable](m *map[K]string, k K, render func(K) string) string {
	if v, ok := (*m)[k]; ok {
		return v
	}
	if *m == nil || len(*m) >= maxCached {
		*m = map[K]string{}
	}
	v := render(k)
	(*m)[k] = v
	return v
}

func (c *formats) ntStatus(s smbaudit.NTStatus) string {
	if c == nil {
		return s.String()
	}
	return cached(&c.status, s, smbaudit.NTStatus.String)
}

func (c *formats) epaPolicy(p smbaudit.EPAPolicy) string {
	if c == nil {
		return p.String()
	}
	return cached(&c.epa, p, smbaudit.EPAPolicy.String)
}

// lowerCache caches strings.ToLower of the few server names a report has.
type lowerCache map[string]string

func (c *lowerCache) of(s string) string {
	return cached((*map[string]string)(c), s, strings.ToLower)
}

func recordOf(f *smbaudit.Finding, fm *formats) Record {
	return Record{
		Evidence:      Evidence{Time: f.Time.UTC(), Server: orUnknown(f.Server), EventID: f.EventID, RecordID: f.RecordID, Source: f.Source},
		EventRecordID: f.EventRecordID, Kind: string(f.Kind), Channel: f.Channel,
		ClientID: f.Client.ID, ClientRaw: f.Client.Raw, ClientKind: string(f.Client.Kind), ShortName: f.Client.ShortName,
		User: f.User, SPN: f.SPN, HasSPN: f.HasSPN || f.SPN != "", ChunkDamaged: f.ChunkDamaged, Recovered: f.Recovered, Reason: f.Reason,
		SPNQueryStatus: fm.optStatus(f.SPNQueryStatus), EPAPolicy: fm.optEPAPolicy(f.EPAPolicy),
		ServerRequiresSigning: optBool(f.ServerRequiresSigning), ServiceClassIsValid: optBool(f.ServiceClassIsValid),
		PrincipalNameIsValid: optBool(f.PrincipalNameIsValid), ServerRequiresEncryption: optBool(f.ServerRequiresEncryption),
		Status: fm.optStatus(f.Status),
	}
}

// optStatus renders s as the rows do; "" when absent.
func (c *formats) optStatus(s smbaudit.Opt[smbaudit.NTStatus]) string {
	if v, ok := s.Get(); ok {
		return c.ntStatus(v)
	}
	return ""
}

// optEPAPolicy renders p as the rows do; "" when absent.
func (c *formats) optEPAPolicy(p smbaudit.Opt[smbaudit.EPAPolicy]) string {
	if v, ok := p.Get(); ok {
		return c.epaPolicy(v)
	}
	return ""
}

// optBool renders b as "true" or "false"; "" when absent.
func optBool(b smbaudit.Opt[bool]) string {
	if v, ok := b.Get(); ok {
		return strconv.FormatBool(v)
	}
	return ""
}

// addFinding counts or keeps the record of f (recordOf with fm), as
// addRecord does.
func (a *agg) addFinding(f *smbaudit.Finding, fm *formats) {
	if a.records == nil {
		r := recordOf(f, fm)
		a.addRecord(&r)
		return
	}
	t := a.records
	k := t.next()
	t.storeFinding(k, f, fm)
	c := a.coverageOf(t, k.strs[ksServer])
	c.see(f.Time, f.ChunkDamaged, f.EventID, f.Channel)
	t.insert(k, c.id, &a.lower, nil, f, fm)
	if a.max > 0 && t.len() > a.max {
		a.fold()
	}
}

// coverageOf returns the coverage of the server named by string number id
// of t, remembered in t.servers so that the name is not looked up again.
func (a *agg) coverageOf(t *recordTable, id uint32) *coverage {
	if int(id) < len(t.servers) && t.servers[id] != nil {
		return t.servers[id]
	}
	c := a.addCoverage(t.strs.strs[id], time.Time{}, time.Time{}, 0)
	for len(t.servers) <= int(id) {
		t.servers = append(t.servers, nil)
	}
	t.servers[id] = c
	return c
}

// addRecord counts or keeps r, which it does not keep a pointer to.
func (a *agg) addRecord(r *Record) {
	c := a.addCoverage(r.Server, time.Time{}, time.Time{}, 0)
	c.see(r.Time, r.ChunkDamaged, r.EventID, r.Channel)
	if a.records == nil {
		a.summary.addRecord(r)
		a.omitted++
		return
	}
	a.records.add(r, c.id, &a.lower)
	if a.max > 0 && a.records.len() > a.max {
		a.fold()
	}
}

// fold stops keeping findings: those kept so far are counted into the
// summary rows and dropped.
func (a *agg) fold() {
	if a.summary == nil {
		a.summary = newRows()
	}
	a.records.each(a.summary.addRecord)
	a.omitted += a.records.len()
	a.records = nil
}

// addAudits records that server name logged the audit families named.
func (a *agg) addAudits(name string, families ...string) {
	if len(families) == 0 {
		return
	}
	a.addCoverage(name, time.Time{}, time.Time{}, 0)
	c := a.servers[a.lower.of(name)]
	if c.audits == nil {
		c.audits = set{}
	}
	c.audits.add(families...)
}

// addCoverage widens the coverage of server name and returns it.
func (a *agg) addCoverage(name string, first, last time.Time, records int) *coverage {
	c := a.bySpelling[name]
	if c == nil {
		lc := a.lower.of(name)
		c = a.servers[lc]
		if c == nil {
			c = &coverage{name: name, id: uint32(len(a.servers))}
			a.servers[lc] = c
		}
		if a.bySpelling == nil || len(a.bySpelling) >= maxCached {
			a.bySpelling = map[string]*coverage{}
		}
		a.bySpelling[name] = c
	}
	c.name = minNonEmpty(c.name, name)
	c.first = minTime(c.first, first.UTC())
	c.last = maxTime(c.last, last.UTC())
	c.records += records
	return c
}

// addReport adds r, unless it was read from the same bytes as a report
// already added (ErrDuplicate) or its counts would take a sum past the
// largest int (ErrOverflow).
func (a *agg) addReport(r *Report) error {
	if r == nil {
		return nil
	}
	if a.digests[r.Digest] {
		return ErrDuplicate
	}
	w, ok := weight(r)
	if !ok || a.total > math.MaxInt-w {
		return fmt.Errorf("%w: the counts of the reports merged would sum past %d", ErrOverflow, math.MaxInt)
	}
	if err := a.checkOverlap(r.Inputs, r.FindingsOmitted > 0, len(r.Findings)); err != nil {
		return err
	}
	a.total += w
	a.hash(r.Inputs, r.FindingsOmitted > 0)
	if r.Digest != ([32]byte{}) {
		if a.digests == nil {
			a.digests = map[[32]byte]bool{}
		}
		a.digests[r.Digest] = true
	}
	a.generated = maxTime(a.generated, r.GeneratedAt)
	if a.filters == nil {
		a.filters = set{}
	}
	a.filters.add(r.PartialFilters...)
	if ft := FilterText(r.Filter); len(ft) > 0 {
		a.filters.add(strings.Join(ft, "; "))
	}
	if r.FindingsOmitted > 0 {
		if a.summary == nil {
			a.summary = newRows()
		}
		a.summary.addRows(r)
		a.omitted += r.FindingsOmitted
		// Every server the rows name gets a row, as a finding's does.
		for _, name := range namedServers(r) {
			a.addCoverage(name, time.Time{}, time.Time{}, 0)
		}
	}
	for i := range r.Findings {
		a.addRecord(&r.Findings[i])
	}
	for _, s := range r.Servers {
		c := a.addCoverage(s.Name, s.First, s.Last, s.Records)
		c.seeAudit(s.AuditFirst, s.AuditLast)
		c.auditUnknown = c.auditUnknown || s.auditUnknown
		a.addAudits(s.Name, s.Audits...)
	}
	for _, in := range r.Inputs {
		in.DamagedChunks = slices.Clone(in.DamagedChunks)
		in.Errors = slices.Clone(in.Errors)
		a.inputs = append(a.inputs, in)
	}
	return nil
}

// addAgg adds the rows of o, a partial read by readPartial whose document
// has the SHA-256 digest, as addReport would add the report o would make;
// o is used up. The errors are those of addReport.
func (a *agg) addAgg(o *agg, digest [32]byte) error {
	if a.digests[digest] {
		return ErrDuplicate
	}
	if a.total > math.MaxInt-o.total {
		return fmt.Errorf("%w: the counts of the reports merged would sum past %d", ErrOverflow, math.MaxInt)
	}
	summarised := o.summary != nil || o.omitted > 0
	kept := 0
	if o.records != nil {
		kept = o.records.len()
	}
	if err := a.checkOverlap(o.inputs, summarised, kept); err != nil {
		return err
	}
	a.total += o.total
	a.hash(o.inputs, summarised)
	if a.digests == nil {
		a.digests = map[[32]byte]bool{}
	}
	a.digests[digest] = true
	a.generated = maxTime(a.generated, o.generated)
	if o.summary != nil {
		if a.summary == nil {
			a.summary = o.summary // the first partial's rows are taken, not copied
		} else {
			a.summary.addAgg(o.summary)
		}
		a.omitted += o.omitted
	}
	o.records.each(a.addRecord)
	for _, c := range o.servers {
		ac := a.addCoverage(c.name, c.first, c.last, c.records)
		ac.seeAudit(c.auditFirst, c.auditLast)
		ac.auditUnknown = ac.auditUnknown || c.auditUnknown
		a.addAudits(c.name, c.audits.sorted()...)
	}
	if a.filters == nil {
		a.filters = set{}
	}
	for f := range o.filters {
		a.filters.add(f)
	}
	if ft := FilterText(o.meta.Filter); len(ft) > 0 {
		a.filters.add(strings.Join(ft, "; "))
	}
	a.inputs = append(a.inputs, o.inputs...)
	return nil
}

// checkOverlap returns ErrOverlap when an input read of ins (the inputs
// of a report that listed no findings when summarised, and kept findings
// else) has the SHA-256 of an input of a report already added, and either
// report listed no findings: the rows of such a report are added as they
// are, so the records of that file would count twice. Two reports that
// keep their findings may share files, the copies of a record counting
// once, as long as a bounded a (Options.MaxFindings), which past its bound
// counts findings without keeping them, keeps them all: so not once it
// has stopped keeping them, nor when the findings kept and the kept ones
// added could pass the bound.
func (a *agg) checkOverlap(ins []Input, summarised bool, kept int) error {
	for _, in := range ins {
		if in.Skipped || in.SHA256 == "" {
			continue
		}
		before, ok := a.hashed[in.SHA256]
		switch {
		case ok && (before || summarised):
			return fmt.Errorf("%w: %s (SHA-256 %s) is in a report added before, and one of the two lists no findings (%s): "+
				"the records of that file would count twice", ErrOverlap, Escape(in.Path), in.SHA256, SchemaSummarised)
		case ok && a.max > 0 && (a.records == nil || a.records.len() > a.max-kept):
			return fmt.Errorf("%w: %s (SHA-256 %s) is in a report added before, and past %d findings (Options.MaxFindings) "+
				"the merge counts them without keeping them: the records of that file could count twice", ErrOverlap, Escape(in.Path), in.SHA256, a.max)
		}
	}
	return nil
}

// hash notes the SHA-256 of each input read of ins, of a report that
// listed no findings when summarised.
func (a *agg) hash(ins []Input, summarised bool) {
	for _, in := range ins {
		if in.Skipped || in.SHA256 == "" {
			continue
		}
		if a.hashed == nil {
			a.hashed = map[string]bool{}
		}
		a.hashed[in.SHA256] = a.hashed[in.SHA256] || summarised
	}
}

func cmpInput(x, y Input) int {
	if c := cmp.Compare(x.Path, y.Path); c != 0 {
		return c
	}
	// Same path from two machines: order by content so the order of the
	// shards does not matter.
	return cmp.Compare(fmt.Sprintf("%#v", x), fmt.Sprintf("%#v", y))
}

// finish makes the report. Unless consume, it does not change a, so it can
// be called again after more is added; with consume, a is used up (its
// rows are dropped as the report's are made, to bound the peak memory).
func (a *agg) finish(consume bool) *Report {
	r := &Report{Schema: Schema, GeneratedAt: a.generated.UTC()}
	if consume && a.summary != nil && a.records.len() > 0 {
		// The findings still kept are counted into the rows in place, not
		// into a copy of them: a is used up anyway.
		a.fold()
	}
	switch {
	case a.summary == nil:
		w := newRows()
		// Sorted by index, with each one's time beside it, the records
		// made only where times tie. The records came mostly in time
		// order, which the sort is quick to finish.
		type byTime struct {
			sec  int64
			nsec int32
			i    int
		}
		kept := a.records
		recs := make([]byTime, kept.len())
		for i := range recs {
			k := kept.at(i)
			recs[i] = byTime{k.sec, k.nsec, i}
		}
		slices.SortFunc(recs, func(x, y byTime) int {
			if x.sec != y.sec {
				return cmp.Compare(x.sec, y.sec)
			}
			if x.nsec != y.nsec {
				return cmp.Compare(x.nsec, y.nsec)
			}
			xr, yr := kept.record(x.i), kept.record(y.i)
			if c := cmpEvidenceOf(&xr.Evidence, &yr.Evidence); c != 0 {
				return c
			}
			return cmpRecord(&xr, &yr)
		})
		// Each record is made once, in its place.
		if len(recs) > 0 {
			r.Findings = make([]Record, len(recs))
		}
		for i, rec := range recs {
			kept.loadZeroed(kept.at(rec.i), &r.Findings[i])
		}
		recs = nil
		if consume {
			a.records = &recordTable{}
		}
		for i := range r.Findings {
			w.addRecord(&r.Findings[i])
		}
		w.fill(r, a.servers, a.listed, true)
	case a.records.len() == 0:
		// The rows hold everything: with consume they become the report's.
		a.summary.fill(r, a.servers, a.listed, consume)
		if consume {
			a.summary = newRows()
		}
	default:
		// A copy of the summary's rows, with their lists whole (links are
		// made afresh), then the findings still kept, counted in.
		w := newRows()
		rowsOnly := &Report{}
		a.summary.fill(rowsOnly, a.servers, -1, false)
		w.addRows(rowsOnly)
		a.records.each(w.addRecord)
		w.fill(r, a.servers, a.listed, true)
	}
	if a.summary != nil {
		r.Schema, r.FindingsOmitted = SchemaSummarised, a.omitted+a.records.len()
	}

	r.Inputs = slices.Clone(a.inputs)
	slices.SortFunc(r.Inputs, cmpInput)
	r.Meta = a.meta.effective()
	r.PartialFilters = a.filters.sorted()
	r.Summary = summarise(r)
	assess(r)
	return r
}

func linkable(c *Client) bool {
	return c.ShortName != "" && (c.Kind == string(smbaudit.ClientHost) || c.Kind == string(smbaudit.ClientFQDN))
}

// linkClients fills Client.Linked and LinkedTotal: host names and FQDNs
// that share a short name, at most n listed. IP addresses are never linked
// (that would need name resolution). cs is sorted by ID. The linkable
// clients are sorted by short name, so that each group is a run of them:
// no map of groups, and a cost of O(n log n) however many share a short
// name.
func linkClients(cs []Client, n int) {
	type member struct {
		key string // lower-cased short name
		i   int    // index in cs
	}
	var ms []member
	for i := range cs {
		c := &cs[i]
		c.Linked, c.LinkedTotal = nil, 0
		if linkable(c) {
			ms = append(ms, member{strings.ToLower(c.ShortName), i})
		}
	}
	slices.SortFunc(ms, func(x, y member) int { return cmp.Or(strings.Compare(x.key, y.key), cmp.Compare(x.i, y.i)) })
	for len(ms) > 0 {
		end := 1
		for end < len(ms) && ms[end].key == ms[0].key {
			end++
		}
		group := ms[:end]
		ms = ms[end:]
		if len(group) < 2 {
			continue
		}
		for _, m := range group {
			c := &cs[m.i]
			c.LinkedTotal = len(group) - 1
			c.Linked = make([]string, 0, min(n, c.LinkedTotal))
			for _, o := range group {
				if len(c.Linked) == n {
					break
				}
				if o.i != m.i {
					c.Linked = append(c.Linked, cs[o.i].ID)
				}
			}
		}
	}
}

func serverWarnings(s Server) []string {
	has := func(ids ...uint16) bool {
		for _, id := range ids {
			if s.Events[id] > 0 {
				return true
			}
		}
		return false
	}
	if s.AuditEvents == 0 && len(s.Audits) == 0 {
		return []string{"no audit events: auditing may be off (a clean-looking server is not proof)"}
	}
	var w []string
	if !has(smbaudit.EventSigningUnsupported, smbaudit.EventSMB1SigningDisabled) && !slices.Contains(s.Audits, auditSigning.Name) {
		w = append(w, "no signing audit events (3021/3027): AuditClientDoesNotSupportSigning may be off")
	}
	if !has(smbaudit.EventSPNMissing, smbaudit.EventSPNUnrecognised, smbaudit.EventSPNEmpty) && !slices.Contains(s.Audits, auditSPN.Name) {
		w = append(w, "no SPN audit events (3024-3026): AuditClientSpnSupport may be off")
	}
	return w
}

// plural returns n with the noun that fits it: "1 client", "2 clients".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// summarise derives r's Summary (totals and headlines) from its rows.
func summarise(r *Report) Summary {
	s := Summary{Clients: len(r.Clients), Servers: len(r.Servers), Inputs: len(r.Inputs), Events: map[uint16]int{}}
	for _, sv := range r.Servers {
		if len(sv.Audits) == 0 { // no audit events, nor any seen beyond a client filter
			s.ServersWithoutAudit++
		}
	}
	for _, in := range r.Inputs {
		if in.Skipped {
			s.SkippedInputs++
		}
		s.Records += in.Records
		s.DamagedChunks += len(in.DamagedChunks)
		s.Errors += len(in.Errors)
	}
	// One pass over the clients for every setting.
	hs := make([]Headline, len(settings))
	sure, maybe := make([]set, len(settings)), make([]set, len(settings))
	for i, st := range settings {
		hs[i].Setting, sure[i], maybe[i] = st, set{}, set{}
	}
	for i := range r.Clients {
		c := &r.Clients[i]
		for _, e := range c.EventCounts {
			s.Events[e.ID] += e.Count
		}
		if c.RejectedByEnforcement {
			s.RejectedClients++
		}
		for _, v := range c.Verdicts {
			k := slices.Index(settings, v.Setting)
			if k < 0 {
				continue
			}
			if v.Certain {
				hs[k].Clients++
				sure[k].add(v.Servers...)
			} else {
				hs[k].PossibleClients++
				maybe[k].add(v.Servers...)
			}
		}
	}
	for i, st := range settings {
		h := hs[i]
		h.Servers, h.PossibleServers = len(sure[i]), len(maybe[i])
		h.Text = fmt.Sprintf("%s on %s would break if you enforce %s",
			plural(h.Clients, "client", "clients"), plural(h.Servers, "server", "servers"), st)
		if h.PossibleClients > 0 {
			h.Text += fmt.Sprintf(" (%s more possibly, on %s: 3027 evidence only)",
				plural(h.PossibleClients, "client", "clients"), plural(h.PossibleServers, "server", "servers"))
		}
		s.Headlines = append(s.Headlines, h)
	}
	return s
}
