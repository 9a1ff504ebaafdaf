package evtx

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// bxKind tells what a parsed BinXML node is.
type bxKind uint8

const (
	kindElement  bxKind = iota + 1
	kindText            // value text, CDATA, character or entity reference
	kindSubst           // substitution (template bodies only)
	kindInstance        // template instance (outside template bodies)
	kindPI              // processing instruction: kept for grammar, never emitted
)

// bxNode is one parsed BinXML node.
type bxNode struct {
	kind     bxKind
	off      int    // chunk-relative offset of its token
	name     string // element name, PI target
	text     string // literal text
	subID    uint16 // substitution index
	subType  Type   // declared type of a substitution
	optional bool   // optional substitution (0x0e)
	// surrogate is the UTF-16 unit of a text node whose text ends with a
	// character reference to a lone surrogate (rendered U+FFFD), so that a
	// reference to its other half can still join it into one character.
	surrogate uint16
	attrs     []bxAttr
	children  []*bxNode
	inst      *bxInstance

	// walk is the walker's cache for an element, made when it is first
	// walked node by node (most template bodies run compiled, and their
	// nodes stay without one: smaller, with fewer pointers for the
	// collector to follow).
	walk *bxNodeWalk
}

// bxNodeWalk is a one-entry cache of an element's path: template bodies are
// expanded under the same parent path record after record.
type bxNodeWalk struct {
	cacheParent, cachePath *bxPath
	cacheSeg               string
	attrParent             *bxPath
	attrPaths              []*bxPath
	namedSeg               string // "Data[Name=X]", or "-" when not literal
}

type bxAttr struct {
	name  string
	value []*bxNode // kindText and kindSubst
}

// bxInstance is a template instance with its decoded arguments.
type bxInstance struct {
	tmpl *templateDef
	args []bxArg
	node bxNode // the instance's node (kindInstance)
}

// bxArg is one template argument. It holds no pointers, so that the
// per-record argument arena is neither cleared with write barriers nor
// scanned by the collector: its bytes are chunk[off:off+size] of the
// chunk being inspected (bytes), and a BinXML or array argument keeps
// what it parses in the scratch's side table (bxScratch.exts, entry ext).
type bxArg struct {
	typ Type
	// scalar marks a scalar argument: its rendering is not made when it
	// is parsed (only checked) but when a value needs it as text
	// (render), as text[ts:te] of the record's value text
	// (bxScratch.text), rendered set. A System field a number or a
	// FILETIME fills is set from the bytes, never rendered.
	scalar, rendered bool
	ts, te           int32
	size             int32 // of its bytes
	ext              int32 // BinXML and array arguments: index in bxScratch.exts
	off              int   // chunk-relative offset of its bytes
}

// bytes returns a's bytes in chunk, the chunk it was parsed from.
func (a *bxArg) bytes(chunk []byte) []byte {
	return chunk[a.off : a.off+int(a.size) : a.off+int(a.size)]
}

// bxArgExt is what a BinXML or array argument parses to.
type bxArgExt struct {
	sub []*bxNode // parsed content of a BinXML (0x21) argument
	cur bxCursor  // the cursor that parsed sub
	val typedValue
}

// recParser holds the state of one record's inspection.
type recParser struct {
	d    *chunkInspector
	plan *recordValues
	// defs lists the definitions met in this record, in the order met;
	// pending indexes them by offset once there are more than
	// maxPendingScan (pendingAt).
	defs       []*templateDef
	pending    map[uint32]*templateDef
	scanArrays int
	unsafe     error // first reason Velocidex would misread the record
	outer      bool  // the outermost instance has been described in plan
	outerTmpl  *templateDef
	// While a template body is parsed (inBody), names lists its name
	// references (see bxTmplCache).
	inBody    bool
	bodyStart int
	names     []bxNameRef
}

// reset readies p for a record, field by field (a typed copy of a whole
// parser costs a bulk write barrier while the collector marks).
func (p *recParser) reset(d *chunkInspector, plan *recordValues) {
	p.d, p.plan, p.pending, p.defs, p.scanArrays, p.unsafe = d, plan, nil, p.defs[:0], 0, nil
	p.outer, p.outerTmpl = false, nil
	p.inBody, p.bodyStart, p.names = false, 0, p.names[:0]
}

