package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// Build turns a scan result into a report. It never modifies res. The same
// findings, files and servers in any order give the same report.
func Build(res *smbaudit.Result, opts Options) *Report {
	a := newAgg()
	a.generated = opts.GeneratedAt
	if a.generated.IsZero() {
		a.generated = time.Now()
	}
	if res != nil {
		a.addResult(res)
	}
	return a.finish()
}

// Merge combines two reports into the report of both inputs. It is
// commutative and associative, and reports built from disjoint sets of
// files merge into exactly the report built from all the files. A nil
// report is empty. Neither argument is modified. The generation time of the
// result is the later one.
func Merge(a, b *Report) *Report {
	g := newAgg()
	g.addReport(a)
	g.addReport(b)
	return g.finish()
}

// MergeAll merges any number of reports (see Merge).
func MergeAll(reports ...*Report) *Report {
	g := newAgg()
	for _, r := range reports {
		g.addReport(r)
	}
	return g.finish()
}

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

type clientAgg struct {
	id, kind, short                            string
	names, users, spns, statuses, epa, signing set
	servers                                    set
	events                                     map[uint16]int
	serversByEvent                             map[uint16]set
	first, last                                Evidence
	seen                                       bool
	damaged                                    int
}

type serverAgg struct {
	name        string
	first, last time.Time
	records     int
	events      map[uint16]int
	clients     set
}

type agg struct {
	generated time.Time
	clients   map[string]*clientAgg
	servers   map[string]*serverAgg
	inputs    []Input
	days      map[string]map[uint16]int
	unparsed  int
	samples   []Unparsed
}

func newAgg() *agg {
	return &agg{
		clients: map[string]*clientAgg{},
		servers: map[string]*serverAgg{},
		days:    map[string]map[uint16]int{},
	}
}

func (a *agg) client(id string) *clientAgg {
	c := a.clients[id]
	if c == nil {
		c = &clientAgg{id: id, names: set{}, users: set{}, spns: set{}, statuses: set{}, epa: set{},
			signing: set{}, servers: set{}, events: map[uint16]int{}, serversByEvent: map[uint16]set{}}
		a.clients[id] = c
	}
	return c
}

func (a *agg) server(name string) *serverAgg {
	s := a.servers[name]
	if s == nil {
		s = &serverAgg{name: name, events: map[uint16]int{}, clients: set{}}
		a.servers[name] = s
	}
	return s
}

// minNonEmpty keeps a choice between conflicting values deterministic and
// order-independent.
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
	return cmp.Or(x.Time.Compare(y.Time), cmp.Compare(x.Source.File, y.Source.File),
		cmp.Compare(x.Source.Chunk, y.Source.Chunk), cmp.Compare(x.Source.Offset, y.Source.Offset),
		cmp.Compare(x.RecordID, y.RecordID), cmp.Compare(x.Server, y.Server), cmp.Compare(x.EventID, y.EventID))
}

func (c *clientAgg) see(first, last Evidence) {
	if !c.seen || cmpEvidence(first, c.first) < 0 {
		c.first = first
	}
	if !c.seen || cmpEvidence(last, c.last) > 0 {
		c.last = last
	}
	c.seen = true
}

func orUnknown(s string) string {
	if s == "" {
		return Unknown
	}
	return s
}

// FormatNTStatus renders an NTSTATUS the way the report lists it.
func FormatNTStatus(s smbaudit.NTStatus) string {
	v := fmt.Sprintf("0x%08X", s.Code)
	if s.Name != "" {
		v += " " + s.Name
	}
	return v
}

// FormatEPAPolicy renders an EPA policy the way the report lists it.
func FormatEPAPolicy(p smbaudit.EPAPolicy) string {
	v := strconv.FormatUint(uint64(p.Value), 10)
	if p.Label != "" && p.Label != v {
		v += " (" + p.Label + ")"
	}
	return v
}

