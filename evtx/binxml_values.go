package evtx

import "strings"

// planSysSlots bounds the number of System paths a recordValues indexes (the
// length of systemFields; checked in planSysSlot's initialiser).
const planSysSlots = 24

// planSysSlot gives the index in systemFields of each System path.
var planSysSlot = func() map[string]int {
	if len(systemFields) > planSysSlots {
		panic("evtx: planSysSlots is smaller than systemFields")
	}
	m := make(map[string]int, len(systemFields))
	for i, f := range systemFields {
		if !strings.HasPrefix(f.path, planSysPrefix) {
			panic("evtx: System path outside " + planSysPrefix)
		}
		m[f.path] = i
	}
	return m
}()

const planSysPrefix = "Event/System/"

// noteSys records that ordered[i] is at path, when path is a System path
// seen for the first time in the record.
func (p *recordValues) noteSys(path string, i int) {
	if !strings.HasPrefix(path, planSysPrefix) {
		return
	}
	if s, ok := planSysSlot[path]; ok && p.sys[s] == 0 {
		p.sys[s] = int32(i + 1)
	}
}

// indexSys rebuilds sys from ordered (for plans built by hand).
func (p *recordValues) indexSys() {
	p.sys = [planSysSlots]int32{}
	for i, pv := range p.ordered {
		p.noteSys(pv.Path, i)
	}
}

// sysValue returns the first value at systemFields[i].path.
func (p *recordValues) sysValue(i int) (typedValue, bool) {
	if k := p.sys[i]; k > 0 {
		return p.ordered[k-1].Value, true
	}
	return typedValue{}, false
}

// get returns the first value at path in document order.
func (p *recordValues) get(path string) (typedValue, bool) {
	if s, ok := planSysSlot[path]; ok {
		return p.sysValue(s)
	}
	for _, pv := range p.ordered {
		if pv.Path == path {
			return pv.Value, true
		}
	}
	return typedValue{}, false
}

// value is get without the presence flag.
func (p *recordValues) value(path string) typedValue {
	v, _ := p.get(path)
	return v
}

// recordValues is what the pre-pass learned about one record: its values,
// typed and by path, or the Event built from them (ev), and what the record
// defines and instantiates. (The decoder's plan, which records to hand to
// Velocidex, is a decision made from it: see chunkDecoder.admit.)
type recordValues struct {
	// sys holds, for each entry i of systemFields, 1 + the index in
	// ordered of the first value at its path (0: none). The other paths
	// are looked up in ordered (get); no map is built per record.
	sys [planSysSlots]int32
	// ordered lists every value in document order (repeated paths
	// included: array items, repeated elements).
	ordered []bxPathValue
	// nData counts the values of ordered that are data fields, when the
	// walker built it (plans built by hand leave it 0: applyValues counts).
	nData int
	// ev is the record's Event, built by a direct inspection (see
	// chunkInspector.direct) instead of ordered and sys.
	ev *Event

	recordID uint64
	fileTime uint64 // the record header's FILETIME
	size     int    // record size from its header

	// templateID and templateOffset describe the record's outermost
	// template instance; inlineTemplate is true when its definition is
	// stored in this record.
	templateID     uint32
	templateOffset uint32
	inlineTemplate bool
	argCount       int // arguments of the outermost template instance
	scanArrays     int // arguments of types 0x86, 0x8a, 0x95 (nested included)
	// defined lists the offsets of every template definition stored in
	// this record, nested ones included.
	defined []uint32
}
