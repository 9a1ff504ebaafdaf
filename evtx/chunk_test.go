package evtx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vevtx "www.velocidex.com/golang/evtx"
)

// rdRecord frames binxml as a record.
func rdRecord(id uint64, binxml []byte) []byte {
	size := recHeaderLen + len(binxml) + 4
	b := make([]byte, size)
	copy(b, recMagic)
	binary.LittleEndian.PutUint32(b[4:], uint32(size))
	binary.LittleEndian.PutUint64(b[8:], id)
	binary.LittleEndian.PutUint64(b[16:], 133000000000000000+id)
	copy(b[recHeaderLen:], binxml)
	binary.LittleEndian.PutUint32(b[size-4:], uint32(size))
	return b
}

// rdChunk lays records out from offset 0x200 and fills in the header.
func rdChunk(records ...[]byte) []byte {
	c := make([]byte, chunkSize)
	copy(c, chunkMagic)
	off := chunkHeaderSize
	for _, r := range records {
		copy(c[off:], r)
		off += len(r)
	}
	le := binary.LittleEndian
	le.PutUint64(c[0x08:], 1)
	le.PutUint64(c[0x10:], uint64(len(records)))
	le.PutUint32(c[0x28:], 0x80)
	le.PutUint32(c[0x30:], uint32(off))
	le.PutUint32(c[0x34:], crc32.ChecksumIEEE(c[chunkHeaderSize:off]))
	le.PutUint32(c[0x7c:], chunkHeaderCRC(c))
	return c
}

// rdEOFRecord is a record whose BinXML is a fragment header and an EOF.
func rdEOFRecord(id uint64) []byte { return rdRecord(id, []byte{0x0f, 1, 1, 0, 0, 0, 0, 0}) }

// instance returns BinXML for a template instance at chunk offset at (the
// offset of the record's BinXML): an inline definition of template id
// with an empty body when inline, else a reference to def, then the given
// argument descriptors (size, type) and values, then an EOF.
func rdInstance(at int, id uint32, inline bool, def int, descs [][2]int, values []byte, nargs int) []byte {
	le := binary.LittleEndian
	b := []byte{0x0f, 1, 1, 0, 0x0c, 0x01}
	b = le.AppendUint32(b, id)
	p := at + len(b) + 4
	if inline {
		def = p
	}
	b = le.AppendUint32(b, uint32(def))
	if inline {
		b = le.AppendUint32(b, 0)  // next definition
		b = le.AppendUint32(b, id) // GUID, first 4 bytes
		b = append(b, make([]byte, 12)...)
		b = le.AppendUint32(b, 5)       // body size
		b = append(b, 0x0f, 1, 1, 0, 0) // body: fragment header, EOF
	}
	if nargs < 0 {
		nargs = len(descs)
	}
	b = le.AppendUint32(b, uint32(nargs))
	for _, d := range descs {
		b = le.AppendUint16(b, uint16(d[0]))
		b = append(b, byte(d[1]), 0)
	}
	b = append(b, values...)
	return append(b, 0x00)
}

