package evtx

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// bxWalker expands a parsed record into (path, value) pairs, listed in the
// record's values (plan.ordered) or handed to an eventSink, which builds the
// Event from them. A template instance runs the template's compiled
// program (bxProgram) where there is one, with the same result.
//
// Paths join element names with "/"; an attribute follows its element after
// "@"; text content takes the element's own path. A <Data> element whose Name
// bxAttr is literal text is written Data[Name=X]; any other <Data> is
// Data#i, i being its 0-based index among the Data children of its parent.
// The content of a BinXML value (type 0x21) is placed under the path of the
// element holding the substitution. An element or attribute filled only by
// optional substitutions with Null values is left out (bxOnlyNullOptional).
type bxWalker struct {
	p     *recParser
	plan  *recordValues
	steps int
	// text is the record's value text, for a listing walk: the renderings
	// of its scalar arguments, one string that their values' Text slice.
	// (The sink renders into the scratch's text itself.)
	text string
	// chunkSteps is the chunk inspector's step count when the walk began.
	chunkSteps int
	// nvals counts the values emitted.
	nvals int
	// sink, when set, takes the values instead of plan.ordered: the
	// record's Event is built as they come, and no list is made.
	sink *eventSink
	// capture, when set, gathers the values of a template-less record
	// whose shape may be compiled (bxLitProg).
	capture *[]bxLitEmit
}

func (w *bxWalker) step(off int) error {
	w.steps++
	if w.steps > maxStepsPerRecord || w.chunkSteps+w.steps > maxStepsPerChunk {
		return w.stepErr(off)
	}
	return nil
}

// stepErr is step's error, out of line so that step inlines.
//
//go:noinline
func (w *bxWalker) stepErr(off int) error {
	if w.steps > maxStepsPerRecord {
		return bxLimitf(off, "expanding the record takes more than %d steps", maxStepsPerRecord)
	}
	return bxLimitf(off, "expanding the chunk's records takes more than %d steps", maxStepsPerChunk)
}

func (w *bxWalker) add(off int, path *bxPath, v *typedValue) error {
	if w.nvals >= maxValuesPerRecord {
		return bxLimitf(off, "record yields more than %d values", maxValuesPerRecord)
	}
	w.nvals++
	if w.capture != nil {
		*w.capture = append(*w.capture, bxLitEmit{off, path, v.Text})
	}
	if w.sink != nil {
		w.sink.add(path, v)
		return nil
	}
	// Field by field: appending the struct whole is a typed copy, which
	// costs a bulk write barrier while the collector marks (wbMove, about
	// 700 instructions a value).
	o := w.plan.ordered
	n := len(o)
	if n == cap(o) {
		o = append(o, bxPathValue{})
	} else {
		o = o[:n+1]
	}
	pv := &o[n]
	pv.Path, pv.info = path.path, path
	pv.Value.Text, pv.Value.FileTime, pv.Value.Items = v.Text, v.FileTime, v.Items
	pv.Value.Offset, pv.Value.Type, pv.Value.Literal = v.Offset, v.Type, v.Literal
	w.plan.ordered = o
	if path.data {
		w.plan.nData++
	}
	if path.sys >= 0 && w.plan.sys[path.sys] == 0 {
		w.plan.sys[path.sys] = int32(len(w.plan.ordered))
	}
	return nil
}

// addScalar is add for a scalar argument a, given to the sink, which
// renders it only if it needs its text.
func (w *bxWalker) addScalar(off int, path *bxPath, a *bxArg) error {
	if w.nvals >= maxValuesPerRecord {
		return bxLimitf(off, "record yields more than %d values", maxValuesPerRecord)
	}
	w.nvals++
	w.sink.addScalar(path, a, nil)
	return nil
}

