package report_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
)

// partialDoc is fuzzSmallReport with one member replaced: old must occur
// in it once.
func partialDoc(t *testing.T, old, new string) string {
	t.Helper()
	require.Equal(t, 1, strings.Count(fuzzSmallReport, old), "the seed holds %s once", old)
	return strings.Replace(fuzzSmallReport, old, new, 1)
}

func TestReadJSONValidatesPartials(t *testing.T) {
	v2 := `{"schema":"smbreadiness.report/v2","findings_omitted":1,`
	evidence := `{"time":"2025-09-01T00:00:00Z","server":"FS01","event_id":3021}`
	tests := []struct {
		name string
		doc  string
		want error
		path string // FieldError.Path; "" for an error at an offset
	}{
		{"count of 2^63-1", partialDoc(t, `"records":12}]`, `"records":9223372036854775807}]`), report.ErrLimit, "servers[0].records"},
		{"count just past MaxCount", partialDoc(t, `"records":12}]`, fmt.Sprintf(`"records":%d}]`, report.MaxCount+1)), report.ErrLimit, "servers[0].records"},
		{"negative input records", partialDoc(t, `"records":12,"damaged`, `"records":-1,"damaged`), report.ErrMalformed, "inputs[0].records"},
		{"negative chunks", partialDoc(t, `"chunks":1,`, `"chunks":-1,`), report.ErrMalformed, "inputs[0].chunks"},
		{"negative size", partialDoc(t, `"size":69632`, `"size":-1`), report.ErrMalformed, "inputs[0].size"},
		{"negative damaged chunk", partialDoc(t, `"damaged_chunks":[0]`, `"damaged_chunks":[-3]`), report.ErrMalformed, "inputs[0].damaged_chunks[0]"},
		{"negative source offset", partialDoc(t, `"offset":4096`, `"offset":-4096`), report.ErrMalformed, "findings[0].source.offset"},
		{"negative source chunk", partialDoc(t, `"chunk":0,`, `"chunk":-1,`), report.ErrMalformed, "findings[0].source.chunk"},
		{"unknown event ID", partialDoc(t, `"event_id":3021`, `"event_id":4624`), report.ErrMalformed, "findings[0].event_id"},
		{"event ID 0", partialDoc(t, `"event_id":3021`, `"event_id":0`), report.ErrMalformed, "findings[0].event_id"},
		{"unknown kind", partialDoc(t, `"kind":"signing-unsupported"`, `"kind":"\u202esigning"`), report.ErrMalformed, "findings[0].kind"},
		{"unknown client kind", partialDoc(t, `"client_kind":"ipv4"`, `"client_kind":"ipv5"`), report.ErrMalformed, "findings[0].client_kind"},
		{"bad signing value", partialDoc(t, `"server_requires_signing":"false"`, `"server_requires_signing":"maybe"`), report.ErrMalformed, "findings[0].server_requires_signing"},
		{"finding time zero", partialDoc(t, `"time":"2025-10-01T08:00:00.1234567Z"`, `"time":""`), report.ErrMalformed, "findings[0].time"},
		{"finding time before FILETIME", partialDoc(t, `"time":"2025-10-01T08:00:00.1234567Z"`, `"time":"1600-12-31T23:59:59.9999999Z"`), report.ErrMalformed, "findings[0].time"},
		{"server time year 1", partialDoc(t, `"first":"2025-10-01T08:00:00Z"`, `"first":"0001-01-01T00:00:00Z"`), report.ErrMalformed, "servers[0].first"},
		{"generated before FILETIME", partialDoc(t, `"generated_at":"2025-10-01T12:00:00.0000000Z"`, `"generated_at":"1000-01-01T00:00:00Z"`), report.ErrMalformed, "generated_at"},
		{"findings_omitted past MaxCount", v2 + `"findings_omitted":1099511627777}`, report.ErrLimit, "findings_omitted"},
		{"client events past MaxCount", v2 + `"clients":[{"client":"a","events":{"3021":9223372036854775807},"first_evidence":` + evidence + `,"last_evidence":` + evidence + `}]}`,
			report.ErrLimit, "clients[0].events.3021"},
		{"client event ID unknown", v2 + `"clients":[{"client":"a","events":{"4624":1},"first_evidence":` + evidence + `,"last_evidence":` + evidence + `}]}`,
			report.ErrMalformed, "clients[0].events"},
		{"client servers of an event it does not count", v2 + `"clients":[{"client":"a","events":{"3021":1},"servers_by_event":{"3021":["FS01"],"3024":["FS01"]},"first_evidence":` + evidence + `,"last_evidence":` + evidence + `}]}`,
			report.ErrMalformed, "clients[0].servers_by_event.3024"},
		{"event ID key not canonical", v2 + `"events_per_day":[{"date":"2025-01-01","events":{"3021":1,"03021":1}}]}`, report.ErrMalformed, "events_per_day[0].events"},
		{"client kind unknown", v2 + `"clients":[{"client":"a","kind":"printer","first_evidence":` + evidence + `,"last_evidence":` + evidence + `}]}`,
			report.ErrMalformed, "clients[0].kind"},
		{"client evidence without time", v2 + `"clients":[{"client":"a","first_evidence":{"server":"FS01","event_id":3021},"last_evidence":` + evidence + `}]}`,
			report.ErrMalformed, "clients[0].first_evidence.time"},
		{"day before FILETIME", v2 + `"events_per_day":[{"date":"1500-01-01","events":{"3021":1}}]}`, report.ErrMalformed, "events_per_day[0].date"},
		{"unparsed past MaxCount", v2 + `"unparsed":2000000000000}`, report.ErrLimit, "unparsed"},
		{"counts summing past MaxPartialTotal", v2 + `"servers":[` + distinctServers(256, `"records":1099511627776`) + `{"server":"last","records":1}]}`,
			report.ErrLimit, "(report)"},
		{"data after the report", fuzzSmallReport + "\n{}", report.ErrMalformed, ""},
		{"second report after the first", fuzzSmallReport + fuzzSmallReport, report.ErrMalformed, ""},
		{"long number", partialDoc(t, `"records":12}]`, `"records":1`+strings.Repeat("0", 64)+`}]`), report.ErrLimit, ""},
		{"deep nesting", `{"schema":"smbreadiness.report/v1","x":` + strings.Repeat("[", report.MaxDepth) + strings.Repeat("]", report.MaxDepth) + `}`, report.ErrLimit, ""},
		{"string past MaxStringBytes", partialDoc(t, `"path":"a.evtx"`, `"path":"`+strings.Repeat("a", report.MaxStringBytes+1)+`"`), report.ErrLimit, "inputs[0].path"},
		{"error string past MaxStringBytes", partialDoc(t, `"errors":["a.evtx: chunk 0: bad"]`, `"errors":["",""," `+strings.Repeat("é", report.MaxStringBytes/2)+`"]`), report.ErrLimit, "inputs[0].errors[2]"},
		{"map key past MaxStringBytes", v2 + `"events_per_day":[{"date":"2025-01-01","events":{"` + strings.Repeat("3", report.MaxStringBytes+1) + `":1}}]}`, report.ErrLimit, "events_per_day[0].events"},
		{"string written on 6 times MaxStringBytes", partialDoc(t, `"path":"a.evtx"`, `"path":"`+strings.Repeat(`\u001b`, report.MaxStringBytes+1)+`"`), report.ErrLimit, ""},
		{"list past MaxListLen", partialDoc(t, `"damaged_chunks":[0]`, `"damaged_chunks":[0`+strings.Repeat(",0", report.MaxListLen)+`]`), report.ErrLimit, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report.ReadJSON(strings.NewReader(tc.doc))
			require.ErrorIs(t, err, tc.want)
			var fe *report.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tc.path, fe.Path, "%v", err)
			if tc.path == "" {
				assert.Positive(t, fe.Offset, "an error at an offset names it")
			}
		})
	}
}