// markUnsafe records that Velocidex would misread the record.
func (p *recParser) markUnsafe(off int, format string, a ...any) {
	if p.unsafe == nil {
		p.unsafe = bxBadf(off, "well-formed, but the pinned Velocidex decoder would misread it: "+format, a...)
	}
}

// parseFragment parses a BinXML fragment: an optional run of fragment
// headers, elements and (outside templates) template instances, up to the
// EOF token, which must lie inside c's region. A fragment must start with a
// fragment header.
func (p *recParser) parseFragment(c *bxCursor, tmpl bool, depth, nest int) ([]*bxNode, error) {
	if nest > maxBinXMLNesting {
		return nil, bxLimitf(c.pos, "BinXML nested %d deep, limit %d", nest, maxBinXMLNesting)
	}
	start := c.pos
	tok, err := c.peek()
	if err != nil {
		return nil, err
	}
	if tok != bxTokFragment && nest == 0 {
		// Records and template bodies start with a fragment header;
		// BinXML values (type 0x21) are often stored without one.
		return nil, bxBadf(start, "BinXML starts with token 0x%02x, want a fragment header (0x0f)", tok)
	}
	// The nodes are gathered on the scratch stack and carved from the
	// chunk's slab at their exact size.
	sc := p.d.sc
	outStart := len(sc.ptrs)
	defer func() { sc.ptrs = sc.ptrs[:outStart] }()
	for {
		off := c.pos
		tok, err := c.u8()
		if err != nil {
			return nil, bxBadf(off, "BinXML fragment that started at 0x%x has no end-of-fragment token", start)
		}
		switch {
		case tok == bxTokEOF:
			if !tmpl && !p.inBody {
				// A record's own list (its fragment, a BinXML
				// value's): it lives while the record is inspected.
				return p.d.carveRecordNodes(sc.ptrs[outStart:]), nil
			}
			return p.d.carveNodes(sc.ptrs[outStart:]), nil
		case tok == bxTokFragment:
			h, err := c.bytes(3)
			if err != nil {
				return nil, err
			}
			if h[0] != 1 || h[1] != 1 {
				return nil, bxFallbackf(off, "fragment header version %d.%d, want 1.1", h[0], h[1])
			}
		case tok&^bxTokMoreFlag == bxTokOpenStart:
			n, err := p.parseElement(c, tok, tmpl, depth, nest)
			if err != nil {
				return nil, err
			}
			sc.ptrs = append(sc.ptrs, n)
		case tok == bxTokTemplate:
			if tmpl {
				return nil, bxBadf(off, "template instance inside a template definition")
			}
			n, err := p.parseInstance(c, off, depth, nest)
			if err != nil {
				return nil, err
			}
			sc.ptrs = append(sc.ptrs, n)
		default:
			return nil, bxBadf(off, "unexpected token 0x%02x in a BinXML fragment", tok)
		}
	}
}

