package report

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// Schema is the value of the top-level "schema" member of the JSON form of
// a report that lists its findings.
const Schema = "smbreadiness.report/v1"

// SchemaSummarised is the "schema" of a report whose findings were not
// kept (Report.FindingsOmitted): its rows hold what its findings would
// give. A reader of Schema alone refuses it instead of taking it for a
// report without findings.
const SchemaSummarised = "smbreadiness.report/v2"

// Unknown stands for a client or server name that the event did not carry.
// Parentheses cannot occur in host names, so it never collides with one.
const Unknown = "(unknown)"

// Setting names an enforcement setting whose effect the report predicts.
type Setting string

// The settings, in the order reports list them (which is also their sort
// order).
const (
	SettingDisableSMB1 Setting = "DisableSMB1"
	// SettingRequireEncryption is encryption required server-wide:
	// EncryptData with RejectUnencryptedAccess.
	SettingRequireEncryption Setting = "EncryptData+RejectUnencryptedAccess"
	SettingRequireSigning    Setting = "RequireSecuritySignature"
	SettingSPNHardeningLvl1  Setting = "SmbServerNameHardeningLevel=1"
	SettingSPNHardeningLvl2  Setting = "SmbServerNameHardeningLevel=2"
)

// Settings returns every Setting in report order, in a slice of the
// caller's own.
func Settings() []Setting { return slices.Clone(settings) }

var settings = []Setting{SettingDisableSMB1, SettingRequireEncryption, SettingRequireSigning, SettingSPNHardeningLvl1,
	SettingSPNHardeningLvl2}

// eventColumns are smbaudit.EventIDs in the order the report's columns list
// them: the SMB server's audit events, then those of enforcement.
var eventColumns = []uint16{smbaudit.EventSMB1Access, smbaudit.EventSigningUnsupported, smbaudit.EventEncryptionUnsupported,
	smbaudit.EventGuestLogon, smbaudit.EventSPNMissing, smbaudit.EventSPNUnrecognised, smbaudit.EventSPNEmpty,
	smbaudit.EventSMB1SigningDisabled, smbaudit.EventEnforcementRejection, smbaudit.EventSPNCheckFailed}

// auditEvents are the events of the SMBServer/Audit channel that the server
// only logs when an audit switch is on.
var auditEvents = map[uint16]bool{
	smbaudit.EventSMB1Access: true, smbaudit.EventSigningUnsupported: true, smbaudit.EventSPNMissing: true,
	smbaudit.EventSPNUnrecognised: true, smbaudit.EventSPNEmpty: true, smbaudit.EventSMB1SigningDisabled: true,
	smbaudit.EventEncryptionUnsupported: true,
}

// EventLabel returns a short description of a known event ID, or "".
func EventLabel(id uint16) string {
	switch id {
	case smbaudit.EventSMB1Access:
		return "SMB1 access"
	case smbaudit.EventSigningUnsupported:
		return "client does not support signing"
	case smbaudit.EventEncryptionUnsupported:
		return "client does not support encryption"
	case smbaudit.EventGuestLogon:
		return "insecure guest logon"
	case smbaudit.EventSPNMissing:
		return "no SPN"
	case smbaudit.EventSPNUnrecognised:
		return "unrecognised SPN"
	case smbaudit.EventSPNEmpty:
		return "empty SPN"
	case smbaudit.EventSMB1SigningDisabled:
		return "SMB1 client signing off (unreliable)"
	case smbaudit.EventEnforcementRejection:
		return "rejected by enforcement"
	case smbaudit.EventSPNCheckFailed:
		return "SPN check failed (Security)"
	}
	return ""
}

// Options tune a Builder. The zero value is usable.
type Options struct {
	// GeneratedAt is the generation time written into the report. Zero
	// means time.Now. Pin it for byte-identical output.
	GeneratedAt time.Time
	// MaxFindings bounds the findings a report keeps; 0 keeps them all.
	// Past it, the findings are counted into the rows (clients, servers,
	// days, unparsed events) as they come and not kept: the report is the
	// same but for an empty Findings and FindingsOmitted, and its memory
	// no longer grows with the number of findings. Such a report merges by
	// adding rows (see Builder.Finish), and copies of one record are no longer
	// recognised: pass unique findings, as smbaudit.Scan gives them.
	MaxFindings int
	// MaxListed bounds the per-client lists (Client.Linked, Names,
	// Servers, Users, SPNs); 0 means DefaultMaxListed, a negative value
	// lists everything. Past it each list is cut to its first MaxListed
	// values in sorted order, and its Total keeps the full count.
	MaxListed int
	// Meta is what the report says of how it was made: version, command
	// line, filter, and the short-window threshold. It is written as given
	// (so that golden files stay stable), never looked up.
	Meta
}

