package smbaudit

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/evtxkit/smbreadiness/evtx"
)

// Event IDs this package classifies.
const (
	EventSMB1Access            uint16 = 3000
	EventSigningUnsupported    uint16 = 3021
	EventEncryptionUnsupported uint16 = 3022
	EventGuestLogon            uint16 = 3023
	EventSPNMissing            uint16 = 3024
	EventSPNUnrecognised       uint16 = 3025
	EventSPNEmpty              uint16 = 3026
	EventSMB1SigningDisabled   uint16 = 3027
	EventEnforcementRejection  uint16 = 551
	// EventSPNCheckFailed is 5168 of the Security-Auditing provider.
	EventSPNCheckFailed uint16 = 5168
)

// SecurityChannel is the channel of the enforcement-side event 551.
const SecurityChannel = "Microsoft-Windows-SMBServer/Security"

// AuditChannel is the channel of the audit events.
const AuditChannel = "Microsoft-Windows-SMBServer/Audit"

// OperationalChannel is the channel of the insecure guest logon event 3023.
const OperationalChannel = "Microsoft-Windows-SMBServer/Operational"

// SecurityAuditingProvider is the provider of event 5168, which Windows
// logs in the Security channel (SecurityLogChannel).
const SecurityAuditingProvider = "Microsoft-Windows-Security-Auditing"

// SecurityLogChannel is the Security log, where 5168 is written.
const SecurityLogChannel = "Security"

// EventIDs returns every event ID Classify recognises, in ascending order,
// in a slice of the caller's own.
func EventIDs() []uint16 { return slices.Clone(eventIDs) }

var eventIDs = []uint16{EventEnforcementRejection, EventSMB1Access, EventSigningUnsupported,
	EventEncryptionUnsupported, EventGuestLogon, EventSPNMissing, EventSPNUnrecognised, EventSPNEmpty,
	EventSMB1SigningDisabled, EventSPNCheckFailed}

// decodedEvents says what a scan decodes unless ScanOptions.AllEvents is
// set: every event of the SMB server provider (its coverage counts them
// all), and of the Security-Auditing provider, whose events fill a WEF
// collector's log, only 5168. The reader skips a chunk that holds the
// Security-Auditing name but not "ConfiguredNames", a Data name of 5168's
// template (Windows stores a template with its names in every chunk that
// uses it), and drops the provider's other event IDs before building an
// event, so that the Security events of a mixed log are not decoded.
var decodedEvents = []evtx.ProviderFilter{
	{Provider: Provider},
	{Provider: SecurityAuditingProvider, EventIDs: []uint16{EventSPNCheckFailed}, Markers: []string{"ConfiguredNames"}},
}

// decodeOnly sets o to decode decodedEvents only.
func decodeOnly(o *evtx.Options) {
	o.Providers = o.Providers[:0]
	for _, p := range decodedEvents {
		o.Providers = append(o.Providers, p.Provider)
	}
	o.Narrow = decodedEvents
}

// Mapping keys: the finding fields that Classify fills from event data.
const (
	FieldClient                = "client"
	FieldClientLength          = "client-length"
	FieldUser                  = "user"
	FieldUserLength            = "user-length"
	FieldUserDomain            = "user-domain"
	FieldSPN                   = "spn"
	FieldSPNLength             = "spn-length"
	FieldSPNQueryStatus        = "spn-query-status"
	FieldStatus                = "status"
	FieldEPAPolicy             = "epa-policy"
	FieldRequiresSign          = "server-requires-signing"
	FieldServiceClassIsValid   = "service-class-is-valid"
	FieldPrincipalNameIsValid  = "principal-name-is-valid"
	FieldRequiresEncryption    = "server-requires-encryption"
	FieldUnsupportedEncryption = "client-does-not-support-encryption-type"
	FieldReasonCode            = "reason-code"
)

// valueClass is what a role expects, and what a field looks like, when
// fields are matched by type and order.
type valueClass uint8

const (
	classNone valueClass = iota
	classString
	classNumber
	classBool
	numClasses
	classUnknown valueClass = 0xff // not computed yet (mapper.class)
)

