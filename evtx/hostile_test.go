package evtx_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Crafted hostile files, one named test each. Each asserts the exact error
// (its sentinel and its place: file, chunk, offset, record ID) and the
// records that survive. They read through drainChecked, so the fuzz
// targets' invariants hold on them too.

const hostileChunk0 = 0x1000 // file offset of chunk 0 in a writer log

// hostileLog is a one-chunk writer log of n events (record IDs 1..n).
func hostileLog(t *testing.T, n int, d evtxwrite.Damage) []byte {
	t.Helper()
	b := mustEncode(t, fuzzEvents(n), evtxwrite.Options{Damage: d})
	require.Len(t, chunkOffs(b), 1, "the crafted cases use a one-chunk log")
	return b
}

// hostileRead reads b through the fuzz targets' checker.
func hostileRead(t *testing.T, b []byte) drainResult {
	t.Helper()
	res, err := drainChecked(t, b, 0)
	require.NoError(t, err)
	return res
}

func recordIDs(evs []*evtx.Event) []uint64 {
	var ids []uint64
	for _, ev := range evs {
		ids = append(ids, ev.RecordID)
	}
	return ids
}

func idsExcept(n int, lost ...uint64) []uint64 {
	var ids []uint64
next:
	for id := uint64(1); id <= uint64(n); id++ {
		for _, l := range lost {
			if id == l {
				continue next
			}
		}
		ids = append(ids, id)
	}
	return ids
}

// requireOneError asserts that res holds exactly one error, wrapping
// sentinel and naming chunk 0, the file offset and the record ID given.
func requireOneError(t *testing.T, res drainResult, sentinel error, off int64, id uint64) *evtx.Error {
	t.Helper()
	require.Len(t, res.errs, 1, "errors: %v", res.errs)
	e := res.errs[0]
	require.ErrorIs(t, e, sentinel)
	assert.Equal(t, fuzzName, e.File)
	assert.Equal(t, 0, e.Chunk)
	assert.Equal(t, off, e.Offset, "offset of the error: 0x%x", e.Offset)
	assert.Equal(t, id, e.RecordID)
	return e
}

// recordAt returns the file offset of record id (1-based) in chunk 0.
func recordAt(t *testing.T, b []byte, id int) int64 {
	t.Helper()
	recs := recordsOf(b, hostileChunk0)
	require.GreaterOrEqual(t, len(recs), id)
	return int64(hostileChunk0 + recs[id-1])
}

func TestHostileUnknownTemplateArgCount(t *testing.T) {
	// Record 5 instantiates a template the chunk never defined, with an
	// argument count of 0xFFFFFFFF: the pinned decoder would loop on it.
	b := hostileLog(t, 9, evtxwrite.Damage{CraftedArgCount: 5})
	off := recordAt(t, b, 5)
	c := b[hostileChunk0 : hostileChunk0+slotSize]
	p := argCountAt(c, int(off-hostileChunk0))
	require.Positive(t, p)
	require.Equal(t, uint32(0xffffffff), binary.LittleEndian.Uint32(c[p:]), "the writer's crafted count")

	res := hostileRead(t, b)
	e := requireOneError(t, res, evtx.ErrBadRecord, off, 5)
	assert.Contains(t, e.Error(), "template")
	t.Log(e)
	assert.Equal(t, idsExcept(9, 5), recordIDs(res.events), "every other record survives")
}

func TestHostileKnownTemplateArgCount(t *testing.T) {
	// The same count on an instance of a template defined earlier in the
	// chunk: refused by the template-argument limit (2048), and named.
	b := hostileLog(t, 9, evtxwrite.Damage{})
	off := recordAt(t, b, 6)
	c := b[hostileChunk0 : hostileChunk0+slotSize]
	p := argCountAt(c, int(off-hostileChunk0))
	require.Positive(t, p)
	binary.LittleEndian.PutUint32(c[p:], 0xffffffff)
	fixCRCs(c)

	res := hostileRead(t, b)
	e := requireOneError(t, res, evtx.ErrLimit, off, 6)
	assert.Contains(t, e.Error(), "4294967295")
	assert.Equal(t, idsExcept(9, 6), recordIDs(res.events))
}

