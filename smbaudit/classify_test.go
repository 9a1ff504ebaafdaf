package smbaudit

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
)

func fld(name string, t evtx.Type, v string) evtx.Field {
	return evtx.Field{Name: name, Type: t, Value: v}
}

func smbEvent(id uint16, version uint8, data ...evtx.Field) *evtx.Event {
	return &evtx.Event{
		System: evtx.System{EventRecordID: 4242,
			Provider:    Provider,
			EventID:     id,
			Version:     version,
			Channel:     AuditChannel,
			Computer:    "FS01.corp.example",
			TimeCreated: time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC),
		},
		RecordID: 42,
		Source:   evtx.Source{File: "a.evtx", Chunk: 3, Offset: 0x31000},
		Data:     data,
	}
}

const (
	tS   = evtx.TypeString
	tA   = evtx.TypeAnsiString
	tU16 = evtx.TypeUint16
	tU32 = evtx.TypeUint32
	tH32 = evtx.TypeHexInt32
	tB   = evtx.TypeBool
	tG   = evtx.TypeGUID
	tU64 = evtx.TypeUint64
	tBin = evtx.TypeBinary
)

func TestClassify(t *testing.T) {
	type want struct {
		kind      Kind
		client    string
		ckind     ClientKind
		user      string
		signing   Opt[bool]
		spn       string
		hasSPN    bool
		status    Opt[NTStatus]
		spnStat   Opt[NTStatus]
		policy    Opt[EPAPolicy]
		svcOK     Opt[bool] // ServiceClassIsValid
		nameOK    Opt[bool] // PrincipalNameIsValid
		encrypt   Opt[bool]
		encType   Opt[uint32]
		reason551 Opt[uint32]
		mapping   map[string]MappedBy
		from      map[string]string
		unmapped  []string
		reason    string
	}
	tests := []struct {
		name string
		ev   *evtx.Event
		want want
	}{
		{
			name: "3021 v0 manifest names",
			ev: smbEvent(3021, 0, fld("ClientNameLength", tU16, "11"), fld("ClientName", tS, `\\10.0.0.5`),
				fld("ServerRequiresSigning", tB, "false")),
			want: want{kind: KindSigningUnsupported, client: "10.0.0.5", ckind: ClientIPv4, signing: Some(false),
				mapping: map[string]MappedBy{FieldClient: MappedByName, FieldClientLength: MappedByName, FieldRequiresSign: MappedByName},
				from:    map[string]string{FieldClient: "ClientName", FieldClientLength: "ClientNameLength", FieldRequiresSign: "ServerRequiresSigning"}},
		},
		{
			name: "3021 v1 adds UserName",
			ev: smbEvent(3021, 1, fld("ClientNameLength", tU16, "7"), fld("ClientName", tS, `\\NAS01`),
				fld("UserName", tS, `CORP\svc-backup`), fld("ServerRequiresSigning", tB, "true")),
			want: want{kind: KindSigningUnsupported, client: "nas01", ckind: ClientHost, user: `CORP\svc-backup`, signing: Some(true),
				mapping: map[string]MappedBy{FieldClient: MappedByName, FieldClientLength: MappedByName, FieldUser: MappedByName, FieldRequiresSign: MappedByName}},
		},
		{
			name: "3021 unknown names: by type and order, user second string",
			ev: smbEvent(3021, 2, fld("Param1", tU16, "7"), fld("Param2", tS, `\\NAS01`),
				fld("Param3", tS, "bob"), fld("Param4", tB, "true"), fld("Param5", tU32, "9")),
			want: want{kind: KindSigningUnsupported, client: "nas01", ckind: ClientHost, user: "bob", signing: Some(true),
				mapping:  map[string]MappedBy{FieldClient: MappedByPosition, FieldClientLength: MappedByPosition, FieldUser: MappedByPosition, FieldRequiresSign: MappedByPosition},
				from:     map[string]string{FieldClient: "Param2", FieldUser: "Param3", FieldRequiresSign: "Param4", FieldClientLength: "Param1"},
				unmapped: []string{"Param5"}},
		},
		{
			name: "3021 unnamed data",
			ev:   smbEvent(3021, 0, fld("", tU16, "11"), fld("", tS, `\\10.0.0.5`), fld("", tB, "false")),
			want: want{kind: KindSigningUnsupported, client: "10.0.0.5", ckind: ClientIPv4, signing: Some(false),
				from: map[string]string{FieldClient: "#1", FieldClientLength: "#0", FieldRequiresSign: "#2"}},
		},
		{
			name: "3021 v1 manifest: UserNameLength at position 2 is no flag",
			ev: smbEvent(3021, 1, fld("ClientNameLength", tU16, "11"), fld("ClientName", tS, `\\10.0.0.5`),
				fld("UserNameLength", tU16, "16"), fld("UserName", tS, `CORP\svc-backup`), fld("ServerRequiresSigning", tB, "false")),
			want: want{kind: KindSigningUnsupported, client: "10.0.0.5", ckind: ClientIPv4, user: `CORP\svc-backup`, signing: Some(false),
				mapping: map[string]MappedBy{FieldClient: MappedByName, FieldClientLength: MappedByName, FieldUser: MappedByName,
					FieldUserLength: MappedByName, FieldRequiresSign: MappedByName},
				from: map[string]string{FieldClientLength: "ClientNameLength", FieldClient: "ClientName", FieldUserLength: "UserNameLength",
					FieldUser: "UserName", FieldRequiresSign: "ServerRequiresSigning"}},
		},
		{
			name: "3021 v1 layout unnamed: both lengths skipped, user second string",
			ev: smbEvent(3021, 1, fld("", tU16, "11"), fld("", tS, `\\10.0.0.5`), fld("", tU16, "5"),
				fld("", tS, "alice"), fld("", tB, "true")),
			want: want{kind: KindSigningUnsupported, client: "10.0.0.5", ckind: ClientIPv4, user: "alice", signing: Some(true),
				from: map[string]string{FieldClientLength: "#0", FieldClient: "#1", FieldUserLength: "#2", FieldUser: "#3",
					FieldRequiresSign: "#4"}},
		},
		{
			name: "3027 manifest names",
			ev: smbEvent(3027, 0, fld("ClientNameLength", tU16, "7"), fld("ClientName", tS, `\\SCAN01`),
				fld("ServerRequiresSigning", tB, "true")),
			want: want{kind: KindSMB1SigningDisabled, client: "scan01", ckind: ClientHost, signing: Some(true),
				mapping: map[string]MappedBy{FieldClient: MappedByName, FieldClientLength: MappedByName, FieldRequiresSign: MappedByName}},
		},
		{
			name: "3024 manifest names: Status and SPNValidationPolicy",
			ev: smbEvent(3024, 0, fld("ClientNameLength", tU16, "11"), fld("ClientName", tS, `\\10.0.40.7`),
				fld("Status", tH32, "0xC00000BB"), fld("SPNValidationPolicy", tU32, "2")),
			want: want{kind: KindSPNMissing, client: "10.0.40.7", ckind: ClientIPv4,
				spnStat: Some(NTStatus{0xC00000BB, "STATUS_NOT_SUPPORTED"}), policy: Some(EPAPolicy{2, "required"}),
				mapping: map[string]MappedBy{FieldClient: MappedByName, FieldClientLength: MappedByName,
					FieldSPNQueryStatus: MappedByName, FieldEPAPolicy: MappedByName},
				from: map[string]string{FieldSPNQueryStatus: "Status", FieldEPAPolicy: "SPNValidationPolicy"}},
		},
		{
			name: "3025 manifest names: service class invalid",
			ev: smbEvent(3025, 0, fld("ClientNameLength", tU16, "20"), fld("ClientName", tS, `\\app01.corp.example`),
				fld("SPN", tS, "host/files.corp.example"), fld("ServiceClassIsValid", tB, "false"),
				fld("PrincipalNameIsValid", tB, "true"), fld("SPNValidationPolicy", tU32, "1")),
			want: want{kind: KindSPNUnrecognised, client: "app01.corp.example", ckind: ClientFQDN, spn: "host/files.corp.example",
				hasSPN: true, svcOK: Some(false), nameOK: Some(true), policy: Some(EPAPolicy{1, "accept if provided"}),
				mapping: map[string]MappedBy{FieldClient: MappedByName, FieldClientLength: MappedByName, FieldSPN: MappedByName,
					FieldServiceClassIsValid: MappedByName, FieldPrincipalNameIsValid: MappedByName, FieldEPAPolicy: MappedByName}},
		},
		{
			name: "3025 manifest names: principal name invalid",
			ev: smbEvent(3025, 0, fld("ClientNameLength", tU16, "7"), fld("ClientName", tS, `\\PRN-3F`),
				fld("SPN", tS, "cifs/files.corp.example"), fld("ServiceClassIsValid", tB, "true"),
				fld("PrincipalNameIsValid", tB, "false"), fld("SPNValidationPolicy", tU32, "0")),
			want: want{kind: KindSPNUnrecognised, client: "prn-3f", ckind: ClientHost, spn: "cifs/files.corp.example",
				hasSPN: true, svcOK: Some(true), nameOK: Some(false), policy: Some(EPAPolicy{0, "off"}),
				from: map[string]string{FieldServiceClassIsValid: "ServiceClassIsValid", FieldPrincipalNameIsValid: "PrincipalNameIsValid"}},
		},
		{
			name: "3025 manifest layout unnamed: booleans in manifest order",
			ev: smbEvent(3025, 0, fld("", tU16, "7"), fld("", tS, `\\PRN-3F`), fld("", tS, "cifs/alias"),
				fld("", tB, "true"), fld("", tB, "false"), fld("", tU32, "2")),
			want: want{kind: KindSPNUnrecognised, client: "prn-3f", ckind: ClientHost, spn: "cifs/alias", hasSPN: true,
				svcOK: Some(true), nameOK: Some(false), policy: Some(EPAPolicy{2, "required"}),
				from: map[string]string{FieldClientLength: "#0", FieldClient: "#1", FieldSPN: "#2",
					FieldServiceClassIsValid: "#3", FieldPrincipalNameIsValid: "#4", FieldEPAPolicy: "#5"}},
		},
		{
			name: "3026 manifest names",
			ev: smbEvent(3026, 0, fld("ClientNameLength", tU16, "12"), fld("ClientName", tS, `\\10.0.30.41`),
				fld("SPNValidationPolicy", tU32, "2")),
			want: want{kind: KindSPNEmpty, client: "10.0.30.41", ckind: ClientIPv4, policy: Some(EPAPolicy{2, "required"}),
				mapping: map[string]MappedBy{FieldClient: MappedByName, FieldClientLength: MappedByName, FieldEPAPolicy: MappedByName}},
		},
		{
			name: "3022 manifest names",
			ev: smbEvent(3022, 0, fld("ClientNameLength", tU16, "12"), fld("ClientName", tS, `\\10.0.20.15`),
				fld("ServerRequiresEncryption", tB, "true"), fld("SmbClientDoesNotSupportEncryptionType", tU32, "2")),
			want: want{kind: KindEncryptionUnsupported, client: "10.0.20.15", ckind: ClientIPv4, encrypt: Some(true), encType: Some(uint32(2)),
				mapping: map[string]MappedBy{FieldClient: MappedByName, FieldClientLength: MappedByName,
					FieldRequiresEncryption: MappedByName, FieldUnsupportedEncryption: MappedByName}},
		},
		{
			name: "3022 unknown names: by type and order",
			ev: smbEvent(3022, 0, fld("a", tU16, "12"), fld("b", tS, `\\10.0.20.15`), fld("c", tB, "false"),
				fld("d", tU32, "1")),
			want: want{kind: KindEncryptionUnsupported, client: "10.0.20.15", ckind: ClientIPv4, encrypt: Some(false), encType: Some(uint32(1)),
				mapping: map[string]MappedBy{FieldClient: MappedByPosition, FieldClientLength: MappedByPosition,
					FieldRequiresEncryption: MappedByPosition, FieldUnsupportedEncryption: MappedByPosition}},
		},
		{
			name: "3023 manifest names, Operational channel",
			ev: func() *evtx.Event {
				e := smbEvent(3023, 0, fld("ClientNameLength", tU16, "12"), fld("ClientName", tS, `\\10.0.50.12`))
				e.Channel = OperationalChannel
				return e
			}(),
			want: want{kind: KindGuestLogon, client: "10.0.50.12", ckind: ClientIPv4,
				mapping: map[string]MappedBy{FieldClient: MappedByName, FieldClientLength: MappedByName}},
		},
		{
			name: "5168 Security-Auditing: account, SPN and status; no client",
			ev: func() *evtx.Event {
				e := smbEvent(5168, 0, fld("SubjectUserSid", evtx.TypeSID, "S-1-5-21-1-2-3-1104"),
					fld("SubjectUserName", tS, "lnxsvc"), fld("SubjectDomainName", tS, "CORP"),
					fld("SubjectLogonId", evtx.TypeHexInt64, "0xd0cd4"), fld("SpnName", tS, "cifs/fs-alias.corp.example"),
					fld("ErrorCode", tH32, "0xc0000022"), fld("ServerNames", tS, "CORP;FS03.corp.example;FS03;LocalHost;"),
					fld("ConfiguredNames", tS, "N/A"), fld("IpAddresses", tS, "127.0.0.1;::1;10.0.0.13;"))
				e.Provider, e.Channel = SecurityAuditingProvider, SecurityLogChannel
				return e
			}(),
			want: want{kind: KindSPNCheckFailed, user: `CORP\lnxsvc`, spn: "cifs/fs-alias.corp.example", hasSPN: true,
				status: Some(NTStatus{0xC0000022, "STATUS_ACCESS_DENIED"}),
				mapping: map[string]MappedBy{FieldUser: MappedByName, FieldUserDomain: MappedByName, FieldSPN: MappedByName,
					FieldStatus: MappedByName},
				from:     map[string]string{FieldUser: "SubjectUserName", FieldStatus: "ErrorCode", FieldSPN: "SpnName"},
				unmapped: []string{"SubjectUserSid", "SubjectLogonId", "ServerNames", "ConfiguredNames", "IpAddresses"}},
		},
		{
			name: "5168 SpnName N/A: no SPN sent",
			ev: func() *evtx.Event {
				e := smbEvent(5168, 0, fld("SubjectUserName", tS, "dadmin"), fld("SubjectDomainName", tS, "CONTOSO"),
					fld("SpnName", tS, "N/A"), fld("ErrorCode", tH32, "0xc0000022"))
				e.Provider, e.Channel = SecurityAuditingProvider, "ForwardedEvents"
				return e
			}(),
			want: want{kind: KindSPNCheckFailed, user: `CONTOSO\dadmin`, status: Some(NTStatus{0xC0000022, "STATUS_ACCESS_DENIED"})},
		},
		{
			name: "551 v3 as UserData (wrapper dropped), with ReasonCode",
			ev: func() *evtx.Event {
				e := smbEvent(551, 3, fld("SessionGUID", tG, "{7E1C6A2B-0000-4A8B-9C3D-111111111111}"),
					fld("ConnectionGUID", tG, "{7E1C6A2B-0000-4A8B-9C3D-222222222222}"),
					fld("Status", tH32, "0xC000035B"), fld("TranslatedStatus", tH32, "0xC0000022"),
					fld("ClientAddress", tBin, "020000000A0028070000000000000000"), fld("SessionId", tU64, "0x4400000000051"),
					fld("UserName", tS, `CORP\lnxsvc`), fld("ClientName", tS, `\\lnx-old`), fld("SPN", tS, "cifs/fs03"),
					fld("SPNValidationPolicy", tU32, "2"), fld("ReasonCode", tU32, "3"))
				e.Channel = SecurityChannel
				return e
			}(),
			want: want{kind: KindEnforcementRejection, client: "lnx-old", ckind: ClientHost, user: `CORP\lnxsvc`, spn: "cifs/fs03", hasSPN: true,
				status: Some(NTStatus{0xC000035B, "STATUS_BAD_BINDINGS"}), policy: Some(EPAPolicy{2, "required"}), reason551: Some(uint32(3)),
				unmapped: []string{"SessionGUID", "ConnectionGUID", "TranslatedStatus", "ClientAddress", "SessionId"}},
		},
		{
			name: "3027 alias names",
			ev:   smbEvent(3027, 0, fld("Client", tS, `\\SCAN01`), fld("RequireSigning", tB, "false")),
			want: want{kind: KindSMB1SigningDisabled, client: "scan01", ckind: ClientHost, signing: Some(false),
				mapping: map[string]MappedBy{FieldClient: MappedByName, FieldRequiresSign: MappedByName}},
		},
		{
			name: "3024 names, status hex",
			ev: smbEvent(3024, 0, fld("ClientNameLength", tU16, "18"), fld("ClientName", tS, `\\nas01.corp.example`),
				fld("SpnQueryStatus", tH32, "0xc00000bb"), fld("EpaPolicy", tU32, "0")),
			want: want{kind: KindSPNMissing, client: "nas01.corp.example", ckind: ClientFQDN,
				spnStat: Some(NTStatus{0xC00000BB, "STATUS_NOT_SUPPORTED"}), policy: Some(EPAPolicy{0, "off"})},
		},
		{
			name: "3024 other aliases, status in decimal",
			ev: smbEvent(3024, 0, fld("Name", tS, `\\10.0.0.7`), fld("QueryStatus", tU32, "3221225662"),
				fld("HardeningLevel", tU32, "1")),
			want: want{kind: KindSPNMissing, client: "10.0.0.7", ckind: ClientIPv4,
				spnStat: Some(NTStatus{0xC00000BE, "STATUS_BAD_NETWORK_PATH"}), policy: Some(EPAPolicy{1, "accept if provided"})},
		},
		{
			name: "3024 unknown names: two UInt32 in documented order, length skipped",
			ev: smbEvent(3024, 0, fld("Len", tU32, "9"), fld("Who", tS, `\\LNX-OLD`),
				fld("A", tU32, "3221225659"), fld("B", tU32, "2")),
			want: want{kind: KindSPNMissing, client: "lnx-old", ckind: ClientHost,
				spnStat: Some(NTStatus{0xC00000BB, "STATUS_NOT_SUPPORTED"}), policy: Some(EPAPolicy{2, "required"}),
				mapping: map[string]MappedBy{FieldClient: MappedByPosition, FieldClientLength: MappedByPosition, FieldSPNQueryStatus: MappedByPosition, FieldEPAPolicy: MappedByPosition},
				from:    map[string]string{FieldClient: "Who", FieldClientLength: "Len", FieldSPNQueryStatus: "A", FieldEPAPolicy: "B"}},
		},
		{
			name: "3024 mixed: status by name, policy by position",
			ev: smbEvent(3024, 0, fld("ClientName", tS, `\\10.0.0.7`), fld("Status", tH32, "0x00000000"),
				fld("X", tU32, "4")),
			want: want{kind: KindSPNMissing, client: "10.0.0.7", ckind: ClientIPv4,
				spnStat: Some(NTStatus{0, "STATUS_SUCCESS"}), policy: Some(EPAPolicy{4, "4"}),
				mapping: map[string]MappedBy{FieldClient: MappedByName, FieldSPNQueryStatus: MappedByName, FieldEPAPolicy: MappedByPosition}},
		},
		{
			name: "3024 unknown status code keeps hex, no name",
			ev: smbEvent(3024, 0, fld("ClientName", tS, `\\10.0.0.7`), fld("SpnQueryStatus", tH32, "0xC0001234"),
				fld("EpaPolicy", tU32, "7")),
			want: want{kind: KindSPNMissing, client: "10.0.0.7", ckind: ClientIPv4,
				spnStat: Some(NTStatus{0xC0001234, ""}), policy: Some(EPAPolicy{7, "7"})},
		},
		{
			name: "3025 older guessed names (SpnCheck1/2, EpaPolicy), SPN length",
			ev: smbEvent(3025, 0, fld("ClientNameLength", tU16, "9"), fld("ClientName", tS, `\\10.0.0.9`),
				fld("SpnLength", tU16, "19"), fld("SPN", tS, "cifs/files.corp.example"),
				fld("SpnCheck1", tB, "false"), fld("SpnCheck2", tB, "true"), fld("EpaPolicy", tU32, "1")),
			want: want{kind: KindSPNUnrecognised, client: "10.0.0.9", ckind: ClientIPv4, spn: "cifs/files.corp.example", hasSPN: true,
				svcOK: Some(false), nameOK: Some(true), policy: Some(EPAPolicy{1, "accept if provided"}),
				mapping: map[string]MappedBy{FieldClient: MappedByName, FieldClientLength: MappedByName, FieldSPN: MappedByName,
					FieldSPNLength: MappedByName, FieldServiceClassIsValid: MappedByName, FieldPrincipalNameIsValid: MappedByName, FieldEPAPolicy: MappedByName}},
		},
		{
			name: "3025 ServicePrincipalName alias, unknown bools by position",
			ev: smbEvent(3025, 0, fld("ClientName", tS, `\\PRN-3F`), fld("ServicePrincipalName", tS, "cifs/FS01-alias"),
				fld("b1", tB, "true"), fld("b2", tB, "false"), fld("SPNValidationPolicy", tU32, "2")),
			want: want{kind: KindSPNUnrecognised, client: "prn-3f", ckind: ClientHost, spn: "cifs/FS01-alias", hasSPN: true,
				svcOK: Some(true), nameOK: Some(false), policy: Some(EPAPolicy{2, "required"}),
				mapping: map[string]MappedBy{FieldClient: MappedByName, FieldSPN: MappedByName, FieldServiceClassIsValid: MappedByPosition,
					FieldPrincipalNameIsValid: MappedByPosition, FieldEPAPolicy: MappedByName}},
		},
		{
			name: "3025 no names known: client then SPN by order",
			ev: smbEvent(3025, 0, fld("p0", tU16, "9"), fld("p1", tS, `\\10.0.0.9`), fld("p2", tU16, "12"),
				fld("p3", tS, "cifs/10.9.9.9"), fld("p4", tB, "true"), fld("p5", tB, "true"), fld("p6", tU32, "1")),
			want: want{kind: KindSPNUnrecognised, client: "10.0.0.9", ckind: ClientIPv4, spn: "cifs/10.9.9.9", hasSPN: true,
				svcOK: Some(true), nameOK: Some(true), policy: Some(EPAPolicy{1, "accept if provided"}),
				from: map[string]string{FieldClientLength: "p0", FieldClient: "p1", FieldSPNLength: "p2", FieldSPN: "p3",
					FieldServiceClassIsValid: "p4", FieldPrincipalNameIsValid: "p5", FieldEPAPolicy: "p6"}},
		},
		{
			name: "3026 names, IPv6 client",
			ev: smbEvent(3026, 0, fld("ClientNameLength", tU16, "15"), fld("ClientName", tS, `\\[fe80::1%7]`),
				fld("EpaPolicy", tU32, "0")),
			want: want{kind: KindSPNEmpty, client: "fe80::1%7", ckind: ClientIPv6, policy: Some(EPAPolicy{0, "off"})},
		},
		{
			name: "3026 forwarded as text only: classes from values",
			ev:   smbEvent(3026, 0, fld("", tS, "12"), fld("", tS, `\\10.0.0.22`), fld("", tS, "2")),
			want: want{kind: KindSPNEmpty, client: "10.0.0.22", ckind: ClientIPv4, policy: Some(EPAPolicy{2, "required"}),
				from: map[string]string{FieldClientLength: "#0", FieldClient: "#1", FieldEPAPolicy: "#2"}},
		},
		{
			name: "3000 AnsiString bare address",
			ev:   smbEvent(3000, 0, fld("ClientName", tA, "10.1.2.3")),
			want: want{kind: KindSMB1Access, client: "10.1.2.3", ckind: ClientIPv4},
		},
		{
			name: "551 manifest fields",
			ev: func() *evtx.Event {
				e := smbEvent(551, 2, fld("SessionGUID", tG, "{7E1C6A2B-0000-4A8B-9C3D-111111111111}"),
					fld("ConnectionGUID", tG, "{7E1C6A2B-0000-4A8B-9C3D-222222222222}"),
					fld("Status", tH32, "0xC000035B"), fld("TranslatedStatus", tH32, "0xC0000022"),
					fld("ClientAddress", tBin, "02000000C0A80A1F0000000000000000"), fld("SessionId", tU64, "0x4400000000051"),
					fld("UserName", tS, `CORP\scanner`), fld("ClientName", tS, ""), fld("SPN", tS, ""),
					fld("SPNValidationPolicy", tU32, "2"))
				e.Channel = SecurityChannel
				return e
			}(),
			want: want{kind: KindEnforcementRejection, client: "192.168.10.31", ckind: ClientIPv4, user: `CORP\scanner`, hasSPN: true,
				status: Some(NTStatus{0xC000035B, "STATUS_BAD_BINDINGS"}), policy: Some(EPAPolicy{2, "required"}),
				unmapped: []string{"SessionGUID", "ConnectionGUID", "TranslatedStatus", "SessionId", "ClientName"}},
		},
		{
			name: "no data at all: unparsed, not dropped",
			ev:   smbEvent(3021, 0),
			want: want{kind: KindUnparsed, reason: "no event data"},
		},
		{
			name: "no string field: unparsed",
			ev:   smbEvent(3024, 0, fld("X", tU32, "5"), fld("Y", tU32, "6")),
			want: want{kind: KindUnparsed, reason: "no client name field, by name or by position",
				spnStat: Some(NTStatus{5, ""}), policy: Some(EPAPolicy{6, "6"})},
		},
		{
			name: "empty client: unparsed",
			ev:   smbEvent(3026, 0, fld("ClientName", tS, `\\`), fld("EpaPolicy", tU32, "0")),
			want: want{kind: KindUnparsed, reason: "empty client name", policy: Some(EPAPolicy{0, "off"})},
		},
		{
			name: "bad policy value stays unmapped",
			ev:   smbEvent(3026, 0, fld("ClientName", tS, `\\h`), fld("EpaPolicy", tS, "high")),
			want: want{kind: KindSPNEmpty, client: "h", ckind: ClientHost, unmapped: []string{"EpaPolicy"}},
		},
		{
			name: "UserName is never taken as a client by position",
			ev:   smbEvent(3026, 0, fld("UserName", tS, "alice"), fld("EpaPolicy", tU32, "0")),
			want: want{kind: KindUnparsed, reason: "no client name field, by name or by position", user: "alice",
				policy: Some(EPAPolicy{0, "off"})},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := Classify(tt.ev)
			require.True(t, ok)
			w := tt.want
			assert.Equal(t, w.kind, f.Kind)
			assert.Equal(t, w.reason, f.Reason)
			assert.Equal(t, w.client, f.Client.ID)
			if w.ckind != "" {
				assert.Equal(t, w.ckind, f.Client.Kind)
			}
			assert.Equal(t, w.user, f.User)
			assert.Equal(t, w.signing, f.ServerRequiresSigning)
			assert.Equal(t, w.spn, f.SPN)
			assert.Equal(t, w.hasSPN, f.HasSPN)
			assert.Equal(t, w.status, f.Status)
			assert.Equal(t, w.spnStat, f.SPNQueryStatus)
			assert.Equal(t, w.policy, f.EPAPolicy)
			assert.Equal(t, w.svcOK, f.ServiceClassIsValid, "ServiceClassIsValid")
			assert.Equal(t, w.nameOK, f.PrincipalNameIsValid, "PrincipalNameIsValid")
			assert.Equal(t, w.encrypt, f.ServerRequiresEncryption, "ServerRequiresEncryption")
			assert.Equal(t, w.encType, f.UnsupportedEncryptionType, "UnsupportedEncryptionType")
			assert.Equal(t, w.reason551, f.ReasonCode, "ReasonCode")
			for k, v := range w.mapping {
				assert.Equal(t, v, mappedBy(f.Mapping, k), "mapping of %s", k)
			}
			if w.mapping != nil {
				assert.Equal(t, len(w.mapping), f.Mapping.Len(), "mapping %v", f.Mapping)
			}
			for k, v := range w.from {
				assert.Equal(t, v, f.Mapping.From(k), "source field of %s", k)
			}
			var un []string
			for _, u := range f.Mapping.Unmapped() {
				un = append(un, u.Name)
			}
			assert.Equal(t, w.unmapped, un, "unmapped")
			// Context always travels.
			assert.Equal(t, tt.ev.EventID, f.EventID)
			assert.Equal(t, tt.ev.Version, f.Version)
			assert.Equal(t, tt.ev.RecordID, f.RecordID)
			assert.Equal(t, tt.ev.EventRecordID, f.EventRecordID)
			assert.Equal(t, tt.ev.Computer, f.Server)
			assert.Equal(t, tt.ev.Source, f.Source)
			assert.True(t, tt.ev.TimeCreated.Equal(f.Time))
			// Every data field is either mapped or unmapped, never both.
			assert.Equal(t, len(tt.ev.Data), f.Mapping.Len()+f.Mapping.NumUnmapped(), "fields accounted for")
		})
	}
}

