package smbaudit

import (
	"math"
	"math/bits"
	"sync"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
)

// recordsSeen, the scan's memory of records, remembers every record it
// has counted, per server and channel, to count each record once and to tell a streaming scan whether a
// record is a copy of one already passed on. It keeps runs of record
// identities instead of one key per record, so that its memory grows with
// the number of runs and not with the number of records: one run per
// unbroken stretch of consecutive identities per server and channel. That
// is a few per file for the logs Windows writes and for forwarded logs
// holding every event of a channel, one per gap for a filtered
// subscription or export, and at most one per record for hostile input.
// The first copy of a record seen is the one that counts: a streamed scan
// feeds recordsSeen file by file in path order, so that is the first by
// CompareCopies, the rule Result.Findings and the report package follow.
//
// A run [lo, hi] with times [tmin, tmax] says: every record of this server
// and channel, in one numbering of its log (between two clears), whose
// identity lies in lo..hi has been seen, and their TimeCreated lie in
// tmin..tmax. A record is a copy of a seen one when a run holds its
// identity and its time lies within that run's times.
//
// A run only grows by the next identity in one file's reading order: the
// record read right after the run's last one, of the same server and
// channel in the same file, whose identity is that one's plus 1 (see
// cursor.link). Nothing can lie in between, and that knowledge comes from
// one file, read in order, never from identities alone. A gap in the
// identities (a filtered export keeps the original IDs) never joins: the
// records in the gap are unknown, not copies. Record IDs restart at 1 after
// a log is cleared, so identities alone cannot tell whether record k+1
// continues records 1..k or follows a clear; joining on adjacency alone
// would let a run span a clear and then swallow the new log's records 1..k
// as copies. Times
// cannot tell either: the log after a clear is written later, so its
// record k+1 looks like a continuation in time as well. For the same
// reason links carry no time bound: times within one numbering may step
// back (clock corrections), and such a step says nothing about a clear; a
// bound would only split runs.
//
// A record whose identity a run holds while its time lies outside that
// run's times is another record (an ID reused after a clear): it goes to
// the first generation (a list of disjoint runs) where no run holds its
// identity, so the runs of different numberings never merge. Beyond
// maxGens generations (only hostile input reuses one ID that often)
// records are kept exactly, one key each.
//
// A record from a damaged chunk (its checksum failed) may hold garbage: a
// TimeCreated far away would widen a run's times to everything and make
// every record of a later numbering in its identities a copy. So such a
// record never widens or extends a run, and no later record links to it:
// it is kept exactly, one key (identity, time) each, unless a run already
// holds it as a copy. A copy of it read elsewhere is recognised by that key.

// maxGens bounds the generations of a recordSet, so that a lookup costs at
// most maxGens binary searches.
const maxGens = 4

// runBlock is the most runs a block of a runList holds: inserting in the
// middle moves at most one block, and the block index moves only on a
// split, once per runBlock/2 such inserts.
const runBlock = 256

// run is the identities lo..hi of one numbering, all seen, and the range of
// their times (see ticks).
type run struct {
	lo, hi     uint64
	tmin, tmax uint64
}

func (r *run) widen(t uint64) {
	r.tmin, r.tmax = min(r.tmin, t), max(r.tmax, t)
}

// runList is a sorted list of disjoint runs, in blocks so that an insert in
// the middle (only hostile input does that often) costs one block, not the
// whole list; appending at the end, the common case, costs nothing more.
type runList struct {
	blocks [][]run // each non-empty, at most runBlock long; ordered
}

// search returns the place of the last run whose lo is at most rid, or
// b == -1 when there is none.
func (l *runList) search(rid uint64) (b, i int) {
	n := len(l.blocks)
	if n == 0 {
		return -1, -1
	}
	if last := l.blocks[n-1]; last[len(last)-1].lo <= rid { // appending: the common case
		return n - 1, len(last) - 1
	}
	lo, hi := 0, n // first block whose first lo > rid
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if l.blocks[m][0].lo > rid {
			hi = m
		} else {
			lo = m + 1
		}
	}
	b = lo - 1
	if b < 0 {
		return -1, -1
	}
	blk := l.blocks[b]
	lo, hi = 0, len(blk)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if blk[m].lo > rid {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return b, lo - 1
}