func (a *agg) addResult(res *smbaudit.Result) {
	for i := range res.Findings {
		f := &res.Findings[i]
		ev := Evidence{Time: f.Time.UTC(), Server: orUnknown(f.Server), EventID: f.EventID, RecordID: f.RecordID, Source: f.Source}
		if f.Kind == smbaudit.KindUnparsed {
			a.addUnparsed(1, []Unparsed{{Evidence: ev, Reason: f.Reason}})
			continue
		}
		c := a.client(orUnknown(f.Client.ID))
		c.kind = minNonEmpty(c.kind, string(f.Client.Kind))
		c.short = minNonEmpty(c.short, f.Client.ShortName)
		if f.Client.Raw != "" {
			c.names.add(f.Client.Raw)
		}
		if f.User != "" {
			c.users.add(f.User)
		}
		if f.HasSPN || f.SPN != "" {
			c.spns.add(f.SPN)
		}
		if f.SPNQueryStatus != nil {
			c.statuses.add(FormatNTStatus(*f.SPNQueryStatus))
		}
		if f.EPAPolicy != nil {
			c.epa.add(FormatEPAPolicy(*f.EPAPolicy))
		}
		if f.ServerRequiresSigning != nil {
			c.signing.add(strconv.FormatBool(*f.ServerRequiresSigning))
		}
		c.servers.add(ev.Server)
		c.events[f.EventID]++
		if c.serversByEvent[f.EventID] == nil {
			c.serversByEvent[f.EventID] = set{}
		}
		c.serversByEvent[f.EventID].add(ev.Server)
		if f.ChunkDamaged {
			c.damaged++
		}
		c.see(ev, ev)

		s := a.server(ev.Server)
		s.events[f.EventID]++
		s.clients.add(c.id)
		s.first = minTime(s.first, ev.Time)
		s.last = maxTime(s.last, ev.Time)

		day := ev.Time.Format(time.DateOnly)
		if a.days[day] == nil {
			a.days[day] = map[uint16]int{}
		}
		a.days[day][f.EventID]++
	}
	for _, sc := range res.Servers {
		s := a.server(orUnknown(sc.Server))
		s.first = minTime(s.first, sc.First.UTC())
		s.last = maxTime(s.last, sc.Last.UTC())
		s.records += sc.Events
	}
	for _, f := range res.Files {
		a.inputs = append(a.inputs, Input{
			Path: f.Path, Size: f.Size, Skipped: f.Skipped, Reason: f.Reason,
			Chunks: f.Chunks, ChunksDecoded: f.ChunksDecoded, Records: f.Records,
			DamagedChunks: slices.Clone(f.DamagedChunks), Errors: slices.Clone(f.Errors),
			First: f.First.UTC(), Last: f.Last.UTC(),
		})
	}
}

func (a *agg) addUnparsed(n int, samples []Unparsed) {
	a.unparsed += n
	a.samples = append(a.samples, samples...)
}

func (a *agg) addReport(r *Report) {
	if r == nil {
		return
	}
	a.generated = maxTime(a.generated, r.GeneratedAt)
	for _, rc := range r.Clients {
		c := a.client(rc.ID)
		c.kind = minNonEmpty(c.kind, rc.Kind)
		c.short = minNonEmpty(c.short, rc.ShortName)
		c.names.add(rc.Names...)
		c.users.add(rc.Users...)
		c.spns.add(rc.SPNs...)
		c.statuses.add(rc.SPNQueryStatuses...)
		c.epa.add(rc.EPAPolicies...)
		c.signing.add(rc.ServerRequiresSigning...)
		c.servers.add(rc.Servers...)
		for id, n := range rc.Events {
			c.events[id] += n
		}
		for id, ss := range rc.ServersByEvent {
			if c.serversByEvent[id] == nil {
				c.serversByEvent[id] = set{}
			}
			c.serversByEvent[id].add(ss...)
		}
		c.damaged += rc.DamagedChunkEvents
		c.see(rc.First, rc.Last)
	}
	for _, rs := range r.Servers {
		s := a.server(rs.Name)
		s.first = minTime(s.first, rs.First)
		s.last = maxTime(s.last, rs.Last)
		s.records += rs.Records
		for id, n := range rs.Events {
			s.events[id] += n
		}
		s.clients.add(rs.Clients...)
	}
	for _, in := range r.Inputs {
		in.DamagedChunks = slices.Clone(in.DamagedChunks)
		in.Errors = slices.Clone(in.Errors)
		a.inputs = append(a.inputs, in)
	}
	for _, d := range r.Days {
		if a.days[d.Date] == nil {
			a.days[d.Date] = map[uint16]int{}
		}
		for id, n := range d.Events {
			a.days[d.Date][id] += n
		}
	}
	a.addUnparsed(r.Unparsed, r.UnparsedSamples)
}

