package evtxwrite

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
)

// jsonEvent is one line of the JSON Lines format.
type jsonEvent struct {
	Provider          *string         `json:"provider"`
	ProviderGUID      string          `json:"provider_guid"`
	EventSourceName   string          `json:"event_source_name"`
	Channel           string          `json:"channel"`
	Computer          string          `json:"computer"`
	EventID           *uint16         `json:"event_id"`
	Qualifiers        *uint16         `json:"qualifiers"`
	Version           uint8           `json:"version"`
	Level             uint8           `json:"level"`
	Task              uint16          `json:"task"`
	Opcode            uint8           `json:"opcode"`
	Keywords          any             `json:"keywords"` // "0x8000000000000000" or a number
	TimeCreated       *string         `json:"time_created"`
	RecordID          uint64          `json:"record_id"`
	EventRecordID     uint64          `json:"event_record_id"` // System/EventRecordID; 0: record_id
	ProcessID         uint32          `json:"process_id"`
	ThreadID          uint32          `json:"thread_id"`
	UserSID           string          `json:"user_sid"`
	ActivityID        string          `json:"activity_id"`
	RelatedActivityID string          `json:"related_activity_id"`
	Data              json.RawMessage `json:"data"` // a list of jsonData, or evtxdump's object
	UserData          *jsonUserData   `json:"user_data"`
	// Source and ChunkDamaged are in the lines of examples/evtxdump; they
	// say where the event was read and are not written.
	Source       json.RawMessage `json:"source"`
	ChunkDamaged bool            `json:"chunk_damaged"`
}

type jsonData struct {
	Name  *string `json:"name"`
	Type  string  `json:"type"`
	Value any     `json:"value"`
}

type jsonUserData struct {
	Name string     `json:"name"`
	NS   string     `json:"ns"`
	Data []jsonData `json:"data"`
}

// ParseJSONL reads events in JSON Lines, one object per line in record
// order (see the package documentation, JSON Lines), and returns them. Every
// value is checked, so that an error, a *LineError, names the line and the
// field.
func ParseJSONL(r io.Reader) ([]Event, error) {
	br := bufio.NewReaderSize(r, 64*1024)
	var events []Event
	var prev uint64
	for line := 1; ; line++ {
		raw, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, &LineError{Line: line, Err: err}
		}
		if t := bytes.TrimSpace(raw); len(t) > 0 {
			ev, field, perr := parseLine(t)
			if perr != nil {
				return nil, &LineError{Line: line, Field: field, Err: perr}
			}
			if ev.RecordID == 0 {
				ev.RecordID = prev + 1
			}
			prev = ev.RecordID
			events = append(events, ev)
		}
		if err != nil {
			return events, nil
		}
	}
}