func TestHostileZeroSizeRecord(t *testing.T) {
	// A record's size is 0 (CRCs fixed, so only the framing is wrong). The
	// pinned decoder would re-emit it until the header's count runs out.
	// Record 4 also defines the template record 8 uses: record 8 is then
	// lost too, with its own error naming it, never silently.
	for _, tc := range []struct {
		id   int
		lost []uint64
	}{
		{id: 6, lost: []uint64{6}},
		{id: 4, lost: []uint64{4, 8}},
	} {
		b := hostileLog(t, 9, evtxwrite.Damage{})
		off := recordAt(t, b, tc.id)
		next, off8 := recordAt(t, b, tc.id+1), recordAt(t, b, 8)
		binary.LittleEndian.PutUint32(b[off+4:], 0)
		fixCRCs(b[hostileChunk0 : hostileChunk0+slotSize])

		res := hostileRead(t, b)
		require.Len(t, res.errs, len(tc.lost), "record %d: %v", tc.id, res.errs)
		e := res.errs[0]
		require.ErrorIs(t, e, evtx.ErrBadRecord)
		assert.Equal(t, evtx.Error{File: fuzzName, Chunk: 0, Offset: off, RecordID: 0, Err: e.Err}, *e)
		assert.Contains(t, e.Error(), fmt.Sprintf("record size 0 below the minimum 28 (region of %d bytes skipped)", next-off))
		if len(tc.lost) > 1 {
			e8 := res.errs[1]
			require.ErrorIs(t, e8, evtx.ErrBadRecord)
			assert.Equal(t, off8, e8.Offset)
			assert.Equal(t, uint64(8), e8.RecordID)
			assert.Contains(t, e8.Error(), "no earlier record of this chunk defined one")
		}
		assert.Equal(t, idsExcept(9, tc.lost...), recordIDs(res.events), "record %d: the reader resynchronises on the next record", tc.id)
	}
}

func TestHostileRecordSizeBeyondChunk(t *testing.T) {
	b := hostileLog(t, 9, evtxwrite.Damage{})
	off := recordAt(t, b, 7)
	binary.LittleEndian.PutUint32(b[off+4:], 0x20000)
	fixCRCs(b[hostileChunk0 : hostileChunk0+slotSize])

	res := hostileRead(t, b)
	e := requireOneError(t, res, evtx.ErrBadRecord, off, 0)
	assert.Contains(t, e.Error(), "record size 131072 runs past the record area")
	assert.Equal(t, idsExcept(9, 7), recordIDs(res.events))
}

func TestHostileStringLengthBeyondRecord(t *testing.T) {
	// A UTF-16 string value of record 5 claims 0xFFFF bytes, far past the
	// record's end.
	b := hostileLog(t, 9, evtxwrite.Damage{})
	off := recordAt(t, b, 5)
	c := b[hostileChunk0 : hostileChunk0+slotSize]
	p := argCountAt(c, int(off-hostileChunk0))
	require.Positive(t, p)
	n := int(binary.LittleEndian.Uint32(c[p:]))
	d := -1
	for i := range n {
		if c[p+4+4*i+2] == byte(evtx.TypeString) {
			d = p + 4 + 4*i
			break
		}
	}
	require.Positive(t, d, "record 5 has a string value")
	binary.LittleEndian.PutUint16(c[d:], 0xffff)
	fixCRCs(c)

	res := hostileRead(t, b)
	e := requireOneError(t, res, evtx.ErrBadRecord, off, 5)
	assert.Contains(t, e.Error(), "do not fit in the record")
	assert.Equal(t, idsExcept(9, 5), recordIDs(res.events))
}

// bx assembles BinXML for a record appended to a chunk (offsets are
// chunk-relative, as BinXML's are).
type bx struct {
	b    []byte
	base int
}

func (w *bx) pos() int { return w.base + len(w.b) }
func (w *bx) u8(v ...byte) *bx {
	w.b = append(w.b, v...)
	return w
}
func (w *bx) u16(v uint16) *bx { w.b = binary.LittleEndian.AppendUint16(w.b, v); return w }
func (w *bx) u32(v uint32) *bx { w.b = binary.LittleEndian.AppendUint32(w.b, v); return w }

