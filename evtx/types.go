package evtx

import (
	"errors"
	"fmt"
	"time"

	"github.com/evtxkit/smbreadiness/internal/safefile"
)

// Sentinel errors. Test for them with errors.Is.
var (
	// ErrNotEVTX: the file does not start with the "ElfFile\x00" magic.
	ErrNotEVTX = errors.New("evtx: not an EVTX file")
	// ErrUnsupportedVersion: the header names a format version other than 3.x.
	ErrUnsupportedVersion = errors.New("evtx: unsupported format version")
	// ErrShortFile: the file is shorter than its 4096-byte header block
	// (NewReader fails), or ends before the chunks its header promises or
	// inside a chunk (an *Error is yielded and what is present is read).
	ErrShortFile = errors.New("evtx: file too short")
	// ErrNotRegular: Open was given a path that is not a regular file (a
	// named pipe, a device, a socket, a directory); it is refused without
	// blocking.
	ErrNotRegular = safefile.ErrNotRegular
	// ErrHeaderMismatch: a field of the file header or of a chunk header
	// contradicts the fixed geometry of the format or the records the file
	// holds. The reader trusts the geometry and the records, reads what is
	// there, and names the field in a *FieldError.
	ErrHeaderMismatch = errors.New("evtx: header contradicts the file")

	// ErrChunkHeaderChecksum: the CRC32 of a chunk header does not match.
	// The chunk's records are still decoded and marked.
	ErrChunkHeaderChecksum = errors.New("evtx: chunk header checksum mismatch")
	// ErrChunkDataChecksum: the CRC32 of a chunk's record area does not
	// match. The chunk's records are still decoded and marked.
	ErrChunkDataChecksum = errors.New("evtx: chunk record data checksum mismatch")
	// ErrBadChunk: a chunk whose structure cannot be valid; it is not decoded.
	ErrBadChunk = errors.New("evtx: bad chunk")
	// ErrBadRecord: a record whose framing or content is damaged.
	ErrBadRecord = errors.New("evtx: bad record")
	// ErrLimit: a resource limit was hit (see the package's Limits).
	ErrLimit = errors.New("evtx: resource limit exceeded")
	// ErrDecoder: the underlying BinXML decoder failed (or panicked) on a
	// chunk; the panic was contained.
	ErrDecoder = errors.New("evtx: decoder failure")
	// ErrRecovered: records found in a chunk's slack (Options.Recover)
	// that could not be decoded: one error per chunk, placed at the first
	// of them, listing the others. It wraps that record's cause as well.
	ErrRecovered = errors.New("evtx: record recovered from chunk slack")
)

