package evtx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDirectInspectEqualsPlan checks, record by record on the fixtures and
// the sample corpus, that a direct inspection (the Event built as the
// values are walked, through the templates' compiled programs, repeated
// values taken from their memos) gives what
// the values listed node by node and applied by eventFromValues give, and
// the same refusals; and that it builds the Event exactly when the listed
// plan resolves with no error.
func TestDirectInspectEqualsPlan(t *testing.T) {
	direct := 0
	for _, path := range bxCorpus(t) {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		name := filepath.Base(path)
		// The direct inspections share one scratch across the file's
		// chunks, as a reader's worker does: its template cache,
		// compiled programs and value memos carry over.
		sc := &bxScratch{}
		eachChunk(b, func(base int, chunk []byte, free int) {
			sc.plans.reset()
			list, fast := newChunkInspector(chunk), newChunkInspectorScratch(chunk, sc)
			list.nodeByNode, fast.direct = true, true
			eachRecord(chunk, free, func(off, size int) {
				lp, lerr := list.inspect(off, size)
				fp, ferr := fast.inspect(off, size)
				at := fmt.Sprintf("%s, chunk at %d, record at %d", name, base, off)
				if assert.Equal(t, lerr == nil, ferr == nil, at) && lerr != nil {
					assert.Equal(t, lerr.Error(), ferr.Error(), at)
				}
				require.Equal(t, lp == nil, fp == nil, at)
				if fp != nil {
					wantEv := lerr == nil && (&chunkDecoder{}).resolved(lp)
					if assert.Equal(t, wantEv, fp.ev != nil, at) && wantEv {
						assert.Equal(t, eventFromValues(lp), fp.ev, at)
						direct++
					}
					assert.Equal(t, lp.defined, fp.defined, at)
				}
			})
		})
	}
	assert.Positive(t, direct, "no record was built directly")
}

// eachChunk calls f with every chunk of an EVTX image and its free-space
// offset (the whole chunk when the header's is out of range).
func eachChunk(b []byte, f func(base int, chunk []byte, free int)) {
	for base := 4096; base+chunkSize <= len(b); base += chunkSize {
		chunk := b[base : base+chunkSize]
		if string(chunk[:8]) != chunkMagic {
			continue
		}
		free := int(binary.LittleEndian.Uint32(chunk[48:]))
		if free < chunkHeaderSize || free > chunkSize {
			free = chunkSize
		}
		f(base, chunk, free)
	}
}

// eachRecord calls f with the offset and size of each record framed one
// after the other from the chunk's header up to free, stopping at the first
// that is not a record or does not fit.
func eachRecord(chunk []byte, free int, f func(off, size int)) {
	for off := chunkHeaderSize; off+bxRecMin <= free && [4]byte(chunk[off:off+4]) == bxRecMagic; off += int(binary.LittleEndian.Uint32(chunk[off+4:])) {
		size := int(binary.LittleEndian.Uint32(chunk[off+4:]))
		if size < bxRecMin || off+size > len(chunk) {
			return
		}
		f(off, size)
	}
}