// parseElement parses an element whose start token tok has been read.
func (p *recParser) parseElement(c *bxCursor, tok uint8, tmpl bool, depth, nest int) (*bxNode, error) {
	off := c.pos - 1
	if depth >= maxElementDepth {
		return nil, bxLimitf(off, "elements nested %d deep, limit %d", depth+1, maxElementDepth)
	}
	if tmpl {
		if _, err := c.u16(); err != nil { // dependency identifier
			return nil, err
		}
	}
	if _, err := c.u32(); err != nil { // data size, not needed
		return nil, err
	}
	name, err := p.readName(c)
	if err != nil {
		return nil, err
	}
	n := p.d.newNode(bxNode{kind: kindElement, off: off, name: name})
	if tok&bxTokMoreFlag != 0 {
		if _, err := c.u32(); err != nil { // bxAttr list size
			return nil, err
		}
	}
	// Attributes, gathered on the scratch stacks and carved from the
	// chunk's slabs at their exact size.
	sc := p.d.sc
	attrStart := len(sc.attrs)
	for {
		t, err := c.peek()
		if err != nil {
			return nil, err
		}
		if t&^bxTokMoreFlag != bxTokAttribute {
			break
		}
		aoff := c.pos
		c.pos++
		aname, err := p.readName(c)
		if err != nil {
			return nil, err
		}
		a := bxAttr{name: aname}
		valStart := len(sc.ptrs)
		for {
			t, err := c.peek()
			if err != nil {
				return nil, err
			}
			if !bxIsValueToken(t) {
				break
			}
			v, err := p.parseValueToken(c, tmpl)
			if err != nil {
				return nil, err
			}
			p.appendValue(valStart, v)
		}
		a.value = p.d.carveNodes(sc.ptrs[valStart:])
		sc.ptrs = sc.ptrs[:valStart]
		if len(a.value) == 0 {
			return nil, bxBadf(aoff, "attribute %q has no value", aname)
		}
		sc.attrs = append(sc.attrs, a)
	}
	n.attrs = p.d.carveAttrs(sc.attrs[attrStart:])
	clear(sc.attrs[attrStart:])
	sc.attrs = sc.attrs[:attrStart]
	coff := c.pos
	t, err := c.u8()
	if err != nil {
		return nil, err
	}
	switch t {
	case bxTokCloseEmpty:
		return n, nil
	case bxTokCloseStart:
	default:
		return nil, bxBadf(coff, "token 0x%02x after the attributes of <%s>, want close-start or close-empty", t, name)
	}
	// Content.
	childStart := len(sc.ptrs)
	for {
		toff := c.pos
		t, err := c.peek()
		if err != nil {
			return nil, bxBadf(toff, "element <%s> at 0x%x is not closed", name, off)
		}
		switch {
		case t == bxTokEndElement:
			c.pos++
			n.children = p.d.carveNodes(sc.ptrs[childStart:])
			sc.ptrs = sc.ptrs[:childStart]
			return n, nil
		case t&^bxTokMoreFlag == bxTokOpenStart:
			c.pos++
			child, err := p.parseElement(c, t, tmpl, depth+1, nest)
			if err != nil {
				return nil, err
			}
			sc.ptrs = append(sc.ptrs, child)
		case bxIsValueToken(t) || t&^bxTokMoreFlag == bxTokCDATA:
			v, err := p.parseValueToken(c, tmpl)
			if err != nil {
				return nil, err
			}
			p.appendValue(childStart, v)
		case t == bxTokPITarget:
			c.pos++
			p.markUnsafe(toff, "processing instruction")
			target, err := p.readName(c)
			if err != nil {
				return nil, err
			}
			pi := p.d.newNode(bxNode{kind: kindPI, off: toff, name: target})
			if nt, err := c.peek(); err == nil && nt == bxTokPIData {
				c.pos++
				s, err := bxPrefixedUTF16(c)
				if err != nil {
					return nil, err
				}
				pi.text = s
			}
			sc.ptrs = append(sc.ptrs, pi)
		case t == bxTokTemplate && !tmpl:
			c.pos++
			child, err := p.parseInstance(c, toff, depth+1, nest)
			if err != nil {
				return nil, err
			}
			sc.ptrs = append(sc.ptrs, child)
		default:
			return nil, bxBadf(toff, "unexpected token 0x%02x in the content of <%s>", t, name)
		}
	}
}

// appendValue appends v (nil: nothing) to the nodes the scratch stack holds
// from start on. Text that follows text is joined to it: a run of value
// text, CDATA, character and entity references is one value, as in the XML
// Windows renders ("a &amp; b" is the one value "a & b"). A character
// reference to the low half of a surrogate pair completes a reference to
// the high half just before it.
func (p *recParser) appendValue(start int, v *bxNode) {
	if v == nil {
		return
	}
	sc := p.d.sc
	if v.kind != kindText || len(sc.ptrs) == start || sc.ptrs[len(sc.ptrs)-1].kind != kindText {
		sc.ptrs = append(sc.ptrs, v)
		return
	}
	prev := sc.ptrs[len(sc.ptrs)-1]
	if hi, lo := rune(prev.surrogate), rune(v.surrogate); hi >= 0xd800 && hi < 0xdc00 && lo >= 0xdc00 && lo <= 0xdfff {
		prev.text = strings.TrimSuffix(prev.text, string(utf8.RuneError)) + string(utf16.DecodeRune(hi, lo))
		prev.surrogate = 0
		return
	}
	prev.text += v.text
	prev.surrogate = v.surrogate
}

