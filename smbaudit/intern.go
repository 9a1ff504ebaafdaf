package smbaudit

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/evtxkit/smbreadiness/evtx"
)

// maxInterned bounds each table of an interner, so that a crafted log with
// millions of distinct values costs no more than keeping them unshared.
const maxInterned = 1 << 16

// interner shares, within one file of a scan, the values that repeat from
// finding to finding: strings (server, channel, file, client, user, SPN,
// field names and values, status names and policy labels), and the
// fieldMaps and unmapped fields of Mapping (events of one template map the
// same way). Every table is bounded by maxInterned; past that a value is
// kept as a private copy. Interned strings are copies, so that no finding
// keeps a decoder's buffer alive. An interner is used by one goroutine.
type interner struct {
	strs     map[string]string
	lower    map[string]string // as logged -> lower-cased, interned
	mappings map[string]*fieldMap
	unmapped map[string][]evtx.Field
	clients  [2]map[string]Client // clientFrom by value, [1] for binary fields
	buf      []byte
	// limit bounds each table (maxInterned). The zero interner, with
	// limit 0, remembers nothing: every map and slice it gives is new, and
	// strings are the caller's own.
	limit int
}

func newInterner() *interner {
	return &interner{
		strs:     map[string]string{},
		lower:    map[string]string{},
		mappings: map[string]*fieldMap{},
		unmapped: map[string][]evtx.Field{},
		clients:  [2]map[string]Client{{}, {}},
		limit:    maxInterned,
	}
}

// client returns clientFrom(fl) with shared strings, normalising each
// value once.
func (in *interner) client(fl evtx.Field) Client {
	t := 0
	if fl.Type == evtx.TypeBinary {
		t = 1
	}
	if c, ok := in.clients[t][fl.Value]; ok {
		return c
	}
	c := clientFrom(fl)
	c.ID, c.Raw, c.ShortName = in.str(c.ID), in.str(c.Raw), in.str(c.ShortName)
	if len(in.clients[t]) < in.limit {
		in.clients[t][c.Raw] = c
	}
	return c
}

// str returns the shared copy of s.
func (in *interner) str(s string) string {
	if s == "" {
		return ""
	}
	if in.limit == 0 {
		return s // the zero interner keeps the caller's strings
	}
	if v, ok := in.strs[s]; ok {
		return v
	}
	c := strings.Clone(s)
	if len(in.strs) < in.limit {
		in.strs[c] = c
	}
	return c
}

// lowerOf returns strings.ToLower(s), shared, without allocating for a
// value already seen.
func (in *interner) lowerOf(s string) string {
	if v, ok := in.lower[s]; ok {
		return v
	}
	l := in.str(strings.ToLower(s))
	if len(in.lower) < in.limit {
		in.lower[in.str(s)] = l
	}
	return l
}

// appendEscaped appends p to b with each 0 byte escaped as 0 1 (a part of
// a key, without its separator).
func appendEscaped[T string | []byte](b []byte, p T) []byte {
	for i := 0; i < len(p); i++ {
		b = append(b, p[i])
		if p[i] == 0 {
			b = append(b, 1)
		}
	}
	return b
}

// strings replaces the strings of f by shared ones.
func (in *interner) strings(f *Finding) {
	f.Channel = in.str(f.Channel)
	f.Server = in.str(f.Server)
	f.Client.ID = in.str(f.Client.ID)
	f.Client.Raw = in.str(f.Client.Raw)
	f.Client.ShortName = in.str(f.Client.ShortName)
	f.User = in.str(f.User)
	f.SPN = in.str(f.SPN)
	f.Source.File = in.str(f.Source.File)
	f.Reason = in.str(f.Reason)
}

// epaPolicy returns NewEPAPolicy(v) with a shared label, formatting an
// undocumented value once, not for every finding.
func (in *interner) epaPolicy(v uint32) EPAPolicy {
	if _, ok := epaLabels[v]; ok || in.limit == 0 {
		return NewEPAPolicy(v)
	}
	in.buf = strconv.AppendUint(in.buf[:0], uint64(v), 10)
	if l, ok := in.strs[string(in.buf)]; ok {
		return EPAPolicy{Value: v, Label: l}
	}
	return EPAPolicy{Value: v, Label: in.str(string(in.buf))}
}

// fields returns a shared slice equal to fs (nil stays nil). fs itself is
// never kept.
func (in *interner) fields(fs []evtx.Field) []evtx.Field {
	if fs == nil {
		return nil
	}
	var b []byte
	if in.limit > 0 {
		b = in.buf[:0]
		for _, fl := range fs {
			b = append(appendEscaped(b, fl.Name), 0, 0)
			b = append(appendEscaped(b, fl.Value), 0, 0)
			var r [utf8.UTFMax]byte
			b = append(appendEscaped(b, r[:utf8.EncodeRune(r[:], rune(fl.Type))]), 0, 0)
		}
		in.buf = b
		if s, ok := in.unmapped[string(b)]; ok {
			return s
		}
	}
	s := make([]evtx.Field, len(fs))
	for i, fl := range fs {
		s[i] = evtx.Field{Name: in.str(fl.Name), Value: in.str(fl.Value), Type: fl.Type}
	}
	if len(in.unmapped) < in.limit {
		in.unmapped[string(b)] = s
	}
	return s
}

// mapper returns the shared fieldMap of m's recorded mapping: one for every
// mapping of the same keys, methods and fields; nil when nothing is mapped.
func (in *interner) mapper(m *mapper) *fieldMap {
	if m.nrec == 0 {
		return nil
	}
	var b []byte
	if in.limit > 0 {
		b = in.buf[:0]
		for _, k := range keysByName {
			if !m.rec[k] {
				continue
			}
			b = append(appendEscaped(b, keyNames[k]), 0, 0)
			b = append(appendEscaped(b, string(m.method[k])), 0, 0)
			i := m.got[k] - 1
			if n := m.data[i].Name; n != "" {
				b = appendEscaped(b, n)
			} else {
				b = strconv.AppendInt(append(b, '#'), int64(i), 10)
			}
			b = append(b, 0, 0)
		}
		in.buf = b
		if p, ok := in.mappings[string(b)]; ok {
			return p
		}
	}
	p := &fieldMap{n: m.nrec}
	for k := range numKeys {
		if m.rec[k] {
			p.by[k] = m.method[k]
			p.from[k] = in.str(m.from(k))
		}
	}
	if len(in.mappings) < in.limit {
		in.mappings[string(b)] = p
	}
	return p
}