// fieldKey numbers the Mapping keys, so that a mapper needs no map.
type fieldKey uint8

const (
	kClient fieldKey = iota
	kClientLength
	kUser
	kUserLength
	kUserDomain
	kSPN
	kSPNLength
	kSPNQueryStatus
	kStatus
	kEPAPolicy
	kRequiresSign
	kServiceClass
	kPrincipalName
	kRequiresEncrypt
	kEncryptionType
	kReasonCode
	numKeys
)

// keyNames gives the Mapping key of each fieldKey.
var keyNames = [numKeys]string{FieldClient, FieldClientLength, FieldUser, FieldUserLength, FieldUserDomain,
	FieldSPN, FieldSPNLength, FieldSPNQueryStatus, FieldStatus, FieldEPAPolicy, FieldRequiresSign,
	FieldServiceClassIsValid, FieldPrincipalNameIsValid, FieldRequiresEncryption, FieldUnsupportedEncryption,
	FieldReasonCode}

// keysByName lists the fieldKeys in the order of their names.
var keysByName = func() [numKeys]fieldKey {
	var ks [numKeys]fieldKey
	for i := range ks {
		ks[i] = fieldKey(i)
	}
	slices.SortFunc(ks[:], func(a, b fieldKey) int { return strings.Compare(keyNames[a], keyNames[b]) })
	return ks
}()

type role struct {
	key     fieldKey
	class   valueClass
	aliases []string // normalised (normNameUncached)
}

func newRole(key fieldKey, class valueClass, aliases ...string) role {
	r := role{key: key, class: class}
	for _, a := range aliases {
		r.aliases = append(r.aliases, normNameUncached(a))
	}
	return r
}

// The roles. Each lists first the Data names of the Windows 11 26H1
// manifest (docs: smb-audit-events.md), then the names other builds or
// older guesses may use.
var (
	rClient = newRole(kClient, classString, "ClientName", "Client", "ClientAddress", "Name",
		"ClientIP", "ClientIPAddress", "RemoteAddress", "ClientMachineName", "ComputerName")
	rUser = newRole(kUser, classString, "UserName", "SubjectUserName", "User", "AccountName",
		"ClientUserName", "TargetUserName")
	rUserDomain = newRole(kUserDomain, classString, "SubjectDomainName")
	rSPN        = newRole(kSPN, classString, "SPN", "SpnName", "ServicePrincipalName", "TargetName",
		"ClientSPN", "SPNName")
	rSPNStatus = newRole(kSPNQueryStatus, classNumber, "Status", "SpnQueryStatus", "QueryStatus",
		"SPNStatus", "SpnQueryResult")
	rStatus = newRole(kStatus, classNumber, "Status", "ErrorCode", "NtStatus")
	rPolicy = newRole(kEPAPolicy, classNumber, "SPNValidationPolicy", "EpaPolicy", "Policy",
		"HardeningLevel", "EPAPolicyLevel", "SmbServerNameHardeningLevel", "ExtendedProtectionPolicy",
		"SpnValidationLevel")
	rSigning = newRole(kRequiresSign, classBool, "ServerRequiresSigning", "RequireSigning",
		"RequiresSigning", "ServerRequireSigning", "SigningRequired", "RequireSecuritySignature")
	// The two booleans of 3025, in manifest order; the older guesses
	// (check 1 and 2) are kept in the same order.
	rServiceClass = newRole(kServiceClass, classBool, "ServiceClassIsValid", "ServiceClassValid",
		"IsServiceClassValid", "SpnCheck1", "Check1", "SpnNameMatch", "NameMatch", "IsSpnValid")
	rPrincipalName = newRole(kPrincipalName, classBool, "PrincipalNameIsValid", "PrincipalNameValid",
		"IsPrincipalNameValid", "SpnCheck2", "Check2", "SpnAddressMatch", "AddressMatch", "IsSpnAllowed")
	rEncrypt = newRole(kRequiresEncrypt, classBool, "ServerRequiresEncryption", "RequireEncryption",
		"RequiresEncryption", "ServerRequireEncryption", "EncryptionRequired", "EncryptData")
	rEncType = newRole(kEncryptionType, classNumber, "SmbClientDoesNotSupportEncryptionType",
		"ClientDoesNotSupportEncryptionType", "EncryptionType", "UnsupportedEncryptionType")
	rReason = newRole(kReasonCode, classNumber, "ReasonCode", "Reason")
)

