package evtx_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

// benchLog is a log of n events, a tenth of them SMB audit events in one
// run, so that the provider pre-filter has chunks to skip.
func benchLog(b *testing.B, n int) []byte {
	b.Helper()
	log, err := evtxwrite.Encode(fixtureEvents(n, n/2, n/2+n/10), evtxwrite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return log
}

// BenchmarkEvents reads a 6000-event log: all events with 1 and with
// GOMAXPROCS workers, and SMB events only (pre-filter).
//
//	go test ./evtx -run '^$' -bench BenchmarkEvents -benchtime 5x
func BenchmarkEvents(b *testing.B) {
	log := benchLog(b, 6000)
	for _, bc := range []struct {
		name string
		opts evtx.Options
	}{
		{"all/workers=1", evtx.Options{Workers: 1}},
		{"all/workers=GOMAXPROCS", evtx.Options{}},
		{"smb-only/workers=GOMAXPROCS", evtx.Options{Providers: []string{smbProvider}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(log)))
			b.ReportAllocs()
			for b.Loop() {
				r, err := evtx.NewReader(bytes.NewReader(log), int64(len(log)), "bench.evtx")
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for ev, err := range r.Events(context.Background(), bc.opts) {
					if err != nil {
						b.Fatal(err)
					}
					_ = ev
					n++
				}
				b.ReportMetric(float64(n), "events/op")
			}
		})
	}
}

// BenchmarkEventsPeakHeap reports the peak live heap while streaming logs of
// growing size (sampled after a GC at every chunk): it must stay flat, not
// grow with the file.
//
//	go test ./evtx -run '^$' -bench BenchmarkEventsPeakHeap -benchtime 1x
func BenchmarkEventsPeakHeap(b *testing.B) {
	for _, n := range []int{3000, 12000} {
		log := benchLog(b, n)
		b.Run(fmt.Sprintf("events=%d/MB=%.1f", n, float64(len(log))/(1<<20)), func(b *testing.B) {
			for b.Loop() {
				r, _ := evtx.NewReader(bytes.NewReader(log), int64(len(log)), "bench.evtx")
				var peak uint64
				var ms runtime.MemStats
				opts := evtx.Options{OnChunk: func(evtx.ChunkInfo) {
					runtime.GC()
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}}
				for range r.Events(context.Background(), opts) {
				}
				// The log itself is held in memory by the test; subtract it.
				b.ReportMetric(float64(peak-min(peak, uint64(len(log))))/(1<<20), "peak-heap-MB-beyond-input")
			}
		})
	}
}
