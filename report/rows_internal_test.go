package report

import (
	"strconv"
	"testing"

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
