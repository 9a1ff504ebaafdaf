package evtx

// eventSink builds an Event straight from the values of a record as the
// walker emits them, with the result applyValues gives from their list,
// without listing them: the System field of the first value at each
// System path, and one Field per data value. A scalar argument is
// rendered into the record's text only when a field needs it as text, and
// the fields' strings are cut from one string of that text (finish).
type eventSink struct {
	ev   *Event
	seen uint32 // bit i: systemFields[i] has been set
	// fields gathers the data fields; finish copies them out. spans
	// holds, per field, where its value lies in the text (ts < 0: the
	// field's Value is already set).
	fields []Field
	spans  []textSpan
	// sys lists the System fields to set from the text in finish.
	sys   []sysText
	text  *[]byte // the record's value text, rendered into
	chunk []byte  // the chunk whose arguments are taken
	// last holds, per System field set from text, the stored value that
	// set it in the last record and its text: a field that repeats from
	// record to record (a log's provider, channel, computer, provider
	// GUID) takes that text again, without rendering.
	last [planSysSlots]valueMemo
	// memos lists the data values rendered in this record whose memo
	// (see addScalar) finish updates.
	memos []memoUpdate
	// events hands out the Events and their Data (nil: allocated one by
	// one).
	events *eventArena
}

// memoUpdate is a data field whose value finish stores in its memo.
type memoUpdate struct {
	m     *valueMemo
	a     *bxArg
	field int
}

type textSpan struct{ ts, te int32 }

type sysText struct {
	slot int
	a    *bxArg // the value, valid until finish
	textSpan
}

// valueMemo remembers a stored value (type and bytes) and the text it was
// rendered to, for a place where values repeat from record to record.
type valueMemo struct {
	typ  Type
	data []byte // a copy of the stored bytes
	text string
	ok   bool
	// hits and misses count the uses of a data value's memo; off is set
	// once it is seen to miss most of the time, to stop copying values.
	hits, misses int32
	off          bool
}

// memoed reports whether m holds the value of a, an argument of chunk.
func (m *valueMemo) memoed(a *bxArg, chunk []byte) bool {
	return m.ok && m.typ == a.typ && string(m.data) == string(a.bytes(chunk))
}

// reset readies s to build ev, a zero Event, from the arguments of chunk,
// rendering into *text.
func (s *eventSink) reset(ev *Event, text *[]byte, chunk []byte) {
	s.ev, s.seen, s.text, s.chunk = ev, 0, text, chunk
	// fields is not cleared: appendField sets each field whole, and a
	// clear costs a bulk write barrier while the collector marks; past
	// its length it keeps strings of earlier records, no more than one
	// record's fields.
	s.fields, s.spans, s.sys, s.memos = s.fields[:0], s.spans[:0], s.sys[:0], s.memos[:0]
}

// add takes the value v at path.
func (s *eventSink) add(path *bxPath, v *typedValue) {
	if bit := path.sysBit; bit != 0 && s.seen&bit == 0 {
		s.seen |= bit
		setSystem(s.ev, path.sys, v)
	}
	if path.data {
		s.fields = appendField(s.fields, path.field, v.Text, v.Type)
		s.spans = append(s.spans, textSpan{-1, -1})
	}
}

// addText is add for literal text, a template's own string.
func (s *eventSink) addText(path *bxPath, text string) {
	if bit := path.sysBit; bit != 0 && s.seen&bit == 0 {
		s.seen |= bit
		setSystem(s.ev, path.sys, &typedValue{Type: TypeString, Text: text, Literal: true})
	}
	if path.data {
		s.fields = appendField(s.fields, path.field, text, TypeString)
		s.spans = append(s.spans, textSpan{-1, -1})
	}
}

// addScalar takes the scalar argument a at path. memo, when not nil, is
// the memo of the place the value comes from (a compiled substitution):
// a data value equal to the one it remembers takes its text, unrendered.
func (s *eventSink) addScalar(path *bxPath, a *bxArg, memo *valueMemo) {
	if path.sysBit != 0 {
		s.addSys(path.sys, path.sysBit, a)
	}
	if path.data {
		s.addData(path, a, memo)
	}
}

// addSys is addScalar for the System field slot (bit, 1<<slot): the first
// value sets it.
func (s *eventSink) addSys(slot int, bit uint32, a *bxArg) {
	if s.seen&bit != 0 {
		return
	}
	s.seen |= bit
	if !setSystemTyped(s.ev, slot, a, s.chunk) {
		s.addSysText(slot, a)
	}
}