// TestTypedSystemEqualsText checks, for every System field and scalar
// type, on sizes right and wrong and on edge values, that bxCheckScalar
// refuses what bxAppendScalar refuses, with the same message, and that a
// field set from the stored bytes (setSystemTyped) is the field set from
// the rendering (setSystem).
func TestTypedSystemEqualsText(t *testing.T) {
	le := func(n uint64, size int) []byte { return binary.LittleEndian.AppendUint64(nil, n)[:size] }
	values := []uint64{0, 1, 7, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
		1 << 32, 1<<63 - 1, 1 << 63, 1<<64 - 1, 132434567890123456}
	types := []Type{TypeNull, TypeString, TypeAnsiString, TypeInt8, TypeUint8, TypeInt16, TypeUint16, TypeInt32,
		TypeUint32, TypeInt64, TypeUint64, TypeReal32, TypeReal64, TypeBool, TypeBinary, TypeGUID, TypeSizeT,
		TypeFileTime, TypeSysTime, TypeSID, TypeHexInt32, TypeHexInt64, Type(0x7f)}
	typed := 0
	for _, typ := range types {
		for _, size := range []int{0, 1, 2, 3, 4, 8, 12, 16} {
			for _, v := range values {
				b := le(v, min(size, 8))
				if size > 8 {
					b = append(b, le(^v, size-8)...)
				}
				at := fmt.Sprintf("type 0x%02x, %d bytes, 0x%x", uint8(typ), size, v)
				text, rerr := bxAppendScalar(nil, typ, b)
				cerr := bxCheckScalar(typ, b)
				if !assert.Equal(t, rerr == nil, cerr == nil, at) {
					continue
				}
				if rerr != nil {
					assert.Equal(t, rerr.Error(), cerr.Error(), at)
					continue
				}
				a := &bxArg{typ: typ, size: int32(len(b)), scalar: true}
				var ft uint64
				if typ == TypeFileTime {
					ft = binary.LittleEndian.Uint64(b)
				}
				for i := range systemFields {
					var want, got Event
					setSystem(&want, i, &typedValue{Type: typ, Text: string(text), FileTime: ft})
					if setSystemTyped(&got, i, a, b) {
						typed++
						assert.Equal(t, want, got, "%s, field %s", at, systemFields[i].path)
					}
				}
			}
		}
	}
	assert.Positive(t, typed, "no field was set from bytes")
}

// TestProgramsEqualNodeByNode checks, record by record on the fixtures and
// the sample corpus, that walking the templates' compiled programs lists
// the same values, paths, offsets and steps as walking their nodes, with
// the same refusals.
func TestProgramsEqualNodeByNode(t *testing.T) {
	compiled := 0
	for _, path := range bxCorpus(t) {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		name := filepath.Base(path)
		eachChunk(b, func(base int, chunk []byte, free int) {
			nodes, progs := newChunkInspector(chunk), newChunkInspector(chunk)
			nodes.nodeByNode = true
			eachRecord(chunk, free, func(off, size int) {
				np, nerr := nodes.inspect(off, size)
				pp, perr := progs.inspect(off, size)
				at := fmt.Sprintf("%s, chunk at %d, record at %d", name, base, off)
				if assert.Equal(t, nerr == nil, perr == nil, at) && nerr != nil {
					assert.Equal(t, nerr.Error(), perr.Error(), at)
				}
				require.Equal(t, np == nil, pp == nil, at)
				if pp != nil {
					require.Equal(t, len(np.ordered), len(pp.ordered), at)
					for i := range np.ordered {
						assert.Equal(t, np.ordered[i].Path, pp.ordered[i].Path, at)
						assert.Equal(t, np.ordered[i].Value, pp.ordered[i].Value, at)
					}
					assert.Equal(t, np.sys, pp.sys, at)
					assert.Equal(t, np.nData, pp.nData, at)
				}
				assert.Equal(t, nodes.steps, progs.steps, at)
			})
			for _, tmpl := range progs.templates {
				for _, pp := range append(tmpl.progs, entryProgs(tmpl)...) {
					if pp.prog != nil {
						compiled++
					}
				}
			}
		})
	}
	assert.Positive(t, compiled, "no template was compiled")
}

func entryProgs(t *templateDef) bxPrograms {
	if t.entry == nil {
		return nil
	}
	return t.entry.progs
}

// TestGUIDRenderingNeedsNoRenderGUID checks that the pre-pass renders a
// GUID value in the form renderGUID gives, which the GUID System fields
// take verbatim (systemSetter.guid).
func TestGUIDRenderingNeedsNoRenderGUID(t *testing.T) {
	for _, b := range [][]byte{make([]byte, 16), bytes.Repeat([]byte{0xff}, 16),
		{0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}} {
		s := bxGUID(b)
		assert.Equal(t, renderGUID(s), s)
		for i := range systemFields {
			if systemFields[i].guid == nil {
				continue
			}
			var want, got Event
			systemFields[i].text(&want, s)
			systemFields[i].guid(&got, s)
			assert.Equal(t, want, got, systemFields[i].path)
		}
	}
}

