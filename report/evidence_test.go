package report_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// finding of one event by one client on one server.
func ev(id uint16, server, client string, at time.Time) smbaudit.Finding {
	return smbaudit.Finding{Kind: kindOf(id), EventID: id, Server: server, Time: at,
		Client: smbaudit.Client{ID: client, Raw: `\\` + client, Kind: smbaudit.ClientHost, ShortName: client}}
}

func TestSettingStates(t *testing.T) {
	const (
		sign = report.SettingRequireSigning
		l1   = report.SettingSPNHardeningLvl1
		l2   = report.SettingSPNHardeningLvl2
		smb1 = report.SettingDisableSMB1
		enc  = report.SettingRequireEncryption
	)
	tests := []struct {
		name     string
		findings []smbaudit.Finding
		servers  []smbaudit.ServerCoverage
		want     map[report.Setting]report.State
		with     map[report.Setting][]string
		without  map[report.Setting][]string
	}{
		{"nothing at all", nil, nil,
			map[report.Setting]report.State{sign: report.StateCannotTell, l1: report.StateCannotTell, l2: report.StateCannotTell,
				smb1: report.StateCannotTell, enc: report.StateCannotTell}, nil, nil},
		{"servers seen, no audit event", nil, []smbaudit.ServerCoverage{{Server: "fs01", First: pinned, Last: pinned, Events: 9}},
			map[report.Setting]report.State{sign: report.StateCannotTell, l2: report.StateCannotTell},
			nil, map[report.Setting][]string{sign: {"fs01"}}},
		{"3021 on one server: signing breaks, SPN cannot tell",
			[]smbaudit.Finding{ev(3021, "fs01", "nas01", pinned)}, []smbaudit.ServerCoverage{{Server: "fs02", First: pinned, Last: pinned}},
			map[report.Setting]report.State{sign: report.StateBreaks, l1: report.StateCannotTell, l2: report.StateCannotTell},
			map[report.Setting][]string{sign: {"fs01"}}, map[report.Setting][]string{sign: {"fs02"}, l1: {"fs01", "fs02"}}},
		{"3026 only: level 2 breaks, level 1 none seen",
			[]smbaudit.Finding{ev(3026, "fs01", "nas01", pinned)}, nil,
			map[report.Setting]report.State{l2: report.StateBreaks, l1: report.StateNoneSeen, sign: report.StateCannotTell},
			map[report.Setting][]string{l1: {"fs01"}}, nil},
		{"3027 only: possibly",
			[]smbaudit.Finding{ev(3027, "fs01", "nas01", pinned)}, nil,
			map[report.Setting]report.State{sign: report.StatePossibly}, map[report.Setting][]string{sign: {"fs01"}}, nil},
		{"3023 breaks signing without the signing audit",
			[]smbaudit.Finding{ev(3023, "fs01", "nas01", pinned)}, nil,
			map[report.Setting]report.State{sign: report.StateBreaks}, nil, map[report.Setting][]string{sign: {"fs01"}}},
		{"3000 and 3022: SMB1 and encryption breaks",
			[]smbaudit.Finding{ev(3000, "fs01", "nas01", pinned), ev(3022, "fs01", "nas02", pinned)}, nil,
			map[report.Setting]report.State{smb1: report.StateBreaks, enc: report.StateBreaks}, nil, nil},
		{"551 alone is no audit",
			[]smbaudit.Finding{ev(551, "fs01", "nas01", pinned)}, nil,
			map[report.Setting]report.State{sign: report.StateCannotTell, l2: report.StateCannotTell}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReport(&smbaudit.Result{Findings: tc.findings, Servers: tc.servers}, report.Options{GeneratedAt: pinned})
			got := map[report.Setting]report.Headline{}
			for _, h := range r.Summary.Headlines {
				got[h.Setting] = h
			}
			require.Len(t, got, len(report.Settings()))
			for st, want := range tc.want {
				assert.Equal(t, want, got[st].State, st)
				assert.Equal(t, report.AuditFor(st).Name, got[st].Audit)
				assert.Equal(t, report.AuditFor(st).Switch, got[st].AuditSwitch)
				if want == report.StateCannotTell {
					assert.Contains(t, got[st].Text, "cannot tell what breaks if you enforce "+string(st))
					assert.Contains(t, got[st].Text, "turn on "+report.AuditFor(st).Switch)
					assert.NotContains(t, got[st].Text, "0 clients")
				}
			}
			for st, want := range tc.with {
				assert.Equal(t, want, got[st].ServersWithAudit, st)
			}
			for st, want := range tc.without {
				assert.Equal(t, want, got[st].ServersWithoutAudit, st)
			}
			audits := 0
			for _, f := range tc.findings {
				if f.EventID != 551 && f.EventID != 3023 {
					audits++
				}
			}
			assert.Equal(t, audits, r.Summary.AuditEvents)
			assert.Equal(t, audits == 0, r.Summary.Notice != "", "the notice says there is no audit event")
		})
	}
}

