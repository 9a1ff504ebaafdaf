package smbaudit

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// ErrBadPattern is returned by CheckPattern for a server or client
// pattern that could match nothing.
var ErrBadPattern = errors.New("smbaudit: bad name or address")

// Filter selects findings by time, server and client. The zero value keeps
// everything.
type Filter struct {
	// Since and Until bound Finding.Time, both inclusive; a zero time leaves
	// that side open.
	Since, Until time.Time
	// Servers keeps the findings of these servers (the records' Computer)
	// only; empty keeps every server. See Clients for how names match.
	Servers []string
	// Clients keeps the findings of these clients only; empty keeps every
	// client. Each entry is normalised as NormalizeClient does (so
	// `\\NAS01`, "nas01" and "NAS01" are one) and compared with the
	// normalised ID. A short host name also matches the FQDNs whose first
	// label it is ("nas01" matches "nas01.corp.example"), an IPv6 address
	// without a zone matches it with any zone ("fe80::1" matches
	// "fe80::1%12"), and an IP prefix such as "10.0.20.0/24" matches the
	// addresses inside it, whatever their zone. A finding without a client
	// never matches a client filter, but for an unparsed one
	// (KindUnparsed): its client could not be read, so it may be one of
	// those, and it is kept to be reported rather than dropped unseen.
	Clients []string
}

// IsZero reports whether f keeps everything.
func (f Filter) IsZero() bool {
	return f.Since.IsZero() && f.Until.IsZero() && len(f.Servers) == 0 && len(f.Clients) == 0
}

// inWindow reports whether t lies inside [Since, Until].
func (f Filter) inWindow(t time.Time) bool {
	return (f.Since.IsZero() || !t.Before(f.Since)) && (f.Until.IsZero() || !t.After(f.Until))
}

// Match reports whether f keeps the finding.
func (f Filter) Match(fd *Finding) bool {
	if !f.inWindow(fd.Time) {
		return false
	}
	if len(f.Servers) > 0 && !matchName(f.Servers, NormalizeClient(fd.Server)) {
		return false
	}
	if len(f.Clients) > 0 && fd.Kind != KindUnparsed && (fd.Client.ID == "" || !matchName(f.Clients, fd.Client)) {
		return false
	}
	return true
}

// MatchServer reports whether a server name passes the server filter.
func (f Filter) MatchServer(name string) bool {
	return len(f.Servers) == 0 || matchName(f.Servers, NormalizeClient(name))
}

func matchName(patterns []string, c Client) bool {
	if c.ID == "" {
		return false
	}
	for _, p := range patterns {
		if pfx, err := netip.ParsePrefix(strings.TrimSpace(p)); err == nil {
			if pfx.Addr().Is4In6() && pfx.Bits() >= 96 {
				// Client IDs hold IPv4-mapped addresses as IPv4.
				pfx = netip.PrefixFrom(pfx.Addr().Unmap(), pfx.Bits()-96)
			}
			if a, err := netip.ParseAddr(c.ID); err == nil && pfx.Contains(a.WithZone("")) {
				return true
			}
			continue
		}
		n := NormalizeClient(p)
		if n.ID == "" {
			continue
		}
		if strings.EqualFold(n.ID, c.ID) {
			return true
		}
		if n.Kind == ClientIPv6 && c.Kind == ClientIPv6 && !strings.Contains(n.ID, "%") {
			// An address without a zone is the host's on any link, as a
			// prefix is: "fe80::1" matches "fe80::1%12".
			if a, err := netip.ParseAddr(c.ID); err == nil && a.WithZone("").String() == n.ID {
				return true
			}
		}
		if n.Kind == ClientHost && c.Kind == ClientFQDN && strings.EqualFold(n.ID, c.ShortName) {
			return true
		}
	}
	return false
}

// CheckPattern checks p, an entry of Filter.Servers or Filter.Clients, as
// Match would read it: an address prefix ("10.0.20.0/24"), an address, a
// host name or an FQDN. It returns an error wrapping ErrBadPattern, naming
// p, for a pattern that no name can match, such as "10.0.20.0/33" or
// "fs*" (there are no wildcards), and for dotted digits that are no
// address ("10.0.20"), which are surely a mistyped prefix.
func CheckPattern(p string) error {
	s := strings.TrimSpace(p)
	if addr, bits, ok := strings.Cut(s, "/"); ok {
		if _, err := netip.ParsePrefix(s); err == nil {
			return nil
		}
		a, err := netip.ParseAddr(addr)
		if err != nil {
			return fmt.Errorf("%w: %q: %q is not an IP address", ErrBadPattern, p, addr)
		}
		if a.Zone() != "" {
			return fmt.Errorf("%w: %q: an address prefix takes no zone", ErrBadPattern, p)
		}
		return fmt.Errorf("%w: %q: prefix length %q is not a number from 0 to %d", ErrBadPattern, p, bits, a.BitLen())
	}
	c := NormalizeClient(s)
	switch {
	case c.Kind == ClientUnknown:
		return fmt.Errorf("%w: %q: not an address, host name or FQDN", ErrBadPattern, p)
	case c.Kind == ClientFQDN && strings.Trim(c.ID, "0123456789.") == "":
		return fmt.Errorf("%w: %q: not an IP address (a prefix is written 10.0.20.0/24)", ErrBadPattern, p)
	}
	return nil
}

