package evtx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// litNames writes names as Windows does in a chunk: inline the first time,
// then as references to that first one.
type litNames map[string]uint32

func (m litNames) put(w *bxb, s string) {
	if off, ok := m[s]; ok {
		w.u32(off)
		return
	}
	m[s] = uint32(w.pos() + 4)
	w.name(s)
}

// litRec is a template-less record: a small Windows event written as
// literal BinXML, with the variations the compiled shapes must tell apart.
type litRec struct {
	provider, eventID, computer string
	data                        [][2]string // <Data Name=[0]>[1]</Data>
	channel                     bool        // <Channel> instead of <Computer>
	lang                        bool        // an attribute more on <Computer>
	entity, charRef             bool        // the first Data's text is a&b written with a reference
	nested                      bool        // an element in the last Data
	missing                     bool        // a Data whose text is "" has no text token
	cut                         int         // bytes cut off the record's end
	patch                       func(b []byte)
	oddAttr                     func(w *bxb) // writes one more attribute of the first Data
	elemName                    string       // the name of <Computer>, when set
	attrEntity                  bool         // the Provider's Name is joined to an entity reference
}

func (r litRec) write(nm litNames) func(w *bxb) {
	return func(w *bxb) {
		el := func(name string, attrs bool) {
			if attrs {
				w.u8(0x41).u32(0)
				nm.put(w, name)
				w.u32(0)
				return
			}
			w.u8(0x01).u32(0)
			nm.put(w, name)
		}
		attr := func(name, text string) {
			w.u8(0x06)
			nm.put(w, name)
			w.text(text)
		}
		w.frag()
		el("Event", false)
		w.closeStart()
		el("System", false)
		w.closeStart()
		el("Provider", true)
		attr("Name", r.provider)
		if r.attrEntity {
			w.u8(0x09)
			nm.put(w, "amp")
		}
		w.closeEmpty()
		el("EventID", false)
		w.closeStart().text(r.eventID).end()
		name := "Computer"
		if r.channel {
			name = "Channel"
		}
		if r.elemName != "" {
			name = r.elemName
		}
		el(name, r.lang)
		if r.lang {
			attr("Lang", "en")
		}
		w.closeStart().text(r.computer).end()
		w.end() // System
		el("EventData", false)
		w.closeStart()
		for i, d := range r.data {
			el("Data", true)
			attr("Name", d[0])
			if i == 0 && r.oddAttr != nil {
				r.oddAttr(w)
			}
			w.closeStart()
			switch {
			case i == 0 && r.entity:
				w.text("a").u8(0x09)
				nm.put(w, "amp")
				w.text("b")
			case i == 0 && r.charRef:
				w.text("a").charRef('&').text("b")
			case d[1] == "" && r.missing:
			default:
				w.text(d[1])
			}
			if r.nested && i == len(r.data)-1 {
				el("Inner", false)
				w.closeStart().text("x").end()
			}
			w.end()
		}
		w.end().end().eof()
		w.b = w.b[:len(w.b)-r.cut]
		if r.patch != nil {
			r.patch(w.b)
		}
	}
}

// litBase is the shape most cases repeat.
func litBase() litRec {
	return litRec{provider: "Microsoft-Windows-Windows Defender", eventID: "1151", computer: "host1",
		data: [][2]string{{"Product Name", "%%827"}, {"Platform version", "4.18.2005.5"}, {"Last full scan source", ""}}}
}

// litChunk writes recs into a chunk, names shared as Windows shares them.
func litChunk(recs []litRec) []byte {
	c, nm := newTestChunk(), litNames{}
	for _, r := range recs {
		c.add(r.write(nm))
	}
	return c.buf
}

// litCompare inspects every record of chunk with the compiled shapes
// (direct, as the reader does) and node by node (the values listed, then
// applied), requires the same results, and returns the records the
// shapes decoded. More chunks are inspected one after the other with one
// scratch, as a reader's worker does.
func litCompare(t *testing.T, chunk []byte, at string, more ...[]byte) int {
	t.Helper()
	sc := &bxScratch{}
	for _, chunk := range append([][]byte{chunk}, more...) {
		litCompareChunk(t, sc, chunk, at)
	}
	return sc.lit.hits
}

