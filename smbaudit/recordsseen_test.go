package smbaudit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rec is one record as a file presents it to the coverage. Its time is an
// offset from tickBase, so that tests may go back in time from 0.
type rec struct {
	rid     uint64
	t       int64
	damaged bool // its chunk is damaged
}

const tickBase = 1 << 40

// seq returns records lo..hi (or hi..lo when lo > hi) at time base+rid.
func seq(lo, hi uint64, base int64) []rec {
	var out []rec
	step := 1
	if lo > hi {
		step = -1
	}
	for r := int64(lo); ; r += int64(step) {
		out = append(out, rec{rid: uint64(r), t: base + r})
		if uint64(r) == hi {
			return out
		}
	}
}

// reader feeds one file's records to a set the way Scan does.
type reader struct{ cur cursor }

func newReader() *reader { return &reader{cur: cursor{gen: -1}} }

func (r *reader) read(s *recordSet, x rec) bool {
	return s.addAt(&r.cur, position{rid: x.rid, damaged: x.damaged}, uint64(tickBase+x.t))
}

// checkRuns checks that every generation's runs are sorted, disjoint and
// well formed, and its blocks within bounds.
func checkRuns(t *testing.T, s *recordSet) {
	t.Helper()
	for g := range s.gens {
		var prev *run
		for _, blk := range s.gens[g].blocks {
			require.NotEmpty(t, blk, "gen %d: empty block", g)
			require.LessOrEqual(t, len(blk), runBlock)
			for i := range blk {
				r := &blk[i]
				require.LessOrEqual(t, r.lo, r.hi, "gen %d", g)
				require.LessOrEqual(t, r.tmin, r.tmax, "gen %d", g)
				if prev != nil {
					require.Less(t, prev.hi, r.lo, "gen %d: runs sorted and disjoint", g)
				}
				prev = r
			}
		}
	}
}

