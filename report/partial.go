package report

import (
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// Limits of ReadJSON on a partial report (see docs/limits.md). Real
// partials stay far below them; a document past one is refused with
// ErrLimit before it is decoded whole.
const (
	// MaxPartialBytes bounds the size of one document.
	MaxPartialBytes = 1 << 30
	// MaxStringBytes bounds one string, or object key, decoded (a Windows
	// path of 32767 UTF-16 units takes at most 96 KiB of UTF-8). While
	// reading, a string is refused as soon as it is written on more than
	// six times as many bytes (the longest escape, \u001b, takes 6).
	MaxStringBytes = 128 << 10
	// MaxListLen bounds the elements of one array and the members of one
	// object (findings included).
	MaxListLen = 1 << 20
	// MaxDepth bounds the nesting of arrays and objects; the schema needs 5.
	MaxDepth = 16
	// MaxCount bounds every count of a partial: records, events, chunks,
	// findings.
	MaxCount int64 = 1 << 40
	// MaxPartialTotal bounds the sum of all the counts of one partial, so
	// that at least MaxInt64/MaxPartialTotal (32767) partials merge
	// without a sum overflowing (see ErrOverflow), where int has 64 bits.
	MaxPartialTotal int64 = 1 << 48
)

// maxRawString bounds a string as written: MaxStringBytes, each byte
// escaped as \u00XX.
const maxRawString = 6 * MaxStringBytes

// maxNumberBytes bounds a number or literal as written; the longest a
// report writes is 20 digits.
const maxNumberBytes = 64

var (
	// ErrLimit: a partial report is past one of the limits of ReadJSON.
	ErrLimit = errors.New("report: partial report past a limit")
	// ErrOverflow: the counts of the reports merged would sum past what an
	// int holds; the report that would take them past is refused.
	ErrOverflow = errors.New("report: counts overflow")
	// ErrDuplicate: a report with the same Digest as one already added;
	// it is not added again.
	ErrDuplicate = errors.New("report: partial report already added")
	// ErrOverlap: a report lists an input file, by its SHA-256, that a
	// report already added lists too, and one of the two lists no
	// findings (SchemaSummarised), or the Builder's bound on the findings
	// it keeps (Options.MaxFindings) has stopped it keeping them or could
	// with this report's: the file's records would count twice. It is not
	// added.
	ErrOverlap = errors.New("report: input already in a report added")
)

// FieldError is the error of ReadJSON about one place of a document: a
// member, named by its JSON path, or a byte offset. It wraps ErrMalformed,
// ErrLimit or ErrOverflow.
type FieldError struct {
	Path   string // JSON path, e.g. "findings[3].time"; "" when Offset names the place
	Offset int64  // byte offset in the document, when Path is ""
	Msg    string
	Err    error
}

// Error names the place and says what is wrong. What it quotes from the
// document is passed through Escape, so it is safe to print.
func (e *FieldError) Error() string {
	at := e.Path
	if at == "" {
		at = "offset " + strconv.FormatInt(e.Offset, 10)
	}
	return fmt.Sprintf("%v: %s: %s", e.Err, Escape(at), Escape(e.Msg))
}

func (e *FieldError) Unwrap() error { return e.Err }

// guard reads a document for ReadJSON: it hashes every byte, and it stops
// with ErrLimit as soon as the document, a string, a number, a list or the
// nesting is past its limit, so that a 100 MB string costs no more than
// six times MaxStringBytes of reading. It tracks only what it needs: strings and
// their escapes, brackets and commas; json.Decoder checks the syntax.
type guard struct {
	r    io.Reader
	h    hash.Hash
	n    int64 // bytes read
	max  int64 // the size cap; 0 means MaxPartialBytes
	err  error
	done bool // the top-level value has ended

	inString, escaped bool
	token             int64   // length of the current string or literal
	commas            []int64 // per open array or object
}

func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	g.h.Write(p[:n])
	for i := 0; i < n; i++ {
		if g.inString && !g.escaped {
			// The plain bytes of a string, most of a document, only
			// lengthen it: skip them at once, as scan would one by one.
			j := i
			for j < n && p[j] != '"' && p[j] != '\\' {
				j++
			}
			if g.token+int64(j-i) > maxRawString {
				at := i + int(maxRawString-g.token) // the byte scan would refuse
				return at, g.fail(at, fmt.Errorf("string written on more than %d bytes", maxRawString))
			}
			g.token += int64(j - i)
			if i = j; i == n {
				break
			}
		}
		if e := g.scan(p[i]); e != nil {
			return i, g.fail(i, e)
		}
	}
	g.n += int64(n)
	limit := g.max
	if limit == 0 {
		limit = MaxPartialBytes
	}
	if g.n > limit {
		g.err = &FieldError{Offset: limit, Msg: fmt.Sprintf("document longer than %d bytes", limit), Err: ErrLimit}
		return n, g.err
	}
	return n, err
}

