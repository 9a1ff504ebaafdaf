package evtxwrite_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

// Write a one-event log from JSON Lines.
func Example() {
	events, err := evtxwrite.ParseJSONL(strings.NewReader(`{"provider":"Microsoft-Windows-SMBServer","channel":"Microsoft-Windows-SMBServer/Audit","computer":"FS01","event_id":3021,"time_created":"2025-10-01T08:00:00Z","data":[{"name":"ClientName","type":"string","value":"\\\\10.0.0.5"}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	var buf bytes.Buffer
	if err := evtxwrite.Write(&buf, events, evtxwrite.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	b := buf.Bytes()
	fmt.Printf("%d bytes, %q, record %d\n", len(b), b[:7], events[0].RecordID)
	// Output: 69632 bytes, "ElfFile", record 1
}

// A bad line is reported with its number and field.
func ExampleParseJSONL_error() {
	_, err := evtxwrite.ParseJSONL(strings.NewReader(`{"provider":"P","channel":"C","computer":"H","event_id":1,"time_created":"2025-10-01T08:00:00Z","data":[{"name":"n","type":"uint8","value":300}]}`))
	fmt.Println(err)
	// Output: line 1: data[0].value: evtxwrite: invalid event: bad value: "300" is not a 8-bit unsigned integer
}