func TestRecordSet(t *testing.T) {
	type step struct {
		file int // which reader
		recs []rec
		new  int // how many of recs must be new
	}
	old := seq(1, 300, 0)       // a log before it was cleared
	cleared := seq(1, 300, 1e6) // the same IDs after the clear, later
	// recs builds records from (identity, time) pairs.
	recs := func(pairs ...int64) []rec {
		var out []rec
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, rec{rid: uint64(pairs[i]), t: pairs[i+1]})
		}
		return out
	}
	// garbage is seq(lo, hi, base) with record bad from a damaged chunk
	// at time at.
	garbage := func(lo, hi uint64, base int64, bad uint64, at int64) []rec {
		r := seq(lo, hi, base)
		r[bad-lo] = rec{rid: bad, t: at, damaged: true}
		return r
	}
	damaged := func(r []rec) []rec {
		for i := range r {
			r[i].damaged = true
		}
		return r
	}
	tests := []struct {
		name  string
		files int
		steps []step
		runs  int // runs (and exact keys) at the end
	}{
		{"in order: one run", 1, []step{{0, seq(1, 1000, 0), 1000}}, 1},
		{"again: all copies", 2,
			[]step{{0, seq(1, 1000, 0), 1000}, {1, seq(1, 1000, 0), 0}}, 1},
		{"reverse order: a run each (no link evidence)", 1, []step{{0, seq(50, 1, 0), 50}}, 50},
		{"reverse order, then read in order: copies, and the runs join", 2,
			[]step{{0, seq(50, 1, 0), 50}, {1, seq(1, 50, 0), 0}}, 1},
		{"a gap filled by another file joins the runs", 2,
			[]step{{0, append(seq(1, 10, 0), seq(21, 30, 0)...), 20}, {1, seq(9, 22, 0), 10}}, 1},
		{"overlapping exports", 2,
			[]step{{0, seq(1, 600, 0), 600}, {1, seq(400, 1000, 0), 400}}, 1},
		{"later export read first", 2,
			[]step{{1, seq(400, 1000, 0), 601}, {0, seq(1, 600, 0), 399}}, 1},
		{"cleared log: same IDs, later times, kept apart", 3,
			[]step{{0, old, 300}, {1, cleared, 300}, {2, append(slices.Clone(old), cleared...), 0}}, 2},
		{"cleared log read first", 2,
			[]step{{1, cleared, 300}, {0, old, 300}}, 2},
		// A "save and clear" export (1..300), a later export of the new log
		// after it wrapped (301..500), an earlier one of the new log
		// (1..300): joining 300 and 301 would let the second export's
		// run swallow the third's records.
		{"no run spans a clear", 3,
			[]step{{0, old, 300}, {1, seq(301, 500, 1e6), 200}, {2, cleared, 300}}, 3},
		{"same ID, time inside the run: a copy", 2,
			[]step{{0, seq(1, 10, 0), 10}, {1, recs(5, 7), 0}}, 1},
		{"same ID, time outside the run: another record", 2,
			[]step{{0, seq(1, 10, 0), 10}, {1, recs(5, 11, 5, -1, 5, 11), 2}}, 3},
		{"one ID reused more than the generations hold: exact keys", 1,
			[]step{{0, recs(7, 1, 7, 2, 7, 3, 7, 4, 7, 5, 7, 6, 7, 5, 7, 1), 6}}, 6},
		// A filtered export (wevtutil epl /q) keeps the original IDs with
		// gaps; the full log read after it holds the records in the gaps.
		{"filtered export, then the full log: the gaps are new", 2,
			[]step{{0, recs(10, 10, 20, 20), 2}, {1, seq(10, 20, 0), 9}}, 1},
		{"the full log, then a filtered export: copies", 2,
			[]step{{0, seq(10, 20, 0), 11}, {1, recs(10, 10, 20, 20), 0}}, 1},
		{"identities with gaps do not link", 2,
			[]step{{0, recs(1, 1, 4, 4, 9, 9, 20, 20), 4}, {1, recs(4, 4, 9, 9), 0}, {1, recs(5, 5, 10, 10), 2}}, 6},
		{"forwarded identities with gaps do not link", 2,
			[]step{{0, recs(1, 1, 4, 4, 9, 9), 3}, {1, recs(2, 2, 3, 3), 2}}, 4},
		{"identity 0 and the largest", 1,
			[]step{{0, recs(-1, 1, 0, 2, -2, 0, 0, 2), 3}}, 3},
		{"the largest identity does not link to 0", 2,
			[]step{{0, recs(-1, 1, 0, 50), 2}, {1, recs(0, 2), 1}}, 3},
		// A damaged chunk's garbage time must not widen the run: the
		// cleared log's records (same IDs, later) are new.
		{"a damaged record's time does not widen a run", 2,
			[]step{{0, garbage(1, 10, 1000, 5, 1<<60), 10}, {1, seq(1, 10, 50000), 10}}, 4},
		{"a damaged record at a time before the run does not widen it", 2,
			[]step{{0, garbage(1, 10, 1000, 5, -1<<40), 10}, {1, seq(1, 10, -5000), 10}}, 4},
		{"no link after a damaged record", 1,
			[]step{{0, garbage(1, 3, 0, 2, 2), 3}}, 3},
		{"a damaged record read again is a copy", 2,
			[]step{{0, damaged(recs(5, 5)), 1}, {1, damaged(recs(5, 5)), 0}}, 1},
		{"a sound copy of a damaged record is a copy, and joins the run", 2,
			[]step{{0, damaged(recs(5, 5)), 1}, {1, seq(1, 10, 0), 9}}, 1},
		{"a damaged copy of a run's record is a copy", 2,
			[]step{{0, seq(1, 10, 0), 10}, {1, damaged(seq(1, 12, 0)), 2}}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &recordSet{}
			var rs []*reader
			for range tt.files {
				rs = append(rs, newReader())
			}
			for i, st := range tt.steps {
				n := 0
				for _, x := range st.recs {
					if rs[st.file].read(s, x) {
						n++
					}
				}
				assert.Equal(t, st.new, n, "step %d: new records", i)
			}
			checkRuns(t, s)
			assert.Equal(t, tt.runs, s.runs())
		})
	}
}

// TestRecordSetLostRecordCutsLinks: a record read after one the file lost
// (unreadable) does not link across it, and another copy fills the gap.
func TestRecordSetLostRecordCutsLinks(t *testing.T) {
	s := &recordSet{}
	a := newReader()
	for _, x := range seq(1, 10, 0) {
		require.True(t, a.read(s, x))
	}
	// record 11 was unreadable
	for _, x := range seq(12, 20, 0) {
		require.True(t, a.read(s, x))
	}
	b := newReader()
	n := 0
	for _, x := range seq(1, 20, 0) {
		if b.read(s, x) {
			n++
		}
	}
	assert.Equal(t, 1, n, "the clean copy's record 11 is new")
	assert.Equal(t, 1, s.runs(), "and closes the gap")
	checkRuns(t, s)
}

