package smbaudit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
)

// Kind says what a finding is evidence of.
type Kind string

// Finding kinds.
const (
	KindSigningUnsupported    Kind = "signing-unsupported"    // 3021: SMB2/3 client does not support signing
	KindEncryptionUnsupported Kind = "encryption-unsupported" // 3022: SMB2/3 client does not support encryption
	KindGuestLogon            Kind = "insecure-guest-logon"   // 3023: client logged on as guest; guest sessions cannot sign
	KindSMB1SigningDisabled   Kind = "smb1-signing-disabled"  // 3027: SMB1 client has signing off (unreliable)
	KindSPNMissing            Kind = "spn-missing"            // 3024: client sent no SPN
	KindSPNUnrecognised       Kind = "spn-unrecognised"       // 3025: client sent an unrecognised SPN
	KindSPNEmpty              Kind = "spn-empty"              // 3026: client sent an empty SPN
	KindSMB1Access            Kind = "smb1-access"            // 3000: SMB1 access
	KindEnforcementRejection  Kind = "enforcement-rejection"  // 551: enforcement already rejects the client
	// KindSPNCheckFailed is 5168 (Security-Auditing, channel Security):
	// enforced SPN validation rejected a session. The event names the
	// account (Finding.User, as DOMAIN\user), the SPN and the server's own
	// names and IP addresses (IpAddresses lists the server's addresses, not
	// the client's), never the client: its Finding.Client is empty, and
	// the client is to be found through the user and time, e.g. in a 551.
	KindSPNCheckFailed Kind = "spn-check-failed"
	KindUnparsed       Kind = "unparsed" // recognised event too malformed to classify
)

// Known reports whether k is one of the kinds above, for readers of
// findings written elsewhere (a JSON partial report).
func (k Kind) Known() bool {
	switch k {
	case KindSigningUnsupported, KindEncryptionUnsupported, KindGuestLogon, KindSMB1SigningDisabled,
		KindSPNMissing, KindSPNUnrecognised, KindSPNEmpty, KindSMB1Access, KindEnforcementRejection,
		KindSPNCheckFailed, KindUnparsed:
		return true
	}
	return false
}

// Provider is the event provider whose events this package classifies.
const Provider = "Microsoft-Windows-SMBServer"

// ClientKind says what shape a client name has.
type ClientKind string

// Client kinds.
const (
	ClientIPv4    ClientKind = "ipv4"
	ClientIPv6    ClientKind = "ipv6"
	ClientHost    ClientKind = "host" // a short (NetBIOS-style) host name
	ClientFQDN    ClientKind = "fqdn" // a dotted DNS name
	ClientUnknown ClientKind = "unknown"
)

// Client is a normalised client identity.
type Client struct {
	ID   string     // normalised: "10.0.0.5", "fe80::1%eth0", "nas01", "nas01.corp.example"
	Raw  string     // exactly as logged, e.g. `\\10.0.0.5`
	Kind ClientKind //
	// ShortName is the first label of an FQDN (or the host itself); it links
	// "nas01" and "nas01.corp.example" to one another.
	ShortName string
}

// NTStatus is an NTSTATUS code with its symbolic name when known.
type NTStatus struct {
	Code uint32
	Name string // e.g. "STATUS_NOT_SUPPORTED"; "" when unknown
}

// EPAPolicy is the server's SPN validation (EPA) policy as logged.
type EPAPolicy struct {
	Value uint32
	Label string // e.g. "off"; for unknown values the raw number
}

// Opt is a value an event may or may not carry: V when OK is true. The
// zero Opt is absent. Like [database/sql.Null], it is a plain value:
// copying a Finding copies its Opts, and changing them changes no other
// finding.
type Opt[T any] struct {
	V  T
	OK bool
}

// Some returns the Opt that holds v.
func Some[T any](v T) Opt[T] { return Opt[T]{V: v, OK: true} }

// Get returns the value and whether it is present.
func (o Opt[T]) Get() (T, bool) { return o.V, o.OK }

// String formats the value as fmt does, or returns "" when it is absent.
func (o Opt[T]) String() string {
	if !o.OK {
		return ""
	}
	return fmt.Sprint(o.V)
}

// MarshalJSON encodes the value, or null when it is absent, as the
// pointer it replaces was encoded.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.OK {
		return []byte("null"), nil
	}
	return json.Marshal(o.V)
}

// UnmarshalJSON reads what MarshalJSON writes: null is absent.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*o = Opt[T]{}
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Some(v)
	return nil
}

// MappedBy says how a finding field was taken from the event data.
type MappedBy string

// Field mapping methods.
const (
	MappedByName     MappedBy = "name"
	MappedByPosition MappedBy = "position"
)

