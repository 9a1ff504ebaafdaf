package smbaudit

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
)

// sharedTestEvents returns varied events: the ones of TestClassify's shapes
// and random data, some of them not recognised.
func sharedTestEvents(n int) []*evtx.Event {
	rng := rand.New(rand.NewPCG(7, 11))
	types := []evtx.Type{tS, tA, tU16, tU32, tH32, tB, tG, tU64, tBin, evtx.TypeNull, evtx.TypeInt32}
	values := []string{"", `\\`, `\\10.0.0.1`, `\\NAS01`, "0x", "0xZZ", "0xc0000022", "-1", "99999999999",
		"true", "False", "TRUE", "1", "0", "02000000c0a80001", "17", "7", "cifs/x", "[", "::ffff:1.2.3.4", "ws1.corp"}
	names := []string{"", "", "ClientName", "ClientNameLength", "ClientAddress", "Status", "SpnQueryStatus",
		"EpaPolicy", "SPN", "SpnNameLength", "UserName", "ServerRequiresSigning", "SpnCheck1", "SpnCheck2", "P1"}
	ids := append([]uint16{4624}, EventIDs()...)
	evs := []*evtx.Event{
		smbEvent(3021, 0, fld("ClientNameLength", tU16, "11"), fld("ClientName", tS, `\\10.0.0.5`),
			fld("ServerRequiresSigning", tB, "false")),
		smbEvent(3025, 0, fld("", tS, "WS1"), fld("", tS, "cifs/x"), fld("", tS, `CORP\u`),
			fld("", tB, "true"), fld("", tB, "false"), fld("", tU32, "2")),
		smbEvent(3024, 0, fld("", tU16, "4"), fld("", tS, "ws01"), fld("SpnQueryStatus", tH32, "0xC000005E")),
		smbEvent(3000, 0),
		nil,
	}
	for len(evs) < n {
		var data []evtx.Field
		for k := rng.IntN(9); k > 0; k-- {
			data = append(data, fld(names[rng.IntN(len(names))], types[rng.IntN(len(types))], values[rng.IntN(len(values))]))
		}
		ev := smbEvent(ids[rng.IntN(len(ids))], uint8(rng.IntN(3)), data...)
		if rng.IntN(2) == 0 {
			ev.Channel = SecurityChannel
		}
		evs = append(evs, ev)
	}
	return evs
}

// A scan's classifying goroutine reuses one mapper and one interner from
// event to event: its findings must equal Classify's (a fresh mapper and
// interner each time), must not change when the mapper goes on to other
// events, and equal mappings must share one pair of maps.
func TestClassifySharedEqualsClassify(t *testing.T) {
	evs := sharedTestEvents(4000)
	var m mapper
	in := newInterner()
	var got, want []Finding
	for i, ev := range evs {
		g, gok := m.classify(ev, in)
		w, wok := Classify(ev)
		require.Equal(t, wok, gok, "event %d", i)
		if !wok {
			continue
		}
		require.Equal(t, w, g, "event %d", i)
		got = append(got, g)
		want = append(want, plainCopy(ev))
	}
	require.Greater(t, len(got), len(evs)/2)
	require.Equal(t, want, got, "a finding changed after later events were classified")
	byContent := map[string]uintptr{}
	shared := 0
	for _, f := range got {
		k := f.Mapping.String()
		if p, ok := byContent[k]; ok {
			assert.Equal(t, p, mapPtr(f.Mapping.m), "one interner, one content: one map (%s)", k)
			shared++
		}
		byContent[k] = mapPtr(f.Mapping.m)
	}
	assert.Greater(t, shared, len(got)/2)
}

func plainCopy(ev *evtx.Event) Finding {
	f, _ := Classify(ev)
	return f
}

// The shared path allocates nothing for an event whose values the interner
// has seen: no maps, no slices, and no optional field, whatever it holds.
func TestClassifySharedAllocations(t *testing.T) {
	tests := []struct {
		name  string
		ev    *evtx.Event
		check func(t *testing.T, f Finding)
	}{
		{"3025 by position, left over", smbEvent(3025, 0, fld("", tS, "WS1"), fld("", tS, "cifs/x"), fld("", tS, `CORP\u`),
			fld("", tB, "true"), fld("", tB, "false"), fld("", tU32, "2"), fld("Extra", tS, "left over")),
			func(t *testing.T, f Finding) {
				require.NotZero(t, f.Mapping.NumUnmapped())
				require.Equal(t, Some(EPAPolicy{2, "required"}), f.EPAPolicy)
				require.Equal(t, Some(true), f.ServiceClassIsValid)
				require.Equal(t, Some(false), f.PrincipalNameIsValid)
			}},
		{"3022", smbEvent(3022, 0, fld("ClientName", tS, `\\10.0.20.15`), fld("ServerRequiresEncryption", tB, "true"),
			fld("SmbClientDoesNotSupportEncryptionType", tU32, "2")),
			func(t *testing.T, f Finding) {
				require.Equal(t, Some(true), f.ServerRequiresEncryption)
				require.Equal(t, Some(uint32(2)), f.UnsupportedEncryptionType)
			}},
		{"3024, an undocumented policy", smbEvent(3024, 0, fld("ClientName", tS, `\\ws01`), fld("SpnQueryStatus", tH32, "0xC000005E"),
			fld("EpaPolicy", tU32, "7777")),
			func(t *testing.T, f Finding) {
				require.Equal(t, Some(NTStatus{0xC000005E, "STATUS_NO_LOGON_SERVERS"}), f.SPNQueryStatus)
				require.Equal(t, Some(EPAPolicy{7777, "7777"}), f.EPAPolicy)
			}},
		{"551 v3 with ReasonCode", func() *evtx.Event {
			e := smbEvent(551, 3, fld("Status", tH32, "0xC000035B"), fld("UserName", tS, `CORP\lnxsvc`),
				fld("ClientName", tS, `\\lnx-old`), fld("SPNValidationPolicy", tU32, "2"), fld("ReasonCode", tU32, "3"))
			e.Channel = SecurityChannel
			return e
		}(), func(t *testing.T, f Finding) {
			require.Equal(t, Some(NTStatus{0xC000035B, "STATUS_BAD_BINDINGS"}), f.Status)
			require.Equal(t, Some(uint32(3)), f.ReasonCode)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m mapper
			in := newInterner()
			f, ok := m.classify(tt.ev, in)
			require.True(t, ok)
			tt.check(t, f)
			allocs := testing.AllocsPerRun(100, func() { f, ok = m.classify(tt.ev, in) })
			assert.Zero(t, allocs)
		})
	}
}