// TestStringArrayItems checks the items of String arrays against
// unicode/utf16's decoding of the NUL-separated units, on units chosen to
// hit ASCII, other BMP characters, surrogate pairs, lone and reversed
// surrogates, empty items and a missing last terminator.
func TestStringArrayItems(t *testing.T) {
	units := []uint16{'a', 'Z', 0, 0xe9, 0x4e2d, 0xd83d, 0xde00, 0xdc00, 0xd800, 0xfffd, 0xffff, '~'}
	rnd := uint64(1)
	next := func() uint64 { rnd = rnd*6364136223846793005 + 1442695040888963407; return rnd >> 33 }
	for n := range 2000 {
		u := make([]uint16, n%23)
		for i := range u {
			u[i] = units[next()%uint64(len(units))]
		}
		b := make([]byte, 2*len(u))
		for i, c := range u {
			binary.LittleEndian.PutUint16(b[2*i:], c)
		}
		var want []string
		start := 0
		for i, c := range u {
			if c == 0 {
				want = append(want, string(utf16.Decode(u[start:i])))
				start = i + 1
			}
		}
		if start < len(u) {
			want = append(want, string(utf16.Decode(u[start:])))
		}
		got, err := bxArray(TypeString, b)
		require.NoError(t, err)
		if len(want) == 0 {
			assert.Empty(t, got, "%x", u)
			continue
		}
		assert.Equal(t, want, got, "%x", u)
	}
}

// TestUTF16Rendering checks String renderings against unicode/utf16's
// decoding with trailing NULs trimmed, on lengths across the eight- and
// four-character ASCII steps, with non-ASCII characters, surrogates and
// NULs at every position.
func TestUTF16Rendering(t *testing.T) {
	units := []uint16{'a', 'z', '0', '~', 0x7f, 0x80, 0xe9, 0x4e2d, 0xd83d, 0xde00, 0}
	rnd := uint64(7)
	next := func() uint64 { rnd = rnd*6364136223846793005 + 1442695040888963407; return rnd >> 33 }
	for n := range 3000 {
		u := make([]uint16, n%41)
		ascii := next()%2 == 0
		for i := range u {
			if ascii && next()%16 != 0 {
				u[i] = uint16('a' + next()%26)
			} else {
				u[i] = units[next()%uint64(len(units))]
			}
		}
		b := make([]byte, 2*len(u))
		for i, c := range u {
			binary.LittleEndian.PutUint16(b[2*i:], c)
		}
		k := len(u)
		for k > 0 && u[k-1] == 0 {
			k--
		}
		assert.Equal(t, string(utf16.Decode(u[:k])), string(bxAppendUTF16([]byte("x"), b))[1:], "%x", u)
	}
}

// TestScalarCheckTable checks the table parseInstance uses to pass a
// scalar argument without calling bxCheckScalar: whatever it passes,
// bxCheckScalar passes too, and it never passes a BinXML or array value;
// a fixed-size type of another size is left to bxCheckScalar.
func TestScalarCheckTable(t *testing.T) {
	passed := 0
	for typ := range 256 {
		for _, size := range []int{0, 1, 2, 3, 4, 7, 8, 12, 16, 17, 255, 256} {
			k := bxScalarCheck[typ]
			fast := k == 0 || k != 0xff && int(k) == size
			if !fast {
				continue
			}
			passed++
			at := fmt.Sprintf("type 0x%02x, %d bytes", typ, size)
			assert.NoError(t, bxCheckScalar(Type(typ), make([]byte, size)), at)
			assert.NotEqual(t, TypeBinXML, Type(typ), at)
			assert.Zero(t, Type(typ)&TypeArrayFlag, at)
			if n := bxFixedSize(Type(typ)); n != 0 {
				assert.Equal(t, n, size, at)
			}
		}
	}
	assert.Positive(t, passed)
	for _, typ := range []Type{TypeBool, TypeSizeT, TypeSID, TypeBinXML, TypeArrayFlag | TypeUint16} {
		assert.Equal(t, uint8(0xff), bxScalarCheck[typ], "type 0x%02x", uint8(typ))
	}
}

