package evtx

// Reference renderings: the fmt-based forms the pre-pass used before its
// allocation-free rewrite, kept to check the rewrite against them.

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/stretchr/testify/require"
)

func refGUID(b []byte) string {
	return fmt.Sprintf("{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
		binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint16(b[4:6]), binary.LittleEndian.Uint16(b[6:8]),
		b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])
}

func refFileTime(ft uint64) string {
	secs := int64(ft/10_000_000) - bxFiletimeUnix
	frac := ft % 10_000_000
	t := time.Unix(secs, 0).UTC()
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%07dZ",
		t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), frac)
}

func refSID(b []byte) (string, int, error) {
	if len(b) < 8 {
		return "", 0, fmt.Errorf("SID of %d bytes, want at least 8", len(b))
	}
	n := 8 + 4*int(b[1])
	if len(b) < n {
		return "", 0, fmt.Errorf("SID with %d sub-authorities needs %d bytes, has %d", b[1], n, len(b))
	}
	var s strings.Builder
	s.WriteString("S-")
	s.WriteString(strconv.Itoa(int(b[0])))
	if b[2] != 0 || b[3] != 0 {
		fmt.Fprintf(&s, "-0x%02x%02x%02x%02x%02x%02x", b[2], b[3], b[4], b[5], b[6], b[7])
	} else {
		s.WriteString("-")
		s.WriteString(strconv.FormatUint(uint64(binary.BigEndian.Uint32(b[4:8])), 10))
	}
	for i := 8; i < n; i += 4 {
		s.WriteString("-")
		s.WriteString(strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[i:])), 10))
	}
	return s.String(), n, nil
}

func refUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	for len(u) > 0 && u[len(u)-1] == 0 {
		u = u[:len(u)-1]
	}
	return string(utf16.Decode(u))
}

// TestRenderingsEqualReference compares the allocation-free renderings with
// the fmt-based reference on edge cases and random inputs.
func TestRenderingsEqualReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	fts := []uint64{0, 1, 9_999_999, 116444736000000000, 134037792001234567, 1<<63 - 1, 1<<64 - 1, 2650467743999999999}
	for range 2000 {
		fts = append(fts, rng.Uint64(), rng.Uint64N(1<<58))
	}
	for _, ft := range fts {
		require.Equal(t, refFileTime(ft), bxFileTime(ft), "FILETIME %d", ft)
	}
	for range 2000 {
		b := make([]byte, 16)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		require.Equal(t, refGUID(b), bxGUID(b))
		require.Equal(t, "0x"+strconv.FormatUint(binary.LittleEndian.Uint64(b), 16), bxHex(binary.LittleEndian.Uint64(b)))
	}
	sids := [][]byte{
		{1, 0, 0, 0, 0, 0, 0, 5},
		{1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0},
		{1, 2, 0, 1, 2, 3, 4, 0xff, 1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff},
		{255, 15, 0, 0, 0xff, 0xff, 0xff, 0xff},
	}
	for range 2000 {
		n := rng.IntN(16)
		b := make([]byte, 8+4*n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		b[1] = byte(n)
		if rng.IntN(2) == 0 {
			b[2], b[3] = 0, 0
		}
		sids = append(sids, b)
	}
	sids[3] = append(sids[3], make([]byte, 60)...)
	for _, b := range sids {
		want, wn, werr := refSID(b)
		got, gn, gerr := bxSID(b)
		require.Equal(t, want, got)
		require.Equal(t, wn, gn)
		require.Equal(t, werr, gerr)
	}
	strs := [][]byte{nil, {0}, {0, 0}, {'a', 0, 0, 0}, {'a', 0, 'b'}, {0x00, 0xd8}, {0x00, 0xdc, 'a', 0},
		{0x3d, 0xd8, 0x00, 0xde}, {0x3d, 0xd8, 'a', 0}, {0xe9, 0, 0, 0, 0, 0}, {0x7f, 0, 0x80, 0}}
	units := []uint16{'a', 'Z', 0, 0x7f, 0x80, 0xe9, 0x20ac, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xfffd, 0xffff}
	for range 3000 {
		n := rng.IntN(8)
		b := make([]byte, 0, 2*n+1)
		for range n {
			b = binary.LittleEndian.AppendUint16(b, units[rng.IntN(len(units))])
		}
		if rng.IntN(4) == 0 {
			b = append(b, byte(rng.Uint32()))
		}
		strs = append(strs, b)
	}
	// Long, mostly ASCII strings: bxAppendUTF16 copies ASCII four
	// characters at a time, so the first non-ASCII or NUL unit can fall
	// anywhere in or after a group of four.
	for range 3000 {
		n := rng.IntN(40)
		b := make([]byte, 0, 2*n)
		for range n {
			u := uint16('a' + rng.IntN(26))
			if rng.IntN(12) == 0 {
				u = units[rng.IntN(len(units))]
			}
			b = binary.LittleEndian.AppendUint16(b, u)
		}
		strs = append(strs, b)
	}
	for _, b := range strs {
		require.Equal(t, refUTF16(b), bxUTF16(b), "UTF-16 % x", b)
		// Appended after other text too.
		require.Equal(t, "pre"+refUTF16(b), string(bxAppendUTF16([]byte("pre"), b)), "UTF-16 % x", b)
	}
}

// TestUTF16LongMixed checks bxAppendUTF16 on long text with a few
// characters that are not ASCII (script blocks): the ASCII copy resumes
// after each of them, at any alignment, and a surrogate pair or a run of
// other characters may fall anywhere.
func TestUTF16LongMixed(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 4))
	units := []uint16{0x80, 0xe9, 0x20ac, 0xd83d, 0xde00, 0xdbff, 0xfffd, 0}
	for range 2000 {
		n := 1 + rng.IntN(300)
		b := make([]byte, 0, 2*n+1)
		for range n {
			u := uint16(' ' + rng.IntN(95))
			switch rng.IntN(48) {
			case 0:
				u = units[rng.IntN(len(units))]
			case 1: // a pair
				b = binary.LittleEndian.AppendUint16(b, 0xd83d)
				u = 0xde00
			}
			b = binary.LittleEndian.AppendUint16(b, u)
		}
		if rng.IntN(4) == 0 {
			b = append(b, 'x') // an odd last byte
		}
		require.Equal(t, refUTF16(b), bxUTF16(b), "UTF-16 % x", b)
		require.Equal(t, "pre"+refUTF16(b), string(bxAppendUTF16([]byte("pre"), b)), "UTF-16 % x", b)
	}
}
