package evtx

import "encoding/binary"

// Template-less records (every element, name and text written in the
// record itself, as Defender's 1151 events are) are parsed into nodes and
// walked node by node. Their bytes recur from record to record with only
// the text values changing, so the inspector compiles the shape of such a
// record, once parsed and walked, into a bxLitProg: the record's bytes with
// its emitted text values and its names cut out, the characters of each
// name, and the path of each value. A later record whose bytes are those
// same bytes around names of the same characters and text values of any
// length is decoded by the program: its texts are read where the program
// says and given to the sink at their paths, with no nodes built.
//
// Everything the parser reads and checks, apart from an emitted text's
// count and characters, is compared byte for byte (tokens, the Name of a
// <Data>, the text of an attribute or element that is not a value, the
// end of the fragment); an element's data size and an attribute list's
// size, which the parser skips, are skipped. A name is read as the parser
// reads it, inline (its reference points at the bytes that follow) or
// where its reference points in the chunk, and its count and characters
// must be the program's. The parser would therefore read the record as it
// read the compiled one, with the same nodes, steps, paths and values, only
// the texts differing; it takes none of the records whose reading depends
// on more (character and entity references, CDATA, processing
// instructions, adjacent texts joined into one value, template
// instances): their shapes are not compiled. A record that does not match
// a program, a chunk whose limits the record could reach, and a record
// inspected from slack (detached) take the parse and the walk, so a damaged
// record is refused as it always was. The programs outlive the chunk, as
// the template cache does: they hold names, not offsets.

// maxLitProgs bounds the shapes a worker keeps compiled.
const maxLitProgs = 8

// bxLitProg is the compiled shape of a template-less record.
type bxLitProg struct {
	// fixed holds the record's bytes outside its emitted texts, names
	// and skipped sizes, in order, and 8 zero bytes; each operation
	// compares the next n of them, then reads or checks what its kind
	// says.
	fixed []byte
	ops   []bxLitOp
	// names holds the count and characters of each name, in order.
	names []byte
	// paths holds the path of each emitted text, in document order.
	paths []*bxPath
	// steps is the walk's step count for the record.
	steps int
}

// bxLitOp is one operation of a bxLitProg.
type bxLitOp struct {
	n    int32 // fixed bytes compared first
	kind uint8
	// A name's count and characters are names[ns:ne]. gen and ref
	// remember that the chunk of generation gen holds them at ref.
	ns, ne   int32
	gen, ref uint32
}

const (
	litEnd   uint8 = iota // the fragment's end (its EOF token compared)
	litSkip4              // a size the parser skips
	litName               // a name reference and, when inline, the name
	litText               // an emitted text: count u16 and characters
	// An element's start after its token, in one operation: its data
	// size skipped and its name (litElem), then its attribute list's
	// size skipped (litElemAttrs).
	litElem
	litElemAttrs
)

// bxLitMark is a place in a record where the fixed bytes stop: a skip, a
// name (name: its count and characters), a text (tok: its token's offset).
type bxLitMark struct {
	pos, end int
	tok      int
	kind     uint8
	name     []byte
}

// bxLitSlot is an emitted text of a matched record: count n at chunk
// offset pos-2, its characters at pos.
type bxLitSlot struct{ pos, n int }

// bxLitEmit is a value the walk of a record to be compiled gave.
type bxLitEmit struct {
	off  int
	path *bxPath
	text string
}

// bxLitCache holds a worker's programs and the working lists that make and
// run them.
type bxLitCache struct {
	progs []*bxLitProg // progs[:n] are in use
	n     int
	last  int // the program that matched last
	// gen numbers the chunks inspected (newChunk), for the names'
	// memos (bxLitOp).
	gen uint32
	// hits counts the records the programs decoded, fails the programs
	// tried in vain on a template-less record. When the fails outweigh
	// what the hits saved (a program saves about two thirds of a
	// record's parse and walk, and one tried in vain costs up to about
	// an eighth of them), the programs are no longer tried or made
	// (off): a log of many shapes, few of them repeating, is not slowed
	// down.
	hits, fails int
	off         bool
	// capture gathers the values of a walk whose record may be
	// compiled (bxWalker.add).
	capture []bxLitEmit
	marks   []bxLitMark
	slots   []bxLitSlot
	ends    []int
	buf     []byte
}

