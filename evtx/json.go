package evtx

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DataKeys returns one JSON object key per field of e.Data, in order and all
// distinct: a named field keeps its name; an unnamed <Data> item is
// "Data#i", i being its 0-based index among the unnamed items; a name met
// again gets "#k" appended, k counting its earlier occurrences ("X",
// "X#1", "X#2").
func (e *Event) DataKeys() []string {
	keys := make([]string, len(e.Data))
	seen := make(map[string]int, len(e.Data))
	unnamed := 0
	for i, f := range e.Data {
		k := f.Name
		if k == "" {
			k = "Data#" + strconv.Itoa(unnamed)
			unnamed++
		}
		if n := seen[k]; n > 0 {
			seen[k] = n + 1
			k += "#" + strconv.Itoa(n)
		} else {
			seen[k] = 1
		}
		keys[i] = k
	}
	return keys
}

// MarshalJSON renders the event as one flat JSON object (the line format
// of examples/evtxdump): record_id (the record header's ID),
// event_record_id (System/EventRecordID, when present), time_created (TimeLayout, UTC, 7
// fractional digits), event_id, provider, channel, computer, the other
// System fields (keywords as "0x…", GUIDs as "{…}"; empty ones omitted),
// data (an object of DataKeys to values, in order), source {file, chunk,
// offset}, and chunk_damaged, recovered (true) and fallback (the native
// decoder's refusal) when set. It never fails; it returns what
// AppendJSON appends to nil.
func (e Event) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(nil), nil
}

// AppendJSON appends the JSON object MarshalJSON returns to b, without a
// newline, and returns the extended buffer. It is the same text that
// encoding/json's Encoder writes for e with SetEscapeHTML(false), built
// without reflection or a second pass over it: a caller writing many
// events reuses one buffer.
func (e *Event) AppendJSON(b []byte) []byte {
	return appendEventJSON(b, e, nil)
}

// JSONAppender appends events as AppendJSON does, the same text, faster
// for a run of events from one log: it keeps the text it wrote for earlier
// events with the values it was written from (the System members per
// computer, the data members per set of field names, the date ...), and
// copies it whole when the values are the same, writing only what
// changed. Its zero value is ready to use; it must not be used by two
// goroutines at once. It keeps strings of the events it wrote, up to two
// thousand of them (the names and values of 32 sets of data fields), some
// tens of KB of text, and up to 256 KiB of long values escaped.
type JSONAppender struct {
	sys  [jsonSysMemos]jsonMemo
	keys [jsonDataMemos]jsonMemo
	vals [jsonDataMemos]jsonMemo
	// kw is the last keywords' hex digits, valid when kwLen > 0.
	kw    uint64
	kwLen uint8
	kwHex [16]byte
	// day is the last time's day (Unix seconds / 86400) and date its
	// "YYYY-MM-DD", valid when dateOK.
	day    int64
	date   [10]byte
	dateOK bool
	// origin, class and source are the runs of text appendOrigin,
	// appendClass and appendSourceFile wrote last, sysRuns the runs from
	// provider to user_sid by computer, dataKeys the data members
	// appendData wrote.
	origin, class, source jsonRun
	sysRuns               [jsonSysRuns]jsonSysRun
	tick                  uint64 // appendSystem's calls
	dataKeys              [jsonKeySets]jsonKeys
	lastKeys              uint8 // 1 + the index of the set used last, 0: none
	// long is the escaped text of long data values that needed escapes,
	// by value, longBytes its size.
	long      map[string][]byte
	longBytes int
}

// Append appends e's JSON object (AppendJSON's text) to b and returns the
// extended buffer.
func (a *JSONAppender) Append(b []byte, e *Event) []byte {
	return appendEventJSON(b, e, a)
}

// The strings a JSONAppender remembers: the System strings and the source
// file, and the keys and values of the first jsonDataMemos data fields.
const (
	memoProvider = iota
	memoChannel
	memoComputer
	memoProviderGUID
	memoEventSourceName
	memoUserSID
	memoActivityID
	memoRelatedActivityID
	memoFile
	memoFallback
	jsonSysMemos
	jsonDataMemos = 32 // appendData's bits of changed values; a Security event has up to 27 fields
)

// jsonMemo is a string last written and whether it was written as it is.
type jsonMemo struct {
	s     string
	plain bool
}

// appendBody appends s escaped (appendJSONStringBody); when m is not nil
// and s equals m's plain string, it is copied without a scan. Escaping
// always lengthens, so a string written at its own length was plain.
func (m *jsonMemo) appendBody(b []byte, s string, escapeHTML bool) []byte {
	if m == nil {
		return appendJSONStringBody(b, s, escapeHTML)
	}
	if m.plain && len(s) == len(m.s) && s == m.s {
		return append(b, s...)
	}
	n := len(b)
	b = appendJSONStringBody(b, s, escapeHTML)
	m.s, m.plain = s, len(b)-n == len(s)
	return b
}

// sysMemo returns a's memo i, nil when a is nil.
func (a *JSONAppender) sysMemo(i int) *jsonMemo {
	if a == nil {
		return nil
	}
	return &a.sys[i]
}

