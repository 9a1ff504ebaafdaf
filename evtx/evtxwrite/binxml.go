package evtxwrite

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"unicode/utf16"

	"github.com/evtxkit/smbreadiness/evtx"
)

// BinXML tokens.
const (
	tokEOF          = 0x00
	tokOpenStart    = 0x01
	tokCloseStart   = 0x02
	tokCloseEmpty   = 0x03
	tokEndElement   = 0x04
	tokValue        = 0x05
	tokAttribute    = 0x06
	tokCharRef      = 0x08
	tokEntityRef    = 0x09
	tokTemplate     = 0x0c
	tokNormalSubst  = 0x0d
	tokOptionalSubs = 0x0e
	tokFragment     = 0x0f
	flagMore        = 0x40 // on 0x01: has attributes; on 0x06: more attributes follow
	noDependency    = 0xffff
)

// subst is a substitution slot of a template.
type subst struct {
	id       uint16
	typ      evtx.Type
	optional bool
}

// item is one piece of element content, or an attribute value: exactly one
// of node, text, sub, entity or charRef is set.
type item struct {
	node    *node
	text    *string
	sub     *subst
	entity  *string // entity reference by name ("amp")
	charRef *uint16 // character reference (&#NN;)
}

type attr struct {
	name  string
	value item // text or sub
}

// node is an element of a template.
type node struct {
	name    string
	attrs   []attr
	content []item
}

func lit(s string) item                        { return item{text: &s} }
func opt(id uint16, t evtx.Type) item          { return item{sub: &subst{id: id, typ: t, optional: true}} }
func norm(id uint16, t evtx.Type) item         { return item{sub: &subst{id: id, typ: t}} }
func elem(n *node) item                        { return item{node: n} }
func el(name string, content ...item) *node    { return &node{name: name, content: content} }
func (n *node) with(name string, v item) *node { n.attrs = append(n.attrs, attr{name, v}); return n }

// key is a canonical description of the template; equal keys mean equal
// templates.
func (n *node) key(b *strings.Builder) {
	b.WriteString("<" + n.name)
	for _, a := range n.attrs {
		b.WriteString(" " + a.name + "=")
		a.value.key(b)
	}
	b.WriteString(">")
	for _, c := range n.content {
		c.key(b)
	}
	b.WriteString("</>")
}

func (it item) key(b *strings.Builder) {
	switch {
	case it.node != nil:
		it.node.key(b)
	case it.text != nil:
		b.WriteString("'" + strings.ReplaceAll(*it.text, "'", "''") + "'")
	case it.sub != nil:
		if it.sub.optional {
			b.WriteString("?")
		} else {
			b.WriteString("%")
		}
		b.WriteString(itoa16(it.sub.id) + ":" + itoa16(uint16(it.sub.typ)))
	case it.entity != nil:
		b.WriteString("&" + *it.entity + ";")
	case it.charRef != nil:
		b.WriteString("&#" + itoa16(*it.charRef) + ";")
	}
}

// literalText splits s into the items BinXML stores it as: runs of text,
// the characters & < > " ' as entity references, control characters other
// than tab, LF and CR as character references.
func literalText(s string) []item {
	var out []item
	var run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			out = append(out, lit(run.String()))
			run.Reset()
		}
	}
	for _, r := range s {
		name := ""
		switch r {
		case '&':
			name = "amp"
		case '<':
			name = "lt"
		case '>':
			name = "gt"
		case '"':
			name = "quot"
		case '\'':
			name = "apos"
		}
		switch {
		case name != "":
			flush()
			out = append(out, item{entity: &name})
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			flush()
			c := uint16(r)
			out = append(out, item{charRef: &c})
		default:
			run.WriteRune(r)
		}
	}
	flush()
	return out
}

func itoa16(v uint16) string {
	const hexd = "0123456789abcdef"
	return string([]byte{hexd[v>>12&15], hexd[v>>8&15], hexd[v>>4&15], hexd[v&15]})
}

// template is a template ready to be placed in chunks.
type template struct {
	root *node
	key  string
	guid [16]byte
}

func newTemplate(root *node) *template {
	var b strings.Builder
	root.key(&b)
	t := &template{root: root, key: b.String()}
	sum := sha256.Sum256([]byte(t.key))
	copy(t.guid[:], sum[:16])
	return t
}

// nameHash is the 16-bit hash Windows stores with each name and uses to pick
// the string table bucket: h = h*65599 + c over the UTF-16 code units.
func nameHash(s string) uint16 {
	var h uint32
	for _, c := range utf16.Encode([]rune(s)) {
		h = h*65599 + uint32(c)
	}
	return uint16(h)
}

// enc appends BinXML to a buffer whose first byte lies at chunk offset base.
type enc struct {
	b    []byte
	base int
	c    *chunk
}

func (e *enc) pos() int  { return e.base + len(e.b) }
func (e *enc) u8(v byte) { e.b = append(e.b, v) }
func (e *enc) u16(v uint16) {
	e.b = binary.LittleEndian.AppendUint16(e.b, v)
}
func (e *enc) u32(v uint32) {
	e.b = binary.LittleEndian.AppendUint32(e.b, v)
}
func (e *enc) u64(v uint64) {
	e.b = binary.LittleEndian.AppendUint64(e.b, v)
}

