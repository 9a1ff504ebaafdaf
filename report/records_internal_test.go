package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/stretchr/testify/require"
)

// A recordTable keeps one copy of each record (same server and channel,
// case ignored, record ID, event ID and time), the better one, and the
// others in the order they came, across its growth.
func TestRecordTable(t *testing.T) {
	t0 := time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC)
	rec := func(server, channel string, eventRecordID, recordID uint64, event uint16, at time.Time, file string) Record {
		return Record{Evidence: Evidence{Time: at, Server: server, EventID: event, RecordID: recordID, Source: evtx.Source{File: file}},
			EventRecordID: eventRecordID, Channel: channel, ClientID: "ws01"}
	}
	base := rec("FS01", "SMBServer/Audit", 7, 1, 3021, t0, "b.evtx")
	// add adds r as agg.addRecord does, its server numbered as coverage.id
	// numbers it: by lower-cased name.
	add := func(tb *recordTable, lower *lowerCache, ids map[string]uint32, r *Record) {
		lc := lower.of(r.Server)
		id, ok := ids[lc]
		if !ok {
			id = uint32(len(ids))
			ids[lc] = id
		}
		tb.add(r, id, lower)
	}
	for _, tc := range []struct {
		name  string
		other Record
		same  bool
	}{
		{"the same record", base, true},
		{"server and channel in another case, another file", rec("fs01", "smbserver/audit", 7, 1, 3021, t0, "a.evtx"), true},
		{"the same time in another zone", rec("FS01", "SMBServer/Audit", 7, 1, 3021, t0.In(time.FixedZone("x", 3600)), "b.evtx"), true},
		{"another server", rec("FS02", "SMBServer/Audit", 7, 1, 3021, t0, "b.evtx"), false},
		{"another channel", rec("FS01", "ForwardedEvents", 7, 1, 3021, t0, "b.evtx"), false},
		{"another EventRecordID", rec("FS01", "SMBServer/Audit", 8, 1, 3021, t0, "b.evtx"), false},
		{"another event", rec("FS01", "SMBServer/Audit", 7, 1, 3024, t0, "b.evtx"), false},
		{"100 ns later", rec("FS01", "SMBServer/Audit", 7, 1, 3021, t0.Add(100), "b.evtx"), false},
		{"no EventRecordID: the record ID stands for it", rec("FS01", "SMBServer/Audit", 0, 7, 3021, t0, "b.evtx"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tb recordTable
			var lower lowerCache
			ids := map[string]uint32{}
			b, o := base, tc.other
			add(&tb, &lower, ids, &b)
			add(&tb, &lower, ids, &o)
			if !tc.same {
				require.Equal(t, 2, tb.len())
				require.Equal(t, base, *tb.at(0))
				require.Equal(t, tc.other, *tb.at(1))
				return
			}
			require.Equal(t, 1, tb.len())
			want := base
			if better(&tc.other, &base) {
				want = tc.other
			}
			require.Equal(t, want, *tb.at(0), "the better copy is kept")
		})
	}

	t.Run("growth", func(t *testing.T) {
		var tb recordTable
		var lower lowerCache
		ids := map[string]uint32{}
		const n = 3 * keptChunk * 7
		for pass := range 2 { // the second pass adds copies only
			for i := range n {
				r := rec("FS01", "SMBServer/Audit", uint64(i+1), uint64(i+1), 3021, t0.Add(time.Duration(i%5)), "b.evtx")
				add(&tb, &lower, ids, &r)
				require.Equal(t, min(n, i+1+pass*n), tb.len())
			}
		}
		var order []uint64
		tb.each(func(r *Record) { order = append(order, r.EventRecordID) })
		require.Len(t, order, n)
		for i, id := range order {
			require.Equal(t, uint64(i+1), id, "in the order they came")
		}
	})

	// A crafted log can hold thousands of records that differ only by
	// server or by channel: they must not share a hash, or each would be
	// compared with all the others.
	for _, by := range []string{"server", "channel"} {
		t.Run("differing only by "+by, func(t *testing.T) {
			var tb recordTable
			var lower lowerCache
			ids := map[string]uint32{}
			const n = 5000
			for i := range n {
				server, channel := "FS01", "SMBServer/Audit"
				if by == "server" {
					server = fmt.Sprintf("FS%05d", i)
				} else {
					channel = fmt.Sprintf("Channel%05d", i)
				}
				r := rec(server, channel, 7, 1, 3021, t0, "b.evtx")
				add(&tb, &lower, ids, &r)
			}
			require.Equal(t, n, tb.len())
			hashes := map[uint64]bool{}
			for _, s := range tb.slots {
				if s.i != 0 {
					hashes[s.hash] = true
				}
			}
			require.Len(t, hashes, n, "one hash a record")
		})
	}
}