// dataMemos returns a's memos of data field i's key and value, nil when
// a is nil or i is past them.
func (a *JSONAppender) dataMemos(i int) (key, val *jsonMemo) {
	if a == nil || i >= jsonDataMemos {
		return nil, nil
	}
	return &a.keys[i], &a.vals[i]
}

// appendEventJSON is AppendJSON, remembering strings in a when not nil.
func appendEventJSON(b []byte, e *Event, a *JSONAppender) []byte {
	b = append(b, `{"record_id":`...)
	b = appendDecimal(b, e.RecordID)
	if e.EventRecordID != 0 {
		b = append(b, `,"event_record_id":`...)
		b = appendDecimal(b, e.EventRecordID)
	}
	b = append(b, `,"time_created":`...)
	if e.TimeCreated.IsZero() {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = a.appendTime(b, e.TimeCreated)
		b = append(b, '"')
	}
	b = append(b, `,"event_id":`...)
	b = appendDecimal(b, uint64(e.EventID))
	if a == nil {
		b = appendOrigin(b, e, nil)
		b = appendJSONField(b, `,"computer":`, e.Computer, nil)
		b = appendClass(b, e, nil)
	} else {
		b = a.appendSystem(b, e)
	}
	b = append(b, `,"process_id":`...)
	b = appendDecimal(b, uint64(e.ProcessID))
	b = append(b, `,"thread_id":`...)
	b = appendDecimal(b, uint64(e.ThreadID))
	b = appendJSONField(b, `,"activity_id":`, e.ActivityID, a.sysMemo(memoActivityID))
	b = appendJSONField(b, `,"related_activity_id":`, e.RelatedActivityID, a.sysMemo(memoRelatedActivityID))
	b = append(b, `,"data":{`...)
	if a != nil && len(e.Data) <= jsonDataMemos {
		b = a.appendData(b, e)
	} else {
		b = e.appendDataJSON(b, a, nil)
	}
	if a == nil {
		b = appendSourceFile(b, e.Source.File, nil)
	} else {
		b = a.appendSourceFile(b, e.Source.File)
	}
	b = appendSigned(b, int64(e.Source.Chunk))
	b = append(b, `,"offset":`...)
	b = appendSigned(b, e.Source.Offset)
	b = append(b, '}')
	if e.ChunkDamaged {
		b = append(b, `,"chunk_damaged":true`...)
	}
	if e.Recovered {
		b = append(b, `,"recovered":true`...)
	}
	b = appendJSONField(b, `,"fallback":`, e.Fallback, a.sysMemo(memoFallback))
	return append(b, '}')
}

// appendSourceFile closes the data object and appends the source object's
// opening up to its chunk's key, the file name included. Source is
// rendered as encoding/json renders the struct, HTML escaping of the file
// name included.
func appendSourceFile(b []byte, file string, m *jsonMemo) []byte {
	b = append(b, `},"source":{"file":"`...)
	b = append(m.appendBody(b, file, true), `","chunk":`...)
	return b
}

// appendSourceFile is appendSourceFile, copying the previous event's text
// when the file is the same (a Reader's events all have one name).
func (a *JSONAppender) appendSourceFile(b []byte, file string) []byte {
	r := &a.source
	if r.ok && r.strs[0] == file {
		return append(b, r.text...)
	}
	n := len(b)
	b = appendSourceFile(b, file, a.sysMemo(memoFile))
	r.text = append(r.text[:0], b[n:]...)
	r.strs, r.ok = [3]string{file}, true
	return b
}

// appendOrigin appends the provider and channel members.
func appendOrigin(b []byte, e *Event, a *JSONAppender) []byte {
	b = appendJSONField(b, `,"provider":`, e.Provider, a.sysMemo(memoProvider))
	return appendJSONField(b, `,"channel":`, e.Channel, a.sysMemo(memoChannel))
}

// appendClass appends the members from qualifiers to user_sid: the
// numbers that class the event, its keywords, provider GUID, event source
// name and user SID.
func appendClass(b []byte, e *Event, a *JSONAppender) []byte {
	if e.HasQualifiers {
		b = append(b, `,"qualifiers":`...)
		b = appendDecimal(b, uint64(e.Qualifiers))
	}
	b = append(b, `,"version":`...)
	b = appendDecimal(b, uint64(e.Version))
	b = append(b, `,"level":`...)
	b = appendDecimal(b, uint64(e.Level))
	b = append(b, `,"task":`...)
	b = appendDecimal(b, uint64(e.Task))
	b = append(b, `,"opcode":`...)
	b = appendDecimal(b, uint64(e.Opcode))
	b = append(b, `,"keywords":"0x`...)
	b = a.appendKeywords(b, e.Keywords)
	b = append(b, '"')
	b = appendJSONField(b, `,"provider_guid":`, e.ProviderGUID, a.sysMemo(memoProviderGUID))
	b = appendJSONField(b, `,"event_source_name":`, e.EventSourceName, a.sysMemo(memoEventSourceName))
	return appendJSONField(b, `,"user_sid":`, e.UserSID, a.sysMemo(memoUserSID))
}