func cmpInput(x, y Input) int {
	if c := cmp.Compare(x.Path, y.Path); c != 0 {
		return c
	}
	// Same path from two machines: order by content so the order of the
	// shards does not matter.
	return cmp.Compare(fmt.Sprintf("%#v", x), fmt.Sprintf("%#v", y))
}

func (a *agg) finish() *Report {
	r := &Report{Schema: Schema, GeneratedAt: a.generated.UTC(), Unparsed: a.unparsed}

	// Clients.
	for _, id := range slices.Sorted(maps.Keys(a.clients)) {
		c := a.clients[id]
		rc := Client{
			ID: c.id, Kind: c.kind, ShortName: c.short,
			Names: c.names.sorted(), Events: maps.Clone(c.events),
			ServersByEvent: map[uint16][]string{},
			FirstSeen:      c.first.Time, LastSeen: c.last.Time, First: c.first, Last: c.last,
			Servers: c.servers.sorted(), Users: c.users.sorted(), SPNs: c.spns.sorted(),
			SPNQueryStatuses: c.statuses.sorted(), EPAPolicies: c.epa.sorted(),
			ServerRequiresSigning: c.signing.sorted(), DamagedChunkEvents: c.damaged,
		}
		for ev, ss := range c.serversByEvent {
			rc.ServersByEvent[ev] = ss.sorted()
		}
		rc.decide()
		r.Clients = append(r.Clients, rc)
	}
	linkClients(r.Clients)

	// Servers.
	for _, name := range slices.Sorted(maps.Keys(a.servers)) {
		s := a.servers[name]
		rs := Server{Name: name, First: s.first, Last: s.last, Records: s.records,
			Events: maps.Clone(s.events), Clients: s.clients.sorted()}
		for _, id := range slices.Sorted(maps.Keys(s.events)) {
			if auditEvents[id] && s.events[id] > 0 {
				rs.AuditEvents += s.events[id]
				rs.AuditKinds = append(rs.AuditKinds, id)
			}
		}
		rs.Warnings = serverWarnings(rs)
		r.Servers = append(r.Servers, rs)
	}

	// Inputs.
	r.Inputs = slices.Clone(a.inputs)
	slices.SortFunc(r.Inputs, cmpInput)

	// Days.
	for _, d := range slices.Sorted(maps.Keys(a.days)) {
		r.Days = append(r.Days, Day{Date: d, Events: maps.Clone(a.days[d])})
	}

	// Unparsed samples: the smallest in evidence order, bounded.
	r.UnparsedSamples = slices.Clone(a.samples)
	slices.SortFunc(r.UnparsedSamples, func(x, y Unparsed) int {
		return cmp.Or(cmpEvidence(x.Evidence, y.Evidence), cmp.Compare(x.Reason, y.Reason))
	})
	if len(r.UnparsedSamples) > MaxUnparsedSamples {
		r.UnparsedSamples = r.UnparsedSamples[:MaxUnparsedSamples]
	}

	r.Summary = summarise(r)
	return r
}

