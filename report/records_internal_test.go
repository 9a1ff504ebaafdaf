package report

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/smbaudit"
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
				require.Equal(t, base, tb.record(0))
				require.Equal(t, tc.other, tb.record(1))
				return
			}
			require.Equal(t, 1, tb.len())
			want := base
			if better(&tc.other, &base) {
				want = tc.other
			}
			require.Equal(t, want, tb.record(0), "the better copy is kept")
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

// The findings a Builder keeps come back in Report.Findings as RecordOf
// makes them, every field, one per record, sorted by time: the table
// stores them in another form (keptRecord) and must give back the same.
func TestKeptFindingsComeBackWhole(t *testing.T) {
	t0 := time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC)
	client := smbaudit.NormalizeClient(`\\WS01.corp.example`)
	full := smbaudit.Finding{
		Kind: smbaudit.KindSPNUnrecognised, EventID: smbaudit.EventSPNUnrecognised, Server: "FS01", Channel: smbaudit.AuditChannel,
		RecordID: 11, EventRecordID: 12, Source: evtx.Source{File: "a.evtx", Chunk: 3, Offset: 70000},
		Client: client, User: `CORP\alice`, SPN: "cifs/FS01", HasSPN: true,
		SPNQueryStatus: smbaudit.Some(smbaudit.NTStatus{Code: 0xC00000BB, Name: "STATUS_NOT_SUPPORTED"}), EPAPolicy: smbaudit.Some(smbaudit.EPAPolicy{Value: 1, Label: "audit"}),
		ServerRequiresSigning: smbaudit.Some(true), ServiceClassIsValid: smbaudit.Some(false),
		PrincipalNameIsValid: smbaudit.Some(true), ServerRequiresEncryption: smbaudit.Some(false),
		Status: smbaudit.Some(smbaudit.NTStatus{Code: 0xC000006D}), ChunkDamaged: true, Recovered: true,
	}
	var fs []smbaudit.Finding
	for i := range 700 { // past keptChunk, and past the first size of the string cache
		f := full
		f.RecordID, f.EventRecordID = uint64(100+i), uint64(200+i)
		// Times out of order, in several zones, to the 100 ns.
		f.Time = t0.Add(time.Duration((i*7919)%700)*time.Second + time.Duration(i)*100).In(time.FixedZone("z", 3600*(i%3)))
		f.User = fmt.Sprintf(`CORP\user%03d`, i%250)
		switch i % 5 {
		case 1: // the least a finding has
			f = smbaudit.Finding{Kind: smbaudit.KindUnparsed, EventID: 3021, Time: f.Time, RecordID: f.RecordID, Reason: "no client"}
		case 2: // an SPN without HasSPN, no server, Opts absent
			f.HasSPN, f.Server = false, ""
			f.SPNQueryStatus, f.EPAPolicy, f.ServerRequiresSigning, f.Status = smbaudit.Opt[smbaudit.NTStatus]{}, smbaudit.Opt[smbaudit.EPAPolicy]{}, smbaudit.Opt[bool]{}, smbaudit.Opt[smbaudit.NTStatus]{}
		case 3: // another client, server and file
			f.Client = smbaudit.NormalizeClient(fmt.Sprintf(`\\10.0.0.%d`, i%200))
			f.Server, f.Source.File, f.ChunkDamaged, f.Recovered = "fs02", fmt.Sprintf("f%d.evtx", i), false, false
		}
		fs = append(fs, f)
	}
	b := NewBuilder(Options{})
	for i := range fs {
		b.Add(&fs[i])
	}
	b.Add(&fs[10]) // a copy of a record counts once
	got := b.Finish().Findings

	want := make([]Record, len(fs))
	for i := range fs {
		want[i] = RecordOf(&fs[i])
	}
	slices.SortFunc(want, func(x, y Record) int { return x.Time.Compare(y.Time) })
	require.Len(t, got, len(want))
	for i := range want {
		require.Equal(t, want[i], got[i], "finding %d", i)
	}
}

// A report's findings added with AddReport come back exactly, a time in
// another zone included (the table keeps such a record whole).
func TestKeptRecordsComeBackExactly(t *testing.T) {
	t0 := time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC)
	recs := []Record{
		{Evidence: Evidence{Time: t0, Server: "FS01", EventID: 3021, RecordID: 1}, Kind: "signing-unsupported", ClientID: "ws01"},
		{Evidence: Evidence{Time: t0.Add(time.Second).In(time.FixedZone("x", 7200)), Server: "FS01", EventID: 3021, RecordID: 2},
			Kind: "signing-unsupported", ClientID: "ws02", Reason: "r"},
		{Evidence: Evidence{Time: t0.Add(2 * time.Second), Server: "FS02", EventID: 3024, RecordID: 3, Source: evtx.Source{File: "b", Chunk: 1, Offset: 2}},
			Kind: "spn-missing", ClientID: "ws03", ChunkDamaged: true},
	}
	b := NewBuilder(Options{})
	require.NoError(t, b.AddReport(&Report{Findings: recs}))
	require.Equal(t, recs, b.Finish().Findings)
}