// emitNodes expands sibling nodes under parent; args are the arguments of
// the template instance whose body the nodes belong to (nil outside one).
//
// The offsets of the nodes are relative to base: a template body's to the
// body's place in the chunk, the record's own nodes to 0.
func (w *bxWalker) emitNodes(nodes []*bxNode, parent *bxPath, args []bxArg, base, depth int) error {
	dataIndex := 0
	for _, n := range nodes {
		if err := w.step(base + n.off); err != nil {
			return err
		}
		switch n.kind {
		case kindElement:
			if depth >= maxElementDepth {
				return bxLimitf(base+n.off, "elements nested more than %d deep", maxElementDepth)
			}
			if bxOnlyNullOptional(n.children, args) {
				continue // not rendered, attributes included
			}
			if base == 0 {
				// A record's own nodes, or a BinXML argument's: parsed
				// for this record and walked once, so a cache on the
				// node would cost an allocation and never be used.
				if err := w.emitElementOnce(n, parent, args, depth, &dataIndex); err != nil {
					return err
				}
				continue
			}
			wc := n.walk
			if wc == nil {
				wc = new(bxNodeWalk)
				n.walk = wc
			}
			seg, named := n.name, false
			if n.name == "Data" {
				if wc.namedSeg == "" {
					if name, ok := bxLiteralAttr(n, "Name"); ok {
						wc.namedSeg = "Data[Name=" + name + "]"
					} else {
						wc.namedSeg = "-"
					}
				}
				if named = wc.namedSeg != "-"; named {
					seg = wc.namedSeg
				} else {
					seg = dataSeg(dataIndex)
				}
				dataIndex++
			}
			var path *bxPath
			if wc.cachePath != nil && wc.cacheParent == parent && wc.cacheSeg == seg {
				path = wc.cachePath
			} else {
				if parent.path == "" {
					path = w.p.d.sc.join("", "", seg)
				} else {
					path = w.p.d.sc.join(parent.path, "/", seg)
				}
				wc.cacheParent, wc.cacheSeg, wc.cachePath = parent, seg, path
			}
			if len(wc.attrPaths) != len(n.attrs) || wc.attrParent != path {
				wc.attrPaths = wc.attrPaths[:0]
				for _, a := range n.attrs {
					wc.attrPaths = append(wc.attrPaths, w.p.d.sc.join(path.path, "@", a.name))
				}
				wc.attrParent = path
			}
			for i := range n.attrs {
				if a := &n.attrs[i]; attrRendered(a, named, args) {
					if err := w.emitAttr(a, path, wc.attrPaths[i], args, base, depth); err != nil {
						return err
					}
				}
			}
			if err := w.emitNodes(n.children, path, args, base, depth+1); err != nil {
				return err
			}
		case kindText, kindSubst:
			if err := w.emitValue(n, parent, parent, args, base, depth); err != nil {
				return err
			}
		case kindInstance:
			prog, err := w.program(n.inst.tmpl, parent, depth)
			if err != nil {
				return err
			}
			if prog != nil {
				// The template's body, compiled for this place.
				if err := w.run(prog, n.inst.args, n.inst.tmpl.base); err != nil {
					return err
				}
				continue
			}
			if err := w.emitNodes(n.inst.tmpl.body, parent, n.inst.args, n.inst.tmpl.base, depth); err != nil {
				return err
			}
		}
	}
	return nil
}

// emitElementOnce is the element case of emitNodes for a node walked once
// (base 0: template bodies have a base, their place in the chunk): the
// paths are looked up in the scratch's table without building their
// segments, and nothing is kept on the node.
func (w *bxWalker) emitElementOnce(n *bxNode, parent *bxPath, args []bxArg, depth int, dataIndex *int) error {
	sc := w.p.d.sc
	var path *bxPath
	named := false
	switch {
	case n.name != "Data":
		path = sc.joinChild(parent.path, n.name, "", "")
	default:
		if name, ok := bxLiteralAttr(n, "Name"); ok {
			path, named = sc.joinChild(parent.path, "Data[Name=", name, "]"), true
		} else {
			path = sc.joinChild(parent.path, dataSeg(*dataIndex), "", "")
		}
		*dataIndex++
	}
	for i := range n.attrs {
		if a := &n.attrs[i]; attrRendered(a, named, args) {
			if err := w.emitAttr(a, path, sc.join(path.path, "@", a.name), args, 0, depth); err != nil {
				return err
			}
		}
	}
	return w.emitNodes(n.children, path, args, 0, depth+1)
}

// attrRendered reports whether attribute a of an element gives values: not
// the Name of a named Data (named), already in its path, nor one of Null
// optional substitutions only, which is not rendered.
func attrRendered(a *bxAttr, named bool, args []bxArg) bool {
	return !(named && a.name == "Name") && !bxOnlyNullOptional(a.value, args)
}

