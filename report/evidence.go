package report

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// State says what a report can tell of one setting: the evidence comes
// before the verdict, and an absence of audit events is never an all-clear.
type State string

// The states of a setting, from Headline.State.
const (
	// StateBreaks: some client certainly breaks under the setting.
	StateBreaks State = "breaks"
	// StatePossibly: no client certainly breaks, some possibly do (3027
	// evidence only).
	StatePossibly State = "possibly"
	// StateNoneSeen: no client was seen to break, and the setting's audit
	// was logged by some server (Headline.ServersWithAudit) over the
	// window of its Audit channel's records (Server.AuditFirst).
	StateNoneSeen State = "none-seen"
	// StateCannotTell: no client was seen to break, but no server logged
	// the setting's audit: it is probably off, and the report cannot say
	// whether any client breaks. Turn the audit on (Audit.Switch).
	StateCannotTell State = "cannot-tell"
)

// Audit is a family of audit events that one switch of an SMB server turns
// on: the evidence a setting's verdict needs.
type Audit struct {
	Name   string   // "signing", "spn", "smb1", "encryption"
	Events []uint16 // the events of the family
	// Switch names what turns the audit on: a value under
	// HKLM\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters.
	Switch string
}

// The audit families. AuditFor hands them out.
var (
	auditSigning = Audit{Name: "signing", Events: []uint16{smbaudit.EventSigningUnsupported, smbaudit.EventSMB1SigningDisabled},
		Switch: "AuditClientDoesNotSupportSigning"}
	auditSPN = Audit{Name: "spn", Events: []uint16{smbaudit.EventSPNMissing, smbaudit.EventSPNUnrecognised, smbaudit.EventSPNEmpty},
		Switch: "AuditClientSpnSupport"}
	auditSMB1 = Audit{Name: "smb1", Events: []uint16{smbaudit.EventSMB1Access}, Switch: "AuditSmb1Access"}
	// auditEncryption: which switch of which builds logs 3022 is not
	// documented in the sources this project relies on; the event is
	// logged in the Microsoft-Windows-SMBServer/Audit channel.
	auditEncryption = Audit{Name: "encryption", Events: []uint16{smbaudit.EventEncryptionUnsupported},
		Switch: "the encryption audit (event 3022, in the SMBServer/Audit channel)"}
)

// audits lists the audit families in report order.
var audits = []Audit{auditSMB1, auditEncryption, auditSigning, auditSPN}

// AuditFor returns the audit family whose events a setting's verdict rests
// on; its Events are the caller's own.
func AuditFor(st Setting) Audit {
	a := auditOf(st)
	a.Events = slices.Clone(a.Events)
	return a
}

func auditOf(st Setting) Audit {
	switch st {
	case SettingDisableSMB1:
		return auditSMB1
	case SettingRequireEncryption:
		return auditEncryption
	case SettingRequireSigning:
		return auditSigning
	default:
		return auditSPN
	}
}

// label is "the signing audit (3021/3027)".
func (a Audit) label() string { return "the " + a.bare() }

// bare is "signing audit (3021/3027)".
func (a Audit) bare() string {
	ids := make([]string, len(a.Events))
	for i, id := range a.Events {
		ids[i] = fmt.Sprint(id)
	}
	name := a.Name
	if name == "spn" || name == "smb1" {
		name = strings.ToUpper(name)
	}
	return name + " audit (" + strings.Join(ids, "/") + ")"
}

func (a Audit) seenOn(s *Server) bool { return slices.Contains(s.Audits, a.Name) }

// auditsOf lists, in Audits order, the families of the events counted and
// of those named in extra (seen but not counted: see Server.Audits).
func auditsOf(events map[uint16]int, extra set) []string {
	var out []string
	for _, a := range audits {
		_, seen := extra[a.Name]
		for _, id := range a.Events {
			seen = seen || events[id] > 0
		}
		if seen {
			out = append(out, a.Name)
		}
	}
	return out
}

// auditOfEvent returns the audit family of an event, if any.
func auditOfEvent(id uint16) (Audit, bool) {
	for _, a := range audits {
		if slices.Contains(a.Events, id) {
			return a, true
		}
	}
	return Audit{}, false
}

// DefaultShortWindow is the shortest time span of a server's Audit channel
// records that Options.ShortWindow takes as long enough when it is 0.
const DefaultShortWindow = 7 * 24 * time.Hour

// CaveatKind says what weakens a report's absence of evidence.
type CaveatKind string