// jsonRun is a run of members last written (its text) and the values it
// was written from.
type jsonRun struct {
	nums uint64
	strs [3]string
	text []byte
	ok   bool
}

// appendOrigin is appendOrigin, copying the previous event's text when the
// provider and channel are the same.
func (a *JSONAppender) appendOrigin(b []byte, e *Event) []byte {
	r := &a.origin
	if r.ok && r.strs[0] == e.Provider && r.strs[1] == e.Channel {
		return append(b, r.text...)
	}
	n := len(b)
	b = appendOrigin(b, e, a)
	r.text = append(r.text[:0], b[n:]...)
	r.strs, r.ok = [3]string{e.Provider, e.Channel}, true
	return b
}

// appendClass is appendClass, copying the previous event's text when its
// values are the same (the keywords are appendKeywords' own memo).
func (a *JSONAppender) appendClass(b []byte, e *Event) []byte {
	nums := classNums(e)
	r := &a.class
	if r.ok && r.nums == nums && a.kwLen > 0 && a.kw == e.Keywords &&
		r.strs[0] == e.ProviderGUID && r.strs[1] == e.EventSourceName && r.strs[2] == e.UserSID {
		return append(b, r.text...)
	}
	n := len(b)
	b = appendClass(b, e, a)
	r.text = append(r.text[:0], b[n:]...)
	r.nums, r.strs, r.ok = nums, [3]string{e.ProviderGUID, e.EventSourceName, e.UserSID}, true
	return b
}

// jsonSysRun is the text of the members from provider to user_sid (the
// origin, the computer and the class) and the values it was written from.
type jsonSysRun struct {
	nums, kw uint64
	strs     [6]string
	text     []byte
	used     uint64 // when it was last used (JSONAppender.tick)
}

// jsonSysRuns is the number of jsonSysRuns a JSONAppender keeps,
// jsonSysWays of them for each value of a computer's digest: a forwarded
// log interleaves the events of many computers, each with its few
// providers.
const (
	jsonSysRuns = 64
	jsonSysWays = 4
)

// classNums packs the numbers appendClass writes and whether the
// qualifiers are written.
func classNums(e *Event) uint64 {
	nums := uint64(e.Qualifiers) | uint64(e.Version)<<16 | uint64(e.Level)<<24 | uint64(e.Task)<<32 | uint64(e.Opcode)<<48
	if e.HasQualifiers {
		nums |= 1 << 56
	}
	return nums
}

// holds reports whether r was written from e's values (nums: classNums).
func (r *jsonSysRun) holds(e *Event, nums uint64) bool {
	return r.used != 0 && r.strs[2] == e.Computer && r.nums == nums && r.kw == e.Keywords &&
		r.strs[0] == e.Provider && r.strs[1] == e.Channel &&
		r.strs[3] == e.ProviderGUID && r.strs[4] == e.EventSourceName && r.strs[5] == e.UserSID
}

// appendSystem appends the members from provider to user_sid, copying
// the text written for an earlier event with the same values; else it
// writes them with the runs and memos of appendOrigin and appendClass and
// keeps the text in place of the run of the computer's digest used longest
// ago.
func (a *JSONAppender) appendSystem(b []byte, e *Event) []byte {
	a.tick++
	set := a.sysRuns[jsonDigest(e.Computer)%(jsonSysRuns/jsonSysWays)*jsonSysWays:][:jsonSysWays]
	nums := classNums(e)
	old := &set[0]
	for w := range set {
		r := &set[w]
		if r.holds(e, nums) {
			r.used = a.tick
			return append(b, r.text...)
		}
		if r.used < old.used {
			old = r
		}
	}
	n := len(b)
	b = a.appendOrigin(b, e)
	b = appendJSONField(b, `,"computer":`, e.Computer, a.sysMemo(memoComputer))
	b = a.appendClass(b, e)
	old.text = append(old.text[:0], b[n:]...)
	old.nums, old.kw, old.used = nums, e.Keywords, a.tick
	old.strs = [6]string{e.Provider, e.Channel, e.Computer, e.ProviderGUID, e.EventSourceName, e.UserSID}
	return b
}

// jsonDigest returns a hash of s from its length and its first and last
// eight bytes (host names differ at their start, their domains not).
func jsonDigest(s string) uint {
	x := uint64(len(s))
	if len(s) >= 8 {
		x ^= load64(s) ^ bits.RotateLeft64(load64(s[len(s)-8:]), 29)
	} else {
		for i := 0; i < len(s); i++ {
			x = x<<8 | uint64(s[i])
		}
	}
	return uint((x * 0x9e3779b97f4a7c15) >> 56)
}

// appendKeywords appends kw in hexadecimal (appendHex), copying the digits
// of the previous event's keywords when they are the same.
func (a *JSONAppender) appendKeywords(b []byte, kw uint64) []byte {
	if a == nil {
		return appendHex(b, kw)
	}
	if a.kwLen == 0 || a.kw != kw {
		h := appendHex(a.kwHex[:0], kw)
		a.kw, a.kwLen = kw, uint8(len(h))
	}
	return append(b, a.kwHex[:a.kwLen]...)
}

