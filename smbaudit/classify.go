package smbaudit

import (
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/evtxkit/smbreadiness/evtx"
)

// Event IDs this package classifies.
const (
	EventSMB1Access           uint16 = 3000
	EventSigningUnsupported   uint16 = 3021
	EventSPNMissing           uint16 = 3024
	EventSPNUnrecognised      uint16 = 3025
	EventSPNEmpty             uint16 = 3026
	EventSMB1SigningDisabled  uint16 = 3027
	EventEnforcementRejection uint16 = 551
)

// SecurityChannel is the channel of the enforcement-side event 551.
const SecurityChannel = "Microsoft-Windows-SMBServer/Security"

// AuditChannel is the channel of the audit events.
const AuditChannel = "Microsoft-Windows-SMBServer/Audit"

// EventIDs lists every event ID Classify recognises, in ascending order.
var EventIDs = []uint16{EventEnforcementRejection, EventSMB1Access, EventSigningUnsupported,
	EventSPNMissing, EventSPNUnrecognised, EventSPNEmpty, EventSMB1SigningDisabled}

// Mapping keys: the finding fields that Classify fills from event data.
const (
	FieldClient         = "client"
	FieldClientLength   = "client-length"
	FieldUser           = "user"
	FieldSPN            = "spn"
	FieldSPNLength      = "spn-length"
	FieldSPNQueryStatus = "spn-query-status"
	FieldStatus         = "status"
	FieldEPAPolicy      = "epa-policy"
	FieldRequiresSign   = "server-requires-signing"
	FieldSPNCheck1      = "spn-check-1"
	FieldSPNCheck2      = "spn-check-2"
)

// valueClass is what a role expects, and what a field looks like, when
// fields are matched by type and order.
type valueClass uint8

const (
	classNone valueClass = iota
	classString
	classNumber
	classBool
)

type role struct {
	key     string
	class   valueClass
	aliases []string // compared after normName
}

var (
	rClient = role{FieldClient, classString, []string{"ClientName", "Client", "ClientAddress", "Name",
		"ClientIP", "ClientIPAddress", "RemoteAddress", "ClientMachineName", "ComputerName"}}
	rUser = role{FieldUser, classString, []string{"UserName", "User", "AccountName", "ClientUserName",
		"TargetUserName"}}
	rSPN = role{FieldSPN, classString, []string{"SPN", "SpnName", "ServicePrincipalName", "TargetName",
		"ClientSPN", "SPNName"}}
	rSPNStatus = role{FieldSPNQueryStatus, classNumber, []string{"SpnQueryStatus", "QueryStatus", "Status",
		"SPNStatus", "SpnQueryResult"}}
	rStatus = role{FieldStatus, classNumber, []string{"Status", "NtStatus"}}
	rPolicy = role{FieldEPAPolicy, classNumber, []string{"EpaPolicy", "SPNValidationPolicy", "Policy",
		"HardeningLevel", "EPAPolicyLevel", "SmbServerNameHardeningLevel", "ExtendedProtectionPolicy",
		"SpnValidationLevel"}}
	rSigning = role{FieldRequiresSign, classBool, []string{"ServerRequiresSigning", "RequireSigning",
		"RequiresSigning", "ServerRequireSigning", "SigningRequired", "RequireSecuritySignature"}}
	rCheck1 = role{FieldSPNCheck1, classBool, []string{"SpnCheck1", "Check1", "SpnNameMatch", "NameMatch",
		"IsSpnValid"}}
	rCheck2 = role{FieldSPNCheck2, classBool, []string{"SpnCheck2", "Check2", "SpnAddressMatch",
		"AddressMatch", "IsSpnAllowed"}}
)

// layout is the documented field order of one event; positional says
// whether unnamed or unknown fields may be mapped by type and order.
type layout struct {
	kind       Kind
	roles      []role
	positional bool
	// positionalUser lets a second string after a positional client be the
	// user: only 3021, whose later version the KB shows with a user name.
	positionalUser bool
}