// DefaultMaxListed is the number of values a per-client list of a report
// shows when Options.MaxListed is 0.
const DefaultMaxListed = 20

func (o Options) maxListed() int {
	switch {
	case o.MaxListed == 0:
		return DefaultMaxListed
	case o.MaxListed < 0:
		return math.MaxInt
	}
	return o.MaxListed
}

// More returns how many values of a bounded list (see Client.Linked) its
// total counts beyond those listed: the M of "and M more".
func More(list []string, total int) int {
	return max(0, total-len(list))
}

// andMore returns list, with "(and M more)" appended when its total counts
// more values than it lists. Parentheses occur in no host name.
func andMore(list []string, total int) []string {
	if m := More(list, total); m > 0 {
		return append(slices.Clip(list), fmt.Sprintf("(and %d more)", m))
	}
	return list
}

// Report is the per-client readiness report. Make and combine reports with
// a Builder, render them with Render, read the JSON form back with
// ReadJSON.
type Report struct {
	Schema      string
	GeneratedAt time.Time
	Summary     Summary
	Clients     []Client // sorted by ID
	Servers     []Server // sorted by Name
	Inputs      []Input  // sorted by Path
	Days        []Day    // sorted by Date
	// Meta says how the report was made (Options.Meta; ShortWindow made
	// effective).
	Meta
	// PartialFilters lists, once each, the filters (FilterText, joined
	// with "; ") of the reports merged into this one that had a filter:
	// each partial's findings were filtered so.
	PartialFilters []string
	// Caveats list what weakens an absence of evidence: short windows,
	// wrapped logs, skipped and damaged inputs (derived).
	Caveats []Caveat
	// Unparsed counts the recognised events too malformed to classify;
	// UnparsedSamples holds the first MaxUnparsedSamples of them in
	// (time, source) order.
	Unparsed        int
	UnparsedSamples []Unparsed
	// Findings holds every finding the report was built from, one per
	// record (copies of one record in several files count once, as in
	// smbaudit.Scan), sorted by time and place, unless there were more
	// than Options.MaxFindings (see FindingsOmitted). It is what makes
	// reports merge exactly: everything per client, per server (but its
	// coverage) and per day is derived from it.
	Findings []Record
	// FindingsOmitted is the number of findings counted in the rows but
	// not kept in Findings (Options.MaxFindings); when it is not 0,
	// Findings is empty.
	FindingsOmitted int
	// Digest is the SHA-256 of the document ReadJSON read the report
	// from; zero for a report made otherwise. Builder.AddReport adds
	// reports of one non-zero Digest once.
	Digest [32]byte
}

// Record is one finding as the report keeps it.
type Record struct {
	Evidence
	EventRecordID uint64 // System/EventRecordID; 0 when absent
	Kind          string // smbaudit.Kind
	Channel       string
	ClientID      string // smbaudit.Client.ID ("" when absent)
	ClientRaw     string
	ClientKind    string
	ShortName     string
	User          string
	SPN           string
	HasSPN        bool
	// SPNQueryStatus, EPAPolicy and Status are rendered as in the client
	// rows ("" when absent); ServerRequiresSigning is "true", "false" or "".
	SPNQueryStatus        string
	EPAPolicy             string
	ServerRequiresSigning string
	// ServiceClassIsValid and PrincipalNameIsValid are the booleans of a
	// 3025, ServerRequiresEncryption that of a 3022: "true", "false" or
	// "" (absent or unknown).
	ServiceClassIsValid      string
	PrincipalNameIsValid     string
	ServerRequiresEncryption string
	Status                   string // 551: the authentication failure status; 5168: its ErrorCode
	ChunkDamaged             bool
	Recovered                bool   // found in chunk slack (smbaudit.Finding.Recovered)
	Reason                   string // why a KindUnparsed finding was not classified
}

// MaxUnparsedSamples bounds Report.UnparsedSamples.
const MaxUnparsedSamples = 1000

