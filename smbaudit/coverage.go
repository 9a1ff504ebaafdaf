package smbaudit

import "time"

// The scan's coverage remembers every record it has counted, per server and
// channel, to count each record once and to tell a streaming scan whether a
// record is a copy of one already passed on. It keeps runs of record
// identities instead of one key per record, so that its memory grows with
// the number of runs (a few per file for the logs Windows writes) and not
// with the number of records.
//
// A run [lo, hi] with times [tmin, tmax] says: every record of this server
// and channel, in one numbering of its log (between two clears), whose
// identity lies in lo..hi has been seen, and their TimeCreated lie in
// tmin..tmax. A record is a copy of a seen one when a run holds its
// identity and its time lies within that run's times.
//
// A run only grows by a record known to follow its last one with nothing
// of the same server and channel in between, in the same numbering (see
// cursor.link): that knowledge comes from one file, read in order, never
// from identities alone. Record IDs restart at 1 after a log is cleared,
// so identities alone cannot tell whether record k+1 continues records
// 1..k or follows a clear; joining on adjacency alone would let a run span
// a clear and then swallow the new log's records 1..k as copies. Times
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

// maxGens bounds the generations of a recordSet, so that a lookup costs at
// most maxGens binary searches.
const maxGens = 4

// runBlock is the most runs a block of a runList holds: inserting in the
// middle moves at most one block, and the block index moves only on a
// split, once per runBlock/2 such inserts.
const runBlock = 256

// run is the identities lo..hi of one numbering, all seen, and the range of
// their times in 100 ns ticks.
type run struct {
	lo, hi     uint64
	tmin, tmax int64
}

func (r *run) widen(t int64) {
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

// runs returns the number of runs.
func (l *runList) runs() int {
	n := 0
	for _, b := range l.blocks {
		n += len(b)
	}
	return n
}

// recordSet is the records seen of one server's channel.
type recordSet struct {
	gens  []runList
	extra map[recTime]struct{} // beyond maxGens generations: exact keys
}

type recTime struct {
	id   uint64
	time int64
}

// add records the record (rid, t) and reports whether it is new; gen is
// the generation that holds it now (-1: in the exact keys). prevGen >= 0
// links it to the record prevRid < rid in that generation: the caller knows
// that no record of this server and channel lies between the two in their
// numbering (see cursor.link), so the run ending at prevRid may grow to rid
// and join the run that holds rid.
func (s *recordSet) add(rid uint64, t int64, prevGen int, prevRid uint64) (gen int, isNew bool) {
	linked := prevGen >= 0 && prevGen < len(s.gens) && prevRid < rid
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
	if _, ok := s.extra[k]; ok {
		return -1, false
	}
	if linked {
		l := &s.gens[prevGen]
		if pr, pb, pi := l.holding(prevRid); pr != nil && pr.hi == prevRid {
			if nb, ni, ok := l.next(pb, pi); !ok || l.blocks[nb][ni].lo > rid {
				pr.hi = rid
				pr.widen(t)
				return prevGen, true
			}
		}
	}
	one := run{rid, rid, t, t}
	for g := range s.gens {
		l := &s.gens[g]
		if r, b, i := l.holding(rid); r == nil {
			l.insertAfter(b, i, one)
			return g, true
		}
	}
	if len(s.gens) < maxGens {
		s.gens = append(s.gens, runList{})
		s.gens[len(s.gens)-1].insertAfter(-1, -1, one)
		return len(s.gens) - 1, true
	}
	if s.extra == nil {
		s.extra = map[recTime]struct{}{}
	}
	s.extra[k] = struct{}{}
	return -1, true
}

// addAt adds the record at p with time t (in ticks), read from the file
// whose cursor for this server and channel is cur, linking it to the
// cursor's record when it follows it (cursor.link), and moves cur to it. It
// reports whether the record is new.
func (s *recordSet) addAt(cur *cursor, p position, t int64) bool {
	prevGen := -1
	if cur.link(p) {
		prevGen = cur.gen
	}
	gen, isNew := s.add(p.rid, t, prevGen, cur.rid)
	*cur = cursor{rid: p.rid, chunk: p.chunk, errs: p.errs, gen: gen, own: p.own, damaged: p.damaged}
	return isNew
}

// runs returns the number of runs and exact keys held.
func (s *recordSet) runs() int {
	n := len(s.extra)
	for g := range s.gens {
		n += s.gens[g].runs()
	}
	return n
}

// cursor is where one file's last record of one server's channel went,
// with what is needed to know whether the file's next record of that
// server's channel follows it with nothing in between (link).
type cursor struct {
	rid     uint64
	chunk   int
	errs    uint32 // the file's error count when it was read
	gen     int    // its generation; -1: none (exact keys, or no record yet)
	own     bool   // its identity is the file's own numbering
	damaged bool   // its chunk failed a checksum
}

// position describes a record for cursor.link: its identity, whether that
// identity is the numbering of the file it is read from (EventRecordID
// equals the header's record ID, or is absent, and no record of the file
// read so far was forwarded), its chunk, whether the chunk is damaged, and
// how many errors the file had given when it was read.
type position struct {
	rid     uint64
	own     bool
	chunk   int
	damaged bool
	errs    uint32
}

// link reports whether the record at p, read from the same file right
// after the cursor's record (no record of the same server and channel in
// between in reading order), is known to follow it in the same numbering
// with no record of that server and channel in between. Either
//
//   - its identity is the next one: nothing can lie in between, and a
//     file's consecutive identities belong to one numbering (a clear
//     empties a log; see Scan for the one forwarded case this assumes
//     away); or
//   - both identities are the file's own numbering (a log Windows wrote:
//     it holds every record of its numbering from its oldest to its
//     newest, in order), the identity grows, the two records are in the
//     same or adjacent chunks, neither chunk is damaged and no error came
//     in between, so no record of the log was lost between them.
func (c *cursor) link(p position) bool {
	if c.gen < 0 || p.rid <= c.rid {
		return false
	}
	if p.rid-1 == c.rid {
		return true
	}
	return p.own && c.own && !p.damaged && !c.damaged && p.errs == c.errs &&
		(p.chunk == c.chunk || p.chunk == c.chunk+1)
}

// ticks returns t in 100 ns units since 1970, exact for every time a
// FILETIME can hold (UnixNano overflows beyond the year 2262).
func ticks(t time.Time) int64 {
	return t.Unix()*1e7 + int64(t.Nanosecond()/100)
}