func litCompareChunk(t *testing.T, sc *bxScratch, chunk []byte, at string) {
	t.Helper()
	list, fast := newChunkInspector(chunk), newChunkInspectorScratch(chunk, sc)
	list.nodeByNode, fast.direct = true, true
	free := int(binary.LittleEndian.Uint32(chunk[48:]))
	eachRecord(chunk, free, func(off, size int) {
		lp, lerr := list.inspect(off, size)
		fp, ferr := fast.inspect(off, size)
		where := fmt.Sprintf("%s, record at %d", at, off)
		if assert.Equal(t, lerr == nil, ferr == nil, where) && lerr != nil {
			assert.Equal(t, lerr.Error(), ferr.Error(), where)
		}
		if !assert.Equal(t, lp == nil, fp == nil, where) || fp == nil {
			return
		}
		wantEv := lerr == nil && (&chunkDecoder{}).resolved(lp)
		if assert.Equal(t, wantEv, fp.ev != nil, where) && wantEv {
			assert.Equal(t, eventFromValues(lp), fp.ev, where)
		}
	})
}

// TestLiteralShapes checks, on chunks of template-less records, that a
// record decoded by a compiled shape gives what the parse and the walk
// node by node give, and that a record whose shape differs in anything but
// its texts' values (a name, an attribute, a Data's Name, a reference, a
// nested element, a missing text, a cut or damaged end) is not decoded by
// it. The first record of a chunk writes its names inline, so its shape
// is compiled, and it decodes the second, whose names are references.
func TestLiteralShapes(t *testing.T) {
	base := litBase()
	with := func(f func(r *litRec)) litRec {
		r := litBase()
		r.data = append([][2]string(nil), r.data...)
		f(&r)
		return r
	}
	long := strings.Repeat("0123456789", 20)
	cases := []struct {
		name string
		recs []litRec
		hits int
	}{
		{"one shape, other values", []litRec{base, base,
			with(func(r *litRec) { r.computer, r.eventID, r.data[0][1] = "h", "1150", "" }),
			with(func(r *litRec) { r.computer, r.data[1][1], r.data[2][1] = long, "é€\U0001d11e x", long+"é" }),
			with(func(r *litRec) { r.provider = "Other" }),
		}, 4},
		{"a Data's Name differs", []litRec{base, base,
			with(func(r *litRec) { r.data[1][0] = "Platform versioN" }), base}, 2},
		{"an element's name differs", []litRec{base, base, with(func(r *litRec) { r.channel = true }), base}, 2},
		{"an attribute more", []litRec{base, base, with(func(r *litRec) { r.lang = true }), base}, 2},
		{"a Data more", []litRec{base, base, with(func(r *litRec) { r.data = append(r.data, [2]string{"X", "y"}) }), base}, 2},
		{"an entity reference", []litRec{base, base, with(func(r *litRec) { r.entity = true }), base}, 2},
		{"a character reference", []litRec{base, base, with(func(r *litRec) { r.charRef = true }), base}, 2},
		{"a nested element", []litRec{base, base, with(func(r *litRec) { r.nested = true }), base}, 2},
		{"an empty text, then a missing one", []litRec{base, base, with(func(r *litRec) { r.missing = true }), base}, 2},
		{"a missing text, then an empty one", []litRec{
			with(func(r *litRec) { r.missing = true }), with(func(r *litRec) { r.missing = true }),
			base, with(func(r *litRec) { r.missing = true })}, 2},
		{"cut in its end tokens", []litRec{base, base, with(func(r *litRec) { r.cut = 2 }), base}, 2},
		{"cut in a text", []litRec{base, base, with(func(r *litRec) { r.cut = 9 }), base}, 2},
		{"a text's count past the end", []litRec{base, base, with(func(r *litRec) {
			r.patch = func(b []byte) {
				// The last Data's count: the text is empty, so
				// the count is just before <end><end><end><eof>.
				binary.LittleEndian.PutUint16(b[len(b)-6:], 0x7000)
			}
		}), base}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hits := litCompare(t, litChunk(tc.recs), tc.name)
			assert.Equal(t, tc.hits, hits, "records decoded by a compiled shape")
		})
	}
}

