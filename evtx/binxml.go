package evtx

// The BinXML pre-pass.
//
// Every record of a chunk is inspected here before the chunk is handed to the
// Velocidex decoder. The pre-pass parses the record's BinXML exactly (token
// grammar, template definitions and references, substitution values) and
// either returns a recordValues, the exact typed value of every
// substitution and literal keyed by XML path, or an error saying why the
// record must be kept away from Velocidex.
//
// Three outcomes of chunkInspector.inspect:
//
//   - plan, nil: the record is well-formed and Velocidex reads it the same
//     way; it may be decoded by Velocidex, and the plan's values override
//     Velocidex's inexact renderings.
//   - plan, err: the record is well-formed and fully decoded by the pre-pass,
//     but the pinned Velocidex version would misread it (tokens whose payload
//     it does not consume, a template it cannot resolve by ID, ...; err wraps
//     ErrBadRecord), or it would cost Velocidex too much (err wraps ErrLimit).
//     The record must not be given to Velocidex; the plan alone describes it.
//   - nil, err: the record is damaged or exceeds a limit. err wraps
//     ErrBadRecord or ErrLimit and names the chunk-relative offset.
//
// Paths (the keys of a plan): element names joined by "/", an attribute after
// "@" ("Event/System/Provider@Name"), text content at its element's own path
// ("Event/System/EventID"). A <Data> whose Name attribute is literal text is
// "Data[Name=X]" (that Name attribute is not listed again); any other <Data>
// is "Data#i", i its 0-based index among the Data children of its parent.
// The content of a BinXML value (type 0x21) is placed under the path of the
// element holding the substitution ("Event/UserData/EventXML/Param1").
// Literal template text is listed too (typedValue.Literal), a run of text and
// entity or character references as one value. A missing argument, and a
// Null value of a normal substitution, give a TypeNull value with empty
// text; an optional substitution with a Null value gives nothing, and an
// element or attribute it alone fills is left out. Namespace declarations
// are listed (the Event layer drops them). The renderings are described in
// binxml_value.go.
//
// A template-less record whose shape an earlier one had (binxml_literal.go)
// is decoded without being parsed into nodes, with the same result.
//
// Templates defined by a record are remembered (by definition offset) only
// when the plan is returned, and Velocidex is assumed to know them only when
// the record is handed to it (err == nil). A later reference to a template
// Velocidex never saw is therefore reported as a plan-with-error too.

import (
	"encoding/binary"
	"fmt"
)

// Limits of the pre-pass. Hitting one refuses the record with an error that
// wraps ErrLimit and names the offset; other records of the chunk are not
// affected.
const (
	// The argument count of a template instance is capped by
	// maxTemplateArgs (limits.go), shared with the reader's guard so that
	// both checks agree.
	// maxElementDepth caps the nesting depth of XML elements, counted
	// across nested BinXML values (type 0x21).
	maxElementDepth = 64
	// maxBinXMLNesting caps how deep BinXML values (type 0x21) nest in
	// each other.
	maxBinXMLNesting = 16
	// maxScanArraysPerChunk caps the array arguments of types 0x86, 0x8a
	// and 0x95 handed to Velocidex in one chunk: it reads each of them to
	// the end of the chunk, allocating for every element. A record past
	// the cap is still decoded by the pre-pass (plan and error wrapping
	// ErrLimit) but kept from Velocidex.
	maxScanArraysPerChunk = 64
	// maxValuesPerRecord caps the (path, value) pairs one record yields.
	maxValuesPerRecord = 8192
	// maxValuesPerChunk caps the pairs all the plans of one chunk hold, so
	// that the memory of a chunk's plans stays near 10 MiB whatever a
	// crafted template repeats. Real chunks hold a few thousand.
	maxValuesPerChunk = 1 << 16
	// maxStepsPerRecord caps the work of expanding one record (nodes
	// visited, items emitted), against templates that reference large
	// nested BinXML values many times over.
	maxStepsPerRecord = 1 << 18
	// maxStepsPerChunk caps the same work over a whole chunk, refused
	// records included. Real chunks take a few tens of thousands.
	maxStepsPerChunk = 1 << 20
)

// Fixed sizes of the record framing.
const (
	bxRecHeader  = 24 // magic, size, record ID, FILETIME
	bxRecTrailer = 4  // copy of the size
	bxRecMin     = bxRecHeader + bxRecTrailer + 1
)

var bxRecMagic = [4]byte{0x2a, 0x2a, 0x00, 0x00}

// BinXML tokens (the 0x40 bit, "more data" or "has attributes", is masked
// off before comparing, except where it changes the layout).
const (
	bxTokEOF           = 0x00
	bxTokOpenStart     = 0x01
	bxTokCloseStart    = 0x02
	bxTokCloseEmpty    = 0x03
	bxTokEndElement    = 0x04
	bxTokValue         = 0x05
	bxTokAttribute     = 0x06
	bxTokCDATA         = 0x07
	bxTokCharRef       = 0x08
	bxTokEntityRef     = 0x09
	bxTokPITarget      = 0x0a
	bxTokPIData        = 0x0b
	bxTokTemplate      = 0x0c
	bxTokNormalSubst   = 0x0d
	bxTokOptionalSubst = 0x0e
	bxTokFragment      = 0x0f
	bxTokMoreFlag      = 0x40
)