// newChunk readies the cache for a new chunk: the names its programs
// found in the last one must be found again.
func (lc *bxLitCache) newChunk() {
	lc.gen++
	if lc.gen == 0 {
		for _, g := range lc.progs[:lc.n] {
			for i := range g.ops {
				g.ops[i].gen = 0
			}
		}
		lc.gen = 1
	}
}

// room reports whether another program can be made.
func (lc *bxLitCache) room() bool { return lc.n < maxLitProgs && !lc.off }

// match reports whether the record's fragment at chunk[pos:end] has g's
// shape, and lists its texts in slots; gen is the chunk's generation.
func (g *bxLitProg) match(chunk []byte, pos, end int, gen uint32, slots []bxLitSlot) ([]bxLitSlot, bool) {
	fixed, fi := g.fixed, 0
	for i := range g.ops {
		op := &g.ops[i]
		n := int(op.n)
		if n > end-pos || n > len(fixed)-8-fi {
			return slots, false
		}
		if n <= 8 && pos <= len(chunk)-8 {
			// Eight bytes read, n compared: no call.
			x := binary.LittleEndian.Uint64(chunk[pos:]) ^ binary.LittleEndian.Uint64(fixed[fi:])
			if x&(1<<(8*n)-1) != 0 && n > 0 {
				return slots, false
			}
		} else if string(chunk[pos:pos+n]) != string(fixed[fi:fi+n]) {
			return slots, false
		}
		pos += n
		fi += n
		switch op.kind {
		case litEnd:
			return slots, true
		case litSkip4:
			if end-pos < 4 {
				return slots, false
			}
			pos += 4
		case litName, litElem, litElemAttrs:
			if op.kind != litName {
				pos += 4 // the element's data size
			}
			if end-pos < 4 {
				return slots, false
			}
			ref := int(binary.LittleEndian.Uint32(chunk[pos:]))
			pos += 4
			if ref == pos || op.gen != gen || op.ref != uint32(ref) {
				// Inline, or not yet found at ref in this chunk.
				if pos = g.name(op, chunk, pos, end, ref, gen); pos < 0 {
					return slots, false
				}
			}
			if op.kind == litElemAttrs {
				if end-pos < 4 {
					return slots, false
				}
				pos += 4 // the attribute list's size
			}
		case litText:
			if end-pos < 2 {
				return slots, false
			}
			k := int(binary.LittleEndian.Uint16(chunk[pos:]))
			pos += 2
			if 2*k > end-pos {
				return slots, false
			}
			slots = append(slots, bxLitSlot{pos, k})
			pos += 2 * k
		default:
			return slots, false
		}
	}
	return slots, false
}

// name checks the name of op, whose reference ref has been read, pos
// being the offset after it: inline, the name structure at pos, else the
// one at ref, must hold the name's count and characters. It returns the
// offset after the name, -1 when it differs or does not fit.
func (g *bxLitProg) name(op *bxLitOp, chunk []byte, pos, end, ref int, gen uint32) int {
	want := g.names[op.ns:op.ne]
	if ref == pos {
		// Next offset and hash, count, characters, NUL (readName).
		if end-pos < 8 {
			return -1
		}
		k := 8 + 2*int(binary.LittleEndian.Uint16(chunk[pos+6:])) + 2
		if k > end-pos || string(chunk[pos+6:pos+k-2]) != string(want) {
			return -1
		}
		return pos + k
	}
	if at := bxNameAt(chunk, ref); at == nil || string(at) != string(want) {
		return -1
	}
	op.gen, op.ref = gen, uint32(ref)
	return pos
}