// The kinds of Caveat.
const (
	// CaveatShortWindow: the Audit channel's records of a server that logged
	// an audit (Server.AuditFirst to AuditLast) span less than the report's
	// ShortWindow, or over times unknown: a client that connects less often
	// may not be seen.
	CaveatShortWindow CaveatKind = "short-window"
	// CaveatWrapped: an input's lowest record ID is above 1: a circular
	// log overwrote its older records, or it was cleared.
	CaveatWrapped CaveatKind = "wrapped"
	// CaveatSkipped: an input could not be read at all.
	CaveatSkipped CaveatKind = "skipped"
	// CaveatDamaged: an input had errors or damaged chunks: records may
	// have been lost (each error names its place).
	CaveatDamaged CaveatKind = "damaged"
)

// Caveat is one thing that makes an absence of evidence weak.
type Caveat struct {
	Kind   CaveatKind
	Server string // CaveatShortWindow
	Input  string // the other kinds: the input's path
	Text   string
}

// Meta is what a report says of how it was made; Options carry it.
type Meta struct {
	// Version of the tool that made the report (see BuildVersion).
	Version string
	// CommandLine that made the report, quoted (see QuoteCommand).
	CommandLine string
	// Filter applied to the findings.
	Filter smbaudit.Filter
	// ShortWindow: a server whose Audit channel's records span less is
	// flagged (CaveatShortWindow). Options.ShortWindow 0 gives
	// DefaultShortWindow; a negative one turns the flag off (Report keeps
	// it negative).
	ShortWindow time.Duration
}

func (m Meta) effective() Meta {
	if m.ShortWindow == 0 {
		m.ShortWindow = DefaultShortWindow
	}
	return m
}

// FilterText describes a filter as the renderers show it: one item per
// bound or list, none for the zero Filter.
func FilterText(f smbaudit.Filter) []string {
	var out []string
	if !f.Since.IsZero() {
		out = append(out, "since "+formatBound(f.Since))
	}
	if !f.Until.IsZero() {
		out = append(out, "until "+formatBound(f.Until))
	}
	if len(f.Servers) > 0 {
		out = append(out, "server "+strings.Join(clipAll(f.Servers), ", "))
	}
	if len(f.Clients) > 0 {
		out = append(out, "client "+strings.Join(clipAll(f.Clients), ", "))
	}
	return out
}

// filtersString is FilterText as one phrase: "none" for no filter.
func filtersString(f smbaudit.Filter) string {
	if t := FilterText(f); len(t) > 0 {
		return strings.Join(t, "; ")
	}
	return "none"
}

// maxNameInText bounds a log's string (a server name, a path, a reason)
// inside a derived sentence, so that a sentence stays within the limits
// ReadJSON applies (MaxStringBytes) however long the string; the members
// that hold the string itself keep it whole.
const maxNameInText = 256

func clipText(s string) string {
	if len(s) <= maxNameInText {
		return s
	}
	cut := maxNameInText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func clipAll(v []string) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = clipText(s)
	}
	return out
}

// duration renders a span as "2d 3h" or "5h 10m", for caveats.
func duration(d time.Duration) string {
	days, rest := d/(24*time.Hour), d%(24*time.Hour)
	switch {
	case days > 0 && rest/time.Hour == 0:
		return fmt.Sprintf("%dd", days)
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, rest/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh %dm", d/time.Hour, (d%time.Hour)/time.Minute)
	default:
		return fmt.Sprintf("%dm %ds", d/time.Minute, (d%time.Minute)/time.Second)
	}
}