// TestLiteralShapeValues checks the values of records decoded by a compiled
// shape against the texts written, not only against the walk.
func TestLiteralShapeValues(t *testing.T) {
	base := litBase()
	other := litBase()
	other.computer, other.eventID = "é€\U0001d11e", "7"
	other.data = [][2]string{{"Product Name", ""}, {"Platform version", strings.Repeat("ab", 100)}, {"Last full scan source", "0"}}
	chunk := litChunk([]litRec{base, base, other})
	sc := &bxScratch{}
	d := newChunkInspectorScratch(chunk, sc)
	d.direct = true
	var evs []*Event
	eachRecord(chunk, int(binary.LittleEndian.Uint32(chunk[48:])), func(off, size int) {
		p, err := d.inspect(off, size)
		require.NoError(t, err)
		evs = append(evs, p.ev)
	})
	require.Len(t, evs, 3)
	assert.Equal(t, 2, sc.lit.hits)
	ev := evs[2]
	assert.Equal(t, "é€\U0001d11e", ev.Computer)
	assert.Equal(t, uint32(7), uint32(ev.EventID))
	assert.Equal(t, "Microsoft-Windows-Windows Defender", ev.Provider)
	assert.Equal(t, []Field{
		{Name: "Product Name", Value: "", Type: TypeString},
		{Name: "Platform version", Value: strings.Repeat("ab", 100), Type: TypeString},
		{Name: "Last full scan source", Value: "0", Type: TypeString},
	}, ev.Data)
}

// TestLiteralShapeDamage damages a record that a compiled shape decodes,
// byte by byte, and requires every result (event or refusal) to be the
// walk's.
func TestLiteralShapeDamage(t *testing.T) {
	base := litBase()
	orig := litChunk([]litRec{base, base, base, base})
	offs := []int{}
	eachRecord(orig, int(binary.LittleEndian.Uint32(orig[48:])), func(off, size int) { offs = append(offs, off) })
	require.Len(t, offs, 4)
	require.Equal(t, 3, litCompare(t, orig, "undamaged"))
	chunk := make([]byte, len(orig))
	for i := offs[2] + bxRecHeader; i < offs[3]-bxRecTrailer; i++ {
		for _, v := range []byte{orig[i] ^ 0x01, orig[i] ^ 0x40, 0x00, 0xff} {
			if v == orig[i] {
				continue
			}
			copy(chunk, orig)
			chunk[i] = v
			litCompare(t, chunk, fmt.Sprintf("byte %d set to 0x%02x", i, v))
		}
	}
}

// TestLiteralShapeInlineName builds a record whose bytes are those of a
// compiled one, but where a name reference that points elsewhere in the
// compiled record points, here, at the bytes that follow it: the parser
// reads them as an inline name (and refuses the record), so the shape must
// read them so too, and not decode it.
func TestLiteralShapeInlineName(t *testing.T) {
	base := litBase()
	c, nm := newTestChunk(), litNames{}
	c.add(base.write(nm))
	// The odd record: base with one more attribute on the first Data,
	// its name a reference v, its value a text whose second character,
	// 3, is what a name read at v-4+4 would take as its length.
	odd := func(v uint32, refAt *int) litRec {
		r := litBase()
		r.patch = func(b []byte) {}
		r.oddAttr = func(w *bxb) {
			w.u8(0x06)
			*refAt = w.pos()
			w.u32(v)
			w.text("a\x03bcdefgh")
		}
		return r
	}
	// Where the reference lands: measured on a copy written at the
	// next record's place.
	var refAt int
	probe := &bxb{base: c.next + bxRecHeader}
	odd(0, &refAt).write(nm)(probe)
	size := bxRecHeader + len(probe.b) + bxRecTrailer
	v := uint32(refAt + size + 4) // the same reference, one record later, + 4
	c.add(odd(v, &refAt).write(nm))
	c.add(odd(v, &refAt).write(nm))
	require.Equal(t, int(v), refAt+4, "the second copy's reference points at what follows it")

	sc := &bxScratch{}
	d := newChunkInspectorScratch(c.buf, sc)
	d.direct = true
	var errs []error
	eachRecord(c.buf, int(binary.LittleEndian.Uint32(c.buf[48:])), func(off, size int) {
		_, err := d.inspect(off, size)
		errs = append(errs, err)
	})
	require.Len(t, errs, 3)
	require.NoError(t, errs[1])
	assert.Equal(t, 2, sc.lit.n, "the first odd record's shape is compiled")
	assert.ErrorContains(t, errs[2], "has no value", "the second is read with an inline name, and refused")
	assert.Zero(t, sc.lit.hits)
	litCompare(t, c.buf, "inline name")
}