var layouts = map[uint16]layout{
	EventSigningUnsupported:  {KindSigningUnsupported, []role{rClient, rUser, rSigning}, true, true},
	EventSMB1SigningDisabled: {KindSMB1SigningDisabled, []role{rClient, rUser, rSigning}, true, false},
	EventSPNMissing:          {KindSPNMissing, []role{rClient, rUser, rSPNStatus, rPolicy}, true, false},
	EventSPNUnrecognised:     {KindSPNUnrecognised, []role{rClient, rSPN, rUser, rCheck1, rCheck2, rPolicy}, true, false},
	EventSPNEmpty:            {KindSPNEmpty, []role{rClient, rUser, rPolicy}, true, false},
	EventSMB1Access:          {KindSMB1Access, []role{rClient, rUser}, true, false},
	// 551 has manifest names and many fields of the same types (GUIDs,
	// statuses, strings): order alone would guess wrong, so names only.
	EventEnforcementRejection: {KindEnforcementRejection, []role{rStatus, rClient, rUser, rSPN, rPolicy}, false, false},
}

// knownNames holds every alias of every role: a field bearing one of these
// names is never taken by position for another role.
var knownNames = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range []role{rClient, rUser, rSPN, rSPNStatus, rStatus, rPolicy, rSigning, rCheck1, rCheck2} {
		for _, a := range r.aliases {
			m[normName(a)] = true
		}
	}
	return m
}()

// normName folds case and drops separators: "Client_Name" == "clientname".
func normName(s string) string {
	// Field names and aliases are few and repeat on every event: remember
	// them (a bounded number, against crafted logs) instead of rebuilding.
	if v, ok := normNames.Load(s); ok {
		return v.(string)
	}
	n := normNameUncached(s)
	if normNamesLen.Add(1) <= maxNormNames {
		normNames.Store(s, n)
	}
	return n
}

// normNames caches normName; normNamesLen counts the entries (at most
// maxNormNames).
var (
	normNames    sync.Map
	normNamesLen atomic.Int64
)

const maxNormNames = 4096