// emitAttr emits the values of attribute a, at ap, of the element at path.
func (w *bxWalker) emitAttr(a *bxAttr, path, ap *bxPath, args []bxArg, base, depth int) error {
	for _, v := range a.value {
		if err := w.emitValue(v, path, ap, args, base, depth); err != nil {
			return err
		}
	}
	return nil
}

// dataSegs holds the first unnamed Data segments, built once.
var dataSegs = func() (s [64]string) {
	for i := range s {
		s[i] = "Data#" + strconv.Itoa(i)
	}
	return s
}()

// dataSeg returns "Data#i".
func dataSeg(i int) string {
	if i < len(dataSegs) {
		return dataSegs[i]
	}
	return "Data#" + strconv.Itoa(i)
}

// emitValue emits a text or substitution node at path; elemPath is the path
// of the element that holds it (nested BinXML goes there).
func (w *bxWalker) emitValue(n *bxNode, elemPath, path *bxPath, args []bxArg, base, depth int) error {
	if n.kind == kindText {
		return w.add(base+n.off, path, &typedValue{Type: TypeString, Text: n.text, Literal: true, Offset: base + n.off})
	}
	if n.kind != kindSubst {
		return nil
	}
	return w.emitArg(n.subID, n.optional, base+n.off, elemPath, path, args, depth)
}

// emitArg emits the values of argument id of args for a substitution at
// chunk offset off (optional: an optional substitution).
func (w *bxWalker) emitArg(id uint16, optional bool, off int, elemPath, path *bxPath, args []bxArg, depth int) error {
	if int(id) >= len(args) {
		// Windows' own renderer refuses such a record; keep the slot
		// visible as a null value.
		return w.add(off, path, &typedValue{Type: TypeNull, Offset: off})
	}
	a := &args[id]
	if optional && a.typ == TypeNull {
		return nil // renders nothing
	}
	if !a.scalar {
		e := w.p.d.sc.exts[a.ext]
		if a.typ == TypeBinXML {
			return w.emitNodes(e.sub, elemPath, nil, 0, depth)
		}
		if len(e.val.Items) == 0 {
			v := e.val
			v.Text = ""
			return w.add(a.off, path, &v)
		}
		for _, it := range e.val.Items {
			v := e.val
			v.Text = it
			if err := w.add(a.off, path, &v); err != nil {
				return err
			}
			if err := w.step(a.off); err != nil {
				return err
			}
		}
		return nil
	}
	if w.sink != nil {
		return w.addScalar(a.off, path, a)
	}
	// The arena's argument holds no text: the record's text has it
	// (renderArgs rendered every scalar before a listing walk).
	v := typedValue{Type: a.typ, Offset: a.off, Text: w.text[a.ts:a.te]}
	if a.typ == TypeFileTime {
		v.FileTime = binary.LittleEndian.Uint64(a.bytes(w.p.d.chunk))
	}
	return w.add(a.off, path, &v)
}

// bxOnlyNullOptional reports whether nodes, the content of an element or the
// value of an attribute, are one or more optional substitutions whose
// arguments are Null and nothing else. Such an element or attribute is not
// rendered (MS-EVEN6: an optional substitution with a Null value removes
// what holds it), so it gives no value; an element with other content
// (text, child elements) keeps it. A normal substitution with a Null value
// and a value of another type that is empty are rendered, as empty text.
func bxOnlyNullOptional(nodes []*bxNode, args []bxArg) bool {
	if len(nodes) == 0 {
		return false
	}
	for _, n := range nodes {
		if n.kind != kindSubst || !n.optional || int(n.subID) >= len(args) || args[n.subID].typ != TypeNull {
			return false
		}
	}
	return true
}

// bxLiteralAttr returns the value of attribute name of n when it is literal
// text only.
func bxLiteralAttr(n *bxNode, name string) (string, bool) {
	for _, a := range n.attrs {
		if a.name != name {
			continue
		}
		if len(a.value) == 1 && a.value[0].kind == kindText {
			return a.value[0].text, true // the common case, without a copy
		}
		var b strings.Builder
		for _, v := range a.value {
			if v.kind != kindText {
				return "", false
			}
			b.WriteString(v.text)
		}
		return b.String(), true
	}
	return "", false
}