// TestLiteralShapeNextChunk checks that a shape compiled in one chunk
// decodes the records of the next, its first one (names inline) included,
// where the names lie elsewhere; and that it does not decode a record
// whose bytes are those of a decoded one when the name it refers to holds
// other characters in this chunk.
func TestLiteralShapeNextChunk(t *testing.T) {
	base := litBase()
	a := litChunk([]litRec{base, base})
	shifted := litBase()
	shifted.provider = "a longer provider name, so that the names that follow lie elsewhere"
	b := litChunk([]litRec{shifted, base, base})
	assert.Equal(t, 1+3, litCompare(t, a, "next chunk", b))

	// The same records again, then one with its names inline and the
	// second again; but the name the second refers to for <Computer>
	// spells Computes in this chunk: a record of the first chunk's
	// bytes, and no longer its shape. The third is decoded by the first
	// chunk's shape, which the fourth is then tried with first.
	cc, nm := newTestChunk(), litNames{}
	cc.add(base.write(nm))
	cc.add(base.write(nm))
	cc.add(base.write(litNames{}))
	cc.add(base.write(nm))
	c := cc.buf
	at := bytes.Index(c, utf16le("Computer"))
	require.Positive(t, at)
	copy(c[at:], utf16le("Computes"))
	assert.Equal(t, 1+3, litCompare(t, a, "a name changed", c), "all but the first of the chunk with Computes")
}

// TestLiteralShapesGiveUp checks that the shapes stop being tried on a log
// of more shapes than are kept, which would only pay for matching them in
// vain, with the same results; and that a log of one shape keeps them.
func TestLiteralShapesGiveUp(t *testing.T) {
	sc := &bxScratch{}
	for c := range 3 {
		var recs []litRec
		for i := range 40 {
			r := litBase()
			r.data = nil
			for k := range i%20 + 1 {
				r.data = append(r.data, [2]string{fmt.Sprintf("Field %d", k), fmt.Sprintf("value %d %d", c, i)})
			}
			recs = append(recs, r)
		}
		litCompareChunk(t, sc, litChunk(recs), fmt.Sprintf("20 shapes, chunk %d", c))
	}
	assert.True(t, sc.lit.off, "20 shapes in turn, 8 kept")
	assert.Equal(t, maxLitProgs, sc.lit.n)

	one := &bxScratch{}
	base := litBase()
	for c := range 3 {
		litCompareChunk(t, one, litChunk([]litRec{base, base, base, base, base, base, base, base}), fmt.Sprintf("one shape, chunk %d", c))
	}
	assert.False(t, one.lit.off)
	assert.Equal(t, 3*8-1, one.lit.hits)
}

// litW writes one record of a chunk, its names shared through nm.
type litW func(nm litNames) func(w *bxb)

// litChunkW writes recs into a chunk, names shared as Windows shares them.
func litChunkW(recs ...litW) []byte {
	c, nm := newTestChunk(), litNames{}
	for _, r := range recs {
		c.add(r(nm))
	}
	return c.buf
}

// litUnits writes units over the UTF-16 characters of from in b.
func litUnits(t *testing.T, b []byte, from string, units ...uint16) {
	t.Helper()
	at := bytes.Index(b, utf16le(from))
	require.GreaterOrEqual(t, at, 0, "%q not written", from)
	require.Len(t, units, len(utf16le(from))/2)
	for i, u := range units {
		binary.LittleEndian.PutUint16(b[at+2*i:], u)
	}
}

