package smbaudit

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/evtxkit/smbreadiness/internal/benchgen"
)

// BenchmarkHashCost measures what the SHA-256 of each input costs a scan:
// the hash pass alone, the scan without it and with it (beside the
// decoding), side by side
// on one generated 64 MiB mixed log (0.1% SMB audit events, most chunks
// skipped by the pre-filter: the case where hashing weighs most).
//
//	go test ./smbaudit -run '^$' -bench HashCost -benchtime 5x
func BenchmarkHashCost(b *testing.B) {
	p := filepath.Join(b.TempDir(), "mixed-64MiB.evtx")
	st, err := benchgen.WriteFile(p, benchgen.Config{Size: 64 << 20, SMBFraction: 0.001})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("sha256-pass", func(b *testing.B) {
		b.SetBytes(st.Bytes)
		for b.Loop() {
			f, err := os.Open(p)
			if err != nil {
				b.Fatal(err)
			}
			_, err = hashContent(context.Background(), f)
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("scan-without-sha256", func(b *testing.B) {
		b.SetBytes(st.Bytes)
		for b.Loop() {
			if _, err := Scan(context.Background(), []string{p}, ScanOptions{NoHash: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("scan-with-sha256", func(b *testing.B) {
		b.SetBytes(st.Bytes)
		for b.Loop() {
			res, err := Scan(context.Background(), []string{p}, ScanOptions{})
			if err != nil || res.Files[0].SHA256 == ([32]byte{}) {
				b.Fatal("no hash", err)
			}
		}
	})
}
