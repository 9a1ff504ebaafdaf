package evtx

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Renderings of BinXML values, as Windows writes them in its XML
// (wevtutil qe /f:xml), unescaped:
//
//   - String: UTF-16LE decoded, trailing NULs trimmed. AnsiString: UTF-8 when
//     valid, else each byte as its Latin-1 character; trailing NULs trimmed.
//   - Integers: decimal. Real32/Real64: shortest decimal that reads back
//     exactly ('g' format; Windows' own float format is not confirmed).
//   - Bool: "true" when non-zero, "false" when zero; 1, 2, 4 or 8 bytes.
//   - GUID: "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" upper-case.
//   - SizeT (4 or 8 bytes), HexInt32, HexInt64: "0x" + lower-case hex digits,
//     no padding (0xc000006d, 0x8020000000000000).
//   - FILETIME, SYSTEMTIME: "2025-10-01T08:00:00.1234567Z", UTC, always 7
//     fractional digits; SYSTEMTIME fields are printed as stored (no
//     normalisation), milliseconds followed by "0000".
//   - SID: "S-1-5-21-..."; an identifier authority of 2^32 or more is written
//     in hex ("0x" and 12 digits), as ConvertSidToStringSid does.
//   - Binary, and any type this decoder does not know: upper-case hex.
//   - Arrays (0x80 flag): each item rendered as its base type. Windows
//     repeats the enclosing element once per item (several <Data Name="X">
//     elements with the same name), so a plan lists one value per item, all
//     with the same path, and Items holds them all; an empty array keeps one
//     empty value so the field stays visible. String and ANSI string arrays
//     store NUL-terminated items back to back; BOOL arrays use 4-byte items.
//     The repeated-element form rests on one Windows XML export seen in
//     public material (log2timeline/plaso issue 442), not on a test against
//     Windows here: treat it as the best-known behaviour. Arrays of types
//     without an item size (binary, BinXML) give one upper-case hex item.
//
// Fixed-size types must have their exact size: a wrong size makes Velocidex
// read the following values at the wrong place (and SYSTEMTIME crashes it).

// bxFixedSize is the stored size of fixed-size value types; 0 when variable.
func bxFixedSize(t Type) int {
	switch t {
	case TypeInt8, TypeUint8:
		return 1
	case TypeInt16, TypeUint16:
		return 2
	case TypeInt32, TypeUint32, TypeReal32, TypeHexInt32:
		return 4
	case TypeInt64, TypeUint64, TypeReal64, TypeHexInt64, TypeFileTime:
		return 8
	case TypeGUID, TypeSysTime:
		return 16
	}
	return 0
}

// bxValue decodes a value of type t from b (at chunk offset off).
func bxValue(t Type, b []byte, off int) (typedValue, error) {
	v := typedValue{Type: t, Offset: off}
	if t&TypeArrayFlag != 0 && t != TypeArrayFlag {
		items, err := bxArray(t&^TypeArrayFlag, b)
		if err != nil {
			return v, err
		}
		v.Items = items
		if len(items) > 0 {
			v.Text = items[0]
		}
		return v, nil
	}
	text, err := bxScalar(t, b)
	if err != nil {
		return v, err
	}
	v.Text = text
	if t == TypeFileTime {
		v.FileTime = binary.LittleEndian.Uint64(b)
	}
	return v, nil
}

// bxScalar renders one non-array value.
func bxScalar(t Type, b []byte) (string, error) {
	out, err := bxAppendScalar(nil, t, b)
	return string(out), err
}

// bxCheckScalar returns the error bxAppendScalar gives for a value of
// type t stored in b, without rendering it: the pre-pass checks every
// argument when it parses a record and renders only those a field needs
// as text.
func bxCheckScalar(t Type, b []byte) error {
	if n := bxScalarSize[t]; n > 0 {
		if int(n) == len(b) {
			return nil // a fixed-size type of its size
		}
		return fmt.Errorf("value of type 0x%02x has %d bytes, want %d", uint8(t), len(b), n)
	}
	switch t {
	case TypeBool:
		switch len(b) {
		case 1, 2, 4, 8:
			return nil
		}
		return fmt.Errorf("boolean of %d bytes, want 1, 2, 4 or 8", len(b))
	case TypeSizeT:
		if len(b) == 4 || len(b) == 8 {
			return nil
		}
		return fmt.Errorf("size_t of %d bytes, want 4 or 8", len(b))
	case TypeSID:
		if len(b) < 8 {
			return fmt.Errorf("SID of %d bytes, want at least 8", len(b))
		}
		n := 8 + 4*int(b[1])
		if len(b) < n {
			return fmt.Errorf("SID with %d sub-authorities needs %d bytes, has %d", b[1], n, len(b))
		}
		if n != len(b) {
			return fmt.Errorf("SID of %d bytes stored in %d", n, len(b))
		}
	}
	return nil
}

