package evtx

import (
	"encoding/binary"
	"unicode/utf16"
)

// Test helpers that assemble BinXML and chunks byte by byte, so that every
// structure the pre-pass reads can be built well-formed or damaged on purpose.

// bxb appends BinXML to a buffer that will land at chunk offset base.
type bxb struct {
	b    []byte
	base int
	tmpl bool // inside a template body: element starts carry a dependency ID
}

func (w *bxb) pos() int { return w.base + len(w.b) }

func (w *bxb) u8(v uint8) *bxb { w.b = append(w.b, v); return w }
func (w *bxb) u16(v uint16) *bxb {
	w.b = binary.LittleEndian.AppendUint16(w.b, v)
	return w
}
func (w *bxb) u32(v uint32) *bxb {
	w.b = binary.LittleEndian.AppendUint32(w.b, v)
	return w
}
func (w *bxb) raw(p []byte) *bxb { w.b = append(w.b, p...); return w }

func utf16le(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

// frag writes a fragment header.
func (w *bxb) frag() *bxb { return w.raw([]byte{0x0f, 1, 1, 0}) }

// name writes an inline name.
func (w *bxb) name(s string) *bxb {
	w.u32(uint32(w.pos() + 4))
	w.u32(0).u16(0).u16(uint16(len([]rune(s))))
	return w.raw(utf16le(s)).u16(0)
}

// open writes an element start with an inline name.
func (w *bxb) open(name string, attrs bool) *bxb {
	t := uint8(0x01)
	if attrs {
		t = 0x41
	}
	w.u8(t)
	if w.tmpl {
		w.u16(0xffff)
	}
	w.u32(0).name(name)
	if attrs {
		w.u32(0)
	}
	return w
}

// openRef writes an element start whose name is referenced at off.
func (w *bxb) openRef(off uint32) *bxb {
	w.u8(0x01)
	if w.tmpl {
		w.u16(0xffff)
	}
	return w.u32(0).u32(off)
}

func (w *bxb) attr(name string) *bxb { return w.u8(0x06).name(name) }
func (w *bxb) text(s string) *bxb {
	return w.u8(0x05).u8(0x01).u16(uint16(len(utf16.Encode([]rune(s))))).raw(utf16le(s))
}
func (w *bxb) charRef(c uint16) *bxb      { return w.u8(0x08).u16(c) }
func (w *bxb) entityRef(n string) *bxb    { return w.u8(0x09).name(n) }
func (w *bxb) sub(id uint16, t Type) *bxb { return w.u8(0x0d).u16(id).u8(uint8(t)) }
func (w *bxb) opt(id uint16, t Type) *bxb { return w.u8(0x0e).u16(id).u8(uint8(t)) }
func (w *bxb) closeStart() *bxb           { return w.u8(0x02) }
func (w *bxb) closeEmpty() *bxb           { return w.u8(0x03) }
func (w *bxb) end() *bxb                  { return w.u8(0x04) }
func (w *bxb) eof() *bxb                  { return w.u8(0x00) }

// dataElem writes <Data Name="name">%id</Data>.
func (w *bxb) dataElem(name string, id uint16, t Type) *bxb {
	return w.open("Data", true).attr("Name").text(name).closeStart().sub(id, t).end()
}

// inline writes a template instance with an inline definition whose body is
// written by body, and returns the definition's chunk offset.
func (w *bxb) inline(id uint32, body func(t *bxb)) uint32 {
	w.u8(0x0c).u8(1).u32(id)
	def := uint32(w.pos() + 4)
	w.u32(def)
	w.u32(0)                                     // next definition
	w.raw([]byte{byte(id), byte(id >> 8), 2, 3}) // GUID, first 4 bytes
	w.raw(make([]byte, 12))
	sizeAt := len(w.b)
	w.u32(0)
	t := &bxb{base: w.pos(), tmpl: true}
	body(t)
	binary.LittleEndian.PutUint32(w.b[sizeAt:], uint32(len(t.b)))
	w.raw(t.b)
	return def
}

// ref writes a template instance referring to the definition at def.
func (w *bxb) ref(id, def uint32) *bxb { return w.u8(0x0c).u8(1).u32(id).u32(def) }

// arg is a template argument.
type arg struct {
	t Type
	b []byte
}

// args writes the argument count, descriptors and values.
func (w *bxb) args(as ...arg) *bxb {
	w.u32(uint32(len(as)))
	for _, a := range as {
		w.u16(uint16(len(a.b))).u8(uint8(a.t)).u8(0)
	}
	for _, a := range as {
		w.raw(a.b)
	}
	return w
}

func aStr(s string) arg          { return arg{TypeString, utf16le(s)} }
func aU16(v uint16) arg          { return arg{TypeUint16, binary.LittleEndian.AppendUint16(nil, v)} }
func aFT(v uint64) arg           { return arg{TypeFileTime, binary.LittleEndian.AppendUint64(nil, v)} }
func aRaw(t Type, b ...byte) arg { return arg{t, b} }

// testChunk is a chunk being assembled.
type testChunk struct {
	buf  []byte
	next int
	n    int
}

func newTestChunk() *testChunk {
	c := &testChunk{buf: make([]byte, chunkSize), next: chunkHeaderSize}
	copy(c.buf, "ElfChnk\x00")
	return c
}

// add appends a record whose BinXML body writes, and returns its offset and
// size.
func (c *testChunk) add(body func(w *bxb)) (off, size int) {
	off = c.next
	w := &bxb{base: off + 24}
	body(w)
	size = 24 + len(w.b) + 4
	c.n++
	h := c.buf[off:]
	copy(h, bxRecMagic[:])
	binary.LittleEndian.PutUint32(h[4:], uint32(size))
	binary.LittleEndian.PutUint64(h[8:], uint64(c.n))
	binary.LittleEndian.PutUint64(h[16:], 133000000000000000+uint64(c.n))
	copy(h[24:], w.b)
	binary.LittleEndian.PutUint32(h[size-4:], uint32(size))
	c.next += size
	// Keep the chunk header plausible for the Velocidex cross-check.
	binary.LittleEndian.PutUint64(c.buf[8:], 1)
	binary.LittleEndian.PutUint64(c.buf[16:], uint64(c.n))
	binary.LittleEndian.PutUint64(c.buf[24:], 1)
	binary.LittleEndian.PutUint64(c.buf[32:], uint64(c.n))
	binary.LittleEndian.PutUint32(c.buf[48:], uint32(c.next)) // free space
	return off, size
}

// oneValue is a record holding one instance of a template with a single
// <Data Name="V"> of substitution 0, typed t, with the given arguments.
func oneValue(id uint32, t Type, as ...arg) func(w *bxb) {
	if t == TypeNull {
		t = TypeString // a null declared type is a decoder hazard of its own
	}
	return func(w *bxb) {
		w.frag()
		w.inline(id, func(b *bxb) {
			b.frag().open("Event", false).closeStart().
				open("EventData", false).closeStart().
				dataElem("V", 0, t).
				end().end().eof()
		})
		w.args(as...).eof()
	}
}