// The limits are bounds, not cut-offs of real data: a partial at every
// limit is read.
func TestReadJSONAcceptsValuesAtTheLimits(t *testing.T) {
	doc := partialDoc(t, `"records":12}]`, fmt.Sprintf(`"records":%d}]`, report.MaxCount))
	doc = strings.Replace(doc, `"path":"a.evtx"`, `"path":"`+strings.Repeat("é", report.MaxStringBytes/2)+`"`, 1)
	doc = strings.Replace(doc, `"time":"2025-10-01T08:00:00.1234567Z"`, `"time":"1601-01-01T00:00:00Z"`, 1)
	r, err := report.ReadJSON(strings.NewReader(doc))
	require.NoError(t, err)
	assert.EqualValues(t, report.MaxCount, r.Servers[0].Records)
	assert.Equal(t, report.MaxStringBytes, len(r.Inputs[0].Path))
	assert.Equal(t, 1601, r.Findings[0].Time.Year())
}

// A string at the limit that WriteJSON escapes on six times as many bytes
// still goes through the partial form.
func TestReadJSONReadsBackEscapedStringsAtTheLimit(t *testing.T) {
	doc := partialDoc(t, `"path":"a.evtx"`, `"path":"`+strings.Repeat(`<\u001b`, report.MaxStringBytes/2)+`"`)
	r, err := report.ReadJSON(strings.NewReader(doc))
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, r.Render(&b, report.FormatJSON, report.RenderOptions{}))
	require.Greater(t, b.Len(), 5*report.MaxStringBytes, "the path is written escaped")
	back, err := report.ReadJSON(&b)
	require.NoError(t, err)
	assert.Equal(t, r.Inputs[0].Path, back.Inputs[0].Path)
}