// bxScalarSize is bxFixedSize by type, 0 for a type of variable size.
var bxScalarSize = func() (s [256]uint8) {
	for t := range s {
		s[t] = uint8(bxFixedSize(Type(t)))
	}
	return s
}()

// bxScalarCheck tells, by type, what bxCheckScalar checks of a scalar's
// value: 0 nothing (strings, binary, a Null), n its size, which must be n
// (a fixed-size type), 0xff more (variable sizes with rules, arrays,
// BinXML: parseInstance's other cases). A 0x86, 0x8a or 0x95 type is 0xff,
// as parseInstance counts them.
var bxScalarCheck = func() (s [256]uint8) {
	for t := range s {
		typ := Type(t)
		switch {
		case typ == TypeBinXML, typ&TypeArrayFlag != 0, typ == TypeBool, typ == TypeSizeT, typ == TypeSID:
			s[t] = 0xff
		default:
			s[t] = bxScalarSize[t]
		}
	}
	return s
}()

// bxAppendScalar appends the rendering of one non-array value to dst: the
// pre-pass renders all the values of a record into one buffer, turned
// into one string, instead of allocating a string per value.
func bxAppendScalar(dst []byte, t Type, b []byte) ([]byte, error) {
	if n := bxFixedSize(t); n != 0 && len(b) != n {
		return dst, fmt.Errorf("value of type 0x%02x has %d bytes, want %d", uint8(t), len(b), n)
	}
	switch t {
	case TypeNull:
		return dst, nil
	case TypeString:
		return bxAppendUTF16(dst, b), nil
	case TypeAnsiString:
		return bxAppendANSI(dst, b), nil
	case TypeInt8:
		return strconv.AppendInt(dst, int64(int8(b[0])), 10), nil
	case TypeUint8:
		return strconv.AppendUint(dst, uint64(b[0]), 10), nil
	case TypeInt16:
		return strconv.AppendInt(dst, int64(int16(binary.LittleEndian.Uint16(b))), 10), nil
	case TypeUint16:
		return strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint16(b)), 10), nil
	case TypeInt32:
		return strconv.AppendInt(dst, int64(int32(binary.LittleEndian.Uint32(b))), 10), nil
	case TypeUint32:
		return strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint32(b)), 10), nil
	case TypeInt64:
		return strconv.AppendInt(dst, int64(binary.LittleEndian.Uint64(b)), 10), nil
	case TypeUint64:
		return strconv.AppendUint(dst, binary.LittleEndian.Uint64(b), 10), nil
	case TypeReal32:
		return strconv.AppendFloat(dst, float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), 'g', -1, 32), nil
	case TypeReal64:
		return strconv.AppendFloat(dst, math.Float64frombits(binary.LittleEndian.Uint64(b)), 'g', -1, 64), nil
	case TypeBool:
		var x uint64
		switch len(b) {
		case 1:
			x = uint64(b[0])
		case 2:
			x = uint64(binary.LittleEndian.Uint16(b))
		case 4:
			x = uint64(binary.LittleEndian.Uint32(b))
		case 8:
			x = binary.LittleEndian.Uint64(b)
		default:
			return dst, fmt.Errorf("boolean of %d bytes, want 1, 2, 4 or 8", len(b))
		}
		return strconv.AppendBool(dst, x != 0), nil
	case TypeBinary:
		return bxAppendHexBE(dst, b, false), nil
	case TypeGUID:
		return bxAppendGUID(dst, b), nil
	case TypeSizeT:
		switch len(b) {
		case 4:
			return bxAppendHex(dst, uint64(binary.LittleEndian.Uint32(b))), nil
		case 8:
			return bxAppendHex(dst, binary.LittleEndian.Uint64(b)), nil
		}
		return dst, fmt.Errorf("size_t of %d bytes, want 4 or 8", len(b))
	case TypeFileTime:
		return bxAppendFileTime(dst, binary.LittleEndian.Uint64(b)), nil
	case TypeSysTime:
		return append(dst, bxSystemTime(b)...), nil
	case TypeSID:
		out, n, err := bxAppendSID(dst, b)
		if err != nil {
			return dst, err
		}
		if n != len(b) {
			return dst, fmt.Errorf("SID of %d bytes stored in %d", n, len(b))
		}
		return out, nil
	case TypeHexInt32:
		return bxAppendHex(dst, uint64(binary.LittleEndian.Uint32(b))), nil
	case TypeHexInt64:
		return bxAppendHex(dst, binary.LittleEndian.Uint64(b)), nil
	}
	return bxAppendHexBE(dst, b, false), nil
}