func TestClassifyIgnores(t *testing.T) {
	tests := []struct {
		name string
		ev   *evtx.Event
	}{
		{"nil", nil},
		{"other provider", &evtx.Event{System: evtx.System{Provider: "Microsoft-Windows-Security-Auditing", EventID: 3021}}},
		{"unknown SMB event id", &evtx.Event{System: evtx.System{Provider: Provider, EventID: 1001}}},
		{"551 in the operational channel", &evtx.Event{System: evtx.System{Provider: Provider, EventID: 551, Channel: "Microsoft-Windows-SMBServer/Operational"}}},
		{"3023 in the audit channel", &evtx.Event{System: evtx.System{Provider: Provider, EventID: 3023, Channel: AuditChannel}}},
		{"5168 of the SMB server provider", &evtx.Event{System: evtx.System{Provider: Provider, EventID: 5168, Channel: SecurityLogChannel}}},
		{"other Security-Auditing event", &evtx.Event{System: evtx.System{Provider: SecurityAuditingProvider, EventID: 4624, Channel: SecurityLogChannel}}},
		{"5168 outside the Security log", &evtx.Event{System: evtx.System{Provider: SecurityAuditingProvider, EventID: 5168, Channel: AuditChannel}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ok := Classify(tt.ev)
			assert.False(t, ok)
		})
	}
}

