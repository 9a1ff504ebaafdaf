package report

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// rows accumulates the per-client, per-server and per-day rows of a report
// one finding at a time, so that a report can be built without keeping its
// findings (see Options.MaxFindings). Servers are held by lower-cased name;
// the name shown is chosen when the report is made.
type rows struct {
	clients  map[string]*clientAgg    // by client ID (or Unknown)
	servers  map[string]*serverAgg    // by lower-cased server name
	days     map[int64]map[uint16]int // by UTC day: days since 1970-01-01
	unparsed int
	samples  []Unparsed // the lowest in evidence order, at most 2*MaxUnparsedSamples
	lower    lowerCache
}

type clientAgg struct {
	id, kind, short                                      string
	names, users, spns, statuses, epa, signing, rejected set
	svcInvalid, nameInvalid                              set            // SPNs of 3025 with a false boolean
	servers                                              set            // lower-cased
	serversByEvent                                       map[uint16]set // lower-cased
	events                                               map[uint16]int
	first, last                                          Evidence
	seen                                                 bool
	damaged                                              int
}

type serverAgg struct {
	events   map[uint16]int
	findings int
	clients  set
}

func newRows() *rows {
	return &rows{clients: map[string]*clientAgg{}, servers: map[string]*serverAgg{}, days: map[int64]map[uint16]int{}}
}

func (w *rows) server(lc string) *serverAgg {
	sa := w.servers[lc]
	if sa == nil {
		sa = &serverAgg{events: map[uint16]int{}, clients: set{}}
		w.servers[lc] = sa
	}
	return sa
}

func (w *rows) client(id string) *clientAgg {
	c := w.clients[id]
	if c == nil {
		c = &clientAgg{id: id, names: set{}, users: set{}, spns: set{}, statuses: set{}, epa: set{}, signing: set{},
			rejected: set{}, servers: set{}, events: map[uint16]int{}, serversByEvent: map[uint16]set{},
			svcInvalid: set{}, nameInvalid: set{}}
		w.clients[id] = c
	}
	return c
}

// seenAt widens the client's first and last evidence to e.
func (c *clientAgg) seenAt(first, last Evidence) {
	if !c.seen || cmpEvidence(first, c.first) < 0 {
		c.first = first
	}
	if !c.seen || cmpEvidence(last, c.last) > 0 {
		c.last = last
	}
	c.seen = true
}

func (c *clientAgg) count(event uint16, n int, lcServers ...string) {
	c.events[event] += n
	if c.serversByEvent[event] == nil {
		c.serversByEvent[event] = set{}
	}
	c.serversByEvent[event].add(lcServers...)
	c.servers.add(lcServers...)
}

// dayOf is the UTC day of t, counted from 1970-01-01.
func dayOf(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

func (w *rows) addDay(day int64, event uint16, n int) {
	d := w.days[day]
	if d == nil {
		d = map[uint16]int{}
		w.days[day] = d
	}
	d[event] += n
}

func (w *rows) addSamples(u ...Unparsed) {
	w.samples = append(w.samples, u...)
	if len(w.samples) > 2*MaxUnparsedSamples {
		w.trimSamples()
	}
}

func cmpUnparsed(x, y Unparsed) int {
	return cmp.Or(cmpEvidence(x.Evidence, y.Evidence), strings.Compare(x.Reason, y.Reason))
}

func (w *rows) trimSamples() {
	slices.SortFunc(w.samples, cmpUnparsed)
	if len(w.samples) > MaxUnparsedSamples {
		clear(w.samples[MaxUnparsedSamples:])
		w.samples = w.samples[:MaxUnparsedSamples]
	}
}

// addRecord counts one finding.
func (w *rows) addRecord(rec *Record) {
	lc := w.lower.of(rec.Server)
	sa := w.server(lc)
	sa.findings++
	if rec.Kind == string(smbaudit.KindUnparsed) {
		w.unparsed++
		w.addSamples(Unparsed{Evidence: rec.Evidence, Reason: rec.Reason})
		return
	}
	id := orUnknown(rec.ClientID)
	c := w.client(id)
	c.seenAt(rec.Evidence, rec.Evidence)
	c.kind = minNonEmpty(c.kind, rec.ClientKind)
	c.short = minNonEmpty(c.short, rec.ShortName)
	for _, v := range [...]struct {
		s set
		v string
	}{{c.names, rec.ClientRaw}, {c.users, rec.User}, {c.statuses, rec.SPNQueryStatus},
		{c.epa, rec.EPAPolicy}, {c.signing, rec.ServerRequiresSigning}, {c.rejected, rec.Status}} {
		if v.v != "" {
			v.s.add(v.v)
		}
	}
	if rec.HasSPN {
		c.spns.add(rec.SPN)
	}
	if rec.EventID == smbaudit.EventSPNUnrecognised {
		if rec.ServiceClassIsValid == "false" {
			c.svcInvalid.add(rec.SPN)
		}
		if rec.PrincipalNameIsValid == "false" {
			c.nameInvalid.add(rec.SPN)
		}
	}
	c.count(rec.EventID, 1, lc)
	if rec.ChunkDamaged {
		c.damaged++
	}
	sa.events[rec.EventID]++
	sa.clients.add(id)
	w.addDay(dayOf(rec.Time), rec.EventID, 1)
}

// addRows adds the rows of a report whose findings were not kept: what
// its findings would add.
func (w *rows) addRows(r *Report) {
	for i := range r.Clients {
		rc := &r.Clients[i]
		c := w.client(orUnknown(rc.ID))
		c.seenAt(rc.First, rc.Last)
		c.kind = minNonEmpty(c.kind, rc.Kind)
		c.short = minNonEmpty(c.short, rc.ShortName)
		c.names.add(rc.Names...)
		c.users.add(rc.Users...)
		c.spns.add(rc.SPNs...)
		c.statuses.add(rc.SPNQueryStatuses...)
		c.epa.add(rc.EPAPolicies...)
		c.signing.add(rc.ServerRequiresSigning...)
		c.rejected.add(rc.RejectionStatuses...)
		c.svcInvalid.add(rc.SPNsServiceClassInvalid...)
		c.nameInvalid.add(rc.SPNsPrincipalNameInvalid...)
		for event, n := range rc.Events {
			c.count(event, n, lowerAll(rc.ServersByEvent[event])...)
		}
		c.servers.add(lowerAll(rc.Servers)...)
		c.damaged += rc.DamagedChunkEvents
	}
	for _, s := range r.Servers {
		sa := w.server(strings.ToLower(s.Name))
		sa.findings += s.Findings
		for event, n := range s.Events {
			sa.events[event] += n
		}
		sa.clients.add(s.Clients...)
	}
	for _, d := range r.Days {
		t, err := time.Parse(time.DateOnly, d.Date)
		if err != nil {
			continue // ReadJSON refuses such a date; a Report made by this package has none
		}
		for event, n := range d.Events {
			w.addDay(dayOf(t), event, n)
		}
	}
	w.unparsed += r.Unparsed
	w.addSamples(r.UnparsedSamples...)
}

func lowerAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToLower(v)
	}
	return out
}