func TestFrameRecords(t *testing.T) {
	r0, r1, r2 := rdEOFRecord(1), rdEOFRecord(2), rdEOFRecord(3)
	n := len(r0)
	brokenMagic := append([]byte("XX"), r1[2:]...)
	badCopy := append([]byte{}, r1...)
	binary.LittleEndian.PutUint32(badCopy[len(badCopy)-4:], 99)
	zeroSize := append([]byte{}, r1...)
	binary.LittleEndian.PutUint32(zeroSize[4:], 0)
	tests := []struct {
		name    string
		records [][]byte
		want    []int // span sizes; negative for a bad region
	}{
		{"clean", [][]byte{r0, r1, r2}, []int{n, n, n}},
		{"bad magic", [][]byte{r0, brokenMagic, r2}, []int{n, -n, n}},
		{"bad size copy", [][]byte{r0, badCopy, r2}, []int{n, -n, n}},
		{"zero size", [][]byte{r0, zeroSize, r2}, []int{n, -n, n}},
		{"garbage tail", [][]byte{r0, []byte("garbage!")}, []int{n, -8}},
		{"first bad", [][]byte{brokenMagic, r2}, []int{-n, n}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := rdChunk(tt.records...)
			end := int(binary.LittleEndian.Uint32(c[0x30:]))
			var got []int
			for _, s := range frameRecords(c, end, true) {
				if s.bad != nil {
					got = append(got, -s.size)
				} else {
					got = append(got, s.size)
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
	t.Run("untrusted end stops at zeros", func(t *testing.T) {
		c := rdChunk(r0, r1)
		spans := frameRecords(c, chunkSize, false)
		require.Len(t, spans, 2)
		assert.Nil(t, spans[1].bad)
	})
}

func TestCheckTemplateInstance(t *testing.T) {
	at := chunkHeaderSize + recHeaderLen
	tests := []struct {
		name      string
		binxml    []byte
		known     map[uint32]bool
		wantErr   error
		patches   int
		defines   uint32
		errSubstr string
	}{
		{"inline definition", rdInstance(at, 7, true, 0, [][2]int{{4, 0x08}}, make([]byte, 4), -1), nil, nil, 0, 7, ""},
		{"reference to known", rdInstance(at, 7, false, 0x300, [][2]int{{4, 0x08}}, make([]byte, 4), -1), map[uint32]bool{7: true}, nil, 0, 0, ""},
		{"reference to unknown", rdInstance(at, 7, false, 0x300, nil, nil, -1), nil, ErrBadRecord, 0, 0, "not defined earlier"},
		{"defined twice", rdInstance(at, 7, true, 0, nil, nil, -1), map[uint32]bool{7: true}, ErrBadRecord, 0, 0, "defined twice"},
		{"crafted count", rdInstance(at, 7, true, 0, nil, nil, 0x7fffffff), nil, ErrLimit, 0, 0, "substitution values (the limit is 2048)"},
		{"values past record", rdInstance(at, 7, true, 0, [][2]int{{400, 0x01}}, nil, -1), nil, ErrBadRecord, 0, 0, "runs past"},
		{"arrays retyped", rdInstance(at, 7, true, 0, [][2]int{{4, 0x86}, {8, 0x8a}, {8, 0x95}, {4, 0x12}}, make([]byte, 24), -1), nil, nil, 4, 7, ""},
		{"no template", []byte{0x0f, 1, 1, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, nil, ErrBadRecord, 0, 0, "does not start with a template"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := rdChunk(rdRecord(1, tt.binxml))
			s := frameRecords(c, int(binary.LittleEndian.Uint32(c[0x30:])), true)
			require.Len(t, s, 1)
			known := tt.known
			if known == nil {
				known = map[uint32]bool{}
			}
			defined, patches, err := checkTemplateInstance(c, s[0], known)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Contains(t, err.Error(), tt.errSubstr)
				return
			}
			require.NoError(t, err)
			assert.Len(t, patches, tt.patches)
			assert.Equal(t, tt.defines, defined)
		})
	}
}

// rdPanicRecordAt returns a record, for chunk offset off, that makes the
// pinned decoder panic: a SYSTEMTIME value declared 0xFFFF bytes long,
// which it slices past the end of the chunk.
func rdPanicRecordAt(off int, id uint64) []byte {
	return rdRecord(id, rdInstance(off+recHeaderLen, 9, true, 0, [][2]int{{0xffff, 0x12}}, make([]byte, 16), -1))
}

func TestDecoderPanicIsContainedAndBisected(t *testing.T) {
	r := [][]byte{rdEOFRecord(1), rdEOFRecord(2)}
	off := chunkHeaderSize + 2*len(r[0])
	r = append(r, rdPanicRecordAt(off, 3), rdEOFRecord(4))
	c := rdChunk(r...)

	recs, err := safeVelocidexParse(c, 4)
	require.Error(t, err, "the crafted record must make the decoder panic")
	assert.Contains(t, err.Error(), "panic")
	assert.Nil(t, recs)
	recs, err = safeVelocidexParse(c, 2)
	require.NoError(t, err)
	assert.Len(t, recs, 2)
	assert.Equal(t, 2, bisect(safeVelocidexParse, c, 4))
	assert.Equal(t, -1, bisect(safeVelocidexParse, c, 2))
}

// TestDecodeRecordsSurvivesPanics runs a whole chunk with panicking records
// through the reader: they are refused (by the pre-pass or the reader's
// own guard, which retypes wrong-sized SYSTEMTIME values) or bisected out,
// and the other records still come out, each once.
func TestDecodeRecordsSurvivesPanics(t *testing.T) {
	var recs [][]byte
	off := chunkHeaderSize
	for i := range 6 {
		var rec []byte
		if i == 2 || i == 4 {
			rec = rdPanicRecordAt(off, uint64(i+1))
		} else {
			rec = rdEOFRecord(uint64(i + 1))
		}
		recs = append(recs, rec)
		off += len(rec)
	}
	c := rdChunk(recs...)
	r := &Reader{name: "t.evtx", firstChunk: 0x1000}
	d := newChunkDecoder(r, compileOptions(Options{}))
	copy(d.buf, c)
	var res chunkResult
	res.info.Offset = 0x1000
	d.decodeRecords(&res, d.buf, frameRecords(d.buf, int(binary.LittleEndian.Uint32(c[0x30:])), true), false)
	for _, it := range res.items {
		if it.err != nil {
			var e *Error
			require.True(t, errors.As(it.err, &e))
		}
	}
	assert.Equal(t, 6, len(res.items), "one item (event or error) per record")
}

func TestSanitiseTinyGaps(t *testing.T) {
	r0, r1 := rdEOFRecord(1), rdEOFRecord(2)
	gap := []byte("tinygap!") // 8 bytes: too small for a filler
	t.Run("after a record", func(t *testing.T) {
		c := rdChunk(r0, gap, r1)
		r := &Reader{name: "t.evtx"}
		d := newChunkDecoder(r, compileOptions(Options{}))
		copy(d.buf, c)
		spans := frameRecords(d.buf, int(binary.LittleEndian.Uint32(c[0x30:])), true)
		require.Len(t, spans, 3)
		works := make([]*recordWork, len(spans))
		for i, s := range spans {
			works[i] = &recordWork{span: s, toDecode: s.bad == nil}
		}
		v := d.sanitise(works)
		require.Len(t, v, 2)
		assert.Equal(t, uint32(len(r0)+len(gap)), binary.LittleEndian.Uint32(d.cp[chunkHeaderSize+4:]), "the record before absorbs the gap")
		out, err := safeVelocidexParse(d.cp, len(v))
		require.NoError(t, err)
		assert.Len(t, out, 2)
		assert.Equal(t, uint64(2), out[1].Header.RecordID)
	})
	t.Run("at the chunk start", func(t *testing.T) {
		c := rdChunk(gap, r0, r1)
		r := &Reader{name: "t.evtx"}
		d := newChunkDecoder(r, compileOptions(Options{}))
		copy(d.buf, c)
		spans := frameRecords(d.buf, int(binary.LittleEndian.Uint32(c[0x30:])), true)
		require.Len(t, spans, 3)
		works := make([]*recordWork, len(spans))
		for i, s := range spans {
			works[i] = &recordWork{span: s, toDecode: s.bad == nil}
		}
		v := d.sanitise(works)
		require.Len(t, v, 2)
		assert.Nil(t, v[0], "gap and first record become one filler")
		assert.ErrorIs(t, works[1].dropped, ErrBadRecord)
		out, err := safeVelocidexParse(d.cp, len(v))
		require.NoError(t, err)
		assert.Equal(t, uint64(2), out[1].Header.RecordID)
	})
}

// rdElement encodes, at chunk offset at, a template-body element named name
// (inline name) holding content(offset of the content).
func rdElement(at int, name string, content func(at int) []byte) []byte {
	le := binary.LittleEndian
	nameAt := at + 1 + 2 + 4 + 4
	nm := le.AppendUint32(nil, 0)
	nm = le.AppendUint16(nm, 0)
	nm = le.AppendUint16(nm, uint16(len(name)))
	for _, c := range name {
		nm = le.AppendUint16(nm, uint16(c))
	}
	nm = append(nm, 0, 0)
	inner := append(nm, 0x02)
	inner = append(inner, content(nameAt+len(inner))...)
	inner = append(inner, 0x04)
	b := []byte{0x01, 0xff, 0xff}
	b = le.AppendUint32(b, uint32(4+len(inner)))
	b = le.AppendUint32(b, uint32(nameAt))
	return append(b, inner...)
}

// rdEventIDRecord is a record, for chunk offset off, whose inline template
// is <Event><System><EventID>%0</EventID></System></Event> and whose value
// is eventID (UInt16).
func rdEventIDRecord(off int, id uint64, eventID uint16) []byte {
	le := binary.LittleEndian
	at := off + recHeaderLen
	b := []byte{0x0f, 1, 1, 0, 0x0c, 0x01}
	b = le.AppendUint32(b, uint32(id+100))
	def := at + len(b) + 4
	b = le.AppendUint32(b, uint32(def))
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, uint32(id+100))
	b = append(b, make([]byte, 12)...)
	bodyAt := at + len(b) + 4
	body := []byte{0x0f, 1, 1, 0}
	body = append(body, rdElement(bodyAt+4, "Event", func(p int) []byte {
		return rdElement(p, "System", func(p int) []byte {
			return rdElement(p, "EventID", func(int) []byte { return []byte{0x0e, 0, 0, 0x06} })
		})
	})...)
	body = append(body, 0x00)
	b = le.AppendUint32(b, uint32(len(body)))
	b = append(b, body...)
	b = le.AppendUint32(b, 1)
	b = append(b, 2, 0, 0x06, 0)
	b = le.AppendUint16(b, eventID)
	return rdRecord(id, append(b, 0x00))
}

// TestDecoderRetriesAfterUnforeseenPanic simulates a decoder panic on a
// record the pre-pass accepted: the record is found by bisection and kept
// from the decoder, the chunk decoded again, and every record still comes
// out once (the culprit from the pre-pass's values), within the retry bound.
func TestDecoderRetriesAfterUnforeseenPanic(t *testing.T) {
	var recs [][]byte
	off := chunkHeaderSize
	for i := range 6 {
		rec := rdEventIDRecord(off, uint64(i+1), uint16(4000+i))
		recs = append(recs, rec)
		off += len(rec)
	}
	c := rdChunk(recs...)
	tests := []struct {
		name    string
		culprit func(id uint64) bool
	}{
		{"one bad record", func(id uint64) bool { return id == 3 }},
		{"two bad records", func(id uint64) bool { return id == 2 || id == 5 }},
		{"every record", func(id uint64) bool { return id != 0 }}, // fillers have ID 0
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			// Wrap the real decoder: panic when a culprit record is among
			// the first n records laid out in the copy.
			parse := func(cp []byte, n int) ([]*vevtx.EventRecord, error) {
				calls++
				p := chunkHeaderSize
				for range n {
					if tt.culprit(binary.LittleEndian.Uint64(cp[p+8:])) {
						return nil, errors.New("decoder panic: simulated")
					}
					p += int(binary.LittleEndian.Uint32(cp[p+4:]))
				}
				return safeVelocidexParse(cp, n)
			}
			r := &Reader{name: "t.evtx", firstChunk: 0x1000, hooks: &decodeHooks{parse: parse}}
			d := newChunkDecoder(r, compileOptions(Options{}))
			copy(d.buf, c)
			var res chunkResult
			d.decodeRecords(&res, d.buf, frameRecords(d.buf, int(binary.LittleEndian.Uint32(c[0x30:])), true), false)
			var ids []uint64
			for _, it := range res.items {
				require.NoError(t, it.err)
				ids = append(ids, it.ev.RecordID)
				assert.Equal(t, uint16(4000+it.ev.RecordID-1), it.ev.EventID)
			}
			assert.Equal(t, []uint64{1, 2, 3, 4, 5, 6}, ids)
			// Per attempt: one run and a bisection of at most 1+ceil(log2 6).
			assert.LessOrEqual(t, calls, (maxDecoderRetries+2)*5, "decoder calls must stay bounded")
			assert.Greater(t, calls, 1, "the simulated panic must have happened")
		})
	}
}