// appendTime appends t as appendTimeLayout does, taking the date from the
// previous event's when the day is the same.
func (a *JSONAppender) appendTime(b []byte, t time.Time) []byte {
	unix := t.Unix()
	if a == nil || unix < unixYear1000 || unix >= unixYear10000 {
		return appendTimeLayout(b, t)
	}
	day := unix / 86400
	if unix < 0 {
		day = (unix - 86399) / 86400 // rounded down, as the calendar is
	}
	var buf [28]byte
	if !a.dateOK || a.day != day {
		copy(a.date[:], appendTimeLayout(buf[:0], t))
		a.day, a.dateOK = day, true
	}
	copy(buf[:], a.date[:])
	buf[10] = 'T'
	appendClock((*[18]byte)(buf[10:]), uint64(unix-day*86400), t.Nanosecond())
	return append(b, buf[:]...)
}

// appendJSONField appends key (a literal ,"name": prefix) and the JSON
// string v, unless v is empty, remembering v in m when not nil.
func appendJSONField(b []byte, key, v string, m *jsonMemo) []byte {
	if v == "" {
		return b
	}
	b = append(b, key...)
	b = append(b, '"')
	return append(m.appendBody(b, v, false), '"')
}

// jsonKeyPos records where appendDataJSON wrote the key of each of the
// first jsonDataMemos fields: from the comma before it (none before the
// first) to the value's opening quote.
type jsonKeyPos [jsonDataMemos][2]int

func (p *jsonKeyPos) start(i, at int) {
	if p != nil && i < jsonDataMemos {
		p[i][0] = at
	}
}

func (p *jsonKeyPos) end(i, at int) {
	if p != nil && i < jsonDataMemos {
		p[i][1] = at
	}
}

// jsonKeys is the data object's members as written for the last event
// whose fields had the names names: its keys depend on nothing else, and
// a member whose value is the same is the same text.
type jsonKeys struct {
	names []string
	// text is the members, vals the values they hold; member i's value
	// starts at at[i][0] in text and the member ends (after the closing
	// quote) at at[i][1].
	text []byte
	vals [jsonDataMemos]string
	at   [jsonDataMemos][2]int
}

// match reports whether k holds the members of fields with e's names and
// which of e's values differ from k's (bit i for field i).
func (k *jsonKeys) match(e *Event) (changed uint32, same bool) {
	if len(e.Data) != len(k.names) || k.text == nil {
		return 0, false
	}
	names, vals := k.names[:len(e.Data)], k.vals[:len(e.Data)]
	for i := range e.Data {
		f := &e.Data[i]
		if f.Name != names[i] {
			return 0, false
		}
		if f.Value != vals[i] {
			changed |= 1 << i
		}
	}
	return changed, true
}

// jsonKeySets is the number of jsonKeys a JSONAppender keeps, found by a
// digest of the names: a Security log interleaves the events of a few
// dozen templates, which eight sets made evict each other.
const (
	jsonKeySetBits = 5
	jsonKeySets    = 1 << jsonKeySetBits
)

// appendData appends the members of e's data object (at most
// jsonDataMemos fields). After an earlier event whose fields had the same
// names it writes only the values that changed: the text between them
// (keys, and the members whose values are the same) is copied from the
// earlier event's in as few pieces as there are changes.
func (a *JSONAppender) appendData(b []byte, e *Event) []byte {
	// The set of the event before is tried first (a log writes runs of
	// one template), then the one found by a digest of the names' lengths
	// and last bytes.
	var k *jsonKeys
	changed, same := uint32(0), false
	if a.lastKeys > 0 {
		k = &a.dataKeys[a.lastKeys-1]
		changed, same = k.match(e)
	}
	if !same {
		h := uint(len(e.Data))
		for i := range e.Data {
			name := e.Data[i].Name
			h = h*31 + uint(len(name))
			if name != "" {
				h += uint(name[len(name)-1]) << 4
			}
		}
		set := uint64(h) * 0x9e3779b97f4a7c15 >> (64 - jsonKeySetBits)
		k = &a.dataKeys[set]
		a.lastKeys = uint8(set + 1)
		changed, same = k.match(e)
	}
	start := len(b)
	if !same {
		var pos jsonKeyPos
		b = e.appendDataJSON(b, a, &pos)
		k.names = k.names[:0]
		for i := range e.Data {
			k.names = append(k.names, e.Data[i].Name)
			k.vals[i] = e.Data[i].Value
			end := len(b)
			if i+1 < len(e.Data) {
				end = pos[i+1][0]
			}
			k.at[i] = [2]int{pos[i][1] - start, end - start}
		}
		k.text = append(k.text[:0], b[start:]...)
		return b
	}
	if changed == 0 {
		return append(b, k.text...)
	}
	// from: the start of k.text not yet copied; shift: how much longer
	// the new text is than k.text up to there.
	from, shift := 0, 0
	for i := bits.TrailingZeros32(changed); i < len(e.Data); i++ {
		at := &k.at[i]
		if changed&(1<<i) == 0 {
			at[0] += shift
			at[1] += shift
			continue
		}
		v := e.Data[i].Value
		b = append(b, k.text[from:at[0]]...)
		from = at[1]
		at[0] = len(b) - start
		if len(v) < jsonLongValue {
			b = appendJSONStringBody(b, v, false)
		} else {
			b = a.appendLongValue(b, v)
		}
		b = append(b, '"')
		shift = len(b) - start - from
		at[1] = len(b) - start
		k.vals[i] = v
	}
	b = append(b, k.text[from:]...)
	k.text = append(k.text[:0], b[start:]...)
	return b
}

