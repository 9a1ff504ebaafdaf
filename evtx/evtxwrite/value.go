package evtxwrite

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/evtxkit/smbreadiness/evtx"
)

var errValue = errors.New("bad value")

// fileTime converts t to a FILETIME (100 ns since 1601, UTC).
func fileTime(t time.Time) (uint64, error) {
	if t.IsZero() {
		return 0, nil
	}
	s := t.Unix()
	// Representable range of FILETIME as int64 seconds offsets.
	if s < -11644473600 || s > 910692730085 {
		return 0, fmt.Errorf("%w: time %s out of FILETIME range", errValue, t)
	}
	return uint64((s+11644473600)*10000000 + int64(t.Nanosecond()/100)), nil
}

func utf16le(s string, nul bool) []byte {
	u := utf16.Encode([]rune(s))
	n := len(u)
	if nul {
		n++
	}
	b := make([]byte, 2*n)
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

// parseGUID accepts "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" with or without
// braces, any case, and returns its 16-byte Windows (mixed-endian) form.
func parseGUID(s string) ([]byte, error) {
	t := strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return nil, fmt.Errorf("%w: GUID %q", errValue, s)
	}
	raw, err := hex.DecodeString(t[0:8] + t[9:13] + t[14:18] + t[19:23] + t[24:])
	if err != nil {
		return nil, fmt.Errorf("%w: GUID %q", errValue, s)
	}
	out := make([]byte, 16)
	out[0], out[1], out[2], out[3] = raw[3], raw[2], raw[1], raw[0]
	out[4], out[5] = raw[5], raw[4]
	out[6], out[7] = raw[7], raw[6]
	copy(out[8:], raw[8:])
	return out, nil
}

// parseSID turns "S-1-5-21-..." into its binary form.
func parseSID(s string) ([]byte, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || !strings.EqualFold(parts[0], "S") {
		return nil, fmt.Errorf("%w: SID %q", errValue, s)
	}
	rev, err := strconv.ParseUint(parts[1], 10, 8)
	if err != nil {
		return nil, fmt.Errorf("%w: SID %q revision", errValue, s)
	}
	auth, err := strconv.ParseUint(parts[2], 0, 48)
	if err != nil {
		return nil, fmt.Errorf("%w: SID %q authority", errValue, s)
	}
	subs := parts[3:]
	if len(subs) > 15 {
		return nil, fmt.Errorf("%w: SID %q has more than 15 sub-authorities", errValue, s)
	}
	b := make([]byte, 8+4*len(subs))
	b[0] = byte(rev)
	b[1] = byte(len(subs))
	for i := 0; i < 6; i++ {
		b[2+i] = byte(auth >> (8 * (5 - i)))
	}
	for i, p := range subs {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%w: SID %q sub-authority %d", errValue, s, i+1)
		}
		binary.LittleEndian.PutUint32(b[8+4*i:], uint32(v))
	}
	return b, nil
}

// toUint converts v to an unsigned integer that fits in bits.
func toUint(v any, bits int) (uint64, error) {
	var u uint64
	switch x := v.(type) {
	case uint8:
		u = uint64(x)
	case uint16:
		u = uint64(x)
	case uint32:
		u = uint64(x)
	case uint64:
		u = x
	case uint:
		u = uint64(x)
	case int, int8, int16, int32, int64:
		i, _ := toInt64(x)
		if i < 0 {
			return 0, fmt.Errorf("%w: %d is negative", errValue, i)
		}
		u = uint64(i)
	case float64:
		if x < 0 || x != math.Trunc(x) || x > math.MaxUint64 {
			return 0, fmt.Errorf("%w: %v is not an unsigned integer", errValue, x)
		}
		u = uint64(x)
	case json.Number:
		return toUint(string(x), bits)
	case string:
		p, err := strconv.ParseUint(x, 0, bits)
		if err != nil {
			return 0, fmt.Errorf("%w: %q is not a %d-bit unsigned integer", errValue, x, bits)
		}
		u = p
	default:
		return 0, fmt.Errorf("%w: %T is not an integer", errValue, v)
	}
	if bits < 64 && u>>uint(bits) != 0 {
		return 0, fmt.Errorf("%w: %d does not fit in %d bits", errValue, u, bits)
	}
	return u, nil
}

func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

// toInt converts v to a signed integer that fits in bits.
func toInt(v any, bits int) (int64, error) {
	var i int64
	if x, ok := toInt64(v); ok {
		i = x
	} else {
		switch x := v.(type) {
		case uint8, uint16, uint32, uint64, uint:
			u, _ := toUint(x, 64)
			if u > math.MaxInt64 {
				return 0, fmt.Errorf("%w: %d does not fit", errValue, u)
			}
			i = int64(u)
		case float64:
			if x != math.Trunc(x) || x > math.MaxInt64 || x < math.MinInt64 {
				return 0, fmt.Errorf("%w: %v is not an integer", errValue, x)
			}
			i = int64(x)
		case json.Number:
			return toInt(string(x), bits)
		case string:
			p, err := strconv.ParseInt(x, 0, bits)
			if err != nil {
				return 0, fmt.Errorf("%w: %q is not a %d-bit integer", errValue, x, bits)
			}
			i = p
		default:
			return 0, fmt.Errorf("%w: %T is not an integer", errValue, v)
		}
	}
	if bits < 64 && (i < -(1<<(bits-1)) || i >= 1<<(bits-1)) {
		return 0, fmt.Errorf("%w: %d does not fit in %d bits", errValue, i, bits)
	}
	return i, nil
}

func toTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: %q is not an RFC 3339 time", errValue, x)
		}
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%w: %T is not a time", errValue, v)
}

// encodeValue returns the bytes of a substitution value of type t. System
// strings are written without a terminating NUL, EventData strings with one,
// as Windows does.
func encodeValue(t evtx.Type, v any, nulStrings bool) ([]byte, error) {
	le := binary.LittleEndian
	switch t {
	case evtx.TypeString:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%w: %T is not a string", errValue, v)
		}
		return utf16le(s, nulStrings), nil
	case evtx.TypeAnsiString:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%w: %T is not a string", errValue, v)
		}
		b := []byte(s)
		if nulStrings {
			b = append(b, 0)
		}
		return b, nil
	case evtx.TypeInt8, evtx.TypeInt16, evtx.TypeInt32, evtx.TypeInt64:
		bits := map[evtx.Type]int{evtx.TypeInt8: 8, evtx.TypeInt16: 16, evtx.TypeInt32: 32, evtx.TypeInt64: 64}[t]
		i, err := toInt(v, bits)
		if err != nil {
			return nil, err
		}
		b := make([]byte, 8)
		le.PutUint64(b, uint64(i))
		return b[:bits/8], nil
	case evtx.TypeUint8, evtx.TypeUint16, evtx.TypeUint32, evtx.TypeUint64, evtx.TypeHexInt32, evtx.TypeHexInt64:
		bits := map[evtx.Type]int{evtx.TypeUint8: 8, evtx.TypeUint16: 16, evtx.TypeUint32: 32, evtx.TypeUint64: 64,
			evtx.TypeHexInt32: 32, evtx.TypeHexInt64: 64}[t]
		u, err := toUint(v, bits)
		if err != nil {
			return nil, err
		}
		b := make([]byte, 8)
		le.PutUint64(b, u)
		return b[:bits/8], nil
	case evtx.TypeBool:
		var x bool
		switch y := v.(type) {
		case bool:
			x = y
		case string:
			p, err := strconv.ParseBool(y)
			if err != nil {
				return nil, fmt.Errorf("%w: %q is not a boolean", errValue, y)
			}
			x = p
		default:
			return nil, fmt.Errorf("%w: %T is not a boolean", errValue, v)
		}
		b := make([]byte, 4) // a Windows BOOL
		if x {
			b[0] = 1
		}
		return b, nil
	case evtx.TypeGUID:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%w: %T is not a GUID string", errValue, v)
		}
		return parseGUID(s)
	case evtx.TypeSID:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%w: %T is not a SID string", errValue, v)
		}
		return parseSID(s)
	case evtx.TypeFileTime:
		tm, err := toTime(v)
		if err != nil {
			return nil, err
		}
		ft, err := fileTime(tm)
		if err != nil {
			return nil, err
		}
		b := make([]byte, 8)
		le.PutUint64(b, ft)
		return b, nil
	case evtx.TypeSysTime:
		tm, err := toTime(v)
		if err != nil {
			return nil, err
		}
		if tm.Year() < 1601 || tm.Year() > 30827 {
			return nil, fmt.Errorf("%w: time %s out of SYSTEMTIME range", errValue, tm)
		}
		b := make([]byte, 16)
		le.PutUint16(b[0:], uint16(tm.Year()))
		le.PutUint16(b[2:], uint16(tm.Month()))
		le.PutUint16(b[4:], uint16(tm.Weekday()))
		le.PutUint16(b[6:], uint16(tm.Day()))
		le.PutUint16(b[8:], uint16(tm.Hour()))
		le.PutUint16(b[10:], uint16(tm.Minute()))
		le.PutUint16(b[12:], uint16(tm.Second()))
		le.PutUint16(b[14:], uint16(tm.Nanosecond()/int(time.Millisecond)))
		return b, nil
	case evtx.TypeBinary:
		switch y := v.(type) {
		case []byte:
			return append([]byte(nil), y...), nil
		case string:
			b, err := hex.DecodeString(y)
			if err != nil {
				return nil, fmt.Errorf("%w: %q is not hex", errValue, y)
			}
			return b, nil
		}
		return nil, fmt.Errorf("%w: %T is not binary", errValue, v)
	}
	return nil, fmt.Errorf("%w: unsupported type 0x%02x", errValue, uint8(t))
}

// typeNames maps the JSON Lines type names to value types.
var typeNames = map[string]evtx.Type{
	"string": evtx.TypeString, "ansistring": evtx.TypeAnsiString,
	"int8": evtx.TypeInt8, "int16": evtx.TypeInt16,
	"uint8": evtx.TypeUint8, "uint16": evtx.TypeUint16, "uint32": evtx.TypeUint32, "uint64": evtx.TypeUint64,
	"int32": evtx.TypeInt32, "int64": evtx.TypeInt64, "bool": evtx.TypeBool,
	"hexint32": evtx.TypeHexInt32, "hexint64": evtx.TypeHexInt64, "guid": evtx.TypeGUID,
	"sid": evtx.TypeSID, "filetime": evtx.TypeFileTime, "systemtime": evtx.TypeSysTime,
	"binary": evtx.TypeBinary,
}

// TypeByName returns the value type of a JSON Lines type name ("uint16",
// "hexint64", ...).
func TypeByName(name string) (evtx.Type, bool) {
	t, ok := typeNames[name]
	return t, ok
}
