package smbaudit

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

// windowServer is the server of the audit window tests.
const windowServer = "FS09.corp.example"

// auditEvents returns n 3021 events of server in channel, from first to
// last, spread evenly, with record IDs from id0.
func auditEvents(channel string, n int, first, last time.Time, id0 uint64) []evtxwrite.Event {
	var evs []evtxwrite.Event
	for i := range n {
		tm := spread(first, last, i, n)
		client := fmt.Sprintf(`\\10.0.9.%d`, 1+i%250)
		evs = append(evs, evtxwrite.Event{
			System: evtx.System{Provider: Provider, EventID: EventSigningUnsupported, Level: 3, Channel: channel,
				Computer: windowServer, TimeCreated: tm},
			RecordID: id0 + uint64(i),
			Data: []evtxwrite.Data{
				{Name: "ClientName", Type: evtx.TypeString, Value: client},
				{Name: "ServerRequiresSigning", Type: evtx.TypeBool, Value: false},
			},
		})
	}
	return evs
}

// spread returns the time of the i-th of n records from first to last.
func spread(first, last time.Time, i, n int) time.Time {
	if i == n-1 {
		return last
	}
	return first.Add(last.Sub(first) / time.Duration(max(n-1, 1)) * time.Duration(i))
}

// otherEvents returns n events of server that are no finding, from first
// to last, with record IDs from id0: SMB server events (1001) in channel,
// or with security, Security logons (4624), which only ScanOptions.AllEvents
// decodes.
func otherEvents(channel string, n int, first, last time.Time, id0 uint64, security bool) []evtxwrite.Event {
	var evs []evtxwrite.Event
	provider, id := Provider, uint16(1001)
	if security {
		provider, id = SecurityAuditingProvider, 4624
	}
	for i := range n {
		evs = append(evs, evtxwrite.Event{
			System: evtx.System{Provider: provider, EventID: id, Channel: channel,
				Computer: windowServer, TimeCreated: spread(first, last, i, n)},
			RecordID: id0 + uint64(i),
			Data:     []evtxwrite.Data{{Name: "TargetUserName", Type: evtx.TypeString, Value: "alice"}},
		})
	}
	return evs
}

// writeLog writes evs to name in a temporary directory, with damage d.
func writeLog(t *testing.T, dir, name string, evs []evtxwrite.Event, d evtxwrite.Damage) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, evtxwrite.WriteFile(p, evs, evtxwrite.Options{Damage: d}))
	return p
}

// A server's audit window bounds its records in the Audit channel only,
// whatever other channels the inputs hold for it, whether the channels are
// exported apart or forwarded together with the channel rewritten, and
// without the records of damaged chunks.
func TestScanAuditWindow(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a0, a1 := t0.Add(10*24*time.Hour), t0.Add(12*24*time.Hour) // the audit: 2 days
	o1 := t0.Add(30 * 24 * time.Hour)                          // the other channels: 30 days
	far := t0.Add(-300 * 24 * time.Hour)                       // garbage times of a damaged chunk

	tests := []struct {
		name          string
		logs          func(dir string) []string
		first, last   time.Time
		auditFirst    time.Time
		auditLast     time.Time
		auditFindings int
		allEvents     bool // the other channels are Security events
	}{
		{
			name: "audit and operational exported apart",
			logs: func(dir string) []string {
				return []string{
					writeLog(t, dir, "audit.evtx", auditEvents(AuditChannel, 40, a0, a1, 1), evtxwrite.Damage{}),
					writeLog(t, dir, "operational.evtx", otherEvents(OperationalChannel, 60, t0, o1, 1, false), evtxwrite.Damage{}),
				}
			},
			first: t0, last: o1, auditFirst: a0, auditLast: a1, auditFindings: 40,
		},
		{
			name: "audit and security exported apart, all events",
			logs: func(dir string) []string {
				return []string{
					writeLog(t, dir, "audit.evtx", auditEvents(AuditChannel, 40, a0, a1, 1), evtxwrite.Damage{}),
					writeLog(t, dir, "security.evtx", otherEvents(SecurityLogChannel, 60, t0, o1, 1, true), evtxwrite.Damage{}),
				}
			},
			first: t0, last: o1, auditFirst: a0, auditLast: a1, auditFindings: 40, allEvents: true,
		},
		{
			name: "forwarded together, channel rewritten to ForwardedEvents",
			logs: func(dir string) []string {
				evs := append(otherEvents("ForwardedEvents", 60, t0, o1, 1, true), auditEvents("ForwardedEvents", 40, a0, a1, 101)...)
				return []string{writeLog(t, dir, "wef.evtx", evs, evtxwrite.Damage{})}
			},
			first: t0, last: o1, auditFirst: a0, auditLast: a1, auditFindings: 40, allEvents: true,
		},
		{
			name: "forwarded together, channel left empty",
			logs: func(dir string) []string {
				evs := append(otherEvents("", 60, t0, o1, 1, false), auditEvents("", 40, a0, a1, 101)...)
				return []string{writeLog(t, dir, "wef.evtx", evs, evtxwrite.Damage{})}
			},
			first: t0, last: o1, auditFirst: a0, auditLast: a1, auditFindings: 40,
		},
		{
			name: "audit records of a damaged chunk left out",
			logs: func(dir string) []string {
				return []string{
					writeLog(t, dir, "audit.evtx", auditEvents(AuditChannel, 40, a0, a1, 1), evtxwrite.Damage{}),
					writeLog(t, dir, "damaged.evtx", auditEvents(AuditChannel, 5, far, far.Add(time.Hour), 500), evtxwrite.Damage{BadRecordsCRC: true}),
					writeLog(t, dir, "operational.evtx", otherEvents(OperationalChannel, 60, t0, o1, 1, false), evtxwrite.Damage{}),
				}
			},
			first: t0, last: o1, auditFirst: a0, auditLast: a1, auditFindings: 45,
		},
		{
			name: "only damaged audit records: no audit window",
			logs: func(dir string) []string {
				return []string{
					writeLog(t, dir, "damaged.evtx", auditEvents(AuditChannel, 5, far, far.Add(time.Hour), 500), evtxwrite.Damage{BadRecordsCRC: true}),
					writeLog(t, dir, "operational.evtx", otherEvents(OperationalChannel, 60, t0, o1, 1, false), evtxwrite.Damage{}),
				}
			},
			first: t0, last: o1, auditFindings: 5,
		},
		{
			name: "no audit record",
			logs: func(dir string) []string {
				return []string{writeLog(t, dir, "operational.evtx", otherEvents(OperationalChannel, 60, t0, o1, 1, false), evtxwrite.Damage{})}
			},
			first: t0, last: o1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := tt.logs(t.TempDir())
			for _, streamed := range []bool{false, true} {
				opts := ScanOptions{AllEvents: tt.allEvents}
				if streamed {
					opts.OnFinding = func(Finding) {}
				}
				res := scan(t, opts, paths...)
				require.Len(t, res.Servers, 1, "streamed %v", streamed)
				sc := res.Servers[0]
				assert.Equal(t, windowServer, sc.Server)
				assert.True(t, tt.first.Equal(sc.First), "First %v, streamed %v", sc.First, streamed)
				assert.True(t, tt.last.Equal(sc.Last), "Last %v, streamed %v", sc.Last, streamed)
				assert.True(t, tt.auditFirst.Equal(sc.AuditFirst), "AuditFirst %v, want %v, streamed %v", sc.AuditFirst, tt.auditFirst, streamed)
				assert.True(t, tt.auditLast.Equal(sc.AuditLast), "AuditLast %v, want %v, streamed %v", sc.AuditLast, tt.auditLast, streamed)
				assert.Equal(t, tt.auditFindings, sc.AuditEvents, "streamed %v", streamed)
			}
		})
	}
}

