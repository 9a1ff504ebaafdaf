package evtx

// A template body compiled for the walker.
//
// The walker expands a record's outermost template instance node by node:
// for every element it checks whether optional substitutions leave it out,
// names it (Data[Name=X], Data#i), finds its path and its attributes'
// paths, then recurses. All of that depends on the template alone, except
// which elements and attributes Null optional arguments leave out. A
// bxProgram is that expansion done once per template: a flat list of
// operations in document order, each with its path, which the walker runs
// for every record that instantiates the template (bxWalker.run), with
// the same values, steps and errors as the node by node walk.
//
// A body is compiled only when the result cannot depend on the arguments
// beyond what the operations test: a body with an unnamed <Data> after a
// sibling <Data> that may be left out (its index would move), or elements
// nested past maxElementDepth, is walked node by node, as is a template
// expanded in more places than maxProgramsPerTemplate.

// bxOpKind is what a bxOp does.
type bxOpKind uint8

const (
	opElement bxOpKind = iota + 1 // an element: one step; skip to end when skip's arguments are all Null
	opAttr                        // an attribute: skip to end when skip's arguments are all Null
	opText                        // literal text: one value
	opSubst                       // a substitution: the argument's values
	opNode                        // a node that gives nothing (a processing instruction): one step
)

// bxOp is one operation of a bxProgram. Programs live as long as the
// template cache: the fields are ordered and sized so that an operation
// takes 88 bytes, its offsets and indices as int32 (a body is at most a
// chunk, a program at most maxProgramOps operations).
type bxOp struct {
	kind bxOpKind
	// step is set for operations that stand for a node of the content
	// of an element or of the body (the walker steps on them), not for
	// attribute values.
	step     bool
	optional bool   // opSubst: an optional substitution
	subID    uint16 // opSubst: the argument
	// sink is what path is to the eventSink, copied from it: sinkSys
	// (a System field: slot, bit), sinkData (a data field), neither or
	// both.
	sink  bxSinkKind
	slot  int8
	off   int32 // the node's offset, relative to the body
	depth int32 // the walker's depth at the node
	end   int32 // opElement, opAttr: the index of the operation after it
	bit   uint32
	text  string // opText
	// path is where the values go; elemPath, the element holding a
	// substitution (a BinXML argument's content goes under it).
	path, elemPath *bxPath
	// memo, for a substitution giving a data field, remembers its last
	// value and text (eventSink.addScalar); the memos of a program are
	// one block (bxProgram.memos).
	memo *valueMemo

	// skip lists, for an element or attribute whose content is only
	// optional substitutions, their arguments: when all are Null, it is
	// left out (bxOnlyNullOptional). Nil: never left out.
	skip []uint16
}

// bxSinkKind tells what an operation's path is to the eventSink.
type bxSinkKind uint8

const (
	sinkSys  bxSinkKind = 1 << iota // a System field
	sinkData                        // a data field
)

// bxProgram is a compiled template body (see the file comment).
type bxProgram struct {
	ops []bxOp
	// fast is ops for a run whose steps and values cannot reach the
	// limits (bxWalker.run): without the operations that only take a step
	// (elements that are never left out, processing instructions), whose
	// steps the next operation of the same content takes (steps), nor the
	// attributes that are never left out, which do nothing. end indexes
	// fast; slow is the operation's index in ops.
	fast []bxFastOp
	// steps and values count the operations that take a step and those
	// that give a value (substitutions: at least one).
	steps, values int
	// memos backs the memos of the operations, one allocation for all.
	memos []valueMemo
}

// maxProgramOps bounds a program; a larger body is walked node by node.
const maxProgramOps = 4096

// compileProgram compiles body for a walk under parent at depth; nil when
// it cannot be compiled.
func compileProgram(body []*bxNode, parent *bxPath, depth int, sc *bxScratch) *bxProgram {
	c := bxCompiler{sc: sc, ops: sc.compileOps[:0]}
	ok := c.nodes(body, parent, depth)
	sc.compileOps = c.ops[:0]
	if !ok || len(c.ops) == 0 {
		return nil
	}
	// The operations copied to their exact number (append leaves up to
	// half of the array unused, kept as long as the program), and the
	// memos of the data substitutions given from one block.
	prog := &bxProgram{ops: make([]bxOp, len(c.ops))}
	copy(prog.ops, c.ops)
	nmemo := 0
	for i := range prog.ops {
		op := &prog.ops[i]
		if op.step {
			prog.steps++
		}
		if op.kind == opText || op.kind == opSubst {
			prog.values++
		}
		if op.sink&sinkData != 0 {
			nmemo++
		}
	}
	if nmemo > 0 {
		prog.memos = make([]valueMemo, nmemo)
		nmemo = 0
		for i := range prog.ops {
			if op := &prog.ops[i]; op.sink&sinkData != 0 {
				op.memo = &prog.memos[nmemo]
				nmemo++
			}
		}
	}
	prog.fast = foldSteps(prog.ops, sc)
	return prog
}

