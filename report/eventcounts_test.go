package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// TestClientEventCounts checks the accessors of Client.EventCounts on a
// client with three event IDs logged out of ID order, on two servers.
func TestClientEventCounts(t *testing.T) {
	t0 := time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC)
	b := report.NewBuilder(report.Options{GeneratedAt: t0})
	c := smbaudit.NormalizeClient(`\\WS01`)
	for i, f := range []struct {
		id     uint16
		kind   smbaudit.Kind
		server string
	}{
		{smbaudit.EventSPNMissing, smbaudit.KindSPNMissing, "FS02"},
		{smbaudit.EventSigningUnsupported, smbaudit.KindSigningUnsupported, "FS01"},
		{smbaudit.EventSigningUnsupported, smbaudit.KindSigningUnsupported, "FS02"},
		{smbaudit.EventSPNMissing, smbaudit.KindSPNMissing, "FS02"},
		{smbaudit.EventSMB1Access, smbaudit.KindSMB1Access, "FS01"},
	} {
		b.Add(&smbaudit.Finding{Kind: f.kind, EventID: f.id, Server: f.server, Client: c, Channel: smbaudit.AuditChannel,
			Time: t0.Add(time.Duration(i) * time.Minute), RecordID: uint64(i + 1), EventRecordID: uint64(i + 1)})
	}
	r := b.Finish()
	require.Len(t, r.Clients, 1)
	cl := &r.Clients[0]
	want := []report.EventCount{
		{ID: smbaudit.EventSMB1Access, Count: 1, Servers: []string{"FS01"}},
		{ID: smbaudit.EventSigningUnsupported, Count: 2, Servers: []string{"FS01", "FS02"}},
		{ID: smbaudit.EventSPNMissing, Count: 2, Servers: []string{"FS02"}},
	}
	assert.Equal(t, want, cl.EventCounts, "sorted by ID")
	tests := []struct {
		id      uint16
		count   int
		servers []string
	}{
		{smbaudit.EventSMB1Access, 1, []string{"FS01"}},
		{smbaudit.EventSigningUnsupported, 2, []string{"FS01", "FS02"}},
		{smbaudit.EventSPNMissing, 2, []string{"FS02"}},
		{smbaudit.EventSPNEmpty, 0, nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.count, cl.Count(tt.id), "Count(%d)", tt.id)
		assert.Equal(t, tt.servers, cl.ServersOf(tt.id), "ServersOf(%d)", tt.id)
	}
	assert.Equal(t, 5, cl.TotalEvents())
	assert.Equal(t, map[uint16]int{3000: 1, 3021: 2, 3024: 2}, cl.Events())

	// The JSON form keeps both members keyed by event ID, and reads back
	// to the same counts.
	var buf bytes.Buffer
	require.NoError(t, r.Render(&buf, report.FormatJSON, report.RenderOptions{}))
	assert.Contains(t, buf.String(), `"events": {`)
	assert.True(t, strings.Contains(buf.String(), `"3021": [`) || strings.Contains(buf.String(), `"3021":[`), buf.String())
	back, err := report.ReadJSON(&buf)
	require.NoError(t, err)
	require.Len(t, back.Clients, 1)
	assert.Equal(t, want, back.Clients[0].EventCounts)
}