// TestProgramsEqualNodeByNodeBuilt is TestProgramsEqualNodeByNode on built
// records that the corpus lacks: elements and attributes that Null
// optional arguments leave out among elements that only take a step, and
// records that reach the step and value limits in the middle of a
// program, after nested BinXML values or arrays made the program's run
// check each step (bxWalker.run, runChecked).
func TestProgramsEqualNodeByNodeBuilt(t *testing.T) {
	null, str := aRaw(TypeNull), aStr("v")
	optional := func(as ...arg) func(c *testChunk) {
		return func(c *testChunk) {
			c.add(func(w *bxb) {
				w.frag()
				w.inline(7, func(b *bxb) {
					b.frag().open("A", false).closeStart()
					b.open("P", false).closeEmpty()
					b.open("B", true).attr("x").opt(0, TypeString).attr("y").text("lit").closeStart().opt(1, TypeString).end()
					b.open("Q", false).closeStart().open("R", false).closeEmpty().end()
					b.text("t")
					b.open("C", true).attr("z").opt(2, TypeString).opt(0, TypeString).closeStart().opt(2, TypeString).end()
					b.open("S", false).closeEmpty()
					b.open("D", false).closeStart().opt(1, TypeString).end()
					b.open("G", false).closeStart().opt(3, TypeString).end()
					b.end().eof()
				})
				w.args(as...).eof()
			})
		}
	}
	tests := []struct {
		name  string
		build func(c *testChunk)
		err   string
	}{
		{"optional, none Null", optional(str, str, str), ""},
		{"optional, all Null", optional(null, null, null), ""},
		{"optional, first Null", optional(null, str, str), ""},
		{"optional, last Null", optional(str, str, null), ""},
		{"optional, missing arguments", optional(null, null), ""},
		{"fan-out within the limits", func(c *testChunk) {
			c.add(func(w *bxb) { w.raw(fanOut(w.pos(), 2, 300)) })
		}, ""},
		{"step limit of the record", func(c *testChunk) {
			c.add(func(w *bxb) { w.raw(fanOut(w.pos(), 3, 100)) })
		}, "more than 262144 steps"},
		{"step limit of the chunk", func(c *testChunk) {
			for id := uint32(1000); c.next < chunkSize-4000; id += 10 {
				c.add(func(w *bxb) { w.raw(fanOutIDs(w.pos(), 2, 300, id)) })
			}
		}, "chunk's records takes more than"},
		{"step limit after a nested value, in the program", func(c *testChunk) {
			// The nested value's expansion takes S steps, leaving too
			// few for the K elements after it: the run goes on
			// checking each, and the limit falls among them.
			scratch := newTestChunk()
			off, size := scratch.add(func(w *bxb) { w.raw(fanOutIDs(w.pos(), 2, 361, 500)) })
			d := newChunkInspector(scratch.buf)
			_, err := d.inspect(off, size)
			require.NoError(t, err)
			k := maxStepsPerRecord - d.steps + 50
			require.True(t, k > 60 && k < maxProgramOps-10, "k = %d", k)
			c.add(func(w *bxb) {
				w.frag()
				w.inline(900, func(b *bxb) {
					b.frag().open("E", false).closeStart().sub(0, TypeBinXML)
					for range k {
						b.open("F", false).closeEmpty()
					}
					b.end().eof()
				})
				at := w.pos() + 8
				w.args(arg{TypeBinXML, fanOutIDs(at, 2, 361, 500)}).eof()
			})
		}, "more than 262144 steps"},
		{"value limit", func(c *testChunk) {
			c.add(func(w *bxb) {
				w.frag()
				w.inline(5, func(b *bxb) {
					b.frag().open("E", false).closeStart()
					for i := 0; i < 40; i++ {
						b.open("F", false).closeStart().sub(0, 0x86).end()
					}
					b.end().eof()
				})
				w.args(arg{0x86, make([]byte, 2*250)}).eof()
			})
		}, "more than 8192 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestChunk()
			tt.build(c)
			nodes, progs := newChunkInspector(c.buf), newChunkInspector(c.buf)
			nodes.nodeByNode = true
			var lastErr error
			for off := chunkHeaderSize; off < c.next; {
				size := int(binary.LittleEndian.Uint32(c.buf[off+4:]))
				np, nerr := nodes.inspect(off, size)
				pp, perr := progs.inspect(off, size)
				at := fmt.Sprintf("record at %d", off)
				if assert.Equal(t, nerr == nil, perr == nil, at) && nerr != nil {
					assert.Equal(t, nerr.Error(), perr.Error(), at)
				}
				require.Equal(t, np == nil, pp == nil, at)
				if pp != nil {
					require.Equal(t, len(np.ordered), len(pp.ordered), at)
					for i := range np.ordered {
						assert.Equal(t, np.ordered[i].Path, pp.ordered[i].Path, at)
						assert.Equal(t, np.ordered[i].Value, pp.ordered[i].Value, at)
					}
				}
				assert.Equal(t, nodes.steps, progs.steps, at)
				lastErr = perr
				off += size
			}
			if tt.err == "" {
				assert.NoError(t, lastErr)
			} else if assert.Error(t, lastErr) {
				assert.Contains(t, lastErr.Error(), tt.err)
			}
			compiled := 0
			for _, e := range progs.sc.tmpl.m {
				for _, pp := range e.progs {
					if pp.prog != nil {
						compiled++
					}
				}
			}
			for _, tmpl := range progs.templates {
				for _, pp := range tmpl.progs {
					if pp.prog != nil {
						compiled++
					}
				}
			}
			assert.Positive(t, compiled, "no template was compiled")
		})
	}
}