// TestRecordSetMatchesReference reads random files (runs of one log, in
// order or shuffled, whole or with records left out, some from damaged
// chunks) in random interleaving and compares every answer with an exact
// set of keys. The set's records are a random part of the identities (the
// others are other servers'), and no two distinct records share an
// identity (the one case where the run rule relies on times).
func TestRecordSetMatchesReference(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			universe := uint64(50 + rng.IntN(3000))
			member := make([]bool, universe+1)
			dense := 1 + rng.IntN(4)
			for i := range member {
				member[i] = rng.IntN(dense) == 0
			}
			at := func(rid uint64) rec { // times mostly grow, sometimes step back
				return rec{rid: rid, t: int64(rid)*10 - int64(rid%7)*13}
			}
			type file struct {
				r    *reader
				recs []rec
			}
			var files []*file
			for range 1 + rng.IntN(6) {
				lo := uint64(rng.IntN(int(universe)))
				hi := min(universe, lo+uint64(rng.IntN(int(universe))))
				var recs []rec
				for rid := lo; rid <= hi; rid++ {
					if member[rid] {
						recs = append(recs, at(rid))
					}
				}
				if rng.IntN(2) == 0 { // filtered or forwarded: any subset in any order
					recs = slices.DeleteFunc(recs, func(rec) bool { return rng.IntN(4) == 0 })
					if rng.IntN(2) == 0 {
						rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
					}
				}
				if rng.IntN(3) == 0 { // a damaged stretch (its times sound)
					a := rng.IntN(len(recs) + 1)
					b := a + rng.IntN(len(recs)-a+1)
					for i := a; i < b; i++ {
						recs[i].damaged = true
					}
				}
				files = append(files, &file{newReader(), recs})
			}
			s := &recordSet{}
			ref := map[uint64]bool{}
			for len(files) > 0 {
				i := rng.IntN(len(files))
				f := files[i]
				k := min(len(f.recs), 1+rng.IntN(40))
				for _, x := range f.recs[:k] {
					want := !ref[x.rid]
					ref[x.rid] = true
					require.Equal(t, want, f.r.read(s, x), "record %d", x.rid)
				}
				f.recs = f.recs[k:]
				if len(f.recs) == 0 {
					files = slices.Delete(files, i, i+1)
				}
			}
			checkRuns(t, s)
			assert.LessOrEqual(t, s.runs(), len(ref))
		})
	}
}

// setBytes is the heap a set holds, its map's entries counted at their
// key size.
func setBytes(s *recordSet) int {
	n := cap(s.gens) * 24
	for g := range s.gens {
		n += cap(s.gens[g].blocks) * 24
		for _, blk := range s.gens[g].blocks {
			n += cap(blk) * 32
		}
	}
	return n + len(s.extra)*16
}