// TestLiteralShapesAdversarial checks, on records built to sit next to a
// compiled shape, that what the shape decodes is what the parse and the
// walk give, and that it decodes no record whose reading by the parser
// depends on bytes it does not compare: texts ending in NULs or holding
// lone surrogates, bytes after the end-of-fragment token, a value's type
// byte or token flag, a name spelled with a trailing NUL, an attribute's
// text joined to a reference, a name read inside the record's own text,
// names referred to outside the chunk, and fragments of two elements.
func TestLiteralShapesAdversarial(t *testing.T) {
	base := litBase()
	b := litOf(base)
	with := func(f func(r *litRec)) litRec {
		r := litBase()
		r.data = append([][2]string(nil), r.data...)
		f(&r)
		return r
	}
	// refTo writes r with its <Computer> name referred to at ref.
	refTo := func(r litRec, ref uint32) litW {
		return func(nm litNames) func(w *bxb) {
			m := maps.Clone(nm)
			m["Computer"] = ref
			return r.write(m)
		}
	}
	// ownText writes a record whose <Computer> name is read inside its
	// own last Data text, which spells a name structure of name.
	ownText := func(name string) litW {
		r := with(func(r *litRec) { r.data[2][1] = strings.Repeat("P", 13) })
		return func(nm litNames) func(w *bxb) {
			return func(w *bxb) {
				r.write(nm)(w)
				at := bytes.Index(w.b, utf16le(r.data[2][1]))
				require.Positive(t, at)
				st := binary.LittleEndian.AppendUint16(make([]byte, 6), uint16(len(name)))
				st = append(append(st, utf16le(name)...), 0, 0)
				require.Len(t, st, 26)
				copy(w.b[at:], st)
				el := binary.LittleEndian.AppendUint32([]byte{0x01, 0, 0, 0, 0}, nm["Computer"])
				ref := bytes.Index(w.b, el)
				require.Positive(t, ref)
				binary.LittleEndian.PutUint32(w.b[ref+5:], uint32(w.pos()-len(w.b)+at))
			}
		}
	}
	// after writes r, then more after its end-of-fragment token (eof:
	// r's own one dropped).
	after := func(r litRec, eof bool, more func(nm litNames, w *bxb)) litW {
		return func(nm litNames) func(w *bxb) {
			return func(w *bxb) {
				r.write(nm)(w)
				if eof {
					w.b = w.b[:len(w.b)-1]
				}
				more(nm, w)
			}
		}
	}
	patched := func(f func(b []byte)) litW {
		return litOf(with(func(r *litRec) { r.patch = f }))
	}
	// The token of the <Computer> text, host1.
	compTok := func(b []byte) int { return bytes.Index(b, utf16le("host1")) - 4 }
	cases := []struct {
		name string
		recs []litW
		hits int
	}{
		{"texts ending in NULs, or all NULs", []litW{b, b, func(nm litNames) func(w *bxb) {
			r := with(func(r *litRec) { r.computer, r.data[1][1] = "QQQQ", "ZZ" })
			r.patch = func(b []byte) {
				litUnits(t, b, "QQQQ", 'h', 0, 0, 0)
				litUnits(t, b, "ZZ", 0, 0)
			}
			return r.write(nm)
		}, b}, 3},
		{"lone and paired surrogates", []litW{b, b, func(nm litNames) func(w *bxb) {
			r := with(func(r *litRec) { r.computer, r.data[0][1], r.data[2][1] = "QQQQ", "RR", "SSS" })
			r.patch = func(b []byte) {
				litUnits(t, b, "QQQQ", 0xd800, 'a', 0xdc00, 0xd800)
				litUnits(t, b, "RR", 0xd83d, 0xde00)
				litUnits(t, b, "SSS", 'x', 0xdbff, 0)
			}
			return r.write(nm)
		}, b}, 3},
		{"bytes after the end-of-fragment token", []litW{b, b, after(base, false, func(nm litNames, w *bxb) {
			w.raw([]byte{0x05, 0x01, 0xff, 0xff, 0x01, 0x41, 0x00})
		}), b}, 3},
		{"a value's type byte differs", []litW{b, b, patched(func(b []byte) { b[compTok(b)+1] = 0x02 }), b}, 2},
		{"a value token with the more flag", []litW{b, b, patched(func(b []byte) { b[compTok(b)] = 0x45 }), b}, 2},
		{"a name spelled with a trailing NUL", []litW{b, b,
			litOf(with(func(r *litRec) { r.elemName = "Computer\x00" })),
			litOf(with(func(r *litRec) { r.elemName = "Computer\x00" })), b}, 3},
		{"an attribute's text joined to an entity reference", []litW{b, b,
			litOf(with(func(r *litRec) { r.attrEntity = true })), b}, 2},
		{"a name read in the record's own text", []litW{b, b, ownText("Computer"), ownText("Computes"), b}, 3},
		{"a name referred to in the chunk header", []litW{b, b, refTo(base, 100), b}, 2},
		{"a name referred to past the chunk", []litW{b, b, refTo(base, 0xffffffff), b}, 2},
		{"a name referred to at the chunk's last bytes", []litW{b, b, refTo(base, chunkSize-10), b}, 2},
		{"a name referred to across the chunk's end", []litW{b, b, refTo(base, chunkSize-7), b}, 2},
		{"two elements in the fragment", []litW{
			after(base, true, func(nm litNames, w *bxb) {
				w.u8(0x01).u32(0)
				nm.put(w, "X")
				w.closeStart().text("t").end().eof()
			}),
			after(base, true, func(nm litNames, w *bxb) {
				w.u8(0x01).u32(0)
				nm.put(w, "X")
				w.closeStart().text("other").end().eof()
			}), b, b}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			chunk := litChunkW(tc.recs...)
			hits := litCompare(t, chunk, tc.name)
			assert.Equal(t, tc.hits, hits, "records decoded by a compiled shape")
			// The same chunk again with the scratch of the first: the
			// shapes kept, the names found again.
			sc := &bxScratch{}
			litCompareChunk(t, sc, chunk, tc.name+", first read")
			first := sc.lit.hits
			litCompareChunk(t, sc, chunk, tc.name+", second read")
			assert.GreaterOrEqual(t, sc.lit.hits-first, first, "the second read decodes at least what the first did")
		})
	}
}