// bxIsValueToken reports whether t can stand in an attribute value.
func bxIsValueToken(t uint8) bool {
	switch t &^ bxTokMoreFlag {
	case bxTokValue, bxTokCharRef, bxTokEntityRef:
		return true
	case bxTokNormalSubst, bxTokOptionalSubst:
		return t&bxTokMoreFlag == 0
	}
	return false
}

// parseValueToken parses a value text, CDATA, character or entity reference
// or substitution token. It returns nil for nothing to keep.
func (p *recParser) parseValueToken(c *bxCursor, tmpl bool) (*bxNode, error) {
	off := c.pos
	t, err := c.u8()
	if err != nil {
		return nil, err
	}
	switch t &^ bxTokMoreFlag {
	case bxTokValue:
		if _, err := c.u8(); err != nil { // value type, always a string
			return nil, err
		}
		s, err := bxPrefixedUTF16(c)
		if err != nil {
			return nil, err
		}
		return p.d.newNode(bxNode{kind: kindText, off: off, text: s}), nil
	case bxTokCDATA:
		p.markUnsafe(off, "CDATA section")
		s, err := bxPrefixedUTF16(c)
		if err != nil {
			return nil, err
		}
		return p.d.newNode(bxNode{kind: kindText, off: off, text: s}), nil
	case bxTokCharRef:
		p.markUnsafe(off, "character reference")
		v, err := c.u16()
		if err != nil {
			return nil, err
		}
		n := bxNode{kind: kindText, off: off, text: bxDecodeUTF16([]uint16{v})}
		if utf16.IsSurrogate(rune(v)) {
			n.surrogate = v
		}
		return p.d.newNode(n), nil
	case bxTokEntityRef:
		p.markUnsafe(off, "entity reference")
		name, err := p.readName(c)
		if err != nil {
			return nil, err
		}
		return p.d.newNode(bxNode{kind: kindText, off: off, text: bxEntity(name)}), nil
	case bxTokNormalSubst, bxTokOptionalSubst:
		if !tmpl {
			return nil, bxBadf(off, "substitution outside a template definition")
		}
		id, err := c.u16()
		if err != nil {
			return nil, err
		}
		vt, err := c.u8()
		if err != nil {
			return nil, err
		}
		if vt == 0 {
			// Velocidex reads one more byte after a null type.
			p.markUnsafe(off, "substitution declared with the null type")
		}
		return p.d.newNode(bxNode{kind: kindSubst, off: off, subID: id, subType: Type(vt), optional: t == bxTokOptionalSubst}), nil
	}
	return nil, bxBadf(off, "unexpected token 0x%02x", t)
}

func bxEntity(name string) string {
	switch name {
	case "amp":
		return "&"
	case "lt":
		return "<"
	case "gt":
		return ">"
	case "quot":
		return `"`
	case "apos":
		return "'"
	}
	return "&" + name + ";"
}

// bxPrefixedUTF16 reads a u16 character count and that many UTF-16LE
// characters (no terminator).
func bxPrefixedUTF16(c *bxCursor) (string, error) {
	n, err := c.u16()
	if err != nil {
		return "", err
	}
	b, err := c.bytes(2 * int(n))
	if err != nil {
		return "", err
	}
	return bxUTF16(b), nil
}