// The long values a JSONAppender keeps escaped: values of jsonLongValue
// bytes or more that needed an escape (a script block, a rule's conditions
// of many lines, a list of privileges) are often the same as one a few
// events before, not the one just before. At most jsonLongValues of them
// and jsonLongBytes of text are kept; then they are all dropped.
const (
	jsonLongValue  = 64
	jsonLongValues = 64
	jsonLongBytes  = 256 << 10
)

// appendLongValue appends s, of jsonLongValue bytes or more, escaped
// (appendJSONStringBody), copying the text escaped for an earlier value
// when s was seen.
func (a *JSONAppender) appendLongValue(b []byte, s string) []byte {
	if t, ok := a.long[s]; ok {
		return append(b, t...)
	}
	n := len(b)
	b = appendJSONStringBody(b, s, false)
	if len(b)-n == len(s) {
		return b // plain: a scan costs about what a lookup does
	}
	if len(a.long) >= jsonLongValues || a.longBytes+len(b)-n > jsonLongBytes {
		clear(a.long)
		a.longBytes = 0
	}
	if a.long == nil {
		a.long = make(map[string][]byte)
	}
	a.long[s] = slices.Clone(b[n:])
	a.longBytes += len(b) - n
	return b
}

// maxInlineKeys is the number of data fields up to which appendDataJSON
// finds repeated keys by comparing with the earlier fields, without
// building DataKeys.
const maxInlineKeys = 64

// appendDataJSON appends the members of the data object: DataKeys to
// values, in order.
func (e *Event) appendDataJSON(b []byte, a *JSONAppender, pos *jsonKeyPos) []byte {
	if len(e.Data) > maxInlineKeys {
		for i, k := range e.DataKeys() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k, false)
			b = append(b, ':')
			b = appendJSONString(b, e.Data[i].Value, false)
		}
		return b
	}
	if len(e.Data) <= maxPairKeys {
		return e.appendFewDataJSON(b, a, pos)
	}
	// unnamed[i] is field i's index among the unnamed fields (-1: named);
	// sig[i] a digest of its base key (length, first and last byte) that
	// keys can only share when they are equal.
	var unnamed [maxInlineKeys]int
	var sig [maxInlineKeys]uint32
	u := 0
	for i := range e.Data {
		if name := e.Data[i].Name; name != "" {
			unnamed[i] = -1
			sig[i] = uint32(len(name))<<16 | uint32(name[0])<<8 | uint32(name[len(name)-1])
		} else {
			unnamed[i] = u
			sig[i] = uint32(len("Data#")+decimalLen(u))<<16 | 'D'<<8 | uint32('0'+u%10)
			u++
		}
	}
	// The earlier fields are chained by a hash of their digest: head[h]
	// and prev[i] hold 1 + a field's index (0: none).
	var head [64]uint8
	var prev [maxInlineKeys]uint8
	for i := range e.Data {
		pos.start(i, len(b))
		if i > 0 {
			b = append(b, ',')
		}
		km, vm := a.dataMemos(i)
		// n: earlier fields with the same base key (DataKeys' count).
		n := 0
		h := sig[i] * 0x9e3779b1 >> 26
		for j := int(head[h]) - 1; j >= 0; j = int(prev[j]) - 1 {
			if sig[j] == sig[i] && sameDataKey(e.Data[i].Name, unnamed[i], e.Data[j].Name, unnamed[j]) {
				n++
			}
		}
		prev[i], head[h] = head[h], uint8(i+1)
		b = append(b, '"')
		if name := e.Data[i].Name; name != "" {
			b = km.appendBody(b, name, false)
		} else {
			b = strconv.AppendInt(append(b, "Data#"...), int64(unnamed[i]), 10)
		}
		if n > 0 {
			b = strconv.AppendInt(append(b, '#'), int64(n), 10)
		}
		b = append(b, `":"`...)
		pos.end(i, len(b))
		b = append(vm.appendBody(b, e.Data[i].Value, false), '"')
	}
	return b
}