// fail stops the guard with the error e of the byte at i of the current
// read.
func (g *guard) fail(i int, e error) error {
	fe := &FieldError{Offset: g.n + int64(i), Msg: e.Error(), Err: ErrLimit}
	if errors.Is(e, errTrailing) {
		fe.Err = ErrMalformed
	}
	g.err = fe
	return fe
}

var errTrailing = errors.New("data after the report")

func (g *guard) scan(c byte) error {
	if g.inString {
		switch {
		case g.escaped:
			g.escaped = false
		case c == '\\':
			g.escaped = true
		case c == '"':
			g.inString, g.token = false, 0
			return nil
		}
		if g.token++; g.token > maxRawString {
			return fmt.Errorf("string written on more than %d bytes", maxRawString)
		}
		return nil
	}
	switch c {
	case ' ', '\t', '\r', '\n':
		g.token = 0
		return nil
	}
	if g.done {
		return errTrailing
	}
	switch c {
	case '"':
		g.inString, g.token = true, 0
	case '[', '{':
		if len(g.commas) >= MaxDepth {
			return fmt.Errorf("nested deeper than %d", MaxDepth)
		}
		g.commas, g.token = append(g.commas, 0), 0
	case ']', '}':
		if len(g.commas) > 0 {
			g.commas = g.commas[:len(g.commas)-1]
		}
		g.token = 0
		g.done = len(g.commas) == 0
	case ',':
		if k := len(g.commas); k > 0 {
			if g.commas[k-1]++; g.commas[k-1] >= MaxListLen {
				return fmt.Errorf("list or object of more than %d entries", MaxListLen)
			}
		}
		g.token = 0
	case ':':
		g.token = 0
	default:
		if g.token++; g.token > maxNumberBytes {
			return fmt.Errorf("number or literal longer than %d bytes", maxNumberBytes)
		}
	}
	return nil
}

// filetimeMin is the earliest time a FILETIME holds; the latest is past
// the year 9999 that RFC 3339 allows.
var filetimeMin = time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)

// knownClientKinds are the client kinds of smbaudit, and "" (no client).
var knownClientKinds = map[string]bool{"": true, string(smbaudit.ClientIPv4): true, string(smbaudit.ClientIPv6): true,
	string(smbaudit.ClientHost): true, string(smbaudit.ClientFQDN): true, string(smbaudit.ClientUnknown): true}

