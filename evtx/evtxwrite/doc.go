// Package evtxwrite writes Windows event logs (.evtx) shaped the way Windows
// itself writes them, so that tests of the evtx reader and of everything built
// on it run against logs that are structurally real.
//
// # What is written
//
// A 4 KiB file header (format 3.1, or 3.2 on request) followed by 64 KiB
// chunks. Each chunk carries its own string table (64 hash buckets of name
// offsets, names stored once per chunk and referenced afterwards) and template
// table (32 buckets). Records never straddle chunks; a record that does not
// fit starts a new chunk. Every CRC32 (file header, chunk header, chunk record
// area) is computed, every record repeats its size at its end and is padded to
// 8 bytes, and the first/last record numbers and IDs, last-record offset and
// free-space offset of each chunk are filled in.
//
// Records use the layout of current Windows versions: an outer template for
// the Event and its System element, with 18 substitution slots
//
//	0 Level          6 TimeCreated     12 Security UserID
//	1 Opcode         7 ActivityID      13 RelatedActivityID
//	2 Task           8 ProcessID       14 Provider Name
//	3 EventID        9 ThreadID        15 Provider Guid
//	4 Qualifiers    10 EventRecordID   16 Channel
//	5 Keywords      11 Version         17 EventData/UserData (BinXML)
//
// (plus slot 18 for Provider EventSourceName when an event has one), all
// optional substitutions that render nothing when their value is null. The
// Computer name is literal text in the outer template, as Windows does it, so
// each computer gets its own outer template. The EventData (or UserData) of
// an event is a nested BinXML value holding an instance of a second template,
// one per (provider, event ID, version, field layout), whose Data elements
// name their fields literally and take typed substitution values. A template
// is defined inline at its first use in a chunk and referenced by offset
// afterwards; it is defined again in each new chunk.
//
// For reader tests a Data item may also be an optional substitution (a nil
// value is then Null and its element is not rendered) or literal template
// text with entity and character references; EventData may carry a Name
// attribute, and the UserData element literal attributes such as namespace
// declarations (xmlns:auto-ns3).
//
// # Determinism
//
// The same events and options always give the same bytes, so generated
// fixtures can be recreated byte for byte with go generate.
//
// # Damaged variants
//
// Options.Damage produces the damaged files a reader must survive: a dirty
// header whose chunk count lags, a truncated last chunk, wrong CRCs, a zeroed
// chunk, a record with a bad magic, and a crafted template-argument count.
// Damage that names nothing in the log (a chunk past the last, a record ID
// no event has) is refused with ErrInvalidOptions, never silently skipped.
//
// # JSON Lines
//
// ParseJSONL reads the event format of examples/evtxgen: one JSON object per
// line, in record order; blank lines are skipped. Fields:
//
//	provider, channel and computer (required), provider_guid, event_source_name,
//	event_id (required), qualifiers, version (default 0), level, task, opcode,
//	keywords ("0x..." string or number), time_created (required, RFC 3339,
//	up to 100 ns), record_id (default: previous + 1, from 1), process_id,
//	thread_id, user_sid, activity_id, related_activity_id,
//	data: [{"name", "type", "value"}] or
//	user_data: {"name", "ns", "data": [...]}
//
// type is one of string, ansistring, uint8, uint16, uint32, uint64, int8,
// int16, int32, int64, bool, hexint32, hexint64, guid, sid, filetime,
// systemtime, binary (value as hex digits).
//
// The lines examples/evtxdump prints (evtx.Event's MarshalJSON) are read
// too: there data is an object of evtx.Event.DataKeys to rendered values,
// which become string fields, unnamed for a key "Data#i" and named after
// the first of repeated names for "X#k"; source and chunk_damaged are
// ignored. Dumping the log written from such lines gives the same lines
// but for source (and chunk_damaged, as the new log is whole).
package evtxwrite
