package report

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/stretchr/testify/require"
)

// A client's only event ID shares the client's servers until a second
// event ID, or a server of the client alone, makes them differ.
func TestClientAggEventServers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		do      func(c *clientAgg)
		own     bool
		servers []uint32
		byEvent [][]uint32
	}{
		{"one event", func(c *clientAgg) { c.count(3021, 1, 1); c.count(3021, 1, 2, 1) }, false, []uint32{1, 2}, [][]uint32{{1, 2}}},
		{"a second event", func(c *clientAgg) { c.count(3021, 1, 1); c.count(3021, 1, 2); c.count(3024, 2, 3) }, true,
			[]uint32{1, 2, 3}, [][]uint32{{1, 2}, {3}}},
		{"a server of the client already seen", func(c *clientAgg) { c.count(3021, 1, 1); c.addServers(1) }, false, []uint32{1}, [][]uint32{{1}}},
		{"a server of the client alone", func(c *clientAgg) { c.count(3021, 1, 1); c.addServers(5, 1) }, true, []uint32{1, 5}, [][]uint32{{1}}},
		{"servers before any event", func(c *clientAgg) { c.addServers(4); c.count(3021, 1, 1) }, true, []uint32{1, 4}, [][]uint32{{1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c clientAgg
			tc.do(&c)
			require.Equal(t, tc.own, c.own)
			require.Equal(t, tc.servers, c.servers.sorted())
			require.Len(t, c.events, len(tc.byEvent))
			for i, want := range tc.byEvent {
				require.Equal(t, want, c.eventServers(i).sorted(), "event %d", c.events[i].id)
			}
		})
	}
}

// A clientTable gives one row per ID however many it holds, across its
// growth, and lists each row once.
func TestClientTable(t *testing.T) {
	for _, n := range []int{0, 1, 47, 48, 49, 10_000} {
		var tb clientTable
		rows := map[string]*clientAgg{}
		for i := range n {
			id := strconv.Itoa(i)
			if i == 0 {
				id = "" // an ID is any string
			}
			c := tb.get(id)
			require.Equal(t, id, c.id)
			rows[id] = c
		}
		require.Equal(t, n, tb.len())
		for id, c := range rows {
			require.Same(t, c, tb.get(id), "id %q, %d rows", id, n)
		}
		require.Equal(t, n, tb.len(), "looking up adds nothing")
		seen := 0
		for _, s := range tb.slots {
			if s.c != nil {
				require.Same(t, rows[s.c.id], s.c)
				seen++
			}
		}
		require.Equal(t, n, seen)
	}
}

// A client row holds its first and last evidence without pointers
// (evidence): it must give each back exactly, and order them as
// cmpEvidence orders what they stand for, ties on every field included.
func TestRowEvidenceIsExact(t *testing.T) {
	t0 := time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	var evs []Evidence
	for range 400 {
		at := t0.Add(time.Duration(rng.IntN(3)) * 100)
		switch rng.IntN(4) {
		case 0:
			at = at.In(time.FixedZone("x", 3600))
		case 1:
			at = time.Date(1601+rng.IntN(3)*20000, 1, 1, 0, 0, 0, rng.IntN(2)*100, time.UTC) // outside UnixNano's range
		}
		evs = append(evs, Evidence{Time: at, Server: pick("FS01", "fs01", "FS02", ""), EventID: uint16(3021 + rng.IntN(2)),
			RecordID: uint64(rng.IntN(2)), Source: evtx.Source{File: pick("a.evtx", "b.evtx", ""), Chunk: rng.IntN(2), Offset: int64(rng.IntN(2))}})
	}
	w := newRows()
	held := make([]evidence, len(evs))
	for i := range evs {
		held[i] = w.evidenceAt(&evs[i])
	}
	for i := range evs {
		require.Equal(t, evs[i], w.evidenceOf(&held[i]), "evidence %d comes back", i)
		for j := range evs {
			require.Equal(t, cmpEvidence(evs[i], evs[j]), w.cmpEvidence(&held[i], &held[j]), "order of %d and %d", i, j)
		}
	}
}