func TestNoticeNamesFilesAndFilters(t *testing.T) {
	res := &smbaudit.Result{Files: []smbaudit.FileResult{{Path: "a.evtx", Size: 1 << 16}, {Path: "b.evtx", Skipped: true,
		Err: errors.New("nope"), Cause: smbaudit.CauseUnreadable}}}
	r := newReport(res, report.Options{GeneratedAt: pinned, Meta: report.Meta{Filter: smbaudit.Filter{Servers: []string{"nosuch"}}}})
	assert.Equal(t, "No SMB audit events were found in 1 file read (1 skipped) after the filters (server nosuch): "+
		"this report says nothing about your clients. Turn on the audits of every SMB server (AuditSmb1Access, "+
		"the encryption audit (event 3022, in the SMBServer/Audit channel), AuditClientDoesNotSupportSigning, "+
		"AuditClientSpnSupport), let them run through a full business cycle, and export the "+
		"Microsoft-Windows-SMBServer/Audit log again.", r.Summary.Notice)
	for _, f := range report.Formats() {
		var b bytes.Buffer
		require.NoError(t, r.Render(&b, f, report.RenderOptions{}))
		if f == report.FormatXLSX {
			x, err := excelize.OpenReader(&b)
			require.NoError(t, err)
			rows, err := x.GetRows(report.SheetSummary)
			require.NoError(t, err)
			var cells []string
			for _, row := range rows {
				cells = append(cells, strings.Join(row, " | "))
			}
			all := strings.Join(cells, "\n")
			assert.Contains(t, all, "NO EVIDENCE | No SMB audit events were found in 1 file read")
			assert.Contains(t, all, "filters | server nosuch")
			assert.Contains(t, cells[1], "| cannot-tell | smb1", "each setting's state")
			continue
		}
		out := strings.Join(strings.Fields(b.String()), " ")
		at := strings.Index(out, "No SMB audit events were found")
		require.GreaterOrEqual(t, at, 0, f)
		assert.Contains(t, out, "server nosuch", f)
		if f != report.FormatJSON {
			assert.Less(t, at, strings.Index(out, "RequireSecuritySignature"), "%s: the notice comes first", f)
		}
	}
}