// Error is the typed error for a damaged chunk or record. It names the place
// and wraps one of the sentinel errors above.
type Error struct {
	File     string // path or name given to the reader
	Chunk    int    // chunk index in the file, 0-based; -1 for the file header
	Offset   int64  // byte offset in the file of the chunk or record
	RecordID uint64 // record ID when known, else 0
	Err      error  // wrapped cause (a sentinel, possibly wrapped further)
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: chunk %d at offset %d (0x%x)", e.File, e.Chunk, e.Offset, e.Offset)
	if e.RecordID != 0 {
		s += fmt.Sprintf(", record %d", e.RecordID)
	}
	return s + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// FieldError names a header field whose stored value the file contradicts.
// An *Error carries it (Chunk -1 for the file header). It wraps
// ErrHeaderMismatch, or ErrShortFile when the field promises more of the
// file than there is.
type FieldError struct {
	Field  string // Go name of the field, as in Header and ChunkInfo: "HeaderBlockSize", "FreeSpaceOffset"...
	Stored uint64 // the value stored in the header
	Found  string // what the file holds instead, and what the reader did
	Err    error  // ErrHeaderMismatch or ErrShortFile
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%v: %s is %d (0x%x), but %s", e.Err, e.Field, e.Stored, e.Stored, e.Found)
}

func (e *FieldError) Unwrap() error { return e.Err }

// Header is the EVTX file header.
type Header struct {
	MajorVersion    uint16
	MinorVersion    uint16
	FirstChunk      uint64
	LastChunk       uint64
	NextRecordID    uint64
	HeaderSize      uint32
	HeaderBlockSize uint16
	ChunkCount      uint16 // as the header says; real chunks may be more (dirty logs)
	Flags           uint32
	Dirty           bool // flag 0x1: the log was not closed cleanly
	Full            bool // flag 0x2: the log is full
	Checksum        uint32
	ChecksumValid   bool // CRC32 of the first 120 bytes matches Checksum
}

// Source locates a record in its file.
type Source struct {
	File   string `json:"file"`
	Chunk  int    `json:"chunk"`  // 0-based chunk index
	Offset int64  `json:"offset"` // byte offset of the record in the file
}

func (s Source) String() string {
	return fmt.Sprintf("%s:chunk %d:offset %d", s.File, s.Chunk, s.Offset)
}

// Type is the BinXML value type of a field, as stored in the log.
type Type uint8

// Value types (MS-EVEN6 / libevtx numbering).
const (
	TypeNull       Type = 0x00
	TypeString     Type = 0x01 // UTF-16 string
	TypeAnsiString Type = 0x02
	TypeInt8       Type = 0x03
	TypeUint8      Type = 0x04
	TypeInt16      Type = 0x05
	TypeUint16     Type = 0x06
	TypeInt32      Type = 0x07
	TypeUint32     Type = 0x08
	TypeInt64      Type = 0x09
	TypeUint64     Type = 0x0a
	TypeReal32     Type = 0x0b
	TypeReal64     Type = 0x0c
	TypeBool       Type = 0x0d
	TypeBinary     Type = 0x0e
	TypeGUID       Type = 0x0f
	TypeSizeT      Type = 0x10
	TypeFileTime   Type = 0x11
	TypeSysTime    Type = 0x12
	TypeSID        Type = 0x13
	TypeHexInt32   Type = 0x14
	TypeHexInt64   Type = 0x15
	TypeBinXML     Type = 0x21
	TypeArrayFlag  Type = 0x80 // or'ed onto a base type for arrays
)

// Field is one (name, value) pair of an event's EventData or UserData, in
// document order. Unnamed <Data> items have an empty Name. Nested UserData
// elements are flattened with "/" between element names.
type Field struct {
	Name  string
	Value string // rendered as Windows renders it in its XML
	Type  Type   // stored type; TypeString when only text is known
}

// System holds the values of an event's System element. Event embeds it,
// and so does the writer's event (evtxwrite.Event), so that what is read
// and what is written share one model.
type System struct {
	// EventRecordID is System/EventRecordID as stored in the event. It
	// equals the record header's ID in a log Windows wrote itself; in a
	// WEF ForwardedEvents log (or a re-exported log) it is the source
	// log's ID.
	EventRecordID   uint64
	Provider        string
	ProviderGUID    string // "{UPPER-CASE}" or ""
	EventSourceName string
	EventID         uint16
	// Qualifiers is EventID's Qualifiers attribute, when HasQualifiers.
	Qualifiers        uint16
	HasQualifiers     bool
	Version           uint8
	Level             uint8
	Task              uint16
	Opcode            uint8
	Keywords          uint64
	TimeCreated       time.Time // UTC, exact to 100 ns
	Channel           string
	Computer          string
	UserSID           string // "S-1-..." or ""
	ProcessID         uint32
	ThreadID          uint32
	ActivityID        string // "{UPPER-CASE}" or ""
	RelatedActivityID string
}

// Event is one decoded record.
type Event struct {
	// RecordID is the record header's ID: the log file's own numbering,
	// unique in the file, the one chunk headers and errors refer to.
	RecordID uint64
	System
	Data   []Field
	Source Source
	// ChunkDamaged is set when the record's chunk failed a checksum, or
	// its header contradicts its records. The record was decoded all the
	// same; treat it as evidence to verify.
	ChunkDamaged bool
	// Recovered is set on a record found in a chunk's slack, past its
	// free-space offset, left from an earlier use of the chunk (only with
	// Options.Recover). It is not part of the live log: no checksum covers
	// it, and its record ID may be one a live record has too.
	Recovered bool
	// Fallback is set when the native decoder refused the record's BinXML
	// and the Velocidex decoder decoded it: it holds the native refusal.
	// Such an event's values are Velocidex's renderings (TimeCreated is
	// exact only to about 1 µs); treat it as evidence to verify.
	Fallback string
}

// Get returns the value of the first field with that name (case-sensitive).
func (e *Event) Get(name string) (string, bool) {
	for _, f := range e.Data {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// ProviderFilter narrows what Options keeps of one of Options.Providers,
// so that a provider whose events fill a log (the Security-Auditing events
// of a WEF collector, say) can be asked for a few of its events without
// decoding the others.
type ProviderFilter struct {
	// Provider is the name, as in Options.Providers (case-insensitive).
	Provider string
	// EventIDs, when set, keeps only these event IDs of the provider.
	EventIDs []uint16
	// Markers, when set, are ASCII texts of which every chunk holding a
	// wanted event of the provider holds one, such as a Data name of its
	// template (Windows stores templates, with their names, in each chunk
	// that uses them). They are compared exactly, case included, in
	// UTF-16LE. A chunk holding the provider's name but none of the
	// markers is not decoded for this provider: choose markers that no
	// wanted event can lack.
	Markers []string
}

// Options filter and tune a read. The zero value reads every event with
// GOMAXPROCS workers.
type Options struct {
	// Providers keeps only events of these providers (case-insensitive).
	// Chunks that cannot hold one of them are skipped undecoded.
	Providers []string
	// EventIDs keeps only these event IDs.
	EventIDs []uint16
	// Narrow narrows what is kept of some of Providers; see ProviderFilter.
	Narrow []ProviderFilter
	// Since and Until keep events with Since <= TimeCreated < Until; zero
	// values do not bound.
	Since, Until time.Time
	// Workers decode chunks concurrently; 0 means GOMAXPROCS. Events still
	// come out in file order. With one worker, each chunk is decoded on the
	// goroutine ranging over Events, between two of its iterations.
	Workers int
	// OnChunk, when set, is called once per 64 KiB chunk slot of the file,
	// in file order, on the goroutine that ranges over Events, just before
	// the slot's events and errors are yielded (errors on the file header,
	// Chunk -1, come before the first slot or after the last). Reports use
	// it for their per-chunk figures (decoded, skipped, damaged, record
	// counts).
	OnChunk func(ChunkInfo)
	// Recover also returns the well-framed records found in the slack of
	// each chunk (past its free-space offset, left from an earlier use of
	// the chunk), marked Event.Recovered, after the chunk's live records.
	// A slack record with the ID and FILETIME of a live record of the file
	// is a copy and is dropped; slack records that cannot be decoded (often
	// their template was overwritten) give one *Error per chunk wrapping
	// ErrRecovered.
	Recover bool
	// ReuseEvents lets Events yield an Event whose memory, and its Data's,
	// a later event of the same read reuses: an Event is then valid only
	// until the loop body that received it returns. The strings it holds
	// stay valid; copy the Event (and its Data) to keep it. Like
	// encoding/csv's Reader.ReuseRecord, it is for callers that look at
	// each event once: the read then allocates per chunk, not per event,
	// and the collector runs seldom. WriteJSONLines always reuses.
	ReuseEvents bool
}
