package evtx

import (
	"bytes"
	"encoding/binary"
	"testing"

	vevtx "www.velocidex.com/golang/evtx"
)

// velocidexParse runs the pinned Velocidex decoder over the first n records
// of chunk and returns the records, or the value of a panic.
func velocidexParse(chunk []byte, n int) (recs []*vevtx.EventRecord, panicked any) {
	defer func() { panicked = recover() }()
	c := &vevtx.Chunk{Fd: bytes.NewReader(chunk)}
	_ = binary.Read(bytes.NewReader(chunk), binary.LittleEndian, &c.Header)
	c.Header.FirstEventRecNumber = 1
	c.Header.LastEventRecNumber = uint64(n)
	recs, _ = c.Parse(0)
	return recs, nil
}

// velocidexMustNotPanic checks that records the pre-pass accepted are safe
// for the decoder.
func velocidexMustNotPanic(t *testing.T, chunk []byte, n int) {
	t.Helper()
	if _, p := velocidexParse(chunk, n); p != nil {
		t.Fatalf("Velocidex panicked on %d records the pre-pass accepted: %v", n, p)
	}
}

func TestInspectSeedChunkIsVelocidexSafe(t *testing.T) {
	chunk := fuzzSeedChunk()
	d := newChunkInspector(chunk)
	n := 0
	for off := chunkHeaderSize; [4]byte(chunk[off:off+4]) == bxRecMagic; n++ {
		size := int(binary.LittleEndian.Uint32(chunk[off+4:]))
		_, err := d.inspect(off, size)
		if err != nil {
			t.Fatalf("seed record %d: %v", n, err)
		}
		off += size
	}
	recs, p := velocidexParse(chunk, n)
	if p != nil {
		t.Fatalf("Velocidex panicked: %v", p)
	}
	if len(recs) != n {
		t.Fatalf("Velocidex returned %d records, want %d", len(recs), n)
	}
}