func TestCaveats(t *testing.T) {
	res := &smbaudit.Result{
		Findings: []smbaudit.Finding{ev(3021, "fs01", "nas01", pinned), ev(3021, "fs02", "nas01", pinned.Add(30*24*time.Hour))},
		Servers: []smbaudit.ServerCoverage{
			{Server: "fs01", First: pinned, Last: pinned.Add(50 * time.Hour), AuditFirst: pinned, AuditLast: pinned.Add(50 * time.Hour)},
			{Server: "fs02", First: pinned, Last: pinned.Add(30 * 24 * time.Hour), AuditFirst: pinned, AuditLast: pinned.Add(30 * 24 * time.Hour)},
			{Server: "quiet", First: pinned, Last: pinned}},
		Files: []smbaudit.FileResult{
			{Path: "a.evtx", FirstRecordID: 1},
			{Path: "b.evtx", FirstRecordID: 4001},
			{Path: "c.evtx", FirstRecordID: 1, DamagedChunks: []int{2}, Errors: []error{errors.New("c.evtx: chunk 2 at offset 135168: lost")}},
			{Path: "d.evtx", Skipped: true, Err: errors.New("not EVTX"), Cause: smbaudit.CauseNotEVTX},
		},
	}
	r := newReport(res, report.Options{GeneratedAt: pinned})
	assert.Equal(t, []report.Caveat{
		{Kind: report.CaveatShortWindow, Server: "fs01",
			Text: "fs01: its Audit channel's records span 2d 2h, less than 7d: a client that connects less often may not be seen"},
		{Kind: report.CaveatWrapped, Input: "b.evtx",
			Text: "b.evtx: the log starts at record 4001: the records before it were overwritten (the log wrapped) or cleared"},
		{Kind: report.CaveatDamaged, Input: "c.evtx", Text: "c.evtx: 1 error and 1 damaged chunk: records may be lost (see its errors)"},
		{Kind: report.CaveatSkipped, Input: "d.evtx", Text: "d.evtx: skipped (not EVTX): none of its events is in this report"},
	}, r.Caveats, "fs02 spans 30 days; quiet has no audit event (it is warned of already)")

	longer := newReport(res, report.Options{GeneratedAt: pinned, Meta: report.Meta{ShortWindow: 60 * 24 * time.Hour}})
	assert.Equal(t, "fs02: its Audit channel's records span 30d, less than 60d: a client that connects less often may not be seen", longer.Caveats[1].Text)
	off := newReport(res, report.Options{GeneratedAt: pinned, Meta: report.Meta{ShortWindow: -1}})
	assert.NotEqual(t, report.CaveatShortWindow, off.Caveats[0].Kind)

	// The gate: signing broke, so no gap for it; SPN has no evidence.
	assert.Equal(t, []string{
		"SmbServerNameHardeningLevel=2: no server logged the SPN audit (3024/3025/3026) (turn on AuditClientSpnSupport)",
		"c.evtx: 1 error and 1 damaged chunk: records may be lost (see its errors)",
		"d.evtx: skipped (not EVTX): none of its events is in this report",
	}, r.Gaps(report.SettingRequireSigning, report.SettingSPNHardeningLvl2))
	assert.Nil(t, r.Gaps())
	assert.Nil(t, (*report.Report)(nil).Gaps(report.SettingRequireSigning))
}

// What a report states of how it was made and of its inputs goes through
// the JSON form, and a report written before these members reads as before.
func TestMetaAndInputFactsRoundTrip(t *testing.T) {
	res := &smbaudit.Result{Findings: []smbaudit.Finding{ev(3021, "fs01", "nas01", pinned)},
		Files: []smbaudit.FileResult{{Path: "a.evtx", Size: 69632, Records: 5, RecordsInChunks: 50, FirstRecordID: 88,
			SHA256: [32]byte{0xab, 0xcd}}}}
	meta := report.Meta{Version: "smbreadiness v1.0.0", CommandLine: "smbaudit --since 2025-10-01 'my logs'",
		Filter: smbaudit.Filter{Since: pinned, Servers: []string{"fs01"}}, ShortWindow: 36 * time.Hour}
	r := newReport(res, report.Options{GeneratedAt: pinned, Meta: meta})
	var b bytes.Buffer
	require.NoError(t, r.Render(&b, report.FormatJSON, report.RenderOptions{}))
	back, err := report.ReadJSON(bytes.NewReader(b.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, meta, back.Meta)
	require.Len(t, back.Inputs, 1)
	in := back.Inputs[0]
	assert.Equal(t, "abcd"+strings.Repeat("0", 60), in.SHA256)
	assert.Equal(t, []any{50, 5, uint64(88), int64(69632)}, []any{in.RecordsInChunks, in.Records, in.FirstRecordID, in.Size})
	assert.Equal(t, r.Caveats, back.Caveats)
	assert.Equal(t, r.Summary.Headlines, back.Summary.Headlines)

	// A v1 document of before: no meta, no input facts.
	old := strings.NewReplacer(`"version": "smbreadiness v1.0.0",`, ``, `"short_window": "36h0m0s",`, ``,
		`"sha256": "abcd`+strings.Repeat("0", 60)+`",`, ``, `"first_record_id": 88,`, ``).Replace(b.String())
	require.NotEqual(t, b.String(), old)
	prev, err := report.ReadJSON(strings.NewReader(old))
	require.NoError(t, err)
	assert.Equal(t, report.DefaultShortWindow, prev.ShortWindow)
	assert.Empty(t, prev.Version)
	assert.Zero(t, prev.Inputs[0].FirstRecordID)

	bad := strings.Replace(b.String(), `"sha256": "abcd`, `"sha256": "ABCD`, 1)
	_, err = report.ReadJSON(strings.NewReader(bad))
	assert.ErrorIs(t, err, report.ErrMalformed)
}