// bxArray renders the items of an array of base type t. The items are
// rendered one after the other into one text, cut into the items: two
// allocations an array, not one or two an item.
func bxArray(t Type, b []byte) ([]string, error) {
	var text []byte
	var endsBuf [32]int
	ends := endsBuf[:0] // where each item's text ends
	switch t {
	case TypeString:
		if len(b)%2 != 0 {
			return nil, fmt.Errorf("string array of odd size %d", len(b))
		}
		// Items end at a NUL character; each is decoded as a String
		// value is (bxAppendUTF16: it holds no NUL to trim).
		for len(b) > 0 {
			n := bxIndexNUL16(b)
			if n < 0 {
				n = len(b)
			}
			text = bxAppendUTF16(text, b[:n])
			ends = append(ends, len(text))
			b = b[min(n+2, len(b)):]
		}
	case TypeAnsiString:
		start := 0
		for i, c := range b {
			if c == 0 {
				text = bxAppendANSI(text, b[start:i])
				ends = append(ends, len(text))
				start = i + 1
			}
		}
		if start < len(b) {
			text = bxAppendANSI(text, b[start:])
			ends = append(ends, len(text))
		}
	case TypeSID:
		for len(b) > 0 {
			var n int
			var err error
			if text, n, err = bxAppendSID(text, b); err != nil {
				return nil, err
			}
			ends = append(ends, len(text))
			b = b[n:]
		}
	default:
		size := bxFixedSize(t)
		switch t {
		case TypeBool:
			size = 4 // arrays of BOOL
		case TypeSizeT:
			size = 8
			if len(b)%8 != 0 {
				size = 4
			}
		}
		if size == 0 {
			// No item size known (binary, BinXML, unknown): one hex item.
			return []string{strings.ToUpper(hex.EncodeToString(b))}, nil
		}
		if len(b)%size != 0 {
			return nil, fmt.Errorf("array of type 0x%02x has %d bytes, not a multiple of %d", uint8(t), len(b), size)
		}
		for i := 0; i < len(b); i += size {
			var err error
			if text, err = bxAppendScalar(text, t, b[i:i+size]); err != nil {
				return nil, err
			}
			ends = append(ends, len(text))
		}
	}
	all := string(text)
	items := make([]string, len(ends))
	start := 0
	for i, e := range ends {
		items[i] = all[start:e]
		start = e
	}
	return items, nil
}

// bxIndexNUL16 returns the index of the first NUL code unit of the UTF-16
// text b (an even index), or -1. It reads four units at a time: a unit is
// zero where (v - 1) borrows into its top bit while v's top bit is clear,
// and the lowest such unit is the first zero one.
func bxIndexNUL16(b []byte) int {
	const ones, highs = 0x0001000100010001, 0x8000800080008000
	i := 0
	for ; i+8 <= len(b); i += 8 {
		v := binary.LittleEndian.Uint64(b[i:])
		if z := (v - ones) &^ v & highs; z != 0 {
			return i + bits.TrailingZeros64(z)/16*2
		}
	}
	for ; i+1 < len(b); i += 2 {
		if b[i] == 0 && b[i+1] == 0 {
			return i
		}
	}
	return -1
}

func bxGUID(b []byte) string {
	var buf [38]byte
	return string(bxAppendGUID(buf[:0], b))
}

func bxAppendGUID(out, b []byte) []byte {
	out = append(out, '{')
	out = bxAppendHexBE(out, b[0:4], true)
	out = append(out, '-')
	out = bxAppendHexBE(out, b[4:6], true)
	out = append(out, '-')
	out = bxAppendHexBE(out, b[6:8], true)
	out = append(out, '-')
	out = bxAppendHexBE(out, b[8:10], false)
	out = append(out, '-')
	out = bxAppendHexBE(out, b[10:16], false)
	return append(out, '}')
}

const bxHexUpper = "0123456789ABCDEF"

