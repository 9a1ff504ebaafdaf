package evtx

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/Velocidex/ordereddict"
)

// TimeLayout is the rendering of times in this package's JSON and of
// FILETIME and SYSTEMTIME values: RFC 3339 in UTC with 7 fractional digits,
// as Windows writes SystemTime in its XML.
const TimeLayout = "2006-01-02T15:04:05.0000000Z"

// fileTimeEpochDelta is the number of 100 ns ticks from 1601-01-01 to
// 1970-01-01.
const fileTimeEpochDelta = 116444736000000000

func crcIEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

// fileTimeToTime converts a FILETIME exactly (to 100 ns), in UTC. Zero
// stays the zero time.
func fileTimeToTime(ft uint64) time.Time {
	if ft == 0 {
		return time.Time{}
	}
	d := int64(ft/10_000_000) - fileTimeEpochDelta/10_000_000
	ns := int64(ft%10_000_000) * 100
	return time.Unix(d, ns).UTC()
}

// Paths of the System values in a record plan.
const (
	pathProvider        = "Event/System/Provider@Name"
	pathProviderGUID    = "Event/System/Provider@Guid"
	pathEventSourceName = "Event/System/Provider@EventSourceName"
	pathEventID         = "Event/System/EventID"
	pathQualifiers      = "Event/System/EventID@Qualifiers"
	pathVersion         = "Event/System/Version"
	pathLevel           = "Event/System/Level"
	pathTask            = "Event/System/Task"
	pathOpcode          = "Event/System/Opcode"
	pathKeywords        = "Event/System/Keywords"
	pathTimeCreated     = "Event/System/TimeCreated@SystemTime"
	pathActivityID      = "Event/System/Correlation@ActivityID"
	pathRelatedActivity = "Event/System/Correlation@RelatedActivityID"
	pathProcessID       = "Event/System/Execution@ProcessID"
	pathThreadID        = "Event/System/Execution@ThreadID"
	pathEventRecordID   = "Event/System/EventRecordID"
	pathChannel         = "Event/System/Channel"
	pathComputer        = "Event/System/Computer"
	pathUserID          = "Event/System/Security@UserID"
	prefixEventData     = "Event/EventData/"
	prefixEventDataAttr = "Event/EventData@"
	prefixUserData      = "Event/UserData/"
)

// systemSetter fills one System field of an Event from a raw value, which
// may be a number or (in WEF forwarded events) a string.
type systemSetter struct {
	path string
	set  func(ev *Event, v any)
	// text, when set, is set for a value given as text (a plan's), without
	// boxing it in an interface.
	text func(ev *Event, s string)
	// num, for a numeric field of bits bits, sets it from a number that
	// fits (set and text parse the number, then call it).
	num  func(ev *Event, n uint64)
	bits int
	// guid, for a GUID field, sets it from the pre-pass's rendering of a
	// GUID value, already in the form renderGUID gives.
	guid func(ev *Event, s string)
}

// numField is the systemSetter of a numeric field.
func numField(path string, bits int, num func(ev *Event, n uint64)) systemSetter {
	return systemSetter{path: path, bits: bits, num: num,
		set: func(ev *Event, v any) {
			if n, ok := toUint(v, bits); ok {
				num(ev, n)
			}
		},
		text: func(ev *Event, s string) {
			if n, ok := uintText(s, bits); ok {
				num(ev, n)
			}
		}}
}