// nestedRecordBinXML is a template instance whose inline template nests
// depth <E> elements (the name written once, then referenced), with no
// substitution value.
func nestedRecordBinXML(base, depth int) []byte {
	w := &bx{base: base}
	w.u8(0x0f, 1, 1, 0)           // fragment header
	w.u8(0x0c, 1).u32(0x4e455354) // template instance, template ID
	w.u32(uint32(w.pos() + 4))    // definition follows inline
	w.u32(0).u32(0x4e455354).u8(make([]byte, 12)...)
	sizeAt := len(w.b)
	w.u32(0)
	bodyStart := len(w.b)
	w.u8(0x0f, 1, 1, 0)
	nameAt := 0
	for i := range depth {
		w.u8(0x01).u16(0xffff).u32(0)
		if i == 0 {
			nameAt = w.pos() + 4
			w.u32(uint32(nameAt))
			w.u32(0).u16(0).u16(1).u16('E').u16(0) // next, hash, length, "E", NUL
		} else {
			w.u32(uint32(nameAt))
		}
		w.u8(0x02) // close start element
	}
	for range depth {
		w.u8(0x04)
	}
	w.u8(0x00)
	binary.LittleEndian.PutUint32(w.b[sizeAt:], uint32(len(w.b)-bodyStart))
	w.u32(0)   // no substitution value
	w.u8(0x00) // end of stream
	return w.b
}

// appendRecord adds a record with the given BinXML (built by mk for its
// chunk offset) after the last record of chunk c, updates the chunk header
// and CRCs, and returns the record's chunk offset.
func appendRecord(t *testing.T, c []byte, id uint64, mk func(base int) []byte) int {
	t.Helper()
	le := binary.LittleEndian
	at := int(le.Uint32(c[0x30:]))
	body := mk(at + 24)
	size := (24 + len(body) + 4 + 7) &^ 7
	require.LessOrEqual(t, at+size, len(c), "the crafted record fits in the chunk")
	r := c[at : at+size]
	copy(r, "**\x00\x00")
	le.PutUint32(r[4:], uint32(size))
	le.PutUint64(r[8:], id)
	le.PutUint64(r[16:], le.Uint64(c[0x200+16:])) // the first record's time
	copy(r[24:], body)
	le.PutUint32(r[size-4:], uint32(size))
	le.PutUint64(c[0x10:], le.Uint64(c[0x10:])+1) // last record number
	le.PutUint64(c[0x20:], id)                    // last record ID
	le.PutUint32(c[0x2c:], uint32(at))
	le.PutUint32(c[0x30:], uint32(at+size))
	fixCRCs(c)
	return at
}

func TestHostileDeeplyNestedBinXML(t *testing.T) {
	for _, tc := range []struct {
		depth int
		err   error // nil: decoded
	}{
		{depth: 8},
		{depth: 1000, err: evtx.ErrLimit},
	} {
		b := hostileLog(t, 6, evtxwrite.Damage{})
		c := b[hostileChunk0 : hostileChunk0+slotSize]
		at := appendRecord(t, c, 7, func(base int) []byte { return nestedRecordBinXML(base, tc.depth) })

		res := hostileRead(t, b)
		if tc.err == nil {
			assert.Empty(t, res.errs, "depth %d", tc.depth)
			assert.Equal(t, idsExcept(7), recordIDs(res.events), "depth %d: the nested record is an event", tc.depth)
			continue
		}
		e := requireOneError(t, res, tc.err, int64(hostileChunk0+at), 7)
		assert.Contains(t, e.Error(), "nest", "depth %d", tc.depth)
		assert.Equal(t, idsExcept(6), recordIDs(res.events), "depth %d: the other records survive", tc.depth)
	}
}