// typedValue is one value of a record, rendered the way Windows renders it in
// its XML (wevtutil qe /f:xml), unescaped.
type typedValue struct {
	Text string // rendering; for an array, the rendering of this item
	// FileTime is the raw FILETIME (100 ns ticks since 1601) for
	// TypeFileTime values, else 0.
	FileTime uint64
	// Items holds every item's rendering when the value is an array;
	// Windows repeats the enclosing element once per item, so the ordered
	// list of a plan has one entry per item, all with the same path.
	Items []string
	// Offset is the chunk-relative offset of the value's bytes.
	Offset int
	Type   Type // stored value type (TypeArrayFlag set for array items)
	// Literal marks text written in the template itself (for example a
	// Provider Name that is not a substitution), as opposed to a
	// substitution value.
	Literal bool
	// (Fields ordered so that the struct is 64 bytes: plans copy it once
	// per value of every record.)
}

// bxPathValue is one (path, value) pair in document order.
type bxPathValue struct {
	Path  string
	Value typedValue
	// info is Path interned with what the Event layer derives from it;
	// nil in plans built by hand, where it is derived from Path.
	info *bxPath
}

// bxPath is an interned plan path and what the Event layer derives from
// it, computed once per path instead of once per value.
type bxPath struct {
	path string
	sys  int // index in systemFields, -1 when not a System path
	// sysBit is 1<<sys, 0 when not a System path (eventSink.seen).
	sysBit uint32
	field  string // the data field name (pathFieldName)
	data   bool   // a data field: under EventData or UserData, no namespace declaration
}

func newBxPath(path string) *bxPath {
	p := &bxPath{path: path, sys: -1}
	if s, ok := planSysSlot[path]; ok {
		p.sys, p.sysBit = s, 1<<s
	}
	p.field, p.data = pathDataField(path)
	return p
}

// binxmlError is the typed error of the pre-pass. It wraps ErrBadRecord or
// ErrLimit and names the chunk-relative offset of the fault.
type binxmlError struct {
	Offset int    // chunk-relative offset of the fault
	Msg    string // what is wrong
	Err    error  // ErrBadRecord or ErrLimit
}

func (e *binxmlError) Error() string {
	return fmt.Sprintf("%v: %s at chunk offset %d (0x%x)", e.Err, e.Msg, e.Offset, e.Offset)
}

func (e *binxmlError) Unwrap() error { return e.Err }

func bxBadf(off int, format string, a ...any) error {
	return &binxmlError{Offset: off, Msg: fmt.Sprintf(format, a...), Err: ErrBadRecord}
}

// fallbackSafe marks the refusals the Velocidex fallback is given: a
// template instance whose definition no earlier record of the chunk holds
// (a chunk whose first records were overwritten: the decoder may know the
// template by ID from the other records), and a fragment header version
// other than 1.1 (which the decoder skips unread). A record refused for
// malformed BinXML is never handed over: it can keep the decoder busy
// without bound (a fuzzed chunk took it 89 s).
type fallbackSafe struct{ error }

func (fallbackSafe) Unwrap() error { return ErrBadRecord }

// bxFallbackf is bxBadf for a refusal the fallback may try.
func bxFallbackf(off int, format string, a ...any) error {
	return &binxmlError{Offset: off, Msg: fmt.Sprintf(format, a...), Err: fallbackSafe{ErrBadRecord}}
}

func bxLimitf(off int, format string, a ...any) error {
	return &binxmlError{Offset: off, Msg: fmt.Sprintf(format, a...), Err: ErrLimit}
}

// templateDef is a parsed template definition.
type templateDef struct {
	offset uint32 // chunk-relative offset of the definition
	id     uint32 // template ID given by the instance that defined it
	guid   [16]byte
	size   uint32 // data size of the body
	// body holds the parsed body, its nodes' offsets relative to base,
	// the chunk offset of the body's first byte: bodies are shared
	// between the chunks that define the same template (bxTmplCache).
	body []*bxNode
	base int
	// unsafe, when set, says why the pinned Velocidex would misread the
	// body; every record using the template is then kept from it.
	unsafe string
	// velocidexKnows is true once a record defining it was handed to
	// Velocidex (inspect returned no error).
	velocidexKnows bool
	// entry is the body's place in the template cache (nil: not cached,
	// progs then holds its compiled forms: bxWalker.program).
	entry *bxTmplEntry
	progs bxPrograms
}