func parseLine(b []byte) (Event, string, error) {
	var j jsonEvent
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&j); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Event{}, te.Field, fmt.Errorf("%w: %s", ErrSyntax, typeMismatch(te))
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return Event{}, strings.Trim(f, `"`), fmt.Errorf("%w: unknown field", ErrSyntax)
		}
		return Event{}, "", fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	if dec.More() {
		return Event{}, "", fmt.Errorf("%w: more than one JSON value on the line", ErrSyntax)
	}
	bad := func(field string, err error) (Event, string, error) {
		return Event{}, field, fmt.Errorf("%w: %w", ErrInvalidEvent, err)
	}
	if j.Provider == nil || *j.Provider == "" {
		return bad("provider", errors.New("missing"))
	}
	if j.EventID == nil {
		return bad("event_id", errors.New("missing"))
	}
	if j.Channel == "" {
		return bad("channel", errors.New("missing"))
	}
	if j.Computer == "" {
		return bad("computer", errors.New("missing"))
	}
	if j.TimeCreated == nil {
		return bad("time_created", errors.New("missing"))
	}
	tc, err := time.Parse(time.RFC3339Nano, *j.TimeCreated)
	if err != nil {
		return bad("time_created", fmt.Errorf("%q is not an RFC 3339 time", *j.TimeCreated))
	}
	if _, err := fileTime(tc); err != nil {
		return bad("time_created", err)
	}
	ev := Event{
		System: evtx.System{Provider: *j.Provider, ProviderGUID: j.ProviderGUID, EventSourceName: j.EventSourceName,
			Channel: j.Channel, Computer: j.Computer, EventID: *j.EventID,
			Version: j.Version, Level: j.Level, Task: j.Task, Opcode: j.Opcode, TimeCreated: tc.UTC(),
			EventRecordID: j.EventRecordID, ProcessID: j.ProcessID, ThreadID: j.ThreadID, UserSID: j.UserSID,
			ActivityID: j.ActivityID, RelatedActivityID: j.RelatedActivityID},
		RecordID: j.RecordID,
	}
	if j.Qualifiers != nil {
		ev.Qualifiers, ev.HasQualifiers = *j.Qualifiers, true
	}
	if j.Keywords != nil {
		k, err := toUint(j.Keywords, 64)
		if err != nil {
			return bad("keywords", err)
		}
		ev.Keywords = k
	}
	for _, g := range []struct{ field, v string }{{"provider_guid", ev.ProviderGUID}, {"activity_id", ev.ActivityID}, {"related_activity_id", ev.RelatedActivityID}} {
		if g.v != "" {
			if _, err := parseGUID(g.v); err != nil {
				return bad(g.field, err)
			}
		}
	}
	if ev.UserSID != "" {
		if _, err := parseSID(ev.UserSID); err != nil {
			return bad("user_sid", err)
		}
	}
	if j.UserData != nil && len(j.Data) > 0 && !bytes.Equal(j.Data, []byte("null")) {
		return bad("user_data", errors.New("a line carries data or user_data, not both"))
	}
	items, field := []jsonData(nil), "data"
	if len(j.Data) > 0 && !bytes.Equal(j.Data, []byte("null")) {
		var err error
		if items, err = parseData(j.Data); err != nil {
			return Event{}, "data", fmt.Errorf("%w: %w", ErrSyntax, err)
		}
		if items == nil {
			items = []jsonData{}
		}
	}
	if j.UserData != nil {
		items, field = j.UserData.Data, "user_data.data"
		if j.UserData.Name == "" {
			return bad("user_data.name", errors.New("missing"))
		}
	}
	data := make([]Data, 0, len(items))
	for i, it := range items {
		f := fmt.Sprintf("%s[%d]", field, i)
		if it.Name == nil {
			return bad(f+".name", errors.New("missing (use \"\" for an unnamed <Data>)"))
		}
		if j.UserData != nil && *it.Name == "" {
			return bad(f+".name", errors.New("user_data items need a name"))
		}
		t, ok := TypeByName(it.Type)
		if !ok {
			return bad(f+".type", fmt.Errorf("unknown type %q", it.Type))
		}
		if it.Value == nil {
			return bad(f+".value", errors.New("missing"))
		}
		d := Data{Name: *it.Name, Type: t, Value: it.Value}
		if _, err := encodeValue(t, it.Value, true); err != nil {
			return bad(f+".value", err)
		}
		data = append(data, d)
	}
	if j.UserData != nil {
		ev.UserData = &UserData{Name: j.UserData.Name, Namespace: j.UserData.NS, Data: data}
	} else {
		ev.Data = data
	}
	return ev, "", nil
}

// parseData reads data: a list of {"name", "type", "value"}, or the object
// of evtxdump, whose keys are evtx.Event.DataKeys and values strings.
func parseData(raw json.RawMessage) ([]jsonData, error) {
	if raw[0] == '[' {
		var items []jsonData
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		dec.UseNumber()
		if err := dec.Decode(&items); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return nil, typeMismatch(te)
			}
			if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
				return nil, fmt.Errorf("unknown field %s in an item", f)
			}
			return nil, err
		}
		return items, nil
	}
	if raw[0] != '{' {
		return nil, errors.New("want a list of {name, type, value} or an object of names to strings")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var items []jsonData
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string) // object keys are strings
		tok, err = dec.Token()
		if err != nil {
			return nil, err
		}
		v, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("%q: want a string value, as evtxdump writes", key)
		}
		name := dataName(key, seen)
		seen[name] = true
		items = append(items, jsonData{Name: &name, Type: "string", Value: v})
	}
	return items, nil
}

// dataName inverts evtx.Event.DataKeys for one key, given the names met
// before: "X#k" (k >= 1) after an X is a repeat of X, another "Data#i" an
// unnamed field, any other key a name.
func dataName(key string, seen map[string]bool) string {
	i := strings.LastIndexByte(key, '#')
	if i < 0 {
		return key
	}
	base := key[:i]
	n, err := strconv.ParseUint(key[i+1:], 10, 64)
	switch {
	case err != nil:
		return key
	case n >= 1 && seen[base]:
		return base
	case base == "Data":
		return ""
	}
	return key
}

// typeMismatch describes a JSON value of the wrong kind in words, not Go
// type names.
func typeMismatch(te *json.UnmarshalTypeError) error {
	want := "a value of another kind"
	t := te.Type
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil {
		switch t.Kind() {
		case reflect.String:
			want = "a string"
		case reflect.Bool:
			want = "true or false"
		case reflect.Slice:
			want = "a list"
		case reflect.Struct, reflect.Map:
			want = "an object"
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			if strings.HasPrefix(te.Value, "number") {
				return fmt.Errorf("%s is out of range (0 to %d)", te.Value, uint64(1)<<(t.Bits())-1)
			}
			want = "a whole number"
		}
	}
	return fmt.Errorf("%s where %s is expected", te.Value, want)
}