// bxAppendHexBE appends b as upper-case hex, two digits a byte, in reverse
// byte order when le (a little-endian number printed most significant
// first).
func bxAppendHexBE(out, b []byte, le bool) []byte {
	for k := range b {
		c := b[k]
		if le {
			c = b[len(b)-1-k]
		}
		out = append(out, bxHexUpper[c>>4], bxHexUpper[c&15])
	}
	return out
}

// bxHex renders v as "0x" and lower-case hex digits, without leading zeros.
func bxHex(v uint64) string {
	var buf [18]byte
	return string(bxAppendHex(buf[:0], v))
}

func bxAppendHex(out []byte, v uint64) []byte {
	return strconv.AppendUint(append(out, "0x"...), v, 16)
}

// bxAppendPad appends v in decimal, zero-padded to width digits.
func bxAppendPad(out []byte, v int64, width int) []byte {
	var buf [20]byte
	d := strconv.AppendInt(buf[:0], v, 10)
	for n := len(d); n < width; n++ {
		out = append(out, '0')
	}
	return append(out, d...)
}

// bxFiletimeUnix is the number of seconds from 1601-01-01 to 1970-01-01.
const bxFiletimeUnix = 11644473600

// bxFileTime renders a FILETIME exactly, to 100 ns, in UTC.
func bxFileTime(ft uint64) string {
	var buf [40]byte
	return string(bxAppendFileTime(buf[:0], ft))
}

func bxAppendFileTime(out []byte, ft uint64) []byte {
	secs := int64(ft/10_000_000) - bxFiletimeUnix
	frac := ft % 10_000_000
	t := time.Unix(secs, 0).UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	out = bxAppendPad(out, int64(year), 4)
	out = append(out, '-')
	out = bxAppendPad(out, int64(month), 2)
	out = append(out, '-')
	out = bxAppendPad(out, int64(day), 2)
	out = append(out, 'T')
	out = bxAppendPad(out, int64(hour), 2)
	out = append(out, ':')
	out = bxAppendPad(out, int64(minute), 2)
	out = append(out, ':')
	out = bxAppendPad(out, int64(sec), 2)
	out = append(out, '.')
	out = bxAppendPad(out, int64(frac), 7)
	return append(out, 'Z')
}

// bxSystemTime renders a 16-byte SYSTEMTIME (year, month, day of week,
// day, hour, minute, second, milliseconds; u16 each) as stored.
func bxSystemTime(b []byte) string {
	f := func(i int) uint16 { return binary.LittleEndian.Uint16(b[2*i:]) }
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03d0000Z", f(0), f(1), f(3), f(4), f(5), f(6), f(7))
}

// bxSID renders the SID at the start of b and returns its stored size.
func bxSID(b []byte) (string, int, error) {
	var buf [96]byte
	out, n, err := bxAppendSID(buf[:0], b)
	if err != nil {
		return "", 0, err
	}
	return string(out), n, nil
}

func bxAppendSID(out, b []byte) ([]byte, int, error) {
	if len(b) < 8 {
		return out, 0, fmt.Errorf("SID of %d bytes, want at least 8", len(b))
	}
	n := 8 + 4*int(b[1])
	if len(b) < n {
		return out, 0, fmt.Errorf("SID with %d sub-authorities needs %d bytes, has %d", b[1], n, len(b))
	}
	out = append(out, "S-"...)
	out = strconv.AppendUint(out, uint64(b[0]), 10)
	if b[2] != 0 || b[3] != 0 {
		out = append(out, "-0x"...)
		for _, c := range b[2:8] {
			out = append(out, bxHexLower[c>>4], bxHexLower[c&15])
		}
	} else {
		out = append(out, '-')
		out = strconv.AppendUint(out, uint64(binary.BigEndian.Uint32(b[4:8])), 10)
	}
	for i := 8; i < n; i += 4 {
		out = append(out, '-')
		out = strconv.AppendUint(out, uint64(binary.LittleEndian.Uint32(b[i:])), 10)
	}
	return out, n, nil
}

const bxHexLower = "0123456789abcdef"

// bxUTF16 decodes UTF-16LE bytes (an odd last byte is ignored) and trims
// trailing NULs.
func bxUTF16(b []byte) string {
	n := len(b) / 2
	for n > 0 && b[2*n-2] == 0 && b[2*n-1] == 0 {
		n--
	}
	if n == 0 {
		return ""
	}
	if n <= 64 {
		// Decoded on the stack: one allocation, the string's.
		var buf [3 * 64]byte
		return string(bxAppendUTF16(buf[:0], b))
	}
	return string(bxAppendUTF16(make([]byte, 0, 3*n), b))
}