// checkStrings refuses, with ErrLimit, a string or map key of v (a decoded
// document) longer than MaxStringBytes. path is the JSON path of v; it is
// built into a string only for the error.
func (p *parser) checkStrings(v reflect.Value, path []string) {
	if p.err != nil {
		return
	}
	tooLong := func(s string, path []string) bool {
		if len(s) <= MaxStringBytes {
			return false
		}
		p.limit(strings.Join(path, ""), fmt.Sprintf("string of %d bytes, longer than MaxStringBytes (%d)", len(s), MaxStringBytes))
		return true
	}
	switch v.Kind() {
	case reflect.String:
		tooLong(v.String(), path)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous {
				p.checkStrings(v.Field(i), path)
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			sep := "."
			if len(path) == 0 {
				sep = ""
			}
			p.checkStrings(v.Field(i), append(path, sep+name))
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String && v.Type().Elem().Kind() != reflect.Struct {
			return // numbers
		}
		for i := range v.Len() {
			p.checkStrings(v.Index(i), append(path, "["+strconv.Itoa(i)+"]"))
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			k := it.Key().String()
			if tooLong(k, path) {
				return
			}
			p.checkStrings(it.Value(), append(path, "."+k))
		}
	}
}

// stringsWithin says whether every string and map key of jc is at most
// n bytes long: what checkStrings checks, without reflection, for the
// common case of a client row within the limits.
func (jc *jsonClient) stringsWithin(n int) bool {
	ok := func(ss ...string) bool {
		for _, s := range ss {
			if len(s) > n {
				return false
			}
		}
		return true
	}
	if !ok(jc.Client, jc.Kind, jc.ShortName, jc.FirstSeen, jc.LastSeen,
		jc.FirstEvidence.Time, jc.FirstEvidence.Server, jc.FirstEvidence.Source.File,
		jc.LastEvidence.Time, jc.LastEvidence.Server, jc.LastEvidence.Source.File) {
		return false
	}
	for _, l := range [...][]string{jc.Linked, jc.Names, jc.Servers, jc.Users, jc.SPNs, jc.SPNQueryStatuses, jc.EPAPolicies,
		jc.ServerRequiresSigning, jc.RejectionStatuses, jc.SPNsServiceClassInvalid, jc.SPNsPrincipalNameInvalid,
		jc.BreaksUnder, jc.PossiblyBreaksUnder} {
		if !ok(l...) {
			return false
		}
	}
	for k := range jc.Events {
		if !ok(k) {
			return false
		}
	}
	for k, ss := range jc.ServersByEvent {
		if !ok(k) || !ok(ss...) {
			return false
		}
	}
	for _, v := range jc.Verdicts {
		if !ok(v.Setting) || !ok(v.Servers...) || !ok(v.Hints...) {
			return false
		}
	}
	return true
}

func knownEvent(id uint16) bool {
	for _, v := range eventColumns {
		if v == id {
			return true
		}
	}
	return false
}

// checkedSum adds counts, failing past MaxInt.
type checkedSum struct {
	n        int
	overflow bool
}

func (s *checkedSum) add(v int) {
	if v < 0 || s.n > math.MaxInt-v {
		s.overflow = true
		return
	}
	s.n += v
}

func (s *checkedSum) addMap(m map[uint16]int) {
	for _, v := range m {
		s.add(v)
	}
}

func (s *checkedSum) addCounts(es []EventCount) {
	for _, e := range es {
		s.add(e.Count)
	}
}

// weight sums every count of r that a merge adds up: no count derived
// from reports merged exceeds the sum of their weights. ok is false when
// the sum itself is past MaxInt.
func weight(r *Report) (w int, ok bool) {
	var s checkedSum
	s.add(len(r.Findings))
	s.add(r.FindingsOmitted)
	s.add(r.Unparsed)
	for i := range r.Clients {
		s.addCounts(r.Clients[i].EventCounts)
		s.add(r.Clients[i].DamagedChunkEvents)
	}
	for i := range r.Servers {
		s.add(r.Servers[i].Records)
		s.add(r.Servers[i].Findings)
		s.addMap(r.Servers[i].Events)
	}
	for i := range r.Inputs {
		in := &r.Inputs[i]
		for _, v := range []int{in.Records, in.Chunks, in.ChunksDecoded, in.ChunksSkipped, len(in.DamagedChunks), len(in.Errors)} {
			s.add(v)
		}
	}
	for i := range r.Days {
		s.addMap(r.Days[i].Events)
	}
	return s.n, !s.overflow
}
