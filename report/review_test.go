package report_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
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

// auditEvent is one SMBServer/Audit event of a client on a server, as a
// line of evtxgen's JSON Lines.
type auditEvent struct {
	id     uint16
	server string
	client string
	at     time.Time
}

// writeAuditLog writes the events to dir/name with the project's writer
// and returns its path.
func writeAuditLog(t *testing.T, dir, name string, evs ...auditEvent) string {
	t.Helper()
	var lines []string
	for _, e := range evs {
		lines = append(lines, fmt.Sprintf(`{"provider":"Microsoft-Windows-SMBServer","channel":"Microsoft-Windows-SMBServer/Audit",`+
			`"computer":%q,"event_id":%d,"time_created":%q,"data":[{"name":"ClientNameLength","type":"uint16","value":%d},`+
			`{"name":"ClientName","type":"string","value":%q},{"name":"ServerRequiresSigning","type":"bool","value":false}]}`,
			e.server, e.id, e.at.Format(time.RFC3339Nano), len(e.client), `\\`+e.client))
	}
	parsed, err := evtxwrite.ParseJSONL(strings.NewReader(strings.Join(lines, "\n")))
	require.NoError(t, err)
	p := filepath.Join(dir, name)
	require.NoError(t, evtxwrite.WriteFile(p, parsed, evtxwrite.Options{}))
	return p
}

// A client filter narrows the findings, not what is known of the servers:
// a server's window (the times of its records within the time filter) and
// the caveat of a short window stay those of the report without the
// client filter, for the "none seen" the report then states of the client
// rests on the audit the server logged over that window.
func TestClientFilterKeepsServerWindowAndCaveats(t *testing.T) {
	day := func(d int) time.Time { return pinned.AddDate(0, 0, d).Add(90 * time.Minute) }
	dir := t.TempDir()
	writeAuditLog(t, dir, "fs01.evtx",
		auditEvent{3021, "FS01", "10.0.0.5", day(1)}, auditEvent{3021, "FS01", "10.0.0.5", day(5)},
		auditEvent{3021, "FS01", "10.0.0.5", day(8)}, auditEvent{3021, "FS01", "10.0.0.5", day(12)})
	writeAuditLog(t, dir, "fs02.evtx",
		auditEvent{3024, "FS02", "10.0.0.6", day(5)}, auditEvent{3024, "FS02", "10.0.0.6", day(5).Add(time.Hour)})

	for _, tc := range []struct {
		name   string
		filter smbaudit.Filter
		// the servers' windows, and the servers with a short-window caveat
		windows map[string][2]time.Time
		short   []string
	}{
		{"no time filter", smbaudit.Filter{},
			map[string][2]time.Time{"FS01": {day(1), day(12)}, "FS02": {day(5), day(5).Add(time.Hour)}}, []string{"FS02"}},
		{"a time filter cuts both ends", smbaudit.Filter{Since: day(4), Until: day(10)},
			map[string][2]time.Time{"FS01": {day(5), day(8)}, "FS02": {day(5), day(5).Add(time.Hour)}}, []string{"FS01", "FS02"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, clients := range [][]string{nil, {"10.0.0.9"}, {"10.0.0.5"}} {
				f := tc.filter
				f.Clients = clients
				g, err := report.Generate(context.Background(), []string{dir}, report.GenerateOptions{Filter: f,
					Report: report.Options{GeneratedAt: pinned}})
				require.NoError(t, err)
				windows := map[string][2]time.Time{}
				for _, s := range g.Report.Servers {
					windows[s.Name] = [2]time.Time{s.First, s.Last}
				}
				assert.Equal(t, tc.windows, windows, "clients %v", clients)
				var short []string
				for _, c := range g.Report.Caveats {
					if c.Kind == report.CaveatShortWindow {
						short = append(short, c.Server)
					}
				}
				assert.Equal(t, tc.short, short, "clients %v", clients)
				for _, h := range g.Report.Summary.Headlines {
					if h.State == report.StateNoneSeen {
						assert.NotContains(t, h.Text, "- to", "clients %v: %s", clients, h.Setting)
					}
				}
			}
		})
	}
}

