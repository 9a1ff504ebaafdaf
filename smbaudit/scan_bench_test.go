package smbaudit_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/evtxkit/smbreadiness/internal/benchgen"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// BenchmarkScan runs the main job on generated logs: WEF-style mixed logs
// with 0.1% and 0.01% SMB audit events (the provider pre-filter skips most
// chunks, and most records of the others), and an audit-only log (every
// record is decoded and classified).
//
//	go test ./smbaudit -run '^$' -bench Scan -benchtime 3x
//
// scripts/bench.sh measures the same on 1 GiB logs against the floor.
func BenchmarkScan(b *testing.B) {
	for _, in := range []struct {
		name string
		size int64
		smb  float64
	}{
		{"mixed-0.1pct-16MiB", 16 << 20, 0.001},
		{"mixed-0.01pct-16MiB", 16 << 20, 0.0001},
		{"audit-only-4MiB", 4 << 20, 1},
	} {
		p := filepath.Join(b.TempDir(), in.name+".evtx")
		st, err := benchgen.WriteFile(p, benchgen.Config{Size: in.size, SMBFraction: in.smb})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(st.Bytes)
			b.ReportAllocs()
			for b.Loop() {
				res, err := smbaudit.Scan(context.Background(), []string{p}, smbaudit.ScanOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Findings) == 0 && st.SMBEvents > 0 {
					b.Fatal("no findings")
				}
			}
		})
	}
}