// litOf is r's writer.
func litOf(r litRec) litW { return r.write }

// TestLiteralShapeGenerationWrap runs the chunks of TestLiteralShapeNextChunk
// with the chunk generation about to wrap around, which the names found at
// an offset are remembered by: the results and the records decoded must
// be those of a scratch starting from zero.
func TestLiteralShapeGenerationWrap(t *testing.T) {
	base := litBase()
	a := litChunk([]litRec{base, base})
	cc, nm := newTestChunk(), litNames{}
	cc.add(base.write(nm))
	cc.add(base.write(nm))
	at := bytes.Index(cc.buf, utf16le("Computer"))
	require.Positive(t, at)
	copy(cc.buf[at:], utf16le("Computes"))
	chunks := [][]byte{a, cc.buf, a, cc.buf, a}
	run := func(gen uint32) int {
		sc := &bxScratch{}
		sc.lit.gen = gen
		for i, c := range chunks {
			litCompareChunk(t, sc, c, fmt.Sprintf("generation %d, chunk %d", gen, i))
		}
		return sc.lit.hits
	}
	want := run(0)
	// The first chunk compiles the shape of names Computer, the second
	// one of Computes (its inline name changed); from the third on,
	// both records of each chunk are decoded.
	require.Equal(t, 1+1+2+2+2, want)
	for _, gen := range []uint32{math.MaxUint32 - 3, math.MaxUint32 - 2, math.MaxUint32 - 1, math.MaxUint32} {
		assert.Equal(t, want, run(gen), "starting at generation %d", gen)
	}
}

// TestLiteralShapeChunkLimits inspects a record a compiled shape decodes
// when the chunk has spent all but a few of its steps or values: at each
// count, the shape and the walk must both accept it or both refuse it with
// the same error.
func TestLiteralShapeChunkLimits(t *testing.T) {
	base := litBase()
	chunk := litChunk([]litRec{base, base})
	var offs, sizes []int
	eachRecord(chunk, int(binary.LittleEndian.Uint32(chunk[48:])), func(off, size int) {
		offs, sizes = append(offs, off), append(sizes, size)
	})
	require.Len(t, offs, 2)
	for _, limit := range []string{"steps", "values"} {
		refused, decoded := 0, 0
		for spent := -2; spent <= 40; spent++ {
			sc := &bxScratch{}
			list, fast := newChunkInspector(chunk), newChunkInspectorScratch(chunk, sc)
			list.nodeByNode, fast.direct = true, true
			_, err := list.inspect(offs[0], sizes[0])
			require.NoError(t, err)
			_, err = fast.inspect(offs[0], sizes[0])
			require.NoError(t, err)
			require.Equal(t, 1, sc.lit.n, "the first record's shape is compiled")
			switch limit {
			case "steps":
				list.steps, fast.steps = maxStepsPerChunk-spent, maxStepsPerChunk-spent
			default:
				list.values, fast.values = maxValuesPerChunk-spent, maxValuesPerChunk-spent
			}
			lp, lerr := list.inspect(offs[1], sizes[1])
			fp, ferr := fast.inspect(offs[1], sizes[1])
			where := fmt.Sprintf("%s: %d left", limit, spent)
			if lerr != nil {
				require.Error(t, ferr, where)
				assert.Equal(t, lerr.Error(), ferr.Error(), where)
				assert.ErrorIs(t, ferr, ErrLimit, where)
				refused++
				continue
			}
			decoded++
			require.NoError(t, ferr, where)
			require.NotNil(t, fp.ev, where)
			assert.Equal(t, eventFromValues(lp), fp.ev, where)
			assert.Equal(t, list.steps, fast.steps, where)
			assert.Equal(t, list.values, fast.values, where)
			assert.Equal(t, 1, sc.lit.hits, where)
		}
		assert.Positive(t, refused, "%s: some counts refuse the record", limit)
		assert.Positive(t, decoded, "%s: some counts decode it", limit)
	}
}

