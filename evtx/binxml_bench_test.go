package evtx

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// benchChunks returns the chunks of a log written by the project's writer.
func benchChunks(b *testing.B) [][]byte {
	img, err := os.ReadFile(filepath.Join("..", "testdata", "smbaudit", "forwarded-events.evtx"))
	if err != nil {
		b.Skip(err)
	}
	var chunks [][]byte
	for base := 4096; base+chunkSize <= len(img); base += chunkSize {
		if string(img[base:base+8]) == "ElfChnk\x00" {
			chunks = append(chunks, img[base:base+chunkSize])
		}
	}
	return chunks
}

func inspectChunk(chunk []byte) (records int) {
	free := int(binary.LittleEndian.Uint32(chunk[48:]))
	d := newChunkInspector(chunk)
	for off := chunkHeaderSize; off+bxRecMin <= free && [4]byte(chunk[off:off+4]) == bxRecMagic; records++ {
		size := int(binary.LittleEndian.Uint32(chunk[off+4:]))
		_, _ = d.inspect(off, size)
		if size < bxRecMin {
			break
		}
		off += size
	}
	return records
}

// BenchmarkPrepass compares the pre-pass with the Velocidex decoder on the
// same chunks, side by side: go test ./evtx -run '^$' -bench Prepass
func BenchmarkPrepass(b *testing.B) {
	chunks := benchChunks(b)
	counts := make([]int, len(chunks))
	for i, c := range chunks {
		counts[i] = inspectChunk(c)
	}
	b.Run("inspect", func(b *testing.B) {
		b.SetBytes(int64(len(chunks) * chunkSize))
		b.ReportAllocs()
		for b.Loop() {
			for _, c := range chunks {
				inspectChunk(c)
			}
		}
	})
	b.Run("velocidex", func(b *testing.B) {
		b.SetBytes(int64(len(chunks) * chunkSize))
		b.ReportAllocs()
		for b.Loop() {
			for i, c := range chunks {
				velocidexParse(c, counts[i])
			}
		}
	})
}

// BenchmarkPrepassWorstChunk times a crafted chunk that spends the whole
// per-chunk step budget.
func BenchmarkPrepassWorstChunk(b *testing.B) {
	c := newTestChunk()
	for id := uint32(1000); c.next < chunkSize-4000; id += 10 {
		c.add(func(w *bxb) { w.raw(fanOutIDs(w.pos(), 2, 300, id)) })
	}
	b.SetBytes(chunkSize)
	b.ReportAllocs()
	for b.Loop() {
		inspectChunk(c.buf)
	}
}
