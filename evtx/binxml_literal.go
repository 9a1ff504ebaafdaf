package evtx

import "encoding/binary"

// Template-less records (every element, name and text written in the
// record itself, as Defender's 1151 events are) are parsed into nodes and
// walked node by node. Their bytes recur from record to record with only
// the text values changing, so the chunk inspector compiles the shape of
// such a record, once parsed and walked, into a bxLitProg: the record's
// bytes with its emitted text values cut out, and the path of each of
// those values. A later record of the chunk whose bytes are those same
// bytes around text values of any length is decoded by the program: its
// texts are read where the program says and given to the sink at their
// paths, with no nodes built and no names looked up.
//
// Everything the parser reads and checks, apart from an emitted text's
// count and characters, is compared byte for byte (tokens, element and
// attribute names, the Name of a <Data>, the text of an attribute or
// element that is not a value, the end of the fragment); an element's data
// size and an attribute list's size, which the parser skips, are skipped.
// A name reference must point, as in the compiled record, at the name that
// follows it or elsewhere: its being inline depends on where it lies, which
// the texts before it move. The parser would therefore read the record
// exactly as it read the compiled one, with the same nodes, steps, paths
// and values, only the texts differing, and it takes none of the records
// whose reading depends on more (character and entity references, CDATA,
// processing instructions, adjacent texts joined into one value, template
// instances): their shapes are not compiled. A record that does not match
// a program, a chunk whose limits the record could reach, and a record
// inspected from slack (detached) take the parse and the walk, so a damaged
// record is refused as it always was. Programs live for one chunk: name
// references are chunk offsets.

// maxLitProgs bounds the shapes compiled per chunk.
const maxLitProgs = 8

// bxLitProg is the compiled shape of a template-less record.
type bxLitProg struct {
	// fixed holds the record's bytes outside its emitted texts and
	// skipped sizes, in order; each operation compares the next n of
	// them, then reads or checks what its kind says.
	fixed []byte
	ops   []bxLitOp
	// paths holds the path of each emitted text, in document order.
	paths []*bxPath
	// steps is the walk's step count for the record.
	steps int
}

// bxLitOp is one operation of a bxLitProg.
type bxLitOp struct {
	n    int32 // fixed bytes compared first
	kind uint8
}

const (
	litEnd        uint8 = iota // the fragment's end (its EOF token compared)
	litSkip4                   // a size the parser skips
	litNameRef                 // the four bytes compared are a name reference to elsewhere
	litNameInline              // ... to the name that follows them
	litText                    // an emitted text: count u16 and characters
)

// bxLitMark is a place in a record where the fixed bytes stop: a skip, a
// name reference's check, a text (tok: its token's offset).
type bxLitMark struct {
	pos, end int
	tok      int
	kind     uint8
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

// bxLitCache holds the programs of the chunk being inspected, in a
// worker's scratch, and the working lists that make and run them.
type bxLitCache struct {
	progs []*bxLitProg // progs[:n] are the chunk's
	n     int
	last  int // the program that matched last
	// hits counts the records the programs decoded (for the tests).
	hits int
	// capture gathers the values of a walk whose record may be
	// compiled (bxWalker.add).
	capture []bxLitEmit
	marks   []bxLitMark
	slots   []bxLitSlot
	ends    []int
	buf     []byte
}

// reset empties the cache for a new chunk, keeping its memory.
func (lc *bxLitCache) reset() { lc.n, lc.last = 0, 0 }

// room reports whether another program can be made for this chunk.
func (lc *bxLitCache) room() bool { return lc.n < maxLitProgs }

// match reports whether the record's fragment at chunk[pos:end] has g's
// shape, and lists its texts in slots.
func (g *bxLitProg) match(chunk []byte, pos, end int, slots []bxLitSlot) ([]bxLitSlot, bool) {
	fixed := g.fixed
	for _, op := range g.ops {
		n := int(op.n)
		if n > end-pos || n > len(fixed) || string(chunk[pos:pos+n]) != string(fixed[:n]) {
			return slots, false
		}
		pos += n
		fixed = fixed[n:]
		switch op.kind {
		case litEnd:
			return slots, true
		case litSkip4:
			if end-pos < 4 {
				return slots, false
			}
			pos += 4
		case litNameRef, litNameInline:
			// The reference is the end of the bytes compared.
			if n < 4 {
				return slots, false
			}
			inline := int64(binary.LittleEndian.Uint32(chunk[pos-4:])) == int64(pos)
			if inline != (op.kind == litNameInline) {
				return slots, false
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

// literalEvent builds the Event of the template-less record whose fragment
// is chunk[start:end] with one of the chunk's programs, in plan; it
// reports false, having changed nothing the parse relies on, when none
// matches or when the record could reach a chunk limit (the parse then
// says which).
func (d *chunkInspector) literalEvent(plan *recordValues, start, end int) bool {
	lc := &d.sc.lit
	for i := 0; i < lc.n; i++ {
		k := lc.last + i
		if k >= lc.n {
			k -= lc.n
		}
		g := lc.progs[k]
		if d.steps+g.steps > maxStepsPerChunk || d.values+len(g.paths) > maxValuesPerChunk {
			continue
		}
		slots, ok := g.match(d.chunk, start, end, lc.slots[:0])
		lc.slots = slots
		if !ok || len(slots) != len(g.paths) {
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
	g.fixed, g.ops, g.paths, g.steps = g.fixed[:0], g.ops[:0], g.paths[:0], steps
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
		g.fixed = append(g.fixed, d.chunk[prev:m.pos]...)
		g.ops = append(g.ops, bxLitOp{n: int32(m.pos - prev), kind: m.kind})
		prev = m.end
	}
	if j != len(capture) {
		return // values the shape does not account for
	}
	g.fixed = append(g.fixed, d.chunk[prev:final]...)
	g.ops = append(g.ops, bxLitOp{n: int32(final - prev), kind: litEnd})
	// The program must read the record it was made from as the walk
	// did, text for text.
	slots, ok := g.match(d.chunk, start, end, lc.slots[:0])
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
	ref, err := t.c.u32()
	if err != nil {
		return false
	}
	if int64(ref) != int64(t.c.pos) {
		t.marks = append(t.marks, bxLitMark{pos: t.c.pos, end: t.c.pos, kind: litNameRef})
		return true
	}
	t.marks = append(t.marks, bxLitMark{pos: t.c.pos, end: t.c.pos, kind: litNameInline})
	if _, err := t.c.bytes(6); err != nil {
		return false
	}
	n, err := t.c.u16()
	if err != nil {
		return false
	}
	_, err = t.c.bytes(2*int(n) + 2)
	return err == nil
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
