package report

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
)

// jsonWriter appends the JSON of the clients and findings of a report
// laid out as json.MarshalIndent lays them out (prefix, two spaces an
// indent level), byte for byte, without reflection: at tens of thousands
// of clients, encoding/json and a second pass to indent its output cost
// more than the scan that found them. Keys are written as given: they
// must be plain ASCII that JSON need not escape.
type jsonWriter struct {
	b      []byte
	prefix string
	open   []int // per open object or array: the members written so far
}

// newline starts a line at the current depth.
func (w *jsonWriter) newline() {
	w.b = append(w.b, '\n')
	w.b = append(w.b, w.prefix...)
	for range w.open {
		w.b = append(w.b, "  "...)
	}
}

// next starts a member or element of the innermost object or array.
func (w *jsonWriter) next() {
	k := len(w.open) - 1
	if w.open[k] > 0 {
		w.b = append(w.b, ',')
	}
	w.open[k]++
	w.newline()
}

func (w *jsonWriter) begin(c byte) {
	w.b = append(w.b, c)
	w.open = append(w.open, 0)
}

// end closes the innermost object or array: an empty one stays {} or [].
func (w *jsonWriter) end(c byte) {
	k := len(w.open) - 1
	n := w.open[k]
	w.open = w.open[:k]
	if n > 0 {
		w.newline()
	}
	w.b = append(w.b, c)
}

func (w *jsonWriter) key(k string) {
	w.next()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':', ' ')
}

// plainJSON says which bytes a JSON string holds as they are, with
// encoding/json's HTML escaping: printable ASCII but for " \ < > &.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = !strings.ContainsRune(`"\<>&`, rune(c))
	}
	return t
}()

// str appends s as encoding/json writes it.
func (w *jsonWriter) str(s string) {
	for i := 0; i < len(s); i++ {
		if !plainJSON[s[i]] {
			// Escapes, invalid UTF-8 (see validUTF8), U+2028: rare, left
			// to encoding/json, which cannot fail on a string.
			q, _ := json.Marshal(validUTF8(s))
			w.b = append(w.b, q...)
			return
		}
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, s...)
	w.b = append(w.b, '"')
}

func (w *jsonWriter) keyStr(k, s string) {
	w.key(k)
	w.str(s)
}

func (w *jsonWriter) keyInt(k string, n int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, n, 10)
}

func (w *jsonWriter) keyUint(k string, n uint64) {
	w.key(k)
	w.b = strconv.AppendUint(w.b, n, 10)
}

func (w *jsonWriter) keyBool(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
}

// keyTime appends t as formatTime renders it.
func (w *jsonWriter) keyTime(k string, t time.Time) {
	w.key(k)
	w.b = append(w.b, '"')
	if !t.IsZero() {
		w.b = t.UTC().AppendFormat(w.b, evtx.TimeLayout)
	}
	w.b = append(w.b, '"')
}

// keyStrs appends a list of strings; nil is [].
func (w *jsonWriter) keyStrs(k string, list []string) {
	w.key(k)
	w.strs(list)
}

func (w *jsonWriter) strs(list []string) {
	w.begin('[')
	for _, s := range list {
		w.next()
		w.str(s)
	}
	w.end(']')
}

func (w *jsonWriter) keySettings(k string, list []Setting) {
	w.key(k)
	w.begin('[')
	for _, s := range list {
		w.next()
		w.str(string(s))
	}
	w.end(']')
}

func (w *jsonWriter) evidence(e *Evidence) {
	w.keyTime("time", e.Time)
	w.keyStr("server", e.Server)
	w.keyUint("event_id", uint64(e.EventID))
	w.keyUint("record_id", e.RecordID)
	w.key("source")
	w.source(&e.Source)
}

func (w *jsonWriter) source(s *evtx.Source) {
	w.begin('{')
	w.keyStr("file", s.File)
	w.keyInt("chunk", int64(s.Chunk))
	w.keyInt("offset", s.Offset)
	w.end('}')
}

// eventKey is an event ID as a key of "events" and "servers_by_event",
// which encoding/json writes in the order of their text ("3021" before
// "551").
type eventKey struct {
	key string
	i   int // in Client.EventCounts
}

// eventKeys returns the keys of c's event counts in the order encoding/json
// writes the keys of a map, each once (the last entry of an ID, as a map
// keeps it).
func eventKeys(c *Client, keys []eventKey) []eventKey {
	keys = keys[:0]
	for i, e := range c.EventCounts {
		keys = append(keys, eventKey{strconv.Itoa(int(e.ID)), i})
	}
	slices.SortStableFunc(keys, func(x, y eventKey) int { return strings.Compare(x.key, y.key) })
	out := keys[:0]
	for i, k := range keys {
		if i+1 < len(keys) && keys[i+1].key == k.key {
			continue
		}
		out = append(out, k)
	}
	return out
}

