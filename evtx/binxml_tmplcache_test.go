package evtx

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// planSummary is what a test compares of one record's inspection.
type planSummary struct {
	Err     string
	Values  []bxPathValue
	Sys     [planSysSlots]int32
	TmplID  uint32
	TmplOff uint32
	Defined []uint32
}

// inspectAll inspects every record of chunk with sc (nil: a fresh scratch)
// and summarises the results.
func inspectAll(chunk []byte, sc *bxScratch) []planSummary {
	var out []planSummary
	free := int(binary.LittleEndian.Uint32(chunk[48:]))
	d := newChunkInspectorScratch(chunk, sc)
	for off := chunkHeaderSize; off+bxRecMin <= free && off+8 <= len(chunk) && [4]byte(chunk[off:off+4]) == bxRecMagic; {
		size := int(binary.LittleEndian.Uint32(chunk[off+4:]))
		plan, err := d.inspect(off, size)
		var s planSummary
		if err != nil {
			s.Err = err.Error()
		}
		if plan != nil {
			s.Values, s.Sys, s.TmplID, s.TmplOff, s.Defined = plan.ordered, plan.sys, plan.templateID, plan.templateOffset, plan.defined
		}
		out = append(out, s)
		if size < bxRecMin {
			break
		}
		off += size
	}
	return out
}

// tmplCacheChunks returns the chunks of the project's fixture logs (written
// by evtxwrite) and of the corpus's security.evtx (when present).
func tmplCacheChunks(t *testing.T) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "smbaudit", "*.evtx"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	dir := os.Getenv("SMBREADINESS_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(dir); err == nil {
		files = append(files, filepath.Join(dir, "omerbenamram-evtx", "security.evtx"))
	}
	var chunks [][]byte
	for _, f := range files {
		img, err := os.ReadFile(f)
		require.NoError(t, err)
		for base := 4096; base+chunkSize <= len(img); base += chunkSize {
			if string(img[base:base+8]) == chunkMagic {
				chunks = append(chunks, img[base:base+chunkSize])
			}
		}
	}
	return chunks
}

// TestTemplateCacheEqualsParsing requires that inspecting chunks one after
// the other with one scratch, template bodies then shared from chunk to
// chunk, gives what a fresh scratch per chunk gives, and that bodies were
// indeed shared.
func TestTemplateCacheEqualsParsing(t *testing.T) {
	chunks := tmplCacheChunks(t)
	sc := &bxScratch{}
	shared := 0
	for i, c := range chunks {
		want := inspectAll(c, nil)
		got := inspectAll(c, sc)
		require.Equal(t, want, got, "chunk %d", i)
		for _, e := range sc.tmpl.m {
			if i > 0 && (len(e.body) > 0 || e.dropped) {
				shared++
			}
		}
	}
	assert.Positive(t, shared, "no template body was cached")
}

// TestTemplateCacheMutations changes one byte of a chunk at a time, mostly
// inside template definitions, and requires that a scratch whose cache
// holds the original chunk's bodies inspects the changed chunk as a fresh
// scratch does: a cached body is only reused when parsing would give it.
func TestTemplateCacheMutations(t *testing.T) {
	chunks := tmplCacheChunks(t)
	rng := rand.New(rand.NewPCG(3, 4))
	n := 300
	if testing.Short() {
		n = 60
	}
	for i := range n {
		c := chunks[rng.IntN(len(chunks))]
		sc := &bxScratch{}
		inspectAll(c, sc) // warm the cache with the original's bodies
		require.NotEmpty(t, sc.tmpl.m)
		// A byte inside a cached template body: pick a cached entry and
		// find its bytes in the chunk.
		var e *bxTmplEntry
		for _, e = range sc.tmpl.m {
			break
		}
		at := cachedBodyAt(c, e)
		require.GreaterOrEqual(t, at, 0)
		pos := at + rng.IntN(len(e.masked))
		if rng.IntN(4) == 0 {
			pos = chunkHeaderSize + rng.IntN(len(c)-chunkHeaderSize) // anywhere
		}
		m := append([]byte(nil), c...)
		m[pos] ^= byte(1 + rng.IntN(255))
		want := inspectAll(m, nil)
		got := inspectAll(m, sc)
		require.Equal(t, want, got, "mutation %d: byte at 0x%x", i, pos)
	}
}