// idKey orders two strings as strings.Compare does whenever their keys
// differ, NUL bytes and prefixes included; fill sorts the rows by it, so
// clients whose IDs share their first 16 bytes come out in ID order too.
func TestIDKeyOrder(t *testing.T) {
	sign := func(c int) int { return max(-1, min(1, c)) }
	cmpKeys := func(x, y [2]uint64) int {
		return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1]))
	}
	strs := []string{"", "a", "a\x00", "a\x00b", "ab", "b", "10.10.0.1", "10.10.0.10", "10.9.0.1",
		"printer0000001.corp.example", "printer0000001.corp.exampla", "printer0000001.corp", "nas-0000000",
		"0123456789abcdef", "0123456789abcdef\x00", "0123456789abcdeg", "\xff", "\xff\xff\x00"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = "\x00ab\xff"[rng.IntN(4)]
		}
		strs = append(strs, string(b))
	}
	differ := 0
	for _, x := range strs {
		for _, y := range strs {
			kx, ky := idKey(x), idKey(y)
			if kx == ky {
				continue
			}
			differ++
			require.Equal(t, sign(strings.Compare(x, y)), cmpKeys(kx, ky), "%q %q", x, y)
		}
	}
	require.Greater(t, differ, len(strs)*len(strs)/2)

	w := newRows()
	ids := []string{"printer0000001.corp.example", "printer0000001.corp.exampla", "printer0000001.corp", "10.10.0.10",
		"10.10.0.1", "a\x00b", "a\x00", "a"}
	for i, id := range ids {
		rec := Record{Evidence: Evidence{Time: time.Unix(int64(i), 0).UTC(), Server: "FS1", EventID: 3021, RecordID: uint64(i + 1)},
			Kind: "signing-unsupported", ClientID: id}
		w.addRecord(&rec)
	}
	var r Report
	w.fill(&r, map[string]*coverage{"fs1": {name: "FS1"}}, 20, true)
	var got []string
	for _, c := range r.Clients {
		got = append(got, c.ID)
	}
	want := slices.Clone(ids)
	slices.Sort(want)
	require.Equal(t, want, got)
}

// A server's row is found by the number of its spelling (serverOf) and a
// day's counts by the last day counted: every spelling of one server, and
// days that come back after another, count where they belong.
func TestRowsServerAndDayCaches(t *testing.T) {
	w := newRows()
	day := func(d int) time.Time { return time.Date(2025, 10, d, 12, 0, 0, 0, time.UTC) }
	for i, f := range []struct {
		server string
		at     time.Time
		kind   string
		event  uint16
	}{
		{"FS1", day(1), "signing-unsupported", 3021}, {"fs1", day(2), "signing-unsupported", 3021},
		{"FS2", day(2), "spn-missing", 3024}, {"Fs1", day(1), "signing-unsupported", 3021},
		{"fs2", day(1), "unparsed", 3021}, {"FS2", day(2), "signing-unsupported", 3021},
	} {
		rec := Record{Evidence: Evidence{Time: f.at, Server: f.server, EventID: f.event, RecordID: uint64(i + 1)},
			Kind: f.kind, ClientID: "ws1"}
		w.addRecord(&rec)
	}
	var r Report
	w.fill(&r, map[string]*coverage{"fs1": {name: "FS1"}, "fs2": {name: "Fs2"}}, 20, true)
	require.Len(t, r.Servers, 2)
	require.Equal(t, 3, r.Servers[0].Findings)
	require.Equal(t, map[uint16]int{3021: 3}, r.Servers[0].Events)
	require.Equal(t, 3, r.Servers[1].Findings, "the unparsed finding counts on its server too")
	require.Equal(t, map[uint16]int{3021: 1, 3024: 1}, r.Servers[1].Events)
	require.Equal(t, []Day{{Date: "2025-10-01", Events: map[uint16]int{3021: 2}},
		{Date: "2025-10-02", Events: map[uint16]int{3021: 2, 3024: 1}}}, r.Days)
	require.Equal(t, 1, r.Unparsed)
	require.Len(t, r.Clients, 1)
	require.Equal(t, []string{"FS1", "Fs2"}, r.Clients[0].Servers)
	// Evidence shows its server as the coverage names it, whatever the
	// spelling logged.
	require.Equal(t, "FS1", r.Clients[0].First.Server)
	require.Equal(t, uint64(1), r.Clients[0].First.RecordID)
	require.Equal(t, "Fs2", r.Clients[0].Last.Server)
	require.Equal(t, uint64(6), r.Clients[0].Last.RecordID)
}

// quickHash tells apart names that differ only in their middle, which
// the strings a report numbers often do: otherwise they would all share
// one entry of strTable's cache.
func TestQuickHashMiddle(t *testing.T) {
	seen := map[uint64]bool{}
	for i := range 1000 {
		seen[quickHash(fmt.Sprintf("printer%07d.corp.example", i))>>(64-maxCacheBits)] = true
	}
	require.Greater(t, len(seen), 900)
	var st strTable
	for i := range 3000 {
		s := fmt.Sprintf(`\\ws%05d.corp.example.com`, i%1500)
		id := st.id(s)
		require.Equal(t, s, st.strs[id])
		require.Equal(t, uint32(i%1500+1), id)
	}
}

// The coverage of a server is one whatever its spelling, also once the
// cache of spellings (agg.bySpelling) has started again past maxCached.
func TestCoverageBySpelling(t *testing.T) {
	a := newAgg(Options{})
	fs1 := a.addCoverage("FS1", time.Time{}, time.Time{}, 1)
	for i := range maxCached + 10 {
		a.addCoverage(fmt.Sprintf("srv%05d", i), time.Time{}, time.Time{}, 1)
	}
	require.Less(t, len(a.bySpelling), maxCached)
	require.Same(t, fs1, a.addCoverage("fs1", time.Time{}, time.Time{}, 2))
	require.Same(t, fs1, a.addCoverage("FS1", time.Time{}, time.Time{}, 4))
	require.Equal(t, 7, fs1.records)
	require.Equal(t, "FS1", fs1.name)
	require.Len(t, a.servers, maxCached+11)
}