// addSysText is addSys for a value that sets its field as text.
func (s *eventSink) addSysText(slot int, a *bxArg) {
	if m := &s.last[slot]; m.memoed(a, s.chunk) {
		setSysText(s.ev, slot, a.typ, m.text)
	} else {
		*s.text = a.render(*s.text, s.chunk)
		s.sys = append(s.sys, sysText{slot, a, textSpan{a.ts, a.te}})
	}
}

// addData is addScalar for a data field at path.
func (s *eventSink) addData(path *bxPath, a *bxArg, memo *valueMemo) {
	if memo != nil && memo.memoed(a, s.chunk) {
		memo.hits++
		s.fields = appendField(s.fields, path.field, memo.text, a.typ)
		s.spans = append(s.spans, textSpan{-1, -1})
		return
	}
	*s.text = a.render(*s.text, s.chunk)
	s.fields = appendField(s.fields, path.field, "", a.typ)
	s.spans = append(s.spans, textSpan{a.ts, a.te})
	if memo != nil && !memo.off && int(a.size) <= maxMemoValue {
		s.memos = append(s.memos, memoUpdate{memo, a, len(s.fields) - 1})
	}
}

// finish returns the Event built, its Data holding the data fields (nil
// when there are none).
func (s *eventSink) finish() *Event {
	ev := s.ev
	var text string
	if len(*s.text) > 0 {
		text = string(*s.text)
	}
	for _, st := range s.sys {
		t := text[st.ts:st.te]
		setSysText(ev, st.slot, st.a.typ, t)
		m := &s.last[st.slot]
		m.typ, m.data, m.text, m.ok = st.a.typ, append(m.data[:0], st.a.bytes(s.chunk)...), t, true
	}
	if len(s.fields) > 0 {
		// One pass, field by field: the value from the text, or as
		// taken; no copy of the fields then a second write of values.
		data := s.events.data(len(s.fields))
		spans := s.spans[:len(data)]
		for i := range data {
			f, d := &s.fields[i], &data[i]
			d.Name, d.Type = f.Name, f.Type // with Value, every field of a Field
			if sp := spans[i]; sp.ts >= 0 {
				d.Value = text[sp.ts:sp.te]
			} else {
				d.Value = f.Value
			}
		}
		ev.Data = data
	}
	for _, u := range s.memos {
		m := u.m
		m.typ, m.data, m.text, m.ok = u.a.typ, append(m.data[:0], u.a.bytes(s.chunk)...), ev.Data[u.field].Value, true
		if m.misses++; m.misses >= 16 && m.hits < m.misses/4 {
			m.off, m.ok = true, false // values that seldom repeat: stop
		}
	}
	s.ev = nil
	return ev
}

// resolves reports whether the values taken name a provider and an event
// ID (resolved's test on a plan).
func (s *eventSink) resolves() bool {
	return s.seen&(1<<slotProvider) != 0 && s.seen&(1<<slotEventID) != 0
}

// eventArena hands out the Events the sink builds, and their Data, in
// blocks reused from chunk to chunk, and holds a chunk's item list: for a
// caller done with a chunk's Events before the arena decodes another
// (WriteJSONLines, Events with Options.ReuseEvents), which then allocates
// per block, not per event. A nil arena allocates each Event and each Data
// on its own, for callers that keep them.
type eventArena struct {
	events blockArena[Event]
	fields sliceSlab[Field] // Data backing
	items  []item           // a chunk's items (chunkResult.items)
}

// eventBlock and fieldBlock are the sizes of an arena's blocks.
const (
	eventBlock = 64
	fieldBlock = 1024
)

// reset makes every Event and Data handed out reusable.
func (a *eventArena) reset() {
	a.events.reset()
	a.fields.reset()
}

// event returns a zeroed Event.
func (a *eventArena) event() *Event {
	if a == nil {
		return new(Event)
	}
	ev := a.events.take(eventBlock)
	*ev = Event{}
	return ev
}

// data returns a Data slice of n fields, their contents to be set whole.
func (a *eventArena) data(n int) []Field {
	if a == nil {
		return make([]Field, n)
	}
	return a.fields.carve(n, fieldBlock)
}