// rdArg is one substitution value: its type and bytes.
type rdArg struct {
	typ byte
	val []byte
}

// rdDataRecord is a record, for chunk offset off, whose inline template is
// <Event><System><EventID>%0</EventID></System><EventData><Data>%1</Data>
// ...</EventData></Event>, with eventID and args as values.
func rdDataRecord(off int, id uint64, eventID uint16, args []rdArg) []byte {
	le := binary.LittleEndian
	at := off + recHeaderLen
	b := []byte{0x0f, 1, 1, 0, 0x0c, 0x01}
	b = le.AppendUint32(b, uint32(id+200))
	b = le.AppendUint32(b, uint32(at+len(b)+4))
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, uint32(id+200))
	b = append(b, make([]byte, 12)...)
	bodyAt := at + len(b) + 4
	body := []byte{0x0f, 1, 1, 0}
	body = append(body, rdElement(bodyAt+4, "Event", func(p int) []byte {
		sys := rdElement(p, "System", func(p int) []byte {
			return rdElement(p, "EventID", func(int) []byte { return []byte{0x0e, 0, 0, 0x06} })
		})
		data := rdElement(p+len(sys), "EventData", func(p int) []byte {
			var out []byte
			for i, a := range args {
				out = append(out, rdElement(p+len(out), "Data", func(int) []byte { return []byte{0x0e, byte(i + 1), 0, a.typ} })...)
			}
			return out
		})
		return append(sys, data...)
	})...)
	body = append(body, 0x00)
	b = le.AppendUint32(b, uint32(len(body)))
	b = append(b, body...)
	b = le.AppendUint32(b, uint32(1+len(args)))
	b = append(b, 2, 0, 0x06, 0)
	for _, a := range args {
		b = le.AppendUint16(b, uint16(len(a.val)))
		b = append(b, a.typ, 0)
	}
	b = le.AppendUint16(b, eventID)
	for _, a := range args {
		b = append(b, a.val...)
	}
	return rdRecord(id, append(b, 0x00))
}