// chunkInspector inspects the records of one chunk, in file order. It is not
// safe for concurrent use; use one per chunk.
type chunkInspector struct {
	chunk     []byte
	templates map[uint32]*templateDef // by definition offset
	// recent holds entries of templates, by definition offset modulo
	// its size (template): records refer to a few definitions, again
	// and again.
	recent [16]struct {
		off uint32
		t   *templateDef
	}
	names      map[uint32]string // names referenced by offset
	scanArrays int               // 0x86/0x8a/0x95 arguments handed to Velocidex so far
	values     int               // values in the plans returned so far
	steps      int               // expansion steps spent so far
	// velocidexIDs holds the template IDs Velocidex has learnt from the
	// records handed to it; it resolves templates by ID, not offset.
	velocidexIDs map[uint32]bool
	// sc holds what outlives the chunk: interned paths, the argument
	// arena. One per worker (newChunkInspectorScratch), or per chunk.
	sc *bxScratch
	// nodes is the current block of the chunk's node slab (newNode).
	nodes []bxNode
	// vals is the current block of the chunk's value slab (carveValues).
	vals []bxPathValue
	// ptrSlab and attrSlab are the current blocks of the slabs of node
	// lists and attribute lists (carveNodes, carveAttrs).
	ptrSlab  []*bxNode
	attrSlab []bxAttr
	// rp is the parser of the record being inspected; pendingMap is the
	// map its pending definitions use, emptied per record.
	rp         recParser
	pendingMap map[uint32]*templateDef
	// nodeByNode, when set, walks every template node by node, without
	// its compiled form (bxProgram): the reference the programs are
	// tested against.
	nodeByNode bool
	// direct, when set, builds the Event of each record that resolves
	// (names a provider and an event ID) and that the decoder is not to
	// see (no error) as its values are walked, in the plan's ev, instead
	// of listing them: the plan then holds no values.
	direct bool
	// transient, when set, leaves each plan's values in the worker's
	// scratch, valid only until the next inspect: the caller either
	// consumes them at once or keeps them with keepValues.
	transient bool
	// detached is set while a record left in the chunk's slack from an
	// earlier use of the chunk is inspected (Options.Recover): the records
	// that defined its templates may be overwritten, so a reference to a
	// template no inspected record defined is read in place, where the
	// definition may survive (see definitionAt), and the record is kept
	// from the decoder.
	detached bool
}

// keepValues copies the values of a plan returned by a transient inspect
// into the chunk's value slab, so that they outlive the next inspect.
func (d *chunkInspector) keepValues(p *recordValues) {
	p.ordered = d.carveValues(p.ordered)
}

// carveNodes copies src into the chunk's slab of node lists; nil when empty.
func (d *chunkInspector) carveNodes(src []*bxNode) []*bxNode {
	n := len(src)
	if n == 0 {
		return nil
	}
	if cap(d.ptrSlab)-len(d.ptrSlab) < n {
		d.ptrSlab = make([]*bxNode, 0, max(n, 256))
	}
	start := len(d.ptrSlab)
	d.ptrSlab = append(d.ptrSlab, src...)
	return d.ptrSlab[start : start+n : start+n]
}

// carveRecordNodes is carveNodes for a list that lives only while the
// record is inspected (the nodes of a record's own fragments): it comes
// from the worker's record arena, reused from record to record. When the
// arena grows, lists handed out earlier keep the old block, which stays
// valid.
func (d *chunkInspector) carveRecordNodes(src []*bxNode) []*bxNode {
	n := len(src)
	if n == 0 {
		return nil
	}
	sc := d.sc
	if cap(sc.recPtrs)-len(sc.recPtrs) < n {
		sc.recPtrs = make([]*bxNode, 0, max(2*cap(sc.recPtrs), n, 16))
	}
	start := len(sc.recPtrs)
	sc.recPtrs = append(sc.recPtrs, src...)
	return sc.recPtrs[start : start+n : start+n]
}

// carveAttrs copies src into the chunk's slab of attribute lists; nil when
// empty.
func (d *chunkInspector) carveAttrs(src []bxAttr) []bxAttr {
	n := len(src)
	if n == 0 {
		return nil
	}
	if cap(d.attrSlab)-len(d.attrSlab) < n {
		d.attrSlab = make([]bxAttr, 0, max(n, 64))
	}
	start := len(d.attrSlab)
	d.attrSlab = append(d.attrSlab, src...)
	return d.attrSlab[start : start+n : start+n]
}

// planBlock is the number of plans a planArena allocates at once.
const planBlock = 32

// planArena hands out plans in blocks, reused from chunk to chunk: plans
// live as long as their chunk's events are being built.
type planArena struct {
	plans blockArena[recordValues]
	// defined backs the plans' defined lists.
	defined sliceSlab[uint32]
}

// reset makes every plan handed out reusable.
func (a *planArena) reset() { a.plans.reset(); a.defined.reset() }

// carveDefined returns a defined list of n offsets for a plan, to be set.
func (a *planArena) carveDefined(n int) []uint32 { return a.defined.carve(n, 256) }

// next returns a zeroed plan.
func (a *planArena) next() *recordValues {
	p := a.plans.take(planBlock)
	*p = recordValues{}
	return p
}

// tdefArena hands out the template definitions of the chunk being
// inspected in blocks, reused from chunk to chunk: a definition is only
// referred to from the chunk's inspector and the records it inspects.
type tdefArena struct{ blockArena[templateDef] }

// tdefBlock is the size of a tdefArena's blocks.
const tdefBlock = 32

// next returns a definition set to t.
func (a *tdefArena) next(t templateDef) *templateDef {
	p := a.take(tdefBlock)
	*p = t
	return p
}

