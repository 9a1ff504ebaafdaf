package evtx_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/evtxkit/smbreadiness/evtx"
)

// speedInput is a log held in memory for the speed benchmarks.
type speedInput struct {
	name string
	img  []byte
}

// speedInputs returns the logs scripts/bench-rust.sh compares with the Rust
// reference: the corpus's security.evtx (skipped without the corpus) and a
// generated 8 MiB audit-only log.
func speedInputs(b *testing.B) []speedInput {
	b.Helper()
	var in []speedInput
	if dir := corpusDir(); dir != "" {
		img, err := os.ReadFile(filepath.Join(dir, "omerbenamram-evtx", "security.evtx"))
		if err == nil {
			in = append(in, speedInput{"security", img})
		}
	}
	return append(in, speedInput{"audit-only-8MiB", genLog(b, 8<<20, 1)})
}

// BenchmarkSpeed decodes every event of each speed input with one worker,
// as typed events only ("decode", Reader.Events; "reuse", the same with
// Options.ReuseEvents) and written as JSON Lines
// the way examples/evtxdump writes them ("jsonl", Reader.WriteJSONLines
// into a buffered writer), reporting MB/s, allocations per event and bytes
// per event.
//
//	go test ./evtx -run '^$' -bench Speed -benchtime 20x
//
// scripts/bench-rust.sh compares the same work with the Rust reference.
func BenchmarkSpeed(b *testing.B) {
	for _, in := range speedInputs(b) {
		for _, mode := range []string{"decode", "reuse", "jsonl"} {
			b.Run(in.name+"/"+mode, func(b *testing.B) {
				b.SetBytes(int64(len(in.img)))
				w := bufio.NewWriterSize(io.Discard, 64<<10)
				pass := func() (events int) {
					r, err := evtx.NewReader(bytes.NewReader(in.img), int64(len(in.img)), in.name)
					if err != nil {
						b.Fatal(err)
					}
					o := evtx.Options{Workers: 1, ReuseEvents: mode == "reuse"}
					if mode == "jsonl" {
						// The corpus logs hold damage on purpose: errors are
						// passed over.
						n, err := r.WriteJSONLines(context.Background(), w, o, nil)
						if err != nil {
							b.Fatal(err)
						}
						return n
					}
					for ev, err := range r.Events(context.Background(), o) {
						if err == nil && ev != nil {
							events++
						}
					}
					return events
				}
				for b.Loop() {
					pass()
				}
				// Allocations of one more pass, measured alone.
				var ms0, ms1 runtime.MemStats
				runtime.ReadMemStats(&ms0)
				events := pass()
				runtime.ReadMemStats(&ms1)
				w.Flush()
				b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(events), "allocs/event")
				b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(events), "B/event")
			})
		}
	}
}
