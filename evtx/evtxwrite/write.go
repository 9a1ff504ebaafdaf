package evtxwrite

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/evtxkit/smbreadiness/evtx"
)

// eventNS is the namespace of the Event element.
const eventNS = "http://schemas.microsoft.com/win/2004/08/events/event"

// Outer template substitution slots (see the package documentation).
const (
	slotLevel uint16 = iota
	slotOpcode
	slotTask
	slotEventID
	slotQualifiers
	slotKeywords
	slotTimeCreated
	slotActivityID
	slotProcessID
	slotThreadID
	slotRecordID
	slotVersion
	slotUserID
	slotRelatedActivityID
	slotProviderName
	slotProviderGUID
	slotChannel
	slotPayload
	slotEventSourceName
)

// outerTemplate is the Event/System template for one computer name.
func outerTemplate(computer string, withESN bool) *template {
	provider := el("Provider").
		with("Name", opt(slotProviderName, evtx.TypeString)).
		with("Guid", opt(slotProviderGUID, evtx.TypeGUID))
	if withESN {
		provider.with("EventSourceName", opt(slotEventSourceName, evtx.TypeString))
	}
	system := el("System",
		elem(provider),
		elem(el("EventID", opt(slotEventID, evtx.TypeUint16)).with("Qualifiers", opt(slotQualifiers, evtx.TypeUint16))),
		elem(el("Version", opt(slotVersion, evtx.TypeUint8))),
		elem(el("Level", opt(slotLevel, evtx.TypeUint8))),
		elem(el("Task", opt(slotTask, evtx.TypeUint16))),
		elem(el("Opcode", opt(slotOpcode, evtx.TypeUint8))),
		elem(el("Keywords", opt(slotKeywords, evtx.TypeHexInt64))),
		elem(el("TimeCreated").with("SystemTime", opt(slotTimeCreated, evtx.TypeFileTime))),
		elem(el("EventRecordID", opt(slotRecordID, evtx.TypeUint64))),
		elem(el("Correlation").
			with("ActivityID", opt(slotActivityID, evtx.TypeGUID)).
			with("RelatedActivityID", opt(slotRelatedActivityID, evtx.TypeGUID))),
		elem(el("Execution").
			with("ProcessID", opt(slotProcessID, evtx.TypeUint32)).
			with("ThreadID", opt(slotThreadID, evtx.TypeUint32))),
		elem(el("Channel", opt(slotChannel, evtx.TypeString))),
		elem(el("Computer", lit(computer))),
		elem(el("Security").with("UserID", opt(slotUserID, evtx.TypeSID))),
	)
	root := el("Event", elem(system), opt(slotPayload, evtx.TypeBinXML)).with("xmlns", lit(eventNS))
	return newTemplate(root)
}

// payloadTemplate is the EventData or UserData template of one event layout.
// The provider, event ID and version are part of the template's identity.
func payloadTemplate(ev *Event) (*template, error) {
	var root *node
	if ud := ev.UserData; ud != nil {
		if ud.Name == "" {
			return nil, fmt.Errorf("%w: user_data needs a name", errValue)
		}
		inner := el(ud.Name)
		if ud.Namespace != "" {
			inner.with("xmlns", lit(ud.Namespace))
		}
		for _, a := range ud.Attributes {
			if a.Name == "" {
				return nil, fmt.Errorf("%w: user_data attribute with no name", errValue)
			}
			inner.with(a.Name, lit(a.Value))
		}
		for i, d := range ud.Data {
			if d.Name == "" {
				return nil, fmt.Errorf("%w: user_data item %d needs a name", errValue, i)
			}
			c, err := dataContent(uint16(i), d)
			if err != nil {
				return nil, err
			}
			inner.content = append(inner.content, elem(el(d.Name, c...)))
		}
		root = el("UserData", elem(inner))
	} else {
		root = el("EventData")
		if ev.EventDataName != "" {
			root.with("Name", lit(ev.EventDataName))
		}
		for i, d := range ev.Data {
			c, err := dataContent(uint16(i), d)
			if err != nil {
				return nil, err
			}
			n := el("Data", c...)
			if d.Name != "" {
				n.with("Name", lit(d.Name))
			}
			root.content = append(root.content, elem(n))
		}
	}
	t := newTemplate(root)
	// Identity: layout plus provider, event ID and version, as Windows keeps
	// one template per manifest event definition.
	t.key = fmt.Sprintf("%s|%d|%d|%s", strings.ToLower(ev.Provider), ev.EventID, ev.Version, t.key)
	t.guid = newTemplate(&node{name: t.key}).guid
	return t, nil
}

// dataContent is the content of the element of Data item d, substitution
// id: a substitution (optional or normal), or literal text.
func dataContent(id uint16, d Data) ([]item, error) {
	switch {
	case d.Literal:
		s, ok := d.Value.(string)
		if !ok || d.Type != evtx.TypeString {
			return nil, fmt.Errorf("%w: literal item %q needs a string value of type string", errValue, d.Name)
		}
		return literalText(s), nil
	case d.Optional:
		return []item{opt(id, d.Type)}, nil
	}
	return []item{norm(id, d.Type)}, nil
}

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// prepared is an event ready to be placed in a chunk.
type prepared struct {
	recordID uint64
	written  uint64
	in       *instance
}

