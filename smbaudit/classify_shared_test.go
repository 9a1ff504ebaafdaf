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
		g, gok := m.finding(ev, in)
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
// has seen: no maps, no slices, no pointers.
func TestClassifySharedAllocations(t *testing.T) {
	ev := smbEvent(3025, 0, fld("", tS, "WS1"), fld("", tS, "cifs/x"), fld("", tS, `CORP\u`),
		fld("", tB, "true"), fld("", tB, "false"), fld("", tU32, "2"), fld("Extra", tS, "left over"))
	var m mapper
	in := newInterner()
	f, ok := m.finding(ev, in)
	require.True(t, ok)
	require.NotZero(t, f.Mapping.NumUnmapped())
	require.NotNil(t, f.EPAPolicy)
	require.Equal(t, ptr(true), f.ServiceClassIsValid)
	require.Equal(t, ptr(false), f.PrincipalNameIsValid)
	allocs := testing.AllocsPerRun(100, func() { f, ok = m.finding(ev, in) })
	assert.Zero(t, allocs)
}
