package evtx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// ChunkState says what was found in a 64 KiB chunk slot.
type ChunkState uint8

// Chunk states.
const (
	// ChunkDecoded: a chunk whose records were decoded (possibly with
	// errors; see the checksum fields and BadRecords).
	ChunkDecoded ChunkState = iota
	// ChunkSkipped: a chunk the provider pre-filter proved holds no wanted
	// provider; it was not decoded.
	ChunkSkipped
	// ChunkEmpty: an all-zero slot (unused space of a log); not an error,
	// unless the file header's chunk count includes the slot.
	ChunkEmpty
	// ChunkBad: a slot that is not a chunk, or a chunk whose structure
	// cannot be valid; an *Error wrapping ErrBadChunk was yielded for it.
	ChunkBad
)

func (s ChunkState) String() string {
	switch s {
	case ChunkDecoded:
		return "decoded"
	case ChunkSkipped:
		return "skipped"
	case ChunkEmpty:
		return "empty"
	case ChunkBad:
		return "bad"
	}
	return fmt.Sprintf("ChunkState(%d)", uint8(s))
}

// ChunkInfo describes one 64 KiB chunk slot of a log, as Reader.Events saw
// it. Receive it through Options.OnChunk.
type ChunkInfo struct {
	Index  int   // slot index, 0-based, in file order
	Offset int64 // byte offset of the slot in the file
	State  ChunkState

	// Header fields (zero for empty and non-chunk slots).
	FirstRecordNumber, LastRecordNumber uint64
	FirstRecordID, LastRecordID         uint64
	FreeSpaceOffset                     uint32

	HeaderChecksumValid bool // CRC32 of [0:0x78]+[0x80:0x200]
	DataChecksumValid   bool // CRC32 of the record area [0x200:free space]

	// Records is the number of records decoded into events (before the
	// EventIDs and time filters). BadRecords counts the records or regions
	// that were refused or lost, each reported by an *Error.
	Records    int
	BadRecords int
	// HeaderMismatches counts the errors wrapping ErrHeaderMismatch
	// yielded for the slot: chunk header fields its records contradict, or
	// a file header chunk count the slot contradicts.
	HeaderMismatches int
	// SlackRecords counts the well-framed records found past the chunk's
	// free-space offset that do not belong to it (IDs outside its range and
	// out of sequence): left from an earlier use of the chunk, they are not
	// returned and not reported as errors, unless Options.Recover is set.
	SlackRecords int
	// With Options.Recover: RecoveredRecords counts the slack records
	// decoded into events (marked Event.Recovered, before the filters),
	// RecoveredCopies the slack records dropped as copies of a live record
	// (same record ID and FILETIME), and RecoveredBad the slack records
	// that could not be decoded, reported by one *Error wrapping
	// ErrRecovered. None of them makes the chunk Damaged.
	RecoveredRecords, RecoveredCopies, RecoveredBad int
	// Duplicates counts the other slots holding this very chunk (same
	// record ranges, offsets and checksums), reported by an *Error wrapping
	// ErrBadChunk.
	Duplicates int
}

// Damaged reports whether the chunk failed a checksum, is bad, lost
// records, contradicts a header, or is repeated in another slot.
func (c ChunkInfo) Damaged() bool {
	if c.State == ChunkBad {
		return true
	}
	if c.State == ChunkEmpty {
		return c.HeaderMismatches > 0
	}
	return !c.HeaderChecksumValid || !c.DataChecksumValid || c.BadRecords > 0 || c.HeaderMismatches > 0 || c.Duplicates > 0
}

const (
	// chunkHeaderFieldSize is the value of a chunk header's size field:
	// the header proper, before the string and template tables.
	chunkHeaderFieldSize = 128
	recMagic             = "**\x00\x00"
	recHeaderLen         = 24 // magic, size, record ID, FILETIME
	// minRecordSize is the smallest record framing accepts: the header and
	// the trailing 4-byte size copy, with no room for BinXML in between.
	minRecordSize = recHeaderLen + 4
	// fillerMinSize is the smallest region a filler record can cover: the
	// header and one EOF token. writeFiller writes no trailing size copy,
	// so a filler may be shorter than minRecordSize.
	fillerMinSize = recHeaderLen + 1
)

// chunkHeader holds the fields of a chunk header that the reader uses.
type chunkHeader struct {
	firstNum, lastNum uint64
	firstID, lastID   uint64
	headerSize        uint32
	lastRecOffset     uint32
	freeSpace         uint32
	dataCRC           uint32
	flags             uint32
	headerCRC         uint32
}