// client appends the JSON form of one client row (the members of
// jsonClient, in its order).
func (w *jsonWriter) client(c *Client, keys []eventKey) []eventKey {
	w.begin('{')
	w.keyStr("client", c.ID)
	w.keyStr("kind", c.Kind)
	w.keyStr("short_name", c.ShortName)
	w.keyStrs("linked", c.Linked)
	w.keyInt("linked_total", int64(max(c.LinkedTotal, len(c.Linked))))
	w.keyStrs("names", c.Names)
	w.keyInt("names_total", int64(max(c.NamesTotal, len(c.Names))))
	keys = eventKeys(c, keys)
	w.key("events")
	w.begin('{')
	for _, k := range keys {
		w.keyInt(k.key, int64(c.EventCounts[k.i].Count))
	}
	w.end('}')
	w.key("servers_by_event")
	w.begin('{')
	for _, k := range keys {
		w.keyStrs(k.key, c.EventCounts[k.i].Servers)
	}
	w.end('}')
	w.keyTime("first_seen", c.FirstSeen)
	w.keyTime("last_seen", c.LastSeen)
	w.key("first_evidence")
	w.begin('{')
	w.evidence(&c.First)
	w.end('}')
	w.key("last_evidence")
	w.begin('{')
	w.evidence(&c.Last)
	w.end('}')
	w.keyStrs("servers", c.Servers)
	w.keyInt("servers_total", int64(max(c.ServersTotal, len(c.Servers))))
	w.keyStrs("users", c.Users)
	w.keyInt("users_total", int64(max(c.UsersTotal, len(c.Users))))
	w.keyStrs("spns", c.SPNs)
	w.keyInt("spns_total", int64(max(c.SPNsTotal, len(c.SPNs))))
	w.keyStrs("spn_query_statuses", c.SPNQueryStatuses)
	w.keyStrs("epa_policies", c.EPAPolicies)
	w.keyStrs("server_requires_signing", c.ServerRequiresSigning)
	w.keyStrs("rejection_statuses", c.RejectionStatuses)
	w.keyStrs("spns_service_class_invalid", c.SPNsServiceClassInvalid)
	w.keyStrs("spns_principal_name_invalid", c.SPNsPrincipalNameInvalid)
	w.keyInt("damaged_chunk_events", int64(c.DamagedChunkEvents))
	w.keySettings("breaks_under", c.BreaksUnder)
	w.keySettings("possibly_breaks_under", c.PossiblyBreaksUnder)
	w.keyBool("rejected_by_enforcement", c.RejectedByEnforcement)
	w.key("verdicts")
	w.begin('[')
	for i := range c.Verdicts {
		v := &c.Verdicts[i]
		w.next()
		w.begin('{')
		w.keyStr("setting", string(v.Setting))
		w.keyBool("certain", v.Certain)
		w.key("events")
		w.begin('[')
		for _, id := range v.Events {
			w.next()
			w.b = strconv.AppendUint(w.b, uint64(id), 10)
		}
		w.end(']')
		w.keyStrs("servers", v.Servers)
		w.keyStrs("hints", v.Hints)
		w.end('}')
	}
	w.end(']')
	w.end('}')
	return keys
}

// record appends the JSON form of one finding (the members of jsonRecord,
// in its order).
func (w *jsonWriter) record(f *Record) {
	w.begin('{')
	w.evidence(&f.Evidence)
	w.keyUint("event_record_id", f.EventRecordID)
	w.keyStr("kind", f.Kind)
	w.keyStr("channel", f.Channel)
	w.keyStr("client", f.ClientID)
	w.keyStr("client_raw", f.ClientRaw)
	w.keyStr("client_kind", f.ClientKind)
	w.keyStr("short_name", f.ShortName)
	w.keyStr("user", f.User)
	w.keyStr("spn", f.SPN)
	w.keyBool("has_spn", f.HasSPN)
	w.keyStr("spn_query_status", f.SPNQueryStatus)
	w.keyStr("epa_policy", f.EPAPolicy)
	w.keyStr("server_requires_signing", f.ServerRequiresSigning)
	w.keyStr("service_class_is_valid", f.ServiceClassIsValid)
	w.keyStr("principal_name_is_valid", f.PrincipalNameIsValid)
	w.keyStr("server_requires_encryption", f.ServerRequiresEncryption)
	w.keyStr("status", f.Status)
	w.keyBool("chunk_damaged", f.ChunkDamaged)
	if f.Recovered { // omitempty
		w.keyBool("recovered", true)
	}
	w.keyStr("reason", f.Reason)
	w.end('}')
}
