package evtxwrite

import (
	"errors"
	"strconv"

	"github.com/evtxkit/smbreadiness/evtx"
)

// Event is one record to write: the System values evtx.Event holds, as
// evtx.System (the reader gives them back as they were written), and the
// event's data. Zero values of the numeric System fields are written as
// zeros (Windows always writes them); empty strings for ProviderGUID
// (braces optional), UserSID, ActivityID, RelatedActivityID and
// EventSourceName, and Qualifiers without HasQualifiers, are written as null
// substitutions, which render nothing. EventRecordID 0 means RecordID, as in
// the logs Windows writes; a WEF ForwardedEvents log keeps the source's own
// numbering there, which differs from the collector's RecordID.
type Event struct {
	evtx.System
	// RecordID is the record header's ID; 0 means "previous record's ID
	// plus 1" (1 for the first).
	RecordID uint64
	// Data is the EventData; ignored when UserData is set.
	Data []Data
	// EventDataName, when set, is written as the Name attribute of the
	// <EventData> element itself, as classic providers name their events
	// (<EventData Name="EVENT_HIVE_LEAK">). Ignored when UserData is set.
	EventDataName string
	UserData      *UserData
}

// Data is one typed value. Name "" gives an unnamed <Data> element.
//
// Value may be given as the natural Go type of Type (string; uint8..uint64,
// int8..int64 or any integer that fits; bool; time.Time for FileTime and
// SysTime; []byte for Binary; a "{GUID}" string; an "S-1-..." string) or as a
// string in the form Windows renders it ("0x1F" for hex integers, an RFC 3339
// time, hex digits for binary).
//
// Optional writes the value as an optional substitution, as Windows does
// for the fields a provider may leave out; a nil Value is then a Null
// argument (type 0x00, no bytes), and the element holding it is not
// rendered at all. Literal writes Value, a string, as text of the template
// itself instead of a substitution, escaped as BinXML stores such text
// (& < > " ' as entity references, other control characters than tab, LF
// and CR as &#NN;).
type Data struct {
	Name     string
	Type     evtx.Type
	Value    any
	Optional bool
	Literal  bool
}

// UserData is an event's <UserData> payload: one element (Name, with an
// xmlns of Namespace when set, then Attributes) holding one child element
// per Data item.
type UserData struct {
	Name      string
	Namespace string
	// Attributes are literal attributes of the element, after xmlns; a
	// namespace declaration such as {"xmlns:auto-ns3",
	// "http://schemas.microsoft.com/win/2004/08/events"} is written as
	// Windows writes it.
	Attributes []Attribute
	Data       []Data
}

// Attribute is a literal attribute of an element.
type Attribute struct {
	Name, Value string
}

// Damage selects deliberate corruption for reader tests. The zero value
// writes a sound file. Damage that names nothing in the log (a chunk past
// the last, a record ID no event has, chunk damage without events) makes
// Encode fail with ErrInvalidOptions rather than write a sound file.
type Damage struct {
	// DirtyHeader marks the file header dirty and makes its chunk count (and
	// last chunk number) lag one chunk behind the chunks actually written.
	DirtyHeader bool
	// TruncateLastChunk cuts the file in the middle of its last chunk.
	TruncateLastChunk bool
	// BadHeaderCRC, BadChunkHeaderCRC and BadRecordsCRC store wrong CRC32s
	// in the file header, in chunk 0's header, and for chunk 0's records.
	BadHeaderCRC      bool
	BadChunkHeaderCRC bool
	BadRecordsCRC     bool
	// ZeroChunk zeroes chunk N-1 entirely (1-based; 0 = none).
	ZeroChunk int
	// BadRecordMagic breaks the magic of the record with this record ID
	// (0 = none). The chunk CRCs are computed after the damage, so only the
	// record is wrong.
	BadRecordMagic uint64
	// CraftedArgCount writes the record with this ID (0 = none) as an
	// instance of a template the chunk never defined, with a template
	// argument count of 0xFFFFFFFF.
	CraftedArgCount uint64
}

// Options tune Write. The zero value writes a sound EVTX 3.1 file.
type Options struct {
	// MinorVersion is the format's minor version, 1 or 2; 0 means 1.
	MinorVersion uint16
	Damage       Damage
}

// Sentinel errors; test with errors.Is.
var (
	// ErrInvalidEvent: an event cannot be encoded (bad value, wrong type,
	// record too large for a chunk, ...).
	ErrInvalidEvent = errors.New("evtxwrite: invalid event")
	// ErrInvalidOptions: the options are inconsistent.
	ErrInvalidOptions = errors.New("evtxwrite: invalid options")
	// ErrSyntax: a JSON Lines input is malformed.
	ErrSyntax = errors.New("evtxwrite: bad JSON Lines input")
)

// EventError says which event (0-based index) and which field could not be
// encoded. It wraps ErrInvalidEvent.
type EventError struct {
	Index int
	Field string
	Err   error
}

func (e *EventError) Error() string {
	return "evtxwrite: event " + strconv.Itoa(e.Index) + ": " + e.Field + ": " + e.Err.Error()
}

func (e *EventError) Unwrap() error { return e.Err }

// LineError says which line and field of a JSON Lines input is bad. It wraps
// ErrSyntax or ErrInvalidEvent.
type LineError struct {
	Line  int // 1-based
	Field string
	Err   error
}

func (e *LineError) Error() string {
	s := "line " + strconv.Itoa(e.Line)
	if e.Field != "" {
		s += ": " + e.Field
	}
	return s + ": " + e.Err.Error()
}

func (e *LineError) Unwrap() error { return e.Err }
