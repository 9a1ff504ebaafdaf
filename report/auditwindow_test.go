package report_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

const awServer = "FS09.corp.example"

// The times of the audit window tests: the Audit channel spans a0..a1 (2
// days), the server's other records t0..o1 (30 days).
var (
	awT0  = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	awA0  = awT0.Add(10 * 24 * time.Hour)
	awA1  = awT0.Add(12 * 24 * time.Hour)
	awO1  = awT0.Add(30 * 24 * time.Hour)
	awFar = awT0.Add(-300 * 24 * time.Hour) // garbage times of a damaged chunk
)

// awTime is the time of the i-th of n records from first to last.
func awTime(first, last time.Time, i, n int) time.Time {
	if i == n-1 {
		return last
	}
	// EVTX keeps times in 100 ns units.
	return first.Add(last.Sub(first) / time.Duration(n-1) * time.Duration(i)).Truncate(100)
}

// spnEvents returns n 3024 events (a client without an SPN: it breaks
// SmbServerNameHardeningLevel=2, not level 1) in channel, from first to
// last, with record IDs from id0; client i is 10.0.9.(1+i%clients).
func spnEvents(channel string, n, clients int, first, last time.Time, id0 uint64) []evtxwrite.Event {
	var evs []evtxwrite.Event
	for i := range n {
		evs = append(evs, evtxwrite.Event{
			System: evtx.System{Provider: smbaudit.Provider, EventID: smbaudit.EventSPNMissing, Level: 4, Channel: channel,
				Computer: awServer, TimeCreated: awTime(first, last, i, n)},
			RecordID: id0 + uint64(i),
			Data: []evtxwrite.Data{
				{Name: "ClientName", Type: evtx.TypeString, Value: fmt.Sprintf(`\\10.0.9.%d`, 1+i%clients)},
				{Name: "Status", Type: evtx.TypeHexInt32, Value: uint32(0xc00000bb)},
				{Name: "SPNValidationPolicy", Type: evtx.TypeUint32, Value: uint32(1)},
			},
		})
	}
	return evs
}

// opEvents returns n SMB server events that are no finding (1001) in
// channel, from first to last, with record IDs from id0.
func opEvents(channel string, n int, first, last time.Time, id0 uint64) []evtxwrite.Event {
	var evs []evtxwrite.Event
	for i := range n {
		evs = append(evs, evtxwrite.Event{
			System: evtx.System{Provider: smbaudit.Provider, EventID: 1001, Level: 4, Channel: channel,
				Computer: awServer, TimeCreated: awTime(first, last, i, n)},
			RecordID: id0 + uint64(i),
			Data:     []evtxwrite.Data{{Name: "Reason", Type: evtx.TypeString, Value: "none"}},
		})
	}
	return evs
}

func awWrite(t *testing.T, dir, name string, evs []evtxwrite.Event, d evtxwrite.Damage) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, evtxwrite.WriteFile(p, evs, evtxwrite.Options{Damage: d}))
	return p
}

// awLogs are the inputs of the audit window tests, by layout.
var awLogs = map[string]func(t *testing.T, dir string) []string{
	"exported apart": func(t *testing.T, dir string) []string {
		return []string{
			awWrite(t, dir, "audit.evtx", spnEvents(smbaudit.AuditChannel, 40, 4, awA0, awA1, 1), evtxwrite.Damage{}),
			awWrite(t, dir, "operational.evtx", opEvents(smbaudit.OperationalChannel, 60, awT0, awO1, 1), evtxwrite.Damage{}),
		}
	},
	"forwarded, channel rewritten": func(t *testing.T, dir string) []string {
		evs := append(opEvents("ForwardedEvents", 60, awT0, awO1, 1), spnEvents("ForwardedEvents", 40, 4, awA0, awA1, 101)...)
		return []string{awWrite(t, dir, "wef.evtx", evs, evtxwrite.Damage{})}
	},
	"damaged audit chunk": func(t *testing.T, dir string) []string {
		return []string{
			awWrite(t, dir, "audit.evtx", spnEvents(smbaudit.AuditChannel, 40, 4, awA0, awA1, 1), evtxwrite.Damage{}),
			awWrite(t, dir, "damaged.evtx", spnEvents(smbaudit.AuditChannel, 5, 4, awFar, awFar.Add(time.Hour), 500), evtxwrite.Damage{BadRecordsCRC: true}),
			awWrite(t, dir, "operational.evtx", opEvents(smbaudit.OperationalChannel, 60, awT0, awO1, 1), evtxwrite.Damage{}),
		}
	},
}