// holding returns the run that holds rid, or nil.
func (l *runList) holding(rid uint64) (r *run, b, i int) {
	b, i = l.search(rid)
	if b < 0 || l.blocks[b][i].hi < rid {
		return nil, b, i
	}
	return &l.blocks[b][i], b, i
}

// next returns the place after (b, i), b == -1 being before the first run;
// ok is false at the end.
func (l *runList) next(b, i int) (nb, ni int, ok bool) {
	switch {
	case b < 0:
		return 0, 0, len(l.blocks) > 0
	case i+1 < len(l.blocks[b]):
		return b, i + 1, true
	case b+1 < len(l.blocks):
		return b + 1, 0, true
	}
	return 0, 0, false
}

// insertAfter inserts r after the place (b, i) (b == -1: first).
func (l *runList) insertAfter(b, i int, r run) {
	if len(l.blocks) == 0 {
		l.blocks = [][]run{append(make([]run, 0, 2), r)}
		return
	}
	if b < 0 {
		b, i = 0, -1
	}
	blk := l.blocks[b]
	at := i + 1
	if len(blk) < runBlock {
		l.blocks[b] = insertRun(blk, at, r)
		return
	}
	if at == len(blk) && b == len(l.blocks)-1 { // a full last block: start the next one
		l.blocks = append(l.blocks, append(make([]run, 0, 2), r))
		return
	}
	half := len(blk) / 2
	tail := make([]run, len(blk)-half, runBlock)
	copy(tail, blk[half:])
	clear(blk[half:])
	l.blocks[b] = blk[:half]
	l.blocks = append(l.blocks, nil)
	copy(l.blocks[b+2:], l.blocks[b+1:])
	l.blocks[b+1] = tail
	if at <= half {
		l.blocks[b] = insertRun(l.blocks[b], at, r)
	} else {
		l.blocks[b+1] = insertRun(tail, at-half, r)
	}
}

func insertRun(blk []run, at int, r run) []run {
	blk = append(blk, run{})
	copy(blk[at+1:], blk[at:])
	blk[at] = r
	return blk
}

// remove deletes the run at (b, i).
func (l *runList) remove(b, i int) {
	blk := l.blocks[b]
	copy(blk[i:], blk[i+1:])
	blk[len(blk)-1] = run{}
	l.blocks[b] = blk[:len(blk)-1]
	if len(l.blocks[b]) == 0 {
		copy(l.blocks[b:], l.blocks[b+1:])
		l.blocks[len(l.blocks)-1] = nil
		l.blocks = l.blocks[:len(l.blocks)-1]
	}
}

// recordSet is the records seen of one server's channel.
type recordSet struct {
	gens  []runList
	extra map[recTime]struct{} // damaged records, and beyond maxGens generations: exact keys
}

type recTime struct {
	id   uint64
	time uint64
}