// appendDecimal appends n in decimal, as strconv.AppendUint does, two
// digits a step, written in place.
func appendDecimal(b []byte, n uint64) []byte {
	if n < 10 {
		return append(b, byte('0'+n))
	}
	if n < 100 {
		return append(b, jsonDigits2[n*2], jsonDigits2[n*2+1])
	}
	if n < 10000 { // event IDs, thread IDs: no loop
		hi, lo := n/100*2, n%100*2
		if hi < 20 {
			return append(b, jsonDigits2[hi+1], jsonDigits2[lo], jsonDigits2[lo+1])
		}
		return append(b, jsonDigits2[hi], jsonDigits2[hi+1], jsonDigits2[lo], jsonDigits2[lo+1])
	}
	if n < 1e8 { // record IDs, offsets: eight digits made, the top k kept
		return appendDecimal8(b, n)
	}
	// k: the number of digits (bits.Len64 gives it to within one).
	k := bits.Len64(n) * 1233 >> 12
	if n >= jsonPow10[k] {
		k++
	}
	b = slices.Grow(b, k)
	l := len(b)
	b = b[:l+k]
	dst := b[l:]
	i := k
	for n >= 100 {
		d := n % 100 * 2
		n /= 100
		i -= 2
		dst[i], dst[i+1] = jsonDigits2[d], jsonDigits2[d+1]
	}
	if n >= 10 {
		dst[0], dst[1] = jsonDigits2[n*2], jsonDigits2[n*2+1]
	} else {
		dst[0] = byte('0' + n)
	}
	return b
}

// appendDecimal8 appends 10^4 <= n < 10^8 in decimal: its eight digits,
// leading zeros included, are made as one word and stored at once, and the
// slice is cut after its 5 to 8 digits.
func appendDecimal8(b []byte, n uint64) []byte {
	hi, lo := n/10000, n%10000
	d := func(v uint64) uint64 { return uint64(jsonDigits2[v*2]) | uint64(jsonDigits2[v*2+1])<<8 }
	w := d(hi/100) | d(hi%100)<<16 | d(lo/100)<<32 | d(lo%100)<<48
	k := 8 // digits
	switch {
	case hi < 10:
		k = 5
	case hi < 100:
		k = 6
	case hi < 1000:
		k = 7
	}
	w >>= 8 * uint(8-k) // the leading zeros out, little-endian
	l := len(b)
	if cap(b)-l < 8 {
		b = slices.Grow(b, 8)
	}
	binary.LittleEndian.PutUint64(b[l:l+8], w)
	return b[:l+k]
}

// jsonPow10[i] is 10^i.
var jsonPow10 = [20]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// appendSigned appends v in decimal, as strconv.AppendInt does.
func appendSigned(b []byte, v int64) []byte {
	if v < 0 {
		return strconv.AppendInt(b, v, 10)
	}
	return appendDecimal(b, uint64(v))
}

// appendHex appends n in lower-case hexadecimal without leading zeros, as
// strconv.AppendUint(b, n, 16) does.
func appendHex(b []byte, n uint64) []byte {
	var buf [16]byte
	i := len(buf)
	for {
		i--
		buf[i] = jsonHex[n&0xf]
		n >>= 4
		if n == 0 {
			break
		}
	}
	return append(b, buf[i:]...)
}

// maxPairKeys is the number of data fields up to which appendDataJSON
// finds repeated keys by comparing every pair, without tables.
const maxPairKeys = 6

// appendFewDataJSON is appendDataJSON for at most maxPairKeys fields: each
// key is compared with the earlier ones.
func (e *Event) appendFewDataJSON(b []byte, a *JSONAppender, pos *jsonKeyPos) []byte {
	var unnamed [maxPairKeys]int
	u := 0
	for i := range e.Data {
		pos.start(i, len(b))
		if i > 0 {
			b = append(b, ',')
		}
		km, vm := a.dataMemos(i)
		name := e.Data[i].Name
		ui := -1
		if name == "" {
			ui = u
			u++
		}
		unnamed[i] = ui
		// n: earlier fields with the same base key (DataKeys' count).
		n := 0
		for j := range i {
			nj := e.Data[j].Name
			if ui < 0 && unnamed[j] < 0 {
				if len(nj) == len(name) && nj == name {
					n++
				}
			} else if sameDataKey(name, ui, nj, unnamed[j]) {
				n++
			}
		}
		b = append(b, '"')
		if ui < 0 {
			b = km.appendBody(b, name, false)
		} else {
			b = appendDecimal(append(b, "Data#"...), uint64(ui))
		}
		if n > 0 {
			b = appendDecimal(append(b, '#'), uint64(n))
		}
		b = append(b, `":"`...)
		pos.end(i, len(b))
		b = append(vm.appendBody(b, e.Data[i].Value, false), '"')
	}
	return b
}

// decimalLen returns the number of decimal digits of u >= 0.
func decimalLen(u int) int {
	n := 1
	for ; u >= 10; u /= 10 {
		n++
	}
	return n
}