// TestSizeTAndIrregularBooleans: size_t values render as hex (the decoder
// turns them into raw text) and booleans of any size and any non-zero value
// render true/false.
func TestSizeTAndIrregularBooleans(t *testing.T) {
	le := binary.LittleEndian
	args := []rdArg{
		{0x10, le.AppendUint64(nil, 0x7ffe0000)},
		{0x10, le.AppendUint32(nil, 0x1f)},
		{0x0d, le.AppendUint32(nil, 2)},
		{0x0d, []byte{0xff}},
		{0x0d, le.AppendUint64(nil, 0)},
		{0x0d, le.AppendUint16(nil, 1)},
	}
	c := rdChunk(rdDataRecord(chunkHeaderSize, 1, 4000, args))
	r := &Reader{name: "t.evtx", firstChunk: 0x1000}
	d := newChunkDecoder(r, compileOptions(Options{}))
	copy(d.buf, c)
	var res chunkResult
	d.decodeRecords(&res, d.buf, frameRecords(d.buf, int(le.Uint32(c[0x30:])), true), false)
	require.Len(t, res.items, 1)
	require.NoError(t, res.items[0].err)
	ev := res.items[0].ev
	assert.Equal(t, uint16(4000), ev.EventID)
	assert.Equal(t, []Field{
		{"", "0x7ffe0000", TypeSizeT}, {"", "0x1f", TypeSizeT},
		{"", "true", TypeBool}, {"", "true", TypeBool}, {"", "false", TypeBool}, {"", "true", TypeBool},
	}, ev.Data)
}