// 3027 never decides a verdict alone, but neither may a gate read it as an
// all-clear: a setting that some clients possibly break (3027 only) is a
// reason the report cannot vouch that none breaks, never a break.
func TestGapsOfAPossibleBreak(t *testing.T) {
	month := pinned.AddDate(0, 1, 0)
	res := &smbaudit.Result{
		Findings: []smbaudit.Finding{ev(3027, "fs01", "scan01", pinned), ev(3021, "fs01", "nas01", month),
			ev(3024, "fs01", "nas01", month)},
		Servers: []smbaudit.ServerCoverage{{Server: "fs01", First: pinned, Last: month}},
		Files:   []smbaudit.FileResult{{Path: "a.evtx", FirstRecordID: 1}},
	}
	for _, tc := range []struct {
		name     string
		findings []smbaudit.Finding
		settings []report.Setting
		breaking []string
		gaps     []string
	}{
		{"3027 alone: possibly, a gap", res.Findings[:1], []report.Setting{report.SettingRequireSigning}, nil,
			[]string{"RequireSecuritySignature: 1 client possibly breaks (3027 evidence only, which is unreliable): check it"}},
		{"3027 beside a certain break: the break decides", res.Findings[:2], []report.Setting{report.SettingRequireSigning},
			[]string{"nas01"}, nil},
		{"3027 of another setting: no gap for this one", []smbaudit.Finding{res.Findings[0], res.Findings[2]},
			[]report.Setting{report.SettingSPNHardeningLvl1}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := *res
			in.Findings = tc.findings
			r := newReport(&in, report.Options{GeneratedAt: pinned})
			assert.Equal(t, tc.breaking, r.Breaking(tc.settings...))
			if tc.breaking == nil {
				assert.Equal(t, tc.gaps, r.Gaps(tc.settings...))
			}
		})
	}
}

// The count of servers without audit events agrees with the servers'
// warnings and the headlines: a server that logged an audit for clients a
// client filter drops is not one "without audit events".
func TestServersWithoutAuditUnderAClientFilter(t *testing.T) {
	dir := t.TempDir()
	writeAuditLog(t, dir, "fs01.evtx", auditEvent{3021, "FS01", "10.0.0.5", pinned}, auditEvent{3021, "FS01", "10.0.0.5", pinned.AddDate(0, 0, 9)})
	writeAuditLog(t, dir, "fs02.evtx", auditEvent{3021, "FS02", "10.0.0.6", pinned}, auditEvent{3021, "FS02", "10.0.0.6", pinned.AddDate(0, 0, 9)})
	for _, clients := range [][]string{nil, {"10.0.0.5"}, {"10.0.0.9"}} {
		g, err := report.Generate(context.Background(), []string{dir}, report.GenerateOptions{Filter: smbaudit.Filter{Clients: clients},
			Report: report.Options{GeneratedAt: pinned}})
		require.NoError(t, err)
		warned := 0
		for _, s := range g.Report.Servers {
			assert.NotEmpty(t, s.Audits, "clients %v: %s logged the signing audit", clients, s.Name)
			for _, w := range s.Warnings {
				if strings.HasPrefix(w, "no audit events") {
					warned++
				}
			}
		}
		assert.Zero(t, warned, "clients %v", clients)
		assert.Zero(t, g.Report.Summary.ServersWithoutAudit, "clients %v", clients)
	}
}

// filetime is t as a FILETIME, little-endian.
func filetime(t time.Time) []byte {
	const epochDiff = 116444736000000000 // 100 ns intervals from 1601 to 1970
	v := uint64(t.UnixNano()/100 + epochDiff)
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	return b
}