var systemFields = []systemSetter{
	{path: pathProvider, set: func(ev *Event, v any) { ev.Provider = render(v) }, text: func(ev *Event, s string) { ev.Provider = s }},
	{path: pathProviderGUID, set: func(ev *Event, v any) { ev.ProviderGUID = renderGUID(render(v)) }, text: func(ev *Event, s string) { ev.ProviderGUID = renderGUID(s) },
		guid: func(ev *Event, s string) { ev.ProviderGUID = s }},
	{path: pathEventSourceName, set: func(ev *Event, v any) { ev.EventSourceName = render(v) }, text: func(ev *Event, s string) { ev.EventSourceName = s }},
	numField(pathEventID, 16, func(ev *Event, n uint64) { ev.EventID = uint16(n) }),
	numField(pathQualifiers, 16, func(ev *Event, n uint64) { ev.Qualifiers, ev.HasQualifiers = uint16(n), true }),
	numField(pathVersion, 8, func(ev *Event, n uint64) { ev.Version = uint8(n) }),
	numField(pathLevel, 8, func(ev *Event, n uint64) { ev.Level = uint8(n) }),
	numField(pathTask, 16, func(ev *Event, n uint64) { ev.Task = uint16(n) }),
	numField(pathOpcode, 8, func(ev *Event, n uint64) { ev.Opcode = uint8(n) }),
	numField(pathKeywords, 64, func(ev *Event, n uint64) { ev.Keywords = n }),
	{path: pathTimeCreated, set: func(ev *Event, v any) { ev.TimeCreated = toTime(v) }},
	{path: pathActivityID, set: func(ev *Event, v any) { ev.ActivityID = renderGUID(render(v)) }, text: func(ev *Event, s string) { ev.ActivityID = renderGUID(s) },
		guid: func(ev *Event, s string) { ev.ActivityID = s }},
	{path: pathRelatedActivity, set: func(ev *Event, v any) { ev.RelatedActivityID = renderGUID(render(v)) }, text: func(ev *Event, s string) { ev.RelatedActivityID = renderGUID(s) },
		guid: func(ev *Event, s string) { ev.RelatedActivityID = s }},
	numField(pathProcessID, 32, func(ev *Event, n uint64) { ev.ProcessID = uint32(n) }),
	numField(pathThreadID, 32, func(ev *Event, n uint64) { ev.ThreadID = uint32(n) }),
	numField(pathEventRecordID, 64, func(ev *Event, n uint64) { ev.EventRecordID = n }),
	{path: pathChannel, set: func(ev *Event, v any) { ev.Channel = render(v) }, text: func(ev *Event, s string) { ev.Channel = s }},
	{path: pathComputer, set: func(ev *Event, v any) { ev.Computer = render(v) }, text: func(ev *Event, s string) { ev.Computer = s }},
	{path: pathUserID, set: func(ev *Event, v any) { ev.UserSID = render(v) }, text: func(ev *Event, s string) { ev.UserSID = s }},
}

// setSystemTyped sets the System field systemFields[i] of ev from a, the
// first value at its path, a scalar argument, when its stored bytes give
// the field without its text: a number for a numeric field, a FILETIME
// other than 0 for TimeCreated. The result is what the text would give
// (setSystem): a negative number, a Bool or a number too wide for the
// field sets nothing, as their renderings do not parse. It reports whether
// it dealt with the value.
func setSystemTyped(ev *Event, i int, a *bxArg) bool {
	f := &systemFields[i]
	if f.num == nil {
		if i == sysTimeCreated && a.val.FileTime != 0 {
			ev.TimeCreated = fileTimeToTime(a.val.FileTime)
			return true
		}
		return false
	}
	b := a.data
	var n uint64
	switch a.typ {
	case TypeUint8:
		n = uint64(b[0])
	case TypeUint16:
		n = uint64(binary.LittleEndian.Uint16(b))
	case TypeUint32, TypeHexInt32:
		n = uint64(binary.LittleEndian.Uint32(b))
	case TypeUint64, TypeHexInt64:
		n = binary.LittleEndian.Uint64(b)
	case TypeSizeT:
		if len(b) == 4 {
			n = uint64(binary.LittleEndian.Uint32(b))
		} else {
			n = binary.LittleEndian.Uint64(b)
		}
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		var x int64
		switch a.typ {
		case TypeInt8:
			x = int64(int8(b[0]))
		case TypeInt16:
			x = int64(int16(binary.LittleEndian.Uint16(b)))
		case TypeInt32:
			x = int64(int32(binary.LittleEndian.Uint32(b)))
		default:
			x = int64(binary.LittleEndian.Uint64(b))
		}
		if x < 0 {
			return true // "-n" does not parse: nothing set
		}
		n = uint64(x)
	case TypeBool:
		return true // "true", "false": nothing set
	default:
		return false
	}
	if f.bits < 64 && n>>f.bits != 0 {
		return true // does not fit: nothing set
	}
	f.num(ev, n)
	return true
}

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
				continue // set by applyPlan
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
	applyPlan(ev, plan)
	return ev
}

// eventFromPlan builds an Event from the pre-pass's values alone, for a
// record that was kept from the decoder.
func eventFromPlan(plan *recordValues) *Event {
	ev := &Event{}
	applyPlan(ev, plan)
	return ev
}

