package evtx

import (
	"bytes"
	"encoding/json"
	"strconv"
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
// decoder's refusal) when set.
func (e Event) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	first := true
	key := func(k string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeJSONString(&b, k)
		b.WriteByte(':')
	}
	str := func(k, v string) {
		if v != "" {
			key(k)
			writeJSONString(&b, v)
		}
	}
	num := func(k string, v uint64) {
		key(k)
		b.WriteString(strconv.FormatUint(v, 10))
	}
	b.WriteByte('{')
	num("record_id", e.RecordID)
	if e.EventRecordID != 0 {
		num("event_record_id", e.EventRecordID)
	}
	key("time_created")
	if e.TimeCreated.IsZero() {
		b.WriteString("null")
	} else {
		writeJSONString(&b, e.TimeCreated.UTC().Format(TimeLayout))
	}
	num("event_id", uint64(e.EventID))
	str("provider", e.Provider)
	str("channel", e.Channel)
	str("computer", e.Computer)
	if e.HasQualifiers {
		num("qualifiers", uint64(e.Qualifiers))
	}
	num("version", uint64(e.Version))
	num("level", uint64(e.Level))
	num("task", uint64(e.Task))
	num("opcode", uint64(e.Opcode))
	str("keywords", "0x"+strconv.FormatUint(e.Keywords, 16))
	str("provider_guid", e.ProviderGUID)
	str("event_source_name", e.EventSourceName)
	str("user_sid", e.UserSID)
	num("process_id", uint64(e.ProcessID))
	num("thread_id", uint64(e.ThreadID))
	str("activity_id", e.ActivityID)
	str("related_activity_id", e.RelatedActivityID)
	key("data")
	b.WriteByte('{')
	for i, k := range e.DataKeys() {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, k)
		b.WriteByte(':')
		writeJSONString(&b, e.Data[i].Value)
	}
	b.WriteByte('}')
	key("source")
	src, err := json.Marshal(e.Source)
	if err != nil {
		return nil, err
	}
	b.Write(src)
	if e.ChunkDamaged {
		key("chunk_damaged")
		b.WriteString("true")
	}
	if e.Recovered {
		key("recovered")
		b.WriteString("true")
	}
	str("fallback", e.Fallback)
	b.WriteByte('}')
	return b.Bytes(), nil
}

// writeJSONString writes s as a JSON string, without the HTML escaping of
// json.Marshal (event data often holds < > &).
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a string always encodes
	b.Truncate(b.Len() - 1) // the newline Encode adds
}