// add records the record (rid, t) and reports whether it is new; gen is
// the generation that holds it now (-1: in the exact keys). damaged says
// its chunk is damaged: it is then never put in a run (see above). prevGen
// >= 0 links it to the record prevRid < rid in that generation: the caller
// knows that no record of this server and channel lies between the two in
// their numbering (see cursor.link), so the run ending at prevRid may grow
// to rid and join the run that holds rid.
func (s *recordSet) add(rid, t uint64, damaged bool, prevGen int, prevRid uint64) (gen int, isNew bool) {
	linked := !damaged && prevGen >= 0 && prevGen < len(s.gens) && prevRid < rid
	for g := range s.gens {
		l := &s.gens[g]
		r, b, i := l.holding(rid)
		if r == nil || t < r.tmin || t > r.tmax {
			continue
		}
		if linked && g == prevGen && r.lo > prevRid {
			pr, pb, pi := l.holding(prevRid)
			if pr != nil && pr.hi == prevRid {
				if nb, ni, ok := l.next(pb, pi); ok && nb == b && ni == i {
					pr.hi = r.hi
					pr.tmin, pr.tmax = min(pr.tmin, r.tmin), max(pr.tmax, r.tmax)
					l.remove(b, i)
				}
			}
		}
		return g, false
	}
	k := recTime{rid, t}
	_, seen := s.extra[k]
	switch {
	case seen && damaged:
		return -1, false
	case seen: // a sound copy of a kept key: it may join the runs
		delete(s.extra, k)
	case damaged:
		s.keep(k)
		return -1, true
	}
	if linked {
		l := &s.gens[prevGen]
		if pr, pb, pi := l.holding(prevRid); pr != nil && pr.hi == prevRid {
			if nb, ni, ok := l.next(pb, pi); !ok || l.blocks[nb][ni].lo > rid {
				pr.hi = rid
				pr.widen(t)
				return prevGen, !seen
			}
		}
	}
	one := run{rid, rid, t, t}
	for g := range s.gens {
		l := &s.gens[g]
		if r, b, i := l.holding(rid); r == nil {
			l.insertAfter(b, i, one)
			return g, !seen
		}
	}
	if len(s.gens) < maxGens {
		s.gens = append(s.gens, runList{})
		s.gens[len(s.gens)-1].insertAfter(-1, -1, one)
		return len(s.gens) - 1, !seen
	}
	s.keep(k)
	return -1, !seen
}

// keep adds k to the exact keys.
func (s *recordSet) keep(k recTime) {
	if s.extra == nil {
		s.extra = map[recTime]struct{}{}
	}
	s.extra[k] = struct{}{}
}

// addAt adds the record at p with time t (see ticks), read from the file
// whose cursor for this server and channel is cur, linking it to the
// cursor's record when it follows it (cursor.link), and moves cur to it. It
// reports whether the record is new.
func (s *recordSet) addAt(cur *cursor, p position, t uint64) bool {
	prevGen := -1
	if cur.link(p) {
		prevGen = cur.gen
	}
	gen, isNew := s.add(p.rid, t, p.damaged, prevGen, cur.rid)
	if p.damaged {
		gen = -1 // no record links to a damaged one
	}
	*cur = cursor{rid: p.rid, gen: gen}
	return isNew
}

// cursor is where one file's last record of one server's channel went:
// its identity and its generation (-1: none, the exact keys, or a damaged
// record, to which no record links).
type cursor struct {
	rid uint64
	gen int
}

// position describes a record for cursor.link: its identity and whether its
// chunk is damaged.
type position struct {
	rid     uint64
	damaged bool
}

// link reports whether the record at p, read from the same file right
// after the cursor's record (no record of the same server and channel in
// between in reading order), is known to follow it in the same numbering
// with no record of that server and channel in between: its identity is
// exactly the next one, so nothing can lie in between, and a file's
// consecutive identities belong to one numbering (a clear empties a log;
// see Scan for the one forwarded case this assumes away). Any gap, even in
// a log Windows wrote, does not link: a filtered export keeps the
// original IDs, and the records in its gaps are not in it. Neither record
// may come from a damaged chunk.
func (c *cursor) link(p position) bool {
	return c.gen >= 0 && !p.damaged && c.rid != math.MaxUint64 && p.rid == c.rid+1
}

// ticks returns t as a FILETIME, 100 ns units since 1601-01-01 UTC, exact
// for every time a FILETIME can hold (up to the year 60056; damaged or
// crafted records hold times beyond 2^63 ticks, the year 30828). Earlier
// times (the zero time, which the reader gives for FILETIME 0) give 0,
// later ones the largest FILETIME.
func ticks(t time.Time) uint64 {
	const unixFrom1601 = 11644473600 // seconds from 1601-01-01 to 1970-01-01
	sec := t.Unix()
	if sec < -unixFrom1601 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(sec)+unixFrom1601, 1e7)
	lo, carry := bits.Add64(lo, uint64(t.Nanosecond()/100), 0)
	if hi != 0 || carry != 0 {
		return math.MaxUint64
	}
	return lo
}