func TestClassifyProviderCaseAndChannels(t *testing.T) {
	ev := smbEvent(551, 0, fld("ClientName", tS, `\\a`))
	for _, ch := range []string{SecurityChannel, "microsoft-windows-smbserver/security", "ForwardedEvents", ""} {
		ev.Channel = ch
		ev.Provider = "microsoft-windows-smbserver"
		_, ok := Classify(ev)
		assert.True(t, ok, "channel %q", ch)
	}
	// Task and keywords never matter.
	ev = smbEvent(3021, 0, fld("ClientName", tS, `\\a`))
	ev.Task, ev.Keywords = 999, 0x1
	f, ok := Classify(ev)
	require.True(t, ok)
	assert.Equal(t, KindSigningUnsupported, f.Kind)
}

func TestParseNTStatus(t *testing.T) {
	tests := []struct {
		in   string
		code uint32
		name string
		err  bool
	}{
		{"0xc00000bb", 0xC00000BB, "STATUS_NOT_SUPPORTED", false},
		{"0XC00000BE", 0xC00000BE, "STATUS_BAD_NETWORK_PATH", false},
		{"3221225659", 0xC00000BB, "STATUS_NOT_SUPPORTED", false},
		{"-1073741637", 0xC00000BB, "STATUS_NOT_SUPPORTED", false},
		{" 0 ", 0, "STATUS_SUCCESS", false},
		{"0xC0000022", 0xC0000022, "STATUS_ACCESS_DENIED", false},
		{"0x1C0000022", 0, "", true},
		{"4294967296", 0, "", true},
		{"pending", 0, "", true},
		{"", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := ParseNTStatus(tt.in)
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, NTStatus{tt.code, tt.name}, s)
		})
	}
}