// decide derives the verdicts of a client from its event counts.
func (c *Client) decide() {
	c.Verdicts, c.BreaksUnder, c.PossiblyBreaksUnder = nil, nil, nil
	for _, st := range Settings {
		v := Verdict{Setting: st}
		servers, hints := set{}, []string{}
		for _, ru := range rules {
			if ru.setting != st || c.Events[ru.event] == 0 {
				continue
			}
			v.Events = append(v.Events, ru.event)
			v.Certain = v.Certain || ru.certain
			servers.add(c.ServersByEvent[ru.event]...)
			if !slices.Contains(hints, ru.hint) {
				hints = append(hints, ru.hint)
			}
		}
		if len(v.Events) == 0 {
			continue
		}
		if v.Certain {
			// Keep only the certain evidence: a 3027 beside a 3021 adds
			// nothing to the verdict.
			v.Events, hints, servers = nil, nil, set{}
			for _, ru := range rules {
				if ru.setting == st && ru.certain && c.Events[ru.event] > 0 {
					v.Events = append(v.Events, ru.event)
					servers.add(c.ServersByEvent[ru.event]...)
					if !slices.Contains(hints, ru.hint) {
						hints = append(hints, ru.hint)
					}
				}
			}
			c.BreaksUnder = append(c.BreaksUnder, st)
		} else {
			c.PossiblyBreaksUnder = append(c.PossiblyBreaksUnder, st)
		}
		slices.Sort(v.Events)
		v.Servers, v.Hints = servers.sorted(), hints
		c.Verdicts = append(c.Verdicts, v)
	}
	c.RejectedByEnforcement = c.Events[EventEnforcementRejection] > 0
}

// linkClients fills Client.Linked: host names and FQDNs that share a short
// name. IP addresses are never linked (that would need name resolution).
func linkClients(cs []Client) {
	groups := map[string][]string{}
	for _, c := range cs {
		if c.ShortName == "" || (c.Kind != string(smbaudit.ClientHost) && c.Kind != string(smbaudit.ClientFQDN)) {
			continue
		}
		k := strings.ToLower(c.ShortName)
		groups[k] = append(groups[k], c.ID)
	}
	for i := range cs {
		c := &cs[i]
		c.Linked = nil
		if c.ShortName == "" || (c.Kind != string(smbaudit.ClientHost) && c.Kind != string(smbaudit.ClientFQDN)) {
			continue
		}
		for _, id := range groups[strings.ToLower(c.ShortName)] {
			if id != c.ID {
				c.Linked = append(c.Linked, id)
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
	var w []string
	if s.AuditEvents == 0 {
		return append(w, "no audit events: auditing may be off (a clean-looking server is not proof)")
	}
	if !has(EventSigningUnsupported, EventSMB1SigningDisabled) {
		w = append(w, "no signing audit events (3021/3027): AuditClientDoesNotSupportSigning may be off")
	}
	if !has(EventSPNMissing, EventSPNUnrecognised, EventSPNEmpty) {
		w = append(w, "no SPN audit events (3024-3026): AuditClientSpnSupport may be off")
	}
	return w
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func summarise(r *Report) Summary {
	s := Summary{Clients: len(r.Clients), Servers: len(r.Servers), Inputs: len(r.Inputs), Events: map[uint16]int{}}
	for _, sv := range r.Servers {
		if sv.AuditEvents == 0 {
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
	for _, c := range r.Clients {
		for id, n := range c.Events {
			s.Events[id] += n
		}
		if c.RejectedByEnforcement {
			s.RejectedClients++
		}
	}
	for _, st := range Settings {
		h := Headline{Setting: st}
		sure, maybe := set{}, set{}
		for _, c := range r.Clients {
			for _, v := range c.Verdicts {
				if v.Setting != st {
					continue
				}
				if v.Certain {
					h.Clients++
					sure.add(v.Servers...)
				} else {
					h.PossibleClients++
					maybe.add(v.Servers...)
				}
			}
		}
		h.Servers, h.PossibleServers = len(sure), len(maybe)
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