// TestSysTextEqualsFieldTable checks that setSysText, which sets the text
// System fields without systemFields' function values, sets every field
// as the table does: text (setSystem) for any type, and a GUID value's
// rendering as is.
func TestSysTextEqualsFieldTable(t *testing.T) {
	texts := []string{"", "x", "Microsoft-Windows-SMBServer", "{3C4D5E6F-0000-1111-2222-333344445555}",
		"{3c4d5e6f-0000-1111-2222-333344445555}", "3C4D5E6F-0000-1111-2222-333344445555", "42", "-1", "70000",
		"2026-12-02T04:00:00.0000000Z"}
	for i := range systemFields {
		for _, typ := range []Type{TypeString, TypeGUID, TypeUint16, TypeSID} {
			for _, text := range texts {
				var want, got Event
				if f := &systemFields[i]; typ == TypeGUID && f.guid != nil {
					f.guid(&want, text)
				} else {
					setSystem(&want, i, &typedValue{Text: text})
				}
				setSysText(&got, i, typ, text)
				assert.Equal(t, want, got, "field %s, type 0x%02x, %q", systemFields[i].path, uint8(typ), text)
			}
		}
	}
}

// TestDirectSystemFirstValue checks that a System field given twice by a
// template, by substitutions (a number, set from its bytes, and a name, set
// from its text) or by literal text, takes its first value when the
// record's Event is built directly from the compiled program, as the
// listed plan does.
func TestDirectSystemFirstValue(t *testing.T) {
	cases := []struct {
		name string
		body func(t *bxb)
		args []arg
	}{
		{"substitutions", func(t *bxb) {
			t.frag().open("Event", false).closeStart().open("System", false).closeStart()
			t.open("Provider", true).attr("Name").sub(0, TypeString).closeEmpty()
			t.open("EventID", false).closeStart().sub(1, TypeUint16).end()
			t.open("Provider", true).attr("Name").sub(2, TypeString).closeEmpty()
			t.open("EventID", false).closeStart().sub(3, TypeUint16).end()
			t.end().end().eof()
		}, []arg{aStr("First"), aU16(3021), aStr("Second"), aU16(7)}},
		{"literal text", func(t *bxb) {
			t.frag().open("Event", false).closeStart().open("System", false).closeStart()
			t.open("Provider", true).attr("Name").text("First").closeEmpty()
			t.open("EventID", false).closeStart().text("3021").end()
			t.open("Provider", true).attr("Name").text("Second").closeEmpty()
			t.open("EventID", false).closeStart().text("7").end()
			t.end().end().eof()
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestChunk()
			off, size := c.add(func(w *bxb) {
				w.frag()
				w.inline(0x2222, tc.body)
				w.args(tc.args...).eof()
			})
			lp, err := newChunkInspector(c.buf).inspect(off, size)
			require.NoError(t, err)
			d := newChunkInspectorScratch(c.buf, &bxScratch{})
			d.direct = true
			fp, err := d.inspect(off, size)
			require.NoError(t, err)
			require.NotNil(t, fp.ev, "built directly")
			assert.Equal(t, "First", fp.ev.Provider)
			assert.Equal(t, uint16(3021), fp.ev.EventID)
			assert.Equal(t, eventFromValues(lp), fp.ev)
		})
	}
}