// template returns the definition at chunk offset off that an earlier
// record defined (templates), nil when there is none.
func (d *chunkInspector) template(off uint32) *templateDef {
	r := &d.recent[off%uint32(len(d.recent))]
	if r.t != nil && r.off == off {
		return r.t
	}
	t := d.templates[off]
	if t != nil {
		r.off, r.t = off, t
	}
	return t
}

// define records t as the definition at chunk offset off.
func (d *chunkInspector) define(off uint32, t *templateDef) {
	d.templates[off] = t
	if r := &d.recent[off%uint32(len(d.recent))]; r.off == off {
		r.t = t
	}
}

// newPlan returns a zeroed plan from the worker's plan arena.
func (d *chunkInspector) newPlan() *recordValues {
	return d.sc.plans.next()
}

// newInstance returns an instance from the worker's instance arena, reset
// per record like the arguments (allocArgs). It may hold an earlier
// record's instance: the caller sets its tmpl and args, and its node's
// kind, off and inst, the only fields an instance's node has (the others
// stay zero: nothing writes them).
func (d *chunkInspector) newInstance() *bxInstance {
	sc := d.sc
	if len(sc.insts) == cap(sc.insts) {
		sc.insts = make([]bxInstance, 0, max(2*cap(sc.insts), 8))
	}
	sc.insts = sc.insts[:len(sc.insts)+1]
	return &sc.insts[len(sc.insts)-1]
}

// valueBlock is the least number of values carveValues allocates at once
// (24 KiB, below the runtime's large-object size).
const valueBlock = 256

// carveValues copies src into the chunk's value slab and returns the copy,
// with its capacity cut to its length; nil when src is empty. The plans of a
// chunk live as long as the chunk's events are being built.
func (d *chunkInspector) carveValues(src []bxPathValue) []bxPathValue {
	n := len(src)
	if n == 0 {
		return nil
	}
	if cap(d.vals)-len(d.vals) < n {
		d.vals = make([]bxPathValue, 0, max(n, valueBlock))
	}
	start := len(d.vals)
	d.vals = append(d.vals, src...)
	return d.vals[start : start+n : start+n]
}

// newNode allocates blocks of nodes, from 16 nodes doubling to 128 (below the
// runtime's large-object size).
const (
	minNodeBlock = 16
	maxNodeBlock = 128
)

// newNode returns a pointer to a copy of n in the chunk's node slab: nodes
// (template bodies, record fragments) live as long as the chunk inspector, so
// they are allocated in blocks rather than one by one.
func (d *chunkInspector) newNode(n bxNode) *bxNode {
	if len(d.nodes) == cap(d.nodes) {
		d.nodes = make([]bxNode, 0, min(max(2*cap(d.nodes), minNodeBlock), maxNodeBlock))
	}
	d.nodes = append(d.nodes, n)
	return &d.nodes[len(d.nodes)-1]
}

// maxInternedPaths bounds a scratch's path table; it is emptied when full.
const maxInternedPaths = 1 << 14

// bxScratch is the reusable state of the pre-pass across the chunks one
// worker inspects, one chunk at a time. Paths are a property of the
// templates, which recur from chunk to chunk: interning them saves a
// string per element and attribute of every template definition.
type bxScratch struct {
	paths map[string]*bxPath
	key   []byte
	// args is the arena of the template arguments of the record being
	// inspected (see allocArgs); exts[:nExt] are the side entries of its
	// BinXML and array arguments (newArgExt).
	args []bxArg
	exts []*bxArgExt
	nExt int
	// recPtrs is the arena of the node lists of the record being
	// inspected (carveRecordNodes).
	recPtrs []*bxNode
	// compileOps is compileProgram's working list of operations.
	compileOps []bxOp
	// foldEnds and foldPos are foldSteps' scratch.
	foldEnds []bool
	foldPos  []int32
	// ordered gathers the values of the record being inspected.
	ordered []bxPathValue
	// text gathers the renderings of the scalar arguments of the record
	// being inspected (bxArg.render).
	text []byte
	// tmpl caches template bodies across chunks; tbody is cachedBody's
	// copy of the body it checks.
	tmpl  bxTmplCache
	tbody []byte
	// nameMemo remembers, for the chunk being inspected, which name
	// the name structures that cached bodies refer to hold (nameIs);
	// its entries of another generation than memoGen are free.
	nameMemo [bxNameMemoSize]bxNameMemoEntry
	memoGen  uint32
	// insts is the arena of the template instances of the record being
	// inspected (newInstance).
	insts []bxInstance
	// ptrs and attrs are stacks gathering the children, attributes and
	// attribute values of the elements being parsed.
	ptrs  []*bxNode
	attrs []bxAttr
	// root is the root path, the parent of a record's nodes: one
	// pointer for the scratch's life, the key of the programs compiled
	// for the root (bxPrograms).
	root *bxPath
	// sink builds the Event of the record being inspected (direct).
	sink eventSink
	// lit holds the compiled shapes of template-less records (see
	// bxLitProg).
	lit bxLitCache
	// templates, names and velocidexIDs are the maps of the chunk
	// inspector using the scratch, kept from chunk to chunk so that they
	// do not grow again in each.
	templates    map[uint32]*templateDef
	names        map[uint32]string
	velocidexIDs map[uint32]bool
	// plans holds the plans of the chunk being inspected (newPlan);
	// whoever inspects chunks one after the other with this scratch
	// resets it per chunk.
	plans planArena
	// tdefs holds the template definitions of the chunk being
	// inspected; a new inspector resets it.
	tdefs tdefArena
}

