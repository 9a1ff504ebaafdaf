package evtx

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDirectInspectEqualsPlan checks, record by record on the fixtures and
// the sample corpus, that a direct inspection (the Event built as the
// values are walked) gives what the values listed and applied by
// eventFromPlan give, and the same refusals; and that it builds the Event
// exactly when the listed plan resolves with no error.
func TestDirectInspectEqualsPlan(t *testing.T) {
	direct := 0
	for _, path := range bxCorpus(t) {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		name := filepath.Base(path)
		for base := 4096; base+chunkSize <= len(b); base += chunkSize {
			chunk := b[base : base+chunkSize]
			if string(chunk[:8]) != chunkMagic {
				continue
			}
			free := int(binary.LittleEndian.Uint32(chunk[48:]))
			if free < chunkHeaderSize || free > chunkSize {
				free = chunkSize
			}
			list, fast := newChunkInspector(chunk), newChunkInspector(chunk)
			fast.direct = true
			for off := chunkHeaderSize; off+bxRecMin <= free && [4]byte(chunk[off:off+4]) == bxRecMagic; {
				size := int(binary.LittleEndian.Uint32(chunk[off+4:]))
				if size < bxRecMin || off+size > len(chunk) {
					break
				}
				lp, lerr := list.inspect(off, size)
				fp, ferr := fast.inspect(off, size)
				at := fmt.Sprintf("%s, chunk at %d, record at %d", name, base, off)
				if assert.Equal(t, lerr == nil, ferr == nil, at) && lerr != nil {
					assert.Equal(t, lerr.Error(), ferr.Error(), at)
				}
				require.Equal(t, lp == nil, fp == nil, at)
				if fp != nil {
					wantEv := lerr == nil && resolved(lp)
					if assert.Equal(t, wantEv, fp.ev != nil, at) && wantEv {
						assert.Equal(t, eventFromPlan(lp), fp.ev, at)
						direct++
					}
					assert.Equal(t, lp.defined, fp.defined, at)
				}
				off += size
			}
		}
	}
	assert.Positive(t, direct, "no record was built directly")
}