// fill writes the rows into r: clients, servers (with the coverage cov, by
// lower-cased name, every server of the rows having an entry), days and
// unparsed events. Server names are shown as cov names them. w is not
// changed but for the order of its samples.
func (w *rows) fill(r *Report, cov map[string]*coverage) {
	display := func(name string) string {
		if c := cov[strings.ToLower(name)]; c != nil {
			return c.name
		}
		return name // cannot happen: every server named has coverage
	}
	displayAll := func(s set) []string {
		out := set{}
		for lc := range s {
			out.add(display(lc))
		}
		return out.sorted()
	}

	for _, id := range slices.Sorted(maps.Keys(w.clients)) {
		c := w.clients[id]
		first, last := c.first, c.last
		first.Server, last.Server = display(first.Server), display(last.Server)
		rc := Client{
			ID: c.id, Kind: c.kind, ShortName: c.short,
			Names: c.names.sorted(), Events: maps.Clone(c.events), ServersByEvent: map[uint16][]string{},
			FirstSeen: first.Time, LastSeen: last.Time, First: first, Last: last,
			Servers: displayAll(c.servers), Users: c.users.sorted(), SPNs: c.spns.sorted(),
			SPNQueryStatuses: c.statuses.sorted(), EPAPolicies: c.epa.sorted(),
			ServerRequiresSigning: c.signing.sorted(), RejectionStatuses: c.rejected.sorted(), DamagedChunkEvents: c.damaged,
			SPNsServiceClassInvalid: c.svcInvalid.sorted(), SPNsPrincipalNameInvalid: c.nameInvalid.sorted(),
		}
		for ev, ss := range c.serversByEvent {
			rc.ServersByEvent[ev] = displayAll(ss)
		}
		rc.decide()
		r.Clients = append(r.Clients, rc)
	}
	linkClients(r.Clients)

	for _, lc := range slices.SortedFunc(maps.Keys(cov), func(x, y string) int {
		return cmp.Compare(cov[x].name, cov[y].name)
	}) {
		cv := cov[lc]
		rs := Server{Name: cv.name, First: cv.first, Last: cv.last, Records: cv.records, Events: map[uint16]int{}}
		if sa := w.servers[lc]; sa != nil {
			rs.Findings, rs.Events, rs.Clients = sa.findings, maps.Clone(sa.events), sa.clients.sorted()
		}
		for _, id := range slices.Sorted(maps.Keys(rs.Events)) {
			if auditEvents[id] {
				rs.AuditEvents += rs.Events[id]
				rs.AuditKinds = append(rs.AuditKinds, id)
			}
		}
		rs.Audits = auditsOf(rs.Events, cv.audits)
		rs.Warnings = serverWarnings(rs)
		r.Servers = append(r.Servers, rs)
	}

	for _, d := range slices.Sorted(maps.Keys(w.days)) {
		r.Days = append(r.Days, Day{Date: time.Unix(d*86400, 0).UTC().Format(time.DateOnly), Events: maps.Clone(w.days[d])})
	}

	r.Unparsed = w.unparsed
	w.trimSamples()
	for _, u := range w.samples {
		u.Server = display(u.Server)
		r.UnparsedSamples = append(r.UnparsedSamples, u)
	}
}

// namedServers lists the servers the rows of r name.
func namedServers(r *Report) []string {
	var names []string
	for i := range r.Clients {
		c := &r.Clients[i]
		names = append(names, c.Servers...)
		for _, ss := range c.ServersByEvent {
			names = append(names, ss...)
		}
		names = append(names, c.First.Server, c.Last.Server)
	}
	for _, u := range r.UnparsedSamples {
		names = append(names, u.Server)
	}
	return names
}
