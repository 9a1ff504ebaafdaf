package smbaudit

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

// slackLog writes the log auditLog writes, records 1..n, with chunk 0's
// header lowered so that records keep+1..n lie in its slack, the header
// record ID of the first of them made 9000 so that the reader takes them
// for slack (TestScanRecoverMarksFindings uses it too); its EventRecordID, the
// identity copies are told by, stays keep+1.
func slackLog(t *testing.T, name string, n, keep int, base time.Time) string {
	t.Helper()
	p := auditLog(t, name, "fs01", 1, uint64(n), base)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	le := binary.LittleEndian
	c := b[0x1000 : 0x1000+0x10000]
	var offs []int
	for off := 0x200; off < int(le.Uint32(c[0x30:])); off += int(le.Uint32(c[off+4:])) {
		offs = append(offs, off)
	}
	require.Len(t, offs, n)
	le.PutUint64(c[0x10:], uint64(keep))
	le.PutUint64(c[0x20:], uint64(keep))
	le.PutUint32(c[0x2c:], uint32(offs[keep-1]))
	le.PutUint32(c[0x30:], uint32(offs[keep]))
	le.PutUint64(c[offs[keep]+8:], 9000)
	le.PutUint32(c[0x34:], crc32.ChecksumIEEE(c[0x200:offs[keep]]))
	le.PutUint32(c[0x7c:], crc32.Update(crc32.ChecksumIEEE(c[:0x78]), crc32.IEEETable, c[0x80:0x200]))
	le.PutUint64(b[0x18:], uint64(keep+1))
	le.PutUint32(b[0x7c:], crc32.ChecksumIEEE(b[:0x78]))
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

// A record recovered from the slack of one export and live in another
// (overlapping exports of one log) counts once, kept or streamed, whichever
// path sorts first: recovering never adds a copy of a live record.
func TestRecoveredCopiesOfLiveRecordsCountOnce(t *testing.T) {
	const n, keep = 30, 27
	base := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, slackFirst := range []bool{true, false} {
		var paths []string
		if slackFirst {
			paths = []string{slackLog(t, "slack.evtx", n, keep, base), auditLog(t, "live.evtx", "fs01", 1, n, base)}
		} else {
			paths = []string{auditLog(t, "live.evtx", "fs01", 1, n, base), slackLog(t, "slack.evtx", n, keep, base)}
		}
		for _, streamed := range []bool{false, true} {
			var got []Finding
			opts := ScanOptions{Recover: true}
			if streamed {
				opts.OnFinding = func(f Finding) { got = append(got, f) }
			}
			res, err := Scan(context.Background(), paths, opts)
			require.NoError(t, err)
			if !streamed {
				got = res.Findings
			}
			count := map[uint64]int{}
			for _, f := range got {
				count[identity(f.EventRecordID, f.RecordID)]++
			}
			for id := uint64(1); id <= n; id++ {
				assert.Equal(t, 1, count[id], "slack first %v, streamed %v: record %d", slackFirst, streamed, id)
			}
			assert.Equal(t, n, len(got), "slack first %v, streamed %v", slackFirst, streamed)
			var recovered int
			for _, f := range got {
				if f.Recovered {
					recovered++
				}
			}
			want := 0
			if slackFirst {
				want = n - keep // the copies that count are the first by path
			}
			assert.Equal(t, want, recovered, "slack first %v, streamed %v", slackFirst, streamed)
		}
	}
}

// forwardedLog writes a log of SMB server events of one computer, each
// with its channel, System/EventRecordID and time, and returns its path.
func forwardedLog(t *testing.T, name string, evs ...fwd) string {
	t.Helper()
	var out []evtxwrite.Event
	for i, e := range evs {
		id := EventSigningUnsupported
		if e.guest {
			id = EventGuestLogon
		}
		client := `\\10.0.0.5`
		out = append(out, evtxwrite.Event{
			System: evtx.System{Provider: Provider, ProviderGUID: "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}", EventID: id,
				Level: 3, Channel: e.channel, Computer: "FS01.corp.example", TimeCreated: e.at, EventRecordID: e.rid},
			RecordID: uint64(i + 1),
			Data: []evtxwrite.Data{
				{Name: "ClientNameLength", Type: evtx.TypeUint16, Value: uint16(len(client))},
				{Name: "ClientName", Type: evtx.TypeString, Value: client},
			},
		})
	}
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, evtxwrite.WriteFile(p, out, evtxwrite.Options{}))
	return p
}