// bxFastOp is an operation of a bxProgram's fast form.
type bxFastOp struct {
	// op is the operation, the program's ops[slow]; nil for an entry
	// that only takes steps (those left at the end of an element or
	// attribute). A pointer, not the index alone: the run reads it on
	// every entry, and the index costs a bounds check and a multiply
	// (13 M instructions more on the 16 MiB log of issue 15).
	op    *bxOp
	steps int32 // the steps taken before the operation runs
	end   int32 // a skippable element or attribute: the index after it
	slow  int32 // the operation's index in the program's ops
	// elem marks an optional substitution that is the whole content of
	// an element without attributes (<X>%n</X>), run as one operation
	// with it: a Null argument leaves both out, without the
	// substitution's step; steps holds the element's.
	elem bool
}

// foldSteps returns the fast form of ops (bxProgram.fast). The steps of
// operations that only take one go to the next operation kept before the
// end of the element or attribute that holds them, or, at that end, to an
// entry of their own (op nil), so that leaving an element out leaves
// out the steps of its content, as in ops.
func foldSteps(ops []bxOp, sc *bxScratch) []bxFastOp {
	// ends and pos are scratch, reused from program to program.
	sc.foldEnds = append(sc.foldEnds[:0], make([]bool, len(ops)+1)...)
	sc.foldPos = append(sc.foldPos[:0], make([]int32, len(ops)+1)...)
	ends, pos := sc.foldEnds, sc.foldPos
	for i := range ops {
		if op := &ops[i]; op.skip != nil && (op.kind == opElement || op.kind == opAttr) {
			ends[op.end] = true
		}
	}
	fast := make([]bxFastOp, 0, len(ops))
	// pos[i] is the index in fast of ops[i].
	pending := int32(0)
	flush := func(slow int) {
		if pending > 0 {
			fast = append(fast, bxFastOp{steps: pending, slow: int32(slow)})
			pending = 0
		}
	}
	for i := 0; i < len(ops); i++ {
		if ends[i] {
			flush(i - 1)
		}
		pos[i] = int32(len(fast))
		op := &ops[i]
		if op.kind == opElement && len(op.skip) == 1 && int(op.end) == i+2 {
			if sub := &ops[i+1]; sub.kind == opSubst && sub.optional && sub.step && sub.subID == op.skip[0] {
				fast = append(fast, bxFastOp{op: sub, steps: pending + 1, slow: int32(i + 1), elem: true})
				pending = 0
				pos[i+1] = pos[i]
				i++
				continue
			}
		}
		if op.skip == nil {
			switch op.kind {
			case opElement, opNode:
				pending++
				continue
			case opAttr:
				continue
			}
		}
		if op.step {
			pending++
		}
		fast = append(fast, bxFastOp{op: op, steps: pending, slow: int32(i)})
		pending = 0
	}
	flush(len(ops) - 1)
	pos[len(ops)] = int32(len(fast))
	for i := range fast {
		if f := &fast[i]; f.op != nil && f.op.skip != nil {
			f.end = pos[f.op.end]
		}
	}
	return fast
}

type bxCompiler struct {
	sc  *bxScratch
	ops []bxOp // the worker's (bxScratch.compileOps), copied out
}

// skippable returns the arguments of nodes when they are all optional
// substitutions (bxOnlyNullOptional can be true), else nil.
func skippable(nodes []*bxNode) []uint16 {
	if len(nodes) == 0 {
		return nil
	}
	for _, n := range nodes {
		if n.kind != kindSubst || !n.optional {
			return nil
		}
	}
	ids := make([]uint16, len(nodes))
	for i, n := range nodes {
		ids[i] = n.subID
	}
	return ids
}

