package evtx

import (
	"testing"
	"time"

	"github.com/Velocidex/ordereddict"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dict builds an ordered dict from key, value pairs.
func rdDict(kv ...any) *ordereddict.Dict {
	d := ordereddict.NewDict()
	for i := 0; i < len(kv); i += 2 {
		d.Set(kv[i].(string), kv[i+1])
	}
	return d
}

func rdEvent(parts ...any) *ordereddict.Dict { return rdDict("Event", rdDict(parts...)) }

// TestDataShapes: every shape the decoder gives EventData or UserData in
// becomes one ordered field list.
func TestDataShapes(t *testing.T) {
	tests := []struct {
		name string
		in   *ordereddict.Dict
		want []Field
	}{
		{"named EventData (normalised)",
			rdEvent("EventData", rdDict("ClientName", `\\10.0.0.5`, "ServerRequiresSigning", true, "ClientNameLength", uint16(10))),
			[]Field{{"ClientName", `\\10.0.0.5`, TypeString}, {"ServerRequiresSigning", "true", TypeBool}, {"ClientNameLength", "10", TypeUint16}}},
		{"unnamed Data items",
			rdEvent("EventData", rdDict("Data", []any{"a", uint32(7), nil})),
			[]Field{{"", "a", TypeString}, {"", "7", TypeUint32}, {"", "", TypeNull}}},
		{"single Data left as Name/Value",
			rdEvent("EventData", rdDict("Data", rdDict("Name", "Only", "Value", "v"))),
			[]Field{{"Only", "v", TypeString}}},
		{"list of Name/Value with one missing its value",
			rdEvent("EventData", rdDict("Data", []any{rdDict("Name", "A", "Value", "1"), rdDict("Name", "B")})),
			[]Field{{"A", "1", TypeString}, {"B", "", TypeNull}}},
		{"Data as a string list",
			rdEvent("EventData", rdDict("Data", []string{"x", "y"})),
			[]Field{{"", "x", TypeString}, {"", "y", TypeString}}},
		{"single unnamed Data",
			rdEvent("EventData", rdDict("Data", "lonely")),
			[]Field{{"", "lonely", TypeString}}},
		{"EventData with Binary",
			rdEvent("EventData", rdDict("Data", []any{"a"}, "Binary", []byte{0xde, 0xad})),
			[]Field{{"", "a", TypeString}, {"Binary", "DEAD", TypeBinary}}},
		{"nested UserData, wrapper dropped",
			rdEvent("UserData", rdDict("EventXML", rdDict("Param1", "p", "Inner", rdDict("Leaf", int64(-3), "value", "v")))),
			[]Field{{"Param1", "p", TypeString}, {"Inner/Leaf", "-3", TypeInt64}, {"Inner/value", "v", TypeString}}},
		{"no data", rdEvent("System", rdDict()), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, dataFromDecoder(tt.in))
		})
	}
}

// TestWEFStringSystem: in WEF ForwardedEvents every System value may come
// as text; they are parsed, and a 7-digit SystemTime is exact.
func TestWEFStringSystem(t *testing.T) {
	in := rdEvent("System", rdDict(
		"Provider", rdDict("Name", "Microsoft-Windows-SMBServer", "Guid", "{d48ce617-33a2-4bc3-a5c7-11aa4f29619e}"),
		"EventID", rdDict("Qualifiers", "0", "Value", "3021"),
		"Version", "1", "Level", "4", "Task", "0", "Opcode", "0",
		"Keywords", "0x8000000000000000",
		"TimeCreated", rdDict("SystemTime", "2025-10-01T08:00:00.1234567Z"),
		"EventRecordID", "98765",
		"Correlation", rdDict("ActivityID", "0e2a62b5-0688-42de-9ae1-a2ad54a8ce40"),
		"Execution", rdDict("ProcessID", "4", "ThreadID", "1234"),
		"Channel", "Microsoft-Windows-SMBServer/Audit",
		"Computer", "FS01.corp.example",
		"Security", rdDict("UserID", "S-1-5-18"),
	), "EventData", rdDict("ClientName", `\\nas01`))
	ev := eventFromDecoder(in, nil)
	require.NotNil(t, ev)
	want := &Event{
		System: System{EventRecordID: 98765, Provider: "Microsoft-Windows-SMBServer",
			ProviderGUID: "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}",
			EventID:      3021, Qualifiers: 0, HasQualifiers: true, Version: 1, Level: 4,
			Keywords:    0x8000000000000000,
			TimeCreated: time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC),
			ActivityID:  "{0E2A62B5-0688-42DE-9AE1-A2AD54A8CE40}",
			ProcessID:   4, ThreadID: 1234,
			Channel: "Microsoft-Windows-SMBServer/Audit", Computer: "FS01.corp.example", UserSID: "S-1-5-18",
		},
		Data: []Field{{"ClientName", `\\nas01`, TypeString}},
	}
	assert.Equal(t, want, ev)
}