// literalEvent builds the Event of the template-less record whose fragment
// is chunk[start:end] with one of the chunk's programs, in plan; it
// reports false, having changed nothing the parse relies on, when none
// matches or when the record could reach a chunk limit (the parse then
// says which).
func (d *chunkInspector) literalEvent(plan *recordValues, start, end int) bool {
	lc := &d.sc.lit
	if lc.off || end-start < 5 || d.chunk[start] != bxTokFragment || d.chunk[start+4]&^bxTokMoreFlag != bxTokOpenStart {
		return false // not an element after the fragment header: not template-less
	}
	for i := 0; i < lc.n; i++ {
		k := lc.last + i
		if k >= lc.n {
			k -= lc.n
		}
		g := lc.progs[k]
		if d.steps+g.steps > maxStepsPerChunk || d.values+len(g.paths) > maxValuesPerChunk {
			continue
		}
		slots, ok := g.match(d.chunk, start, end, lc.gen, lc.slots[:0])
		lc.slots = slots
		if !ok || len(slots) != len(g.paths) {
			lc.fails++
			continue
		}
		lc.last = k
		lc.hits++
		// The texts in one string, each value a part of it.
		buf, ends := lc.buf[:0], lc.ends[:0]
		for _, s := range slots {
			buf = bxAppendUTF16(buf, d.chunk[s.pos:s.pos+2*s.n])
			ends = append(ends, len(buf))
		}
		lc.buf, lc.ends = buf, ends
		text := string(buf)
		d.sc.text = d.sc.text[:0]
		sink := &d.sc.sink
		sink.reset(sink.events.event(), &d.sc.text, d.chunk)
		from := 0
		for j, p := range g.paths {
			sink.addText(p, text[from:ends[j]])
			from = ends[j]
		}
		if !sink.resolves() {
			// Not expected (a program is made from a record that
			// resolved, and the paths decide it): the parse decides.
			sink.reset(nil, nil, nil)
			return false
		}
		d.steps += g.steps
		d.values += len(g.paths)
		plan.ev = sink.finish()
		return true
	}
	if lc.fails > 8*lc.hits+64 {
		lc.off = true
	}
	return false
}

// compileLiteral makes a program of the template-less record whose
// fragment is chunk[start:end], parsed and walked with steps steps, its
// values captured in d.sc.lit.capture. It makes none when the record holds
// anything the program cannot repeat exactly (see the file comment).
func (d *chunkInspector) compileLiteral(start, end, steps int) {
	lc := &d.sc.lit
	if !lc.room() {
		return
	}
	marks, final, ok := bxLitTokens(d.chunk, start, end, lc.marks[:0])
	lc.marks = marks
	if !ok {
		return
	}
	if lc.n == len(lc.progs) {
		lc.progs = append(lc.progs, new(bxLitProg))
	}
	g := lc.progs[lc.n]
	g.fixed, g.ops, g.names, g.paths, g.steps = g.fixed[:0], g.ops[:0], g.names[:0], g.paths[:0], steps
	capture := lc.capture
	prev, j := start, 0
	for _, m := range marks {
		if m.kind == litText {
			if j >= len(capture) || capture[j].off != m.tok {
				continue // not a value (a Data's Name): compared
			}
			g.paths = append(g.paths, capture[j].path)
			j++
		}
		last := len(g.ops) - 1
		switch {
		case m.pos == prev && last >= 0 && m.kind == litName && g.ops[last].kind == litSkip4:
			// An element's name right after its data size.
			g.ops[last].kind = litElem
			g.ops[last].ns = int32(len(g.names))
			g.names = append(g.names, m.name...)
			g.ops[last].ne = int32(len(g.names))
		case m.pos == prev && last >= 0 && m.kind == litSkip4 && g.ops[last].kind == litElem:
			g.ops[last].kind = litElemAttrs
		default:
			op := bxLitOp{n: int32(m.pos - prev), kind: m.kind}
			if m.kind == litName {
				op.ns = int32(len(g.names))
				g.names = append(g.names, m.name...)
				op.ne = int32(len(g.names))
			}
			g.fixed = append(g.fixed, d.chunk[prev:m.pos]...)
			g.ops = append(g.ops, op)
		}
		prev = m.end
	}
	if j != len(capture) {
		return // values the shape does not account for
	}
	g.fixed = append(g.fixed, d.chunk[prev:final]...)
	g.fixed = append(g.fixed, make([]byte, 8)...)
	g.ops = append(g.ops, bxLitOp{n: int32(final - prev), kind: litEnd})
	// The program must read the record it was made from as the walk
	// did, text for text.
	slots, ok := g.match(d.chunk, start, end, lc.gen, lc.slots[:0])
	lc.slots = slots
	if !ok || len(slots) != len(capture) {
		return
	}
	for i, s := range slots {
		if capture[i].text != bxUTF16(d.chunk[s.pos:s.pos+2*s.n]) {
			return
		}
	}
	lc.last = lc.n
	lc.n++
}

