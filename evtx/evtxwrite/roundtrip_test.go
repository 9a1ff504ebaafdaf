package evtxwrite

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/stretchr/testify/require"
)

// propertyTypes are the value types the JSON Lines format offers.
var propertyTypes = []evtx.Type{
	evtx.TypeString, evtx.TypeAnsiString, evtx.TypeUint8, evtx.TypeUint16, evtx.TypeUint32,
	evtx.TypeUint64, evtx.TypeInt32, evtx.TypeInt64, evtx.TypeBool, evtx.TypeHexInt32,
	evtx.TypeHexInt64, evtx.TypeGUID, evtx.TypeSID, evtx.TypeFileTime, evtx.TypeSysTime,
	evtx.TypeBinary,
}

var propertyRunes = []rune("abcXYZ019 _-.\\/:éß€漢😀<>&\"'")

func randString(r *rand.Rand, max int) string {
	n := r.IntN(max + 1)
	var b strings.Builder
	for range n {
		b.WriteRune(propertyRunes[r.IntN(len(propertyRunes))])
	}
	return b.String()
}

func randGUID(r *rand.Rand) string {
	return fmt.Sprintf("{%08X-%04X-%04X-%04X-%012X}", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff)
}

func randSID(r *rand.Rand) string {
	s := fmt.Sprintf("S-1-%d", r.IntN(16))
	for range r.IntN(6) {
		s += fmt.Sprintf("-%d", r.Uint32())
	}
	return s
}

func randTime(r *rand.Rand) time.Time {
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	return base.Add(time.Duration(r.Int64N(int64(40*365*24*time.Hour))) / 100 * 100)
}

