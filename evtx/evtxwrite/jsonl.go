package evtxwrite

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// jsonEvent is one line of the JSON Lines format.
type jsonEvent struct {
	Provider          *string       `json:"provider"`
	ProviderGUID      string        `json:"provider_guid"`
	EventSourceName   string        `json:"event_source_name"`
	Channel           string        `json:"channel"`
	Computer          string        `json:"computer"`
	EventID           *uint16       `json:"event_id"`
	Qualifiers        *uint16       `json:"qualifiers"`
	Version           uint8         `json:"version"`
	Level             uint8         `json:"level"`
	Task              uint16        `json:"task"`
	Opcode            uint8         `json:"opcode"`
	Keywords          any           `json:"keywords"` // "0x8000000000000000" or a number
	TimeCreated       *string       `json:"time_created"`
	RecordID          uint64        `json:"record_id"`
	EventRecordID     uint64        `json:"event_record_id"` // System/EventRecordID; 0: record_id
	ProcessID         uint32        `json:"process_id"`
	ThreadID          uint32        `json:"thread_id"`
	UserSID           string        `json:"user_sid"`
	ActivityID        string        `json:"activity_id"`
	RelatedActivityID string        `json:"related_activity_id"`
	Data              []jsonData    `json:"data"`
	UserData          *jsonUserData `json:"user_data"`
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

// ParseJSONL reads events in the JSON Lines format of examples/evtxgen: one
// JSON object per line, in record order; blank lines are skipped. Fields:
//
//	provider, channel and computer (required), provider_guid, event_source_name,
//	event_id (required), qualifiers, version (default 0), level, task, opcode,
//	keywords ("0x..." string or number), time_created (required, RFC 3339,
//	up to 100 ns), record_id (default: previous + 1, from 1), process_id,
//	thread_id, user_sid, activity_id, related_activity_id,
//	data: [{"name", "type", "value"}] or
//	user_data: {"name", "ns", "data": [...]}
//
// type is one of string, ansistring, uint8, uint16, uint32, uint64, int8,
// int16, int32, int64, bool, hexint32, hexint64, guid, sid, filetime,
// systemtime, binary (value as hex digits). Every value is checked here, so
// an error names the line and field (a *LineError).
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
			return Event{}, te.Field, fmt.Errorf("%w: %s does not fit %s", ErrSyntax, te.Value, te.Type)
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
		Provider: *j.Provider, ProviderGUID: j.ProviderGUID, EventSourceName: j.EventSourceName,
		Channel: j.Channel, Computer: j.Computer, EventID: *j.EventID, Qualifiers: j.Qualifiers,
		Version: j.Version, Level: j.Level, Task: j.Task, Opcode: j.Opcode, TimeCreated: tc.UTC(),
		RecordID: j.RecordID, EventRecordID: j.EventRecordID, ProcessID: j.ProcessID, ThreadID: j.ThreadID, UserSID: j.UserSID,
		ActivityID: j.ActivityID, RelatedActivityID: j.RelatedActivityID,
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
	if j.UserData != nil && j.Data != nil {
		return bad("user_data", errors.New("a line carries data or user_data, not both"))
	}
	items, field := j.Data, "data"
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