// appendTimeLayout appends t in UTC as TimeLayout gives it, without
// interpreting the layout, for the years of four digits (the others go
// through time.Format): the civil date comes from the count of days by
// integer arithmetic (the proleptic Gregorian calendar, as package time's).
func appendTimeLayout(b []byte, t time.Time) []byte {
	unix := t.Unix()
	if unix < unixYear1000 || unix >= unixYear10000 {
		return t.UTC().AppendFormat(b, TimeLayout)
	}
	// Days and seconds from 0000-03-01, a year that starts after its
	// leap day; all positive here.
	secs := uint64(unix - unixYear1000 + unixYear1000From0Mar)
	days, sod := secs/86400, secs%86400
	era := days / 146097
	doe := days - era*146097                               // day of the 400-year era
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the era
	year := era*400 + yoe
	doy := doe - (365*yoe + yoe/4 - yoe/100) // day of the year from March 1
	mp := (5*doy + 2) / 153                  // month from March, 0-11
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	if mp >= 10 {
		month = mp - 9
		year++
	}
	var buf [28]byte
	put2 := func(i int, v uint64) { buf[i], buf[i+1] = jsonDigits2[v*2], jsonDigits2[v*2+1] }
	put2(0, year/100)
	put2(2, year%100)
	buf[4] = '-'
	put2(5, month)
	buf[7] = '-'
	put2(8, day)
	buf[10] = 'T'
	appendClock((*[18]byte)(buf[10:]), sod, t.Nanosecond())
	return append(b, buf[:]...)
}

// appendClock writes "Thh:mm:ss.fffffffZ" minus its 'T' (buf[0], left as
// it is) into buf: sod seconds of the day and ns nanoseconds, in 100 ns
// units.
func appendClock(buf *[18]byte, sod uint64, ns int) {
	put2 := func(i int, v uint64) { buf[i], buf[i+1] = jsonDigits2[v*2], jsonDigits2[v*2+1] }
	put2(1, sod/3600)
	buf[3] = ':'
	put2(4, sod/60%60)
	buf[6] = ':'
	put2(7, sod%60)
	buf[9] = '.'
	frac := uint64(ns / 100)
	buf[10] = byte('0' + frac/1000000)
	put2(11, frac/10000%100)
	put2(13, frac/100%100)
	put2(15, frac%100)
	buf[17] = 'Z'
}

// The Unix times of 1000-01-01 and 10000-01-01 UTC, and the seconds from
// 0000-03-01 to 1000-01-01.
const (
	unixYear1000         = -30610224000
	unixYear10000        = 253402300800
	unixYear1000From0Mar = 31551811200
)

// appendDigits appends v >= 0, below 10^width, in width decimal digits.
func appendDigits(b []byte, v, width int) []byte {
	var buf [8]byte
	i := width
	for ; i >= 2; i -= 2 {
		d := v % 100 * 2
		buf[i-2], buf[i-1] = jsonDigits2[d], jsonDigits2[d+1]
		v /= 100
	}
	if i == 1 {
		buf[0] = byte('0' + v%10)
	}
	return append(b, buf[:width]...)
}

// jsonDigits2 holds "00" to "99", two bytes each.
const jsonDigits2 = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" + "30313233343536373839" +
	"40414243444546474849" + "50515253545556575859" + "60616263646566676869" + "70717273747576777879" +
	"80818283848586878889" + "90919293949596979899"

// sameDataKey reports whether two fields have the same base key in
// DataKeys: the name of a named field, "Data#i" of the i-th unnamed one.
func sameDataKey(a string, ua int, b string, ub int) bool {
	switch {
	case ua < 0 && ub < 0:
		return a == b
	case ua >= 0 && ub >= 0:
		return ua == ub
	case ua >= 0:
		return isUnnamedKey(b, ua)
	default:
		return isUnnamedKey(a, ub)
	}
}

