package evtx

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkPrefilter times the provider pre-filter on chunks of a mixed
// log that do not hold the wanted provider (the common case), against its
// definition (fold a copy, then search):
//
//	go test ./evtx -run '^$' -bench Prefilter
func BenchmarkPrefilter(b *testing.B) {
	img, err := os.ReadFile(filepath.Join("..", "testdata", "smbaudit", "forwarded-events.evtx"))
	if err != nil {
		b.Skip(err)
	}
	c := compileOptions(Options{Providers: []string{"Microsoft-Windows-SMBServer-Not-There"}})
	var chunks [][]byte
	for base := 4096; base+chunkSize <= len(img); base += chunkSize {
		chunks = append(chunks, img[base:base+chunkSize])
	}
	scratch := make([]byte, chunkSize)
	b.Run("anchored", func(b *testing.B) {
		b.SetBytes(int64(len(chunks) * chunkSize))
		for b.Loop() {
			for _, ch := range chunks {
				if c.mayHoldProvider(ch, scratch) {
					b.Fatal("unexpected match")
				}
			}
		}
	})
	b.Run("folded-copy", func(b *testing.B) {
		// The previous pre-filter: fold into a reused buffer, then search.
		b.SetBytes(int64(len(chunks) * chunkSize))
		for b.Loop() {
			for _, ch := range chunks {
				for i, x := range ch {
					if 'A' <= x && x <= 'Z' {
						x += 'a' - 'A'
					}
					scratch[i] = x
				}
				if bytes.Contains(scratch[:len(ch)], c.patterns[0]) {
					b.Fatal("unexpected match")
				}
			}
		}
	})
}
