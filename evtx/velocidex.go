package evtx

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/Velocidex/ordereddict"
	vevtx "www.velocidex.com/golang/evtx"
)

// chunkSize and chunkHeaderSize are the fixed EVTX chunk geometry, taken
// from the underlying decoder so the two never disagree.
const (
	chunkSize       = vevtx.EVTX_CHUNK_SIZE
	chunkHeaderSize = vevtx.EVTX_CHUNK_HEADER_SIZE
)

// lookup walks a decoder value along a plan path ("Event/System/EventID",
// "Event/System/TimeCreated@SystemTime"). An element holding only text is
// either the bare value or a dict with a "Value" key, depending on whether
// it also has attributes.
func lookup(v any, path string) (any, bool) {
	attr := ""
	if i := strings.IndexByte(path, '@'); i >= 0 {
		path, attr = path[:i], path[i+1:]
	}
	for _, k := range strings.Split(path, "/") {
		d, ok := v.(*ordereddict.Dict)
		if !ok {
			return nil, false
		}
		if v, ok = d.Get(k); !ok {
			return nil, false
		}
	}
	if attr != "" {
		d, ok := v.(*ordereddict.Dict)
		if !ok {
			return nil, false
		}
		return d.Get(attr)
	}
	if d, ok := v.(*ordereddict.Dict); ok {
		return d.Get("Value")
	}
	return v, v != nil
}

// eventFromDecoder maps the decoder's ordered dict to an Event, preferring
// the pre-pass's exact values (plan, may be nil) wherever it has them.
func eventFromDecoder(v any, plan *recordValues) *Event {
	if v == nil {
		return nil
	}
	ev := &Event{}
	for i, f := range systemFields {
		if plan != nil {
			if plan.sys[i] > 0 {
				continue // set by applyValues
			}
		}
		if x, ok := lookup(v, f.path); ok {
			f.set(ev, x)
		}
	}
	if plan == nil {
		ev.Data = dataFromDecoder(v)
		return ev
	}
	// The plan is an exact parse of the whole record: its data is the
	// record's data, even when empty (every value a Null optional
	// substitution, only namespace declarations), where the decoder would
	// list empty or namespace fields.
	applyValues(ev, plan)
	return ev
}

// dataFromDecoder flattens the decoder's EventData or UserData, whatever
// shape it came in, into one ordered list. It serves only records without a
// plan, which the Reader never hands the decoder. Its shape is the plan's
// where the decoder's output allows: namespace declarations are dropped, a
// Null optional value gives no field (many-events-application.evtx record
// 3 of the public corpus), and records with entity or character references
// never reach the decoder. One difference remains: the Name attribute of
// <EventData> comes out as a field "Name", which the decoder's output does
// not tell apart from a <Data Name="Name">, instead of EventDataNameKey.
func dataFromDecoder(v any) []Field {
	root, ok := v.(*ordereddict.Dict)
	if !ok {
		return nil
	}
	evv, _ := root.Get("Event")
	ev, ok := evv.(*ordereddict.Dict)
	if !ok {
		return nil
	}
	var out []Field
	if ed, ok := ev.Get("EventData"); ok {
		out = eventData(ed)
	}
	if ud, ok := ev.Get("UserData"); ok {
		if d, ok := ud.(*ordereddict.Dict); ok && d.Len() == 1 {
			// Drop the single wrapper element (<EventXML>, <LogFileCleared>).
			k := d.Keys()[0]
			ud, _ = d.Get(k)
		}
		out = flatten(out, "", ud)
	}
	return out
}

// eventData handles the EventData shapes the decoder produces: a dict of
// name -> value (normalised named Data), a "Data" key holding a list of
// unnamed values or of {Name, Value} dicts, a single {Name, Value}, or a
// string list.
func eventData(ed any) []Field {
	d, ok := ed.(*ordereddict.Dict)
	if !ok {
		return flatten(nil, "", ed)
	}
	var out []Field
	for _, k := range d.Keys() {
		v, _ := d.Get(k)
		if k != "Data" {
			out = flatten(out, k, v)
			continue
		}
		items, isList := v.([]any)
		if !isList {
			items = []any{v}
		}
		for _, it := range items {
			if m, ok := it.(*ordereddict.Dict); ok {
				if n, ok := m.Get("Name"); ok {
					val, _ := m.Get("Value")
					out = flatten(out, render(n), val)
					continue
				}
			}
			out = flatten(out, "", it)
		}
	}
	return out
}

// flatten appends the fields of v under name: a dict gives one field per
// key ("name/key"), a list one field per item, a scalar one field.
func flatten(out []Field, name string, v any) []Field {
	join := func(k string) string {
		if name == "" {
			return k
		}
		return name + "/" + k
	}
	switch x := v.(type) {
	case *ordereddict.Dict:
		for _, k := range x.Keys() {
			y, _ := x.Get(k)
			if isNamespaceDecl(k) {
				continue // markup, as in applyValues
			}
			if k == "Value" {
				out = flatten(out, name, y)
				continue
			}
			out = flatten(out, join(k), y)
		}
		return out
	case []any:
		for _, y := range x {
			out = flatten(out, name, y)
		}
		return out
	case []string:
		for _, y := range x {
			out = append(out, Field{Name: name, Value: y, Type: TypeString})
		}
		return out
	}
	return append(out, Field{Name: name, Value: render(v), Type: typeOf(v)})
}

// typeOf guesses the stored type from the decoder's Go type.
func typeOf(v any) Type {
	switch v.(type) {
	case uint8:
		return TypeUint8
	case uint16:
		return TypeUint16
	case uint32:
		return TypeUint32
	case uint64:
		return TypeUint64
	case int32:
		return TypeInt32
	case int64:
		return TypeInt64
	case float32:
		return TypeReal32
	case float64:
		return TypeReal64
	case bool:
		return TypeBool
	case []byte:
		return TypeBinary
	case nil:
		return TypeNull
	}
	return TypeString
}

// render turns a decoder value into text the way Windows renders it, as far
// as the Go type tells.
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case []byte:
		return strings.ToUpper(hex.EncodeToString(x))
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case uint8, uint16, uint32, uint64, int8, int16, int32, int64, int:
		return fmt.Sprint(x)
	}
	return fmt.Sprint(v)
}

// toUint reads an unsigned number that fits in bits from a decoder value or
// from text ("4", "0x8000000000000000").
func toUint(v any, bits int) (uint64, bool) {
	var n uint64
	switch x := v.(type) {
	case uint8:
		n = uint64(x)
	case uint16:
		n = uint64(x)
	case uint32:
		n = uint64(x)
	case uint64:
		n = x
	case int32:
		if x < 0 {
			return 0, false
		}
		n = uint64(x)
	case int64:
		if x < 0 {
			return 0, false
		}
		n = uint64(x)
	case string:
		return uintText(x, bits)
	default:
		return 0, false
	}
	if bits < 64 && n>>bits != 0 {
		return 0, false
	}
	return n, true
}

// toTime reads TimeCreated from the decoder: seconds since 1970 as a float
// (the decoder's rendering of a FILETIME, rounded here to 100 ns; exact
// values come from the pre-pass) or, in WEF forwarded events, RFC 3339 text.
func toTime(v any) time.Time {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e11 {
			return time.Time{}
		}
		sec := math.Floor(x)
		ticks := math.Round((x - sec) * 1e7)
		return time.Unix(int64(sec), int64(ticks)*100).UTC()
	case string:
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(x))
		if err != nil {
			return time.Time{}
		}
		return t.UTC()
	}
	return time.Time{}
}
