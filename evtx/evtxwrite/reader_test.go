package evtxwrite

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRoundTripReader reads random event sets back with this project's
// reader and compares the System fields, data names and types. (Values are
// compared as the reader renders them by scripts/crosscheck-writer.sh.)
func TestRoundTripReader(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			evs := randEvents(r, 300+r.IntN(300), 3+r.IntN(30), 1+r.IntN(100))
			var buf bytes.Buffer
			require.NoError(t, Write(&buf, evs, Options{}))
			rd, err := evtx.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "roundtrip")
			require.NoError(t, err)
			var got []*evtx.Event
			for ev, err := range rd.Events(context.Background(), evtx.Options{Workers: 1}) {
				require.NoError(t, err)
				got = append(got, ev)
			}
			require.Len(t, got, len(evs))
			for i, want := range evs {
				g := got[i]
				ctx := fmt.Sprintf("record %d", want.RecordID)
				require.Equal(t, want.RecordID, g.RecordID, ctx)
				require.Equal(t, wantEventRecordID(want), g.EventRecordID, ctx)
				require.Equal(t, want.Provider, g.Provider, ctx)
				require.Equal(t, strings.ToUpper(want.ProviderGUID), g.ProviderGUID, ctx)
				require.Equal(t, want.EventID, g.EventID, ctx)
				require.Equal(t, want.HasQualifiers, g.HasQualifiers, ctx)
				if want.HasQualifiers {
					require.Equal(t, want.Qualifiers, g.Qualifiers, ctx)
				}
				require.Equal(t, want.Version, g.Version, ctx)
				require.Equal(t, want.Level, g.Level, ctx)
				require.Equal(t, want.Task, g.Task, ctx)
				require.Equal(t, want.Opcode, g.Opcode, ctx)
				require.Equal(t, want.Keywords, g.Keywords, ctx)
				require.True(t, want.TimeCreated.Equal(g.TimeCreated), ctx)
				require.Equal(t, want.Channel, g.Channel, ctx)
				require.Equal(t, want.Computer, g.Computer, ctx)
				require.Equal(t, want.UserSID, g.UserSID, ctx)
				require.Equal(t, want.ProcessID, g.ProcessID, ctx)
				require.Equal(t, want.ThreadID, g.ThreadID, ctx)
				require.Equal(t, strings.ToUpper(want.ActivityID), g.ActivityID, ctx)
				data := want.Data
				if want.UserData != nil {
					data = want.UserData.Data
				}
				require.Len(t, g.Data, len(data), ctx)
				for j, d := range data {
					if want.UserData != nil && g.Data[j].Name != d.Name {
						// the reader may keep the payload element's name
						require.Equal(t, want.UserData.Name+"/"+d.Name, g.Data[j].Name, ctx)
					} else {
						require.Equal(t, d.Name, g.Data[j].Name, ctx)
					}
					require.Equal(t, d.Type, g.Data[j].Type, ctx)
				}
			}
		})
	}
}

// TestEventRecordID: System/EventRecordID is the header's record ID unless
// Event.EventRecordID is set, and the header's ID stays the header's.
func TestEventRecordID(t *testing.T) {
	tests := []struct {
		name          string
		recordID      uint64 // 0: previous plus 1
		eventRecordID uint64
		wantRecordID  uint64
		wantEventRID  uint64
	}{
		{"default: the header's ID", 0, 0, 1, 1},
		{"explicit header ID", 40, 0, 40, 40},
		{"forwarded: the source's numbering", 41, 7, 41, 7},
		{"header ID defaulted, source's numbering given", 0, 1 << 40, 42, 1 << 40},
		{"largest", 0, ^uint64(0), 43, ^uint64(0)},
	}
	evs := make([]Event, len(tests))
	for i, tt := range tests {
		evs[i] = Event{System: evtx.System{Provider: "P", Channel: "C", Computer: "fs01", EventID: 1,
			EventRecordID: tt.eventRecordID},
			RecordID: tt.recordID}
	}
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, evs, Options{}))
	rd, err := evtx.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "eventrecordid")
	require.NoError(t, err)
	i := 0
	for ev, err := range rd.Events(context.Background(), evtx.Options{Workers: 1}) {
		require.NoError(t, err)
		require.Less(t, i, len(tests))
		tt := tests[i]
		assert.Equal(t, tt.wantRecordID, ev.RecordID, tt.name)
		assert.Equal(t, tt.wantEventRID, ev.EventRecordID, tt.name)
		i++
	}
	require.Equal(t, len(tests), i)
}

// The writer and the reader share evtx.System: what is written in the
// reader's own form (upper-case GUIDs with braces, UTC times to 100 ns, an
// explicit EventRecordID) is read back equal, as a whole.
func TestSystemReadsBackEqual(t *testing.T) {
	full := evtx.System{
		EventRecordID: 77, Provider: "Microsoft-Windows-SMBServer", ProviderGUID: "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}",
		EventSourceName: "SMB", EventID: 3021, Qualifiers: 16384, HasQualifiers: true, Version: 1, Level: 4, Task: 2,
		Opcode: 3, Keywords: 0x8000000000000000, TimeCreated: time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC),
		Channel: "Microsoft-Windows-SMBServer/Audit", Computer: "FS01.corp.example", UserSID: "S-1-5-18",
		ProcessID: 4, ThreadID: 1234, ActivityID: "{0E2A62B5-0688-42DE-9AE1-A2AD54A8CE40}",
		RelatedActivityID: "{0E2A62B5-0688-42DE-9AE1-A2AD54A8CE41}",
	}
	bare := evtx.System{EventRecordID: 78, Provider: "P", EventID: 1, TimeCreated: time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC)}
	zeroQualifiers := bare
	zeroQualifiers.EventRecordID, zeroQualifiers.HasQualifiers = 79, true
	want := []evtx.System{full, bare, zeroQualifiers}
	evs := make([]Event, len(want))
	for i, s := range want {
		evs[i] = Event{System: s}
	}
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, evs, Options{}))
	rd, err := evtx.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "system")
	require.NoError(t, err)
	var got []evtx.System
	for ev, err := range rd.Events(context.Background(), evtx.Options{Workers: 1}) {
		require.NoError(t, err)
		got = append(got, ev.System)
	}
	assert.Equal(t, want, got)
}