// TestTicks: ticks is the FILETIME, exact and ordered for every FILETIME,
// the largest included (damaged or crafted records hold them).
func TestTicks(t *testing.T) {
	fromFileTime := func(ft uint64) time.Time { // as the evtx reader converts it
		return time.Unix(int64(ft/1e7)-11644473600, int64(ft%1e7)*100).UTC()
	}
	fts := []uint64{0, 1, 9_999_999, 116444736000000000, 134037792001234567,
		1<<63 - 1, 1 << 63, 1<<63 + 1, 1<<63 + 123_456_789, math.MaxUint64 - 1e7, math.MaxUint64 - 1, math.MaxUint64}
	for i, ft := range fts {
		tm := fromFileTime(ft)
		assert.Equal(t, ft, ticks(tm), "%v", tm)
		if i > 0 {
			assert.Less(t, ticks(fromFileTime(fts[i-1])), ticks(tm), "%v", tm)
		}
	}
	for _, tc := range []struct {
		name string
		tm   time.Time
		want uint64
	}{
		{"1601", time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{"100 ns exact", time.Date(2025, 10, 3, 4, 5, 6, 789_123_400, time.UTC), 134_039_379_067_891_234},
		{"the largest signed FILETIME", time.Date(30828, 9, 14, 2, 48, 5, 477_580_700, time.UTC), math.MaxInt64},
		{"one tick later", time.Date(30828, 9, 14, 2, 48, 5, 477_580_800, time.UTC), 1 << 63},
		{"the largest FILETIME", time.Date(60056, 5, 28, 5, 36, 10, 955_161_500, time.UTC), math.MaxUint64},
		{"zero time (missing): the smallest", time.Time{}, 0},
		{"before 1601: the smallest", time.Date(1600, 12, 31, 23, 59, 59, 0, time.UTC), 0},
		{"beyond a FILETIME: the largest", time.Date(60056, 5, 28, 5, 36, 10, 955_161_600, time.UTC), math.MaxUint64},
		{"far beyond: the largest", time.Date(1_000_000, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxUint64},
	} {
		assert.Equal(t, tc.want, ticks(tc.tm), tc.name)
	}
}

// BenchmarkRecordSet adds records to one set: in order (one log read
// once, then a second overlapping copy), and in random order (hostile: no
// two records link, each costs a run of one), at two sizes to show the
// cost per record does not grow with the set. bytes/record is the heap the
// set holds at the end, per unique record.
//
//	go test ./smbaudit -run '^$' -bench RecordSet -benchtime 3x
func BenchmarkRecordSet(b *testing.B) {
	random := func(n int) func() []rec {
		return func() []rec {
			r := seq(1, uint64(n), 0)
			rand.New(rand.NewPCG(1, 2)).Shuffle(len(r), func(i, j int) { r[i], r[j] = r[j], r[i] })
			return r
		}
	}
	for _, tc := range []struct {
		name string
		n    int // unique records
		recs func() []rec
	}{
		{"in-order-1M", 1 << 20, func() []rec { return append(seq(1, 1<<20, 0), seq(1<<19, 1<<20, 0)...) }},
		{"random-order-256k", 1 << 18, random(1 << 18)},
		{"random-order-1M", 1 << 20, random(1 << 20)},
	} {
		recs, n := tc.recs(), tc.n
		b.Run(tc.name, func(b *testing.B) {
			var s *recordSet
			for b.Loop() {
				s = &recordSet{}
				rd := newReader()
				for _, x := range recs {
					rd.read(s, x)
				}
			}
			b.ReportMetric(float64(setBytes(s))/float64(n), "bytes/record")
			b.ReportMetric(float64(s.runs()), "runs")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/add")
		})
	}
}

// FuzzRecordSet reads hostile sequences of records (small IDs, so that
// they collide; any times, chunks, orders, damage and errors) from up to
// four files into one set. It must never panic, its runs stay sorted,
// disjoint and well formed, and a record once read is a copy when read
// again, from any file.
func FuzzRecordSet(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 10, 0, 0, 0, 2, 0, 11, 0, 1, 0, 1, 0, 10, 0, 0, 0})
	f.Add([]byte{3, 0, 9, 0, 1, 7, 1, 1, 0, 200, 0, 0, 2, 0, 9, 1, 1, 0, 9, 0, 2, 0, 0, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		s := &recordSet{}
		readers := [4]*reader{}
		var seen []rec
		for len(ops) >= 6 {
			op := ops[:6]
			ops = ops[6:]
			fi := op[0] & 3
			if readers[fi] == nil {
				readers[fi] = newReader()
			}
			r := readers[fi]
			x := rec{rid: uint64(op[1]) | uint64(op[2])<<8, t: int64(int8(op[3]))*1e6 + int64(op[4])*int64(op[5]), damaged: op[0]&32 != 0}
			if op[0]&16 != 0 {
				x.rid = ^uint64(0) - x.rid // near the top of the ID space
			}
			r.read(s, x)
			x.damaged = false
			seen = append(seen, x)
		}
		checkRuns(t, s)
		for _, x := range seen {
			require.False(t, newReader().read(s, x), "record %d at %d read again is new", x.rid, x.t)
		}
		checkRuns(t, s)
	})
}

// runs returns the number of runs.
func (l *runList) runs() int {
	n := 0
	for _, b := range l.blocks {
		n += len(b)
	}
	return n
}

// runs returns the number of runs and exact keys held.
func (s *recordSet) runs() int {
	n := len(s.extra)
	for g := range s.gens {
		n += s.gens[g].runs()
	}
	return n
}