// assess fills what r says of its evidence: the state of each headline,
// the servers with and without each audit, the notice when there is no
// audit event at all, and the caveats. r.Summary.Headlines, r.Servers and
// r.Inputs must be filled.
func assess(r *Report) {
	s := &r.Summary
	anyAudit := false // a server logged some audit (with a client filter, maybe not for that client)
	for i := range r.Servers {
		s.AuditEvents += r.Servers[i].AuditEvents
		anyAudit = anyAudit || len(r.Servers[i].Audits) > 0
	}
	// The filters the findings went through, this report's and those of
	// the partials merged: a headline is judged on what they kept.
	var filtered []string
	if ft := FilterText(r.Filter); len(ft) > 0 {
		filtered = append(filtered, strings.Join(ft, "; "))
	}
	for _, f := range r.PartialFilters {
		if !slices.Contains(filtered, f) {
			filtered = append(filtered, f)
		}
	}
	for i := range s.Headlines {
		h := &s.Headlines[i]
		a := auditOf(h.Setting)
		h.Audit, h.AuditSwitch = a.Name, a.Switch
		h.ServersWithAudit, h.ServersWithoutAudit = nil, nil
		// The window is that of the Audit channel, where the audits are
		// logged: the other channels of a server may span much longer.
		var first, last time.Time
		unknown := false // a server with the audit has no known audit window
		for j := range r.Servers {
			sv := &r.Servers[j]
			if a.seenOn(sv) {
				h.ServersWithAudit = append(h.ServersWithAudit, sv.Name)
				first, last = minTime(first, sv.AuditFirst), maxTime(last, sv.AuditLast)
				unknown = unknown || sv.AuditFirst.IsZero() || sv.AuditLast.IsZero()
			} else {
				h.ServersWithoutAudit = append(h.ServersWithoutAudit, sv.Name)
			}
		}
		switch {
		case h.Clients > 0:
			h.State = StateBreaks
		case h.PossibleClients > 0:
			h.State = StatePossibly
			h.Text = fmt.Sprintf("no client certainly breaks if you enforce %s; %s possibly, on %s (3027 evidence only: check them)",
				h.Setting, plural(h.PossibleClients, "client", "clients"), plural(h.PossibleServers, "server", "servers"))
		case len(h.ServersWithAudit) > 0:
			h.State = StateNoneSeen
			h.Text = fmt.Sprintf("no client was seen to break if you enforce %s: %s was logged by %s of %d (%s), %s to %s",
				h.Setting, a.label(), plural(len(h.ServersWithAudit), "server", "servers"), len(r.Servers),
				strings.Join(clipAll(h.ServersWithAudit), ", "), orDash(formatTime(first)), orDash(formatTime(last)))
			if unknown {
				h.Text += " (the times of some of them are unknown)"
			}
		default:
			h.State = StateCannotTell
			h.Text = fmt.Sprintf("cannot tell what breaks if you enforce %s: no server logged %s; turn on %s",
				h.Setting, a.label(), a.Switch)
		}
		if h.State != StateCannotTell && len(h.ServersWithoutAudit) > 0 {
			its := "their"
			if len(h.ServersWithoutAudit) == 1 {
				its = "its"
			}
			h.Text += fmt.Sprintf("; %s logged no %s event: nothing is known of %s clients", plural(len(h.ServersWithoutAudit), "server", "servers"),
				a.bare(), its)
		}
		if len(filtered) > 0 {
			h.Text += fmt.Sprintf("; judged only on what the filters kept (%s): nothing is known of what they left out",
				strings.Join(clipAll(filtered), " | "))
		}
	}
	s.Notice = ""
	if s.AuditEvents == 0 && !anyAudit {
		read := s.Inputs - s.SkippedInputs
		where := fmt.Sprintf("in %s", plural(read, "file read", "files read"))
		if s.SkippedInputs > 0 {
			where += fmt.Sprintf(" (%d skipped)", s.SkippedInputs)
		}
		if ft := FilterText(r.Filter); len(ft) > 0 {
			where += " after the filters (" + strings.Join(ft, "; ") + ")"
		}
		var switches []string
		for _, a := range audits {
			switches = append(switches, a.Switch)
		}
		s.Notice = fmt.Sprintf("No SMB audit events were found %s: this report says nothing about your clients. "+
			"Turn on the audits of every SMB server (%s), let them run through a full business cycle, "+
			"and export the Microsoft-Windows-SMBServer/Audit log again.", where, strings.Join(switches, ", "))
	}

	r.Caveats = nil
	if r.ShortWindow > 0 {
		for _, sv := range r.Servers {
			// A server that logged no audit is warned of already; one that
			// did, for other clients than a client filter keeps (Audits, no
			// AuditEvents), still vouches for a "none seen" over its window.
			if len(sv.Audits) == 0 {
				continue
			}
			if sv.AuditFirst.IsZero() || sv.AuditLast.IsZero() {
				r.Caveats = append(r.Caveats, Caveat{Kind: CaveatShortWindow, Server: sv.Name,
					Text: fmt.Sprintf("%s: the times of its Audit channel's records are unknown (all from damaged chunks, cut by the filters, or merged from a report that lacks them): a client that connects rarely may not be seen",
						clipText(sv.Name))})
				continue
			}
			if span := sv.AuditLast.Sub(sv.AuditFirst); span < r.ShortWindow {
				r.Caveats = append(r.Caveats, Caveat{Kind: CaveatShortWindow, Server: sv.Name,
					Text: fmt.Sprintf("%s: its Audit channel's records span %s, less than %s: a client that connects less often may not be seen",
						clipText(sv.Name), duration(span), duration(r.ShortWindow))})
			}
		}
	}
	for _, in := range r.Inputs {
		switch {
		case in.Skipped:
			r.Caveats = append(r.Caveats, Caveat{Kind: CaveatSkipped, Input: in.Path,
				Text: fmt.Sprintf("%s: skipped (%s): none of its events is in this report", clipText(in.Path), clipText(in.Reason))})
			continue
		case len(in.Errors) > 0 || len(in.DamagedChunks) > 0:
			r.Caveats = append(r.Caveats, Caveat{Kind: CaveatDamaged, Input: in.Path,
				Text: fmt.Sprintf("%s: %s and %s: records may be lost (see its errors)", clipText(in.Path),
					plural(len(in.Errors), "error", "errors"), plural(len(in.DamagedChunks), "damaged chunk", "damaged chunks"))})
		}
		if in.FirstRecordID > 1 {
			r.Caveats = append(r.Caveats, Caveat{Kind: CaveatWrapped, Input: in.Path,
				Text: fmt.Sprintf("%s: the log starts at record %d: the records before it were overwritten (the log wrapped) or cleared",
					clipText(in.Path), in.FirstRecordID)})
		}
	}
}

