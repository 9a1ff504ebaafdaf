package report

import (
	"math/rand/v2"
	"strconv"
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