// A record of a damaged chunk may hold a garbage time: it is shown as the
// evidence it is, but it never widens a server's window, which would hide
// a short window behind years the logs do not cover. (A chunk fails its
// checksum as a whole: every record of it is from a damaged chunk, and the
// window rests on the other chunks.)
func TestDamagedRecordDoesNotWidenTheWindow(t *testing.T) {
	dir := t.TempDir()
	at := func(m int) time.Time { return pinned.Add(time.Duration(m) * 5 * time.Minute) }
	var evs []auditEvent
	for m := range 400 { // over 33 hours, in three chunks
		evs = append(evs, auditEvent{3021, "FS01", fmt.Sprintf("10.0.%d.%d", m/200, 1+m%200), at(m)})
	}
	p := writeAuditLog(t, dir, "fs01.evtx", evs...)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	garbage := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	const victim = 250
	require.Positive(t, bytes.Count(b, filetime(at(victim))))
	require.NoError(t, os.WriteFile(p, bytes.ReplaceAll(b, filetime(at(victim)), filetime(garbage)), 0o644))

	whole, err := report.Generate(context.Background(), []string{dir}, report.GenerateOptions{Report: report.Options{GeneratedAt: pinned}})
	require.NoError(t, err)
	var first, last time.Time
	damaged := 0
	for _, f := range whole.Report.Findings {
		if f.ChunkDamaged {
			damaged++
			continue
		}
		if first.IsZero() || f.Time.Before(first) {
			first = f.Time
		}
		if f.Time.After(last) {
			last = f.Time
		}
	}
	require.Positive(t, damaged)
	require.Less(t, damaged, len(evs), "one chunk damaged, not all")
	require.Equal(t, garbage, whole.Report.Findings[0].Time, "the garbage time is kept as the finding's")

	for _, filter := range []smbaudit.Filter{{}, {Clients: []string{"10.9.9.9"}}, {Since: at(-1)}} {
		g, err := report.Generate(context.Background(), []string{dir}, report.GenerateOptions{Filter: filter,
			Report: report.Options{GeneratedAt: pinned}})
		require.NoError(t, err)
		require.Len(t, g.Report.Servers, 1)
		s := g.Report.Servers[0]
		assert.Equal(t, [2]time.Time{first, last}, [2]time.Time{s.First, s.Last}, "filter %v", filter)
		var short []string
		for _, c := range g.Report.Caveats {
			if c.Kind == report.CaveatShortWindow {
				short = append(short, c.Server)
			}
		}
		assert.Equal(t, []string{"FS01"}, short, "filter %v", filter)
	}
}

// A server whose window is unknown (every record of it from a damaged
// chunk) cannot vouch for a span of time either: it gets the caveat of a
// short window, never silence.
func TestUnknownWindowIsACaveat(t *testing.T) {
	dir := t.TempDir()
	p := writeAuditLog(t, dir, "fs01.evtx", auditEvent{3021, "FS01", "10.0.0.5", pinned},
		auditEvent{3024, "FS01", "10.0.0.6", pinned.AddDate(0, 0, 20)})
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Positive(t, bytes.Count(b, filetime(pinned)))
	require.NoError(t, os.WriteFile(p, bytes.ReplaceAll(b, filetime(pinned), filetime(pinned.Add(time.Hour))), 0o644))
	g, err := report.Generate(context.Background(), []string{dir}, report.GenerateOptions{Report: report.Options{GeneratedAt: pinned}})
	require.NoError(t, err)
	require.Len(t, g.Report.Servers, 1)
	s := g.Report.Servers[0]
	require.True(t, s.First.IsZero() && s.Last.IsZero(), "every record is from the damaged chunk")
	require.NotEmpty(t, s.Audits)
	var short []report.Caveat
	for _, c := range g.Report.Caveats {
		if c.Kind == report.CaveatShortWindow {
			short = append(short, c)
		}
	}
	require.Len(t, short, 1)
	assert.Equal(t, "FS01", short[0].Server)
	assert.Contains(t, short[0].Text, "unknown")
	for _, h := range g.Report.Summary.Headlines {
		if h.State == report.StateNoneSeen {
			assert.Contains(t, h.Text, "unknown", h.Setting)
		}
	}
}