// A server with 2 days of Audit records beside 30 days of other records is
// vouched for over 2 days, and flagged: in Server, in the "none seen"
// headline and in the short-window caveat, however its channels came
// (exported apart, forwarded with the channel rewritten, with a damaged
// chunk of garbage times), with and without a client filter.
func TestAuditWindowJudgesNoneSeen(t *testing.T) {
	tests := []struct {
		layout string
		filter smbaudit.Filter
		// the audit window expected: a1 is cut by Until to the last 3024
		// within
		a0, a1 time.Time
		span   string // as the caveat says it
	}{
		{"exported apart", smbaudit.Filter{}, awA0, awA1, "2d"},
		{"forwarded, channel rewritten", smbaudit.Filter{}, awA0, awA1, "2d"},
		{"damaged audit chunk", smbaudit.Filter{}, awA0, awA1, "2d"},
		{"exported apart", smbaudit.Filter{Clients: []string{"10.0.9.2"}}, awA0, awA1, "2d"},
		{"forwarded, channel rewritten", smbaudit.Filter{Clients: []string{"10.0.9.3"}}, awA0, awA1, "2d"},
		{"exported apart", smbaudit.Filter{Clients: []string{"10.0.9.99"}}, awA0, awA1, "2d"},
		{"exported apart", smbaudit.Filter{Until: awA0.Add(24 * time.Hour)}, awA0, awTime(awA0, awA1, 19, 40), "23h 23m"},
		{"exported apart", smbaudit.Filter{Until: awA0.Add(24 * time.Hour), Clients: []string{"10.0.9.2"}}, awA0, awTime(awA0, awA1, 19, 40), "23h 23m"},
	}
	for _, tt := range tests {
		name := tt.layout
		if ft := report.FilterText(tt.filter); len(ft) > 0 {
			name += ", " + strings.Join(ft, "; ")
		}
		t.Run(name, func(t *testing.T) {
			paths := awLogs[tt.layout](t, t.TempDir())
			g, err := report.Generate(context.Background(), paths, report.GenerateOptions{
				Filter: tt.filter, Report: report.Options{GeneratedAt: pinned}})
			require.NoError(t, err)
			r := g.Report
			require.Len(t, r.Servers, 1)
			sv := r.Servers[0]
			assert.Equal(t, awServer, sv.Name)
			assert.Equal(t, []time.Time{tt.a0, tt.a1}, []time.Time{sv.AuditFirst, sv.AuditLast}, "the audit window")
			assert.Equal(t, awT0, sv.First, "the coverage stays that of every record")
			if tt.filter.Until.IsZero() {
				assert.Equal(t, awO1, sv.Last)
			}

			var h *report.Headline
			for i := range r.Summary.Headlines {
				if r.Summary.Headlines[i].Setting == report.SettingSPNHardeningLvl1 {
					h = &r.Summary.Headlines[i]
				}
			}
			require.NotNil(t, h)
			require.Equal(t, report.StateNoneSeen, h.State, h.Text)
			assert.Contains(t, h.Text, fmt.Sprintf("was logged by 1 server of 1 (%s), %s to %s", awServer,
				tt.a0.Format(evtx.TimeLayout), tt.a1.Format(evtx.TimeLayout)))
			assert.NotContains(t, h.Text, "unknown")

			var caveats []string
			for _, c := range r.Caveats {
				if c.Kind == report.CaveatShortWindow {
					caveats = append(caveats, c.Text)
				}
			}
			assert.Equal(t, []string{fmt.Sprintf("%s: its Audit channel's records span %s, less than 7d: "+
				"a client that connects less often may not be seen", awServer, tt.span)}, caveats)

			var b bytes.Buffer
			require.NoError(t, r.Render(&b, report.FormatJSON, report.RenderOptions{}))
			assert.Contains(t, b.String(), `"audit_first": "`+tt.a0.Format(evtx.TimeLayout)+`"`)
			back, err := report.ReadJSON(&b)
			require.NoError(t, err)
			assert.Equal(t, []time.Time{tt.a0, tt.a1}, []time.Time{back.Servers[0].AuditFirst, back.Servers[0].AuditLast}, "read back")
		})
	}
}

// A long Audit channel is not flagged, however short the other channels.
func TestAuditWindowLongEnough(t *testing.T) {
	dir := t.TempDir()
	paths := []string{
		awWrite(t, dir, "audit.evtx", spnEvents(smbaudit.AuditChannel, 40, 4, awT0, awO1, 1), evtxwrite.Damage{}),
		awWrite(t, dir, "operational.evtx", opEvents(smbaudit.OperationalChannel, 10, awA0, awA1, 1), evtxwrite.Damage{}),
	}
	g, err := report.Generate(context.Background(), paths, report.GenerateOptions{Report: report.Options{GeneratedAt: pinned}})
	require.NoError(t, err)
	for _, c := range g.Report.Caveats {
		assert.NotEqual(t, report.CaveatShortWindow, c.Kind, c.Text)
	}
	assert.Equal(t, awO1.Sub(awT0), g.Report.Servers[0].AuditLast.Sub(g.Report.Servers[0].AuditFirst))
}