// bxTmplCache holds the parsed bodies of the template definitions a worker
// has read, so that a template defined again in a later chunk, as every
// chunk defines the templates its records use, is not parsed again.
//
// A body is looked up by GUID, size and element depth, and reused only when
// its bytes equal the cached ones except for its name references, which are
// chunk offsets: an inline reference (to the name structure that follows
// it) must be inline here too, at the same place in the body, and the
// "next name" offset of that structure, which the parser skips, is not
// compared; a reference to a name elsewhere in the chunk must find there
// the same characters (compared once per chunk and offset: nameIs). A
// body that fails to parse, or that the pinned Velocidex would misread,
// is never cached. The result is what parsing it would give, node for
// node, offsets relative to the body.
type bxTmplCache struct {
	m map[bxTmplKey]*bxTmplEntry
	// nameIDs numbers the names (count and characters) the entries
	// refer to (bxRefCheck.id): equal IDs, equal names; names[id-1] is
	// the name of ID id.
	nameIDs   map[string]uint32
	names     []string
	nameBytes int // the bytes of names
}

type bxTmplKey struct {
	guid  [16]byte
	size  uint32
	depth int
}

type bxTmplEntry struct {
	// masked is the body's bytes with its name references zeroed (eight
	// bytes for an inline one: the reference and the next-name offset,
	// four for another), what cachedBody compares in one pass; refs,
	// its name references in order.
	masked []byte
	refs   []bxRefCheck
	// body is the parsed body, its nodes' offsets relative to its start,
	// parsed at element depth depth; nil once dropped (bxWalker.program):
	// the chunks then parse it again when they need its nodes.
	body    []*bxNode
	depth   int
	dropped bool
	// progs holds the body's compiled forms (bxWalker.program).
	progs bxPrograms
}

// bxNameRef is a name reference of a template body, as the parser
// records it.
type bxNameRef struct {
	pos    int  // body-relative offset of the reference
	inline bool // to the name structure that follows it
	ref    int  // the chunk offset referred to, when not inline
}

// bxRefCheck is a name reference of a cached body: its body-relative
// offset and, for a reference to a name stored elsewhere (not inline),
// the ID of that name's count and characters in bxTmplCache.nameIDs (0:
// inline).
type bxRefCheck struct {
	pos, id uint32
}

// bxNameAt returns the count and characters of the name structure at
// chunk offset ref, nil when it does not fit (readName's bounds).
func bxNameAt(chunk []byte, ref int) []byte {
	if ref < chunkHeaderSize || ref > len(chunk)-8 {
		return nil
	}
	n := int(binary.LittleEndian.Uint16(chunk[ref+6:]))
	if ref+8+2*n+2 > len(chunk) {
		return nil
	}
	return chunk[ref+6 : ref+8+2*n]
}

// maxCachedTemplates and maxCachedNameBytes bound a worker's template
// cache, its entries and the bytes of the names they refer to; it is
// emptied when either is reached.
const (
	maxCachedTemplates = 512
	maxCachedNameBytes = 1 << 20
)

// cachedBody returns the cache entry of the body of size bytes at
// chunk[start:], nil when none matches.
//
// The body's bytes are copied with its name references zeroed, as in the
// entry's masked copy, and compared in one pass; then each reference is
// checked (bxTmplCache).
func (s *bxScratch) cachedBody(guid [16]byte, size uint32, depth int, chunk []byte, start int) *bxTmplEntry {
	e := s.tmpl.m[bxTmplKey{guid, size, depth}]
	if e == nil {
		return nil
	}
	b := chunk[start : start+int(size)]
	m := append(s.tbody[:0], b...)
	s.tbody = m
	for _, nr := range e.refs {
		r := int(nr.pos)
		ref := int(binary.LittleEndian.Uint32(b[r:]))
		if nr.id == 0 {
			if ref != start+r+4 {
				return nil
			}
			binary.LittleEndian.PutUint64(m[r:], 0) // the reference and the next-name offset
			continue
		}
		if ref == start+r+4 {
			return nil // inline here, not in the cached body
		}
		binary.LittleEndian.PutUint32(m[r:], 0)
		if me := &s.nameMemo[bxNameMemoSlot(ref)]; me.gen == s.memoGen && me.ref == uint32(ref) {
			if me.id != nr.id {
				return nil
			}
		} else if !s.nameIs(chunk, ref, s.tmpl.names[nr.id-1], nr.id) {
			return nil
		}
	}
	if string(m) != string(e.masked) {
		return nil
	}
	return e
}

