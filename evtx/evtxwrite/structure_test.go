package evtxwrite

import (
	"encoding/binary"
	"github.com/evtxkit/smbreadiness/evtx"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkStructure verifies the framing of a sound file independently of the
// writer's code: header fields and CRC, each chunk's header fields and CRCs,
// and record framing. It returns the number of chunks.
func checkStructure(t *testing.T, b []byte, records int) int {
	t.Helper()
	le := binary.LittleEndian
	require.Equal(t, "ElfFile\x00", string(b[:8]))
	require.Zero(t, (len(b)-4096)%0x10000, "whole chunks")
	n := (len(b) - 4096) / 0x10000
	require.EqualValues(t, n, le.Uint16(b[42:]), "chunk count")
	require.EqualValues(t, n-1, le.Uint64(b[16:]), "last chunk")
	require.EqualValues(t, 128, le.Uint32(b[32:]))
	require.EqualValues(t, 3, le.Uint16(b[38:]))
	require.EqualValues(t, 4096, le.Uint16(b[40:]))
	require.Equal(t, crc32.ChecksumIEEE(b[:120]), le.Uint32(b[124:]), "file header CRC")
	num := uint64(1)
	var lastID uint64
	total := 0
	for i := range n {
		c := b[4096+i*0x10000 : 4096+(i+1)*0x10000]
		require.Equal(t, "ElfChnk\x00", string(c[:8]))
		free := int(le.Uint32(c[48:]))
		require.Equal(t, crc32.ChecksumIEEE(c[512:free]), le.Uint32(c[52:]), "records CRC, chunk %d", i)
		h := crc32.NewIEEE()
		h.Write(c[:120])
		h.Write(c[128:512])
		require.Equal(t, h.Sum32(), le.Uint32(c[124:]), "chunk header CRC, chunk %d", i)
		require.Equal(t, num, le.Uint64(c[8:]), "first record number, chunk %d", i)
		off, cnt := 512, 0
		var first, last uint64
		lastOff := 0
		for off < free {
			require.Equal(t, "**\x00\x00", string(c[off:off+4]), "record magic at %d", off)
			size := int(le.Uint32(c[off+4:]))
			require.Zero(t, size%8, "record size aligned")
			require.Equal(t, uint32(size), le.Uint32(c[off+size-4:]), "size copy")
			id := le.Uint64(c[off+8:])
			if cnt == 0 {
				first = id
			}
			last, lastOff = id, off
			off += size
			cnt++
		}
		require.Equal(t, free, off, "free space offset")
		require.Equal(t, num+uint64(cnt)-1, le.Uint64(c[16:]), "last record number")
		require.Equal(t, first, le.Uint64(c[24:]))
		require.Equal(t, last, le.Uint64(c[32:]))
		require.EqualValues(t, lastOff, le.Uint32(c[44:]))
		require.True(t, i == 0 || first > lastID)
		for _, z := range c[free:] {
			require.Zero(t, z, "unused space is zero")
		}
		num += uint64(cnt)
		lastID = last
		total += cnt
	}
	require.Equal(t, records, total)
	return n
}

// TestChunksFilledToTheEnd: with records of one size, a chunk is closed only
// when the next record does not fit, and the last record ends close to the
// chunk's end.
func TestChunksFilledToTheEnd(t *testing.T) {
	for _, strLen := range []int{1, 97, 1000, 8000} {
		evs := make([]Event, 3*0x10000/(2*strLen+250))
		for i := range evs {
			evs[i] = Event{System: evtx.System{Provider: "P", Computer: "C", EventID: 7}, RecordID: uint64(i + 1),
				Data: []Data{{Name: "S", Type: evtx.TypeString, Value: strings.Repeat("x", strLen)}}}
		}
		b, err := Encode(evs, Options{})
		require.NoError(t, err)
		n := checkStructure(t, b, len(evs))
		require.Greater(t, n, 1)
		le := binary.LittleEndian
		for i := range n - 1 {
			c := b[4096+i*0x10000:]
			free := int(le.Uint32(c[48:]))
			lastOff := int(le.Uint32(c[44:]))
			lastSize := int(le.Uint32(c[lastOff+4:]))
			require.Less(t, 0x10000-free, lastSize, "strLen %d chunk %d: room left for another record", strLen, i)
		}
	}
}

// TestLiteralDataNeedsAString: a literal item is template text, so only a
// string value of type string can be one; the error names the item.
func TestLiteralDataNeedsAString(t *testing.T) {
	ev := Event{System: evtx.System{Provider: "P", Channel: "C", Computer: "H", EventID: 1, TimeCreated: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
		Data: []Data{{Name: "N", Type: evtx.TypeUint32, Value: uint32(1), Literal: true}}}
	_, err := Encode([]Event{ev}, Options{})
	require.ErrorIs(t, err, ErrInvalidEvent)
	var ee *EventError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "data", ee.Field)
	assert.Contains(t, err.Error(), `literal item "N"`)
}
