package smbaudit_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// fuzzTypes are the value types a field of a fuzzed event may claim.
var fuzzTypes = []evtx.Type{evtx.TypeString, evtx.TypeAnsiString, evtx.TypeUint8, evtx.TypeUint16,
	evtx.TypeUint32, evtx.TypeUint64, evtx.TypeInt32, evtx.TypeInt64, evtx.TypeBool, evtx.TypeBinary,
	evtx.TypeGUID, evtx.TypeSID, evtx.TypeFileTime, evtx.TypeSysTime, evtx.TypeHexInt32, evtx.TypeHexInt64,
	evtx.TypeNull, evtx.TypeSizeT}

// fuzzFields decodes the fuzzer's bytes into event data: fields are
// separated by 0x1e; in each, the first byte picks the type and 0x1f
// separates the name from the value (no 0x1f: an unnamed field).
func fuzzFields(b []byte) []evtx.Field {
	if len(b) == 0 {
		return nil
	}
	var out []evtx.Field
	for _, part := range bytes.Split(b, []byte{0x1e}) {
		f := evtx.Field{Type: evtx.TypeString}
		if len(part) > 0 {
			f.Type = fuzzTypes[int(part[0])%len(fuzzTypes)]
			part = part[1:]
		}
		if name, value, ok := bytes.Cut(part, []byte{0x1f}); ok {
			f.Name, f.Value = string(name), string(value)
		} else {
			f.Value = string(part)
		}
		out = append(out, f)
	}
	return out
}

func fuzzSeedFields(fields ...evtx.Field) []byte {
	var b []byte
	for i, f := range fields {
		if i > 0 {
			b = append(b, 0x1e)
		}
		t := 0
		for j, ft := range fuzzTypes {
			if ft == f.Type {
				t = j
			}
		}
		b = append(b, byte(t))
		if f.Name != "" {
			b = append(append(b, f.Name...), 0x1f)
		}
		b = append(b, f.Value...)
	}
	return b
}

var fuzzProviders = []string{smbaudit.Provider, "microsoft-windows-smbserver", "Microsoft-Windows-Security-Auditing", ""}
var fuzzChannels = []string{smbaudit.AuditChannel, smbaudit.SecurityChannel, "ForwardedEvents", "", "Security"}