// Gaps returns why the report cannot vouch that no client breaks under the
// settings: each setting in StateCannotTell (no server logged its audit),
// each input skipped, each input that lost records (errors or damaged
// chunks), and each setting in StatePossibly (3027 alone, which is
// unreliable, names clients: it never decides a break, nor an all-clear).
// It returns nil when the report can vouch; a client that breaks is not a
// gap (see Breaking).
func (r *Report) Gaps(settings ...Setting) []string {
	if r == nil {
		return nil
	}
	var out []string
	for _, h := range r.Summary.Headlines {
		if h.State == StateCannotTell && slices.Contains(settings, h.Setting) {
			a := auditOf(h.Setting)
			out = append(out, fmt.Sprintf("%s: no server logged %s (turn on %s)", h.Setting, a.label(), a.Switch))
		}
	}
	if len(settings) == 0 {
		return nil
	}
	for _, c := range r.Caveats {
		if c.Kind == CaveatSkipped || c.Kind == CaveatDamaged {
			out = append(out, c.Text)
		}
	}
	for _, h := range r.Summary.Headlines {
		if h.State == StatePossibly && slices.Contains(settings, h.Setting) {
			them := "them"
			if h.PossibleClients == 1 {
				them = "it"
			}
			out = append(out, fmt.Sprintf("%s: %s (3027 evidence only, which is unreliable): check %s", h.Setting,
				plural(h.PossibleClients, "client possibly breaks", "clients possibly break"), them))
		}
	}
	return out
}

// about lists what a report says of how it was made, as label and value,
// for every renderer but JSON (which has members of its own).
func (r *Report) about() [][2]string {
	window := "off"
	if r.ShortWindow > 0 {
		window = duration(r.ShortWindow)
	}
	about := [][2]string{
		{"tool version", orText(r.Version, "not given")},
		{"command line", orText(r.CommandLine, "not given")},
		{"filters", filtersString(r.Filter)},
	}
	if len(r.PartialFilters) > 0 {
		about = append(about, [2]string{"filters of the partials merged", strings.Join(r.PartialFilters, " | ")})
	}
	return append(about, [2]string{"short window", window})
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// withoutAudit names the servers of a headline that did not log its audit,
// at most maxNamed of them: "" when every server did.
func withoutAudit(h Headline) string {
	const maxNamed = 10
	if h.State == StateCannotTell || len(h.ServersWithoutAudit) == 0 {
		return ""
	}
	names := clipAll(h.ServersWithoutAudit[:min(len(h.ServersWithoutAudit), maxNamed)])
	s := "without its audit: " + strings.Join(names, ", ")
	if n := len(h.ServersWithoutAudit) - maxNamed; n > 0 {
		s += fmt.Sprintf(" and %d more", n)
	}
	return s
}

// stateMark is the word renderers put before a headline.
func stateMark(st State) string {
	switch st {
	case StateBreaks:
		return "BREAKS"
	case StatePossibly:
		return "POSSIBLY"
	case StateNoneSeen:
		return "none seen"
	default:
		return "CANNOT TELL"
	}
}

// inputFacts is what every renderer says of a read input: records in its
// chunks and decoded, size, first record ID.
func inputFacts(in Input) string {
	s := fmt.Sprintf("%d bytes, %s in its chunks, %d decoded", in.Size, plural(in.RecordsInChunks, "record", "records"), in.Records)
	if in.FirstRecordID > 0 {
		s += fmt.Sprintf(", first record ID %d", in.FirstRecordID)
	}
	return s
}