// oldPartial returns the JSON form of r as a report written before the
// audit windows existed: without audit_windows, audit_first, audit_last.
func oldPartial(t *testing.T, r *report.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, r.Render(&b, report.FormatJSON, report.RenderOptions{}))
	old := regexp.MustCompile(`(?m)^\s*"(audit_windows|audit_first|audit_last)": [^\n]*\n`).ReplaceAll(b.Bytes(), nil)
	require.NotRegexp(t, `"audit_(windows|first|last)"`, string(old))
	require.Contains(t, string(old), `"audits": [`)
	return old
}

// Merging: each partial's audit window joins the others (min/max), and a
// summarised partial written before the windows existed makes the window
// unknown, never none; one that kept its findings gives it back from them.
func TestAuditWindowMerge(t *testing.T) {
	dir := t.TempDir()
	early := awWrite(t, dir, "early.evtx", spnEvents(smbaudit.AuditChannel, 20, 4, awA0, awA0.Add(24*time.Hour), 1), evtxwrite.Damage{})
	late := awWrite(t, dir, "late.evtx", spnEvents(smbaudit.AuditChannel, 20, 4, awA1, awA1.Add(24*time.Hour), 21), evtxwrite.Damage{})
	ops := awWrite(t, dir, "operational.evtx", opEvents(smbaudit.OperationalChannel, 60, awT0, awO1, 1), evtxwrite.Damage{})
	gen := func(max int, paths ...string) *report.Report {
		g, err := report.Generate(context.Background(), paths, report.GenerateOptions{
			Report: report.Options{GeneratedAt: pinned, MaxFindings: max}})
		require.NoError(t, err)
		return g.Report
	}
	window := func(r *report.Report) []time.Time {
		require.Len(t, r.Servers, 1)
		return []time.Time{r.Servers[0].AuditFirst, r.Servers[0].AuditLast}
	}
	headline := func(r *report.Report) string {
		for _, h := range r.Summary.Headlines {
			if h.Setting == report.SettingSPNHardeningLvl1 {
				return h.Text
			}
		}
		return ""
	}
	whole := gen(0, early, late, ops)
	want := []time.Time{awA0, awA1.Add(24 * time.Hour)}
	assert.Equal(t, want, window(whole))

	tests := []struct {
		name    string
		max     int  // MaxFindings of the partials: 1 summarises them
		old     bool // the late partial is written as before the windows
		want    []time.Time
		unknown bool
	}{
		{"partials", 0, false, want, false},
		{"summarised partials", 1, false, want, false},
		{"old partial with its findings", 0, true, want, false},
		{"old summarised partial", 1, true, []time.Time{{}, {}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := gen(tt.max, early, ops), gen(tt.max, late)
			var jb bytes.Buffer
			if tt.old {
				jb.Write(oldPartial(t, b))
			} else {
				require.NoError(t, b.Render(&jb, report.FormatJSON, report.RenderOptions{}))
			}
			var ja bytes.Buffer
			require.NoError(t, a.Render(&ja, report.FormatJSON, report.RenderOptions{}))
			bl := report.NewBuilder(report.Options{GeneratedAt: pinned})
			require.NoError(t, bl.AddJSON(bytes.NewReader(ja.Bytes())))
			require.NoError(t, bl.AddJSON(bytes.NewReader(jb.Bytes())))
			m := bl.Finish()
			assert.Equal(t, tt.want, window(m))
			if tt.unknown {
				assert.Contains(t, headline(m), "(the times of some of them are unknown)")
				assert.Contains(t, fmt.Sprint(m.Caveats), "the times of its Audit channel's records are unknown")
			} else {
				assert.NotContains(t, headline(m), "unknown")
			}
			// ReadJSON and AddReport agree with AddJSON.
			ra, err := report.ReadJSON(bytes.NewReader(ja.Bytes()))
			require.NoError(t, err)
			rb, err := report.ReadJSON(bytes.NewReader(jb.Bytes()))
			require.NoError(t, err)
			assert.Equal(t, tt.want, window(merge(t, ra, rb)))
			if !tt.old {
				assert.Equal(t, tt.want, window(merge(t, a, b)), "merged in memory")
			}
		})
	}
}