// FuzzClassify classifies events built from fuzzed fields. Beyond "no
// panic": Classify accepts exactly what Recognised accepts; the finding
// keeps the event's identity; every mapped field Mapping lists it knows,
// and its From names a real field; no field vanishes (each is mapped or
// unmapped); a finding that is not KindUnparsed has a
// client whose Raw is the mapped field's value.
func FuzzClassify(f *testing.F) {
	f.Add(uint8(0), uint16(3021), uint8(0), "FS01", fuzzSeedFields(
		evtx.Field{Name: "ClientNameLength", Type: evtx.TypeUint16, Value: "10"},
		evtx.Field{Name: "ClientName", Type: evtx.TypeString, Value: `\\10.0.0.5`},
		evtx.Field{Name: "ServerRequiresSigning", Type: evtx.TypeBool, Value: "false"}))
	f.Add(uint8(0), uint16(3025), uint8(0), "FS01", fuzzSeedFields(
		evtx.Field{Type: evtx.TypeString, Value: "WS1"}, evtx.Field{Type: evtx.TypeString, Value: "cifs/x"},
		evtx.Field{Type: evtx.TypeString, Value: "CORP\\u"}, evtx.Field{Type: evtx.TypeBool, Value: "true"},
		evtx.Field{Type: evtx.TypeBool, Value: "false"}, evtx.Field{Type: evtx.TypeUint32, Value: "2"}))
	f.Add(uint8(0), uint16(551), uint8(1), "FS02", fuzzSeedFields(
		evtx.Field{Name: "Status", Type: evtx.TypeHexInt32, Value: "0xc0000022"},
		evtx.Field{Name: "ClientAddress", Type: evtx.TypeBinary, Value: "02000000c0a80001"},
		evtx.Field{Name: "ClientName", Type: evtx.TypeString, Value: ""}))
	f.Add(uint8(1), uint16(3024), uint8(2), "", fuzzSeedFields(
		evtx.Field{Type: evtx.TypeUint16, Value: "4"}, evtx.Field{Type: evtx.TypeString, Value: "[fe80::1%3]:445"},
		evtx.Field{Name: "SpnQueryStatus", Type: evtx.TypeHexInt32, Value: "0xC000005E"}))
	f.Add(uint8(0), uint16(3000), uint8(3), "x", []byte{})
	f.Fuzz(func(t *testing.T, prov uint8, id uint16, ch uint8, computer string, data []byte) {
		ev := &evtx.Event{
			System: evtx.System{Provider: fuzzProviders[int(prov)%len(fuzzProviders)], EventID: id,
				Channel: fuzzChannels[int(ch)%len(fuzzChannels)], Computer: computer, EventRecordID: 9,
				TimeCreated: time.Date(2025, 10, 1, 8, 0, 0, 100, time.UTC)},
			RecordID: 7,
			Data:     fuzzFields(data),
			Source:   evtx.Source{File: "f.evtx", Chunk: 1, Offset: 70000},
		}
		fd, ok := smbaudit.Classify(ev)
		if ok != smbaudit.Recognised(ev.Provider, ev.EventID, ev.Channel) {
			t.Fatalf("Classify says %v, Recognised says the opposite", ok)
		}
		if !ok {
			return
		}
		if fd.EventID != ev.EventID || fd.Server != ev.Computer || fd.Source != ev.Source || fd.RecordID != 7 ||
			fd.EventRecordID != 9 || !fd.Time.Equal(ev.TimeCreated) || fd.Channel != ev.Channel {
			t.Fatalf("the finding lost the event's identity: %+v", fd)
		}
		if fields := fd.Mapping.Fields(); len(fields) != fd.Mapping.Len() {
			t.Fatalf("Mapping %v: %d fields, Len %d", fd.Mapping, len(fields), fd.Mapping.Len())
		}
		for _, key := range fd.Mapping.Fields() {
			if _, ok := fd.Mapping.By(key); !ok {
				t.Fatalf("Mapping.Fields lists %q, By does not know it", key)
			}
			if from := fd.Mapping.From(key); fieldByRef(ev.Data, from) < 0 {
				t.Fatalf("Mapping.From(%q) = %q names no field", key, from)
			}
		}
		if fd.Mapping.NumUnmapped() > len(ev.Data) || fd.Mapping.NumUnmapped()+fd.Mapping.Len() < len(ev.Data) {
			t.Fatalf("%d fields, %d mapped, %d unmapped: a field vanished", len(ev.Data), fd.Mapping.Len(), fd.Mapping.NumUnmapped())
		}
		if fd.Kind == smbaudit.KindUnparsed {
			if fd.Reason == "" {
				t.Fatal("an unparsed finding without a Reason")
			}
			return
		}
		if fd.Reason != "" {
			t.Fatalf("a %s finding with a Reason %q", fd.Kind, fd.Reason)
		}
		if fd.Client.ID == "" {
			t.Fatal("a classified finding without a client")
		}
		// Two fields may bear one name: Mapping.From then names either.
		found := false
		for i, fl := range ev.Data {
			if refersTo(fl, i, fd.Mapping.From(smbaudit.FieldClient)) && fl.Value == fd.Client.Raw {
				found = true
			}
		}
		if !found {
			t.Fatalf("client Raw %q is not the value of the field it was mapped from (%q)", fd.Client.Raw, fd.Mapping.From(smbaudit.FieldClient))
		}
	})
}

// fieldByRef finds the first field a Mapping.From ref can name.
func fieldByRef(data []evtx.Field, ref string) int {
	for i, f := range data {
		if refersTo(f, i, ref) {
			return i
		}
	}
	return -1
}

// refersTo reports whether a Mapping.From value names field i: its Name, or
// "#i" for an unnamed field.
func refersTo(f evtx.Field, i int, ref string) bool {
	if f.Name != "" {
		return f.Name == ref
	}
	return ref == "#"+strconv.Itoa(i)
}