// TestPlanOverridesDecoder: the pre-pass's exact values win over the
// decoder's (a FILETIME float off by ~0.8 µs, a HexInt64 as decimal, a GUID
// without braces).
func TestPlanOverridesDecoder(t *testing.T) {
	in := rdEvent("System", rdDict(
		"Provider", rdDict("Name", "P"),
		"EventID", uint16(4624),
		"TimeCreated", rdDict("SystemTime", 1549462673.3172593),
	), "EventData", rdDict("SubjectLogonId", uint64(170334), "LogonGuid", "00000000-0000-0000-0000-00000000000A"))
	ft := uint64(132943362733172597) // 2022-04-13T15:11:13.3172597Z
	plan := &recordValues{
		ordered: []bxPathValue{
			{Path: pathTimeCreated, Value: typedValue{Type: TypeFileTime, Text: "ignored", FileTime: ft}},
			{Path: pathEventID, Value: typedValue{Type: TypeUint16, Text: "4624"}},
			{Path: "Event/EventData/Data[Name=SubjectLogonId]", Value: typedValue{Type: TypeHexInt64, Text: "0x2995e"}},
			{Path: "Event/EventData/Data[Name=LogonGuid]", Value: typedValue{Type: TypeGUID, Text: "{00000000-0000-0000-0000-00000000000A}"}},
			{Path: "Event/EventData/Data#1", Value: typedValue{Type: TypeString, Text: "unnamed"}},
			{Path: "Event/EventData@xmlns", Value: typedValue{Type: TypeString, Text: "http://x"}},
		},
	}
	plan.indexSys()
	ev := eventFromDecoder(in, plan)
	assert.Equal(t, fileTimeToTime(ft), ev.TimeCreated)
	assert.Equal(t, "2022-04-13T15:11:13.3172597Z", ev.TimeCreated.Format(TimeLayout))
	assert.Equal(t, []Field{
		{"SubjectLogonId", "0x2995e", TypeHexInt64},
		{"LogonGuid", "{00000000-0000-0000-0000-00000000000A}", TypeGUID},
		{"", "unnamed", TypeString},
	}, ev.Data)
	assert.Equal(t, "P", ev.Provider, "values the plan lacks come from the decoder")
}

func TestPlanFieldName(t *testing.T) {
	tests := []struct {
		path, name string
		ok         bool
	}{
		{"Event/EventData/Data[Name=ClientName]", "ClientName", true},
		{"Event/EventData/Data#2", "", true},
		{"Event/EventData/Binary", "Binary", true},
		{"Event/UserData/EventXML/Param1", "Param1", true},
		{"Event/UserData/EventXML/A/B@x", "A/B/x", true},
		{"Event/System/EventID", "", false},
	}
	for _, tt := range tests {
		name, ok := pathFieldName(tt.path)
		assert.Equal(t, tt.ok, ok, tt.path)
		assert.Equal(t, tt.name, name, tt.path)
	}
}

func TestRenderings(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{true, "true"}, {false, "false"}, {uint8(255), "255"}, {int32(-5), "-5"},
		{[]byte{0x01, 0xab}, "01AB"}, {nil, ""}, {"s", "s"}, {float64(1.5), "1.5"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, render(tt.in), "%T %v", tt.in, tt.in)
	}
	assert.Equal(t, "{0E2A62B5-0688-42DE-9AE1-A2AD54A8CE40}", renderGUID("0e2a62b5-0688-42de-9ae1-a2ad54a8ce40"))
	assert.Equal(t, "{0E2A62B5-0688-42DE-9AE1-A2AD54A8CE40}", renderGUID("{0E2A62B5-0688-42DE-9AE1-A2AD54A8CE40}"))
	assert.Equal(t, "not-a-guid", renderGUID("not-a-guid"))

	for _, tt := range []struct {
		in   any
		bits int
		want uint64
		ok   bool
	}{
		{"0x8000000000000000", 64, 1 << 63, true}, {" 42 ", 16, 42, true}, {"70000", 16, 0, false},
		{uint32(7), 8, 7, true}, {int64(-1), 64, 0, false}, {"x", 8, 0, false}, {1.5, 8, 0, false},
	} {
		got, ok := toUint(tt.in, tt.bits)
		assert.Equal(t, tt.ok, ok, "%v", tt.in)
		assert.Equal(t, tt.want, got, "%v", tt.in)
	}
	assert.Equal(t, time.Date(1601, 1, 1, 0, 0, 0, 100, time.UTC), fileTimeToTime(1))
	assert.True(t, fileTimeToTime(0).IsZero())
	assert.Equal(t, "2019-02-06T14:17:53.3172593Z", toTime(1549462673.3172593).Format(TimeLayout))
	assert.True(t, toTime("garbage").IsZero())
	assert.True(t, toTime(1e300).IsZero())
}

func TestDataKeys(t *testing.T) {
	ev := &Event{Data: []Field{{Name: "A"}, {Name: ""}, {Name: "A"}, {Name: ""}, {Name: "B"}, {Name: "A"}}}
	assert.Equal(t, []string{"A", "Data#0", "A#1", "Data#1", "B", "A#2"}, ev.DataKeys())
}

func TestProviderPrefilterFolding(t *testing.T) {
	chunk := append([]byte("junk"), utf16LEBytes("MICROSOFT-Windows-SmbServer")...)
	scratch := make([]byte, len(chunk))
	tests := []struct {
		providers []string
		want      bool
	}{
		{nil, true},
		{[]string{"Microsoft-Windows-SMBServer"}, true},
		{[]string{"microsoft-windows-smbserver"}, true},
		{[]string{"Microsoft-Windows-Security-Auditing"}, false},
		{[]string{"Other", "microsoft-WINDOWS-smbserver"}, true},
		{[]string{"Ünicode-Provider"}, true}, // non-ASCII: the pre-filter stands aside
	}
	for _, tt := range tests {
		c := compileOptions(Options{Providers: tt.providers})
		assert.Equal(t, tt.want, c.mayHoldProvider(chunk, scratch), "%q", tt.providers)
	}
	assert.True(t, providerEqual("Microsoft-Windows-SMBServer", "microsoft-windows-smbserver"))
	assert.False(t, providerEqual("Microsoft-Windows-SMBServer2", "microsoft-windows-smbserver"))
	assert.False(t, providerEqual("\u212Aerberos", "kerberos"), "only ASCII folds for an ASCII name, as in the pre-filter")
}