// readName reads a name reference: a u32 chunk offset of the name structure
// (next offset u32, hash u16, character count u16, characters, NUL). When the
// offset is that of the bytes that follow, the structure is stored inline and
// consumed; otherwise it is read where it lies, with bounds checks.
func (p *recParser) readName(c *bxCursor) (string, error) {
	off := c.pos
	ref, err := c.u32()
	if err != nil {
		return "", err
	}
	if int64(ref) == int64(c.pos) {
		if p.inBody {
			p.names = append(p.names, bxNameRef{pos: off - p.bodyStart, inline: true})
		}
		if _, err := c.bytes(6); err != nil {
			return "", err
		}
		n, err := c.u16()
		if err != nil {
			return "", err
		}
		b, err := c.bytes(2*int(n) + 2)
		if err != nil {
			return "", bxBadf(off, "inline name of %d characters does not fit", n)
		}
		s := bxUTF16(b[:2*int(n)])
		if len(p.d.names) < 4096 {
			p.d.names[ref] = s
		}
		return s, nil
	}
	if p.inBody {
		// Recorded before it is read: a failed read fails the parse,
		// and nothing is cached.
		p.names = append(p.names, bxNameRef{pos: off - p.bodyStart, ref: int(ref)})
	}
	if s, ok := p.d.names[ref]; ok {
		return s, nil
	}
	chunk := p.d.chunk
	if int64(ref) < chunkHeaderSize || int64(ref) > int64(len(chunk))-8 {
		return "", bxBadf(off, "name offset 0x%x outside the chunk's record area", ref)
	}
	r := int(ref)
	n := int(binary.LittleEndian.Uint16(chunk[r+6:]))
	if r+8+2*n+2 > len(chunk) {
		return "", bxBadf(off, "name at 0x%x of %d characters runs past the chunk", ref, n)
	}
	s := bxUTF16(chunk[r+8 : r+8+2*n])
	if len(p.d.names) < 4096 {
		p.d.names[ref] = s
	}
	return s, nil
}

// parseInstance parses a template instance whose 0x0c token (at off) has been
// read: the instance header, the definition when it is inline, and the
// arguments.
func (p *recParser) parseInstance(c *bxCursor, off, depth, nest int) (*bxNode, error) {
	v, err := c.u8()
	if err != nil {
		return nil, err
	}
	if v != 1 {
		return nil, bxBadf(off, "template instance version byte %d, want 1", v)
	}
	id, err := c.u32()
	if err != nil {
		return nil, err
	}
	if id == 0 {
		return nil, bxBadf(off, "template instance with template ID 0")
	}
	defOff, err := c.u32()
	if err != nil {
		return nil, err
	}
	var t *templateDef
	inline := int64(defOff) == int64(c.pos)
	if inline {
		t, err = p.parseDefinition(c, id, depth)
		if err != nil {
			return nil, err
		}
	} else {
		t = p.pendingAt(defOff)
		if t == nil {
			t = p.d.template(defOff)
		}
		if t == nil && p.d.detached {
			if t, err = p.definitionAt(defOff, id, depth); err != nil {
				return nil, err
			}
			p.markUnsafe(off, "template at 0x%x read where the reference points, not from a record the decoder saw", defOff)
		}
		if t == nil {
			return nil, bxFallbackf(off, "reference to template definition offset 0x%x, where no earlier record of this chunk defined one", defOff)
		}
		switch {
		case t.id != id:
			p.markUnsafe(off, "template ID 0x%08x refers to the definition at 0x%x made under ID 0x%08x", id, defOff, t.id)
		case t.unsafe != "":
			p.markUnsafe(off, "template at 0x%x uses %s", defOff, t.unsafe)
		case !t.velocidexKnows && p.pendingAt(defOff) == nil:
			p.markUnsafe(off, "template at 0x%x was defined by a record kept from the decoder", defOff)
		}
	}

	// Arguments.
	aoff := c.pos
	count, err := c.u32()
	if err != nil {
		return nil, err
	}
	if count > maxTemplateArgs {
		return nil, bxLimitf(aoff, "template instance with %d arguments, limit %d", count, maxTemplateArgs)
	}
	if !p.outer {
		p.outer = true
		p.outerTmpl = t
		p.plan.templateID = id
		p.plan.templateOffset = defOff
		p.plan.inlineTemplate = inline
		p.plan.argCount = int(count)
	}
	if err := c.need(4 * int(count)); err != nil {
		return nil, bxBadf(aoff, "%d argument descriptors do not fit in the record", count)
	}
	// The arguments come from the chunk inspector's arena: instances and
	// their arguments live only while this record is inspected (template
	// bodies hold no instances), and the arena is reset per record.
	args := p.d.allocArgs(int(count))
	total := 0
	desc := c.b[c.pos : c.pos+4*len(args)] // checked by need above
	c.pos += len(desc)
	for i := range args {
		d := desc[4*i : 4*i+4]
		if d[3] != 0 {
			return nil, bxBadf(c.pos-len(desc)+4*i, "argument %d descriptor has a non-zero reserved byte 0x%02x", i, d[3])
		}
		// Every field is set: the arena is not cleared between records.
		size := int(binary.LittleEndian.Uint16(d))
		args[i] = bxArg{typ: Type(d[2]), size: int32(size)}
		total += size
	}
	if err := c.need(total); err != nil {
		return nil, bxBadf(aoff, "%d arguments of %d bytes in all do not fit in the record", count, total)
	}
	inst := p.d.newInstance()
	inst.tmpl, inst.args = t, args
	pos := c.pos // in a register: c's escapes
	for i := range args {
		a := &args[i]
		a.off = pos
		pos += int(a.size)
		if k := bxScalarCheck[a.typ]; k == 0 || k != 0xff && int(k) == int(a.size) {
			// A string or binary scalar, or a fixed-size one of its
			// size: bxCheckScalar has nothing to say.
			a.scalar = true
			continue
		}
		// In bounds: need(total) above.
		data := c.b[a.off:pos:pos]
		switch {
		case a.typ == TypeBinXML:
			// The cursor lives in the side table: a cursor of its own
			// would be allocated (parseFragment recurses). The entry
			// stays put while the recursion adds others (newArgExt).
			var e *bxArgExt
			a.ext, e = p.d.newArgExt()
			e.cur.b, e.cur.pos, e.cur.end = c.b, a.off, a.off+len(data)
			e.sub, err = p.parseFragment(&e.cur, false, depth, nest+1)
			if err != nil {
				return nil, err
			}
		case a.typ&TypeArrayFlag != 0 && a.typ != TypeArrayFlag:
			var e *bxArgExt
			a.ext, e = p.d.newArgExt()
			e.val, err = bxValue(a.typ, data, a.off)
			if err != nil {
				return nil, bxBadf(a.off, "argument %d: %v", i, err)
			}
			switch a.typ {
			case 0x86, 0x8a, 0x95:
				p.scanArrays++
			}
		default:
			// Scalars are checked here, rendered when a value needs
			// them as text (bxArg.render).
			if err := bxCheckScalar(a.typ, data); err != nil {
				return nil, bxBadf(a.off, "argument %d: %v", i, err)
			}
			a.scalar = true
			switch a.typ {
			case 0x86, 0x8a, 0x95:
				p.scanArrays++
			}
		}
	}
	c.pos = pos
	// The instance's node lives in the per-record arena with it: nothing
	// refers to a record's own nodes once the record is inspected.
	// Field by field: the arena's entries are not cleared, and a
	// typed copy of a whole node costs a bulk write barrier while the
	// collector marks.
	inst.node.kind, inst.node.off, inst.node.inst = kindInstance, off, inst
	return &inst.node, nil
}