// isUnnamedKey reports whether name is "Data#" followed by the decimal i.
func isUnnamedKey(name string, i int) bool {
	rest, ok := strings.CutPrefix(name, "Data#")
	if !ok || rest == "" || len(rest) > 20 {
		return false
	}
	var buf [20]byte
	return string(strconv.AppendInt(buf[:0], int64(i), 10)) == rest
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it: with escapeHTML false (event data often holds < > &) as its
// Encoder with SetEscapeHTML(false) does.
func appendJSONString(b []byte, s string, escapeHTML bool) []byte {
	b = append(b, '"')
	b = appendJSONStringBody(b, s, escapeHTML)
	return append(b, '"')
}

// jsonSafe[c] is true for the bytes written as they are inside a JSON
// string: ASCII but controls, '"' and '\\'; jsonHTMLSafe is the same
// without '<', '>' and '&'. Bytes from 0x80 on are false: they are decoded.
var jsonSafe, jsonHTMLSafe = func() (t, h [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
		h[c] = t[c] && c != '<' && c != '>' && c != '&'
	}
	return t, h
}()

const jsonHex = "0123456789abcdef"

// load64 returns the first eight bytes of s as a little-endian number (one
// load: the bounds are known).
func load64(s string) uint64 {
	s = s[:8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// jsonSpecial8 flags (high bit of its byte) the bytes of x that are not
// written as they are with escapeHTML false (not jsonSafe): below 0x20, from
// 0x80 on, '"' and '\\'. A plain byte neither sets a flag nor borrows from
// the byte above, so the lowest flag is exact; a flag above a flagged byte
// may be spurious, so callers use only the lowest.
func jsonSpecial8(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	// x-0x20 wraps for the controls; (x^'"')-1 for '"' only, among
	// bytes below 0x80 (the others x flags itself); likewise '\\'.
	return ((x - 0x20*ones) | ((x ^ '"'*ones) - ones) | ((x ^ '\\'*ones) - ones) | x) & highs
}

// jsonHTML8 flags, as jsonSpecial8 does, the bytes '<', '>' and '&' of x,
// which are escaped too with escapeHTML true. Its lowest flag is exact
// below a byte jsonSpecial8 flags.
func jsonHTML8(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	lt, gt, amp := x^'<'*ones, x^'>'*ones, x^'&'*ones
	return ((lt-ones)&^lt | (gt-ones)&^gt | (amp-ones)&^amp) & highs
}

// jsonSpecial returns the flags of x for the bytes escaped with escapeHTML
// html: jsonSpecial8, and jsonHTML8 if html.
func jsonSpecial(x uint64, html bool) uint64 {
	m := jsonSpecial8(x)
	if html {
		m |= jsonHTML8(x)
	}
	return m
}

// jsonAllPlain reports whether every byte of s is written as it is with
// escapeHTML false (jsonSafe): the flags of jsonSpecial8 over words that
// cover s, overlapping rather than reading past it (a short s is padded
// with spaces), gathered without a branch per word.
func jsonAllPlain(s string) bool {
	switch {
	case len(s) >= 8:
		var m uint64
		for rest := s; len(rest) >= 8; rest = rest[8:] {
			m |= jsonSpecial8(load64(rest))
		}
		return m|jsonSpecial8(load64(s[len(s)-8:])) == 0
	case len(s) >= 4:
		return jsonSpecial8(load32(s)|load32(s[len(s)-4:])<<32) == 0
	case len(s) >= 2:
		return jsonSpecial8(load16(s)|load16(s[len(s)-2:])<<16|0x2020202000000000) == 0
	case len(s) == 1:
		return jsonSafe[s[0]]
	}
	return true
}

// load32 and load16 return the first four and two bytes of s as a
// little-endian number.
func load32(s string) uint64 {
	s = s[:4]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
}

func load16(s string) uint64 {
	s = s[:2]
	return uint64(s[0]) | uint64(s[1])<<8
}

// jsonPlainPrefix returns the length of the longest prefix of s that is
// written as it is (jsonSafe, or jsonHTMLSafe if html): eight bytes a
// step, the last partial step as one load of s's last eight bytes.
func jsonPlainPrefix(s string, html bool) int {
	i := 0
	for rest := s; len(rest) >= 8; rest = rest[8:] {
		if m := jsonSpecial(load64(rest), html); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		i += 8
	}
	if i == len(s) {
		return i
	}
	if len(s) >= 8 {
		// The last eight bytes overlap the plain ones already read; those
		// cause no flag and no borrow, so shifted out the lowest flag left
		// is exact.
		skip := uint(i - (len(s) - 8))
		if m := jsonSpecial(load64(s[len(s)-8:]), html) >> (8 * skip); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		return len(s)
	}
	safe := &jsonSafe
	if html {
		safe = &jsonHTMLSafe
	}
	for i < len(s) && safe[s[i]] {
		i++
	}
	return i
}

// appendJSONStringBody is appendJSONString without the quotes.
func appendJSONStringBody(b []byte, s string, escapeHTML bool) []byte {
	// The backslashes that open a UNC name (an SMB client's name) are
	// doubled without a scan, so that the rest is often plain.
	for len(s) > 0 && s[0] == '\\' {
		b = append(b, '\\', '\\')
		s = s[1:]
	}
	// A short string is checked whole without a branch per word; a long
	// one (a script, a command line) is more often not plain, and its
	// scan stops at the first escape rather than reading it twice.
	if !escapeHTML && len(s) <= jsonShortString && jsonAllPlain(s) {
		return append(b, s...)
	}
	i := jsonPlainPrefix(s, escapeHTML)
	if i == len(s) {
		return append(b, s...)
	}
	return appendJSONEscaped(append(b, s[:i]...), s[i:], escapeHTML)
}

// jsonShortString is the length up to which appendJSONStringBody checks a
// string whole (jsonAllPlain) before looking for its first escape.
const jsonShortString = 32

// appendJSONEscaped appends s escaped, resuming the eight-byte scan at each
// byte written as it is that follows an escape (escapes in a row, as the
// two backslashes opening a UNC name, need no scan).
func appendJSONEscaped(b []byte, s string, escapeHTML bool) []byte {
	safe := &jsonSafe
	if escapeHTML {
		safe = &jsonHTMLSafe
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if safe[c] {
			// The plain run from here, eight bytes a step while they
			// last, then byte by byte (a run after an escape is often
			// short: a word between quotes, a line of a script).
			i++
			for len(s)-i >= 8 {
				m := jsonSpecial(load64(s[i:]), escapeHTML)
				if m != 0 {
					i += bits.TrailingZeros64(m) / 8
					break
				}
				i += 8
			}
			for i < len(s) && safe[s[i]] {
				i++
			}
			continue
		}
		if c < utf8.RuneSelf {
			if start < i {
				b = append(b, s[start:i]...)
			}
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', jsonHex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
