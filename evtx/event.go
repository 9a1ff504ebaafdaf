package evtx

import (
	"encoding/binary"
	"hash/crc32"
	"strconv"
	"strings"
	"time"
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
	// guid, for a GUID field, sets it from the pre-pass's rendering of a
	// GUID value, already in the form renderGUID gives. setSysText does
	// the same without it; the tests check the two agree.
	guid func(ev *Event, s string)
}

// numField is the systemSetter of a numeric field of bits bits: num sets
// it from a number that fits, once set or text has parsed it.
func numField(path string, bits int, num func(ev *Event, n uint64)) systemSetter {
	return systemSetter{path: path,
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

// The indices of the System fields in systemFields, their slots in an
// eventSink and a recordValues (checked by init).
const (
	slotProvider = iota
	slotProviderGUID
	slotEventSourceName
	slotEventID
	slotQualifiers
	slotVersion
	slotLevel
	slotTask
	slotOpcode
	slotKeywords
	slotTimeCreated
	slotActivityID
	slotRelatedActivity
	slotProcessID
	slotThreadID
	slotEventRecordID
	slotChannel
	slotComputer
	slotUserID
	numSystemFields
)

func init() {
	paths := [numSystemFields]string{pathProvider, pathProviderGUID, pathEventSourceName, pathEventID, pathQualifiers,
		pathVersion, pathLevel, pathTask, pathOpcode, pathKeywords, pathTimeCreated, pathActivityID,
		pathRelatedActivity, pathProcessID, pathThreadID, pathEventRecordID, pathChannel, pathComputer, pathUserID}
	if len(systemFields) != numSystemFields {
		panic("evtx: the System field slots do not match systemFields")
	}
	for i, p := range paths {
		if systemFields[i].path != p {
			panic("evtx: the System field slots do not match systemFields at " + p)
		}
	}
}

// setSystemTyped sets the System field systemFields[i] of ev from a, the
// first value at its path, a scalar argument of chunk, when its stored bytes give
// the field without its text: a number for a numeric field, a FILETIME
// other than 0 for TimeCreated. The result is what the text would give
// (setSystem): a negative number, a Bool or a number too wide for the
// field sets nothing, as their renderings do not parse. It reports whether
// it dealt with the value.
func setSystemTyped(ev *Event, i int, a *bxArg, chunk []byte) bool {
	switch i {
	case slotTimeCreated:
		if a.typ == TypeFileTime {
			if ft := binary.LittleEndian.Uint64(chunk[a.off:]); ft != 0 {
				ev.TimeCreated = fileTimeToTime(ft)
				return true
			}
		}
		return false
	case slotEventID, slotQualifiers, slotVersion, slotLevel, slotTask, slotOpcode, slotKeywords,
		slotProcessID, slotThreadID, slotEventRecordID:
	default:
		return false
	}
	// The argument was checked when parsed: a fixed-size type has its
	// size, a SizeT 4 or 8 bytes. Its bytes are read in place.
	b := chunk[a.off:]
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
		if a.size == 4 {
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
	// The fields as systemFields' numField sets them; a number too wide
	// sets nothing.
	switch i {
	case slotEventID:
		if n>>16 == 0 {
			ev.EventID = uint16(n)
		}
	case slotQualifiers:
		if n>>16 == 0 {
			ev.Qualifiers, ev.HasQualifiers = uint16(n), true
		}
	case slotVersion:
		if n>>8 == 0 {
			ev.Version = uint8(n)
		}
	case slotLevel:
		if n>>8 == 0 {
			ev.Level = uint8(n)
		}
	case slotTask:
		if n>>16 == 0 {
			ev.Task = uint16(n)
		}
	case slotOpcode:
		if n>>8 == 0 {
			ev.Opcode = uint8(n)
		}
	case slotKeywords:
		ev.Keywords = n
	case slotProcessID:
		if n>>32 == 0 {
			ev.ProcessID = uint32(n)
		}
	case slotThreadID:
		if n>>32 == 0 {
			ev.ThreadID = uint32(n)
		}
	case slotEventRecordID:
		ev.EventRecordID = n
	}
	return true
}

// eventFromValues builds an Event from the pre-pass's values alone, for a
// record that was kept from the decoder.
func eventFromValues(plan *recordValues) *Event {
	ev := &Event{}
	applyValues(ev, plan)
	return ev
}

// applyValues overrides the System fields and the data with the exact values
// of the plan.
func applyValues(ev *Event, plan *recordValues) {
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
	if i == slotTimeCreated && tv.FileTime != 0 {
		ev.TimeCreated = fileTimeToTime(tv.FileTime)
		return
	}
	if f.text != nil {
		f.text(ev, tv.Text)
	} else {
		f.set(ev, tv.Text)
	}
}

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

// maxMemoValue bounds the stored size of a data value a memo keeps.
const maxMemoValue = 64

// setSysText sets the System field slot of ev from text, the rendering of
// a value of type typ.
func setSysText(ev *Event, slot int, typ Type, text string) {
	// The text fields, as systemFields sets them, without its function
	// values; the pre-pass's rendering of a GUID value is already in the
	// form renderGUID gives.
	switch slot {
	case slotProvider:
		ev.Provider = text
	case slotEventSourceName:
		ev.EventSourceName = text
	case slotChannel:
		ev.Channel = text
	case slotComputer:
		ev.Computer = text
	case slotUserID:
		ev.UserSID = text
	case slotProviderGUID, slotActivityID, slotRelatedActivity:
		if typ != TypeGUID {
			text = renderGUID(text)
		}
		switch slot {
		case slotProviderGUID:
			ev.ProviderGUID = text
		case slotActivityID:
			ev.ActivityID = text
		default:
			ev.RelatedActivityID = text
		}
	default:
		setSystem(ev, slot, &typedValue{Text: text})
	}
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