// FuzzNormalizeClient: no panic; Raw is the input unchanged; the kind is
// one of the declared kinds; a recognised identity is a fixed point
// (normalising its ID gives the same ID, kind and short name); an FQDN's
// short name is its first label; a host's short name is the host.
func FuzzNormalizeClient(f *testing.F) {
	for _, s := range []string{`\\10.0.0.5`, `\\WS01`, `\\ws01.corp.example.`, `fe80::1%eth0`, `[fe80::1%3]:445`,
		`::ffff:10.0.0.1`, `10.0.0.5:445`, ` \\ `, ``, `\\bad name`, `\\a..b`, `\\ÄRGER.example`, "\\\\ws\u00a0x"} {
		f.Add(s)
	}
	kinds := map[smbaudit.ClientKind]bool{smbaudit.ClientIPv4: true, smbaudit.ClientIPv6: true,
		smbaudit.ClientHost: true, smbaudit.ClientFQDN: true, smbaudit.ClientUnknown: true}
	f.Fuzz(func(t *testing.T, raw string) {
		c := smbaudit.NormalizeClient(raw)
		if c.Raw != raw {
			t.Fatalf("Raw %q, want the input %q", c.Raw, raw)
		}
		if !kinds[c.Kind] {
			t.Fatalf("unknown kind %q", c.Kind)
		}
		switch c.Kind {
		case smbaudit.ClientUnknown:
			return
		case smbaudit.ClientFQDN:
			if first, _, _ := strings.Cut(c.ID, "."); c.ShortName != first {
				t.Fatalf("FQDN %q with short name %q", c.ID, c.ShortName)
			}
		case smbaudit.ClientHost:
			if c.ShortName != c.ID {
				t.Fatalf("host %q with short name %q", c.ID, c.ShortName)
			}
		}
		if c.ID == "" {
			t.Fatalf("kind %s with an empty ID", c.Kind)
		}
		if utf8.ValidString(raw) && !utf8.ValidString(c.ID) {
			t.Fatalf("valid UTF-8 %q gave invalid ID %q", raw, c.ID)
		}
		again := smbaudit.NormalizeClient(c.ID)
		if again.ID != c.ID || again.Kind != c.Kind || again.ShortName != c.ShortName {
			t.Fatalf("not idempotent: %q -> %+v -> %+v", raw, c, again)
		}
	})
}

// TestNormalizeClientSpaceInsideName is the regression test of a
// FuzzNormalizeClient finding: a Unicode space kept inside a host name (it
// survived because a trailing dot followed it) made "0\u00a0." the host
// "0\u00a0", whose own normalisation is "0": two IDs for one name. Such a
// name is now not a host at all.
func TestNormalizeClientSpaceInsideName(t *testing.T) {
	for _, raw := range []string{"0\u00a0.", "ws01\u00a0.corp.", "ws\u200b01", "ws\u000101"} {
		c := smbaudit.NormalizeClient(raw)
		if c.Kind != smbaudit.ClientUnknown {
			t.Errorf("%q: kind %s, ID %q; want %s", raw, c.Kind, c.ID, smbaudit.ClientUnknown)
		}
	}
	for raw, id := range map[string]string{`\\ÄRGER.Example`: "ärger.example", `\\ws01.`: "ws01", "\u00a0\\\\WS01\u00a0": "ws01"} {
		if c := smbaudit.NormalizeClient(raw); c.ID != id || c.Kind == smbaudit.ClientUnknown {
			t.Errorf("%q: ID %q, kind %s; want ID %q", raw, c.ID, c.Kind, id)
		}
	}
}

// TestNormalizeClientAddressWithRootDot is the regression test of a
// FuzzNormalizeClient finding: "0.0.0.0." became the FQDN "0.0.0.0", which
// normalises to the IPv4 address: one client, two kinds.
func TestNormalizeClientAddressWithRootDot(t *testing.T) {
	for raw, want := range map[string]smbaudit.Client{
		"0.0.0.0.":       {ID: "0.0.0.0", Raw: "0.0.0.0.", Kind: smbaudit.ClientIPv4},
		`\\10.0.0.5.`:    {ID: "10.0.0.5", Raw: `\\10.0.0.5.`, Kind: smbaudit.ClientIPv4},
		`\\10.0.0.5..`:   {ID: `10.0.0.5..`, Raw: `\\10.0.0.5..`, Kind: smbaudit.ClientUnknown},
		`\\fs01.corp.`:   {ID: "fs01.corp", Raw: `\\fs01.corp.`, Kind: smbaudit.ClientFQDN, ShortName: "fs01"},
		`\\10.0.0.5.lan`: {ID: "10.0.0.5.lan", Raw: `\\10.0.0.5.lan`, Kind: smbaudit.ClientFQDN, ShortName: "10"},
	} {
		if got := smbaudit.NormalizeClient(raw); got != want {
			t.Errorf("%q: %+v, want %+v", raw, got, want)
		}
	}
}

// TestNormalizeClientBlankZone is the regression test of a
// FuzzNormalizeClient finding: "[::% ]" gave the IPv6 address "::" with the
// zone " ", an ID that normalised to nothing. A zone must be visible text.
func TestNormalizeClientBlankZone(t *testing.T) {
	for raw, want := range map[string]smbaudit.ClientKind{
		"[::% ]":           smbaudit.ClientUnknown,
		"fe80::1%\u00a0":   smbaudit.ClientUnknown,
		"fe80::1%eth\x01":  smbaudit.ClientUnknown,
		"fe80::1%eth0":     smbaudit.ClientIPv6,
		"[fe80::1%12]:445": smbaudit.ClientIPv6,
	} {
		if got := smbaudit.NormalizeClient(raw); got.Kind != want {
			t.Errorf("%q: %+v, want kind %s", raw, got, want)
		}
	}
}
