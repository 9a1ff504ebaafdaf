package evtx

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf16"
)

// compiledOptions is Options prepared for the workers (read-only once
// built, shared by them).
type compiledOptions struct {
	providers []string // wanted provider names
	// patterns are the wanted names, lower-cased, in UTF-16LE; nil when a
	// name is not ASCII, which turns the chunk pre-filter off.
	patterns [][]byte
	// provIDs[i] and markers[i] narrow providers[i] (Options.Narrow):
	// nil keeps every event ID and decodes every chunk holding the name.
	provIDs      []map[uint16]bool
	markers      [][][]byte
	ids          map[uint16]bool
	since, until time.Time
	// recover is Options.Recover; ranges, set with it, holds the record ID
	// range of each slot's chunk header, to find the live copies of slack
	// records in other chunks.
	recover bool
	ranges  []idRange
}

func compileOptions(o Options) *compiledOptions {
	c := &compiledOptions{since: o.Since, until: o.Until, recover: o.Recover}
	ascii := true
	for _, p := range o.Providers {
		c.providers = append(c.providers, p)
		if !isASCII(p) {
			ascii = false
		}
		c.patterns = append(c.patterns, utf16LEBytes(strings.ToLower(p)))
	}
	if !ascii {
		c.patterns = nil
	}
	c.provIDs = make([]map[uint16]bool, len(c.providers))
	c.markers = make([][][]byte, len(c.providers))
	for i, p := range c.providers {
		for _, n := range o.Narrow {
			if !providerEqual(n.Provider, p) && !providerEqual(p, n.Provider) {
				continue
			}
			if len(n.EventIDs) > 0 {
				if c.provIDs[i] == nil {
					c.provIDs[i] = map[uint16]bool{}
				}
				for _, id := range n.EventIDs {
					c.provIDs[i][id] = true
				}
			}
			for _, m := range n.Markers {
				if m == "" || !isASCII(m) {
					// Not searchable as the names are: no chunk
					// narrowing for this provider.
					c.markers[i] = nil
					break
				}
				c.markers[i] = append(c.markers[i], utf16LEBytes(m))
			}
		}
	}
	if len(o.EventIDs) > 0 {
		c.ids = make(map[uint16]bool, len(o.EventIDs))
		for _, id := range o.EventIDs {
			c.ids[id] = true
		}
	}
	return c
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func utf16LEBytes(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return b
}

// mayHoldProvider is the provider pre-filter. A provider's name is stored
// in UTF-16LE in every record or template that uses it (as template text or
// as a string substitution), so a chunk whose bytes, with every ASCII
// letter lower-cased, do not contain any wanted name lower-cased cannot
// hold an event of that provider. Folding every byte (not only the low
// bytes of UTF-16 units) can only add matches, never lose one. scratch
// must be as long as buf.
//
// Most chunks of a mixed log hold no wanted provider, so this runs over
// nearly every byte of the file. It looks, with the vectorised
// bytes.IndexByte, for the pattern's rarest byte (rarestIndex by
// anchorRarity), in both cases when it is a letter, and compares the whole
// name, folded, only around those places: no copy of the chunk is made.
func (c *compiledOptions) mayHoldProvider(buf, scratch []byte) bool {
	if len(c.providers) == 0 || c.patterns == nil {
		return true
	}
	for i, p := range c.patterns {
		if !holdsFolded(buf, scratch, p) {
			continue
		}
		if len(c.markers[i]) == 0 {
			return true
		}
		// Narrowed (Options.Narrow): the chunk must also hold a marker.
		if c.markersHeld(i, buf) {
			return true
		}
	}
	return false
}

// markersHeld reports whether buf holds one of the markers of provider
// number i, or the provider has none (Options.Narrow). Markers are
// compared exactly, as a template stores its names: bytes.Index searches
// a chunk in one vectorised pass, where a folded search would cost a pass
// per case of its anchor byte on every chunk of a mixed log.
func (c *compiledOptions) markersHeld(i int, buf []byte) bool {
	if len(c.markers[i]) == 0 {
		return true
	}
	for _, m := range c.markers[i] {
		if containsExact(buf, m) {
			return true
		}
	}
	return false
}

// exactRarity ranks bytes for an exact (case-sensitive) search, rarest
// first: capitals inside names are rarer in event text than most
// lower-case letters.
const exactRarity = "QJZXqjzxKVYWUHFGBPLOIRDTMNEkyvgbASCpfwhmcudlrsnitoae-"

// containsExact is bytes.Contains(buf, m), searching first for the rarest
// byte of m by exactRarity (UTF-16 text is full of the zero bytes and
// common letters bytes.Index would stop at).
func containsExact(buf, m []byte) bool {
	a := rarestIndex(m, exactRarity)
	if a < 0 {
		return bytes.Contains(buf, m)
	}
	x := m[a]
	for pos := a; pos < len(buf); {
		i := bytes.IndexByte(buf[pos:], x)
		if i < 0 {
			return false
		}
		i += pos
		pos = i + 1
		j := i - a
		if j+len(m) > len(buf) {
			return false
		}
		if bytes.Equal(buf[j:j+len(m)], m) {
			return true
		}
	}
	return false
}

// holdsFolded reports whether buf, ASCII letters folded, contains the
// lower-cased UTF-16LE pattern p; scratch is as long as buf.
func holdsFolded(buf, scratch, p []byte) bool {
	if a := rarestIndex(p, anchorRarity); a >= 0 {
		return containsFolded(buf, p, a)
	}
	for i, b := range buf {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		scratch[i] = b
	}
	return bytes.Contains(scratch[:len(buf)], p)
}

// anchorRarity ranks bytes from rarest to commonest in the UTF-16 text of
// Windows event logs (letters counted in both cases; '-' is common in
// provider names, GUIDs and empty values). Bytes not listed come last.
const anchorRarity = "qjzxbkygvpfwhmcudlrsnitoae-"

// rarestIndex returns the index in p of its rarest byte by rarity (a
// string of bytes, rarest first), or -1 when p holds none of them.
func rarestIndex(p []byte, rarity string) int {
	best, rank := -1, len(rarity)
	for i, b := range p {
		if r := strings.IndexByte(rarity, b); r >= 0 && r < rank {
			best, rank = i, r
		}
	}
	return best
}

// nextAnchor returns the first index >= from of buf holding byte x or, when
// x is a lower-case letter, its upper-case form; -1 if none. up caches the
// next upper-case position found so far (-2: not searched yet).
func nextAnchor(buf []byte, from int, x byte, up *int) int {
	lo := bytes.IndexByte(buf[from:], x)
	if lo >= 0 {
		lo += from
	}
	if x < 'a' || x > 'z' {
		return lo
	}
	if *up != -1 && *up < from {
		*up = bytes.IndexByte(buf[from:], x-('a'-'A'))
		if *up >= 0 {
			*up += from
		}
	}
	switch {
	case lo < 0:
		return *up
	case *up < 0:
		return lo
	}
	return min(lo, *up)
}

// containsFolded reports whether buf, with every ASCII upper-case letter
// lower-cased, contains the lower-cased pattern p; only the places holding
// p[a] (in either case) are compared.
func containsFolded(buf, p []byte, a int) bool {
	up := -2
	for pos := a; pos < len(buf); {
		i := nextAnchor(buf, pos, p[a], &up)
		if i < 0 {
			return false
		}
		j := i - a // where p would start
		pos = i + 1
		if j+len(p) > len(buf) {
			return false
		}
		if equalFolded(buf[j:j+len(p)], p) {
			return true
		}
	}
	return false
}

// foldedMatches returns the offsets in buf where the folded pattern p
// matches (see containsFolded), at most max+1 of them.
func foldedMatches(buf, p []byte, a, max int) []int {
	var out []int
	up := -2
	for pos := a; pos < len(buf) && len(out) <= max; {
		i := nextAnchor(buf, pos, p[a], &up)
		if i < 0 {
			break
		}
		j := i - a
		pos = i + 1
		if j+len(p) > len(buf) {
			break
		}
		if equalFolded(buf[j:j+len(p)], p) {
			out = append(out, j)
		}
	}
	return out
}

// equalFolded compares b, ASCII letters lower-cased, with p (same length).
func equalFolded(b, p []byte) bool {
	for k, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[k] {
			return false
		}
	}
	return true
}