// TestDecoderCountsBounded checks the guard that keeps from the Velocidex
// fallback a chunk in which it could meet a template argument count it
// would follow unbounded (decoderCountsBounded).
func TestDecoderCountsBounded(t *testing.T) {
	le := binary.LittleEndian
	// instance returns the bytes the decoder reads for an instance at
	// chunk offset at of template id: token, version, ID, definition
	// offset def (0: its own end, an inline definition), a first count, a
	// GUID, a body of size body (zeros), then a second count.
	instance := func(at int, id uint32, def int, body int, count uint32) []byte {
		if def == 0 {
			def = at + 10
		}
		b := []byte{0x0c, 0x01}
		b = le.AppendUint32(b, id)
		b = le.AppendUint32(b, uint32(def))
		b = le.AppendUint32(b, 1)
		b = append(b, make([]byte, 16)...)
		b = le.AppendUint32(b, uint32(body))
		b = append(b, make([]byte, body)...)
		return le.AppendUint32(b, count)
	}
	chunk := func(parts map[int][]byte) []byte {
		c := make([]byte, 4096)
		for at, p := range parts {
			copy(c[at:], p)
		}
		return c
	}
	cases := []struct {
		name  string
		buf   []byte
		from  int
		known map[uint32]bool
		want  bool
	}{
		{"nothing that reads as an instance", chunk(nil), 512, nil, true},
		{"an unknown template, 2048 arguments", chunk(map[int][]byte{1000: instance(1000, 7, 0, 40, maxTemplateArgs)}), 512, nil, true},
		{"an unknown template, 2049 arguments", chunk(map[int][]byte{1000: instance(1000, 7, 0, 40, maxTemplateArgs+1)}), 512, nil, false},
		{"an unknown template, 2^32-1 arguments", chunk(map[int][]byte{1000: instance(1000, 7, 900, 0, 0xffffffff)}), 512, nil, false},
		{"a template the decoder knows", chunk(map[int][]byte{1000: instance(1000, 7, 900, 0, 0xffffffff)}), 512, map[uint32]bool{7: true}, true},
		{"template ID 0 stops the decoder", chunk(map[int][]byte{1000: instance(1000, 0, 900, 0, 0xffffffff)}), 512, nil, true},
		{"before the record: not read", chunk(map[int][]byte{300: instance(300, 7, 900, 0, 0xffffffff)}), 512, nil, true},
		{"defined inline earlier in the chunk", chunk(map[int][]byte{
			300:  instance(300, 7, 0, 8, 3),
			1000: instance(1000, 7, 300, 0, 0xffffffff)}), 512, nil, true},
		{"defined inline only after", chunk(map[int][]byte{
			1000: instance(1000, 7, 2000, 0, 0xffffffff),
			2000: instance(2000, 7, 0, 8, 3)}), 512, nil, false},
		{"an unbounded one after a bounded one", chunk(map[int][]byte{
			1000: instance(1000, 7, 0, 8, 3),
			2000: instance(2000, 9, 0, 8, 1<<20)}), 512, nil, false},
		{"the second count past the chunk's end", chunk(map[int][]byte{4096 - 34: instance(4096-34, 7, 0, 0, 0)[:34]}), 512, nil, true},
		{"a body size past the chunk's end", chunk(map[int][]byte{1000: le.AppendUint32(instance(1000, 7, 0, 0, 0)[:30], 0xffffffff)}), 512, nil, true},
		{"cut by the chunk's end", chunk(map[int][]byte{4080: instance(4080, 7, 0, 0, 0xffffffff)[:16]}), 512, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, decoderCountsBounded(c.buf, c.from, c.known))
		})
	}
}

// TestWriteFillerBlanksRegion: a filler is a record the decoder reads as
// empty, and nothing of what its region held is left for a decoder
// running on from the record before.
func TestWriteFillerBlanksRegion(t *testing.T) {
	cp := bytes.Repeat([]byte{0x0c}, 400)
	writeFiller(cp, 100, 200)
	assert.Equal(t, recMagic, string(cp[100:104]))
	assert.Equal(t, uint32(200), binary.LittleEndian.Uint32(cp[104:]))
	assert.Equal(t, make([]byte, 200-8), cp[108:300], "record ID, time, EOF and the rest: zeros")
	assert.Equal(t, bytes.Repeat([]byte{0x0c}, 100), cp[:100], "before the region: untouched")
	assert.Equal(t, bytes.Repeat([]byte{0x0c}, 100), cp[300:], "after the region: untouched")
}