// A Builder tells copies apart as the scan does (smbaudit.RecordChannel): a
// forwarded copy whose channel a collector rewrote is a copy of the
// server's own record, and records of two channels that share a record ID
// under a rewritten channel are two records.
func TestBuilderCopiesUnderARewrittenChannel(t *testing.T) {
	rec := func(id uint16, channel, file string, rid uint64, at time.Time) smbaudit.Finding {
		f := ev(id, "FS01", "nas01", at)
		f.Channel, f.EventRecordID, f.RecordID, f.Source = channel, rid, rid, evtx.Source{File: file}
		return f
	}
	for _, rewritten := range []string{"ForwardedEvents", "forwardedevents", ""} {
		{
			fs := []smbaudit.Finding{
				rec(3021, smbaudit.AuditChannel, "own.evtx", 100, pinned),
				rec(3021, rewritten, "wef.evtx", 100, pinned),                               // its copy
				rec(3023, rewritten, "wef.evtx", 100, pinned),                               // Operational's record 100
				rec(3023, smbaudit.OperationalChannel, "ops.evtx", 100, pinned),             // and its copy
				rec(3021, rewritten, "wef.evtx", 100, pinned.Add(time.Second)),              // another record
				rec(3021, strings.ToUpper(smbaudit.AuditChannel), "own2.evtx", 100, pinned), // a copy, in capitals
			}
			var rs []*report.Report
			for i := range fs { // one report a finding, merged as partials are
				b := report.NewBuilder(report.Options{GeneratedAt: pinned})
				b.Add(&fs[i])
				rs = append(rs, b.Finish())
			}
			b := report.NewBuilder(report.Options{GeneratedAt: pinned})
			for _, r := range rs {
				require.NoError(t, b.AddReport(r))
			}
			r := b.Finish()
			require.Len(t, r.Clients, 1)
			assert.Len(t, r.Findings, 3, "channel %q", rewritten)
			assert.Equal(t, 2, r.Clients[0].Count(3021), "channel %q", rewritten)
			assert.Equal(t, 1, r.Clients[0].Count(3023), "channel %q", rewritten)
		}
	}
}

// A headline of a filtered report says what it was judged on: the filters
// kept part of the events, and it says nothing of the rest (a "none seen"
// of one server or client is no all-clear for the others).
func TestHeadlinesNameTheFilters(t *testing.T) {
	dir := t.TempDir()
	writeAuditLog(t, dir, "fs01.evtx", auditEvent{3021, "FS01", "10.0.0.5", pinned}, auditEvent{3024, "FS01", "10.0.0.6", pinned.AddDate(0, 0, 9)})
	writeAuditLog(t, dir, "fs02.evtx", auditEvent{3021, "FS02", "10.0.0.7", pinned}, auditEvent{3000, "FS02", "10.0.0.7", pinned.AddDate(0, 0, 9)})
	for _, tc := range []struct {
		filter smbaudit.Filter
		text   string
	}{
		{smbaudit.Filter{Servers: []string{"fs01"}}, "server fs01"},
		{smbaudit.Filter{Clients: []string{"10.0.0.6"}}, "client 10.0.0.6"},
		{smbaudit.Filter{Since: pinned.AddDate(0, 0, 1)}, "since 2025-10-02T00:00:00.0000000Z"},
	} {
		g, err := report.Generate(context.Background(), []string{dir}, report.GenerateOptions{Filter: tc.filter,
			Report: report.Options{GeneratedAt: pinned}})
		require.NoError(t, err)
		for _, h := range g.Report.Summary.Headlines {
			assert.Contains(t, h.Text, tc.text, "%s: %s", h.State, h.Setting)
		}
		// The same, for a merge of partials made with the filter.
		var b bytes.Buffer
		require.NoError(t, g.Report.Render(&b, report.FormatJSON, report.RenderOptions{}))
		m := report.NewBuilder(report.Options{GeneratedAt: pinned})
		require.NoError(t, m.AddJSON(&b))
		for _, h := range m.Finish().Summary.Headlines {
			assert.Contains(t, h.Text, tc.text, "merged: %s: %s", h.State, h.Setting)
		}
	}
	g, err := report.Generate(context.Background(), []string{dir}, report.GenerateOptions{Report: report.Options{GeneratedAt: pinned}})
	require.NoError(t, err)
	for _, h := range g.Report.Summary.Headlines {
		assert.NotContains(t, h.Text, "filter", "no filter: %s", h.Setting)
	}
}