// applyPlan overrides the System fields and the data with the exact values
// of the plan.
func applyPlan(ev *Event, plan *recordValues) {
	for i := range systemFields {
		if k := plan.sys[i]; k > 0 {
			setSystem(ev, i, &plan.ordered[k-1].Value) // sysValue, without copying the value
		}
	}
	n := plan.nData
	if n <= 0 || plan.ordered[0].info == nil {
		// A plan built by hand: count its data fields.
		n = 0
		for i := range plan.ordered {
			if _, ok := plan.ordered[i].dataField(); ok {
				n++
			}
		}
	}
	var data []Field
	if n > 0 {
		data = make([]Field, 0, n) // one allocation, not a growing slice
	}
	for i := range plan.ordered {
		pv := &plan.ordered[i]
		if name, ok := pv.dataField(); ok {
			data = appendField(data, name, pv.Value.Text, pv.Value.Type)
		}
	}
	if len(data) == 0 {
		data = nil // only namespace declarations: as if there were no data
	}
	ev.Data = data
}

// setSystem sets the System field systemFields[i] of ev from tv, the first
// value of a record at its path.
func setSystem(ev *Event, i int, tv *typedValue) {
	f := &systemFields[i]
	if i == sysTimeCreated && tv.FileTime != 0 {
		ev.TimeCreated = fileTimeToTime(tv.FileTime)
		return
	}
	if f.text != nil {
		f.text(ev, tv.Text)
	} else {
		f.set(ev, tv.Text)
	}
}

// sysTimeCreated is the index of pathTimeCreated in systemFields.
var sysTimeCreated = planSysSlot[pathTimeCreated]

// appendField appends the field (name, text, the stored type without the
// array flag) to data, field by field: a typed copy of a whole Field costs
// a bulk write barrier while the collector marks.
func appendField(data []Field, name, text string, t Type) []Field {
	if len(data) == cap(data) {
		data = append(data, Field{})
	} else {
		data = data[:len(data)+1]
	}
	f := &data[len(data)-1]
	f.Name, f.Value, f.Type = name, text, t&^TypeArrayFlag
	return data
}

// eventSink builds an Event straight from the values of a record as the
// walker emits them, with the result applyPlan gives from their list,
// without listing them: the System field of the first value at each
// System path, and one Field per data value. A scalar argument is
// rendered into the record's text only when a field needs it as text, and
// the fields' strings are cut from one string of that text (finish).
type eventSink struct {
	ev   *Event
	seen uint32 // bit i: systemFields[i] has been set
	// fields gathers the data fields; finish copies them out. spans
	// holds, per field, where its value lies in the text (ts < 0: the
	// field's Value is already set).
	fields []Field
	spans  []textSpan
	// sys lists the System fields to set from the text in finish.
	sys  []sysText
	text *[]byte // the record's value text, rendered into
	// last holds, per System field set from text, the stored value that
	// set it in the last record and its text: a field that repeats from
	// record to record (a log's provider, channel, computer, provider
	// GUID) takes that text again, without rendering.
	last [planSysSlots]valueMemo
	// memos lists the data values rendered in this record whose memo
	// (see addScalar) finish updates.
	memos []memoUpdate
}

// memoUpdate is a data field whose value finish stores in its memo.
type memoUpdate struct {
	m     *valueMemo
	a     *bxArg
	field int
}

type textSpan struct{ ts, te int32 }

type sysText struct {
	slot int
	a    *bxArg // the value, valid until finish
	textSpan
}

// valueMemo remembers a stored value (type and bytes) and the text it was
// rendered to, for a place where values repeat from record to record.
type valueMemo struct {
	typ  Type
	data []byte // a copy of the stored bytes
	text string
	ok   bool
	// hits and misses count the uses of a data value's memo; off is set
	// once it is seen to miss most of the time, to stop copying values.
	hits, misses int32
	off          bool
}

// maxMemoValue bounds the stored size of a data value a memo keeps.
const maxMemoValue = 64

// memoed reports whether m holds the value of a.
func (m *valueMemo) memoed(a *bxArg) bool {
	return m.ok && m.typ == a.typ && string(m.data) == string(a.data)
}

// setSysText sets the System field slot of ev from text, the rendering of
// a value of type typ.
func setSysText(ev *Event, slot int, typ Type, text string) {
	if f := &systemFields[slot]; typ == TypeGUID && f.guid != nil {
		// The pre-pass's rendering of a GUID value: already in the
		// form renderGUID gives.
		f.guid(ev, text)
		return
	}
	setSystem(ev, slot, &typedValue{Text: text})
}

