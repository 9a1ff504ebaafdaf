package report

import (
	"cmp"
	"encoding/binary"
	"hash/maphash"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// rows accumulates the per-client, per-server and per-day rows of a report
// one finding at a time, so that a report can be built without keeping its
// findings (see Options.MaxFindings). Servers are held by lower-cased name;
// the name shown is chosen when the report is made.
type rows struct {
	clients  clientTable              // by client ID (or Unknown)
	servers  map[string]*serverAgg    // by lower-cased server name
	ids      map[string]uint32        // server IDs, by lower-cased name
	names    []string                 // lower-cased server names, by ID
	idBuf    []uint32                 // serverIDs
	days     map[int64]map[uint16]int // by UTC day: days since 1970-01-01
	unparsed int
	samples  []Unparsed // the lowest in evidence order, at most 2*MaxUnparsedSamples
	lower    lowerCache
	// Room for the first event count of the clients (addRecord), which
	// most clients have one of.
	evs slab[eventAgg]
	// spell numbers the spellings of the servers and files of the
	// clients' first and last evidence; wholeEv holds the evidence an
	// evidence cannot give back exactly (see evidenceAt).
	spell   strTable
	wholeEv []Evidence
	// bySpell caches the server row of each spelling, by its number in
	// spell, so that a finding's server is found without lower-casing
	// its name and looking that up; nil: not yet looked up.
	bySpell []*serverAgg
	// The day of the last finding counted and its counts: findings come
	// mostly in time order.
	lastDay    int64
	lastCounts map[uint16]int
}

// evidence is an Evidence as a client row holds it, without pointers (a
// million rows are scanned by every collection): its server and file are
// numbers in rows.spell.
type evidence struct {
	sec      int64 // Time: seconds since 1970 and nanoseconds, in UTC
	recordID uint64
	chunk    int64
	offset   int64
	nsec     int32
	eventID  uint16
	server   uint32
	file     uint32
	whole    uint32 // 1 + the index in rows.wholeEv of e as it came; 0: none
}

// evidenceAt returns e as a client row holds it. An e whose time is not in
// UTC (only hand-made reports have such) is also kept whole, so that it
// comes back exactly.
func (w *rows) evidenceAt(e *Evidence) evidence {
	sec, nsec := e.Time.Unix(), e.Time.Nanosecond()
	v := evidence{sec: sec, nsec: int32(nsec), recordID: e.RecordID, chunk: int64(e.Source.Chunk), offset: e.Source.Offset,
		eventID: e.EventID, server: w.spell.id(e.Server), file: w.spell.id(e.Source.File)}
	if e.Time != time.Unix(sec, int64(nsec)).UTC() {
		w.wholeEv = append(w.wholeEv, *e)
		v.whole = uint32(len(w.wholeEv))
	}
	return v
}

// evidenceOf returns the Evidence e stands for.
func (w *rows) evidenceOf(e *evidence) Evidence {
	if e.whole != 0 {
		return w.wholeEv[e.whole-1]
	}
	s := w.spell.strs
	return Evidence{Time: time.Unix(e.sec, int64(e.nsec)).UTC(), Server: s[e.server], EventID: e.eventID, RecordID: e.recordID,
		Source: evtx.Source{File: s[e.file], Chunk: int(e.chunk), Offset: e.offset}}
}

// cmpEvidence is cmpEvidence of the evidence x and y stand for.
func (w *rows) cmpEvidence(x, y *evidence) int {
	if x.sec != y.sec {
		return cmp.Compare(x.sec, y.sec)
	}
	if x.nsec != y.nsec {
		return cmp.Compare(x.nsec, y.nsec)
	}
	if x.file != y.file {
		if c := strings.Compare(w.spell.strs[x.file], w.spell.strs[y.file]); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(x.chunk, y.chunk); c != 0 {
		return c
	}
	if c := cmp.Compare(x.offset, y.offset); c != 0 {
		return c
	}
	if c := cmp.Compare(x.recordID, y.recordID); c != 0 {
		return c
	}
	if x.server != y.server {
		if c := strings.Compare(w.spell.strs[x.server], w.spell.strs[y.server]); c != 0 {
			return c
		}
	}
	return cmp.Compare(x.eventID, y.eventID)
}

// clientAgg is one client's row while it is gathered. Most clients log a
// few values of each kind, so its sets are small sorted slices (strset)
// and its counts a short list, which keeps the cost of a client far below
// that of a dozen maps.
type clientAgg struct {
	id, kind, short    string
	names, users, spns strset
	servers            idset
	events             []eventAgg
	first, last        evidence // see rows.evidenceAt
	damaged            int
	*clientRare        // nil until one of its values is seen
	// own says that each event has its own set of servers; until then
	// the client has at most one event ID, whose servers are the client's
	// (events[0].servers is empty): most clients log one.
	own  bool
	seen bool
}

// clientRare holds what few clients have, so that the others do not pay
// for it.
type clientRare struct {
	statuses, epa, signing, rejected strset
	svcInvalid, nameInvalid          strset // SPNs of 3025 with a false boolean
	// At least this many distinct values: the totals of the bounded
	// lists of summarised reports added (addRows), whose values past
	// their lists cannot be told apart.
	namesAtLeast, usersAtLeast, spnsAtLeast, serversAtLeast int
}

// merge adds what y holds to x.
func (x *clientRare) merge(y *clientRare) {
	for _, p := range [...][2]*strset{{&x.statuses, &y.statuses}, {&x.epa, &y.epa}, {&x.signing, &y.signing},
		{&x.rejected, &y.rejected}, {&x.svcInvalid, &y.svcInvalid}, {&x.nameInvalid, &y.nameInvalid}} {
		p[1].each(func(v string) { p[0].add(v) })
	}
	x.namesAtLeast = max(x.namesAtLeast, y.namesAtLeast)
	x.usersAtLeast = max(x.usersAtLeast, y.usersAtLeast)
	x.spnsAtLeast = max(x.spnsAtLeast, y.spnsAtLeast)
	x.serversAtLeast = max(x.serversAtLeast, y.serversAtLeast)
}

// rare returns c.clientRare, made when needed.
func (c *clientAgg) rare() *clientRare {
	if c.clientRare == nil {
		c.clientRare = &clientRare{}
	}
	return c.clientRare
}

// rareOf returns c.clientRare, or an empty one to read from.
func (c *clientAgg) rareOf() *clientRare {
	if c.clientRare == nil {
		return &noRare
	}
	return c.clientRare
}

var noRare clientRare // never written

// eventAgg counts one event ID of a client, with its servers.
type eventAgg struct {
	id      uint16
	n       int
	servers idset
}

// sortedSet is a set: its one value held in place while it has one (most
// sets of a client row), a sorted slice while it holds at most smallSet
// values, a map past that, so that a set stays cheap in the common case
// and linear in the hostile one. The one value in place spares a row a
// pointer to it, which the collector would follow, and a cache miss to
// reach it; the slice and the map are apart (setMore), so that a set of
// one value is small.
type sortedSet[T cmp.Ordered] struct {
	more *setMore[T] // two values or more; nil otherwise
	one  T
	has1 bool // the set holds one value, one
}

// setMore holds the values of a set of two or more: small while they are
// at most smallSet, big past that.
type setMore[T cmp.Ordered] struct {
	small []T // sorted
	big   map[T]struct{}
}

// strset is a set of strings; idset one of server IDs (rows.serverID),
// which the collector need not scan.
type (
	strset = sortedSet[string]
	idset  = sortedSet[uint32]
)

const smallSet = 16

func (s *sortedSet[T]) add(vs ...T) {
	for _, v := range vs {
		switch {
		case s.more != nil:
			s.more.add(v)
		case !s.has1:
			s.one, s.has1 = v, true
		case v != s.one:
			small := make([]T, 2, 4)
			small[0], small[1] = min(s.one, v), max(s.one, v)
			s.more = &setMore[T]{small: small}
			var zero T
			s.one, s.has1 = zero, false
		}
	}
}

// add adds v to m.small, or to m.big, made of them past smallSet values.
func (m *setMore[T]) add(v T) {
	if m.big != nil {
		m.big[v] = struct{}{}
		return
	}
	i, found := slices.BinarySearch(m.small, v)
	if found {
		return
	}
	if len(m.small) < smallSet {
		m.small = slices.Insert(m.small, i, v)
		return
	}
	m.big = make(map[T]struct{}, 2*smallSet)
	for _, x := range m.small {
		m.big[x] = struct{}{}
	}
	m.big[v] = struct{}{}
	m.small = nil
}

func (s *sortedSet[T]) has(v T) bool {
	switch {
	case s.more == nil:
		return s.has1 && s.one == v
	case s.more.big != nil:
		_, ok := s.more.big[v]
		return ok
	}
	_, ok := slices.BinarySearch(s.more.small, v)
	return ok
}

func (s *sortedSet[T]) len() int {
	switch {
	case s.more == nil:
		if s.has1 {
			return 1
		}
		return 0
	case s.more.big != nil:
		return len(s.more.big)
	}
	return len(s.more.small)
}

// sorted returns the values in order, in a new slice; nil when empty.
func (s *sortedSet[T]) sorted() []T {
	return s.sortedIn(nil)
}

// sortedIn is sorted, a set of one value made in sl (see slab.make).
func (s *sortedSet[T]) sortedIn(sl *slab[T]) []T {
	switch {
	case s.more != nil && s.more.big != nil:
		return slices.Sorted(maps.Keys(s.more.big))
	case s.more != nil:
		return slices.Clone(s.more.small)
	case s.has1:
		out := sl.make(1, 1)
		out[0] = s.one
		return out
	}
	return nil
}

// take returns the values in order: with consume the set's own slice
// when it has one, which the set must not be used after; otherwise a new
// slice as sortedIn.
func (s *sortedSet[T]) take(consume bool, sl *slab[T]) []T {
	if consume && s.more != nil && s.more.big == nil {
		return slices.Clip(s.more.small)
	}
	return s.sortedIn(sl)
}

// each calls f with every value, in no fixed order.
func (s *sortedSet[T]) each(f func(T)) {
	switch {
	case s.more != nil && s.more.big != nil:
		for v := range s.more.big {
			f(v)
		}
	case s.more != nil:
		for _, v := range s.more.small {
			f(v)
		}
	case s.has1:
		f(s.one)
	}
}

// slab hands out short slices carved from chunks that many rows share:
// one allocation for a thousand rows' slices instead of one each, for
// slices that live as long as the report that holds them. A nil *slab
// makes each slice apart.
type slab[T any] struct {
	free []T
}

const slabChunk = 1024

// make returns make([]T, n, c), its capacity its own: an append past it
// copies, as for a slice made apart.
func (s *slab[T]) make(n, c int) []T {
	if s == nil || c == 0 || c > slabChunk/8 {
		return make([]T, n, c)
	}
	if len(s.free) < c {
		s.free = make([]T, slabChunk)
	}
	out := s.free[:n:c]
	s.free = s.free[c:]
	return out
}

// rowSlabs are the slabs of the report rows fill makes.
type rowSlabs struct {
	names    slab[string]
	counts   slab[EventCount]
	verdicts slab[Verdict]
}

type serverAgg struct {
	id       uint32 // rows.serverID
	events   map[uint16]int
	findings int
	// clients are those that the server rows of summarised reports name;
	// fill adds those of the clients' rows (clientAgg.servers).
	clients set
}

func newRows() *rows {
	return &rows{servers: map[string]*serverAgg{}, ids: map[string]uint32{}, days: map[int64]map[uint16]int{}}
}

func (w *rows) server(lc string) *serverAgg {
	sa := w.servers[lc]
	if sa == nil {
		sa = &serverAgg{id: w.serverID(lc), events: map[uint16]int{}, clients: set{}}
		w.servers[lc] = sa
	}
	return sa
}

// serverID returns the ID of a lower-cased server name: client rows hold
// their servers as IDs, 4 bytes without a pointer instead of a string.
func (w *rows) serverID(lc string) uint32 {
	id, ok := w.ids[lc]
	if !ok {
		id = uint32(len(w.names))
		w.ids[lc] = id
		w.names = append(w.names, lc)
	}
	return id
}

// serverIDs returns the IDs of server names, lower-casing them, in a
// slice that the next call reuses.
func (w *rows) serverIDs(names []string) []uint32 {
	w.idBuf = w.idBuf[:0]
	for _, n := range names {
		w.idBuf = append(w.idBuf, w.serverID(w.lower.of(n)))
	}
	return w.idBuf
}

func (w *rows) client(id string) *clientAgg {
	return w.clients.get(id)
}

// clientTable maps client IDs to their rows: open addressing over the
// IDs' hashes, kept beside the rows, so that growing the table never
// reads an ID again (a Go map hashes every key it moves, and a million
// IDs are as many cache misses). The zero value is empty.
type clientTable struct {
	seed  maphash.Seed
	slots []clientSlot // a power of two long, or nil
	n     int
}

type clientSlot struct {
	hash uint64
	c    *clientAgg // nil: empty
}

// get returns the row of id, made when absent.
func (t *clientTable) get(id string) *clientAgg {
	if t.slots == nil {
		t.seed, t.slots = maphash.MakeSeed(), make([]clientSlot, 64)
	}
	h := maphash.String(t.seed, id)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.c == nil {
			c := &clientAgg{id: id}
			*s = clientSlot{h, c}
			if t.n++; 4*t.n > 3*len(t.slots) {
				t.grow()
			}
			return c
		}
		if s.hash == h && s.c.id == id {
			return s.c
		}
	}
}

func (t *clientTable) grow() {
	old := t.slots
	t.slots = make([]clientSlot, 2*len(old))
	mask := uint64(len(t.slots) - 1)
	for _, s := range old {
		if s.c == nil {
			continue
		}
		i := s.hash & mask
		for t.slots[i].c != nil {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

func (t *clientTable) len() int { return t.n }

// seenAt widens the first and last evidence of c, a client of w, to first
// and last.
func (w *rows) seenAt(c *clientAgg, first, last evidence) {
	if !c.seen || w.cmpEvidence(&first, &c.first) < 0 {
		c.first = first
	}
	if !c.seen || w.cmpEvidence(&last, &c.last) > 0 {
		c.last = last
	}
	c.seen = true
}

func (c *clientAgg) count(event uint16, n int, servers ...uint32) {
	i := slices.IndexFunc(c.events, func(e eventAgg) bool { return e.id == event })
	if i < 0 {
		if len(c.events) > 0 {
			c.unshare() // a second event ID
		}
		i = len(c.events)
		c.events = append(c.events, eventAgg{id: event})
	}
	e := &c.events[i]
	e.n += n
	if c.own {
		e.servers.add(servers...)
	}
	c.servers.add(servers...)
}

// unshare gives the client's event, if any, a set of servers of its own
// (see clientAgg.own).
func (c *clientAgg) unshare() {
	if c.own {
		return
	}
	c.own = true
	if len(c.events) == 1 {
		c.servers.each(func(v uint32) { c.events[0].servers.add(v) })
	}
}

// eventServers returns the servers of c.events[i].
func (c *clientAgg) eventServers(i int) *idset {
	if !c.own {
		return &c.servers
	}
	return &c.events[i].servers
}

// addServers adds servers to the client's, not to any event's.
func (c *clientAgg) addServers(servers ...uint32) {
	for _, v := range servers {
		if !c.servers.has(v) {
			c.unshare()
			c.servers.add(v)
		}
	}
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
	if w.lastCounts != nil && day == w.lastDay {
		w.lastCounts[event] += n
		return
	}
	d := w.days[day]
	if d == nil {
		d = map[uint16]int{}
		w.days[day] = d
	}
	d[event] += n
	w.lastDay, w.lastCounts = day, d
}

// serverOf returns the row of the server of e, a finding's evidence as
// evidenceAt gives it, whose name is name.
func (w *rows) serverOf(e *evidence, name string) *serverAgg {
	id := e.server
	if int(id) < len(w.bySpell) && w.bySpell[id] != nil {
		return w.bySpell[id]
	}
	sa := w.server(w.lower.of(name))
	for len(w.bySpell) <= int(id) {
		w.bySpell = append(w.bySpell, nil)
	}
	w.bySpell[id] = sa
	return sa
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
	if rec.Kind == string(smbaudit.KindUnparsed) {
		w.server(w.lower.of(rec.Server)).findings++
		w.unparsed++
		w.addSamples(Unparsed{Evidence: rec.Evidence, Reason: rec.Reason})
		return
	}
	e := w.evidenceAt(&rec.Evidence)
	sa := w.serverOf(&e, rec.Server)
	sa.findings++
	id := orUnknown(rec.ClientID)
	c := w.client(id)
	w.seenAt(c, e, e)
	c.kind = minNonEmpty(c.kind, rec.ClientKind)
	c.short = minNonEmpty(c.short, rec.ShortName)
	if rec.ClientRaw != "" {
		c.names.add(rec.ClientRaw)
	}
	if rec.User != "" {
		c.users.add(rec.User)
	}
	if rec.SPNQueryStatus != "" || rec.EPAPolicy != "" || rec.ServerRequiresSigning != "" || rec.Status != "" {
		x := c.rare()
		for _, v := range [...]struct {
			s *strset
			v string
		}{{&x.statuses, rec.SPNQueryStatus}, {&x.epa, rec.EPAPolicy}, {&x.signing, rec.ServerRequiresSigning}, {&x.rejected, rec.Status}} {
			if v.v != "" {
				v.s.add(v.v)
			}
		}
	}
	if rec.HasSPN {
		c.spns.add(rec.SPN)
	}
	if rec.EventID == smbaudit.EventSPNUnrecognised {
		if rec.ServiceClassIsValid == "false" {
			c.rare().svcInvalid.add(rec.SPN)
		}
		if rec.PrincipalNameIsValid == "false" {
			c.rare().nameInvalid.add(rec.SPN)
		}
	}
	if c.events == nil {
		c.events = w.evs.make(0, 1)
	}
	c.count(rec.EventID, 1, sa.id)
	if rec.ChunkDamaged {
		c.damaged++
	}
	sa.events[rec.EventID]++ // its client is one of sa's: fill finds it in c.servers
	w.addDay(dayOf(rec.Time), rec.EventID, 1)
}

// addRows adds the rows of a report whose findings were not kept: what
// its findings would add.
func (w *rows) addRows(r *Report) {
	for i := range r.Clients {
		rc := &r.Clients[i]
		c := w.client(orUnknown(rc.ID))
		w.seenAt(c, w.evidenceAt(&rc.First), w.evidenceAt(&rc.Last))
		c.kind = minNonEmpty(c.kind, rc.Kind)
		c.short = minNonEmpty(c.short, rc.ShortName)
		c.names.add(rc.Names...)
		c.users.add(rc.Users...)
		c.spns.add(rc.SPNs...)
		for _, e := range rc.EventCounts {
			c.count(e.ID, e.Count, w.serverIDs(e.Servers)...)
		}
		c.addServers(w.serverIDs(rc.Servers)...)
		c.damaged += rc.DamagedChunkEvents
		// What few clients have is kept apart (clientRare), made only
		// when there is some: a total at most its list's length says
		// nothing the list does not.
		if len(rc.SPNQueryStatuses)+len(rc.EPAPolicies)+len(rc.ServerRequiresSigning)+len(rc.RejectionStatuses)+
			len(rc.SPNsServiceClassInvalid)+len(rc.SPNsPrincipalNameInvalid) > 0 ||
			rc.NamesTotal > len(rc.Names) || rc.UsersTotal > len(rc.Users) || rc.SPNsTotal > len(rc.SPNs) ||
			rc.ServersTotal > len(rc.Servers) {
			x := c.rare()
			x.statuses.add(rc.SPNQueryStatuses...)
			x.epa.add(rc.EPAPolicies...)
			x.signing.add(rc.ServerRequiresSigning...)
			x.rejected.add(rc.RejectionStatuses...)
			x.svcInvalid.add(rc.SPNsServiceClassInvalid...)
			x.nameInvalid.add(rc.SPNsPrincipalNameInvalid...)
			x.namesAtLeast = max(x.namesAtLeast, rc.NamesTotal)
			x.usersAtLeast = max(x.usersAtLeast, rc.UsersTotal)
			x.spnsAtLeast = max(x.spnsAtLeast, rc.SPNsTotal)
			x.serversAtLeast = max(x.serversAtLeast, rc.ServersTotal)
		}
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
		t, err := parseWide(time.DateOnly, d.Date)
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

// addAgg adds the rows of o, which it uses up: each client of o is
// dropped once added, so that the two are not both held whole.
func (w *rows) addAgg(o *rows) {
	var ids []uint32
	for k := range o.clients.slots {
		oc := o.clients.slots[k].c
		if oc == nil {
			continue
		}
		c := w.client(oc.id)
		if oc.seen {
			first, last := o.evidenceOf(&oc.first), o.evidenceOf(&oc.last)
			w.seenAt(c, w.evidenceAt(&first), w.evidenceAt(&last))
		}
		c.kind = minNonEmpty(c.kind, oc.kind)
		c.short = minNonEmpty(c.short, oc.short)
		oc.names.each(func(v string) { c.names.add(v) })
		oc.users.each(func(v string) { c.users.add(v) })
		oc.spns.each(func(v string) { c.spns.add(v) })
		for i := range oc.events {
			e := &oc.events[i]
			ids = ids[:0]
			oc.eventServers(i).each(func(v uint32) { ids = append(ids, w.serverID(o.names[v])) })
			c.count(e.id, e.n, ids...)
		}
		oc.servers.each(func(v uint32) { c.addServers(w.serverID(o.names[v])) })
		c.damaged += oc.damaged
		if y := oc.clientRare; y != nil {
			c.rare().merge(y)
		}
		o.clients.slots[k].c = nil // o is not looked up again
	}
	o.clients = clientTable{}
	for lc, sa := range o.servers {
		wa := w.server(lc)
		wa.findings += sa.findings
		for ev, n := range sa.events {
			wa.events[ev] += n
		}
		for id := range sa.clients {
			wa.clients.add(id)
		}
	}
	for d, evs := range o.days {
		for ev, n := range evs {
			w.addDay(d, ev, n)
		}
	}
	w.unparsed += o.unparsed
	w.addSamples(o.samples...)
}

// fill writes the rows into r: clients, servers (with the coverage cov, by
// lower-cased name, every server of the rows having an entry), days and
// unparsed events. Server names are shown as cov names them. The
// per-client lists are cut to their first n values (see Client.Linked);
// n < 0 keeps them whole and makes no links, for rows to be added again.
// With consume, each client's row is dropped from w once written, so that
// w and r are not both held whole; otherwise w is not changed but for the
// order of its samples.
func (w *rows) fill(r *Report, cov map[string]*coverage, n int, consume bool) {
	shown := make(map[string]string, len(cov)) // by lower-cased name
	for lc, c := range cov {
		shown[lc] = c.name
	}
	display := func(name string) string {
		if s, ok := shown[w.lower.of(name)]; ok {
			return s
		}
		return name // cannot happen: every server named has coverage
	}
	// Each server ID's name as shown, and its rank in the order of those
	// names: distinct lower-cased names are shown as distinct names, so a
	// set of IDs sorted by rank is its names sorted.
	shownByID := make([]string, len(w.names))
	for id, lc := range w.names {
		shownByID[id] = display(lc)
	}
	rank := make([]uint32, len(w.names))
	order := make([]uint32, len(w.names))
	for id := range order {
		order[id] = uint32(id)
	}
	slices.SortFunc(order, func(x, y uint32) int { return strings.Compare(shownByID[x], shownByID[y]) })
	for k, id := range order {
		rank[id] = uint32(k)
	}
	var ids []uint32
	var sl rowSlabs
	displayAll := func(s *idset) []string {
		ids = ids[:0]
		s.each(func(id uint32) { ids = append(ids, id) })
		if len(ids) > 1 {
			slices.SortFunc(ids, func(x, y uint32) int { return cmp.Compare(rank[x], rank[y]) })
		}
		out := sl.names.make(len(ids), len(ids))
		for k, id := range ids {
			out[k] = shownByID[id]
		}
		return out
	}
	cut := func(list []string) []string {
		if n >= 0 && len(list) > n {
			return slices.Clone(list[:n]) // not a reslice: the rest is let go
		}
		return list
	}

	// The first 16 bytes of the IDs beside the rows (idKey): sorting
	// compares those, and loads an ID only when they tie, since a million
	// IDs read at random are as many cache misses.
	type byID struct {
		key [2]uint64
		c   *clientAgg
	}
	aggs := make([]byID, 0, w.clients.len())
	for _, s := range w.clients.slots {
		if s.c != nil {
			aggs = append(aggs, byID{idKey(s.c.id), s.c})
		}
	}
	if consume {
		w.clients = clientTable{}
	}
	slices.SortFunc(aggs, func(x, y byID) int {
		switch {
		case x.key[0] != y.key[0]:
			return cmp.Compare(x.key[0], y.key[0])
		case x.key[1] != y.key[1]:
			return cmp.Compare(x.key[1], y.key[1])
		}
		return strings.Compare(x.c.id, y.c.id)
	})
	// The clients of each server (by lower-cased name), in ID order as the
	// clients are written: those of its findings, which addRecord does not
	// keep twice.
	serverClients := make([][]string, len(w.names)) // by server ID
	// The name shown of each spelling of a server, by its number in
	// w.spell, made when first needed: the rows' evidence numbers them.
	shownSpelled := make([]string, len(w.spell.strs))
	displaySpelled := func(id uint32, name string) string {
		if shownSpelled[id] == "" {
			shownSpelled[id] = display(name)
		}
		return shownSpelled[id]
	}
	r.Clients = make([]Client, len(aggs))
	for i := range aggs {
		c := aggs[i].c
		if consume {
			aggs[i].c = nil // each row is let go once written
		}
		c.servers.each(func(id uint32) { serverClients[id] = append(serverClients[id], c.id) })
		first, last := w.evidenceOf(&c.first), w.evidenceOf(&c.last)
		first.Server, last.Server = displaySpelled(c.first.server, first.Server), displaySpelled(c.last.server, last.Server)
		names, servers, users, spns := c.names.take(consume, &sl.names), displayAll(&c.servers), c.users.take(consume, &sl.names), c.spns.take(consume, &sl.names)
		x := c.rareOf()
		rc := &r.Clients[i]
		*rc = Client{
			ID: c.id, Kind: c.kind, ShortName: c.short,
			Names: cut(names), NamesTotal: max(len(names), x.namesAtLeast),
			EventCounts: sl.counts.make(len(c.events), len(c.events)),
			FirstSeen:   first.Time, LastSeen: last.Time, First: first, Last: last,
			Servers: cut(servers), ServersTotal: max(len(servers), x.serversAtLeast),
			Users: cut(users), UsersTotal: max(len(users), x.usersAtLeast),
			SPNs: cut(spns), SPNsTotal: max(len(spns), x.spnsAtLeast),
			SPNQueryStatuses: x.statuses.sorted(), EPAPolicies: x.epa.sorted(),
			ServerRequiresSigning: x.signing.sorted(), RejectionStatuses: x.rejected.sorted(), DamagedChunkEvents: c.damaged,
			SPNsServiceClassInvalid: cut(x.svcInvalid.sorted()), SPNsPrincipalNameInvalid: cut(x.nameInvalid.sorted()),
		}
		for i := range c.events {
			e := &c.events[i]
			ec := &rc.EventCounts[i]
			ec.ID, ec.Count = e.id, e.n
			if !c.own {
				ec.Servers = servers // the same set: share the slice
			} else {
				ec.Servers = displayAll(&e.servers)
			}
		}
		if len(rc.EventCounts) > 1 {
			slices.SortFunc(rc.EventCounts, func(x, y EventCount) int { return cmp.Compare(x.ID, y.ID) })
		}
		rc.decide(&sl.verdicts)
	}
	if n >= 0 {
		linkClients(r.Clients, n)
	}

	for _, lc := range slices.SortedFunc(maps.Keys(cov), func(x, y string) int {
		return cmp.Compare(cov[x].name, cov[y].name)
	}) {
		cv := cov[lc]
		rs := Server{Name: cv.name, First: cv.first, Last: cv.last, Records: cv.records, Events: map[uint16]int{}}
		rs.AuditFirst, rs.AuditLast = cv.auditWindow()
		rs.auditUnknown = cv.auditUnknown
		if sa := w.servers[lc]; sa != nil {
			rs.Findings, rs.Events, rs.Clients = sa.findings, maps.Clone(sa.events), serverClients[sa.id]
			if len(sa.clients) > 0 { // from the server rows of summarised reports (addRows)
				u := maps.Clone(sa.clients) // w is not changed
				u.add(rs.Clients...)
				rs.Clients = u.sorted()
			}
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

// idKey returns the first 16 bytes of s, padded with zeros, as two
// big-endian numbers: when the keys of two strings differ, they compare
// as the strings do (past the end of the shorter, its zeros are below any
// byte but a zero, and a string its zeros match is a prefix of the other).
func idKey(s string) [2]uint64 {
	var b [16]byte
	copy(b[:], s)
	return [2]uint64{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// namedServers lists the servers the rows of r name.
func namedServers(r *Report) []string {
	var names []string
	for i := range r.Clients {
		c := &r.Clients[i]
		names = append(names, c.Servers...)
		for _, e := range c.EventCounts {
			names = append(names, e.Servers...)
		}
		names = append(names, c.First.Server, c.Last.Server)
	}
	for _, u := range r.UnparsedSamples {
		names = append(names, u.Server)
	}
	return names
}
