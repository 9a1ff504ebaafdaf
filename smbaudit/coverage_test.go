package smbaudit

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rec is one record as a file presents it to the coverage.
type rec struct {
	rid   uint64
	t     int64
	chunk int
}

// seq returns records lo..hi (or hi..lo when lo > hi) at time base+rid,
// 100 records a chunk.
func seq(lo, hi uint64, base int64) []rec {
	var out []rec
	step := 1
	if lo > hi {
		step = -1
	}
	for r := int64(lo); ; r += int64(step) {
		out = append(out, rec{uint64(r), base + r, int(r / 100)})
		if uint64(r) == hi {
			return out
		}
	}
}

// reader feeds one file's records to a set the way Scan does.
type reader struct {
	cur  cursor
	own  bool
	errs uint32
}

func newReader(own bool) *reader { return &reader{cur: cursor{gen: -1}, own: own} }

func (r *reader) read(s *recordSet, x rec) bool {
	return s.addAt(&r.cur, position{rid: x.rid, own: r.own, chunk: x.chunk, errs: r.errs}, x.t)
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
	tests := []struct {
		name  string
		own   []bool // per reader: identities are the file's own numbering
		steps []step
		runs  int // runs (and exact keys) at the end
	}{
		{"in order: one run", []bool{false}, []step{{0, seq(1, 1000, 0), 1000}}, 1},
		{"again: all copies", []bool{false, false},
			[]step{{0, seq(1, 1000, 0), 1000}, {1, seq(1, 1000, 0), 0}}, 1},
		{"reverse order: a run each (no link evidence)", []bool{false}, []step{{0, seq(50, 1, 0), 50}}, 50},
		{"reverse order, then read in order: copies, and the runs join", []bool{false, false},
			[]step{{0, seq(50, 1, 0), 50}, {1, seq(1, 50, 0), 0}}, 1},
		{"a gap filled by another file joins the runs", []bool{false, false},
			[]step{{0, append(seq(1, 10, 0), seq(21, 30, 0)...), 20}, {1, seq(9, 22, 0), 10}}, 1},
		{"overlapping exports", []bool{true, true},
			[]step{{0, seq(1, 600, 0), 600}, {1, seq(400, 1000, 0), 400}}, 1},
		{"later export read first", []bool{true, true},
			[]step{{1, seq(400, 1000, 0), 601}, {0, seq(1, 600, 0), 399}}, 1},
		{"cleared log: same IDs, later times, kept apart", []bool{true, true, true},
			[]step{{0, old, 300}, {1, cleared, 300}, {2, append(slices.Clone(old), cleared...), 0}}, 2},
		{"cleared log read first", []bool{true, true},
			[]step{{1, cleared, 300}, {0, old, 300}}, 2},
		// A "save and clear" export (1..300), a later export of the new log
		// after it wrapped (301..500), an earlier one of the new log
		// (1..300): joining 300 and 301 would let the second export's
		// run swallow the third's records.
		{"no run spans a clear", []bool{true, true, true},
			[]step{{0, old, 300}, {1, seq(301, 500, 1e6), 200}, {2, cleared, 300}}, 3},
		{"same ID, time inside the run: a copy", []bool{false, false},
			[]step{{0, seq(1, 10, 0), 10}, {1, []rec{{5, 7, 0}}, 0}}, 1},
		{"same ID, time outside the run: another record", []bool{false, false},
			[]step{{0, seq(1, 10, 0), 10}, {1, []rec{{5, 11, 0}, {5, -1, 0}, {5, 11, 0}}, 2}}, 3},
		{"one ID reused more than the generations hold: exact keys", []bool{false},
			[]step{{0, []rec{{7, 1, 0}, {7, 2, 0}, {7, 3, 0}, {7, 4, 0}, {7, 5, 0}, {7, 6, 0}, {7, 5, 0}, {7, 1, 0}}, 6}}, 6},
		{"own numbering with gaps (other servers' records between) links", []bool{true, true},
			[]step{{0, []rec{{1, 1, 0}, {4, 4, 0}, {9, 9, 0}, {20, 20, 0}}, 4}, {1, []rec{{4, 4, 0}, {9, 9, 0}}, 0}}, 1},
		{"forwarded identities with gaps do not link", []bool{false, false},
			[]step{{0, []rec{{1, 1, 0}, {4, 4, 0}, {9, 9, 0}}, 3}, {1, []rec{{2, 2, 0}, {3, 3, 0}}, 2}}, 4},
		{"own numbering across a chunk gap does not link", []bool{true, true},
			[]step{{0, []rec{{1, 1, 0}, {50, 50, 2}}, 2}, {1, []rec{{20, 20, 1}}, 1}}, 3},
		{"identity 0 and the largest", []bool{false},
			[]step{{0, []rec{{^uint64(0), 1, 0}, {0, 2, 0}, {^uint64(0) - 1, 0, 0}, {0, 2, 0}}, 3}}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &recordSet{}
			var rs []*reader
			for _, own := range tt.own {
				rs = append(rs, newReader(own))
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

// TestRecordSetErrorCutsLinks: a record read after an error does not link
// across the records the error may have lost, which another copy holds.
func TestRecordSetErrorCutsLinks(t *testing.T) {
	s := &recordSet{}
	a := newReader(true)
	for _, x := range seq(1, 10, 0) {
		require.True(t, a.read(s, x))
	}
	a.errs++ // record 11 was unreadable
	for _, x := range seq(12, 20, 0) {
		require.True(t, a.read(s, x))
	}
	b := newReader(true)
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
// order or shuffled, whole or with records left out) in random interleaving
// and compares every answer with an exact set of keys. The set's records
// are a random part of the identities (the others are other servers'), no
// two distinct records share an identity (the one case where the run rule
// relies on times), and a file marked as its own numbering holds every
// record of the set between its first and last, in order, as a log Windows
// wrote does.
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
				return rec{rid, int64(rid)*10 - int64(rid%7)*13, int(rid / 64)}
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
				own := rng.IntN(2) == 0
				if !own { // forwarded: any subset in any order
					recs = slices.DeleteFunc(recs, func(rec) bool { return rng.IntN(4) == 0 })
					if rng.IntN(2) == 0 {
						rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
					}
				}
				files = append(files, &file{newReader(own), recs})
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

func TestTicks(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 10, 3, 4, 5, 6, 789_123_400, time.UTC),
		time.Date(30828, 9, 14, 2, 48, 5, 477_580_700, time.UTC), // the largest FILETIME
	} {
		back := time.Unix(ticks(tm)/1e7, ticks(tm)%1e7*100).UTC()
		if ticks(tm) < 0 && ticks(tm)%1e7 != 0 {
			back = time.Unix(ticks(tm)/1e7-1, (ticks(tm)%1e7+1e7)*100).UTC()
		}
		assert.True(t, tm.Equal(back), "%v -> %d -> %v", tm, ticks(tm), back)
	}
	assert.Less(t, ticks(time.Date(2025, 1, 1, 0, 0, 0, 100, time.UTC)), ticks(time.Date(2025, 1, 1, 0, 0, 0, 200, time.UTC)))
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
		own  bool
	}{
		{"in-order-1M", 1 << 20, func() []rec { return append(seq(1, 1<<20, 0), seq(1<<19, 1<<20, 0)...) }, true},
		{"random-order-256k", 1 << 18, random(1 << 18), false},
		{"random-order-1M", 1 << 20, random(1 << 20), false},
	} {
		recs, n := tc.recs(), tc.n
		b.Run(tc.name, func(b *testing.B) {
			var s *recordSet
			for b.Loop() {
				s = &recordSet{}
				rd := newReader(tc.own)
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
				readers[fi] = newReader(op[0]&4 != 0)
			}
			r := readers[fi]
			if op[0]&8 != 0 {
				r.errs++
			}
			x := rec{rid: uint64(op[1]) | uint64(op[2])<<8, t: int64(int8(op[3]))*1e6 + int64(op[4]), chunk: int(op[5] & 7)}
			if op[0]&16 != 0 {
				x.rid = ^uint64(0) - x.rid // near the top of the ID space
			}
			s.addAt(&r.cur, position{rid: x.rid, own: r.own, chunk: x.chunk, damaged: op[0]&32 != 0, errs: r.errs}, x.t)
			seen = append(seen, x)
		}
		checkRuns(t, s)
		for _, x := range seen {
			require.False(t, newReader(false).read(s, x), "record %d at %d read again is new", x.rid, x.t)
		}
		checkRuns(t, s)
	})
}