// Apply returns the part of res that f keeps; res is not modified.
//
// Findings are filtered with Match. Files are kept whole: they are what was
// read. Server coverage is kept for the servers that pass the server filter;
// a server whose window lies wholly outside [Since, Until] is dropped. First
// and Last stay the times of records, never the bounds: where a bound cuts
// a server's window, the end cut becomes the time of the server's earliest
// (latest) finding within the bounds, but those of damaged chunks (see
// ServerCoverage), or the zero time (unknown) when the result kept no such
// finding (a streamed result keeps none: ScanOptions.OnFinding).
// AuditFirst and AuditLast are cut the same way, from the findings within
// the bounds in AuditChannel (InAuditChannel), and are zero when they lie
// wholly outside the bounds. AuditEvents is recounted from the findings
// kept; a streamed result has none to recount, so there it is left as the
// scan counted it, over every client and time. Events still counts every
// decoded event of the server in the inputs, because a Result does not
// keep the time of events that are not findings.
func (f Filter) Apply(res *Result) *Result {
	if res == nil {
		return nil
	}
	out := &Result{Files: slices.Clone(res.Files)}
	audit := map[string]int{}
	// By lower-cased server: the times of its findings within the bounds,
	// but those of damaged chunks (see ServerCoverage), of every channel
	// and of AuditChannel.
	within, auditWithin := map[string]*span{}, map[string]*span{}
	for i := range res.Findings {
		fd := &res.Findings[i]
		if !fd.ChunkDamaged && (f.Since.IsZero() || !fd.Time.Before(f.Since)) && (f.Until.IsZero() || !fd.Time.After(f.Until)) {
			lc := strings.ToLower(fd.Server)
			widen(within, lc, fd.Time)
			if InAuditChannel(fd.EventID, fd.Channel) {
				widen(auditWithin, lc, fd.Time)
			}
		}
		if !f.Match(fd) {
			continue
		}
		out.Findings = append(out.Findings, *fd)
		if isAudit(fd.Kind) {
			audit[strings.ToLower(fd.Server)]++
		}
	}
	for _, s := range res.Servers {
		if !f.MatchServer(s.Server) {
			continue
		}
		// Dropped only when its window is known to lie outside: a server
		// whose records all come from damaged chunks has none.
		if f.outside(s.First, s.Last) {
			continue
		}
		lc := strings.ToLower(s.Server)
		s.First, s.Last = f.cut(s.First, s.Last, within[lc])
		switch {
		case s.AuditFirst.IsZero() && s.AuditLast.IsZero(): // none (or unknown): the findings cannot tell
		case f.outside(s.AuditFirst, s.AuditLast):
			s.AuditFirst, s.AuditLast = time.Time{}, time.Time{} // no audit record within the bounds
		default:
			s.AuditFirst, s.AuditLast = f.cut(s.AuditFirst, s.AuditLast, auditWithin[lc])
		}
		if res.Findings != nil {
			s.AuditEvents = audit[strings.ToLower(s.Server)]
		}
		out.Servers = append(out.Servers, s)
	}
	return out
}

// span is the times of the findings of one server within a filter's bounds.
type span struct{ first, last time.Time }

// widen widens m[lc] to t.
func widen(m map[string]*span, lc string, t time.Time) {
	sp := m[lc]
	if sp == nil {
		sp = &span{}
		m[lc] = sp
	}
	widenWindow(&sp.first, &sp.last, t)
}

// widenWindow widens the window *first..*last to t; zero ends are none yet.
func widenWindow(first, last *time.Time, t time.Time) {
	if first.IsZero() || t.Before(*first) {
		*first = t
	}
	if last.IsZero() || t.After(*last) {
		*last = t
	}
}

// outside reports whether the window first..last lies wholly outside f's
// time bounds; a zero end is unknown, and never outside.
func (f Filter) outside(first, last time.Time) bool {
	return (!f.Since.IsZero() && !last.IsZero() && last.Before(f.Since)) ||
		(!f.Until.IsZero() && !first.IsZero() && first.After(f.Until))
}

// cut returns the window first..last as f's time bounds leave it: an end
// beyond a bound becomes that of sp, the findings within the bounds, or
// zero (unknown) when sp is nil.
func (f Filter) cut(first, last time.Time, sp *span) (time.Time, time.Time) {
	if !f.Since.IsZero() && first.Before(f.Since) {
		first = time.Time{}
		if sp != nil {
			first = sp.first
		}
	}
	if !f.Until.IsZero() && last.After(f.Until) {
		last = time.Time{}
		if sp != nil {
			last = sp.last
		}
	}
	return first, last
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