// reset readies s to build ev, a zero Event, rendering into *text.
func (s *eventSink) reset(ev *Event, text *[]byte) {
	s.ev, s.seen, s.text = ev, 0, text
	clear(s.fields) // drop the previous record's strings
	s.fields, s.spans, s.sys, s.memos = s.fields[:0], s.spans[:0], s.sys[:0], s.memos[:0]
}

// add takes the value v at path.
func (s *eventSink) add(path *bxPath, v *typedValue) {
	if path.sys >= 0 && s.seen&(1<<path.sys) == 0 {
		s.seen |= 1 << path.sys
		setSystem(s.ev, path.sys, v)
	}
	if path.data {
		s.fields = appendField(s.fields, path.field, v.Text, v.Type)
		s.spans = append(s.spans, textSpan{-1, -1})
	}
}

// addScalar takes the scalar argument a at path. memo, when not nil, is
// the memo of the place the value comes from (a compiled substitution):
// a data value equal to the one it remembers takes its text, unrendered.
func (s *eventSink) addScalar(path *bxPath, a *bxArg, memo *valueMemo) {
	if path.sys >= 0 && s.seen&(1<<path.sys) == 0 {
		s.seen |= 1 << path.sys
		if !setSystemTyped(s.ev, path.sys, a) {
			if m := &s.last[path.sys]; m.memoed(a) {
				setSysText(s.ev, path.sys, a.typ, m.text)
			} else {
				*s.text = a.render(*s.text)
				s.sys = append(s.sys, sysText{path.sys, a, textSpan{a.ts, a.te}})
			}
		}
	}
	if path.data {
		if memo != nil && memo.memoed(a) {
			memo.hits++
			s.fields = appendField(s.fields, path.field, memo.text, a.typ)
			s.spans = append(s.spans, textSpan{-1, -1})
			return
		}
		*s.text = a.render(*s.text)
		s.fields = appendField(s.fields, path.field, "", a.typ)
		s.spans = append(s.spans, textSpan{a.ts, a.te})
		if memo != nil && !memo.off && len(a.data) <= maxMemoValue {
			s.memos = append(s.memos, memoUpdate{memo, a, len(s.fields) - 1})
		}
	}
}

// finish returns the Event built, its Data holding the data fields (nil
// when there are none).
func (s *eventSink) finish() *Event {
	ev := s.ev
	var text string
	if len(*s.text) > 0 {
		text = string(*s.text)
	}
	for _, st := range s.sys {
		t := text[st.ts:st.te]
		setSysText(ev, st.slot, st.a.typ, t)
		m := &s.last[st.slot]
		m.typ, m.data, m.text, m.ok = st.a.typ, append(m.data[:0], st.a.data...), t, true
	}
	if len(s.fields) > 0 {
		ev.Data = make([]Field, len(s.fields))
		copy(ev.Data, s.fields)
		for i, sp := range s.spans {
			if sp.ts >= 0 {
				ev.Data[i].Value = text[sp.ts:sp.te]
			}
		}
	}
	for _, u := range s.memos {
		m := u.m
		m.typ, m.data, m.text, m.ok = u.a.typ, append(m.data[:0], u.a.data...), ev.Data[u.field].Value, true
		if m.misses++; m.misses >= 16 && m.hits < m.misses/4 {
			m.off, m.ok = true, false // values that seldom repeat: stop
		}
	}
	s.ev = nil
	return ev
}

// resolves reports whether the values taken name a provider and an event
// ID (resolved's test on a plan).
func (s *eventSink) resolves() bool {
	return s.seen&(1<<sysProvider) != 0 && s.seen&(1<<sysEventID) != 0
}

var (
	sysProvider = planSysSlot[pathProvider]
	sysEventID  = planSysSlot[pathEventID]
)

// dataField returns the data field name of the value and whether it is a
// data field at all (planDataField of its path).
func (pv *bxPathValue) dataField() (string, bool) {
	if pv.info != nil {
		return pv.info.field, pv.info.data
	}
	return planDataField(pv.Path)
}

// planDataField returns the field name of a plan path and whether a value
// at that path is event data: under EventData or UserData (planFieldName)
// and not a namespace declaration.
func planDataField(path string) (string, bool) {
	name, ok := planFieldName(path)
	if !ok {
		return "", false
	}
	if attr, ok := planAttrName(path); ok && isNamespaceDecl(attr) {
		return "", false
	}
	return name, true
}

