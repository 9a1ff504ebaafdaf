package report

import (
	"slices"
	"strings"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// The verdicts: which event is evidence that which setting breaks a client
// (rules), the remediation hints, and how a client's verdicts are derived
// from its event counts (Client.decide). The verdicts per setting over the
// whole report, its headlines, are in evidence.go (assess).

// Remediation hints, from the KB5066913 guidance.
const (
	HintSigning      = "update the client, or enable signing on it"
	HintSigning3027  = "3027 is unreliable: check whether the client really signs; if not, update it or enable signing on it"
	HintSPN          = "fix the SPN or the DNS alias, or add the name to SrvAllowedServerNames"
	HintNoSPN        = "move the client off NTLMv1/LM, or update it so it sends an SPN"
	HintEmptySPN     = "update the client, or fix its configuration, so it sends the server's SPN"
	HintSMB1         = "move the client to SMB 2 or 3 (update or replace it)"
	HintAlreadyFails = "already rejected by enforcement (551 or 5168): it fails today"
	HintEncryption   = "update the client to an SMB 3 version that encrypts, or replace it"
	HintGuest        = "it logs on as guest, and guest sessions cannot sign: give it an account, and turn insecure guest logons off on it"
)

// rule says that an event is evidence that a setting breaks a client.
type rule struct {
	setting Setting
	event   uint16
	certain bool
	hint    string
}

// rules is the verdict table of the report.
var rules = []rule{
	{SettingDisableSMB1, smbaudit.EventSMB1Access, true, HintSMB1},
	{SettingRequireSigning, smbaudit.EventSigningUnsupported, true, HintSigning},
	{SettingRequireSigning, smbaudit.EventGuestLogon, true, HintGuest},
	{SettingRequireSigning, smbaudit.EventSMB1SigningDisabled, false, HintSigning3027},
	{SettingSPNHardeningLvl1, smbaudit.EventSPNUnrecognised, true, HintSPN},
	{SettingSPNHardeningLvl2, smbaudit.EventSPNMissing, true, HintNoSPN},
	{SettingSPNHardeningLvl2, smbaudit.EventSPNUnrecognised, true, HintSPN},
	{SettingSPNHardeningLvl2, smbaudit.EventSPNEmpty, true, HintEmptySPN},
	{SettingRequireEncryption, smbaudit.EventEncryptionUnsupported, true, HintEncryption},
}

// ruleHints, ruleEvents and oneSetting (by index in settings) are the
// one-value slices that most verdicts share, each with its capacity at its
// length so that an append copies: the cost of a verdict is most of that
// of a client row. settingRules lists the rules of each setting (by index
// in settings), in rules order.
var (
	ruleHints    = make([][]string, len(rules))
	ruleEvents   = make([][]uint16, len(rules))
	oneSetting   = make([][]Setting, len(settings))
	settingRules = make([][]int, len(settings))
)

// maxRules bounds len(rules): decide marks the rules with evidence in an
// array of that size, checked here rather than by an index out of range.
const maxRules = 16

func init() {
	if len(rules) > maxRules {
		panic("report: more rules than maxRules")
	}
	for i, ru := range rules {
		ruleHints[i], ruleEvents[i] = []string{ru.hint}, []uint16{ru.event}
	}
	for k, st := range settings {
		oneSetting[k] = []Setting{st}
		for i, ru := range rules {
			if ru.setting == st {
				settingRules[k] = append(settingRules[k], i)
			}
		}
	}
}

// HintServiceClass is the hint for a 3025 whose ServiceClassIsValid is
// false: the client asks for spn, whose service class is not cifs.
func HintServiceClass(spn string) string {
	return "it asks for the SPN " + spn + ", whose service class is not cifs: a client defect, to take to its vendor"
}

// HintPrincipalName is the hint for a 3025 whose PrincipalNameIsValid is
// false: the host of spn is none of the server's names.
func HintPrincipalName(spn string) string {
	h := spnHost(spn)
	return h + " (in the SPN " + spn + ") is none of the server's names: an alias, CNAME or load-balancer name; " +
		"have the client use the server's own name, or add " + h + " to SrvAllowedServerNames"
}

// spnHost is the host part of an SPN: "cifs/fs01.corp.example:445/x"
// gives "fs01.corp.example".
func spnHost(spn string) string {
	h := spn
	if i := strings.IndexByte(h, '/'); i >= 0 {
		h = h[i+1:]
	}
	if i := strings.IndexAny(h, ":/"); i >= 0 {
		h = h[:i]
	}
	return h
}

// appendShared appends v to s, a slice that may be shared.
func appendShared[T any](s []T, shared []T, v T) []T {
	if s == nil {
		return shared
	}
	return append(slices.Clip(s), v)
}

// decide derives the verdicts of a client from its event counts, its
// Verdicts made by vs (nil: apart).
func (c *Client) decide(vs *slab[Verdict]) {
	c.Verdicts, c.BreaksUnder, c.PossiblyBreaksUnder = nil, nil, nil
	// One pass over the counts, which Count would make for each rule.
	var has [maxRules]bool // by rule: Count(rule's event) > 0
	n := 0                 // settings with evidence, at most
	rejected := false
	for k := range c.EventCounts {
		e := &c.EventCounts[k]
		if e.Count <= 0 || slices.ContainsFunc(c.EventCounts[:k], func(p EventCount) bool { return p.ID == e.ID }) {
			continue // Count reads the first entry of an ID
		}
		rejected = rejected || e.ID == smbaudit.EventEnforcementRejection || e.ID == smbaudit.EventSPNCheckFailed
		for i := range rules {
			if rules[i].event == e.ID {
				has[i] = true
				n++
			}
		}
	}
	c.RejectedByEnforcement = rejected
	if n == 0 {
		return
	}
	c.Verdicts = vs.make(0, min(n, len(settings)))
	for k, st := range settings {
		certain, any := false, false
		for _, i := range settingRules[k] {
			if has[i] {
				any = true
				certain = certain || rules[i].certain
			}
		}
		if !any {
			continue
		}
		// A certain verdict rests on certain evidence only: a 3027 beside
		// a 3021 adds nothing.
		v := Verdict{Setting: st, Certain: certain}
		for _, i := range settingRules[k] {
			ru := &rules[i]
			if !has[i] || (certain && !ru.certain) {
				continue
			}
			v.Events = appendShared(v.Events, ruleEvents[i], ru.event)
			if v.Servers == nil {
				v.Servers = c.ServersOf(ru.event) // shared while one event is the evidence
			} else {
				v.Servers = append(slices.Clip(v.Servers), c.ServersOf(ru.event)...)
			}
			hs := c.ruleHints(i)
			if v.Hints == nil && len(hs) == 1 {
				v.Hints = hs
				continue
			}
			for _, h := range hs {
				if !slices.Contains(v.Hints, h) {
					v.Hints = append(slices.Clip(v.Hints), h)
				}
			}
		}
		if len(v.Events) > 1 {
			slices.Sort(v.Events)                                               // a copy: appendShared copied
			v.Servers = slices.Compact(slices.Sorted(slices.Values(v.Servers))) // a copy: never sort a shared slice
		}
		if len(v.Servers) == 0 {
			v.Servers = nil
		}
		if certain {
			c.BreaksUnder = appendShared(c.BreaksUnder, oneSetting[k], st)
		} else {
			c.PossiblyBreaksUnder = appendShared(c.PossiblyBreaksUnder, oneSetting[k], st)
		}
		c.Verdicts = append(c.Verdicts, v)
	}
}

// hints returns the hints of a rule for c. For 3025 they come from what
// its events said of the SPN: a wrong service class, or a host that is
// none of the server's names; the rule's own hint when they said neither.
func (c *Client) hints(ru rule) []string {
	if ru.event != smbaudit.EventSPNUnrecognised ||
		len(c.SPNsServiceClassInvalid) == 0 && len(c.SPNsPrincipalNameInvalid) == 0 {
		return []string{ru.hint}
	}
	return c.spnHints()
}

// ruleHints is hints(rules[i]), the rule's own hint a shared slice.
func (c *Client) ruleHints(i int) []string {
	if rules[i].event != smbaudit.EventSPNUnrecognised ||
		len(c.SPNsServiceClassInvalid) == 0 && len(c.SPNsPrincipalNameInvalid) == 0 {
		return ruleHints[i]
	}
	return c.spnHints()
}

func (c *Client) spnHints() []string {
	var hs []string
	for _, spn := range c.SPNsServiceClassInvalid {
		hs = append(hs, HintServiceClass(spn))
	}
	for _, spn := range c.SPNsPrincipalNameInvalid {
		hs = append(hs, HintPrincipalName(spn))
	}
	return hs
}
