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