// cacheBody keeps the parsed body of raw, a body of chunk, and returns
// its entry (nil: not kept).
func (s *bxScratch) cacheBody(guid [16]byte, size uint32, depth int, chunk, raw []byte, names []bxNameRef, body []*bxNode) *bxTmplEntry {
	if s.tmpl.m == nil || len(s.tmpl.m) >= maxCachedTemplates || s.tmpl.nameBytes >= maxCachedNameBytes {
		s.tmpl.m = make(map[bxTmplKey]*bxTmplEntry, 64)
		// The name IDs go with the entries that hold them, and the
		// memo of the names they vouch for with them.
		s.tmpl.nameIDs = make(map[string]uint32, 256)
		s.tmpl.names, s.tmpl.nameBytes = s.tmpl.names[:0], 0
		s.newNameMemo()
	}
	e := &bxTmplEntry{masked: append([]byte(nil), raw...), refs: make([]bxRefCheck, len(names)), body: body, depth: depth}
	for i, nr := range names {
		e.refs[i].pos = uint32(nr.pos)
		if nr.inline {
			binary.LittleEndian.PutUint64(e.masked[nr.pos:], 0)
			continue
		}
		binary.LittleEndian.PutUint32(e.masked[nr.pos:], 0)
		name := bxNameAt(chunk, nr.ref)
		if name == nil {
			return nil // not read as a name: not cached
		}
		id, ok := s.tmpl.nameIDs[string(name)]
		if !ok {
			s.tmpl.names = append(s.tmpl.names, string(name))
			s.tmpl.nameBytes += len(name)
			id = uint32(len(s.tmpl.names))
			s.tmpl.nameIDs[s.tmpl.names[id-1]] = id
		}
		e.refs[i].id = id
	}
	s.tmpl.m[bxTmplKey{guid, size, depth}] = e
	return e
}

// bxNameMemoSize is the number of entries of bxScratch.nameMemo, 1 <<
// bxNameMemoBits.
const (
	bxNameMemoBits = 9
	bxNameMemoSize = 1 << bxNameMemoBits
)

// bxNameMemoEntry records that the chunk's name structure at ref holds the
// name of ID id (bxTmplCache.nameIDs); it is valid while gen is the
// scratch's memoGen.
type bxNameMemoEntry struct {
	gen, ref, id uint32
}

// newNameMemo empties the name memo: a new chunk, or new name IDs.
func (s *bxScratch) newNameMemo() {
	s.memoGen++
	if s.memoGen == 0 {
		s.nameMemo = [bxNameMemoSize]bxNameMemoEntry{}
		s.memoGen = 1
	}
}

// nameIs reports whether the name structure at chunk offset ref holds
// name, whose ID is id. A name read once at ref is remembered for the
// chunk by its ID, so that the other bodies referring to it compare IDs,
// not characters.
func (s *bxScratch) nameIs(chunk []byte, ref int, name string, id uint32) bool {
	h := bxNameMemoSlot(ref)
	for i := range 4 {
		m := &s.nameMemo[(h+i)&(bxNameMemoSize-1)]
		if m.gen != s.memoGen {
			at := bxNameAt(chunk, ref)
			if at == nil || string(at) != name {
				return false
			}
			*m = bxNameMemoEntry{gen: s.memoGen, ref: uint32(ref), id: id}
			return true
		}
		if m.ref == uint32(ref) {
			return m.id == id
		}
	}
	at := bxNameAt(chunk, ref)
	return at != nil && string(at) == name
}

// bxNameMemoSlot returns the first slot of ref in bxScratch.nameMemo.
func bxNameMemoSlot(ref int) int {
	return int(uint32(ref) * 0x9E3779B1 >> (32 - bxNameMemoBits))
}

// bxRelocate makes the offsets of a template body's nodes relative to base.
func bxRelocate(nodes []*bxNode, base int) {
	for _, n := range nodes {
		n.off -= base
		for _, a := range n.attrs {
			bxRelocate(a.value, base)
		}
		bxRelocate(n.children, base)
	}
}

// join returns a+sep+b, interned.
func (s *bxScratch) join(a, sep, b string) *bxPath {
	s.key = append(append(append(s.key[:0], a...), sep...), b...)
	return s.internKey()
}

// joinChild returns the path of a child element of parent, whose segment
// is seg1+seg2+seg3 (join(parent, "/", segment), or the segment alone
// under the root), interned; the segment is not built when the path is
// known.
func (s *bxScratch) joinChild(parent, seg1, seg2, seg3 string) *bxPath {
	s.key = append(s.key[:0], parent...)
	if parent != "" {
		s.key = append(s.key, '/')
	}
	s.key = append(append(append(s.key, seg1...), seg2...), seg3...)
	return s.internKey()
}

// internKey returns the interned path spelled by s.key, made when new.
func (s *bxScratch) internKey() *bxPath {
	if p, ok := s.paths[string(s.key)]; ok {
		return p
	}
	if s.paths == nil || len(s.paths) >= maxInternedPaths {
		s.paths = make(map[string]*bxPath, 256)
	}
	p := newBxPath(string(s.key))
	s.paths[p.path] = p
	return p
}

// resetArgs empties the argument arena before a record is inspected; the
// previous record's instances are no longer referenced. The arguments hold
// no pointers and are set whole when allocated, and so are the instances
// (newInstance): neither is cleared, which for the instances would cost
// a bulk write barrier while the collector marks. Only the side entries
// the previous record used are, to drop their parsed values.
func (d *chunkInspector) resetArgs() {
	sc := d.sc
	sc.args = sc.args[:0]
	for _, e := range sc.exts[:sc.nExt] {
		*e = bxArgExt{}
	}
	sc.nExt = 0
	sc.insts = sc.insts[:0]
}

