package smbaudit

import (
	"net/netip"
	"strings"
	"unicode"
)

// NormalizeClient turns a client name as the SMB server logged it into a
// Client. It cuts the name at a NUL, strips leading backslashes and
// surrounding blanks, accepts IPv4, IPv6 with or without brackets and with
// or without a zone (an IPv4-mapped IPv6 address is reported as IPv4), and
// lower-cases host names as Windows compares them (names that upper-case
// alike are one). A dotted name is kept whole as an FQDN; ShortName, its
// first label, links it to the short host name. Raw always holds the input
// unchanged. An empty or unrecognisable name gives Kind ClientUnknown.
func NormalizeClient(raw string) Client {
	c := Client{Raw: raw, Kind: ClientUnknown}
	s := raw
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i] // a Windows string ends at its NUL
	}
	s = strings.TrimSpace(s)
	s = strings.TrimLeft(s, `\`)
	s = strings.TrimSpace(s)
	if s == "" {
		return c
	}
	addr, ok := parseAddr(s)
	if !ok && strings.HasSuffix(s, ".") {
		// "10.0.0.5." is an address written as a rooted name, as the
		// host name "ws01." is: the same client as "10.0.0.5".
		addr, ok = parseAddr(strings.TrimSuffix(s, "."))
	}
	if ok {
		if addr.Is4In6() {
			addr = addr.Unmap()
		}
		c.ID = addr.String()
		if addr.Is4() {
			c.Kind = ClientIPv4
		} else {
			c.Kind = ClientIPv6
		}
		return c
	}
	host := foldName(strings.TrimSuffix(s, "."))
	if !validHost(host) {
		c.ID = foldName(s)
		return c
	}
	c.ID = host
	if i := strings.IndexByte(host, '.'); i >= 0 {
		c.Kind = ClientFQDN
		c.ShortName = host[:i]
	} else {
		c.Kind = ClientHost
		c.ShortName = host
	}
	return c
}

// foldName lower-cases a name as Windows compares names, by upper-casing
// them: so "ς" and "σ", which upper-case alike, fold alike too.
func foldName(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.ToLower(strings.ToUpper(s))
		}
	}
	return strings.ToLower(s)
}

// parseAddr accepts "10.0.0.5", "fe80::1%eth0", "[fe80::1]", "[fe80::1%3]",
// and the same with a port after the address ("10.0.0.5:445",
// "[fe80::1]:445").
func parseAddr(s string) (netip.Addr, bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		rest := s[end+1:]
		if rest != "" && !isPort(strings.TrimPrefix(rest, ":")) {
			return netip.Addr{}, false
		}
		s = s[1:end]
	}
	if a, err := netip.ParseAddr(s); err == nil && zoneOK(a.Zone()) {
		return a, true
	}
	// IPv4 with a port: exactly one colon.
	if i := strings.IndexByte(s, ':'); i > 0 && strings.Count(s, ":") == 1 && isPort(s[i+1:]) {
		if a, err := netip.ParseAddr(s[:i]); err == nil && a.Is4() {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// zoneOK accepts an IPv6 zone (interface name or index) made of visible
// characters: netip takes any text after "%", and a zone with a blank or an
// invisible character in it is no interface name.
func zoneOK(z string) bool {
	for _, r := range z {
		if unicode.IsSpace(r) || !unicode.IsGraphic(r) {
			return false
		}
	}
	return true
}

func isPort(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// validHost accepts DNS and NetBIOS-style names: letters, digits and
// "-_.$", printable non-ASCII letters, no empty label.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" {
			return false
		}
	}
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r == '-' || r == '_' || r == '.' || r == '$':
		case r > 0x7f && unicode.IsGraphic(r) && !unicode.IsSpace(r):
			// Internationalised names are kept as logged; a Unicode space or
			// an invisible character is no part of a host name (it would
			// also be trimmed when the ID itself is normalised again).
		default:
			return false
		}
	}
	return true
}