// valuesMayKeep is the provider and event ID filter applied to a resolved
// record's plan, before any Event is built for it. It reads the values the
// way applyValues sets them, so it refuses exactly what keep would.
func (c *compiledOptions) valuesMayKeep(p *recordValues) bool {
	var id uint16
	if n, ok := toUint(p.value(pathEventID).Text, 16); ok {
		id = uint16(n)
	}
	return c.mayKeep(p.value(pathProvider).Text, id)
}

// mayKeep is valuesMayKeep for a record's provider name and event ID.
func (c *compiledOptions) mayKeep(provider string, id uint16) bool {
	prov := -1
	if len(c.providers) > 0 {
		prov = c.providerIndex(provider)
		if prov < 0 {
			return false
		}
	}
	if c.ids != nil || (prov >= 0 && c.provIDs[prov] != nil) {
		if !c.idWanted(prov, id) {
			return false
		}
	}
	return true
}

// providerIndex returns the index in c.providers of the first wanted
// provider equal to name, or -1.
func (c *compiledOptions) providerIndex(name string) int {
	for i, want := range c.providers {
		if providerEqual(name, want) {
			return i
		}
	}
	return -1
}

// idWanted applies EventIDs and the event IDs Options.Narrow gives
// provider number prov (-1: no provider filter).
func (c *compiledOptions) idWanted(prov int, id uint16) bool {
	if c.ids != nil && !c.ids[id] {
		return false
	}
	return prov < 0 || c.provIDs[prov] == nil || c.provIDs[prov][id]
}

// keep applies the event filters.
func (c *compiledOptions) keep(ev *Event) bool {
	prov := -1
	if len(c.providers) > 0 {
		prov = c.providerIndex(ev.Provider)
		if prov < 0 {
			return false
		}
	}
	if !c.idWanted(prov, ev.EventID) {
		return false
	}
	if !c.since.IsZero() && ev.TimeCreated.Before(c.since) {
		return false
	}
	if !c.until.IsZero() && !ev.TimeCreated.Before(c.until) {
		return false
	}
	return true
}

// providerEqual compares provider names case-insensitively. For an ASCII
// wanted name only ASCII letters fold, exactly as in the chunk pre-filter,
// so that the filter on events never keeps what the pre-filter dropped.
func providerEqual(got, want string) bool {
	if !isASCII(want) {
		return strings.EqualFold(got, want)
	}
	if len(got) != len(want) {
		return false
	}
	for i := 0; i < len(got); i++ {
		a, b := got[i], want[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}
