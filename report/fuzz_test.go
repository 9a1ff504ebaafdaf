package report_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
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

// FuzzReadJSON feeds arbitrary documents to ReadJSON, the partial decoder
// merge relies on. It must never panic; it fails only with ErrMalformed or
// ErrSchema; and what it accepts re-encodes to a document that it accepts
// again and that encodes to the very same bytes (the JSON form is a fixed
// point after one trip).
func FuzzReadJSON(f *testing.F) {
	f.Add([]byte(fuzzSmallReport))
	f.Add([]byte(`{"schema":"smbreadiness.report/v1"}`))
	f.Add([]byte(`{"schema":"smbreadiness.report/v1","findings":[{"server":"","time":""}]}`))
	if b, err := os.ReadFile(filepath.Join("testdata", "golden", "sample.json")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		r, err := report.ReadJSON(bytes.NewReader(doc))
		if err != nil {
			if !errors.Is(err, report.ErrMalformed) && !errors.Is(err, report.ErrSchema) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		var once bytes.Buffer
		if err := r.WriteJSON(&once); err != nil {
			t.Fatalf("an accepted report does not encode: %v", err)
		}
		back, err := report.ReadJSON(bytes.NewReader(once.Bytes()))
		if err != nil {
			t.Fatalf("ReadJSON refuses what WriteJSON wrote: %v\n%s", err, once.Bytes())
		}
		var twice bytes.Buffer
		if err := back.WriteJSON(&twice); err != nil {
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
}