// nestedValueBinXML is a record whose single substitution value is BinXML
// holding an instance of the record's own template, whose value is BinXML
// again, levels deep; the innermost value is null.
func nestedValueBinXML(base, levels int) []byte {
	const id = 0x56414c55
	w := &bx{base: base}
	w.u8(0x0f, 1, 1, 0)
	w.u8(0x0c, 1).u32(id)
	def := uint32(w.pos() + 4)
	w.u32(def)
	w.u32(0).u32(id).u8(make([]byte, 12)...)
	sizeAt := len(w.b)
	w.u32(0)
	bodyStart := len(w.b)
	w.u8(0x0f, 1, 1, 0)
	w.u8(0x01).u16(0xffff).u32(0)
	w.u32(uint32(w.pos() + 4))
	w.u32(0).u16(0).u16(1).u16('V').u16(0)
	w.u8(0x02)
	w.u8(0x0e).u16(0).u8(0x21) // optional substitution 0, BinXML
	w.u8(0x04, 0x00)
	binary.LittleEndian.PutUint32(w.b[sizeAt:], uint32(len(w.b)-bodyStart))
	// The values, innermost first.
	inner := []byte(nil) // null
	innerType := byte(0x00)
	for range levels {
		v := &bx{}
		v.u8(0x0f, 1, 1, 0)
		v.u8(0x0c, 1).u32(id).u32(def)
		v.u32(1).u16(uint16(len(inner))).u8(innerType, 0)
		v.u8(inner...)
		v.u8(0x00)
		inner, innerType = v.b, 0x21
	}
	w.u32(1).u16(uint16(len(inner))).u8(innerType, 0)
	w.u8(inner...)
	w.u8(0x00)
	return w.b
}

func TestHostileDeeplyNestedBinXMLValues(t *testing.T) {
	for _, tc := range []struct {
		levels int
		err    error // nil: decoded
	}{
		{levels: 3},
		{levels: 40, err: evtx.ErrLimit},
	} {
		b := hostileLog(t, 6, evtxwrite.Damage{})
		c := b[hostileChunk0 : hostileChunk0+slotSize]
		at := appendRecord(t, c, 7, func(base int) []byte { return nestedValueBinXML(base, tc.levels) })

		res := hostileRead(t, b)
		if tc.err == nil {
			assert.Empty(t, res.errs, "%d levels", tc.levels)
			assert.Equal(t, idsExcept(7), recordIDs(res.events), "%d levels: the nested record is an event", tc.levels)
			continue
		}
		e := requireOneError(t, res, tc.err, int64(hostileChunk0+at), 7)
		assert.Contains(t, e.Error(), "BinXML nested 17 deep, limit 16")
		assert.Equal(t, idsExcept(6), recordIDs(res.events), "%d levels: the other records survive", tc.levels)
	}
}

// requireFieldErr asserts that errs holds exactly one error, wrapping
// sentinel, naming chunk (-1: the file header), offset and the header
// field, and returns its FieldError.
func requireFieldErr(t *testing.T, errs []*evtx.Error, sentinel error, chunk int, off int64, field string) *evtx.FieldError {
	t.Helper()
	require.Len(t, errs, 1, "errors: %v", errs)
	e := errs[0]
	require.ErrorIs(t, e, sentinel)
	var fe *evtx.FieldError
	require.ErrorAs(t, e, &fe)
	assert.Equal(t, fuzzName, e.File)
	assert.Equal(t, chunk, e.Chunk, "%v", e)
	assert.Equal(t, off, e.Offset, "offset 0x%x: %v", e.Offset, e)
	assert.Equal(t, field, fe.Field, "%v", e)
	assert.Contains(t, e.Error(), field)
	return fe
}

// multiChunkLog is a clean writer log of n events over several chunks.
func multiChunkLog(t *testing.T, n int) []byte {
	t.Helper()
	b := mustEncode(t, fuzzEvents(n), evtxwrite.Options{})
	require.Greater(t, len(chunkOffs(b)), 1)
	return b
}

// TestHostileFileHeaderFields: file header fields that contradict the fixed
// geometry (a 4096-byte header block, a 128-byte header) are reported once,
// on the header, and the chunks are read where they are.
func TestHostileFileHeaderFields(t *testing.T) {
	tests := []struct {
		field string
		at    int
		width int
		v     uint64
	}{
		{"HeaderBlockSize", 0x28, 2, 4608},
		{"HeaderBlockSize", 0x28, 2, 8192},
		{"HeaderBlockSize", 0x28, 2, 0x200},
		{"HeaderBlockSize", 0x28, 2, 0},
		{"HeaderSize", 0x20, 4, 256},
		{"HeaderSize", 0x20, 4, 0},
	}
	for _, tc := range tests {
		b := multiChunkLog(t, 300)
		if tc.width == 2 {
			binary.LittleEndian.PutUint16(b[tc.at:], uint16(tc.v))
		} else {
			binary.LittleEndian.PutUint32(b[tc.at:], uint32(tc.v))
		}
		fixFileHeaderCRC(b)
		res := hostileRead(t, b)
		assert.Equal(t, idsExcept(300), recordIDs(res.events), "%s %d: every record is read", tc.field, tc.v)
		assert.Empty(t, res.errs, "%s %d", tc.field, tc.v)
		fe := requireFieldErr(t, res.fileErrs, evtx.ErrHeaderMismatch, -1, int64(tc.at), tc.field)
		assert.Equal(t, tc.v, fe.Stored)
		filterMatches(t, b, res.events)
	}
}

