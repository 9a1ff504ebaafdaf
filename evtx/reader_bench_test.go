package evtx_test

import (
	"bytes"
	"context"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/internal/benchgen"
	vevtx "www.velocidex.com/golang/evtx"
)

// genLog writes a benchgen log of size bytes and returns its bytes.
func genLog(b *testing.B, size int64, smb float64) []byte {
	b.Helper()
	p := filepath.Join(b.TempDir(), "bench.evtx")
	if _, err := benchgen.WriteFile(p, benchgen.Config{Size: size, SMBFraction: smb}); err != nil {
		b.Fatal(err)
	}
	img, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	return img
}

// BenchmarkReaderSideBySide reads generated logs (8 MiB mixed WEF-style
// with 0.1% SMB audit events, 4 MiB audit-only) every way the performance
// table compares, in one run: the floor (CRC32 of every chunk), Velocidex
// alone (Parse of every chunk, sequential), this reader decoding every
// event with 1 and GOMAXPROCS workers, and with the SMB provider filter.
// Compare the MB/s of the sub-benchmarks of one input with each other.
//
//	go test ./evtx -run '^$' -bench SideBySide -benchtime 3x
//
// scripts/bench.sh does the same on 1 GiB logs, one process per column.
func BenchmarkReaderSideBySide(b *testing.B) {
	for _, in := range []struct {
		name string
		size int64
		smb  float64
	}{
		{"mixed-0.1pct", 8 << 20, 0.001},
		{"audit-only", 4 << 20, 1},
	} {
		img := genLog(b, in.size, in.smb)
		read := func(b *testing.B, opts evtx.Options) {
			b.SetBytes(int64(len(img)))
			b.ReportAllocs()
			for b.Loop() {
				r, err := evtx.NewReader(bytes.NewReader(img), int64(len(img)), "bench.evtx")
				if err != nil {
					b.Fatal(err)
				}
				for _, err := range r.Events(context.Background(), opts) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		}
		b.Run(in.name+"/floor", func(b *testing.B) {
			b.SetBytes(int64(len(img)))
			for b.Loop() {
				var sum uint32
				for off := 4096; off < len(img); off += 64 << 10 {
					sum ^= crc32.ChecksumIEEE(img[off:min(off+64<<10, len(img))])
				}
				_ = sum
			}
		})
		b.Run(in.name+"/velocidex", func(b *testing.B) {
			b.SetBytes(int64(len(img)))
			b.ReportAllocs()
			for b.Loop() {
				chunks, err := vevtx.GetChunks(bytes.NewReader(img))
				if err != nil {
					b.Fatal(err)
				}
				for _, c := range chunks {
					_, _ = c.Parse(0)
				}
			}
		})
		b.Run(in.name+"/decode-1", func(b *testing.B) { read(b, evtx.Options{Workers: 1}) })
		b.Run(in.name+"/decode-GOMAXPROCS", func(b *testing.B) { read(b, evtx.Options{}) })
		b.Run(in.name+"/smb-filter", func(b *testing.B) {
			read(b, evtx.Options{Providers: []string{"Microsoft-Windows-SMBServer"}})
		})
	}
}

// BenchmarkAllocsPerEvent reports the heap allocations per decoded event
// of a full decode of a generated mixed log (1 worker).
//
//	go test ./evtx -run '^$' -bench AllocsPerEvent -benchtime 2x
func BenchmarkAllocsPerEvent(b *testing.B) {
	img := genLog(b, 4<<20, 0.001)
	var ms0, ms1 runtime.MemStats
	events := 0
	runtime.ReadMemStats(&ms0)
	for b.Loop() {
		r, err := evtx.NewReader(bytes.NewReader(img), int64(len(img)), "bench.evtx")
		if err != nil {
			b.Fatal(err)
		}
		for ev, err := range r.Events(context.Background(), evtx.Options{Workers: 1}) {
			if err != nil {
				b.Fatal(err)
			}
			_ = ev
			events++
		}
	}
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(events), "allocs/event")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(events), "B/event")
}