// layout is the documented field order of one event; positional says
// whether unnamed or unknown fields may be mapped by type and order.
type layout struct {
	kind       Kind
	roles      []role
	positional bool
	// positionalUser lets a second string after a positional client be the
	// user: only 3021, whose version 1 carries UserName after ClientName.
	positionalUser bool
	// noClient: the event names no client (5168); its finding has an
	// empty Client instead of being KindUnparsed.
	noClient bool
}

var layouts = map[uint16]layout{
	EventSigningUnsupported:    {kind: KindSigningUnsupported, roles: []role{rClient, rUser, rSigning}, positional: true, positionalUser: true},
	EventSMB1SigningDisabled:   {kind: KindSMB1SigningDisabled, roles: []role{rClient, rUser, rSigning}, positional: true},
	EventEncryptionUnsupported: {kind: KindEncryptionUnsupported, roles: []role{rClient, rUser, rEncrypt, rEncType}, positional: true},
	EventGuestLogon:            {kind: KindGuestLogon, roles: []role{rClient, rUser}, positional: true},
	EventSPNMissing:            {kind: KindSPNMissing, roles: []role{rClient, rUser, rSPNStatus, rPolicy}, positional: true},
	EventSPNUnrecognised:       {kind: KindSPNUnrecognised, roles: []role{rClient, rSPN, rUser, rServiceClass, rPrincipalName, rPolicy}, positional: true},
	EventSPNEmpty:              {kind: KindSPNEmpty, roles: []role{rClient, rUser, rPolicy}, positional: true},
	EventSMB1Access:            {kind: KindSMB1Access, roles: []role{rClient, rUser}, positional: true},
	// 551 has manifest names and many fields of the same types (GUIDs,
	// statuses, strings): order alone would guess wrong, so names only.
	EventEnforcementRejection: {kind: KindEnforcementRejection, roles: []role{rStatus, rClient, rUser, rSPN, rPolicy, rReason}},
	// 5168 names the account, the SPN and the server's own names and
	// addresses (IpAddresses are the server's), never the client: names
	// only, and no client.
	EventSPNCheckFailed: {kind: KindSPNCheckFailed, roles: []role{rStatus, rUser, rUserDomain, rSPN}, noClient: true},
}