// cachedBodyAt returns the offset in chunk of the body e caches, -1 when
// none is found.
func cachedBodyAt(chunk []byte, e *bxTmplEntry) int {
	m := make([]byte, len(e.masked))
	for i := 0; i+len(m) <= len(chunk); i++ {
		copy(m, chunk[i:])
		for _, r := range e.refs {
			if r.id == 0 {
				binary.LittleEndian.PutUint64(m[r.pos:], 0)
			} else {
				binary.LittleEndian.PutUint32(m[r.pos:], 0)
			}
		}
		if string(m) == string(e.masked) {
			return i
		}
	}
	return -1
}

// TestTemplateCacheNameReferenceRedirected points a name reference of a
// cached body at the name structure another reference of the same body
// uses, whose name differs: the name seen there first is remembered for
// the chunk (bxScratch.nameIs), and the redirected reference must still
// not match the cached body's name. The changed chunk must inspect as a
// fresh scratch inspects it.
func TestTemplateCacheNameReferenceRedirected(t *testing.T) {
	chunks := tmplCacheChunks(t)
	tried := 0
	for ci, c := range chunks {
		sc := &bxScratch{}
		inspectAll(c, sc)
		for _, e := range sc.tmpl.m {
			at := cachedBodyAt(c, e)
			require.GreaterOrEqual(t, at, 0)
			// Two references elsewhere to different names, the first
			// checked before the second.
			for i := range e.refs {
				for j := i + 1; j < len(e.refs); j++ {
					a, b := e.refs[i], e.refs[j]
					if a.id == 0 || b.id == 0 || a.id == b.id {
						continue
					}
					m := append([]byte(nil), c...)
					copy(m[at+int(b.pos):at+int(b.pos)+4], c[at+int(a.pos):])
					want := inspectAll(m, nil)
					warm := &bxScratch{}
					inspectAll(c, warm)
					got := inspectAll(m, warm)
					require.Equal(t, want, got, "chunk %d: reference at body offset %d redirected to %q", ci, b.pos, sc.tmpl.names[a.id-1])
					tried++
					if tried >= 40 {
						return
					}
					break
				}
			}
		}
	}
	require.Positive(t, tried, "no body refers to two different names elsewhere")
}

// TestRecentTemplates checks that the table of recent definitions gives
// what the chunk's map holds, also after a definition at the same offset
// replaces another (a recovered record's reference read where it points)
// and for offsets that share an entry of the table.
func TestRecentTemplates(t *testing.T) {
	d := newChunkInspector(make([]byte, chunkSize))
	n := uint32(len(d.recent))
	t1, t2, t3 := &templateDef{id: 1}, &templateDef{id: 2}, &templateDef{id: 3}
	assert.Nil(t, d.template(600))
	d.define(600, t1)
	assert.Same(t, t1, d.template(600))
	assert.Same(t, t1, d.template(600)) // from the table
	d.define(600, t2)
	assert.Same(t, t2, d.template(600))
	d.define(600+n, t3)
	assert.Same(t, t3, d.template(600+n))
	assert.Same(t, t2, d.template(600))
	assert.Nil(t, d.template(600+2*n))
	assert.Same(t, t2, d.template(600))
}

// nestedDefinitions returns a fragment at chunk offset base defining
// levels templates (IDs id+levels down to id+1), each in the BinXML
// argument of the one before; the innermost argument refers back to the
// definition ref() returns (found among the record's pending
// definitions). defs gathers the definitions' offsets, outermost first.
func nestedDefinitions(base, levels int, id uint32, defs *[]uint32, ref func() (id, off uint32)) []byte {
	v := &bxb{base: base}
	v.frag()
	if levels == 0 {
		v.ref(ref()).args().eof()
		return v.b
	}
	*defs = append(*defs, v.inline(id+uint32(levels), func(b *bxb) {
		b.frag().open("E", false).closeStart().sub(0, TypeBinXML).end().eof()
	}))
	at := v.pos() + 8 // past the argument count and descriptor
	v.args(arg{TypeBinXML, nestedDefinitions(at, levels-1, id, defs, ref)}).eof()
	return v.b
}