// bxLitTokens reads the template-less fragment chunk[pos:end] as the parser
// does and lists where its fixed bytes stop (appended to marks); final is
// the offset after its EOF token. It reports false for a fragment holding
// anything but fragment headers, elements, attributes of one text each,
// and texts each between tokens of other kinds.
func bxLitTokens(chunk []byte, pos, end int, marks []bxLitMark) (_ []bxLitMark, final int, ok bool) {
	t := bxLitTokenizer{c: bxCursor{b: chunk, pos: pos, end: end}, marks: marks}
	if tok, err := t.c.peek(); err != nil || tok != bxTokFragment {
		return t.marks, 0, false
	}
	for {
		tok, err := t.c.u8()
		if err != nil {
			return t.marks, 0, false
		}
		switch {
		case tok == bxTokEOF:
			return t.marks, t.c.pos, true
		case tok == bxTokFragment:
			if _, err := t.c.bytes(3); err != nil {
				return t.marks, 0, false
			}
		case tok&^bxTokMoreFlag == bxTokOpenStart:
			if !t.element(tok, 0) {
				return t.marks, 0, false
			}
		default:
			return t.marks, 0, false
		}
	}
}

type bxLitTokenizer struct {
	c     bxCursor
	marks []bxLitMark
}

func (t *bxLitTokenizer) skip4() bool {
	if t.c.need(4) != nil {
		return false
	}
	t.marks = append(t.marks, bxLitMark{pos: t.c.pos, end: t.c.pos + 4, kind: litSkip4})
	t.c.pos += 4
	return true
}

// name reads a name reference and, when inline, the name.
func (t *bxLitTokenizer) name() bool {
	at := t.c.pos
	ref, err := t.c.u32()
	if err != nil {
		return false
	}
	if int64(ref) != int64(t.c.pos) {
		name := bxNameAt(t.c.b, int(ref))
		if name == nil {
			return false
		}
		t.marks = append(t.marks, bxLitMark{pos: at, end: t.c.pos, kind: litName, name: name})
		return true
	}
	if _, err := t.c.bytes(6); err != nil {
		return false
	}
	n, err := t.c.u16()
	if err != nil {
		return false
	}
	if _, err = t.c.bytes(2*int(n) + 2); err != nil {
		return false
	}
	t.marks = append(t.marks, bxLitMark{pos: at, end: t.c.pos, kind: litName, name: t.c.b[int(ref)+6 : t.c.pos-2]})
	return true
}

// text reads a value text token, which must not be followed by another
// token the parser would join to it.
func (t *bxLitTokenizer) text() bool {
	tok := t.c.pos
	if _, err := t.c.bytes(2); err != nil { // token, value type
		return false
	}
	at := t.c.pos
	n, err := t.c.u16()
	if err != nil {
		return false
	}
	if _, err := t.c.bytes(2 * int(n)); err != nil {
		return false
	}
	t.marks = append(t.marks, bxLitMark{pos: at, end: t.c.pos, tok: tok, kind: litText})
	next, err := t.c.peek()
	return err == nil && !bxIsValueToken(next) && next&^bxTokMoreFlag != bxTokCDATA
}

// element reads an element whose start token tok has been read.
func (t *bxLitTokenizer) element(tok uint8, depth int) bool {
	if depth >= maxElementDepth || !t.skip4() || !t.name() {
		return false
	}
	if tok&bxTokMoreFlag != 0 && !t.skip4() {
		return false
	}
	for {
		a, err := t.c.peek()
		if err != nil {
			return false
		}
		if a&^bxTokMoreFlag != bxTokAttribute {
			break
		}
		t.c.pos++
		if !t.name() {
			return false
		}
		if v, err := t.c.peek(); err != nil || v&^bxTokMoreFlag != bxTokValue || !t.text() {
			return false
		}
	}
	switch cl, err := t.c.u8(); {
	case err != nil:
		return false
	case cl == bxTokCloseEmpty:
		return true
	case cl != bxTokCloseStart:
		return false
	}
	for {
		k, err := t.c.peek()
		if err != nil {
			return false
		}
		switch {
		case k == bxTokEndElement:
			t.c.pos++
			return true
		case k&^bxTokMoreFlag == bxTokOpenStart:
			t.c.pos++
			if !t.element(k, depth+1) {
				return false
			}
		case k&^bxTokMoreFlag == bxTokValue:
			if !t.text() {
				return false
			}
		default:
			return false
		}
	}
}