func randValue(r *rand.Rand, t evtx.Type, maxLen int) any {
	switch t {
	case evtx.TypeString:
		return randString(r, maxLen)
	case evtx.TypeAnsiString:
		b := make([]byte, r.IntN(maxLen+1))
		for i := range b {
			b[i] = byte('!' + r.IntN(90))
		}
		return string(b)
	case evtx.TypeUint8:
		return uint8(r.Uint32())
	case evtx.TypeUint16:
		return uint16(r.Uint32())
	case evtx.TypeUint32, evtx.TypeHexInt32:
		return r.Uint32()
	case evtx.TypeUint64, evtx.TypeHexInt64:
		return r.Uint64()
	case evtx.TypeInt32:
		return int32(r.Uint32())
	case evtx.TypeInt64:
		return int64(r.Uint64())
	case evtx.TypeBool:
		return r.IntN(2) == 1
	case evtx.TypeGUID:
		return randGUID(r)
	case evtx.TypeSID:
		return randSID(r)
	case evtx.TypeFileTime:
		return randTime(r)
	case evtx.TypeSysTime:
		return randTime(r).Truncate(time.Millisecond)
	case evtx.TypeBinary:
		b := make([]byte, r.IntN(maxLen+1))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	panic("type")
}

// randEvents makes n events drawn from a pool of layouts, so that many
// templates are used and reused.
func randEvents(r *rand.Rand, n, layouts, maxLen int) []Event {
	type layout struct {
		provider string
		id       uint16
		version  uint8
		names    []string
		types    []evtx.Type
		user     bool
	}
	pool := make([]layout, layouts)
	for i := range pool {
		l := layout{provider: fmt.Sprintf("Provider-%d", r.IntN(4)), id: uint16(r.IntN(5000)), version: uint8(r.IntN(3)), user: r.IntN(5) == 0}
		unnamed := !l.user && r.IntN(4) == 0
		for j := range r.IntN(12) {
			name := fmt.Sprintf("Field%d_%d", j, r.IntN(100))
			if unnamed {
				name = ""
			}
			l.names = append(l.names, name)
			l.types = append(l.types, propertyTypes[r.IntN(len(propertyTypes))])
		}
		pool[i] = l
	}
	computers := []string{"FS01.corp.example", "fs02", "NAS-Ω.example"}
	evs := make([]Event, n)
	var id uint64
	for i := range evs {
		l := pool[r.IntN(len(pool))]
		id += 1 + uint64(r.IntN(3))
		ev := Event{
			System: evtx.System{Provider: l.provider, EventID: l.id, Version: l.version,
				Channel: "Channel/" + l.provider, Computer: computers[r.IntN(len(computers))],
				Level: uint8(r.IntN(6)), Task: uint16(r.Uint32()), Opcode: uint8(r.Uint32()),
				Keywords: r.Uint64(), TimeCreated: randTime(r),
				ProcessID: r.Uint32(), ThreadID: r.Uint32(),
			},
			RecordID: id,
		}
		if id%3 == 0 { // forwarded: the source's numbering, not the header's
			ev.EventRecordID = id<<20 + 7
		}
		if r.IntN(2) == 0 {
			ev.ProviderGUID = randGUID(r)
		}
		if r.IntN(2) == 0 {
			ev.UserSID = randSID(r)
		}
		if r.IntN(3) == 0 {
			ev.ActivityID = randGUID(r)
		}
		if r.IntN(5) == 0 {
			ev.RelatedActivityID = randGUID(r)
		}
		if r.IntN(4) == 0 {
			ev.Qualifiers, ev.HasQualifiers = uint16(r.Uint32()), true
		}
		if r.IntN(6) == 0 {
			ev.EventSourceName = "Source " + l.provider
		}
		data := make([]Data, len(l.names))
		for j := range data {
			data[j] = Data{Name: l.names[j], Type: l.types[j], Value: randValue(r, l.types[j], maxLen)}
		}
		if l.user {
			ev.UserData = &UserData{Name: "Payload", Namespace: "urn:test:" + l.provider, Data: data}
		} else {
			ev.Data = data
		}
		evs[i] = ev
	}
	return evs
}

// velocidexValue is what the Velocidex decoder yields for a value.
func velocidexValue(t evtx.Type, v any) any {
	switch t {
	case evtx.TypeGUID:
		return strings.ToUpper(strings.Trim(v.(string), "{}"))
	case evtx.TypeFileTime:
		ft, _ := fileTime(v.(time.Time))
		return float64(ft)
	case evtx.TypeSysTime:
		tm := v.(time.Time)
		// Velocidex puts the milliseconds in the nanosecond field.
		return time.Date(tm.Year(), tm.Month(), tm.Day(), tm.Hour(), tm.Minute(), tm.Second(), tm.Nanosecond()/1e6, time.UTC).String()
	}
	return v
}

func velocidexGot(t evtx.Type, v any) any {
	if t == evtx.TypeFileTime {
		// Velocidex gives Unix seconds as a float; back to 100 ns units.
		return float64(int64(v.(float64)*1e7+0.5)) + 116444736000000000
	}
	return v
}

func TestRoundTripVelocidex(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 42))
			evs := randEvents(r, 400+r.IntN(400), 3+r.IntN(30), 1+r.IntN(200))
			var buf bytes.Buffer
			require.NoError(t, Write(&buf, evs, Options{MinorVersion: uint16(1 + seed%2)}))
			got := velocidexDecode(t, buf.Bytes())
			require.Len(t, got, len(evs))
			for i, ev := range evs {
				compareVelocidex(t, ev, got[i])
			}
			chunks := checkStructure(t, buf.Bytes(), len(evs))
			require.Greater(t, chunks, 1, "want more than one chunk")
		})
	}
}

// wantEventRecordID is the System/EventRecordID Write gives ev.
func wantEventRecordID(ev Event) uint64 {
	if ev.EventRecordID != 0 {
		return ev.EventRecordID
	}
	return ev.RecordID
}