func TestInAuditChannel(t *testing.T) {
	tests := []struct {
		id      uint16
		channel string
		want    bool
	}{
		{EventSigningUnsupported, AuditChannel, true},
		{EventSigningUnsupported, "microsoft-windows-smbserver/audit", true},
		{EventSigningUnsupported, "ForwardedEvents", true},
		{EventSigningUnsupported, "", true},
		{EventGuestLogon, OperationalChannel, false},
		{EventGuestLogon, "ForwardedEvents", false},
		{EventSPNCheckFailed, "", false},
		{EventEnforcementRejection, SecurityChannel, false},
		{4624, SecurityLogChannel, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, InAuditChannel(tt.id, tt.channel), "%d in %q", tt.id, tt.channel)
		assert.Equal(t, tt.want, RecordChannel(tt.id, tt.channel) == lowerAudit, "RecordChannel agrees: %d in %q", tt.id, tt.channel)
	}
}

// Filter.Apply cuts the audit window as it cuts First and Last, from the
// findings within the bounds of the Audit channel only.
func TestFilterApplyAuditWindow(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
	find := func(id uint16, channel string, d int, damaged bool) Finding {
		return Finding{Server: windowServer, EventID: id, Channel: channel, Time: day(d), ChunkDamaged: damaged,
			Kind: KindSigningUnsupported, Client: Client{ID: "10.0.9.1", Kind: ClientIPv4}}
	}
	res := &Result{
		Findings: []Finding{
			find(EventSigningUnsupported, AuditChannel, 10, false),
			find(EventSigningUnsupported, "ForwardedEvents", 11, false),
			find(EventSigningUnsupported, AuditChannel, 12, false),
			find(EventSigningUnsupported, AuditChannel, 13, true), // damaged: its time does not count
			find(EventGuestLogon, OperationalChannel, 14, false),  // another channel
		},
		Servers: []ServerCoverage{{Server: windowServer, First: day(1), Last: day(30), AuditFirst: day(10), AuditLast: day(12), Events: 100}},
	}
	streamed := &Result{Servers: res.Servers}

	tests := []struct {
		name                  string
		res                   *Result
		f                     Filter
		first, last           time.Time
		auditFirst, auditLast time.Time
	}{
		{"no bounds", res, Filter{}, day(1), day(30), day(10), day(12)},
		{"bounds outside the audit window", res, Filter{Since: day(5), Until: day(20)}, day(10), day(14), day(10), day(12)},
		{"since cuts it", res, Filter{Since: day(11)}, day(11), day(30), day(11), day(12)},
		{"until cuts it", res, Filter{Until: day(11)}, day(1), day(11), day(10), day(11)},
		{"since after it: none within", res, Filter{Since: day(13)}, day(14), day(30), time.Time{}, time.Time{}},
		{"until before it: none within", res, Filter{Until: day(9)}, day(1), time.Time{}, time.Time{}, time.Time{}},
		{"streamed, cut: unknown", streamed, Filter{Since: day(11)}, time.Time{}, day(30), time.Time{}, day(12)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.f.Apply(tt.res)
			require.Len(t, out.Servers, 1)
			s := out.Servers[0]
			assert.Equal(t, []time.Time{tt.first, tt.last, tt.auditFirst, tt.auditLast}, []time.Time{s.First, s.Last, s.AuditFirst, s.AuditLast})
			assert.Equal(t, day(10), tt.res.Servers[0].AuditFirst, "res is not modified")
		})
	}
}