// Summary holds the totals and the headline per setting.
type Summary struct {
	Clients             int
	Servers             int
	ServersWithoutAudit int // servers that logged no audit family (Server.Audits empty)
	Inputs              int
	SkippedInputs       int
	Records             int
	DamagedChunks       int
	Errors              int
	Events              map[uint16]int // findings per event ID
	RejectedClients     int            // clients with a 551 or a 5168
	// AuditEvents counts the findings of audit events (3000, 3021, 3022,
	// 3024-3027) over every server.
	AuditEvents int
	// Notice is the first thing every format says when no server logged
	// any audit event (AuditEvents is 0, and no Server.Audits): that the
	// report says nothing about the clients; "" otherwise.
	Notice    string
	Headlines []Headline // one per Setting, in Settings order
}

// Headline is the answer for one setting.
type Headline struct {
	Setting Setting
	Clients int // clients it certainly breaks
	Servers int // servers where that evidence was logged
	// PossibleClients are the clients it possibly breaks (3027 evidence
	// only), PossibleServers the servers that logged it.
	PossibleClients int
	PossibleServers int
	// State says what the report can tell of the setting: breaks,
	// possibly, none seen (over the servers with its audit), or cannot
	// tell (no server logged its audit).
	State State
	// Audit names the audit family the setting's verdict rests on
	// (Audit.Name), AuditSwitch what turns it on.
	Audit       string
	AuditSwitch string
	// ServersWithAudit are the servers that logged that family;
	// ServersWithoutAudit the others, of which the report says nothing
	// for this setting.
	ServersWithAudit    []string
	ServersWithoutAudit []string
	// Text says it in a sentence, naming the servers without the audit
	// and, in a filtered report (or a merge of filtered partials), the
	// filters it was judged under.
	Text string
}

// Evidence locates one event.
type Evidence struct {
	Time     time.Time
	Server   string
	EventID  uint16
	RecordID uint64
	Source   evtx.Source
}

// Client is one row of the report: everything seen of one normalised client.
type Client struct {
	ID        string // smbaudit.Client.ID, or Unknown
	Kind      string // smbaudit.ClientKind
	ShortName string
	// Linked lists the other clients of the report with the same ShortName
	// (a short host name and its FQDNs). They are listed, not merged.
	//
	// Linked, Names, Servers, Users and SPNs are bounded lists: they hold
	// the first Options.MaxListed values in sorted order, and the matching
	// Total counts every distinct value, so that a client that logs many
	// names cannot make the report grow out of bounds. Total less the
	// length of the list is the "and M more" the renderers write.
	Linked      []string
	LinkedTotal int
	Names       []string // raw names, as logged
	NamesTotal  int
	// EventCounts counts its findings per event ID, sorted by ID, each with
	// the servers that logged it (read it with Count, ServersOf, Events).
	// A short slice rather than maps: it is most of what a client costs.
	EventCounts           []EventCount
	FirstSeen, LastSeen   time.Time
	First, Last           Evidence
	Servers               []string
	ServersTotal          int
	Users                 []string
	UsersTotal            int
	SPNs                  []string
	SPNsTotal             int
	SPNQueryStatuses      []string // "0xC00000BB STATUS_NOT_SUPPORTED"
	EPAPolicies           []string // "1 (label)"
	ServerRequiresSigning []string // "true", "false"
	RejectionStatuses     []string // statuses of its 551 events (ErrorCodes of its 5168)
	// SPNsServiceClassInvalid and SPNsPrincipalNameInvalid list the SPNs
	// of its 3025 events whose ServiceClassIsValid, respectively
	// PrincipalNameIsValid, was false.
	SPNsServiceClassInvalid  []string
	SPNsPrincipalNameInvalid []string
	// DamagedChunkEvents counts the events read from chunks that failed a
	// checksum: evidence to verify.
	DamagedChunkEvents int

	Verdicts              []Verdict // one per Setting that breaks the client, in Settings order
	BreaksUnder           []Setting // settings with a certain verdict
	PossiblyBreaksUnder   []Setting // settings with only a possible verdict
	RejectedByEnforcement bool      // a 551 or a 5168 was seen
}

// EventCount is what a client row holds of one event ID: how many
// findings, and the servers that logged them, sorted.
type EventCount struct {
	ID      uint16
	Count   int
	Servers []string
}