// TestHostileChunkCount: a clean log's chunk count that is too low gives one
// error per chunk past it, whose records are returned; too high, the file
// is short. A dirty log's lagging count is normal and says nothing.
func TestHostileChunkCount(t *testing.T) {
	b := multiChunkLog(t, 300)
	n := len(chunkOffs(b))
	for _, count := range []int{0, 1} {
		c := bytes.Clone(b)
		binary.LittleEndian.PutUint16(c[0x2a:], uint16(count))
		fixFileHeaderCRC(c)
		res := hostileRead(t, c)
		assert.Equal(t, idsExcept(300), recordIDs(res.events), "count %d: every chunk after the header is read", count)
		assert.Len(t, res.chunks, n)
		assert.Empty(t, res.fileErrs)
		require.Len(t, res.errs, n-count, "count %d: one error per chunk past the count: %v", count, res.errs)
		for i, e := range res.errs {
			assert.Equal(t, count+i, e.Chunk)
			assert.ErrorIs(t, e, evtx.ErrHeaderMismatch)
			assert.Contains(t, e.Error(), "ChunkCount")
		}

		binary.LittleEndian.PutUint32(c[0x78:], 1) // dirty: a lagging count is normal
		fixFileHeaderCRC(c)
		res = hostileRead(t, c)
		assert.Equal(t, idsExcept(300), recordIDs(res.events))
		assert.Empty(t, res.errs, "count %d, dirty log", count)
		assert.Empty(t, res.fileErrs, "count %d, dirty log", count)
	}

	c := bytes.Clone(b)
	binary.LittleEndian.PutUint16(c[0x2a:], uint16(n+2))
	fixFileHeaderCRC(c)
	res := hostileRead(t, c)
	assert.Equal(t, idsExcept(300), recordIDs(res.events))
	assert.Empty(t, res.errs)
	requireFieldErr(t, res.fileErrs, evtx.ErrShortFile, -1, 0x2a, "ChunkCount")
}

// TestHostileZeroedChunkInsideCount: an all-zero slot where the header's
// chunk count promises a chunk is reported.
func TestHostileZeroedChunkInsideCount(t *testing.T) {
	b := multiChunkLog(t, 300)
	first := len(recordsOf(b, hostileChunk0))
	clear(b[hostileChunk0 : hostileChunk0+slotSize])
	res := hostileRead(t, b)
	require.Len(t, res.errs, 1, "%v", res.errs)
	assert.Equal(t, 0, res.errs[0].Chunk)
	assert.ErrorIs(t, res.errs[0], evtx.ErrHeaderMismatch)
	assert.Equal(t, evtx.ChunkEmpty, res.chunks[0].State)
	assert.Len(t, res.events, 300-first)
}

func TestHostileFileShorterThanHeader(t *testing.T) {
	full := hostileLog(t, 3, evtxwrite.Damage{})
	// Cut inside the 4 KiB header block: not a log, whatever the header's
	// first bytes say.
	for _, n := range []int{0, 1, 8, 127, 128, 1000, 4095} {
		_, err := drainChecked(t, full[:n], 0)
		require.ErrorIs(t, err, evtx.ErrShortFile, "%d bytes", n)
		assert.Contains(t, err.Error(), fuzzName, "%d bytes: the error names the file", n)
	}
	// The header block alone, of a log whose header promises a chunk and
	// three records: both promises are reported.
	res, err := drainChecked(t, full[:4096], 0)
	require.NoError(t, err)
	assert.Empty(t, res.events)
	require.Len(t, res.fileErrs, 2, "%v", res.fileErrs)
	fe := requireFieldErr(t, res.fileErrs[:1], evtx.ErrShortFile, -1, 0x2a, "ChunkCount")
	assert.EqualValues(t, 1, fe.Stored)
	requireFieldErr(t, res.fileErrs[1:], evtx.ErrHeaderMismatch, -1, 0x18, "NextRecordID")
	assert.Contains(t, res.fileErrs[1].Error(), "records 1 to 3")
	// A header block whose header promises nothing is an empty log.
	empty := bytes.Clone(full[:4096])
	binary.LittleEndian.PutUint16(empty[0x2a:], 0)
	binary.LittleEndian.PutUint64(empty[0x18:], 1)
	fixFileHeaderCRC(empty)
	res, err = drainChecked(t, empty, 0)
	require.NoError(t, err)
	assert.Empty(t, res.errs)
	assert.Empty(t, res.fileErrs)
}