func prepare(ev *Event, recordID uint64, crafted bool) (*prepared, error) {
	fail := func(field string, err error) error { return &EventError{Field: field, Err: err} }
	ft, err := fileTime(ev.TimeCreated)
	if err != nil {
		return nil, fail("time_created", err)
	}
	p := &prepared{recordID: recordID, written: ft}
	if crafted {
		p.in = &instance{crafted: true}
		return p, nil
	}
	null := arg{typ: evtx.TypeNull}
	optGUID := func(field, s string) (arg, error) {
		if s == "" {
			return null, nil
		}
		g, err := parseGUID(s)
		if err != nil {
			return null, fail(field, err)
		}
		return arg{typ: evtx.TypeGUID, data: g}, nil
	}
	optString := func(s string) arg {
		if s == "" {
			return null
		}
		return arg{typ: evtx.TypeString, data: utf16le(s, false)}
	}
	args := make([]arg, slotPayload+1, slotEventSourceName+1)
	args[slotLevel] = arg{typ: evtx.TypeUint8, data: []byte{ev.Level}}
	args[slotOpcode] = arg{typ: evtx.TypeUint8, data: []byte{ev.Opcode}}
	args[slotTask] = arg{typ: evtx.TypeUint16, data: le16(ev.Task)}
	args[slotEventID] = arg{typ: evtx.TypeUint16, data: le16(ev.EventID)}
	if ev.HasQualifiers {
		args[slotQualifiers] = arg{typ: evtx.TypeUint16, data: le16(ev.Qualifiers)}
	} else {
		// Windows writes an absent Qualifiers as a 2-byte null.
		args[slotQualifiers] = arg{typ: evtx.TypeNull, data: []byte{0, 0}}
	}
	args[slotKeywords] = arg{typ: evtx.TypeHexInt64, data: le64(ev.Keywords)}
	args[slotTimeCreated] = arg{typ: evtx.TypeFileTime, data: le64(ft)}
	if args[slotActivityID], err = optGUID("activity_id", ev.ActivityID); err != nil {
		return nil, err
	}
	args[slotProcessID] = arg{typ: evtx.TypeUint32, data: le32(ev.ProcessID)}
	args[slotThreadID] = arg{typ: evtx.TypeUint32, data: le32(ev.ThreadID)}
	eventRecordID := ev.EventRecordID
	if eventRecordID == 0 {
		eventRecordID = recordID
	}
	args[slotRecordID] = arg{typ: evtx.TypeUint64, data: le64(eventRecordID)}
	args[slotVersion] = arg{typ: evtx.TypeUint8, data: []byte{ev.Version}}
	args[slotUserID] = null
	if ev.UserSID != "" {
		sid, err := parseSID(ev.UserSID)
		if err != nil {
			return nil, fail("user_sid", err)
		}
		args[slotUserID] = arg{typ: evtx.TypeSID, data: sid}
	}
	if args[slotRelatedActivityID], err = optGUID("related_activity_id", ev.RelatedActivityID); err != nil {
		return nil, err
	}
	args[slotProviderName] = optString(ev.Provider)
	if args[slotProviderGUID], err = optGUID("provider_guid", ev.ProviderGUID); err != nil {
		return nil, err
	}
	args[slotChannel] = optString(ev.Channel)

	items, field := ev.Data, "data"
	if ev.UserData != nil {
		items, field = ev.UserData.Data, "user_data"
	}
	pt, err := payloadTemplate(ev)
	if err != nil {
		return nil, fail(field, err)
	}
	if len(items) > 0xffff {
		return nil, fail(field, fmt.Errorf("%w: too many items", errValue))
	}
	inner := &instance{t: pt, args: make([]arg, len(items))}
	for i, d := range items {
		if d.Literal {
			// Its text is in the template; the slot stays, Null, so
			// that the other items keep their substitution numbers.
			inner.args[i] = arg{typ: evtx.TypeNull}
			continue
		}
		if d.Optional && d.Value == nil {
			inner.args[i] = arg{typ: evtx.TypeNull}
			continue
		}
		b, err := encodeValue(d.Type, d.Value, true)
		if err != nil {
			return nil, fail(fmt.Sprintf("%s[%d] (%s)", field, i, d.Name), err)
		}
		if len(b) > 0xffff {
			return nil, fail(fmt.Sprintf("%s[%d] (%s)", field, i, d.Name), fmt.Errorf("%w: value longer than 65535 bytes", errValue))
		}
		inner.args[i] = arg{typ: d.Type, data: b}
	}
	args[slotPayload] = arg{typ: evtx.TypeBinXML, inner: inner}
	if ev.EventSourceName != "" {
		args = append(args, optString(ev.EventSourceName))
	}
	p.in = &instance{t: outerTemplate(ev.Computer, ev.EventSourceName != ""), args: args}
	return p, nil
}