// eventCount returns the entry of id in c.EventCounts, or nil.
func (c *Client) eventCount(id uint16) *EventCount {
	for i := range c.EventCounts {
		if c.EventCounts[i].ID == id {
			return &c.EventCounts[i]
		}
	}
	return nil
}

// Count returns the number of findings of event id of the client; 0 when
// it has none.
func (c *Client) Count(id uint16) int {
	if e := c.eventCount(id); e != nil {
		return e.Count
	}
	return 0
}

// ServersOf returns the servers that logged event id for the client, or
// nil. The slice is the client's own: do not modify it.
func (c *Client) ServersOf(id uint16) []string {
	if e := c.eventCount(id); e != nil {
		return e.Servers
	}
	return nil
}

// TotalEvents returns the number of findings of the client, all event IDs
// together.
func (c *Client) TotalEvents() int {
	n := 0
	for _, e := range c.EventCounts {
		n += e.Count
	}
	return n
}

// Events returns the client's counts per event ID as a new map.
func (c *Client) Events() map[uint16]int {
	m := make(map[uint16]int, len(c.EventCounts))
	for _, e := range c.EventCounts {
		m[e.ID] = e.Count
	}
	return m
}

// Verdict says that a setting breaks a client, on which evidence. Its
// slices, like a Client's BreaksUnder and PossiblyBreaksUnder, may be
// shared with other rows: copy them before modifying them.
type Verdict struct {
	Setting Setting
	Certain bool     // false: possibly (3027 only)
	Events  []uint16 // the evidence event IDs
	Servers []string // servers that logged the evidence
	Hints   []string // remediation hints
}

// Server is what the report knows of one server (a record's Computer).
type Server struct {
	Name string
	// First and Last bound every decoded record of this server in the
	// inputs (smbaudit.ServerCoverage), and its findings, but those of
	// damaged chunks (their times may be garbage); zero when unknown.
	First, Last time.Time
	// AuditFirst and AuditLast bound, likewise, its records of the Audit
	// channel (smbaudit.ServerCoverage.AuditFirst) and its findings of that
	// channel: the window over which its audits could see a client, which
	// the "none seen" headlines and CaveatShortWindow judge. Zero when
	// unknown (or none): a server with Audits and no audit window has an
	// unknown one.
	AuditFirst, AuditLast time.Time
	// auditUnknown: read from a summarised report written before the audit
	// windows existed, the server logged an audit over an unknown window;
	// merging keeps it unknown.
	auditUnknown bool
	// Records counts the decoded records of this server
	// (smbaudit.ServerCoverage.Events). Merged shards add up: a record
	// present in the files of two shards counts twice here, though its
	// finding counts once.
	Records     int
	Findings    int            // findings, unparsed ones included
	Events      map[uint16]int // findings per event ID
	AuditEvents int            // findings of the audit events 3000, 3021, 3024-3027
	Clients     []string       // distinct client IDs
	AuditKinds  []uint16       // audit event IDs it produced
	// Audits are the audit families it logged (Audit.Name), in Audits
	// order: those of its findings, and, in a report made by Generate
	// with a client filter, those of the findings of other clients within
	// the time and server filters (the audit was on all the same). The
	// JSON form keeps them, and merging joins them.
	Audits   []string
	Warnings []string
}

// Input describes one input file.
type Input struct {
	Path    string
	Size    int64
	Skipped bool
	// Reason is the error that made the input skipped, as text, and Cause
	// its kind (smbaudit.CauseOf), kept across the JSON form.
	Reason        string
	Cause         smbaudit.Cause
	Chunks        int
	ChunksDecoded int
	ChunksSkipped int
	// Records counts the records decoded, RecordsInChunks the records its
	// chunks hold (smbaudit.FileResult): a WEF log decodes a few of many.
	Records         int
	RecordsInChunks int
	// FirstRecordID is the lowest record ID of its chunks (0: unknown);
	// above 1, the log wrapped or was cleared.
	FirstRecordID uint64
	// SHA256 is the hex SHA-256 of the file's bytes; "" when unknown.
	SHA256        string
	DamagedChunks []int
	// Errors are the chunk and record errors of the file
	// (smbaudit.FileResult.Errors) as text, each naming its place.
	Errors      []string
	First, Last time.Time
}

// Day counts the findings of one UTC day per event ID.
type Day struct {
	Date   string // "2006-01-02"
	Events map[uint16]int
}

// Unparsed is a recognised event that could not be classified.
type Unparsed struct {
	Evidence
	Reason string
}