// bxAppendUTF16 appends bxUTF16(b) to out.
func bxAppendUTF16(out, b []byte) []byte {
	n := len(b) / 2
	for n > 0 && b[2*n-2] == 0 && b[2*n-1] == 0 {
		n--
	}
	// ASCII, the common case, is copied without decoding, eight
	// characters at a time (bxASCIIRun); a run of other characters is
	// decoded one by one, and the copy resumes at the next ASCII one, so
	// that a long text with a few other characters (a script block) is
	// not decoded one unit at a time from its first one on.
	i := 0
	for i < n {
		out = slices.Grow(out, n-i)
		k := bxASCIIRun(out[len(out):len(out)+n-i], b[2*i:2*n])
		out = out[:len(out)+k]
		i += k
		for ; i < n; i++ {
			c := rune(binary.LittleEndian.Uint16(b[2*i:]))
			if c < utf8.RuneSelf {
				break
			}
			if utf16.IsSurrogate(c) {
				r := utf8.RuneError
				if c < 0xdc00 && i+1 < n {
					if r = utf16.DecodeRune(c, rune(binary.LittleEndian.Uint16(b[2*i+2:]))); r != utf8.RuneError {
						i++
					}
				}
				c = r
			}
			out = utf8.AppendRune(out, c)
		}
	}
	return out
}

// bxASCIIRun copies the low bytes of the UTF-16LE units of src (len(src)
// == 2*len(dst)) to dst up to the first unit that is not ASCII, and
// returns the number copied.
func bxASCIIRun(dst, src []byte) int {
	n := len(dst)
	src = src[:2*n]
	i := 0
	for ; i+8 <= n; i += 8 {
		// One bounds check for the sixteen bytes read, one for the
		// eight written.
		s, d := src[2*i:2*i+16], dst[i:i+8]
		u, v := binary.LittleEndian.Uint64(s), binary.LittleEndian.Uint64(s[8:])
		if (u|v)&0xff80ff80ff80ff80 != 0 {
			break
		}
		// The high bytes are zero (checked): packing needs no mask
		// first, and v's bits above 32 are shifted out.
		u = (u | u>>8) & 0x0000ffff0000ffff
		v = (v | v>>8) & 0x0000ffff0000ffff
		binary.LittleEndian.PutUint64(d, (u|u>>16)&0xffffffff|(v|v>>16)<<32)
	}
	for ; i+4 <= n; i += 4 {
		u := binary.LittleEndian.Uint64(src[2*i:])
		if u&0xff80ff80ff80ff80 != 0 {
			break
		}
		binary.LittleEndian.PutUint32(dst[i:], uint32(bxPackASCII(u)))
	}
	for ; i < n; i++ {
		lo, hi := src[2*i], src[2*i+1]
		if hi != 0 || lo >= utf8.RuneSelf {
			break
		}
		dst[i] = lo
	}
	return i
}

// bxPackASCII packs the low bytes of the four UTF-16LE units of u into the
// low 32 bits of the result.
func bxPackASCII(u uint64) uint64 {
	u &= 0x00ff00ff00ff00ff
	u = (u | u>>8) & 0x0000ffff0000ffff
	return (u | u>>16) & 0xffffffff
}

func bxDecodeUTF16(u []uint16) string {
	ascii := true
	for _, c := range u {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		b := make([]byte, len(u))
		for i, c := range u {
			b[i] = byte(c)
		}
		return string(b)
	}
	return string(utf16.Decode(u))
}

// bxANSI decodes an ANSI string: UTF-8 when valid, else Latin-1; trailing
// NULs trimmed.
func bxANSI(b []byte) string {
	return string(bxAppendANSI(nil, b))
}

func bxAppendANSI(out, b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	if utf8.Valid(b) {
		return append(out, b...)
	}
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}

// render renders a scalar argument of chunk into text, once, and returns
// text. The argument was checked when parsed (bxCheckScalar).
func (a *bxArg) render(text, chunk []byte) []byte {
	if a.rendered {
		return text
	}
	ts := len(text)
	text, _ = bxAppendScalar(text, a.typ, a.bytes(chunk))
	a.ts, a.te, a.rendered = int32(ts), int32(len(text)), true
	return text
}
