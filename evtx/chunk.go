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
	// ChunkEmpty: an all-zero slot (unused space of a log); not an error.
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
}

// Damaged reports whether the chunk failed a checksum, is bad, or lost
// records.
func (c ChunkInfo) Damaged() bool {
	if c.State == ChunkBad {
		return true
	}
	if c.State == ChunkEmpty {
		return false
	}
	return !c.HeaderChecksumValid || !c.DataChecksumValid || c.BadRecords > 0
}

const (
	recMagic      = "**\x00\x00"
	recHeaderLen  = 24 // magic, size, record ID, FILETIME
	minRecordSize = 28 // header, at least an EOF token... and the size copy
	// fillerMinSize is the smallest region a filler record can cover: a
	// record header and one EOF token.
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
	var out []span
	off := chunkHeaderSize
	for off < end && len(out) < MaxRecordsPerChunk {
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
	if off < end && len(out) >= MaxRecordsPerChunk {
		out = append(out, span{off: off, size: end - off, bad: fmt.Errorf("%w: more than MaxRecordsPerChunk (%d) records", ErrLimit, MaxRecordsPerChunk)})
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
// count above MaxTemplateArgs, descriptors or values running past the
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
	if n > MaxTemplateArgs {
		return 0, nil, fmt.Errorf("%w: template instance with %d substitution values (MaxTemplateArgs is %d)", ErrLimit, n, MaxTemplateArgs)
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
	cp[off+recHeaderLen] = 0x00
}
