package evtx_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

// renderingEvent is a one-event log's event with the given payload.
func renderingEvent(data []evtxwrite.Data, edName string, ud *evtxwrite.UserData) evtxwrite.Event {
	return evtxwrite.Event{
		System: evtx.System{Provider: "Rendering-Test", Channel: "Application", Computer: "HOST",
			EventID: 1, TimeCreated: time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC),
		},
		Data: data, EventDataName: edName, UserData: ud,
	}
}

// TestRenderingFaults: the four rendering faults found on the public corpus,
// on logs written by evtxwrite. Each case is read by the pre-pass alone (the
// default) and with every record also handed to the Velocidex decoder
// (ForceDecoder): both must give the same fields.
func TestRenderingFaults(t *testing.T) {
	str := evtx.TypeString
	tests := []struct {
		name string
		ev   evtxwrite.Event
		want []evtx.Field
	}{
		{
			"A: a namespace declaration on the UserData wrapper is not data",
			renderingEvent(nil, "", &evtxwrite.UserData{
				Name: "ServiceShutdown", Namespace: "http://manifests.microsoft.com/win/2004/08/windows/eventlog",
				Attributes: []evtxwrite.Attribute{{Name: "xmlns:auto-ns3", Value: "http://schemas.microsoft.com/win/2004/08/events"}},
			}),
			nil,
		},
		{
			"A: namespace declarations are dropped, other attributes and values kept",
			renderingEvent(nil, "", &evtxwrite.UserData{
				Name: "LogFileCleared", Namespace: "http://manifests.microsoft.com/win/2004/08/windows/eventlog",
				Attributes: []evtxwrite.Attribute{
					{Name: "xmlns:auto-ns2", Value: "http://schemas.microsoft.com/win/2004/08/events"},
					{Name: "Mode", Value: "full"},
				},
				Data: []evtxwrite.Data{{Name: "SubjectUserName", Type: str, Value: "admin"}},
			}),
			[]evtx.Field{{Name: "Mode", Value: "full", Type: str}, {Name: "SubjectUserName", Value: "admin", Type: str}},
		},
		{
			"B: entity references are one value with the text around them",
			renderingEvent([]evtxwrite.Data{
				{Name: "Before", Type: str, Value: "b"},
				{Name: "FWLink", Type: str, Literal: true, Value: "https://go.microsoft.com/fwlink/?linkid=37020&name=HackTool&threatid=2147705511"},
				{Name: "Header", Type: str, Literal: true, Value: `Via: 1.1 ["web-proxy.shieldbase.lan"] <squid> 'x'`},
				{Name: "After", Type: str, Value: "a"},
			}, "", nil),
			[]evtx.Field{
				{Name: "Before", Value: "b", Type: str},
				{Name: "FWLink", Value: "https://go.microsoft.com/fwlink/?linkid=37020&name=HackTool&threatid=2147705511", Type: str},
				{Name: "Header", Value: `Via: 1.1 ["web-proxy.shieldbase.lan"] <squid> 'x'`, Type: str},
				{Name: "After", Value: "a", Type: str},
			},
		},
		{
			"B: character references are one value with the text around them",
			renderingEvent([]evtxwrite.Data{{Name: "Ctl", Type: str, Literal: true, Value: "a\x01b\x1f&c"}}, "", nil),
			[]evtx.Field{{Name: "Ctl", Value: "a\x01b\x1f&c", Type: str}},
		},
		{
			"B: a value that is only an entity reference",
			renderingEvent([]evtxwrite.Data{{Name: "Amp", Type: str, Literal: true, Value: "&"}}, "", nil),
			[]evtx.Field{{Name: "Amp", Value: "&", Type: str}},
		},
		{
			"C: the Name attribute of EventData is kept under EventDataNameKey",
			renderingEvent([]evtxwrite.Data{{Name: "Detail", Type: str, Value: "14 user registry handles leaked"}}, "EVENT_HIVE_LEAK", nil),
			[]evtx.Field{{Name: evtx.EventDataNameKey, Value: "EVENT_HIVE_LEAK", Type: str}, {Name: "Detail", Value: "14 user registry handles leaked", Type: str}},
		},
		{
			"C: it does not collide with a Data named Name",
			renderingEvent([]evtxwrite.Data{{Name: "Name", Type: str, Value: "data"}}, "EVENT_X", nil),
			[]evtx.Field{{Name: evtx.EventDataNameKey, Value: "EVENT_X", Type: str}, {Name: "Name", Value: "data", Type: str}},
		},
		{
			"D: a Null optional substitution omits its element",
			renderingEvent([]evtxwrite.Data{
				{Name: "Kept", Type: str, Value: "k"},
				{Name: "Omitted", Type: str, Optional: true},
				{Name: "Bin", Type: evtx.TypeBinary, Optional: true},
				{Name: "Last", Type: evtx.TypeUint32, Value: uint32(7)},
			}, "", nil),
			[]evtx.Field{{Name: "Kept", Value: "k", Type: str}, {Name: "Last", Value: "7", Type: evtx.TypeUint32}},
		},
		{
			"D: unnamed Data after an omitted one keep their order",
			renderingEvent([]evtxwrite.Data{
				{Type: str, Optional: true},
				{Type: str, Value: "second"},
			}, "", nil),
			[]evtx.Field{{Name: "", Value: "second", Type: str}},
		},
		{
			"D: every value Null: no data at all",
			renderingEvent([]evtxwrite.Data{{Type: str, Optional: true}, {Name: "Binary", Type: evtx.TypeBinary, Optional: true}}, "", nil),
			nil,
		},
		{
			"D: an empty string that is not Null stays an empty field",
			renderingEvent([]evtxwrite.Data{
				{Name: "EmptyOptional", Type: str, Optional: true, Value: ""},
				{Name: "Empty", Type: str, Value: ""},
			}, "", nil),
			[]evtx.Field{{Name: "EmptyOptional", Value: "", Type: str}, {Name: "Empty", Value: "", Type: str}},
		},
		{
			"D: a Null optional substitution in UserData omits its element",
			renderingEvent(nil, "", &evtxwrite.UserData{
				Name: "EventXML", Namespace: "Event_NS",
				Data: []evtxwrite.Data{{Name: "Param1", Type: str, Optional: true}, {Name: "Param2", Type: str, Value: "p2"}},
			}),
			[]evtx.Field{{Name: "Param2", Value: "p2", Type: str}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := evtxwrite.Encode([]evtxwrite.Event{tt.ev}, evtxwrite.Options{})
			require.NoError(t, err)
			for _, force := range []bool{false, true} {
				r, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)), "rendering.evtx")
				require.NoError(t, err)
				if force {
					evtx.ForceDecoder(r)
				}
				var events []*evtx.Event
				for ev, err := range r.Events(context.Background(), evtx.Options{}) {
					require.NoError(t, err, "force decoder %v", force)
					events = append(events, ev)
				}
				require.Len(t, events, 1, "force decoder %v", force)
				ev := events[0]
				assert.Equal(t, "Rendering-Test", ev.Provider)
				assert.Equal(t, tt.want, ev.Data, "force decoder %v", force)
			}
		})
	}
}