// Write writes events as one EVTX file to w, in order.
func Write(w io.Writer, events []Event, opts Options) error {
	b, err := Encode(events, opts)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Encode returns the bytes of the EVTX file holding events.
func Encode(events []Event, opts Options) ([]byte, error) {
	minor := opts.MinorVersion
	if minor == 0 {
		minor = 1
	}
	if minor > 2 {
		return nil, fmt.Errorf("%w: minor version %d (want 1 or 2)", ErrInvalidOptions, minor)
	}
	d := opts.Damage
	var chunks []*chunk
	cur := newChunk(1)
	var prev, num uint64
	var magicFound, craftedFound bool
	for i := range events {
		ev := &events[i]
		id := ev.RecordID
		if id == 0 {
			id = prev + 1
		}
		prev = id
		magicFound = magicFound || id == d.BadRecordMagic
		craftedFound = craftedFound || id == d.CraftedArgCount
		p, err := prepare(ev, id, d.CraftedArgCount != 0 && d.CraftedArgCount == id)
		if err != nil {
			var ee *EventError
			if errors.As(err, &ee) {
				ee.Index = i
				ee.Err = fmt.Errorf("%w: %w", ErrInvalidEvent, ee.Err)
			}
			return nil, err
		}
		num++
		if !cur.add(p.recordID, p.written, p.in) {
			if cur.nrec == 0 {
				return nil, &EventError{Index: i, Field: "data", Err: fmt.Errorf("%w: record does not fit in a chunk", ErrInvalidEvent)}
			}
			chunks = append(chunks, cur)
			cur = newChunk(num)
			if !cur.add(p.recordID, p.written, p.in) {
				return nil, &EventError{Index: i, Field: "data", Err: fmt.Errorf("%w: record does not fit in a chunk", ErrInvalidEvent)}
			}
		}
	}
	if cur.nrec > 0 {
		chunks = append(chunks, cur)
	}
	if err := d.check(len(chunks), magicFound, craftedFound); err != nil {
		return nil, err
	}
	for i, c := range chunks {
		c.finish(d, i)
	}

	var out bytes.Buffer
	hdr := make([]byte, fileBlockSize)
	le := binary.LittleEndian
	copy(hdr, "ElfFile\x00")
	n := len(chunks)
	count, flags := n, uint32(0)
	next := prev + 1
	if d.DirtyHeader {
		flags |= 1
		if count > 0 {
			count--
		}
		if count > 0 {
			next = chunks[count-1].lastID + 1
		} else {
			next = 1
		}
	}
	last := uint64(0)
	if count > 0 {
		last = uint64(count - 1)
	}
	le.PutUint64(hdr[8:], 0)
	le.PutUint64(hdr[16:], last)
	le.PutUint64(hdr[24:], next)
	le.PutUint32(hdr[32:], fileHeaderSize)
	le.PutUint16(hdr[36:], minor)
	le.PutUint16(hdr[38:], 3)
	le.PutUint16(hdr[40:], fileBlockSize)
	le.PutUint16(hdr[42:], uint16(count))
	le.PutUint32(hdr[120:], flags)
	crc := crc32.ChecksumIEEE(hdr[:120])
	if d.BadHeaderCRC {
		crc = ^crc
	}
	le.PutUint32(hdr[124:], crc)
	out.Write(hdr)
	for i, c := range chunks {
		if d.ZeroChunk == i+1 {
			clear(c.buf)
		}
		out.Write(c.buf)
	}
	b := out.Bytes()
	if d.TruncateLastChunk && n > 0 {
		start := fileBlockSize + (n-1)*chunkSize
		cut := chunkHeaderSize + (chunks[n-1].free-chunkHeaderSize)/2
		b = b[:start+cut]
	}
	return b, nil
}

// WriteFile writes events to path atomically: the file appears complete, or
// not at all (a temporary file in the same directory is renamed over path).
func WriteFile(path string, events []Event, opts Options) error {
	b, err := Encode(events, opts)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// check refuses damage that names nothing in a log of n chunks, so that a
// test asking for damage never gets a sound file: a chunk past the last,
// a record ID no event has, or chunk damage in a log without chunks.
func (d Damage) check(n int, magicFound, craftedFound bool) error {
	switch {
	case d.ZeroChunk < 0 || d.ZeroChunk > n:
		return fmt.Errorf("%w: ZeroChunk %d: the log has %d chunk(s)", ErrInvalidOptions, d.ZeroChunk, n)
	case d.BadRecordMagic != 0 && !magicFound:
		return fmt.Errorf("%w: BadRecordMagic %d: no event has that record ID", ErrInvalidOptions, d.BadRecordMagic)
	case d.CraftedArgCount != 0 && !craftedFound:
		return fmt.Errorf("%w: CraftedArgCount %d: no event has that record ID", ErrInvalidOptions, d.CraftedArgCount)
	case n == 0 && (d.TruncateLastChunk || d.BadChunkHeaderCRC || d.BadRecordsCRC):
		return fmt.Errorf("%w: chunk damage asked of a log without events, hence without chunks", ErrInvalidOptions)
	}
	return nil
}