// TestLiteralShapesCorpus inspects every chunk of the sample logs as a
// reader's worker does (one scratch for the file, its shapes kept from
// chunk to chunk) and node by node, and requires the same results record
// for record: the logs of template-less records (Defender's) are decoded
// by compiled shapes, the others must not be.
func TestLiteralShapesCorpus(t *testing.T) {
	hits := 0
	for _, f := range bxCorpus(t) {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		sc := &bxScratch{}
		for base := 4096; base+chunkSize <= len(b); base += chunkSize {
			chunk := b[base : base+chunkSize]
			if string(chunk[:8]) != "ElfChnk\x00" {
				continue
			}
			litCompareChunk(t, sc, chunk, fmt.Sprintf("%s, chunk at 0x%x", filepath.Base(f), base))
		}
		if sc.lit.hits > 0 {
			t.Logf("%s: %d records decoded by %d shapes", filepath.Base(f), sc.lit.hits, sc.lit.n)
		}
		hits += sc.lit.hits
	}
	assert.Positive(t, hits, "no sample record was decoded by a compiled shape")
}

// FuzzLiteralShape feeds arbitrary BinXML to records written next to ones
// of a compiled shape (its seeds are records of that shape, and near
// ones), in two chunks read with one scratch: every record, whether a
// shape decodes it or the parse refuses it, must give what the parse and
// the walk give node by node.
func FuzzLiteralShape(f *testing.F) {
	base := litBase()
	body := func(r litRec) []byte {
		c, nm := newTestChunk(), litNames{}
		c.add(base.write(nm))
		off, size := c.add(r.write(nm))
		return bytes.Clone(c.buf[off+bxRecHeader : off+size-bxRecTrailer])
	}
	other := litBase()
	other.computer, other.data = "é\U0001d11e", [][2]string{{"A", ""}, {"B", strings.Repeat("x", 70)}}
	f.Add(body(base))
	f.Add(body(other))
	f.Add(body(litRec{provider: "P", eventID: "1", computer: "c", lang: true, nested: true, data: [][2]string{{"N", "v"}}}))
	f.Add(body(litRec{provider: "P", eventID: "1", computer: "c", entity: true, data: [][2]string{{"N", "v"}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 8192 {
			b = b[:8192]
		}
		raw := func(nm litNames) func(w *bxb) { return func(w *bxb) { w.raw(b) } }
		// The record's references were written for the place of the
		// first chunk's second record: the same in both chunks.
		one := litChunkW(litOf(base), raw, litOf(base), raw)
		shifted := litBase()
		shifted.provider = "a provider name of another length"
		two := litChunkW(litOf(base), raw, litOf(shifted), raw, litOf(base))
		litCompare(t, one, "first chunk", two, one)
	})
}

// TestLiteralShapeShortChunk reads records of a compiled shape in the cut
// last chunk of a file, one of them referring to a name past the cut: the
// shape must find the chunk's end where the parser does.
func TestLiteralShapeShortChunk(t *testing.T) {
	base := litBase()
	b := litOf(base)
	past := func(nm litNames) func(w *bxb) {
		m := maps.Clone(nm)
		m["Computer"] = 0x3000
		return base.write(m)
	}
	full := litChunkW(b, b, past, b)
	require.Less(t, int(binary.LittleEndian.Uint32(full[48:])), 0x2000, "the records end before the cut")
	copy(full[0x3000:], []byte{0, 0, 0, 0, 0, 0, 8, 0})
	copy(full[0x3008:], append(utf16le("Computer"), 0, 0))
	assert.Equal(t, 3, litCompare(t, full, "whole chunk"), "the name past the cut is read in the whole chunk")
	assert.Equal(t, 2, litCompare(t, full[:0x2000], "cut chunk"), "and not in the cut one")
	assert.Equal(t, 2, litCompare(t, full[:0x3000+8+16], "chunk cut in the name"))
}