func TestEPAPolicyLabels(t *testing.T) {
	tests := []struct {
		v     uint32
		label string
		str   string
	}{
		{0, "off", "0 (off)"},
		{1, "accept if provided", "1 (accept if provided)"},
		{2, "required", "2 (required)"},
		{3, "3", "3"},
		{4294967295, "4294967295", "4294967295"},
	}
	for _, tt := range tests {
		p := NewEPAPolicy(tt.v)
		assert.Equal(t, tt.label, p.Label)
		assert.Equal(t, tt.str, p.String())
	}
}

// Classify must hold on any data: every field is either mapped or unmapped,
// and nothing panics. A fixed seed keeps the run short and repeatable.
func TestClassifyArbitraryData(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	types := []evtx.Type{tS, tA, tU16, tU32, tH32, tB, tG, tU64, tBin, evtx.TypeNull, evtx.TypeInt32}
	values := []string{"", `\\`, `\\10.0.0.1`, "0x", "0xZZ", "-1", "99999999999", "true", "False", "1",
		"02000000", "1700000000000000fe800000000000000000000000000001", "17", "cifs/x", "[", "::ffff:1.2.3.4"}
	names := []string{"", "ClientName", "ClientAddress", "Status", "EpaPolicy", "SPN", "UserName", "XLength", "P1"}
	for i := 0; i < 3000; i++ {
		var data []evtx.Field
		for n := rng.IntN(8); n > 0; n-- {
			data = append(data, fld(names[rng.IntN(len(names))], types[rng.IntN(len(types))], values[rng.IntN(len(values))]))
		}
		ev := smbEvent(eventIDs[rng.IntN(len(eventIDs))], uint8(rng.IntN(4)), data...)
		switch ev.EventID {
		case EventSPNCheckFailed:
			ev.Provider, ev.Channel = SecurityAuditingProvider, SecurityLogChannel
		case EventGuestLogon:
			ev.Channel = OperationalChannel
		default:
			ev.Channel = SecurityChannel
		}
		var f Finding
		var ok bool
		require.NotPanics(t, func() { f, ok = Classify(ev) }, "%+v", data)
		require.True(t, ok)
		require.Equal(t, len(data), f.Mapping.Len()+f.Mapping.NumUnmapped(), "%+v -> %v", data, f.Mapping)
		if f.Kind == KindSPNCheckFailed {
			require.Empty(t, f.Client.ID, "5168 names no client: %+v", data)
		} else if f.Kind != KindUnparsed {
			require.NotEmpty(t, f.Client.ID, "%+v", data)
		} else {
			require.NotEmpty(t, f.Reason)
		}
	}
}