func compareVelocidex(t *testing.T, ev Event, got map[string]any) {
	t.Helper()
	e := got["Event"].(map[string]any)
	sys := e["System"].(map[string]any)
	ctx := fmt.Sprintf("record %d", ev.RecordID)
	prov := sys["Provider"].(map[string]any)
	require.Equal(t, ev.Provider, prov["Name"], ctx)
	if ev.ProviderGUID != "" {
		require.Equal(t, strings.Trim(ev.ProviderGUID, "{}"), prov["Guid"], ctx)
	} else {
		require.NotContains(t, prov, "Guid", ctx)
	}
	if ev.EventSourceName != "" {
		require.Equal(t, ev.EventSourceName, prov["EventSourceName"], ctx)
	}
	eid := sys["EventID"]
	if ev.HasQualifiers {
		require.Equal(t, map[string]any{"Qualifiers": ev.Qualifiers, "Value": ev.EventID}, eid, ctx)
	} else {
		require.Equal(t, map[string]any{"Value": ev.EventID}, eid, ctx)
	}
	require.Equal(t, ev.Version, sys["Version"], ctx)
	require.Equal(t, ev.Level, sys["Level"], ctx)
	require.Equal(t, ev.Task, sys["Task"], ctx)
	require.Equal(t, ev.Opcode, sys["Opcode"], ctx)
	require.Equal(t, ev.Keywords, sys["Keywords"], ctx)
	require.Equal(t, wantEventRecordID(ev), sys["EventRecordID"], ctx)
	require.Equal(t, ev.Channel, sys["Channel"], ctx)
	require.Equal(t, ev.Computer, sys["Computer"], ctx)
	ft, _ := fileTime(ev.TimeCreated)
	require.InDelta(t, float64(ft), velocidexGot(evtx.TypeFileTime, sys["TimeCreated"].(map[string]any)["SystemTime"]), 20, ctx)
	require.Equal(t, map[string]any{"ProcessID": ev.ProcessID, "ThreadID": ev.ThreadID}, sys["Execution"], ctx)
	corr := map[string]any{}
	if ev.ActivityID != "" {
		corr["ActivityID"] = velocidexValue(evtx.TypeGUID, ev.ActivityID)
	}
	if ev.RelatedActivityID != "" {
		corr["RelatedActivityID"] = velocidexValue(evtx.TypeGUID, ev.RelatedActivityID)
	}
	require.Equal(t, corr, sys["Correlation"], ctx)
	if ev.UserSID != "" {
		require.Equal(t, map[string]any{"UserID": ev.UserSID}, sys["Security"], ctx)
	} else {
		require.Empty(t, sys["Security"], ctx)
	}

	var want []Data
	var have map[string]any
	if ev.UserData != nil {
		want = ev.UserData.Data
		ud, _ := e["UserData"].(map[string]any)
		have, _ = ud[ev.UserData.Name].(map[string]any)
	} else {
		want = ev.Data
		have, _ = e["EventData"].(map[string]any)
	}
	if len(want) == 0 {
		require.Empty(t, have, ctx)
		return
	}
	require.NotNil(t, have, ctx)
	if want[0].Name == "" { // unnamed <Data>: a value or a list of values
		vals, ok := have["Data"].([]any)
		if !ok {
			vals = []any{have["Data"]}
		}
		require.Len(t, vals, len(want), ctx)
		for i, d := range want {
			checkValue(t, d, vals[i], ctx)
		}
		return
	}
	if one, ok := have["Data"].(map[string]any); ok && len(want) == 1 && ev.UserData == nil {
		// a single named <Data> is left un-normalised by Velocidex
		have = map[string]any{one["Name"].(string): one["Value"]}
	}
	require.Len(t, have, len(want), ctx)
	for _, d := range want {
		checkValue(t, d, have[d.Name], ctx+" "+d.Name)
	}
}

func checkValue(t *testing.T, d Data, got any, ctx string) {
	t.Helper()
	want := velocidexValue(d.Type, d.Value)
	if d.Type == evtx.TypeFileTime {
		require.InDelta(t, want, velocidexGot(d.Type, got), 20, ctx)
		return
	}
	if d.Type == evtx.TypeBinary {
		require.Equal(t, d.Value, got, ctx)
		return
	}
	require.Equal(t, want, got, ctx)
}
