package evtx_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

// exampleLog writes a small log with the project's own writer.
func exampleLog() []byte {
	b, err := evtxwrite.Encode([]evtxwrite.Event{
		{System: evtx.System{Provider: "Microsoft-Windows-SMBServer", EventID: 3021, Channel: "Microsoft-Windows-SMBServer/Audit",
			Computer: "FS01", TimeCreated: time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC)},
			Data: []evtxwrite.Data{
				{Name: "ClientName", Type: evtx.TypeString, Value: `\\10.0.0.5`},
				{Name: "ServerRequiresSigning", Type: evtx.TypeBool, Value: true},
			}},
		{System: evtx.System{Provider: "Microsoft-Windows-Security-Auditing", EventID: 4624, Channel: "Security",
			Computer: "FS01", TimeCreated: time.Date(2025, 10, 1, 8, 0, 1, 0, time.UTC)}},
	}, evtxwrite.Options{})
	if err != nil {
		panic(err)
	}
	return b
}

func ExampleReader_Events() {
	log := exampleLog()
	r, err := evtx.NewReader(bytes.NewReader(log), int64(len(log)), "example.evtx")
	if err != nil {
		fmt.Println(err) // not EVTX, unsupported version, too short
		return
	}
	opts := evtx.Options{Providers: []string{"microsoft-windows-smbserver"}}
	for ev, err := range r.Events(context.Background(), opts) {
		if err != nil {
			fmt.Println("damaged:", err) // the loop goes on
			continue
		}
		client, _ := ev.Get("ClientName")
		fmt.Println(ev.RecordID, ev.EventID, ev.TimeCreated.Format(evtx.TimeLayout), client)
	}
	// Output:
	// 1 3021 2025-10-01T08:00:00.1234567Z \\10.0.0.5
}

func ExampleEvent_MarshalJSON() {
	log := exampleLog()
	r, _ := evtx.NewReader(bytes.NewReader(log), int64(len(log)), "example.evtx")
	for ev, err := range r.Events(context.Background(), evtx.Options{EventIDs: []uint16{3021}}) {
		if err != nil {
			continue
		}
		b, _ := ev.MarshalJSON()
		fmt.Println(string(b))
	}
	// Output:
	// {"record_id":1,"event_record_id":1,"time_created":"2025-10-01T08:00:00.1234567Z","event_id":3021,"provider":"Microsoft-Windows-SMBServer","channel":"Microsoft-Windows-SMBServer/Audit","computer":"FS01","version":0,"level":0,"task":0,"opcode":0,"keywords":"0x0","process_id":0,"thread_id":0,"data":{"ClientName":"\\\\10.0.0.5","ServerRequiresSigning":"true"},"source":{"file":"example.evtx","chunk":0,"offset":4608}}
}

func ExampleJSONAppender() {
	log := exampleLog()
	r, _ := evtx.NewReader(bytes.NewReader(log), int64(len(log)), "example.evtx")
	var enc evtx.JSONAppender // one per output stream
	var line []byte
	for ev, err := range r.Events(context.Background(), evtx.Options{}) {
		if err != nil {
			continue
		}
		line = append(enc.Append(line[:0], ev), '\n') // ev.AppendJSON's text
		fmt.Print(string(line[:60]), "...\n")
	}
	// Output:
	// {"record_id":1,"event_record_id":1,"time_created":"2025-10-0...
	// {"record_id":2,"event_record_id":2,"time_created":"2025-10-0...
}

func ExampleReader_WriteJSONLines() {
	log := exampleLog()
	r, _ := evtx.NewReader(bytes.NewReader(log), int64(len(log)), "example.evtx")
	var out bytes.Buffer // a bufio.Writer on a file, in a program
	n, err := r.WriteJSONLines(context.Background(), &out, evtx.Options{Workers: 2}, func(err error) {
		fmt.Println("damaged:", err) // in its place among the lines; the writing goes on
	})
	if err != nil {
		fmt.Println(err) // the writer's error, or the context's
	}
	fmt.Println(n, "events,", bytes.Count(out.Bytes(), []byte("\n")), "lines")
	// Output:
	// 2 events, 2 lines
}

func ExampleOptions_onChunk() {
	log := exampleLog()
	r, _ := evtx.NewReader(bytes.NewReader(log), int64(len(log)), "example.evtx")
	opts := evtx.Options{
		Providers: []string{"No-Such-Provider"},
		OnChunk: func(c evtx.ChunkInfo) {
			fmt.Printf("chunk %d at %d: %s, damaged %v\n", c.Index, c.Offset, c.State, c.Damaged())
		},
	}
	for range r.Events(context.Background(), opts) {
	}
	// Output:
	// chunk 0 at 4096: skipped, damaged false
}

// With ReuseEvents, an Event is valid only in the loop body that gets it:
// what is kept is copied out (its strings may be kept as they are).
func ExampleOptions_reuseEvents() {
	log := exampleLog()
	r, _ := evtx.NewReader(bytes.NewReader(log), int64(len(log)), "example.evtx")
	perProvider := map[string]int{}
	var kept []evtx.Event
	for ev, err := range r.Events(context.Background(), evtx.Options{ReuseEvents: true}) {
		if err != nil {
			continue
		}
		perProvider[ev.Provider]++ // a string of the Event: safe to keep
		if ev.EventID == 3021 {
			c := *ev
			c.Data = slices.Clone(ev.Data)
			kept = append(kept, c) // a copy, not ev
		}
	}
	fmt.Println(perProvider["Microsoft-Windows-SMBServer"], perProvider["Microsoft-Windows-Security-Auditing"], len(kept), kept[0].Data[0].Value)
	// Output:
	// 1 1 1 \\10.0.0.5
}