// Every event Classify recognises is one a default scan decodes: the
// pre-filter list and the classifier agree.
func TestDecodedEventsCoverRecognised(t *testing.T) {
	kept := func(provider string, id uint16) bool {
		for _, p := range decodedEvents {
			if strings.EqualFold(p.Provider, provider) && (p.EventIDs == nil || slices.Contains(p.EventIDs, id)) {
				return true
			}
		}
		return false
	}
	for _, id := range EventIDs() {
		provider, channel := Provider, AuditChannel
		switch id {
		case EventSPNCheckFailed:
			provider, channel = SecurityAuditingProvider, SecurityLogChannel
		case EventGuestLogon:
			channel = OperationalChannel
		case EventEnforcementRejection:
			channel = SecurityChannel
		}
		require.True(t, Recognised(provider, id, channel), "%d", id)
		assert.True(t, kept(provider, id), "a default scan decodes %s %d", provider, id)
	}
	assert.False(t, kept(SecurityAuditingProvider, 4624), "other Security events are not decoded")
	var o evtx.Options
	decodeOnly(&o)
	assert.Equal(t, []string{Provider, SecurityAuditingProvider}, o.Providers)
	assert.Equal(t, decodedEvents, o.Narrow)
}

// Every kind a classification can give is Known, so that a partial report
// holding it reads back; anything else is not.
func TestKindKnown(t *testing.T) {
	for _, k := range []Kind{KindSigningUnsupported, KindEncryptionUnsupported,
		KindGuestLogon, KindSMB1SigningDisabled, KindSPNMissing, KindSPNUnrecognised,
		KindSPNEmpty, KindSMB1Access, KindEnforcementRejection, KindSPNCheckFailed,
		KindUnparsed} {
		assert.True(t, k.Known(), k)
	}
	for _, k := range []Kind{"", "Signing-Unsupported", "bogus"} {
		assert.False(t, k.Known(), k)
	}
}