// identity is the record ID that names a record across copies of its log:
// System/EventRecordID, or the header's record ID when the event lacks one.
func identity(eventRecordID, recordID uint64) uint64 {
	if eventRecordID != 0 {
		return eventRecordID
	}
	return recordID
}

type serverSeen struct {
	name string // as logged in the first file (by path) that has it
	file int    // that file's index
	// first and last bound the times of its records but those of damaged
	// chunks, whose times may be garbage; zero while it has none.
	first, last time.Time
	// auditFirst and auditLast bound those of its records in the Audit
	// channel (RecordChannel), likewise.
	auditFirst, auditLast time.Time
	sets                  map[uint32]*recordSet // by channel number
	events                int                   // unique records in sets
	audit                 int                   // unique audit findings, counted when streaming
}

// recordsSeen is the scan-wide set of records seen, per server and channel
// (see recordSet). Sharing it between the files read at once (instead of
// merging per-file sets at the end) keeps each record once, and tells a
// streaming scan at once whether a record is a duplicate.
type recordsSeen struct {
	mu       sync.Mutex
	servers  map[string]*serverSeen // by lower-cased computer
	channels map[string]uint32      // lower-cased channel -> number
}

// see records one decoded event of file number file (lc and lch being its
// lower-cased computer and channel, p its place in the file) and reports
// whether its record is new to the scan; audit counts it as a unique audit
// finding. cur is the file's cursor for that server and channel: see links
// the record to the cursor's and moves the cursor to it.
// The caller holds c.mu: seeBatch takes it once for a batch of events, not
// once per event.
func (c *recordsSeen) see(file int, ev *evtx.Event, lc, lch string, audit bool, cur *cursor, p position) bool {
	t := ev.TimeCreated
	s := c.servers[lc]
	if s == nil {
		s = &serverSeen{name: ev.Computer, file: file, sets: map[uint32]*recordSet{}}
		c.servers[lc] = s
	} else if file < s.file {
		s.name, s.file = ev.Computer, file
	}
	if !p.damaged {
		widenWindow(&s.first, &s.last, t)
		if lch == lowerAudit {
			widenWindow(&s.auditFirst, &s.auditLast, t)
		}
	}
	ch, ok := c.channels[lch]
	if !ok {
		ch = uint32(len(c.channels))
		c.channels[lch] = ch
	}
	set := s.sets[ch]
	if set == nil {
		set = &recordSet{}
		s.sets[ch] = set
	}
	if !set.addAt(cur, p, ticks(t)) {
		return false
	}
	s.events++
	if audit {
		s.audit++
	}
	return true
}

// seeBatch sees the events of one classified batch of file number file
// (see), under one lock, and records in each result whether its record is
// new to the scan. streamed counts new audit findings.
func (c *recordsSeen) seeBatch(file int, b *batch, curs *fileCursors, streamed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, ev := range b.evs {
		r := &b.res[i]
		cur, pos := curs.at(ev, r.lc, r.lch)
		r.isNew = c.see(file, ev, r.lc, r.lch, r.ok && streamed && isAudit(r.fnd.Kind), cur, pos)
	}
}

// fileCursors are one file's cursors, by lower-cased server and channel.
type fileCursors struct {
	m       map[[2]string]*cursor
	lastKey [2]string
	last    *cursor
}

// at returns the cursor of server lc's channel lch, and ev's position.
func (fc *fileCursors) at(ev *evtx.Event, lc, lch string) (*cursor, position) {
	p := position{rid: identity(ev.EventRecordID, ev.RecordID), damaged: ev.ChunkDamaged}
	k := [2]string{lc, lch}
	if fc.last != nil && fc.lastKey == k {
		return fc.last, p
	}
	c := fc.m[k]
	if c == nil {
		if fc.m == nil {
			fc.m = map[[2]string]*cursor{}
		}
		c = &cursor{gen: -1}
		fc.m[k] = c
	}
	fc.lastKey, fc.last = k, c
	return c, p
}