// TestHostileNextRecordID: a header that promises records the file does not
// hold is reported after the last chunk; a header that lags the records is
// normal in a copy of a live log, dirty flag or not.
func TestHostileNextRecordID(t *testing.T) {
	b := multiChunkLog(t, 300)
	require.EqualValues(t, 301, binary.LittleEndian.Uint64(b[0x18:]))
	for _, tc := range []struct {
		next  uint64
		dirty bool
		want  error
	}{
		{400, false, evtx.ErrHeaderMismatch},
		{400, true, evtx.ErrHeaderMismatch},
		{200, false, nil},
		{200, true, nil},
		{301, true, nil},
	} {
		c := bytes.Clone(b)
		binary.LittleEndian.PutUint64(c[0x18:], tc.next)
		if tc.dirty {
			binary.LittleEndian.PutUint32(c[0x78:], 1)
		}
		fixFileHeaderCRC(c)
		res := hostileRead(t, c)
		assert.Equal(t, idsExcept(300), recordIDs(res.events))
		assert.Empty(t, res.errs)
		if tc.want == nil {
			assert.Empty(t, res.fileErrs, "next %d dirty %v", tc.next, tc.dirty)
			continue
		}
		requireFieldErr(t, res.fileErrs, tc.want, -1, 0x18, "NextRecordID")
	}
}

// TestHostileFreeSpaceLowered: records past a chunk's free-space offset
// whose IDs the chunk header claims are returned, with one error naming the
// field, whatever the checksums say.
func TestHostileFreeSpaceLowered(t *testing.T) {
	sound := hostileRead(t, hostileLog(t, 40, evtxwrite.Damage{}))
	b := hostileLog(t, 40, evtxwrite.Damage{})
	recs := recordsOf(b, hostileChunk0)
	require.Len(t, recs, 40)
	for _, tc := range []struct {
		name  string
		free  int
		first int // first record (0-based) past the free-space offset
	}{
		{"record area start", 0x200, 0},
		{"record boundary", recs[10], 10},
		{"inside a record", recs[10] + 8, 10},
		{"before the last record", recs[39], 39},
	} {
		c := bytes.Clone(b)
		ch := c[hostileChunk0 : hostileChunk0+slotSize]
		binary.LittleEndian.PutUint32(ch[0x30:], uint32(tc.free))
		fixCRCs(ch)
		res := hostileRead(t, c)
		assert.Equal(t, idsExcept(40), recordIDs(res.events), tc.name)
		fe := requireFieldErr(t, res.errs, evtx.ErrHeaderMismatch, 0, int64(hostileChunk0+recs[tc.first]), "FreeSpaceOffset")
		assert.EqualValues(t, tc.free, fe.Stored, tc.name)
		for i, ev := range res.events {
			want := *sound.events[i]
			want.ChunkDamaged = true
			assert.Equal(t, want, *ev, "%s: record %d", tc.name, ev.RecordID)
		}
		assert.True(t, res.chunks[0].Damaged(), tc.name)
		filterMatches(t, c, res.events) // the provider filter finds them too
	}
}

