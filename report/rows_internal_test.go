package report

import (
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
