package evtx_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinXMLRoundTripThroughWriter writes events with every value type the
// project's writer supports and checks that the pre-pass reads back each
// value as Windows renders it.
func TestBinXMLRoundTripThroughWriter(t *testing.T) {
	when := time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC)
	q := uint16(0)
	data := []struct {
		d    evtxwrite.Data
		want string
	}{
		{evtxwrite.Data{Name: "ClientNameLength", Type: evtx.TypeUint16, Value: 10}, "10"},
		{evtxwrite.Data{Name: "ClientName", Type: evtx.TypeString, Value: `\\10.1.2.3`}, `\\10.1.2.3`},
		{evtxwrite.Data{Name: "ServerRequiresSigning", Type: evtx.TypeBool, Value: true}, "true"},
		{evtxwrite.Data{Name: "Status", Type: evtx.TypeHexInt32, Value: uint32(0xc000006d)}, "0xc000006d"},
		{evtxwrite.Data{Name: "Mask", Type: evtx.TypeHexInt64, Value: uint64(0x8020000000000000)}, "0x8020000000000000"},
		{evtxwrite.Data{Name: "Session", Type: evtx.TypeGUID, Value: "{d48ce617-33a2-4bc3-a5c7-11aa4f29619e}"}, "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}"},
		{evtxwrite.Data{Name: "User", Type: evtx.TypeSID, Value: "S-1-5-21-1-2-3-500"}, "S-1-5-21-1-2-3-500"},
		{evtxwrite.Data{Name: "When", Type: evtx.TypeFileTime, Value: when}, "2025-10-01T08:00:00.1234567Z"},
		{evtxwrite.Data{Name: "SysWhen", Type: evtx.TypeSysTime, Value: when}, "2025-10-01T08:00:00.1230000Z"},
		{evtxwrite.Data{Name: "Blob", Type: evtx.TypeBinary, Value: []byte{0xde, 0xad}}, "DEAD"},
		{evtxwrite.Data{Name: "Addr", Type: evtx.TypeAnsiString, Value: "10.1.2.3"}, "10.1.2.3"},
		{evtxwrite.Data{Name: "Small", Type: evtx.TypeInt8, Value: -5}, "-5"},
		{evtxwrite.Data{Name: "Big", Type: evtx.TypeInt64, Value: int64(-1 << 40)}, "-1099511627776"},
		{evtxwrite.Data{Name: "Policy", Type: evtx.TypeUint32, Value: 2}, "2"},
		{evtxwrite.Data{Type: evtx.TypeString, Value: "unnamed"}, "unnamed"},
	}
	ev := evtxwrite.Event{
		System: evtx.System{Provider: "Microsoft-Windows-SMBServer",
			ProviderGUID: "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}",
			Channel:      "Microsoft-Windows-SMBServer/Audit",
			Computer:     "FS01.corp.example",
			UserSID:      "S-1-5-18",
			EventID:      3021,
			Qualifiers:   q, HasQualifiers: true,
			Version:     1,
			Level:       4,
			Keywords:    0x8020000000000000,
			TimeCreated: when,
			ProcessID:   4,
			ThreadID:    100,
		}}
	for _, d := range data {
		ev.Data = append(ev.Data, d.d)
	}
	second := ev
	second.Data = []evtxwrite.Data{{Name: "ClientName", Type: evtx.TypeString, Value: "second"}}
	second.TimeCreated = when.Add(100 * time.Nanosecond)
	img, err := evtxwrite.Encode([]evtxwrite.Event{ev, ev, second}, evtxwrite.Options{})
	require.NoError(t, err)

	recs := evtx.BinXMLValuesForTest(img)
	require.Len(t, recs, 3)
	for i, r := range recs {
		require.NoError(t, r.Err, "record %d", i)
	}
	get := func(r evtx.BinXMLRecordForTest, path string) (string, bool) {
		for i, p := range r.Paths {
			if p == path {
				return r.Texts[i], true
			}
		}
		return "", false
	}
	for _, r := range recs[:2] { // the first defines the templates, the second reuses them
		for i, d := range data {
			path := "Event/EventData/Data[Name=" + d.d.Name + "]"
			if d.d.Name == "" {
				path = "Event/EventData/Data#" + strconv.Itoa(i)
			}
			got, ok := get(r, path)
			if assert.True(t, ok, "record %d: %s missing from %v", r.RecordID, path, r.Paths) {
				assert.Equal(t, d.want, got, "record %d: %s", r.RecordID, path)
			}
		}
		for path, want := range map[string]string{
			"Event/System/Provider@Name":          "Microsoft-Windows-SMBServer",
			"Event/System/Provider@Guid":          "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}",
			"Event/System/EventID":                "3021",
			"Event/System/EventID@Qualifiers":     "0",
			"Event/System/Keywords":               "0x8020000000000000",
			"Event/System/TimeCreated@SystemTime": "2025-10-01T08:00:00.1234567Z",
			"Event/System/Security@UserID":        "S-1-5-18",
			"Event/System/Computer":               "FS01.corp.example",
			"Event/System/Channel":                "Microsoft-Windows-SMBServer/Audit",
		} {
			got, ok := get(r, path)
			if assert.True(t, ok, "record %d: %s missing from %v", r.RecordID, path, r.Paths) {
				assert.Equal(t, want, got, "record %d: %s", r.RecordID, path)
			}
		}
	}
	got, _ := get(recs[2], "Event/EventData/Data[Name=ClientName]")
	assert.Equal(t, "second", got)
	assert.Equal(t, uint64(134037792001234568), recs[2].FileTime["Event/System/TimeCreated@SystemTime"], "exact to 100 ns")
}