// TestHostileRecordRange: records outside the record ID or number range a
// chunk header claims are returned, with one error naming the field.
func TestHostileRecordRange(t *testing.T) {
	b := hostileLog(t, 40, evtxwrite.Damage{})
	recs := recordsOf(b, hostileChunk0)
	for _, tc := range []struct {
		at     int
		v      uint64
		field  string
		stored uint64
		off    int // chunk offset of the error
	}{
		{0x20, 30, "LastRecordID", 30, recs[39]},
		{0x20, 50, "LastRecordID", 50, recs[39]},
		{0x18, 5, "FirstRecordID", 5, recs[0]},
		{0x18, 0, "FirstRecordID", 0, recs[0]},
		{0x10, 20, "LastRecordNumber", 20, 0},
		{0x10, 60, "LastRecordNumber", 60, 0},
		{0x08, 3, "LastRecordNumber", 40, 0},
	} {
		c := bytes.Clone(b)
		ch := c[hostileChunk0 : hostileChunk0+slotSize]
		binary.LittleEndian.PutUint64(ch[tc.at:], tc.v)
		fixCRCs(ch)
		res := hostileRead(t, c)
		assert.Equal(t, idsExcept(40), recordIDs(res.events), "header field at 0x%x set to %d", tc.at, tc.v)
		fe := requireFieldErr(t, res.errs, evtx.ErrHeaderMismatch, 0, int64(hostileChunk0+tc.off), tc.field)
		assert.Equal(t, tc.stored, fe.Stored)
	}
}

// TestHostileChunkHeaderSize: a chunk header size other than 128 is
// reported; the chunk is read at the fixed offsets.
func TestHostileChunkHeaderSize(t *testing.T) {
	b := hostileLog(t, 40, evtxwrite.Damage{})
	ch := b[hostileChunk0 : hostileChunk0+slotSize]
	binary.LittleEndian.PutUint32(ch[0x28:], 512)
	fixCRCs(ch)
	res := hostileRead(t, b)
	assert.Equal(t, idsExcept(40), recordIDs(res.events))
	requireFieldErr(t, res.errs, evtx.ErrHeaderMismatch, 0, hostileChunk0, "ChunkHeaderSize")
}

// TestHostileDuplicateChunk: a chunk copied over another slot (header,
// checksums and all) is reported in every slot that holds it, since the
// chunk it overwrote is lost, whichever slot held the original.
func TestHostileDuplicateChunk(t *testing.T) {
	b := mustEncode(t, fuzzEvents(500), evtxwrite.Options{})
	offs := chunkOffs(b)
	require.GreaterOrEqual(t, len(offs), 3)
	for _, tc := range []struct{ from, over int }{{0, 2}, {2, 0}, {1, 2}} {
		c := bytes.Clone(b)
		copy(c[offs[tc.over]:offs[tc.over]+slotSize], b[offs[tc.from]:offs[tc.from]+slotSize])
		res := hostileRead(t, c)
		require.Len(t, res.errs, 2, "%v", res.errs)
		for i, slot := range []int{min(tc.from, tc.over), max(tc.from, tc.over)} {
			e := res.errs[i]
			assert.ErrorIs(t, e, evtx.ErrBadChunk)
			assert.Equal(t, slot, e.Chunk)
			assert.EqualValues(t, offs[slot], e.Offset)
			assert.Contains(t, e.Error(), "copies")
			assert.Equal(t, 1, res.chunks[slot].Duplicates)
			assert.True(t, res.chunks[slot].Damaged())
		}
	}
	res := hostileRead(t, b)
	assert.Empty(t, res.errs, "a sound log has no duplicate")
}

func fixFileHeaderCRC(b []byte) {
	binary.LittleEndian.PutUint32(b[0x7c:], crc32.ChecksumIEEE(b[:120]))
}

func TestHostileRecordCRCWrongRecordsIntact(t *testing.T) {
	b := hostileLog(t, 9, evtxwrite.Damage{BadRecordsCRC: true})
	res := hostileRead(t, b)
	e := requireOneError(t, res, evtx.ErrChunkDataChecksum, hostileChunk0, 0)
	assert.Contains(t, e.Error(), "stored 0x")
	assert.Equal(t, idsExcept(9), recordIDs(res.events), "all records are returned")
	for _, ev := range res.events {
		assert.True(t, ev.ChunkDamaged, "record %d is marked", ev.RecordID)
	}
	require.Len(t, res.chunks, 1)
	assert.True(t, res.chunks[0].HeaderChecksumValid)
	assert.False(t, res.chunks[0].DataChecksumValid)
	assert.True(t, res.chunks[0].Damaged())

	// The same events, values and all, as the sound log's, but marked.
	sound := hostileRead(t, hostileLog(t, 9, evtxwrite.Damage{}))
	require.Len(t, sound.events, 9)
	for i, ev := range res.events {
		want := *sound.events[i]
		want.ChunkDamaged = true
		assert.Equal(t, want, *ev, "record %d", ev.RecordID)
	}
}