// definitionAt parses, for a detached record (see chunkInspector.detached),
// the template definition a reference points to, in place: one must start
// there, with the template ID as the first bytes of its GUID, and lie in
// the chunk's record space. It returns nil, nil when none does.
func (p *recParser) definitionAt(defOff, id uint32, depth int) (*templateDef, error) {
	off := int64(defOff)
	if off < chunkHeaderSize || off+24 > int64(len(p.d.chunk)) || binary.LittleEndian.Uint32(p.d.chunk[off+4:]) != id {
		return nil, nil
	}
	return p.parseDefinition(&bxCursor{b: p.d.chunk, pos: int(off), end: len(p.d.chunk)}, id, depth)
}

// parseDefinition parses an inline template definition at c.pos: next
// definition offset u32, GUID, data size u32, then the body, which must end
// inside the declared size, itself inside the enclosing region.
func (p *recParser) parseDefinition(c *bxCursor, id uint32, depth int) (*templateDef, error) {
	defOff := c.pos
	if _, err := c.u32(); err != nil { // next definition offset
		return nil, err
	}
	guid, err := c.bytes(16)
	if err != nil {
		return nil, err
	}
	size, err := c.u32()
	if err != nil {
		return nil, err
	}
	if err := c.need(int(size)); int64(size) > int64(c.end-c.pos) || err != nil {
		return nil, bxBadf(defOff, "template definition of %d bytes does not fit in the record (%d left)", size, c.end-c.pos)
	}
	bodyStart := c.pos
	c.pos += int(size)
	if t := p.pendingAt(uint32(defOff)); t != nil {
		return t, nil
	}
	if t := p.d.templates[uint32(defOff)]; t != nil && t.id == id {
		// The same record inspected again.
		return t, nil
	}
	t := p.d.sc.tdefs.next(templateDef{offset: uint32(defOff), id: id, guid: [16]byte(guid), size: size, base: bodyStart})
	sc := p.d.sc
	if e := sc.cachedBody(t.guid, size, depth, c.b, bodyStart); e != nil {
		// The same definition, read in an earlier chunk: its nodes are
		// shared, their offsets relative to the body (see bxTmplCache).
		t.body, t.entry = e.body, e
	} else {
		saved := p.unsafe
		p.unsafe = nil
		body := &bxCursor{b: c.b, pos: bodyStart, end: bodyStart + int(size)}
		p.names = p.names[:0]
		p.inBody, p.bodyStart = true, bodyStart
		t.body, err = p.parseFragment(body, true, depth, 0)
		p.inBody = false
		if err != nil {
			return nil, err
		}
		bxRelocate(t.body, bodyStart)
		if p.unsafe != nil {
			t.unsafe = p.unsafe.(*binxmlError).Msg
		} else {
			t.entry = sc.cacheBody(t.guid, size, depth, c.b, c.b[bodyStart:bodyStart+int(size)], p.names, t.body)
		}
		if saved != nil {
			p.unsafe = saved
		}
	}
	// Velocidex keys templates by ID: a second definition under a known
	// ID is read as a reference to the first.
	if p.idKnownToVelocidex(id) {
		p.markUnsafe(defOff, "template ID 0x%08x is defined a second time in the chunk", id)
		if t.unsafe == "" {
			t.unsafe = fmt.Sprintf("an ID (0x%08x) defined twice in the chunk", id)
		}
	}
	p.addPending(t)
	return t, nil
}