type fwd struct {
	channel string
	rid     uint64
	at      time.Time
	guest   bool // 3023 (Operational) instead of 3021 (Audit)
}

// A collector that rewrites the channel of forwarded events to
// ForwardedEvents (or drops it), which Classify accepts, mixes the
// numberings of the server's channels under one name: records of two
// channels that share an EventRecordID are still two records, and a
// forwarded copy of a record of the server's own log is still a copy.
func TestRewrittenChannelsKeepRecordsApart(t *testing.T) {
	at := time.Date(2025, 10, 1, 10, 0, 0, 0, time.UTC)
	for _, rewritten := range []string{"ForwardedEvents", ""} {
		mixed := forwardedLog(t, "forwarded.evtx",
			fwd{rewritten, 99, at.Add(-time.Minute), false}, fwd{rewritten, 100, at, false},
			fwd{rewritten, 101, at.Add(10 * time.Minute), false},
			fwd{rewritten, 100, at.Add(5 * time.Minute), true}) // Operational's own record 100
		own := forwardedLog(t, "own.evtx", fwd{AuditChannel, 100, at, false})
		for _, tc := range []struct {
			name  string
			paths []string
			want  map[uint16]int
		}{
			{"two channels, one record ID", []string{mixed}, map[uint16]int{EventSigningUnsupported: 3, EventGuestLogon: 1}},
			{"a forwarded copy of the server's own record", []string{mixed, own},
				map[uint16]int{EventSigningUnsupported: 3, EventGuestLogon: 1}},
		} {
			for _, streamed := range []bool{false, true} {
				var got []Finding
				opts := ScanOptions{}
				if streamed {
					opts.OnFinding = func(f Finding) { got = append(got, f) }
				}
				res, err := Scan(context.Background(), tc.paths, opts)
				require.NoError(t, err)
				if !streamed {
					got = res.Findings
				}
				count := map[uint16]int{}
				for _, f := range got {
					require.NotEqual(t, KindUnparsed, f.Kind, f.Reason)
					count[f.EventID]++
				}
				assert.Equal(t, tc.want, count, "channel %q, %s, streamed %v", rewritten, tc.name, streamed)
			}
		}
	}
}

// A server whose window is unknown (every record of it from a damaged
// chunk: ServerCoverage has zero times) is not taken for one outside a
// time filter's bounds: it stays in the coverage, its window unknown.
func TestApplyKeepsAServerOfUnknownWindow(t *testing.T) {
	since := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	res := &Result{Servers: []ServerCoverage{{Server: "fs01", Events: 5}, {Server: "fs02", First: since.AddDate(0, 0, -9),
		Last: since.AddDate(0, 0, -8), Events: 3}}}
	for _, f := range []Filter{{Since: since}, {Until: since}, {Since: since, Until: since.AddDate(0, 0, 1)}} {
		var names []string
		for _, s := range f.Apply(res).Servers {
			names = append(names, s.Server)
			if s.Server == "fs01" {
				assert.True(t, s.First.IsZero() && s.Last.IsZero(), "%v", f)
			}
		}
		want := []string{"fs01"}
		if f.Since.IsZero() {
			want = []string{"fs01", "fs02"}
		}
		assert.Equal(t, want, names, "%v: fs02 lies before since", f)
	}
}