// newArgExt returns a zeroed side entry for an argument of the record being
// inspected, and its index. Entries are allocated one by one and reused,
// so an entry does not move while more are added.
func (d *chunkInspector) newArgExt() (int32, *bxArgExt) {
	sc := d.sc
	if sc.nExt == len(sc.exts) {
		sc.exts = append(sc.exts, new(bxArgExt))
	}
	sc.nExt++
	return int32(sc.nExt - 1), sc.exts[sc.nExt-1]
}

// renderArgs renders every scalar argument of the record being inspected
// that is not yet rendered, for a walk that lists the values, and returns
// the record's value text.
func (d *chunkInspector) renderArgs() string {
	sc := d.sc
	for i := range sc.args {
		if a := &sc.args[i]; a.scalar {
			sc.text = a.render(sc.text, d.chunk)
		}
	}
	return string(sc.text)
}

// allocArgs returns n arguments from the arena, not zeroed: the caller
// sets each whole. When the arena grows,
// slices handed out earlier keep the old backing array, which stays valid.
func (d *chunkInspector) allocArgs(n int) []bxArg {
	sc := d.sc
	if cap(sc.args)-len(sc.args) < n {
		sc.args = make([]bxArg, 0, max(2*cap(sc.args), len(sc.args)+n, 64))
	}
	start := len(sc.args)
	sc.args = sc.args[:start+n]
	return sc.args[start : start+n : start+n]
}

// newChunkInspector returns an inspector over a whole chunk (normally 64 KiB,
// header included). The bytes are only read.
func newChunkInspector(chunk []byte) *chunkInspector {
	return newChunkInspectorScratch(chunk, nil)
}

// newChunkInspectorScratch is newChunkInspector reusing sc (nil: a new one),
// which must not be used by another inspector at the same time.
//
// The inspector's maps are sc's, emptied: an inspector made earlier with
// sc must no longer be used.
func newChunkInspectorScratch(chunk []byte, sc *bxScratch) *chunkInspector {
	if sc == nil {
		sc = &bxScratch{}
	}
	if sc.templates == nil {
		sc.templates = make(map[uint32]*templateDef)
		sc.names = make(map[uint32]string)
		sc.velocidexIDs = make(map[uint32]bool)
	}
	clear(sc.templates)
	clear(sc.names)
	clear(sc.velocidexIDs)
	sc.newNameMemo()
	sc.tdefs.reset()
	sc.lit.newChunk()
	return &chunkInspector{
		chunk:        chunk,
		templates:    sc.templates,
		names:        sc.names,
		velocidexIDs: sc.velocidexIDs,
		sc:           sc,
	}
}