// parseBody parses the body of t, a definition of the chunk being
// inspected whose cache entry has dropped its nodes (bxTmplEntry), again
// as parseDefinition did, at element depth depth; the state of the record
// being parsed is kept. The bytes are those of the cached body (cachedBody
// compared them), so an error is not expected.
func (p *recParser) parseBody(t *templateDef, depth int) ([]*bxNode, error) {
	unsafe, scanArrays := p.unsafe, p.scanArrays
	p.unsafe, p.names = nil, p.names[:0]
	body := &bxCursor{b: p.d.chunk, pos: t.base, end: t.base + int(t.size)}
	p.inBody, p.bodyStart = true, t.base
	nodes, err := p.parseFragment(body, true, depth, 0)
	p.inBody = false
	p.unsafe, p.scanArrays = unsafe, scanArrays
	if err != nil {
		return nil, err
	}
	bxRelocate(nodes, t.base)
	return nodes, nil
}

// maxPendingScan is the number of a record's definitions looked up one
// by one; past it they are indexed by offset.
const maxPendingScan = 8

// pendingAt returns the definition at chunk offset off met in this record,
// nil when there is none.
func (p *recParser) pendingAt(off uint32) *templateDef {
	if p.pending != nil {
		return p.pending[off]
	}
	for _, t := range p.defs {
		if t.offset == off {
			return t
		}
	}
	return nil
}

// addPending records t, a definition met in this record.
func (p *recParser) addPending(t *templateDef) {
	p.defs = append(p.defs, t)
	switch {
	case p.pending != nil:
		p.pending[t.offset] = t
	case len(p.defs) > maxPendingScan:
		if p.d.pendingMap == nil {
			p.d.pendingMap = make(map[uint32]*templateDef)
		}
		clear(p.d.pendingMap)
		p.pending = p.d.pendingMap
		for _, d := range p.defs {
			p.pending[d.offset] = d
		}
	}
}

func (p *recParser) idKnownToVelocidex(id uint32) bool {
	for _, t := range p.defs {
		if t.id == id {
			return true
		}
	}
	return p.d.velocidexIDs[id]
}
