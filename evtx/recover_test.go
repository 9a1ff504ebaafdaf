package evtx_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

// slackLog writes a log of two or more chunks, then turns the last
// `slack` records of chunk 0 into slack: its header now ends before them
// (free-space offset, last record number, ID and offset lowered, checksums
// recomputed), as when a chunk is reused and its new records stop short of
// the old ones. The first of those records is given the record ID and
// header FILETIME that set returns (set may keep them). It returns the
// log, the read of the untouched log, and the IDs of chunk 0's records.
func slackLog(t *testing.T, slack int, set func(b []byte, live readResult) (id, fileTime uint64)) ([]byte, readResult, []uint64) {
	t.Helper()
	b := encode(t, fixtureEvents(400, 150, 200), evtxwrite.Options{})
	full := read(t, b, evtx.Options{})
	require.Greater(t, len(full.chunks), 1, "the cases need a record in another chunk")
	c := chunkAt(b, 0)
	offs := recordOffsets(c)
	require.Greater(t, len(offs), slack+2)
	le := binary.LittleEndian
	var ids []uint64
	for _, off := range offs {
		ids = append(ids, le.Uint64(c[off+8:]))
	}
	keep := len(offs) - slack
	first := le.Uint64(c[0x08:])
	le.PutUint64(c[0x10:], first+uint64(keep)-1) // last record number
	le.PutUint64(c[0x20:], ids[keep-1])          // last record ID
	le.PutUint32(c[0x2c:], uint32(offs[keep-1])) // last record offset
	le.PutUint32(c[0x30:], uint32(offs[keep]))   // free-space offset
	id, ft := set(b, full)
	le.PutUint64(c[offs[keep]+8:], id)
	le.PutUint64(c[offs[keep]+16:], ft)
	putChunkCRCs(c)
	return b, full, ids
}

// recordHeader returns the record ID and header FILETIME of the record
// that read returned as ev.
func recordHeader(b []byte, ev *evtx.Event) (uint64, uint64) {
	le := binary.LittleEndian
	return le.Uint64(b[ev.Source.Offset+8:]), le.Uint64(b[ev.Source.Offset+16:])
}

func TestRecover(t *testing.T) {
	const slack = 5
	outOfRange := func(b []byte, live readResult) (uint64, uint64) {
		return 90000, recordFileTime(b, live.events[0])
	}
	cases := []struct {
		name    string
		recover bool
		set     func(b []byte, live readResult) (uint64, uint64)
		// wantIDs are the IDs of the recovered events, given chunk 0's
		// record IDs (its last `slack` records are the slack).
		wantIDs func(ids []uint64) []uint64
		copies  int
	}{
		{
			name: "slack records returned and marked", recover: true, set: outOfRange,
			wantIDs: func(ids []uint64) []uint64 {
				return append([]uint64{90000}, ids[len(ids)-slack+1:]...)
			},
		},
		{
			name: "copy of a live record of the chunk dropped", recover: true,
			set: func(b []byte, live readResult) (uint64, uint64) {
				return recordHeader(b, live.events[0])
			},
			wantIDs: func(ids []uint64) []uint64 { return ids[len(ids)-slack+1:] },
			copies:  1,
		},
		{
			name: "copy of a live record of another chunk dropped", recover: true,
			set: func(b []byte, live readResult) (uint64, uint64) {
				for _, ev := range live.events {
					if ev.Source.Chunk == 1 {
						return recordHeader(b, ev)
					}
				}
				t.Fatal("no record in chunk 1")
				return 0, 0
			},
			wantIDs: func(ids []uint64) []uint64 { return ids[len(ids)-slack+1:] },
			copies:  1,
		},
		{
			name: "record with a live record's ID and other content kept apart", recover: true,
			set: func(b []byte, live readResult) (uint64, uint64) {
				id, ft := recordHeader(b, live.events[1])
				return id, ft + 1
			},
			wantIDs: func(ids []uint64) []uint64 {
				return append([]uint64{ids[1]}, ids[len(ids)-slack+1:]...)
			},
		},
		{
			name: "no recovery without the option", recover: false, set: outOfRange,
			wantIDs: func([]uint64) []uint64 { return nil },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, full, ids := slackLog(t, slack, tc.set)
			res := read(t, b, evtx.Options{Recover: tc.recover})
			assert.Empty(t, res.errs, "slack is not damage")

			var live, recovered []*evtx.Event
			for _, ev := range res.events {
				if ev.Recovered {
					recovered = append(recovered, ev)
				} else {
					live = append(live, ev)
				}
			}
			var gotIDs []uint64
			for _, ev := range recovered {
				gotIDs = append(gotIDs, ev.RecordID)
				assert.Equal(t, 0, ev.Source.Chunk)
			}
			assert.Equal(t, tc.wantIDs(ids), gotIDs)
			// The live records are those of the untouched log, less the
			// slack ones, unmarked, whatever the option.
			assert.Len(t, live, len(full.events)-slack)
			for _, ev := range live {
				assert.False(t, ev.Recovered)
			}
			c0 := res.chunks[0]
			assert.Equal(t, slack, c0.SlackRecords)
			assert.Equal(t, len(ids)-slack, c0.Records)
			assert.False(t, c0.Damaged())
			if tc.recover {
				assert.Equal(t, len(recovered), c0.RecoveredRecords)
				assert.Equal(t, tc.copies, c0.RecoveredCopies)
			} else {
				assert.Zero(t, c0.RecoveredRecords)
			}

			// A recovered record decodes as the record it was: the same
			// event as in the untouched log, but for the mark.
			byOffset := map[int64]*evtx.Event{}
			for _, ev := range full.events {
				byOffset[ev.Source.Offset] = ev
			}
			for _, ev := range recovered {
				was := *byOffset[ev.Source.Offset]
				was.RecordID, was.Recovered = ev.RecordID, true
				assert.Equal(t, &was, ev)
				j, err := json.Marshal(ev)
				require.NoError(t, err)
				assert.Contains(t, string(j), `"recovered":true`)
			}
			if len(live) > 0 {
				j, err := json.Marshal(live[0])
				require.NoError(t, err)
				assert.NotContains(t, string(j), `"recovered"`)
			}
		})
	}
}

// recordFileTime returns the header FILETIME of the record read as ev.
func recordFileTime(b []byte, ev *evtx.Event) uint64 {
	_, ft := recordHeader(b, ev)
	return ft
}

// TestRecoverUndecodable: a slack record that cannot be decoded is
// reported, marked as recovered, and does not make the chunk damaged.
func TestRecoverUndecodable(t *testing.T) {
	b, _, _ := slackLog(t, 3, func(b []byte, live readResult) (uint64, uint64) {
		return 90000, recordFileTime(b, live.events[0])
	})
	c := chunkAt(b, 0)
	free := int(binary.LittleEndian.Uint32(c[0x30:]))
	c[free+24] = 0x42 // not a BinXML token
	res := read(t, b, evtx.Options{Recover: true})
	require.Len(t, res.errs, 1)
	var e *evtx.Error
	require.True(t, errors.As(res.errs[0], &e))
	assert.ErrorIs(t, e, evtx.ErrRecovered)
	assert.ErrorIs(t, e, evtx.ErrBadRecord)
	assert.Equal(t, int64(4096+free), e.Offset)
	assert.Equal(t, uint64(90000), e.RecordID)
	assert.Equal(t, 1, res.chunks[0].RecoveredBad)
	assert.Equal(t, 2, res.chunks[0].RecoveredRecords)
	assert.False(t, res.chunks[0].Damaged())
}
