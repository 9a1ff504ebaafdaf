package report_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxkit/smbreadiness/report"
)

// fuzzSmallReport is a one-finding partial report, small enough for the
// fuzzer to reach every member quickly.
const fuzzSmallReport = `{"schema":"smbreadiness.report/v1","generated_at":"2025-10-01T12:00:00.0000000Z",
"findings":[{"kind":"signing-unsupported","event_id":3021,"server":"FS01","time":"2025-10-01T08:00:00.1234567Z",
"record_id":7,"event_record_id":7,"source":{"file":"a.evtx","chunk":0,"offset":4096},"channel":"Microsoft-Windows-SMBServer/Audit",
"client":"10.0.0.5","client_raw":"\\\\10.0.0.5","client_kind":"ipv4","server_requires_signing":"false","spn_query_status":"0xc000005e","chunk_damaged":true}],
"servers":[{"server":"FS01","first":"2025-10-01T08:00:00Z","last":"2025-10-02T08:00:00Z","records":12}],
"inputs":[{"path":"a.evtx","size":69632,"chunks":1,"chunks_decoded":1,"records":12,"damaged_chunks":[0],"errors":["a.evtx: chunk 0: bad"]}]}`

// fuzzSummarisedReport is a report whose findings were not kept: its rows
// are read instead.
const fuzzSummarisedReport = `{"schema":"smbreadiness.report/v2","generated_at":"2025-10-01T12:00:00.0000000Z","findings_omitted":3,
"clients":[{"client":"10.0.0.5","kind":"ipv4","names":["\\\\10.0.0.5"],"events":{"3021":2},"servers_by_event":{"3021":["FS01"]},
"first_evidence":{"time":"2025-10-01T08:00:00.1234567Z","server":"FS01","event_id":3021,"record_id":7,"source":{"file":"a.evtx","chunk":0,"offset":4096}},
"last_evidence":{"time":"2025-10-01T09:00:00Z","server":"FS01","event_id":3021,"record_id":9,"source":{"file":"a.evtx","chunk":0,"offset":5120}},
"servers":["FS01"],"users":["CORP\\alice"],"server_requires_signing":["false"],"damaged_chunk_events":1}],
"servers":[{"server":"FS01","first":"2025-10-01T08:00:00Z","last":"2025-10-02T08:00:00Z","records":12,"findings":3,"events":{"3021":2,"3024":1},"clients":["10.0.0.5"]}],
"events_per_day":[{"date":"2025-10-01","events":{"3021":2,"3024":1}}],"unparsed":1,
"unparsed_samples":[{"time":"2025-10-01T10:00:00Z","server":"FS01","event_id":3024,"record_id":11,"source":{"file":"a.evtx","chunk":0,"offset":6144},"reason":"no client name field"}],
"inputs":[{"path":"a.evtx","size":69632,"chunks":1,"chunks_decoded":1,"records":12}]}`

// FuzzReadJSON feeds arbitrary documents to ReadJSON, the partial decoder
// merge relies on. It must never panic; it fails only with ErrSchema or a
// *FieldError wrapping ErrMalformed, ErrLimit or ErrOverflow; and what it accepts re-encodes to a document that it accepts
// again and that encodes to the very same bytes (the JSON form is a fixed
// point after one trip).
func FuzzReadJSON(f *testing.F) {
	f.Add([]byte(fuzzSmallReport))
	f.Add([]byte(`{"schema":"smbreadiness.report/v1"}`))
	f.Add([]byte(`{"schema":"smbreadiness.report/v1","findings":[{"server":"","time":""}]}`))
	f.Add([]byte(fuzzSummarisedReport))
	// Hostile partials: each is refused, or read within the limits.
	v2 := `{"schema":"smbreadiness.report/v2","findings_omitted":1,`
	for _, doc := range []string{
		strings.Replace(fuzzSmallReport, `"records":12}]`, `"records":9223372036854775807}]`, 1),
		strings.Replace(fuzzSmallReport, `"records":12}]`, `"records":1099511627776}]`, 1),
		v2 + `"servers":[` + strings.Repeat(`{"server":"a","records":1099511627776},`, 300) + `{"server":"a"}]}`,
		v2 + `"unparsed":-1}`,
		strings.Replace(fuzzSmallReport, `"event_id":3021`, `"event_id":4624`, 1),
		strings.Replace(fuzzSmallReport, `"kind":"signing-unsupported"`, `"kind":"nope"`, 1),
		strings.Replace(fuzzSmallReport, `"time":"2025-10-01T08:00:00.1234567Z"`, `"time":"1600-01-01T00:00:00Z"`, 1),
		strings.Replace(fuzzSmallReport, `"client":"10.0.0.5"`, `"client":"\u202etxt.exe\u001b]52;c;eA==\u0007"`, 1),
		strings.Replace(fuzzSmallReport, `"path":"a.evtx"`, `"path":"`+strings.Repeat("a", 70000)+`"`, 1),
		`{"schema":"smbreadiness.report/v1","x":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`,
		`{"schema":"smbreadiness.report/v1","unparsed":1` + strings.Repeat("0", 70) + `}`,
		fuzzSmallReport + fuzzSmallReport,
	} {
		f.Add([]byte(doc))
	}
	if b, err := os.ReadFile(filepath.Join("testdata", "golden", "sample.json")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		r, err := report.ReadJSON(bytes.NewReader(doc))
		if err != nil {
			var fe *report.FieldError
			switch {
			case errors.Is(err, report.ErrSchema):
			case !errors.As(err, &fe):
				t.Fatalf("error neither ErrSchema nor a *FieldError: %v", err)
			case !errors.Is(err, report.ErrMalformed) && !errors.Is(err, report.ErrLimit) && !errors.Is(err, report.ErrOverflow):
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		var once bytes.Buffer
		if err := r.Render(&once, report.FormatJSON, report.RenderOptions{}); err != nil {
			t.Fatalf("an accepted report does not encode: %v", err)
		}
		back, err := report.ReadJSON(bytes.NewReader(once.Bytes()))
		if err != nil {
			t.Fatalf("ReadJSON refuses what WriteJSON wrote: %v\n%s", err, once.Bytes())
		}
		var twice bytes.Buffer
		if err := back.Render(&twice, report.FormatJSON, report.RenderOptions{}); err != nil {
			t.Fatalf("second encoding: %v", err)
		}
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("the JSON form changed on a second trip:\n%s\n---\n%s", once.Bytes(), twice.Bytes())
		}
	})
}

// TestFuzzReadJSONSeedIsRead: the small seed is a report ReadJSON accepts
// whole, so mutations start from a valid document.
func TestFuzzReadJSONSeedIsRead(t *testing.T) {
	r, err := report.ReadJSON(bytes.NewReader([]byte(fuzzSmallReport)))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || len(r.Servers) != 1 || len(r.Inputs) != 1 || len(r.Clients) != 1 {
		t.Fatalf("findings %d, servers %d, inputs %d, clients %d; want 1 each", len(r.Findings), len(r.Servers), len(r.Inputs), len(r.Clients))
	}
	r, err = report.ReadJSON(bytes.NewReader([]byte(fuzzSummarisedReport)))
	if err != nil {
		t.Fatal(err)
	}
	if r.FindingsOmitted != 3 || len(r.Clients) != 1 || r.Clients[0].Count(3021) != 2 || r.Unparsed != 1 || len(r.Days) != 1 ||
		r.Servers[0].Findings != 3 || r.Clients[0].DamagedChunkEvents != 1 || len(r.UnparsedSamples) != 1 {
		t.Fatalf("summarised seed not read whole: %+v", r)
	}
}
