package evtx

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSystemTextSettersAgree: the text setters used for plan values give the
// same Event as the generic setters given the same text.
func TestSystemTextSettersAgree(t *testing.T) {
	texts := []string{"", "0", "4624", " 7 ", "255", "256", "65535", "65536", "0x8000000000000000",
		"0x10", "-1", "abc", "4294967296", "18446744073709551615", "{3d0e1c2a-0000-4b1a-9a8e-0123456789ab}",
		"3D0E1C2A-0000-4B1A-9A8E-0123456789AB", "S-1-5-18", "Microsoft-Windows-SMBServer"}
	for _, f := range systemFields {
		if f.text == nil {
			continue
		}
		for _, s := range texts {
			var a, b Event
			f.set(&a, s)
			f.text(&b, s)
			assert.Equal(t, a, b, "%s %q", f.path, s)
		}
	}
}

// TestPlanLookups: get and sysValue return the first value of a path, in
// document order, for System and other paths alike.
func TestPlanLookups(t *testing.T) {
	p := &recordValues{ordered: []bxPathValue{
		{Path: "Event/EventData/Data#0", Value: typedValue{Text: "a"}},
		{Path: pathEventID, Value: typedValue{Text: "1"}},
		{Path: pathEventID, Value: typedValue{Text: "2"}},
		{Path: "Event/EventData/Data#0", Value: typedValue{Text: "b"}},
	}}
	p.indexSys()
	v, ok := p.get(pathEventID)
	require.True(t, ok)
	assert.Equal(t, "1", v.Text)
	assert.Equal(t, "a", p.value("Event/EventData/Data#0").Text)
	_, ok = p.get(pathProvider)
	assert.False(t, ok)
	_, ok = p.get("Event/Nothing")
	assert.False(t, ok)
	assert.Equal(t, int32(2), p.sys[planSysSlot[pathEventID]])
}

// TestArrayItemsOneText checks that bxArray, which renders an array's
// items one after the other into one text, gives for each item what
// rendering it alone gives (bxScalar, bxANSI, bxSID): no rendering may
// depend on the text before it. The bytes are random, of whole items, for
// every fixed-size base type, SIDs and ANSI strings.
func TestArrayItemsOneText(t *testing.T) {
	rnd := uint64(3)
	next := func() uint64 { rnd = rnd*6364136223846793005 + 1442695040888963407; return rnd >> 33 }
	bytesOf := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			switch next() % 4 {
			case 0:
				b[i] = 0
			case 1:
				b[i] = 0xff
			default:
				b[i] = byte(next())
			}
		}
		return b
	}
	sizes := []struct {
		t    Type
		size int
	}{
		{TypeInt8, 1}, {TypeUint8, 1}, {TypeInt16, 2}, {TypeUint16, 2}, {TypeInt32, 4}, {TypeUint32, 4},
		{TypeInt64, 8}, {TypeUint64, 8}, {TypeReal32, 4}, {TypeReal64, 8}, {TypeBool, 4}, {TypeGUID, 16},
		{TypeSizeT, 8}, {TypeFileTime, 8}, {TypeSysTime, 16}, {TypeHexInt32, 4}, {TypeHexInt64, 8},
	}
	for _, s := range sizes {
		for n := range 40 {
			items := n % 7
			b := bytesOf(items * s.size)
			got, err := bxArray(s.t, b)
			require.NoError(t, err, "type 0x%02x, %x", uint8(s.t), b)
			require.Len(t, got, items, "type 0x%02x, %x", uint8(s.t), b)
			for i := range items {
				want, err := bxScalar(s.t, b[i*s.size:(i+1)*s.size])
				require.NoError(t, err)
				assert.Equal(t, want, got[i], "type 0x%02x, item %d of %x", uint8(s.t), i, b)
			}
		}
	}
	for n := range 200 {
		// ANSI strings: items end at a NUL byte.
		b := bytesOf(n % 30)
		var want []string
		start := 0
		for i, c := range b {
			if c == 0 {
				want = append(want, bxANSI(b[start:i]))
				start = i + 1
			}
		}
		if start < len(b) {
			want = append(want, bxANSI(b[start:]))
		}
		got, err := bxArray(TypeAnsiString, b)
		require.NoError(t, err)
		if len(want) == 0 {
			assert.Empty(t, got, "%x", b)
		} else {
			assert.Equal(t, want, got, "%x", b)
		}
		// SIDs of 0 to 5 sub-authorities, one after the other.
		var sids []byte
		want = want[:0]
		for range n % 5 {
			sid := bytesOf(8 + 4*int(next()%6))
			sid[1] = byte((len(sid) - 8) / 4)
			w, _, err := bxSID(sid)
			require.NoError(t, err)
			want = append(want, w)
			sids = append(sids, sid...)
		}
		got, err = bxArray(TypeSID, sids)
		require.NoError(t, err)
		if len(want) == 0 {
			assert.Empty(t, got, "%x", sids)
		} else {
			assert.Equal(t, want, got, "%x", sids)
		}
	}
}