func parseChunkHeader(b []byte) chunkHeader {
	le := binary.LittleEndian
	return chunkHeader{
		firstNum:      le.Uint64(b[0x08:]),
		lastNum:       le.Uint64(b[0x10:]),
		firstID:       le.Uint64(b[0x18:]),
		lastID:        le.Uint64(b[0x20:]),
		headerSize:    le.Uint32(b[0x28:]),
		lastRecOffset: le.Uint32(b[0x2c:]),
		freeSpace:     le.Uint32(b[0x30:]),
		dataCRC:       le.Uint32(b[0x34:]),
		flags:         le.Uint32(b[0x78:]),
		headerCRC:     le.Uint32(b[0x7c:]),
	}
}

func chunkHeaderCRC(b []byte) uint32 {
	c := crc32.ChecksumIEEE(b[:0x78])
	return crc32.Update(c, crc32.IEEETable, b[0x80:chunkHeaderSize])
}

func allZero(b []byte) bool {
	for len(b) >= 8 { // eight bytes at a time: chunk slack is scanned to its end
		if binary.LittleEndian.Uint64(b) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// span is one region of a chunk's record area, in chunk-relative offsets:
// either a framed record or a bad region.
type span struct {
	off, size int
	id        uint64
	fileTime  uint64
	bad       error // nil for a framed record; else why the region is bad
	// recovered marks a record of the chunk's slack (Options.Recover): it
	// does not belong to the chunk and is returned marked.
	recovered bool
}

// frameRecord checks the framing of a record at off in chunk buf, whose
// record area ends at end. It returns the record size or why it is bad.
func frameRecord(buf []byte, off, end int) (int, error) {
	if end-off < minRecordSize {
		return 0, fmt.Errorf("%d bytes left, too few for a record", end-off)
	}
	if string(buf[off:off+4]) != recMagic {
		return 0, errors.New("no record magic")
	}
	size := int(binary.LittleEndian.Uint32(buf[off+4:]))
	if size < minRecordSize {
		return 0, fmt.Errorf("record size %d below the minimum %d", size, minRecordSize)
	}
	if size > end-off {
		return 0, fmt.Errorf("record size %d runs past the record area (ends at 0x%x)", size, end)
	}
	if cp := int(binary.LittleEndian.Uint32(buf[off+size-4:])); cp != size {
		return 0, fmt.Errorf("record size %d but its trailing copy says %d", size, cp)
	}
	return size, nil
}

// frameRecords splits the record area [chunkHeaderSize:end) of buf into
// framed records and bad regions. After a bad record it resynchronises on
// the next offset where a well-framed record starts. An all-zero tail ends
// the area when the free-space offset was not trusted (trustEnd false).
func frameRecords(buf []byte, end int, trustEnd bool) []span {
	return appendFramed(nil, buf, end, trustEnd)
}

// appendFramed is frameRecords appending to out (a reader reuses one
// slice from chunk to chunk).
func appendFramed(out []span, buf []byte, end int, trustEnd bool) []span {
	off := chunkHeaderSize
	for off < end && len(out) < maxRecordsPerChunk {
		if !trustEnd && allZero(buf[off:end]) {
			break
		}
		size, err := frameRecord(buf, off, end)
		if err == nil {
			le := binary.LittleEndian
			out = append(out, span{off: off, size: size, id: le.Uint64(buf[off+8:]), fileTime: le.Uint64(buf[off+16:])})
			off += size
			continue
		}
		next := resync(buf, off+1, end)
		if n := len(out); n > 0 && out[n-1].bad != nil && out[n-1].off+out[n-1].size == off {
			out[n-1].size += next - off // merge with the bad region before
		} else {
			out = append(out, span{off: off, size: next - off, bad: err})
		}
		off = next
	}
	if off < end && len(out) >= maxRecordsPerChunk {
		out = append(out, span{off: off, size: end - off, bad: fmt.Errorf("%w: more than %d records, the most a chunk can frame", ErrLimit, maxRecordsPerChunk)})
	}
	return out
}

// resync returns the first offset >= from where a well-framed record
// starts, or end.
func resync(buf []byte, from, end int) int {
	for from < end {
		i := bytes.Index(buf[from:end], []byte(recMagic))
		if i < 0 {
			return end
		}
		if _, err := frameRecord(buf, from+i, end); err == nil {
			return from + i
		}
		from += i + 1
	}
	return end
}

// checkTemplateInstance is the reader's own, shallow guard on a record's
// top-level template instance, run whether or not the deeper BinXML
// inspection is available. It refuses what would make the pinned decoder
// loop without bound or read outside the record: a reference to a template
// not defined earlier in the chunk, a duplicate definition, an argument
// count above maxTemplateArgs, descriptors or values running past the
// record, and anything but an end-of-stream token after the values. known
// maps template IDs defined in earlier kept records; a definition in this
// record is added to it by the caller when the record is kept (defined is
// returned). patches lists descriptor offsets whose type must be rewritten
// to binary in the decoder's copy (array types the decoder reads to the end
// of the chunk; SYSTEMTIME values of the wrong size, on which it panics).
func checkTemplateInstance(buf []byte, s span, known map[uint32]bool) (defined uint32, patches []int, err error) {
	le := binary.LittleEndian
	end := s.off + s.size - 4 // BinXML ends before the size copy
	p := s.off + recHeaderLen
	need := func(n int) error {
		if p+n > end {
			return fmt.Errorf("%w: BinXML runs past the record at chunk offset 0x%x", ErrBadRecord, p)
		}
		return nil
	}
	if err := need(1); err != nil {
		return 0, nil, err
	}
	if buf[p] == 0x0f { // fragment header
		if err := need(4); err != nil {
			return 0, nil, err
		}
		p += 4
	}
	if err := need(10); err != nil {
		return 0, nil, err
	}
	if buf[p] != 0x0c {
		return 0, nil, fmt.Errorf("%w: record BinXML does not start with a template instance (token 0x%02x)", ErrBadRecord, buf[p])
	}
	id := le.Uint32(buf[p+2:])
	def := int(le.Uint32(buf[p+6:]))
	p += 10
	if def == p { // the definition follows inline
		if known[id] {
			return 0, nil, fmt.Errorf("%w: template 0x%x defined twice in the chunk", ErrBadRecord, id)
		}
		if err := need(24); err != nil {
			return 0, nil, err
		}
		body := int(le.Uint32(buf[p+20:]))
		p += 24
		if err := need(body); err != nil {
			return 0, nil, err
		}
		p += body
		defined = id
	} else if !known[id] {
		return 0, nil, fmt.Errorf("%w: reference to template 0x%x at chunk offset 0x%x, not defined earlier in the chunk", ErrBadRecord, id, def)
	}
	if err := need(4); err != nil {
		return 0, nil, err
	}
	n := int(le.Uint32(buf[p:]))
	p += 4
	if n > maxTemplateArgs {
		return 0, nil, fmt.Errorf("%w: template instance with %d substitution values (the limit is %d)", ErrLimit, n, maxTemplateArgs)
	}
	if err := need(4 * n); err != nil {
		return 0, nil, err
	}
	total := 0
	for i := range n {
		d := p + 4*i
		size, typ := int(le.Uint16(buf[d:])), buf[d+2]
		total += size
		switch {
		case typ == 0x86 || typ == 0x8a || typ == 0x95:
			patches = append(patches, d+2)
		case typ == 0x12 && size != 16:
			patches = append(patches, d+2)
		}
	}
	p += 4 * n
	if err := need(total + 1); err != nil {
		return 0, nil, err
	}
	p += total
	if buf[p] != 0x00 {
		return 0, nil, fmt.Errorf("%w: token 0x%02x after the template instance, expected end of stream", ErrBadRecord, buf[p])
	}
	return defined, patches, nil
}

// writeFiller turns the region [off, off+size) of a decoder copy into a
// record the decoder reads as empty: the record magic, the region size, a
// zero record ID and an end-of-stream token.
func writeFiller(cp []byte, off, size int) {
	le := binary.LittleEndian
	copy(cp[off:], recMagic)
	le.PutUint32(cp[off+4:], uint32(size))
	le.PutUint64(cp[off+8:], 0)
	le.PutUint64(cp[off+16:], 0)
	// The EOF token, and zeros to the region's end: the decoder, running
	// on from a record before (see decoderCountsBounded), reads nothing
	// of what the region held.
	clear(cp[off+recHeaderLen : off+size])
}

// chunkFrame is what framing a chunk found.
type chunkFrame struct {
	// spans are the record area's records and bad regions, then the
	// records past the area that belong to the chunk (see frameChunk),
	// with the slack between them as silent regions.
	spans []span
	// slack counts the well-framed records past the record area that do
	// not belong to the chunk.
	slack int
	// copies counts the slack records dropped, with recovery on, as copies
	// of a record of the chunk (same ID and FILETIME).
	copies int
	// maxID is the highest ID of the records to return, 0 if none.
	maxID uint64
	// issues are the chunk header fields the records contradict: one
	// error, at most, naming them all.
	issues []fieldIssue
}

// fieldIssue is a header field contradicted at a chunk-relative offset.
type fieldIssue struct {
	off int
	fe  *FieldError
}

// errSlack marks a region past the record area that holds no record of the
// chunk: unused space, never reported on its own.
var errSlack = errors.New("slack past the record area")

// frameChunk frames the records of a chunk whose record area is
// [chunkHeaderSize, end) (see frameRecords), and, when that end is the
// chunk's own free-space offset (tail), the well-framed records past it.
//
// A record past the free-space offset belongs to the chunk when its ID was
// not framed already and either lies in the header's record ID range (the
// offset was lowered), or continues the chunk: next ID, starting where the
// record before it ends, not older (a header that lags its records). Such
// records are returned, with one error on the field. The others are slack
// left from an earlier use of the chunk: old records, many of them copies
// of records still in the log, or records of the log before it was
// cleared, whose IDs may happen to follow the new ones. They are counted in
// ChunkInfo.SlackRecords, not returned, and not an error, since most logs
// that wrapped or were cleared have them (208 of the 341 public
// samples). With keepSlack (Options.Recover) they are returned among the
// spans too, marked recovered, except those with the ID and FILETIME of a
// record of the chunk (copies, counted in copies); a recovered record never
// takes part in the checks of the header's ranges.
//
// It then checks the records to return against the header's record ID
// range and record number range, and returns one error for the chunk at
// most, naming the first field contradicted, then the others. Records
// missing from those ranges are reported only when no other error explains
// them: checkMissing is false for a chunk cut by the end of the file, and
// a bad region is reported with its place.
//
// The spans are appended to into[:0] (nil: a new slice).
func frameChunk(into []span, buf []byte, h chunkHeader, end int, trustEnd, tail, checkMissing, keepSlack bool) chunkFrame {
	var fr chunkFrame
	fr.spans = appendFramed(into[:0], buf, end, trustEnd)
	// A record continuing the chunk has the next ID, starts where the
	// record before it ends, and is not older than it.
	next, prevEnd, prevTime := h.firstID, end, uint64(0)
	for _, s := range fr.spans {
		if s.bad == nil {
			next, prevTime = s.id+1, s.fileTime
		}
	}
	// seen maps the IDs of the chunk's records framed so far to their
	// FILETIME; built at the first record past end.
	var seen map[uint64]uint64
	isSeen := func(id uint64) bool {
		if seen == nil {
			seen = map[uint64]uint64{}
			for _, s := range fr.spans {
				if s.bad == nil {
					seen[s.id] = s.fileTime
				}
			}
		}
		_, ok := seen[id]
		return ok
	}
	if tail && end < chunkSize {
		from := end
		if n := len(fr.spans); n > 0 && fr.spans[n-1].bad != nil {
			from = fr.spans[n-1].off // a record may start there and end past end
			prevEnd = from
		}
		var claimed, tailSpans []span
		for off := from; off < chunkSize && len(fr.spans)+len(tailSpans) < maxRecordsPerChunk; {
			if allZero(buf[off:chunkSize]) {
				break
			}
			size, err := frameRecord(buf, off, chunkSize)
			if err != nil {
				off = resync(buf, off+1, chunkSize)
				continue
			}
			if off+size > end {
				le := binary.LittleEndian
				s := span{off: off, size: size, id: le.Uint64(buf[off+8:]), fileTime: le.Uint64(buf[off+16:])}
				inRange := h.firstID <= s.id && s.id <= h.lastID
				continues := s.id == next && s.off == prevEnd && s.fileTime >= prevTime
				switch {
				case (inRange || continues) && !isSeen(s.id):
					seen[s.id] = s.fileTime
					next, prevEnd, prevTime = s.id+1, s.off+s.size, s.fileTime
					claimed = append(claimed, s)
					tailSpans = append(tailSpans, s)
				case !keepSlack:
					fr.slack++
				case isSeen(s.id) && seen[s.id] == s.fileTime:
					fr.slack++
					fr.copies++ // a copy of a record of the chunk
				default:
					fr.slack++
					s.recovered = true
					tailSpans = append(tailSpans, s)
				}
			}
			off += size
		}
		if len(tailSpans) > 0 {
			fr.addTail(tailSpans, end)
		}
		if len(claimed) > 0 {
			first, last := claimed[0], claimed[len(claimed)-1]
			fr.issues = append(fr.issues, fieldIssue{first.off, &FieldError{Field: "FreeSpaceOffset", Stored: uint64(h.freeSpace), Err: ErrHeaderMismatch,
				Found: fmt.Sprintf("%d records of the chunk (IDs %d to %d, by the header's range or in sequence) lie past it, from chunk offset 0x%x to 0x%x; they are returned, unchecked by the record area checksum",
					len(claimed), first.id, last.id, first.off, last.off+last.size)}})
		}
	}
	fr.checkRange(h, checkMissing)
	if len(fr.issues) > 1 {
		// One error per chunk: records past the free-space offset usually
		// make the ID and number ranges wrong too (a chunk header that
		// lags its records, as in copies of live logs).
		first := *fr.issues[0].fe
		for _, is := range fr.issues[1:] {
			first.Found += fmt.Sprintf("; and %s is %d: %s", is.fe.Field, is.fe.Stored, is.fe.Found)
		}
		fr.issues = []fieldIssue{{fr.issues[0].off, &first}}
	}
	return fr
}

// addTail appends the claimed (and recovered) records past the record area
// end to the spans, with the regions between them as slack.
func (fr *chunkFrame) addTail(claimed []span, end int) {
	cur := end
	if n := len(fr.spans); n > 0 {
		cur = fr.spans[n-1].off + fr.spans[n-1].size
	}
	for _, s := range claimed {
		if n := len(fr.spans); n > 0 && s.off < cur {
			// A record straddling the end: it is not part of the bad
			// region framed before it.
			last := &fr.spans[n-1]
			last.size = s.off - last.off
			if last.size == 0 {
				fr.spans = fr.spans[:n-1]
			}
		} else if s.off > cur {
			fr.spans = append(fr.spans, span{off: cur, size: s.off - cur, bad: errSlack})
		}
		fr.spans = append(fr.spans, s)
		cur = s.off + s.size
	}
}

// checkRange compares the records to return with the header's record ID
// range (its first and last IDs are the first and last records', as
// Windows writes them; IDs in between are not checked, since a log written
// from forwarded events may number them out of order) and with its record
// number range (the count of records).
func (fr *chunkFrame) checkRange(h chunkHeader, checkMissing bool) {
	var first, last span // of the records to return, counted by nrecs
	nrecs := 0
	bad := false
	for _, s := range fr.spans {
		switch {
		case s.recovered:
		case s.bad == nil:
			if nrecs == 0 {
				first = s
			}
			last = s
			nrecs++
			fr.maxID = max(fr.maxID, s.id)
		case s.bad != errSlack:
			bad = true
		}
	}
	// Records lost in a bad region are already reported, with its place.
	checkMissing = checkMissing && !bad
	if nrecs > 0 {
		switch {
		case last.id > h.lastID:
			fr.issues = append(fr.issues, fieldIssue{last.off, &FieldError{Field: "LastRecordID", Stored: h.lastID, Err: ErrHeaderMismatch,
				Found: fmt.Sprintf("the chunk's last record has ID %d; it is returned", last.id)}})
		case checkMissing && last.id < h.lastID:
			fr.issues = append(fr.issues, fieldIssue{last.off, &FieldError{Field: "LastRecordID", Stored: h.lastID, Err: ErrHeaderMismatch,
				Found: fmt.Sprintf("the chunk's last record has ID %d: the records after it are missing", last.id)}})
		case first.id < h.firstID:
			fr.issues = append(fr.issues, fieldIssue{first.off, &FieldError{Field: "FirstRecordID", Stored: h.firstID, Err: ErrHeaderMismatch,
				Found: fmt.Sprintf("the chunk's first record has ID %d; it is returned", first.id)}})
		case checkMissing && first.id > h.firstID:
			fr.issues = append(fr.issues, fieldIssue{first.off, &FieldError{Field: "FirstRecordID", Stored: h.firstID, Err: ErrHeaderMismatch,
				Found: fmt.Sprintf("the chunk's first record has ID %d: the records before it are missing", first.id)}})
		}
	}
	claim := uint64(0)
	if h.lastNum >= h.firstNum {
		claim = h.lastNum - h.firstNum + 1
	}
	if n := uint64(nrecs); n > claim || checkMissing && n < claim {
		fr.issues = append(fr.issues, fieldIssue{0, &FieldError{Field: "LastRecordNumber", Stored: h.lastNum, Err: ErrHeaderMismatch,
			Found: fmt.Sprintf("with FirstRecordNumber %d the header claims %d records, and the chunk holds %d", h.firstNum, claim, n)}})
	}
}
