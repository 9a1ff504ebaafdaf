package report_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// An event whose client cannot be read (KindUnparsed) may be any client's:
// a client filter keeps it for the Unparsed section, never as a row, so
// that a filtered report still says that some events could not be judged.
func TestClientFilterKeepsUnparsed(t *testing.T) {
	evs := spnEvents(smbaudit.AuditChannel, 4, 2, awA0, awA1, 1) // clients 10.0.9.1 and 10.0.9.2
	bad := spnEvents(smbaudit.AuditChannel, 1, 1, awA1, awA1, 5)[0]
	bad.Data[0].Value = "" // no client name: unparsed
	evs = append(evs, bad)
	p := awWrite(t, t.TempDir(), "audit.evtx", evs, evtxwrite.Damage{})

	for _, tc := range []struct {
		name         string
		filter       smbaudit.Filter
		clients      []string
		wantUnparsed int
	}{
		{"no filter", smbaudit.Filter{}, []string{"10.0.9.1", "10.0.9.2"}, 1},
		{"client filter", smbaudit.Filter{Clients: []string{"10.0.9.1"}}, []string{"10.0.9.1"}, 1},
		{"client filter, another server", smbaudit.Filter{Clients: []string{"10.0.9.1"}, Servers: []string{"fs01"}}, nil, 0},
		{"client filter, before the event", smbaudit.Filter{Clients: []string{"10.0.9.1"}, Until: awA1.Add(-1)}, []string{"10.0.9.1"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := report.Generate(context.Background(), []string{p}, report.GenerateOptions{Filter: tc.filter})
			require.NoError(t, err)
			r := g.Report
			var ids []string
			for _, c := range r.Clients {
				ids = append(ids, c.ID)
			}
			assert.Equal(t, tc.clients, ids, "rows")
			assert.Equal(t, tc.wantUnparsed, r.Unparsed)
			if tc.wantUnparsed > 0 {
				require.Len(t, r.UnparsedSamples, 1)
				assert.NotEmpty(t, r.UnparsedSamples[0].Reason)
			}
		})
	}
}