// inspect checks the record at recordOffset (chunk-relative) of recordSize
// bytes and decodes its values. See the file comment for the meaning of the
// (plan, err) combinations.
func (d *chunkInspector) inspect(recordOffset, recordSize int) (plan *recordValues, err error) {
	defer func() {
		// The parser checks every bound; this is a last line of defence
		// so that no input can crash the caller.
		if r := recover(); r != nil {
			plan, err = nil, bxBadf(recordOffset, "internal error while decoding BinXML: %v", r)
		}
	}()
	if recordOffset < 0 || recordSize < bxRecMin || recordOffset > len(d.chunk)-recordSize {
		return nil, bxBadf(recordOffset, "record of size %d does not fit in the chunk of %d bytes", recordSize, len(d.chunk))
	}
	rec := d.chunk[recordOffset : recordOffset+recordSize]
	if [4]byte(rec[0:4]) != bxRecMagic {
		return nil, bxBadf(recordOffset, "record magic %x, want 2a2a0000", rec[0:4])
	}
	if hs := binary.LittleEndian.Uint32(rec[4:8]); int64(hs) != int64(recordSize) {
		return nil, bxBadf(recordOffset+4, "record header size %d differs from the given size %d", hs, recordSize)
	}
	if ts := binary.LittleEndian.Uint32(rec[recordSize-4:]); int64(ts) != int64(recordSize) {
		return nil, bxBadf(recordOffset+recordSize-4, "record size copy %d differs from the header size %d", ts, recordSize)
	}

	d.resetArgs()
	d.sc.text = d.sc.text[:0]
	d.sc.ptrs = d.sc.ptrs[:0]
	d.sc.recPtrs = d.sc.recPtrs[:0]
	d.sc.attrs = d.sc.attrs[:0]
	plan = d.newPlan()
	plan.recordID = binary.LittleEndian.Uint64(rec[8:16])
	plan.fileTime = binary.LittleEndian.Uint64(rec[16:24])
	plan.size = recordSize
	// A template-less record of a shape compiled earlier (in this chunk or
	// another the worker read).
	if d.sc.lit.n > 0 && d.direct && !d.detached && d.literalEvent(plan, recordOffset+bxRecHeader, recordOffset+recordSize-bxRecTrailer) {
		return plan, nil
	}
	p := &d.rp
	p.reset(d, plan)

	c := &bxCursor{b: d.chunk, pos: recordOffset + bxRecHeader, end: recordOffset + recordSize - bxRecTrailer}
	frag, err := p.parseFragment(c, false, 0, 0)
	if err != nil {
		return nil, err
	}
	if p.scanArrays > 0 && p.d.scanArrays+p.scanArrays > maxScanArraysPerChunk && p.unsafe == nil {
		p.unsafe = &binxmlError{Offset: recordOffset, Err: ErrLimit, Msg: fmt.Sprintf(
			"well-formed, but kept from the pinned Velocidex decoder: %d array arguments of types 0x86/0x8a/0x95 in this chunk, limit %d",
			p.d.scanArrays+p.scanArrays, maxScanArraysPerChunk)}
	}
	// The values are gathered in the worker's scratch, then copied, at
	// their exact size, into the chunk's value slab; or, for a record
	// the caller wants as an Event (direct), taken by the worker's
	// eventSink as they come.
	if d.sc.root == nil {
		d.sc.root = d.sc.join("", "", "")
	}
	root := d.sc.root
	w := &bxWalker{p: p, plan: plan, chunkSteps: d.steps}
	plan.ordered = d.sc.ordered[:0]
	sink := &d.sc.sink
	// A template-less record's values are captured so that its shape
	// can be compiled.
	lit := !p.outer && d.direct && p.unsafe == nil && !d.detached && d.sc.lit.room()
	if lit {
		d.sc.lit.capture = d.sc.lit.capture[:0]
		w.capture = &d.sc.lit.capture
	}
	if d.direct && p.unsafe == nil {
		sink.reset(sink.events.event(), &d.sc.text, d.chunk)
		w.sink = sink
	} else {
		w.text = d.renderArgs()
	}
	err = w.emitNodes(frag, root, nil, 0, 0)
	if w.sink != nil && err == nil && !sink.resolves() {
		// Not resolved (no provider or event ID): the caller needs
		// the list. The same walk again gives it, step for step.
		sink.reset(nil, nil, nil)
		lit = false
		w = &bxWalker{p: p, plan: plan, text: d.renderArgs(), chunkSteps: d.steps}
		err = w.emitNodes(frag, root, nil, 0, 0)
	}
	d.sc.ordered = plan.ordered[:0]
	d.steps += w.steps
	if err != nil {
		return nil, err
	}
	if d.values+w.nvals > maxValuesPerChunk {
		return nil, bxLimitf(recordOffset, "the chunk's records yield more than %d values", maxValuesPerChunk)
	}
	d.values += w.nvals
	if w.sink != nil {
		plan.ordered = nil
		plan.ev = sink.finish()
	} else if !d.transient {
		plan.ordered = d.carveValues(plan.ordered)
	}

	// Commit what the record taught us about the chunk.
	if len(p.defs) > 0 { // most records define no template
		plan.defined = d.sc.plans.carveDefined(len(p.defs))
		for i, t := range p.defs {
			d.define(t.offset, t)
			plan.defined[i] = t.offset
		}
		bxSortUint32(plan.defined)
	}
	if p.unsafe != nil {
		return plan, p.unsafe
	}
	if lit {
		d.compileLiteral(recordOffset+bxRecHeader, recordOffset+recordSize-bxRecTrailer, w.steps)
	}
	for _, t := range p.defs {
		t.velocidexKnows = true
		d.velocidexIDs[t.id] = true
	}
	d.scanArrays += p.scanArrays
	plan.scanArrays = p.scanArrays
	return plan, nil
}

func bxSortUint32(s []uint32) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// bxCursor reads little-endian fields from b[pos:end]; end bounds the region
// being parsed (a record, a template body, a BinXML value).
type bxCursor struct {
	b        []byte
	pos, end int
}

func (c *bxCursor) need(n int) error {
	if n < 0 || c.pos > c.end-n {
		return c.short(n)
	}
	return nil
}

// short is need's error, out of line so that the readers below inline.
//
//go:noinline
func (c *bxCursor) short(n int) error {
	return bxBadf(c.pos, "%d bytes needed, %d left in the enclosing structure", n, c.end-c.pos)
}

func (c *bxCursor) u8() (uint8, error) {
	if c.pos >= c.end {
		return 0, c.short(1)
	}
	v := c.b[c.pos]
	c.pos++
	return v, nil
}

func (c *bxCursor) peek() (uint8, error) {
	if c.pos >= c.end {
		return 0, c.short(1)
	}
	return c.b[c.pos], nil
}

func (c *bxCursor) u16() (uint16, error) {
	if c.pos > c.end-2 {
		return 0, c.short(2)
	}
	v := binary.LittleEndian.Uint16(c.b[c.pos:])
	c.pos += 2
	return v, nil
}

func (c *bxCursor) u32() (uint32, error) {
	if c.pos > c.end-4 {
		return 0, c.short(4)
	}
	v := binary.LittleEndian.Uint32(c.b[c.pos:])
	c.pos += 4
	return v, nil
}

func (c *bxCursor) bytes(n int) ([]byte, error) {
	if n < 0 || c.pos > c.end-n {
		return nil, c.short(n)
	}
	v := c.b[c.pos : c.pos+n]
	c.pos += n
	return v, nil
}