// EventDataNameKey is the field name of the Name attribute of <EventData>
// itself, which classic providers set to the event's symbolic name
// (<EventData Name="EVENT_HIVE_LEAK">). It holds "@", which no other field
// name this package derives holds (attributes of nested elements are joined
// with "/"), and no Data Name of a Windows manifest does.
const EventDataNameKey = "EventData@Name"

// planAttrName returns the attribute name of a plan path that ends in an
// attribute ("Event/UserData/X@xmlns:auto-ns3" gives "xmlns:auto-ns3"). An
// attribute name holds neither "/" nor "]", so an "@" inside a Data Name
// ("Data[Name=a@b]") is never taken for one.
func planAttrName(path string) (string, bool) {
	i := strings.LastIndexByte(path, '@')
	if i < 0 || strings.ContainsAny(path[i+1:], "/]") {
		return "", false
	}
	return path[i+1:], true
}

// isNamespaceDecl reports whether an attribute name is a namespace
// declaration (xmlns or xmlns:prefix): markup, never event data.
func isNamespaceDecl(attr string) bool {
	return attr == "xmlns" || strings.HasPrefix(attr, "xmlns:")
}

// planFieldName turns a plan path under EventData or UserData into a field
// name: "Data[Name=X]" gives X, an unnamed "Data#2" gives "", other
// EventData elements keep their name; an attribute of EventData itself is
// "EventData@" and its name (EventDataNameKey); under UserData the wrapper
// element is dropped and the rest joined with "/" (attributes too).
func planFieldName(path string) (string, bool) {
	switch {
	case strings.HasPrefix(path, prefixEventDataAttr):
		return path[len("Event/"):], true
	case strings.HasPrefix(path, prefixEventData):
		p := path[len(prefixEventData):]
		if strings.HasPrefix(p, "Data[Name=") && strings.HasSuffix(p, "]") {
			return p[len("Data[Name=") : len(p)-1], true
		}
		if p == "Data" || strings.HasPrefix(p, "Data#") {
			return "", true
		}
		return strings.ReplaceAll(p, "@", "/"), true
	case strings.HasPrefix(path, prefixUserData):
		p := path[len(prefixUserData):]
		if i := strings.IndexAny(p, "/@"); i >= 0 {
			p = p[i+1:]
		}
		return strings.ReplaceAll(p, "@", "/"), true
	}
	return "", false
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
				continue // markup, as in applyPlan
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

// renderGUID gives "{UPPER-CASE}" for a GUID with or without braces; other
// text is returned as is.
func renderGUID(s string) string {
	t := strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return s
	}
	if len(s) == 38 && !hasLower(t) {
		return s // already so, as the pre-pass renders GUIDs: no copy
	}
	return "{" + strings.ToUpper(t) + "}"
}

// hasLower reports whether s holds a byte that strings.ToUpper changes
// (an ASCII lower-case letter, or any non-ASCII byte).
func hasLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' || c >= 0x80 {
			return true
		}
	}
	return false
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

// uintText is toUint for text.
func uintText(s string, bits int) (uint64, bool) {
	n, ok := plainDecimal(s)
	if !ok {
		n, ok = plainHex(s)
	}
	if ok {
		if bits < 64 && n>>bits != 0 {
			return 0, false
		}
		return n, true
	}
	n, err := strconv.ParseUint(strings.TrimSpace(s), 0, 64)
	if err != nil || bits < 64 && n>>bits != 0 {
		return 0, false
	}
	return n, true
}

// plainDecimal parses s when it is what the pre-pass renders for an
// unsigned number: decimal digits without a leading zero (or "0"), at most
// 19 of them; ok is false for anything else, which uintText leaves to
// strconv (base prefixes, octal, underscores, spaces, overflow).
func plainDecimal(s string) (n uint64, ok bool) {
	if len(s) == 0 || len(s) > 19 || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + uint64(c)
	}
	return n, true
}

// plainHex parses s when it is "0x" and 1 to 16 hex digits, as the
// pre-pass renders hexadecimal types; ok is false for anything else.
func plainHex(s string) (n uint64, ok bool) {
	if len(s) < 3 || len(s) > 18 || s[0] != '0' || s[1] != 'x' {
		return 0, false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		n = n<<4 | uint64(c)
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
