// Package evtx reads exported Windows event logs (.evtx) offline, on any
// operating system, and turns each record into a typed Event.
//
// Its own BinXML decoder (the pre-pass, binxml*.go) decodes the records: the
// token grammar, template definitions and references, and every value,
// exactly. Around it are the parts a forensic reader needs: the file header,
// chunk discovery past the header's chunk count (dirty logs), CRC32 checks of
// every chunk header and record area, record framing checked before
// decoding, resource limits against crafted files, exact 100 ns timestamps,
// and values rendered the way Windows renders them in its own XML (wevtutil
// qe /f:xml).
//
// The Velocidex decoder (www.velocidex.com/golang/evtx, pinned, a dependency
// kept on purpose) has three roles. It decodes the records the native
// decoder parses but does not resolve (no provider name or event ID among
// its values), and the native values override its own field for field, so
// it only supplies System values the native decoder lacks. It is the
// fallback for a record the native decoder refuses for a reason it can
// take: a template defined by no earlier record of the chunk, or a fragment
// header version other than 1.1 (never malformed BinXML, which can keep it
// busy without bound, nor a framing fault or a limit): the record is
// handed to it alone, under the containment described below, when it knows
// every template the record uses, by ID; if it decodes the record (a provider or an event ID), the
// event is returned with Event.Fallback holding the native refusal, else
// the error stays. And it is the independent decoder of the tests: the
// differential tests compare the native values with its output
// (TestInspectCorpus, TestPrepassAgreesWithVelocidex), and the fuzz target
// FuzzInspect requires that a chunk the native decoder accepts does not make
// it panic. docs/performance.md counts each role on the public corpus.
//
// # Input
//
// A log is an io.ReaderAt plus its size (NewReader), or a path (Open). It is
// only ever read.
//
// # Errors travel with events
//
// Reader.Events returns an iterator of (event, error) pairs in file order.
// A damaged chunk or record yields a non-nil *Error in its place, carrying
// the file, chunk index, byte offset and record ID, and iteration goes on with
// the next record or chunk. The error is part of every step of the loop, so a
// caller cannot forget that errors exist; ignoring them takes an explicit
// blank identifier:
//
//	for ev, err := range r.Events(ctx, evtx.Options{}) {
//		if err != nil {
//			log.Print(err) // damaged record or chunk; the loop goes on
//			continue
//		}
//		use(ev)
//	}
//
// Reader.WriteJSONLines writes the same events as JSON Lines (the text of
// Event.AppendJSON), each chunk encoded on the worker that decoded it, and
// hands each error to a callback in its place among the lines: the fast way
// to export a log, and the one examples/evtxdump takes.
//
// Only the failures that concern the whole file (not EVTX, unsupported version,
// shorter than its 4096-byte header block) are returned by NewReader and
// Open, as sentinel errors. Errors on the file header itself have Chunk -1:
// they come before the first chunk's, except the one on NextRecordID, which
// needs every chunk and comes after the last.
//
// # Fixed geometry, and headers that contradict the file
//
// The layout of a log is fixed: a 4096-byte header block, then 64 KiB
// chunks, each with a 512-byte header and its string and template tables.
// The reader trusts that geometry, and the records it frames, over any
// header field that says otherwise, and it never returns fewer records than
// the headers promise or than it can frame without saying so. Each
// contradiction is an *Error carrying a *FieldError that names the field
// (HeaderBlockSize, HeaderSize, ChunkCount, NextRecordID, ChunkHeaderSize,
// FreeSpaceOffset, FirstRecordID, LastRecordID, LastRecordNumber) and wraps
// ErrHeaderMismatch, or ErrShortFile when the file ends before the chunks
// its header counts. Records past a chunk's free-space offset that the chunk
// claims (in its ID range, or continuing it) are returned, with one error
// for the chunk. Headers that lag their records, as in copies of live logs,
// are normal: a dirty log's chunk count and any log's next record ID may lag
// without an error. docs/limits.md lists every case.
//
// # Chunks
//
// Every 64 KiB slot after the header block is looked at, to the end of the
// file, whatever the header's chunk count says (logs copied from a live
// system are usually dirty and their count lags). An all-zero slot is unused
// space, unless the header's count includes it; any other slot without the
// chunk magic is an error wrapping ErrBadChunk, and so is a chunk whose
// header another slot repeats (a copy over a lost chunk). A
// chunk cut short by the end of the file gives an error wrapping ErrBadChunk
// and ErrShortFile, but the records wholly present in it are decoded. Framed
// records past a chunk's free-space offset that do not belong to it are
// slack from an earlier use of the chunk: counted in ChunkInfo.SlackRecords,
// neither returned nor reported unless Options.Recover is set (see
// Recovery). The CRC32 of each chunk header and of its
// record area is checked; on a mismatch the error (ErrChunkHeaderChecksum,
// ErrChunkDataChecksum) is yielded, the records are still decoded, and each
// of their events has ChunkDamaged set, as it has when the chunk header
// contradicts the records. Options.OnChunk receives a ChunkInfo per slot
// (state, record numbers and IDs, checksum results, counts).
//
// # Recovery
//
// With Options.Recover the slack records are returned too, after the
// chunk's live records, each marked Event.Recovered: well-framed (magic, a
// possible size, the trailing size copy equal), decoded by the same
// decoders under the same containment. A template a slack record refers to
// may have been overwritten by the chunk's new records: the definition is
// then read where the reference points, when one starts there, and the
// record is kept from Velocidex. A slack record with the record ID and
// FILETIME of a live record (of its chunk, or of a chunk whose header range
// holds the ID) is a copy and is dropped (ChunkInfo.RecoveredCopies); one
// with a live record's ID and another FILETIME is returned, so two events
// may share a RecordID. The slack records that cannot be decoded are
// reported by one *Error per chunk wrapping ErrRecovered; none of this makes
// a chunk Damaged. Without the option, nothing of this happens.
//
// # Containing the fallback decoder
//
// The pinned Velocidex decoder panics on some corrupt chunks, re-emits a
// zero-size record, reads array values to the end of the chunk, loops without
// bound on a crafted template-argument count, and stops silently at a bad
// record. This package never hands it the file: per chunk it frames every
// record itself (magic, size of at least 28 bytes, inside the record area,
// trailing size copy) and resynchronises after a bad one; an exact BinXML
// pre-pass and a shallow template-instance guard refuse records the decoder
// must not see; the decoder then gets a private copy of the chunk in which
// refused and damaged regions are empty filler records and the header counts
// exactly the records laid out. A panic is recovered; the record causing it
// is found by bisection, neutralised, and the chunk decoded again, at most 8
// times. Records whose values the pre-pass decoded are still returned, from
// its values alone, when the decoder may not see them.
// A record the pre-pass refuses reaches the decoder only as the fallback:
// it must pass the template-instance guard (argument count, values inside
// the record, array and SYSTEMTIME descriptors retyped) and use only
// templates the decoder learnt from the records laid out before it; the
// chunk is then decoded once more with it, under the same bisection and
// retry bound. Each record is returned at most once.
//
// The decoder is only needed where the pre-pass does not resolve a record
// completely: a record whose pre-pass values name its provider and event ID
// is built from those values alone (the decoder's output would be
// overridden by them field for field; a test
// decodes every fixture and sample log both ways and requires identical
// events). A chunk is handed to the decoder only when it holds another kind
// of record; docs/performance.md gives the figures.
//
// # Exact values
//
// TimeCreated is the stored FILETIME, exact to 100 ns, in UTC (the decoder's
// own float64 is off by up to ~0.8 µs), or, in WEF forwarded events where
// System values are text, the stored RFC 3339 time. Values are rendered as
// Windows renders them in its XML: GUIDs "{UPPER-CASE}", HexInt32/64 and
// keywords "0x…", SIDs "S-1-…", booleans "true"/"false", FILETIME and
// SYSTEMTIME in TimeLayout. Event data is one ordered []Field whatever its
// shape: named or unnamed <Data>, or UserData flattened with "/" below its
// wrapper element. It holds what Windows' XML renders as values:
//
//   - Namespace declarations (xmlns, xmlns:auto-ns3) are markup, never
//     fields.
//   - Text and its entity and character references (&amp; &quot; &lt; &gt;
//     &apos; &#NN;) are one value, resolved ("a & b", not three fields).
//   - The Name attribute of <EventData> itself (classic providers'
//     EVENT_HIVE_LEAK and the like) is the field EventDataNameKey,
//     "EventData@Name", first in the list.
//   - An optional substitution whose value is Null removes the element (or
//     attribute) holding it, as MS-EVEN6 and libevtx do: no field. An empty
//     string, or a normal substitution with a Null value, is an empty field.
//
// # Filters, order, parallelism
//
// Options.Providers is pushed down: a provider name is stored in UTF-16LE in
// every record or template that uses it, so a chunk whose bytes (ASCII
// letters folded) do not contain a wanted name is skipped undecoded
// (ChunkSkipped). In a chunk that holds a wanted name, when every occurrence
// of it lies in a string value of a record, only those records (and the
// records defining the templates they use) are inspected: the others cannot
// be of a wanted provider, are counted in ChunkInfo.Records and are not
// decoded, so damage inside them goes unreported, as in skipped chunks.
// Records of unwanted providers or event IDs are dropped before any Event
// is built. Options.Narrow asks for a few event IDs of a provider whose
// events fill a log: its other IDs are dropped before any Event is built,
// and a chunk holding its name but none of its markers is skipped too.
// EventIDs, Since and Until filter events. Chunks are decoded
// by Options.Workers goroutines (GOMAXPROCS by default), each with its own
// buffers, and put back in file order; at most two decoded chunks per
// worker wait, so memory does not grow with the file. With one worker the
// chunks are decoded on the goroutine ranging over Events. Each Event and
// its Data are allocated for the caller to keep; a caller that looks at
// each event once sets Options.ReuseEvents, and the read then allocates
// per chunk, not per event (about 490 bytes an event less, and the
// collector runs seldom).
//
// # Limits
//
// The reader bounds the records framed per chunk (2322, the most a 64 KiB
// chunk can hold), the substitution values per template instance (2048),
// the decoder retries per chunk (8) and the decoded chunks waiting per
// worker (2); the BinXML pre-pass bounds element nesting (64), BinXML value
// nesting (16), values per record (8192) and per chunk (65536), and
// expansion steps per record (262144) and per chunk (1048576); past 64 array
// arguments in a chunk, records are decoded from the pre-pass's values
// alone. docs/limits.md lists them all. Hitting a limit is an
// *Error wrapping ErrLimit that names the place, never a silent drop.
package evtx