// patch32 writes v at chunk offset at, which must lie in this buffer.
func (e *enc) patch32(at int, v uint32) {
	binary.LittleEndian.PutUint32(e.b[at-e.base:], v)
}

// name writes a name reference; the name itself is stored inline the first
// time it is used in the chunk and referenced by offset afterwards.
func (e *enc) name(s string) {
	if off, ok := e.c.strings[s]; ok {
		e.u32(off)
		return
	}
	off := uint32(e.pos() + 4)
	e.u32(off)
	h := nameHash(s)
	bucket := h % 64
	e.u32(e.c.strBuckets[bucket]) // next string in the same bucket
	e.c.strBuckets[bucket] = off
	e.c.strings[s] = off
	u := utf16.Encode([]rune(s))
	e.u16(h)
	e.u16(uint16(len(u)))
	for _, c := range u {
		e.u16(c)
	}
	e.u16(0)
}

func (e *enc) text(s string) {
	u := utf16.Encode([]rune(s))
	e.u8(tokValue)
	e.u8(byte(evtx.TypeString))
	e.u16(uint16(len(u)))
	for _, c := range u {
		e.u16(c)
	}
}

func (e *enc) value(it item) {
	switch {
	case it.text != nil:
		e.text(*it.text)
	case it.entity != nil:
		e.u8(tokEntityRef)
		e.name(*it.entity)
	case it.charRef != nil:
		e.u8(tokCharRef)
		e.u16(*it.charRef)
	case it.sub != nil:
		if it.sub.optional {
			e.u8(tokOptionalSubs)
		} else {
			e.u8(tokNormalSubst)
		}
		e.u16(it.sub.id)
		e.u8(byte(it.sub.typ))
	}
}

// dependency is the substitution an element's presence depends on: the
// first optional substitution among its direct content, as Windows sets it.
func (n *node) dependency() uint16 {
	for _, c := range n.content {
		if c.sub != nil && c.sub.optional {
			return c.sub.id
		}
	}
	return noDependency
}

// element writes n as template content (with its dependency identifier).
func (e *enc) element(n *node) {
	tok := byte(tokOpenStart)
	if len(n.attrs) > 0 {
		tok |= flagMore
	}
	e.u8(tok)
	e.u16(n.dependency())
	sizeAt := e.pos()
	e.u32(0)
	e.name(n.name)
	if len(n.attrs) > 0 {
		listAt := e.pos()
		e.u32(0)
		for i, a := range n.attrs {
			t := byte(tokAttribute)
			if i < len(n.attrs)-1 {
				t |= flagMore
			}
			e.u8(t)
			e.name(a.name)
			e.value(a.value)
		}
		e.patch32(listAt, uint32(e.pos()-listAt-4))
	}
	if len(n.content) == 0 {
		e.u8(tokCloseEmpty)
	} else {
		e.u8(tokCloseStart)
		for _, c := range n.content {
			if c.node != nil {
				e.element(c.node)
			} else {
				e.value(c)
			}
		}
		e.u8(tokEndElement)
	}
	e.patch32(sizeAt, uint32(e.pos()-sizeAt-4))
}

// arg is one substitution value of a template instance.
type arg struct {
	typ  evtx.Type
	data []byte
	// inner, when set, is a nested BinXML value (type 0x21) holding an
	// instance of another template; data is computed at its final place.
	inner *instance
}

type instance struct {
	t    *template
	args []arg
	// crafted writes an instance of a template the chunk never defined,
	// with an argument count of 0xFFFFFFFF (Damage.CraftedArgCount).
	crafted bool
}

// instance writes a template instance: the template is defined inline if the
// chunk does not hold it yet.
func (e *enc) instance(in *instance) {
	e.u8(tokTemplate)
	e.u8(0x01)
	if in.crafted {
		e.u32(0x0badf00d)
		e.u32(0xfff0)
		e.u32(0xffffffff)
		return
	}
	id, off, known := e.c.lookupTemplate(in.t)
	e.u32(id)
	if known {
		e.u32(off)
	} else {
		off = uint32(e.pos() + 4)
		e.u32(off)
		bucket := id % 32
		e.u32(e.c.tmplBuckets[bucket])
		e.c.tmplBuckets[bucket] = off
		e.c.defineTemplate(in.t, id, off)
		// The template's GUID starts with its identifier.
		e.u32(id)
		e.b = append(e.b, in.t.guid[4:]...)
		sizeAt := e.pos()
		e.u32(0)
		e.u8(tokFragment)
		e.u8(1)
		e.u8(1)
		e.u8(0)
		e.element(in.t.root)
		e.u8(tokEOF)
		e.patch32(sizeAt, uint32(e.pos()-sizeAt-4))
	}
	e.u32(uint32(len(in.args)))
	// Values before a nested BinXML value do not depend on its place; the
	// nested value is encoded at its final offset.
	valuesAt := e.pos() + 4*len(in.args)
	datas := make([][]byte, len(in.args))
	p := valuesAt
	for i, a := range in.args {
		if a.inner != nil {
			sub := &enc{base: p, c: e.c}
			sub.instance(a.inner)
			sub.u8(tokEOF)
			datas[i] = sub.b
		} else {
			datas[i] = a.data
		}
		p += len(datas[i])
	}
	for i, a := range in.args {
		e.u16(uint16(len(datas[i])))
		e.u8(byte(a.typ))
		e.u8(0)
	}
	for _, d := range datas {
		e.b = append(e.b, d...)
	}
}