func normNameUncached(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r == '_' || r == '-' || r == ' ' || r == '.' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Recognised reports whether Classify handles this provider, event ID and
// channel.
func Recognised(provider string, id uint16, channel string) bool {
	if !strings.EqualFold(provider, Provider) {
		return false
	}
	if _, ok := layouts[id]; !ok {
		return false
	}
	if id == EventEnforcementRejection {
		// 551 belongs to the Security channel. A forwarded copy keeps its
		// channel; an empty or ForwardedEvents channel is accepted because
		// some collectors rewrite it.
		return channel == "" || strings.EqualFold(channel, SecurityChannel) ||
			strings.EqualFold(channel, "ForwardedEvents")
	}
	return true
}

// Classify turns one event into a Finding. It returns false when the event is
// not one of the SMB server events this package knows (see Recognised). It
// classifies on provider, event ID and channel only, never on Task or
// Keywords, and accepts every event version.
//
// Data fields are mapped by name first (case-insensitive, with aliases), then
// by type and documented order, skipping string-length fields. Finding.Mapping
// says how each finding field was found, Finding.MappedFrom from which data
// field, and Finding.Unmapped keeps every field left over. A recognised event
// without a usable client becomes a KindUnparsed finding with a Reason.
func Classify(ev *evtx.Event) (Finding, bool) {
	if ev == nil || !Recognised(ev.Provider, ev.EventID, ev.Channel) {
		return Finding{}, false
	}
	lay := layouts[ev.EventID]
	f := Finding{
		Kind:          lay.kind,
		EventID:       ev.EventID,
		Version:       ev.Version,
		Channel:       ev.Channel,
		Server:        ev.Computer,
		Time:          ev.TimeCreated,
		RecordID:      ev.RecordID,
		EventRecordID: ev.EventRecordID,
		Source:        ev.Source,
		ChunkDamaged:  ev.ChunkDamaged,
		Mapping:       map[string]MappedBy{},
		MappedFrom:    map[string]string{},
	}
	m := newMapper(ev.Data)
	m.byName(lay.roles)
	if lay.positional {
		m.byPosition(lay.roles, lay.positionalUser)
	}
	m.lengths()
	if reason := m.apply(&f); reason != "" {
		f.Kind = KindUnparsed
		f.Reason = reason
	}
	for i, fl := range ev.Data {
		if !m.used[i] {
			f.Unmapped = append(f.Unmapped, fl)
		}
	}
	return f, true
}

type mapper struct {
	data   []evtx.Field
	used   []bool
	got    map[string]int // role key -> field index
	method map[string]MappedBy
}

func newMapper(data []evtx.Field) *mapper {
	return &mapper{data: data, used: make([]bool, len(data)), got: map[string]int{}, method: map[string]MappedBy{}}
}

func (m *mapper) take(key string, i int, by MappedBy) {
	m.used[i] = true
	m.got[key] = i
	m.method[key] = by
}

// byName maps each role to the first unused field bearing one of its aliases,
// trying aliases in order. For the client, a field with a value wins over an
// empty one (551 logs ClientName empty and ClientAddress set, or the reverse).
func (m *mapper) byName(roles []role) {
	for _, r := range roles {
		empty := -1
	aliases:
		for _, a := range r.aliases {
			na := normName(a)
			for i, fl := range m.data {
				if m.used[i] || fl.Name == "" || normName(fl.Name) != na {
					continue
				}
				if r.key == FieldClient && strings.TrimSpace(fl.Value) == "" {
					if empty < 0 {
						empty = i
					}
					continue
				}
				m.take(r.key, i, MappedByName)
				break aliases
			}
		}
		if _, ok := m.got[r.key]; !ok && empty >= 0 {
			m.take(r.key, empty, MappedByName)
		}
	}
}

// byPosition fills the roles still empty from the unused fields whose names
// no alias knows, by value class in document order, skipping length fields.
func (m *mapper) byPosition(roles []role, user bool) {
	next := map[valueClass]int{}
	for _, r := range roles {
		if _, ok := m.got[r.key]; ok {
			continue
		}
		if r.key == FieldUser {
			// The user is optional and comes after the client: by
			// position, only a second string after a positional client.
			if !user || m.method[FieldClient] != MappedByPosition {
				continue
			}
		}
		for i := next[r.class]; i < len(m.data); i++ {
			fl := m.data[i]
			if m.used[i] || knownNames[normName(fl.Name)] || m.isLength(i) || classOf(fl) != r.class {
				continue
			}
			if r.key == FieldSPN || r.key == FieldUser {
				if _, ok := m.got[FieldClient]; !ok {
					break // no client: nothing to follow it
				}
			}
			m.take(r.key, i, MappedByPosition)
			next[r.class] = i + 1
			break
		}
	}
}

// isLength reports whether field i is the length of the string after it: its
// name ends in "Length", or it is an integer right before a string whose
// length it gives (in characters or UTF-16 bytes, with or without the NUL).
func (m *mapper) isLength(i int) bool {
	fl := m.data[i]
	if strings.HasSuffix(strings.ToLower(fl.Name), "length") {
		return true
	}
	if classOf(fl) != classNumber || i+1 >= len(m.data) || classOf(m.data[i+1]) != classString {
		return false
	}
	if fl.Type == evtx.TypeUint16 && (fl.Name == "" || !knownNames[normName(fl.Name)]) {
		return true
	}
	v, err := parseUint32(fl.Value)
	if err != nil {
		return false
	}
	n := uint32(len([]rune(m.data[i+1].Value)))
	return v == n || v == n+1 || v == 2*n || v == 2*n+2
}

// lengths marks the length fields that precede a mapped string as mapped
// too, so that only surprising fields stay in Unmapped.
func (m *mapper) lengths() {
	for _, pair := range [][2]string{{FieldClient, FieldClientLength}, {FieldSPN, FieldSPNLength}} {
		i, ok := m.got[pair[0]]
		if !ok || i == 0 || m.used[i-1] || !m.isLength(i-1) {
			continue
		}
		by := MappedByPosition
		if strings.HasSuffix(strings.ToLower(m.data[i-1].Name), "length") {
			by = MappedByName
		}
		m.take(pair[1], i-1, by)
	}
}

// classOf says what a field looks like for positional mapping. Text fields
// (forwarded events may carry everything as text) are classed by their value.
func classOf(fl evtx.Field) valueClass {
	switch fl.Type {
	case evtx.TypeBool:
		return classBool
	case evtx.TypeInt8, evtx.TypeUint8, evtx.TypeInt16, evtx.TypeUint16, evtx.TypeInt32, evtx.TypeUint32,
		evtx.TypeInt64, evtx.TypeUint64, evtx.TypeHexInt32, evtx.TypeHexInt64:
		return classNumber
	case evtx.TypeString, evtx.TypeAnsiString:
		v := strings.TrimSpace(fl.Value)
		if _, err := parseBool(v); err == nil && v != "0" && v != "1" {
			return classBool
		}
		if looksNumeric(v) {
			return classNumber
		}
		return classString
	}
	return classNone
}

func looksNumeric(v string) bool {
	if len(v) > 2 && (v[:2] == "0x" || v[:2] == "0X") {
		_, err := hex.DecodeString(strings.Repeat("0", len(v)%2) + v[2:])
		return err == nil
	}
	v = strings.TrimPrefix(v, "-")
	if v == "" {
		return false
	}
	for _, r := range v {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// apply copies the mapped values into f and returns a reason when the event
// is too malformed to classify. A value that does not parse leaves its field
// in Unmapped.
func (m *mapper) apply(f *Finding) string {
	record := func(key string) {
		f.Mapping[key] = m.method[key]
		i := m.got[key]
		if n := m.data[i].Name; n != "" {
			f.MappedFrom[key] = n
		} else {
			f.MappedFrom[key] = "#" + strconv.Itoa(i)
		}
	}
	drop := func(key string) {
		m.used[m.got[key]] = false
		delete(m.got, key)
	}
	for _, key := range []string{FieldClientLength, FieldSPNLength} {
		if _, ok := m.got[key]; ok {
			record(key)
		}
	}
	for key, i := range m.got {
		fl := m.data[i]
		switch key {
		case FieldClient:
			f.Client = clientFrom(fl)
		case FieldUser:
			f.User = fl.Value
		case FieldSPN:
			f.SPN, f.HasSPN = fl.Value, true
		case FieldSPNQueryStatus, FieldStatus:
			st, err := ParseNTStatus(fl.Value)
			if err != nil {
				drop(key)
				continue
			}
			if key == FieldStatus {
				f.Status = &st
			} else {
				f.SPNQueryStatus = &st
			}
		case FieldEPAPolicy:
			v, err := parseUint32(fl.Value)
			if err != nil {
				drop(key)
				continue
			}
			p := NewEPAPolicy(v)
			f.EPAPolicy = &p
		case FieldRequiresSign:
			b, err := parseBool(fl.Value)
			if err != nil {
				drop(key)
				continue
			}
			f.ServerRequiresSigning = &b
		case FieldClientLength, FieldSPNLength, FieldSPNCheck1, FieldSPNCheck2:
			continue
		}
		record(key)
	}
	for _, key := range []string{FieldSPNCheck1, FieldSPNCheck2} {
		i, ok := m.got[key]
		if !ok {
			continue
		}
		b, err := parseBool(m.data[i].Value)
		if err != nil {
			drop(key)
			continue
		}
		f.SPNChecks = append(f.SPNChecks, b)
		record(key)
	}
	if len(m.data) == 0 {
		return "no event data"
	}
	if _, ok := m.got[FieldClient]; !ok {
		return "no client name field, by name or by position"
	}
	if f.Client.ID == "" {
		return "empty client name"
	}
	return ""
}

// clientFrom normalises a client field; a binary field is read as a
// SOCKADDR (AF_INET or AF_INET6), as 551's ClientAddress may be stored.
func clientFrom(fl evtx.Field) Client {
	if fl.Type == evtx.TypeBinary {
		if a, ok := sockaddr(fl.Value); ok {
			c := NormalizeClient(a.String())
			c.Raw = fl.Value
			return c
		}
	}
	return NormalizeClient(fl.Value)
}

func sockaddr(h string) (netip.Addr, bool) {
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(h, "0x"), "0X"))
	if err != nil || len(b) < 8 {
		return netip.Addr{}, false
	}
	switch uint16(b[0]) | uint16(b[1])<<8 {
	case 2: // AF_INET: family, port, 4 address bytes
		return netip.AddrFrom4([4]byte(b[4:8])), true
	case 23: // AF_INET6 (Windows): family, port, flowinfo, 16 address bytes
		if len(b) >= 24 {
			return netip.AddrFrom16([16]byte(b[8:24])), true
		}
	}
	return netip.Addr{}, false
}