// TestPendingDefinitions checks that a record referring to a template it
// defined itself finds it, the first or the last it defined, whether the
// record's definitions are few (looked up one by one) or more than
// maxPendingScan (indexed by offset).
func TestPendingDefinitions(t *testing.T) {
	for _, levels := range []int{1, 3, maxPendingScan, maxPendingScan + 1, 12} {
		for _, last := range []bool{false, true} {
			t.Run(fmt.Sprint(levels, last), func(t *testing.T) {
				c := newTestChunk()
				var defs []uint32
				ref := func() (uint32, uint32) {
					if last {
						return 101, defs[len(defs)-1]
					}
					return 100 + uint32(levels), defs[0]
				}
				off, size := c.add(func(w *bxb) {
					w.raw(nestedDefinitions(w.pos(), levels, 100, &defs, ref))
				})
				plan, err := newChunkInspector(c.buf).inspect(off, size)
				require.NoError(t, err)
				require.NotNil(t, plan)
				assert.ElementsMatch(t, defs, plan.defined)
			})
		}
	}
}

// TestTemplateCacheDroppedBody checks that a cached body drops its nodes
// once compiled at every place asked for, and that a later chunk which
// needs them, to compile the body at a new place (a BinXML value's
// instance under another element) or to walk it node by node (places
// full), parses them again: the inspections equal a fresh scratch's, and
// the body walked node by node keeps its nodes.
func TestTemplateCacheDroppedBody(t *testing.T) {
	body7 := func(b *bxb) {
		b.frag().open("A", false).closeStart().open("B", false).closeStart().sub(0, TypeString).end().end().eof()
	}
	first := newTestChunk()
	first.add(func(w *bxb) { w.frag(); w.inline(7, body7); w.args(aStr("one")).eof() })

	second := newTestChunk()
	var def7 uint32
	second.add(func(w *bxb) { w.frag(); def7 = w.inline(7, body7); w.args(aStr("two")).eof() })
	places := maxProgramsPerTemplate + 1 // the root's, then one per wrapper; the last walked node by node
	for i := 1; i < places; i++ {
		second.add(func(w *bxb) {
			w.frag()
			w.inline(uint32(100+i), func(b *bxb) {
				b.frag().open(fmt.Sprintf("E%d", i), false).closeStart().sub(0, TypeBinXML).end().eof()
			})
			at := w.pos() + 8
			v := &bxb{base: at}
			v.frag().ref(7, def7).args(aStr(fmt.Sprintf("nested %d", i))).eof()
			w.args(arg{TypeBinXML, v.b}).eof()
		})
	}

	sc := &bxScratch{}
	require.Equal(t, inspectAll(first.buf, nil), inspectAll(first.buf, sc))
	require.Len(t, sc.tmpl.m, 1)
	var (
		k bxTmplKey
		e *bxTmplEntry
	)
	for k, e = range sc.tmpl.m {
	}
	assert.True(t, e.dropped, "the body compiled at its only place keeps its nodes")
	assert.Nil(t, e.body)

	want := inspectAll(second.buf, nil)
	for i, s := range want {
		require.Empty(t, s.Err, "record %d", i)
		require.NotEmpty(t, s.Values, "record %d", i)
	}
	assert.Equal(t, want, inspectAll(second.buf, sc))
	require.Same(t, e, sc.tmpl.m[k])
	assert.Len(t, e.progs, maxProgramsPerTemplate)
	assert.False(t, e.dropped, "a body walked node by node drops its nodes")
	assert.NotEmpty(t, e.body)

	// An inspector walking node by node (the tests' reference) after one
	// that dropped the body, with the same scratch.
	sc = &bxScratch{}
	inspectAll(first.buf, sc)
	d := newChunkInspectorScratch(second.buf, sc)
	d.nodeByNode = true
	plan, err := d.inspect(chunkHeaderSize, int(binary.LittleEndian.Uint32(second.buf[chunkHeaderSize+4:])))
	require.NoError(t, err)
	assert.Equal(t, want[0].Values, plan.ordered)
}