// A Mapping answers for every field name, mapped or not, and the zero
// Mapping maps nothing.
func TestMappingLookups(t *testing.T) {
	f, ok := Classify(smbEvent(3024, 0, fld("ClientNameLength", tU16, "8"), fld("ClientName", tS, `\\NAS01`),
		fld("", tH32, "0xC00000BB"), fld("EpaPolicy", tU32, "0"), fld("X", tU32, "1")))
	require.True(t, ok)
	for _, tc := range []struct {
		name   string
		m      Mapping
		field  string
		by     MappedBy
		mapped bool
		from   string
	}{
		{"by name", f.Mapping, FieldClient, MappedByName, true, "ClientName"},
		{"length", f.Mapping, FieldClientLength, MappedByName, true, "ClientNameLength"},
		{"by position", f.Mapping, FieldSPNQueryStatus, MappedByPosition, true, "#2"},
		{"not mapped", f.Mapping, FieldUser, "", false, ""},
		{"no such field", f.Mapping, "nosuch", "", false, ""},
		{"zero Mapping", Mapping{}, FieldClient, "", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			by, mapped := tc.m.By(tc.field)
			assert.Equal(t, tc.by, by)
			assert.Equal(t, tc.mapped, mapped)
			assert.Equal(t, tc.from, tc.m.From(tc.field))
			assert.Equal(t, tc.mapped, slices.Contains(tc.m.Fields(), tc.field))
		})
	}
	assert.Equal(t, []string{FieldClient, FieldClientLength, FieldEPAPolicy, FieldSPNQueryStatus}, f.Mapping.Fields(), "sorted")
	assert.Equal(t, 4, f.Mapping.Len())
	assert.Equal(t, []evtx.Field{{Name: "X", Value: "1", Type: tU32}}, f.Mapping.Unmapped())
	assert.Equal(t, "client=name:ClientName client-length=name:ClientNameLength epa-policy=name:EpaPolicy spn-query-status=position:#2 unmapped=1",
		f.Mapping.String())
	assert.Zero(t, Mapping{}.Len())
	assert.Nil(t, Mapping{}.Fields())
	assert.Nil(t, Mapping{}.Unmapped())
	assert.Equal(t, "unmapped=0", Mapping{}.String())
}