// nodes compiles sibling nodes under parent, as emitNodes walks them.
func (c *bxCompiler) nodes(nodes []*bxNode, parent *bxPath, depth int) bool {
	dataIndex := 0
	mayMove := false // an earlier Data sibling may be left out
	for _, n := range nodes {
		if len(c.ops) >= maxProgramOps {
			return false
		}
		switch n.kind {
		case kindElement:
			if depth >= maxElementDepth {
				return false
			}
			skip := skippable(n.children)
			seg, named := n.name, false
			if n.name == "Data" {
				if name, ok := bxLiteralAttr(n, "Name"); ok {
					seg, named = "Data[Name="+name+"]", true
				} else {
					if mayMove {
						return false
					}
					seg = dataSeg(dataIndex)
				}
				dataIndex++
				mayMove = mayMove || skip != nil
			}
			var path *bxPath
			if parent.path == "" {
				path = c.sc.join("", "", seg)
			} else {
				path = c.sc.join(parent.path, "/", seg)
			}
			el := len(c.ops)
			c.ops = append(c.ops, bxOp{kind: opElement, step: true, off: int32(n.off), depth: int32(depth), skip: skip})
			for i := range n.attrs {
				a := &n.attrs[i]
				if named && a.name == "Name" {
					continue
				}
				attrPath := c.sc.join(path.path, "@", a.name)
				at := len(c.ops)
				c.ops = append(c.ops, bxOp{kind: opAttr, skip: skippable(a.value)})
				for _, v := range a.value {
					if !c.value(v, path, attrPath, depth, false) {
						return false
					}
				}
				c.ops[at].end = int32(len(c.ops))
			}
			if !c.nodes(n.children, path, depth+1) {
				return false
			}
			c.ops[el].end = int32(len(c.ops))
		case kindText, kindSubst:
			if !c.value(n, parent, parent, depth, true) {
				return false
			}
		case kindPI:
			c.ops = append(c.ops, bxOp{kind: opNode, step: true, off: int32(n.off)})
		default:
			return false // instances are not in bodies
		}
	}
	return true
}

// value compiles a text or substitution node, as emitValue walks it.
func (c *bxCompiler) value(n *bxNode, elemPath, path *bxPath, depth int, step bool) bool {
	switch n.kind {
	case kindText:
		c.ops = append(c.ops, bxOp{kind: opText, step: step, off: int32(n.off), text: n.text, path: path})
	case kindSubst:
		op := bxOp{kind: opSubst, step: step, off: int32(n.off), depth: int32(depth), subID: n.subID,
			optional: n.optional, path: path, elemPath: elemPath}
		if path.sys >= 0 {
			op.sink, op.slot, op.bit = sinkSys, int8(path.sys), path.sysBit
		}
		if path.data {
			op.sink |= sinkData // its memo given by compileProgram
		}
		c.ops = append(c.ops, op)
	default:
		return false
	}
	return true
}

// run expands the template instance of args whose body, at chunk offset
// base, prog compiles: what emitNodes gives for it at the place prog was
// compiled for.
//
// While the whole program's steps and values fit in what the limits leave
// (fits), it runs the program's fast form, which counts them without
// checking them against the limits; the check is made again after
// anything else adds some (emitArg: arrays, BinXML values), and when they
// no longer fit the run goes on in ops, checking each.
func (w *bxWalker) run(prog *bxProgram, args []bxArg, base int) error {
	if !w.fits(prog) {
		return w.runChecked(prog, args, base, 0)
	}
	fast := prog.fast
	for i := 0; i < len(fast); i++ {
		f := &fast[i]
		w.steps += int(f.steps)
		op := f.op
		if op == nil {
			continue
		}
		switch op.kind {
		case opElement, opAttr:
			if allNullOptional(op.skip, args) {
				i = int(f.end) - 1
			}
		case opText:
			if w.sink != nil {
				// add's sink case; the limits were checked (fits).
				w.nvals++
				w.sink.addText(op.path, op.text)
				continue
			}
			if err := w.add(base+int(op.off), op.path, &typedValue{Type: TypeString, Text: op.text, Literal: true, Offset: base + int(op.off)}); err != nil {
				return err
			}
		case opSubst:
			if f.elem {
				if int(op.subID) < len(args) && args[op.subID].typ == TypeNull {
					continue // the element is left out
				}
				w.steps++
			}
			if w.sink != nil && int(op.subID) < len(args) {
				// A scalar for the sink, the common case, without
				// emitArg's other cases (addScalar's own checks).
				if a := &args[op.subID]; a.scalar && !(op.optional && a.typ == TypeNull) {
					w.nvals++
					switch op.sink {
					case sinkSys:
						// addSys, one call less.
						if sk := w.sink; sk.seen&op.bit == 0 {
							sk.seen |= op.bit
							if !setSystemTyped(sk.ev, int(op.slot), a, sk.chunk) {
								sk.addSysText(int(op.slot), a)
							}
						}
					case sinkData:
						w.sink.addData(op.path, a, op.memo)
					case sinkSys | sinkData: // not made by pathDataField
						w.sink.addSys(int(op.slot), op.bit, a)
						w.sink.addData(op.path, a, op.memo)
					}
					continue
				}
			}
			if err := w.emitArg(op.subID, op.optional, base+int(op.off), op.elemPath, op.path, args, int(op.depth)); err != nil {
				return err
			}
			if !w.fits(prog) {
				return w.runChecked(prog, args, base, int(f.slow)+1)
			}
		}
	}
	return nil
}

