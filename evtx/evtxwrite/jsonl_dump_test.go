package evtxwrite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dumpLine is one line as examples/evtxdump prints it.
const dumpLine = `{"record_id":7,"event_record_id":90210,"time_created":"2025-10-01T08:00:00.1234567Z","event_id":3021,"provider":"Microsoft-Windows-SMBServer","channel":"Microsoft-Windows-SMBServer/Audit","computer":"FS01","qualifiers":0,"version":1,"level":4,"task":0,"opcode":0,"keywords":"0x8000000000000000","provider_guid":"{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}","user_sid":"S-1-5-18","process_id":4,"thread_id":120,"data":{"ClientName":"\\\\10.0.0.5","Data#0":"7","ClientName#1":"x","Data#1":"","Tag#2":"y"},"source":{"file":"a.evtx","chunk":0,"offset":4608},"chunk_damaged":true}`

func TestParseJSONLDumpLine(t *testing.T) {
	evs, err := ParseJSONL(strings.NewReader(dumpLine + "\n"))
	require.NoError(t, err)
	require.Len(t, evs, 1)
	e := evs[0]
	assert.Equal(t, uint64(7), e.RecordID)
	assert.Equal(t, uint64(90210), e.EventRecordID)
	assert.Equal(t, time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC), e.TimeCreated)
	assert.Equal(t, uint16(3021), e.EventID)
	assert.Equal(t, uint64(0x8000000000000000), e.Keywords)
	require.NotNil(t, e.Qualifiers)
	assert.Equal(t, uint8(1), e.Version)
	s := evtx.TypeString
	assert.Equal(t, []Data{
		{Name: "ClientName", Type: s, Value: `\\10.0.0.5`},
		{Name: "", Type: s, Value: "7"},
		{Name: "ClientName", Type: s, Value: "x"},
		{Name: "", Type: s, Value: ""},
		{Name: "Tag#2", Type: s, Value: "y"}, // no Tag before it: a name
	}, e.Data, "in order, keys turned back into names")
}

func TestParseJSONLDumpErrorsSayNoGoTypes(t *testing.T) {
	base := `"provider":"P","channel":"C","computer":"H","time_created":"2025-10-01T08:00:00Z"`
	for _, tc := range []struct {
		name, line, field, msg string
	}{
		{"data value not a string", `{` + base + `,"event_id":1,"data":{"a":1}}`, "data", `"a": want a string value`},
		{"data a string", `{` + base + `,"event_id":1,"data":"x"}`, "data", "want a list"},
		{"data item not an object", `{` + base + `,"event_id":1,"data":[1]}`, "data", "number where an object is expected"},
		{"event id a string", `{` + base + `,"event_id":"1"}`, "event_id", "string where a whole number is expected"},
		{"event id too large", `{` + base + `,"event_id":70000}`, "event_id", "number 70000 is out of range (0 to 65535)"},
		{"computer a number", `{"provider":"P","channel":"C","computer":1,"event_id":1,"time_created":"2025-10-01T08:00:00Z"}`, "computer", "number where a string is expected"},
		{"user data a list", `{` + base + `,"event_id":1,"user_data":[]}`, "user_data", "array where an object is expected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseJSONL(strings.NewReader(tc.line))
			var le *LineError
			require.True(t, errors.As(err, &le), "%v", err)
			assert.Equal(t, tc.field, le.Field)
			assert.ErrorIs(t, err, ErrSyntax)
			assert.Contains(t, err.Error(), tc.msg)
			for _, goName := range []string{"evtxwrite.", "[]", "uint16", "jsonData", "string does not fit"} {
				assert.NotContains(t, err.Error(), goName)
			}
		})
	}
}

// dumpLines renders the events of a log as evtxdump does, without source.
func dumpLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := evtx.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var lines []string
	for ev, err := range f.Events(context.Background(), evtx.Options{}) {
		require.NoError(t, err)
		ev.Source = evtx.Source{}
		b, err := json.Marshal(ev)
		require.NoError(t, err)
		lines = append(lines, string(b))
	}
	return lines
}

// A log written from its own dump dumps alike: every event, System field
// and data value, in order.
func TestDumpRoundTrip(t *testing.T) {
	for _, name := range []string{"audit-fs01.evtx", "forwarded-events.evtx"} {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join("..", "..", "testdata", "smbaudit", name)
			f, err := evtx.Open(src)
			require.NoError(t, err)
			var dump bytes.Buffer
			enc := json.NewEncoder(&dump)
			enc.SetEscapeHTML(false)
			for ev, err := range f.Events(context.Background(), evtx.Options{}) {
				require.NoError(t, err)
				require.NoError(t, enc.Encode(ev))
			}
			f.Close()
			evs, err := ParseJSONL(&dump)
			require.NoError(t, err)
			out := filepath.Join(t.TempDir(), "again.evtx")
			require.NoError(t, WriteFile(out, evs, Options{}))
			want, got := dumpLines(t, src), dumpLines(t, out)
			require.NotEmpty(t, want)
			assert.Equal(t, want, got)
		})
	}
}
