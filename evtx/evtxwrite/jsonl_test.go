package evtxwrite

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const goodLine = `{"provider":"Microsoft-Windows-SMBServer","provider_guid":"{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}","channel":"Microsoft-Windows-SMBServer/Audit","computer":"FS01.corp.example","event_id":3021,"version":0,"level":4,"task":0,"opcode":0,"keywords":"0x8000000000000000","time_created":"2025-10-01T08:00:00.1234567Z","record_id":17,"process_id":4,"thread_id":120,"user_sid":"S-1-5-18","data":[{"name":"ClientNameLength","type":"uint16","value":11},{"name":"ClientName","type":"string","value":"\\\\10.0.0.5"},{"name":"ServerRequiresSigning","type":"bool","value":false}]}`

func TestParseJSONL(t *testing.T) {
	minimal := `{"provider":"P","channel":"C","computer":"H","event_id":1,"time_created":"2025-10-01T08:00:00Z"}`
	evs, err := ParseJSONL(strings.NewReader(goodLine + "\n\n" + minimal + "\n" + minimal))
	require.NoError(t, err)
	require.Len(t, evs, 3)
	e := evs[0]
	assert.Equal(t, "FS01.corp.example", e.Computer)
	assert.Equal(t, uint64(0x8000000000000000), e.Keywords)
	assert.Equal(t, time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC), e.TimeCreated)
	assert.Equal(t, []Data{{Name: "ClientNameLength", Type: evtx.TypeUint16, Value: json.Number("11")}, {Name: "ClientName", Type: evtx.TypeString, Value: `\\10.0.0.5`}, {Name: "ServerRequiresSigning", Type: evtx.TypeBool, Value: false}}, e.Data)
	assert.Equal(t, []uint64{17, 18, 19}, []uint64{evs[0].RecordID, evs[1].RecordID, evs[2].RecordID}, "record_id defaults to previous + 1")
	assert.Zero(t, evs[0].EventRecordID, "event_record_id defaults to the record ID")

	fwd := `{"provider":"P","channel":"C","computer":"H","event_id":1,"time_created":"2025-10-01T08:00:00Z","record_id":5,"event_record_id":90210}`
	evs, err = ParseJSONL(strings.NewReader(fwd))
	require.NoError(t, err)
	assert.Equal(t, uint64(5), evs[0].RecordID)
	assert.Equal(t, uint64(90210), evs[0].EventRecordID, "a forwarded record keeps its source's number")
}

func TestParseJSONLErrors(t *testing.T) {
	base := `"provider":"P","channel":"C","computer":"H","time_created":"2025-10-01T08:00:00Z"`
	tests := []struct {
		name, line, field string
		sentinel          error
	}{
		{"not json", `{"provider":`, "", ErrSyntax},
		{"unknown field", `{` + base + `,"event_id":1,"colour":1}`, "colour", ErrSyntax},
		{"event id overflow", `{` + base + `,"event_id":70000}`, "event_id", ErrSyntax},
		{"missing event id", `{` + base + `}`, "event_id", ErrInvalidEvent},
		{"missing computer", `{"provider":"P","channel":"C","event_id":1,"time_created":"2025-10-01T08:00:00Z"}`, "computer", ErrInvalidEvent},
		{"bad time", `{"provider":"P","channel":"C","computer":"H","event_id":1,"time_created":"yesterday"}`, "time_created", ErrInvalidEvent},
		{"bad keywords", `{` + base + `,"event_id":1,"keywords":"0xZZ"}`, "keywords", ErrInvalidEvent},
		{"bad sid", `{` + base + `,"event_id":1,"user_sid":"S-1-x"}`, "user_sid", ErrInvalidEvent},
		{"bad guid", `{` + base + `,"event_id":1,"provider_guid":"{1234}"}`, "provider_guid", ErrInvalidEvent},
		{"unknown type", `{` + base + `,"event_id":1,"data":[{"name":"a","type":"float","value":1}]}`, "data[0].type", ErrInvalidEvent},
		{"value overflow", `{` + base + `,"event_id":1,"data":[{"name":"a","type":"uint8","value":256}]}`, "data[0].value", ErrInvalidEvent},
		{"bad binary", `{` + base + `,"event_id":1,"data":[{"name":"a","type":"binary","value":"xyz"}]}`, "data[0].value", ErrInvalidEvent},
		{"missing name", `{` + base + `,"event_id":1,"data":[{"type":"uint8","value":1}]}`, "data[0].name", ErrInvalidEvent},
		{"both payloads", `{` + base + `,"event_id":1,"data":[],"user_data":{"name":"X","data":[]}}`, "user_data", ErrInvalidEvent},
		{"unnamed user data", `{` + base + `,"event_id":1,"user_data":{"name":"X","data":[{"name":"","type":"uint8","value":1}]}}`, "user_data.data[0].name", ErrInvalidEvent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseJSONL(strings.NewReader(goodLine + "\n" + tc.line + "\n"))
			require.Error(t, err)
			var le *LineError
			require.True(t, errors.As(err, &le), "%v", err)
			assert.Equal(t, 2, le.Line)
			assert.Equal(t, tc.field, le.Field)
			assert.ErrorIs(t, err, tc.sentinel)
			assert.Contains(t, err.Error(), "line 2")
		})
	}
}