// knownNames holds every alias of every role: a field bearing one of these
// names is never taken by position for another role.
var knownNames = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range []role{rClient, rUser, rUserDomain, rSPN, rSPNStatus, rStatus, rPolicy, rSigning,
		rServiceClass, rPrincipalName, rEncrypt, rEncType, rReason} {
		for _, a := range r.aliases {
			m[a] = true
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
// channel: the SMB server events of EventIDs, and 5168 of the
// Security-Auditing provider.
func Recognised(provider string, id uint16, channel string) bool {
	switch {
	case strings.EqualFold(provider, Provider):
	case strings.EqualFold(provider, SecurityAuditingProvider):
		return id == EventSPNCheckFailed && channelIs(channel, SecurityLogChannel)
	default:
		return false
	}
	if _, ok := layouts[id]; !ok || id == EventSPNCheckFailed {
		return false
	}
	switch id {
	case EventEnforcementRejection:
		return channelIs(channel, SecurityChannel)
	case EventGuestLogon:
		return channelIs(channel, OperationalChannel)
	}
	return true
}

// channelIs reports whether an event logged in channel belongs to want. A
// forwarded copy keeps its channel; an empty or ForwardedEvents channel is
// accepted too because some collectors rewrite it.
func channelIs(channel, want string) bool {
	return RewrittenChannel(channel) || strings.EqualFold(channel, want)
}

// RewrittenChannel reports whether channel is one a collector left in place
// of the event's own: empty, or ForwardedEvents. RecordChannel then gives
// the channel by the event ID.
func RewrittenChannel(channel string) bool {
	return channel == "" || strings.EqualFold(channel, "ForwardedEvents")
}

// The channels of the recognised events, lower-cased (RecordChannel).
var (
	lowerAudit       = strings.ToLower(AuditChannel)
	lowerOperational = strings.ToLower(OperationalChannel)
	lowerSMBSecurity = strings.ToLower(SecurityChannel)
	lowerSecurityLog = strings.ToLower(SecurityLogChannel)
)

// RecordChannel returns the channel, lower-cased, that tells the records of
// a finding's event ID logged in channel from those of other channels (see
// Copies): channel itself, or for a channel a collector rewrote to
// ForwardedEvents or left empty, the channel the event is logged in
// (AuditChannel, OperationalChannel for 3023, SecurityChannel for 551,
// SecurityLogChannel for 5168). Each channel numbers its records apart, so
// two records of one server with one EventRecordID are copies only within
// one channel.
func RecordChannel(id uint16, channel string) string {
	if !RewrittenChannel(channel) {
		return strings.ToLower(channel)
	}
	return ownChannel(id)
}

// InAuditChannel reports whether RecordChannel(id, channel) is AuditChannel:
// whether a finding's record counts in its server's audit window
// (ServerCoverage.AuditFirst).
func InAuditChannel(id uint16, channel string) bool {
	if !RewrittenChannel(channel) {
		return strings.EqualFold(channel, AuditChannel)
	}
	return ownChannel(id) == lowerAudit
}

func ownChannel(id uint16) string {
	switch id {
	case EventGuestLogon:
		return lowerOperational
	case EventEnforcementRejection:
		return lowerSMBSecurity
	case EventSPNCheckFailed:
		return lowerSecurityLog
	}
	return lowerAudit
}

// recordChannel is RecordChannel for any decoded event, lowered by in: an
// event Classify does not recognise, in a rewritten channel, is told apart
// by its provider and event ID, as the collector hid its channel.
func recordChannel(ev *evtx.Event, in *interner) string {
	if !RewrittenChannel(ev.Channel) {
		return in.lowerOf(ev.Channel)
	}
	if Recognised(ev.Provider, ev.EventID, ev.Channel) {
		return ownChannel(ev.EventID)
	}
	in.buf = append(append(append(in.buf[:0], "forwardedevents/"...), strings.ToLower(ev.Provider)...), '/')
	in.buf = strconv.AppendUint(in.buf, uint64(ev.EventID), 10)
	return in.str(string(in.buf))
}

// Classify turns one event into a Finding. It returns false when the event is
// not one this package knows (see Recognised). It classifies on provider,
// event ID and channel only, never on Task or Keywords, and accepts every
// event version.
//
// Data fields are mapped by name first (case-insensitive: the manifest's
// names, then aliases seen or guessed for other builds), then by type and
// documented order, skipping string-length fields. Finding.Mapping says how
// each finding field was found and from which data field, and keeps every
// field left over. A recognised event
// without a usable client becomes a KindUnparsed finding with a Reason,
// but for 5168, which never names its client (see KindSPNCheckFailed).
//
// Each call has values of its own; a scan's findings share theirs (see
// Result.Findings).
func Classify(ev *evtx.Event) (Finding, bool) {
	var m mapper
	return m.classify(ev, &interner{}) // the zero interner: nothing shared
}

// optionals sets the optional fields of f from the parsed values, with
// the strings of their statuses and policy shared through in.
func (m *mapper) optionals(f *Finding, in *interner) {
	for _, b := range [...]struct {
		k   fieldKey
		dst *Opt[bool]
	}{{kRequiresSign, &f.ServerRequiresSigning}, {kServiceClass, &f.ServiceClassIsValid},
		{kPrincipalName, &f.PrincipalNameIsValid}, {kRequiresEncrypt, &f.ServerRequiresEncryption}} {
		if m.hasBool[b.k] {
			*b.dst = Some(m.bools[b.k])
		}
	}
	for _, n := range [...]struct {
		k   fieldKey
		dst *Opt[uint32]
	}{{kEncryptionType, &f.UnsupportedEncryptionType}, {kReasonCode, &f.ReasonCode}} {
		if m.hasNum[n.k] {
			*n.dst = Some(m.nums[n.k])
		}
	}
	if m.hasSPNStatus {
		f.SPNQueryStatus = Some(NTStatus{Code: m.spnStatus.Code, Name: in.str(m.spnStatus.Name)})
	}
	if m.hasStatus {
		f.Status = Some(NTStatus{Code: m.status.Code, Name: in.str(m.status.Name)})
	}
	if m.hasPolicy {
		f.EPAPolicy = Some(in.epaPolicy(m.policy))
	}
}

// mapper maps one event's data fields to finding fields. Its slices are
// reused from event to event: a scan's classifying goroutines keep one each,
// Classify uses a fresh one.
type mapper struct {
	data  []evtx.Field
	norm  []string     // normName of each field's name
	class []valueClass // classOf each field, classUnknown until asked
	used  []bool
	// got holds 1 + the index of the field mapped to each key (0: none),
	// method how it was found, rec whether it is recorded in Mapping.
	got    [numKeys]int
	method [numKeys]MappedBy
	rec    [numKeys]bool
	nrec   int
	// The parsed values of the optional fields of a Finding.
	bools, hasBool          [numKeys]bool
	nums                    [numKeys]uint32
	hasNum                  [numKeys]bool
	spnStatus, status       NTStatus
	hasSPNStatus, hasStatus bool
	policy                  uint32
	hasPolicy               bool
	unmapped                []evtx.Field
	// in remembers the clients normalised, while finding runs.
	in *interner
}

// mapFields fills everything of the finding but its Mapping and optional
// fields, which are left in m (rec, method, from, the parsed
// values, used).
func (m *mapper) mapFields(ev *evtx.Event) (Finding, bool) {
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
		Recovered:     ev.Recovered,
	}
	m.reset(ev.Data)
	m.byName(lay.roles)
	if lay.positional {
		m.byPosition(lay.roles, lay.positionalUser)
	}
	m.lengths()
	if reason := m.apply(&f, lay.noClient); reason != "" {
		f.Kind = KindUnparsed
		f.Reason = reason
	}
	return f, true
}

// reset prepares m for the fields of another event.
func (m *mapper) reset(data []evtx.Field) {
	n := len(data)
	m.data = data
	m.norm = slices.Grow(m.norm[:0], n)[:n]
	m.class = slices.Grow(m.class[:0], n)[:n]
	m.used = slices.Grow(m.used[:0], n)[:n]
	for i, fl := range data {
		m.norm[i] = ""
		if fl.Name != "" {
			m.norm[i] = normName(fl.Name)
		}
		m.class[i] = classUnknown
		m.used[i] = false
	}
	m.got = [numKeys]int{}
	m.method = [numKeys]MappedBy{}
	m.rec = [numKeys]bool{}
	m.nrec = 0
	m.hasBool, m.hasNum = [numKeys]bool{}, [numKeys]bool{}
	m.hasSPNStatus, m.hasStatus, m.hasPolicy = false, false, false
}

// classOf is classOf(m.data[i]), computed once per event.
func (m *mapper) classOf(i int) valueClass {
	if c := m.class[i]; c != classUnknown {
		return c
	}
	c := classOf(m.data[i])
	m.class[i] = c
	return c
}

func (m *mapper) has(k fieldKey) bool { return m.got[k] > 0 }

func (m *mapper) take(k fieldKey, i int, by MappedBy) {
	m.used[i] = true
	m.got[k] = i + 1
	m.method[k] = by
}

// from is the Mapping.From value of a recorded key: the field's name, or "#i".
func (m *mapper) from(k fieldKey) string {
	i := m.got[k] - 1
	if n := m.data[i].Name; n != "" {
		return n
	}
	return "#" + strconv.Itoa(i)
}

// byName maps each role to the first unused field bearing one of its aliases,
// trying aliases in order. For the client, a field with a value wins over an
// empty one (551 logs ClientName empty and ClientAddress set, or the reverse).
func (m *mapper) byName(roles []role) {
	for _, r := range roles {
		empty := -1
	aliases:
		for _, na := range r.aliases {
			for i, fl := range m.data {
				if m.used[i] || fl.Name == "" || m.norm[i] != na {
					continue
				}
				if r.key == kClient && strings.TrimSpace(fl.Value) == "" {
					if empty < 0 {
						empty = i
					}
					continue
				}
				m.take(r.key, i, MappedByName)
				break aliases
			}
		}
		if !m.has(r.key) && empty >= 0 {
			m.take(r.key, empty, MappedByName)
		}
	}
}

// byPosition fills the roles still empty from the unused fields whose names
// no alias knows, by value class in document order, skipping length fields.
func (m *mapper) byPosition(roles []role, user bool) {
	var next [numClasses]int
	for _, r := range roles {
		if m.has(r.key) {
			continue
		}
		if r.key == kUser {
			// The user is optional and comes after the client: by
			// position, only a second string after a positional client.
			if !user || m.method[kClient] != MappedByPosition {
				continue
			}
		}
		for i := next[r.class]; i < len(m.data); i++ {
			if m.used[i] || knownNames[m.norm[i]] || m.isLength(i) || m.classOf(i) != r.class {
				continue
			}
			if r.key == kSPN || r.key == kUser {
				if !m.has(kClient) {
					break // no client: nothing to follow it
				}
			}
			m.take(r.key, i, MappedByPosition)
			next[r.class] = i + 1
			break
		}
	}
}

// hasLengthSuffix reports whether name ends in "length", in any case (no
// non-ASCII character lower-cases to one of its letters).
func hasLengthSuffix(name string) bool {
	return len(name) >= 6 && asciiEqualFold(name[len(name)-6:], "length")
}

// asciiEqualFold reports whether s equals the lower-case ASCII word w with
// only ASCII letters folded: what strings.ToLower(s) == w means for such a
// w (strings.EqualFold would also fold "ſ" to "s").
func asciiEqualFold(s, w string) bool {
	if len(s) != len(w) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

// isLength reports whether field i is the length of the string after it: its
// name ends in "Length", or it is an integer right before a string whose
// length it gives (in characters or UTF-16 bytes, with or without the NUL).
func (m *mapper) isLength(i int) bool {
	fl := m.data[i]
	if hasLengthSuffix(fl.Name) {
		return true
	}
	if m.classOf(i) != classNumber || i+1 >= len(m.data) || m.classOf(i+1) != classString {
		return false
	}
	if fl.Type == evtx.TypeUint16 && (fl.Name == "" || !knownNames[m.norm[i]]) {
		return true
	}
	v, err := parseUint32(fl.Value)
	if err != nil {
		return false
	}
	n := uint32(utf8.RuneCountInString(m.data[i+1].Value))
	return v == n || v == n+1 || v == 2*n || v == 2*n+2
}

// lengths marks the length fields that precede a mapped string as mapped
// too, so that only surprising fields stay unmapped (Mapping.Unmapped).
func (m *mapper) lengths() {
	for _, pair := range [...][2]fieldKey{{kClient, kClientLength}, {kUser, kUserLength}, {kSPN, kSPNLength}} {
		i := m.got[pair[0]] - 1
		if i <= 0 || m.used[i-1] || !m.isLength(i-1) {
			continue
		}
		by := MappedByPosition
		if hasLengthSuffix(m.data[i-1].Name) {
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
		if isBoolWord(v) {
			return classBool
		}
		if looksNumeric(v) {
			return classNumber
		}
		return classString
	}
	return classNone
}

// parseBool accepts the renderings of a BinXML Boolean: true/false in any
// case, and 1/0 (some writers store a non-canonical non-zero value).
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean: %q", s)
}

// isBoolWord reports whether parseBool accepts v as something other than
// "0" or "1", without building its error.
func isBoolWord(v string) bool {
	return asciiEqualFold(v, "true") || asciiEqualFold(v, "false")
}

func looksNumeric(v string) bool {
	if len(v) > 2 && (v[:2] == "0x" || v[:2] == "0X") {
		for i := 2; i < len(v); i++ {
			if !isHexDigit(v[i]) {
				return false
			}
		}
		return true
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

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// apply parses the mapped values into m and the finding's value fields and
// returns a reason when the event is too malformed to classify. A value
// that does not parse leaves its field unmapped. noClient is set for an
// event that never names its client (5168).
func (m *mapper) apply(f *Finding, noClient bool) string {
	record := func(k fieldKey) {
		m.rec[k] = true
		m.nrec++
	}
	drop := func(k fieldKey) {
		m.used[m.got[k]-1] = false
		m.got[k] = 0
	}
	for k := range numKeys {
		if !m.has(k) {
			continue
		}
		fl := m.data[m.got[k]-1]
		switch k {
		case kClient:
			f.Client = m.in.client(fl)
		case kUser:
			f.User = fl.Value
		case kUserDomain:
			// 5168's SubjectDomainName, joined to the user below.
		case kSPN:
			// 5168 writes "N/A" when the client sent no SPN.
			if v := fl.Value; !noClient || !strings.EqualFold(strings.TrimSpace(v), "N/A") {
				f.SPN, f.HasSPN = v, true
			}
		case kSPNQueryStatus, kStatus:
			st, err := ParseNTStatus(fl.Value)
			if err != nil {
				drop(k)
				continue
			}
			if k == kStatus {
				m.status, m.hasStatus = st, true
			} else {
				m.spnStatus, m.hasSPNStatus = st, true
			}
		case kEPAPolicy:
			v, err := parseUint32(fl.Value)
			if err != nil {
				drop(k)
				continue
			}
			m.policy, m.hasPolicy = v, true
		case kRequiresSign, kServiceClass, kPrincipalName, kRequiresEncrypt:
			b, err := parseBool(fl.Value)
			if err != nil {
				drop(k)
				continue
			}
			m.bools[k], m.hasBool[k] = b, true
		case kEncryptionType, kReasonCode:
			v, err := parseUint32(fl.Value)
			if err != nil {
				drop(k)
				continue
			}
			m.nums[k], m.hasNum[k] = v, true
		}
		record(k)
	}
	if m.has(kUserDomain) {
		if d := strings.TrimSpace(m.data[m.got[kUserDomain]-1].Value); d != "" && d != "-" && f.User != "" &&
			!strings.Contains(f.User, `\`) {
			f.User = d + `\` + f.User
		}
	}
	if len(m.data) == 0 {
		return "no event data"
	}
	if noClient {
		return ""
	}
	if !m.has(kClient) {
		return "no client name field, by name or by position"
	}
	if f.Client.ID == "" {
		return "empty client name"
	}
	return ""
}

// clientFrom normalises a client field; a binary field is read as a
// SOCKADDR (AF_INET, or AF_INET6 with its scope ID as the zone), as 551's
// ClientAddress may be stored.
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
	case 23: // AF_INET6 (Windows): family, port, flowinfo, 16 address bytes, scope ID
		if len(b) >= 24 {
			a := netip.AddrFrom16([16]byte(b[8:24]))
			// A scope ID is the zone Windows writes after "%" when it
			// logs the address as text (\\[fe80::1%12]): keep it, so
			// both spellings give one client and two links two.
			if len(b) >= 28 {
				if id := binary.LittleEndian.Uint32(b[24:28]); id != 0 && !a.Is4In6() {
					a = a.WithZone(strconv.FormatUint(uint64(id), 10))
				}
			}
			return a, true
		}
	}
	return netip.Addr{}, false
}

// classify classifies ev into a finding whose strings and Mapping are in's
// values. Classify runs it with the zero interner, which
// shares nothing; a scan's classifying goroutine with one it keeps, reusing
// m and in from event to event (what a finding holds never changes
// afterwards).
func (m *mapper) classify(ev *evtx.Event, in *interner) (Finding, bool) {
	m.in = in
	f, ok := m.mapFields(ev)
	m.in = nil
	if !ok {
		return f, false
	}
	in.strings(&f)
	m.optionals(&f, in)
	f.Mapping.m = in.mapper(m)
	m.unmapped = m.unmapped[:0]
	for i, fl := range m.data {
		if !m.used[i] {
			m.unmapped = append(m.unmapped, fl)
		}
	}
	if len(m.unmapped) > 0 {
		f.Mapping.unmapped = in.fields(m.unmapped)
	}
	clear(m.unmapped) // keep no event's strings alive
	return f, true
}