// Error messages quote the document escaped, safe for a terminal.
func TestFieldErrorIsSafeToPrint(t *testing.T) {
	doc := `{"schema":"smbreadiness.report/v2","findings_omitted":1,"clients":[{"client":"a","events":{"\u001b]0;x\u0007\u202e":1}}]}`
	_, err := report.ReadJSON(strings.NewReader(doc))
	require.ErrorIs(t, err, report.ErrMalformed)
	assert.NotContains(t, err.Error(), "\x1b")
	assert.NotContains(t, err.Error(), "\u202e")
	assert.Contains(t, err.Error(), `\x1b]0;x\a\u202e`)

	fe := &report.FieldError{Path: "clients[0].servers_by_event.\x1b[2J", Msg: "bad \u202efile", Err: report.ErrMalformed}
	assert.Equal(t, `report: malformed report: clients[0].servers_by_event.\x1b[2J: bad \u202efile`, fe.Error())
	fe = &report.FieldError{Offset: 17, Msg: "x", Err: report.ErrLimit}
	assert.Equal(t, "report: partial report past a limit: offset 17: x", fe.Error())
}

// endless is a document that never ends: a string of 'a's after a prefix.
// It counts the bytes read from it.
type endless struct {
	prefix string
	n      int64
}

func (e *endless) Read(p []byte) (int, error) {
	k := 0
	for k < len(p) {
		if int(e.n) < len(e.prefix) {
			c := copy(p[k:], e.prefix[e.n:])
			k += c
			e.n += int64(c)
			continue
		}
		p[k] = 'a'
		k++
		e.n++
	}
	return k, nil
}

// A 100 MB string (here: a string without end) is refused once it is
// written on six times MaxStringBytes, without reading the rest.
func TestReadJSONRefusesAHugeStringEarly(t *testing.T) {
	src := &endless{prefix: `{"schema":"smbreadiness.report/v1","inputs":[{"path":"`}
	_, err := report.ReadJSON(src)
	require.ErrorIs(t, err, report.ErrLimit)
	assert.Contains(t, err.Error(), "string written on more than")
	assert.Less(t, src.n, int64(6*report.MaxStringBytes+1<<20), "read %d bytes", src.n)
}

// The same partial given twice counts once: its files, records and
// findings are not doubled.
func TestSamePartialTwiceCountsOnce(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport(t).Render(&b, report.FormatJSON, report.RenderOptions{}))
	doc := b.Bytes()
	r1, err := report.ReadJSON(bytes.NewReader(doc))
	require.NoError(t, err)
	r2, err := report.ReadJSON(bytes.NewReader(doc))
	require.NoError(t, err)
	assert.Equal(t, [32]byte(sha256.Sum256(doc)), r1.Digest, "the identity is the SHA-256 of the bytes read")
	assert.Equal(t, r1.Digest, r2.Digest)

	bld := report.NewBuilder(report.Options{})
	require.NoError(t, bld.AddReport(r1))
	require.ErrorIs(t, bld.AddReport(r2), report.ErrDuplicate)
	once := merge(t, r1)
	got := bld.Finish()
	assert.Equal(t, once.Summary.Records, got.Summary.Records, "records read are not doubled")
	assert.Equal(t, once.Summary.Inputs, got.Summary.Inputs)
	assert.Len(t, got.Findings, len(r1.Findings))
	assert.Equal(t, render(t, once), render(t, got), "the second copy is left out")

	// Other bytes, even of the same report, are another partial.
	other := append(bytes.Clone(doc), ' ')
	r3, err := report.ReadJSON(bytes.NewReader(other))
	require.NoError(t, err)
	assert.NotEqual(t, r1.Digest, r3.Digest)
	assert.Equal(t, 2*once.Summary.Inputs, merge(t, r1, r3).Summary.Inputs)

	assert.Equal(t, [32]byte{}, sampleReport(t).Digest, "a built report has no digest")
	assert.Equal(t, [32]byte{}, got.Digest, "nor has a merged one")
}

// Reports whose counts would sum past the largest int are refused by the
// merge with ErrOverflow, instead of wrapping negative.
func TestMergeRefusesCountOverflow(t *testing.T) {
	big := func() *report.Report {
		return &report.Report{Inputs: []report.Input{{Path: "a.evtx", Records: math.MaxInt/2 + 1}}}
	}
	bld := report.NewBuilder(report.Options{GeneratedAt: pinned})
	require.NoError(t, bld.AddReport(big()))
	err := bld.AddReport(big())
	require.ErrorIs(t, err, report.ErrOverflow)
	r := bld.Finish()
	assert.Equal(t, math.MaxInt/2+1, r.Summary.Records, "the refused report added nothing")
	assert.Len(t, r.Inputs, 1)

	// One report whose own counts overflow.
	self := &report.Report{Inputs: []report.Input{{Path: "a", Records: math.MaxInt}, {Path: "b", Records: 1}}}
	require.ErrorIs(t, report.NewBuilder(report.Options{}).AddReport(self), report.ErrOverflow)
	assert.False(t, errors.Is(bld.AddReport(nil), report.ErrOverflow), "nil adds nothing")
}

var _ io.Reader = (*endless)(nil)