// Finding is one classified SMB audit or enforcement event.
type Finding struct {
	Kind     Kind
	EventID  uint16
	Version  uint8
	Channel  string
	Server   string // the record's Computer
	Client   Client
	User     string // "" when absent
	Time     time.Time
	RecordID uint64
	Source   evtx.Source
	// EventRecordID is System/EventRecordID: the record's ID in the log
	// that first wrote it. It differs from RecordID in a WEF collector's
	// ForwardedEvents log; duplicates across files are found on it.
	EventRecordID uint64

	SPN    string
	HasSPN bool

	// The optional fields are absent (OK false) when the event does not
	// carry them. Like every field of a Finding but its strings and its
	// Mapping view, they are values of the finding's own.

	ServerRequiresSigning Opt[bool]
	// ServiceClassIsValid and PrincipalNameIsValid are the two booleans of
	// 3025. A false ServiceClassIsValid is an SPN whose service class is
	// not cifs (a client defect); a false PrincipalNameIsValid an SPN whose
	// host is none of the server's names, addresses or
	// SrvAllowedServerNames (an alias, CNAME or load-balancer name).
	ServiceClassIsValid  Opt[bool]
	PrincipalNameIsValid Opt[bool]
	// ServerRequiresEncryption and UnsupportedEncryptionType are 3022's
	// ServerRequiresEncryption and SmbClientDoesNotSupportEncryptionType.
	ServerRequiresEncryption  Opt[bool]
	UnsupportedEncryptionType Opt[uint32]
	// ReasonCode is the ReasonCode of a 551 version 3.
	ReasonCode Opt[uint32]
	// Status is the authentication failure status of a 551 (the ErrorCode
	// of a 5168).
	Status         Opt[NTStatus]
	SPNQueryStatus Opt[NTStatus]
	EPAPolicy      Opt[EPAPolicy]

	// Mapping says which data field filled each finding field, and how,
	// and holds the data fields left over.
	Mapping Mapping
	// Reason explains a KindUnparsed finding.
	Reason string
	// ChunkDamaged mirrors evtx.Event.ChunkDamaged.
	ChunkDamaged bool
	// Recovered mirrors evtx.Event.Recovered: the event was found in the
	// slack of a chunk (ScanOptions.Recover), not in the live log.
	Recovered bool
}

// Mapping says how Classify filled a finding's fields from the event data:
// for each finding field (FieldClient, FieldUser, ...) whether it was found
// by name or by type and position, and from which data field; and which
// data fields were left over. The findings of events mapped alike share
// what a Mapping holds, so it is a read-only view: its methods hand out
// copies, and no caller can change another finding's. The zero Mapping maps
// nothing.
type Mapping struct {
	m        *fieldMap    // nil: nothing mapped; never written once made
	unmapped []evtx.Field // never written once made
}

// fieldMap is the mapped part of a Mapping, indexed by fieldKey; by is ""
// for a key not mapped.
type fieldMap struct {
	by   [numKeys]MappedBy
	from [numKeys]string
	n    int
}

// keyOf returns the fieldKey named field, or numKeys.
func keyOf(field string) fieldKey {
	for k, name := range keyNames {
		if name == field {
			return fieldKey(k)
		}
	}
	return numKeys
}

// By returns how the finding field named field (FieldClient, ...) was
// taken from the event data, and whether it was.
func (m Mapping) By(field string) (MappedBy, bool) {
	k := keyOf(field)
	if m.m == nil || k == numKeys || m.m.by[k] == "" {
		return "", false
	}
	return m.m.by[k], true
}

// From returns the data field the finding field named field was taken
// from: its Name, or "#i" (0-based index) for an unnamed field; "" when
// field was not mapped.
func (m Mapping) From(field string) string {
	if k := keyOf(field); m.m != nil && k < numKeys {
		return m.m.from[k]
	}
	return ""
}

// Fields returns the names of the finding fields mapped, sorted.
func (m Mapping) Fields() []string {
	if m.m == nil {
		return nil
	}
	fields := make([]string, 0, m.m.n)
	for _, k := range keysByName {
		if m.m.by[k] != "" {
			fields = append(fields, keyNames[k])
		}
	}
	return fields
}

// Len returns the number of finding fields mapped.
func (m Mapping) Len() int {
	if m.m == nil {
		return 0
	}
	return m.m.n
}

// Unmapped returns the data fields that were not mapped, in event order,
// in a slice of the caller's own.
func (m Mapping) Unmapped() []evtx.Field { return slices.Clone(m.unmapped) }

// NumUnmapped returns the number of data fields that were not mapped.
func (m Mapping) NumUnmapped() int { return len(m.unmapped) }

// String lists the mapped fields as field=by:from, sorted, then the
// number of fields left over, e.g. "client=name:ClientName unmapped=1".
func (m Mapping) String() string {
	var b strings.Builder
	for _, f := range m.Fields() {
		by, _ := m.By(f)
		fmt.Fprintf(&b, "%s=%s:%s ", f, by, m.From(f))
	}
	fmt.Fprintf(&b, "unmapped=%d", len(m.unmapped))
	return b.String()
}