// corpusLog reads one log of the public corpus, or skips naming the
// variable that points at the corpus.
func corpusLog(t *testing.T, rel string) readResult {
	t.Helper()
	dir := corpusDir()
	if dir == "" {
		t.Skipf("no sample corpus: set %s to the directory of public .evtx samples", corpusEnv)
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if os.IsNotExist(err) {
		t.Skipf("%s is not in the corpus at %s (%s)", rel, dir, corpusEnv)
	}
	require.NoError(t, err)
	return read(t, b, evtx.Options{})
}

func eventByRecordID(t *testing.T, res readResult, id uint64) *evtx.Event {
	t.Helper()
	for _, ev := range res.events {
		if ev.RecordID == id {
			return ev
		}
	}
	require.Failf(t, "record not found", "record %d", id)
	return nil
}

// fieldsNamed returns the values of the fields called name, in order.
func fieldsNamed(ev *evtx.Event, name string) []string {
	var out []string
	for _, f := range ev.Data {
		if f.Name == name {
			out = append(out, f.Value)
		}
	}
	return out
}

// TestRenderingCorpusRecords checks the records of the public corpus on
// which the four rendering faults were found, against what libevtx
// (evtxexport) renders for them.
func TestRenderingCorpusRecords(t *testing.T) {
	const (
		capi2    = "omerbenamram-evtx/E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx"
		security = "omerbenamram-evtx/security.evtx"
		appLog   = "hayabusa-sample-evtx/DeepBlueCLI/many-events-application.evtx"
		defender = "hayabusa-sample-evtx/EVTX-to-MITRE-Attack/Antivirus/ID1116-1117-Defender threat detected.evtx"
	)
	noNamespaceField := func(t *testing.T, res readResult) {
		t.Helper()
		for _, ev := range res.events {
			for _, f := range ev.Data {
				last := f.Name[strings.LastIndexByte(f.Name, '/')+1:]
				require.False(t, last == "xmlns" || strings.HasPrefix(last, "xmlns:"), "record %d: namespace declaration %q as a field", ev.RecordID, f.Name)
			}
		}
	}
	t.Run("A security.evtx", func(t *testing.T) {
		res := corpusLog(t, security)
		noNamespaceField(t, res)
		assert.Nil(t, eventByRecordID(t, res, 38).Data, "record 38: <ServiceShutdown xmlns:auto-ns3=...> holds no data")
	})
	t.Run("A and C and D many-events-application.evtx", func(t *testing.T) {
		res := corpusLog(t, appLog)
		noNamespaceField(t, res)
		ev := eventByRecordID(t, res, 1191)
		require.NotEmpty(t, ev.Data)
		assert.Equal(t, evtx.Field{Name: evtx.EventDataNameKey, Value: "EVENT_HIVE_LEAK", Type: evtx.TypeString}, ev.Data[0])
		assert.Equal(t, []string{"Detail"}, []string{ev.Data[1].Name})
		// Record 3: <Data> and <Binary> both hold an optional substitution
		// whose value is Null; evtxexport renders <EventData/>.
		assert.Nil(t, eventByRecordID(t, res, 3).Data)
		for _, ev := range res.events {
			for _, f := range ev.Data {
				require.NotEqual(t, evtx.TypeNull, f.Type, "record %d: field %q is a Null value", ev.RecordID, f.Name)
			}
		}
	})
	t.Run("B CAPI2 record 516", func(t *testing.T) {
		ev := eventByRecordID(t, corpusLog(t, capi2), 516)
		h := fieldsNamed(ev, "AdditionalInfo/HTTPResponseHeadersInfo/Header")
		require.Len(t, h, 15, "evtxexport lists 15 response headers")
		assert.Equal(t, `Via: 1.1 ["web-proxy.shieldbase.lan"] (squid/3.5.27)`, h[3])
		assert.Equal(t, "Content-Length: 609", h[4], "the headers after it are not shifted")
	})
	t.Run("B Defender 1116 FWLink", func(t *testing.T) {
		res := corpusLog(t, defender)
		n := 0
		for _, ev := range res.events {
			if ev.EventID != 1116 {
				continue
			}
			n++
			l := fieldsNamed(ev, "FWLink")
			require.Len(t, l, 1, "record %d", ev.RecordID)
			assert.True(t, strings.HasPrefix(l[0], "https://go.microsoft.com/fwlink/?linkid=37020&name="), "record %d: %q", ev.RecordID, l[0])
			assert.Contains(t, l[0], "&threatid=")
		}
		assert.Positive(t, n)
	})
}