// runChecked is run from operation start of prog.ops on, checking each
// step and value against the limits.
func (w *bxWalker) runChecked(prog *bxProgram, args []bxArg, base, start int) error {
	ops := prog.ops
	for i := start; i < len(ops); i++ {
		op := &ops[i]
		if op.step {
			if err := w.step(base + int(op.off)); err != nil {
				return err
			}
		}
		switch op.kind {
		case opElement, opAttr:
			if op.skip != nil && allNullOptional(op.skip, args) {
				i = int(op.end) - 1
			}
		case opText:
			if err := w.add(base+int(op.off), op.path, &typedValue{Type: TypeString, Text: op.text, Literal: true, Offset: base + int(op.off)}); err != nil {
				return err
			}
		case opSubst:
			if err := w.emitArg(op.subID, op.optional, base+int(op.off), op.elemPath, op.path, args, int(op.depth)); err != nil {
				return err
			}
		}
	}
	return nil
}

// fits reports whether all the steps and values of prog fit in what the
// limits leave the walk.
func (w *bxWalker) fits(prog *bxProgram) bool {
	return w.steps+prog.steps <= maxStepsPerRecord && w.chunkSteps+w.steps+prog.steps <= maxStepsPerChunk &&
		w.nvals+prog.values <= maxValuesPerRecord
}

// allNullOptional is bxOnlyNullOptional for the arguments ids of optional
// substitutions.
func allNullOptional(ids []uint16, args []bxArg) bool {
	for _, id := range ids {
		if int(id) >= len(args) || args[id].typ != TypeNull {
			return false
		}
	}
	return true
}

// maxProgramsPerTemplate bounds the places (parent path, depth) a
// template is compiled for; past them it is walked node by node.
const maxProgramsPerTemplate = 4

// bxPrograms holds the compiled forms of one template body, by the place
// where it is expanded: the root for a record's outermost instance, the
// element holding a BinXML argument for a nested one.
type bxPrograms []bxPlacedProgram

type bxPlacedProgram struct {
	parent *bxPath
	depth  int
	prog   *bxProgram // nil: does not compile
}

// lookup returns the program for (parent, depth), ok false when that
// place has none yet.
func (ps bxPrograms) lookup(parent *bxPath, depth int) (prog *bxProgram, ok bool) {
	for i := range ps {
		if pp := &ps[i]; pp.parent == parent && pp.depth == depth {
			return pp.prog, true
		}
	}
	return nil, false
}

// allCompiled reports whether every place of ps has a program.
func (ps bxPrograms) allCompiled() bool {
	for i := range ps {
		if ps[i].prog == nil {
			return false
		}
	}
	return true
}

// get returns the program of body for (parent, depth), compiling it the
// first time; nil when it does not compile or the places are full.
func (ps *bxPrograms) get(body []*bxNode, parent *bxPath, depth int, sc *bxScratch) *bxProgram {
	for i := range *ps {
		if pp := &(*ps)[i]; pp.parent == parent && pp.depth == depth {
			return pp.prog
		}
	}
	if len(*ps) >= maxProgramsPerTemplate {
		return nil
	}
	prog := compileProgram(body, parent, depth, sc)
	*ps = append(*ps, bxPlacedProgram{parent, depth, prog})
	return prog
}

// program returns the compiled body of t for an expansion under parent at
// depth (shared through the template cache by the chunks that define the
// same template); nil when there is none, t.body then holding the nodes
// to walk.
//
// A cache entry drops its nodes once its body compiled at every place it
// was asked for (bxTmplEntry.dropped), so that the cache keeps the
// programs without the node trees they came from; a new place, or a walk
// node by node, parses the body again from t's chunk, and a body that
// must be walked node by node keeps its nodes from then on. The error is
// that parse's.
func (w *bxWalker) program(t *templateDef, parent *bxPath, depth int) (*bxProgram, error) {
	e, nodeByNode := t.entry, w.p.d.nodeByNode
	if e == nil {
		if nodeByNode {
			return nil, nil
		}
		return t.progs.get(t.body, parent, depth, w.p.d.sc), nil
	}
	if prog, ok := e.progs.lookup(parent, depth); ok && prog != nil && !nodeByNode {
		return prog, nil
	}
	if e.dropped && t.body == nil {
		body, err := w.p.parseBody(t, e.depth)
		if err != nil {
			return nil, err
		}
		t.body = body
	}
	if nodeByNode {
		return nil, nil
	}
	prog := e.progs.get(t.body, parent, depth, w.p.d.sc)
	switch {
	case prog == nil:
		e.body, e.dropped = t.body, false
	case !e.dropped && e.progs.allCompiled():
		e.body, e.dropped = nil, true
	}
	return prog, nil
}
