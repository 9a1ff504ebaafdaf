package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/report/internal/sample"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

var pinned = time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)

func kindOf(id uint16) smbaudit.Kind {
	return map[uint16]smbaudit.Kind{
		3000: smbaudit.KindSMB1Access, 3021: smbaudit.KindSigningUnsupported, 3024: smbaudit.KindSPNMissing,
		3025: smbaudit.KindSPNUnrecognised, 3026: smbaudit.KindSPNEmpty, 3027: smbaudit.KindSMB1SigningDisabled,
		551: smbaudit.KindEnforcementRejection, 3022: smbaudit.KindEncryptionUnsupported,
		3023: smbaudit.KindGuestLogon, 5168: smbaudit.KindSPNCheckFailed,
	}[id]
}

// oneClient builds a result where client 10.0.0.5 logged the given events,
// the i-th on server "srv<i%2>".
func oneClient(ids ...uint16) *smbaudit.Result {
	res := &smbaudit.Result{}
	for i, id := range ids {
		res.Findings = append(res.Findings, smbaudit.Finding{Kind: kindOf(id), EventID: id,
			Server: fmt.Sprintf("srv%d", i%2), Client: smbaudit.Client{ID: "10.0.0.5", Raw: `\\10.0.0.5`, Kind: smbaudit.ClientIPv4},
			Time: pinned.Add(time.Duration(i) * time.Hour), RecordID: uint64(i + 1)})
	}
	return res
}

func TestVerdicts(t *testing.T) {
	const (
		smb1 = report.SettingDisableSMB1
		sign = report.SettingRequireSigning
		l1   = report.SettingSPNHardeningLvl1
		l2   = report.SettingSPNHardeningLvl2
		enc  = report.SettingRequireEncryption
	)
	tests := []struct {
		name     string
		events   []uint16
		breaks   []report.Setting
		possibly []report.Setting
		rejected bool
		hints    []string
	}{
		{"3021 breaks signing", []uint16{3021}, []report.Setting{sign}, nil, false, []string{report.HintSigning}},
		{"3027 alone is only possibly", []uint16{3027, 3027}, nil, []report.Setting{sign}, false, []string{report.HintSigning3027}},
		{"3021 with 3027 is certain", []uint16{3027, 3021}, []report.Setting{sign}, nil, false, []string{report.HintSigning}},
		{"3025 breaks level 1 and 2", []uint16{3025}, []report.Setting{l1, l2}, nil, false, []string{report.HintSPN, report.HintSPN}},
		{"3024 breaks level 2 only", []uint16{3024}, []report.Setting{l2}, nil, false, []string{report.HintNoSPN}},
		{"3026 breaks level 2 only", []uint16{3026}, []report.Setting{l2}, nil, false, []string{report.HintEmptySPN}},
		{"3000 breaks DisableSMB1", []uint16{3000}, []report.Setting{smb1}, nil, false, []string{report.HintSMB1}},
		{"551 alone: rejected, no prediction", []uint16{551}, nil, nil, true, nil},
		{"551 with 3021", []uint16{551, 3021}, []report.Setting{sign}, nil, true, []string{report.HintSigning}},
		{"everything", []uint16{3000, 3021, 3024, 3025, 3026, 3027, 551}, []report.Setting{smb1, sign, l1, l2}, nil, true,
			[]string{report.HintSMB1, report.HintSigning, report.HintSPN, report.HintNoSPN, report.HintSPN, report.HintEmptySPN}},
		{"unknown event: no verdict", []uint16{3999}, nil, nil, false, nil},
		{"3022 breaks encryption only", []uint16{3022}, []report.Setting{enc}, nil, false, []string{report.HintEncryption}},
		{"3023 (guest) breaks signing", []uint16{3023}, []report.Setting{sign}, nil, false, []string{report.HintGuest}},
		{"3023 with 3021: both hints", []uint16{3021, 3023}, []report.Setting{sign}, nil, false, []string{report.HintSigning, report.HintGuest}},
		{"5168 alone: rejected, no prediction", []uint16{5168}, nil, nil, true, nil},
		{"5168 with 3024", []uint16{5168, 3024}, []report.Setting{l2}, nil, true, []string{report.HintNoSPN}},
		{"3022 with 3027: certain encryption, possible signing", []uint16{3022, 3027}, []report.Setting{enc}, []report.Setting{sign}, false,
			[]string{report.HintEncryption, report.HintSigning3027}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReport(oneClient(tc.events...), report.Options{GeneratedAt: pinned})
			require.Len(t, r.Clients, 1)
			c := r.Clients[0]
			assert.Equal(t, tc.breaks, c.BreaksUnder, "breaks_under")
			assert.Equal(t, tc.possibly, c.PossiblyBreaksUnder, "possibly_breaks_under")
			assert.Equal(t, tc.rejected, c.RejectedByEnforcement)
			var hints []string
			for _, v := range c.Verdicts {
				hints = append(hints, v.Hints...)
				assert.Equal(t, v.Certain, !contains(c.PossiblyBreaksUnder, v.Setting))
			}
			assert.Equal(t, tc.hints, hints)
		})
	}
}

// The hints for 3025 follow its two booleans, each false in turn, and
// survive a report summarised into its rows and read back from JSON.
func TestSPNUnrecognisedHints(t *testing.T) {
	yes, no, unknown := smbaudit.Some(true), smbaudit.Some(false), smbaudit.Opt[bool]{}
	f3025 := func(spn string, svc, name smbaudit.Opt[bool]) smbaudit.Finding {
		return smbaudit.Finding{Kind: smbaudit.KindSPNUnrecognised, EventID: 3025, Server: "fs01", Time: pinned,
			Client: smbaudit.Client{ID: "10.0.0.5", Raw: `\\10.0.0.5`, Kind: smbaudit.ClientIPv4}, SPN: spn, HasSPN: true,
			ServiceClassIsValid: svc, PrincipalNameIsValid: name, RecordID: uint64(len(spn))}
	}
	tests := []struct {
		name  string
		found []smbaudit.Finding
		hint  []string
		svc   []string
		alias []string
	}{
		{"booleans unknown: the general hint", []smbaudit.Finding{f3025("cifs/x", unknown, unknown)}, []string{report.HintSPN}, nil, nil},
		{"both valid (other cause): the general hint", []smbaudit.Finding{f3025("cifs/x", yes, yes)}, []string{report.HintSPN}, nil, nil},
		{"service class invalid: a client defect", []smbaudit.Finding{f3025("HOST/fs01", no, yes)},
			[]string{report.HintServiceClass("HOST/fs01")}, []string{"HOST/fs01"}, nil},
		{"principal name invalid: alias, SrvAllowedServerNames", []smbaudit.Finding{f3025("cifs/files.corp.example:445", yes, no)},
			[]string{report.HintPrincipalName("cifs/files.corp.example:445")}, nil, []string{"cifs/files.corp.example:445"}},
		{"both invalid on two events", []smbaudit.Finding{f3025("http/a", no, yes), f3025("cifs/alias-b", yes, no)},
			[]string{report.HintServiceClass("http/a"), report.HintPrincipalName("cifs/alias-b")}, []string{"http/a"}, []string{"cifs/alias-b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			full := newReport(&smbaudit.Result{Findings: tc.found}, report.Options{GeneratedAt: pinned})
			// Past MaxFindings the findings are counted into the rows only.
			twice := slices.Clone(tc.found)
			for _, f := range tc.found {
				f.RecordID += 1000
				twice = append(twice, f)
			}
			rows := newReport(&smbaudit.Result{Findings: twice}, report.Options{GeneratedAt: pinned, MaxFindings: 1})
			require.Positive(t, rows.FindingsOmitted, "rows only")
			var buf bytes.Buffer
			require.NoError(t, rows.Render(&buf, report.FormatJSON, report.RenderOptions{}))
			back, err := report.ReadJSON(&buf)
			require.NoError(t, err)
			for _, r := range []*report.Report{full, rows, back} {
				require.Len(t, r.Clients, 1)
				c := r.Clients[0]
				assert.Equal(t, tc.svc, c.SPNsServiceClassInvalid)
				assert.Equal(t, tc.alias, c.SPNsPrincipalNameInvalid)
				require.Len(t, c.Verdicts, 2, "levels 1 and 2")
				for _, v := range c.Verdicts {
					assert.Equal(t, tc.hint, v.Hints, "%s", v.Setting)
				}
			}
		})
	}
	assert.Contains(t, report.HintPrincipalName("cifs/files.corp.example:445"), "add files.corp.example to SrvAllowedServerNames")
	assert.Contains(t, report.HintServiceClass("HOST/fs01"), "vendor")
}

func contains(s []report.Setting, v report.Setting) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestHeadlinesCountServersOfTheEvidenceOnly(t *testing.T) {
	// Client A: 3021 on srv0 and 3025 on srv1; client B: 3027 on srv2.
	res := oneClient(3021, 3025)
	res.Findings = append(res.Findings, smbaudit.Finding{Kind: smbaudit.KindSMB1SigningDisabled, EventID: 3027, Server: "srv2",
		Client: smbaudit.Client{ID: "nas01", Kind: smbaudit.ClientHost, ShortName: "nas01"}, Time: pinned})
	r := newReport(res, report.Options{GeneratedAt: pinned})
	byS := map[report.Setting]report.Headline{}
	for _, h := range r.Summary.Headlines {
		byS[h.Setting] = h
	}
	assert.Equal(t, report.Headline{Setting: report.SettingRequireSigning, Clients: 1, Servers: 1, PossibleClients: 1, PossibleServers: 1,
		State: report.StateBreaks, Audit: "signing", AuditSwitch: "AuditClientDoesNotSupportSigning",
		ServersWithAudit: []string{"srv0", "srv2"}, ServersWithoutAudit: []string{"srv1"},
		Text: "1 client on 1 server would break if you enforce RequireSecuritySignature (1 client more possibly, on 1 server: 3027 evidence only); " +
			"1 server logged no signing audit (3021/3027) event: nothing is known of its clients"},
		byS[report.SettingRequireSigning])
	assert.Equal(t, "1 client on 1 server would break if you enforce SmbServerNameHardeningLevel=1; "+
		"2 servers logged no SPN audit (3024/3025/3026) event: nothing is known of their clients", byS[report.SettingSPNHardeningLvl1].Text)
	assert.Equal(t, report.StateCannotTell, byS[report.SettingDisableSMB1].State)
	assert.Equal(t, "cannot tell what breaks if you enforce DisableSMB1: no server logged the SMB1 audit (3000); turn on AuditSmb1Access",
		byS[report.SettingDisableSMB1].Text)
}

func TestServersCoverageAndWarnings(t *testing.T) {
	res := oneClient(3021)
	res.Servers = []smbaudit.ServerCoverage{
		{Server: "srv0", First: pinned.Add(-time.Hour), Last: pinned.Add(-time.Minute), Events: 10},
		{Server: "quiet", First: pinned, Last: pinned.Add(time.Hour), Events: 5},
		{Server: "srv0", First: pinned.Add(-2 * time.Hour), Last: pinned.Add(-time.Minute), Events: 3}, // second file
	}
	r := newReport(res, report.Options{GeneratedAt: pinned})
	require.Len(t, r.Servers, 2)
	q, s := r.Servers[0], r.Servers[1]
	assert.Equal(t, "quiet", q.Name)
	assert.Zero(t, q.AuditEvents)
	assert.Equal(t, []string{"no audit events: auditing may be off (a clean-looking server is not proof)"}, q.Warnings)
	assert.Equal(t, 1, r.Summary.ServersWithoutAudit)
	assert.Equal(t, "srv0", s.Name)
	assert.Equal(t, pinned.Add(-2*time.Hour), s.First, "coverage starts at the earliest record of any file")
	assert.Equal(t, pinned, s.Last, "a finding later than the coverage extends it")
	assert.Equal(t, 13, s.Records)
	assert.Equal(t, []uint16{3021}, s.AuditKinds)
	assert.Equal(t, []string{"no SPN audit events (3024-3026): AuditClientSpnSupport may be off"}, s.Warnings)
}

func TestLinkedShortNames(t *testing.T) {
	n := uint64(0)
	mk := func(id string, k smbaudit.ClientKind, short string) smbaudit.Finding {
		n++
		return smbaudit.Finding{Kind: smbaudit.KindSigningUnsupported, EventID: 3021, Server: "s", Time: pinned,
			RecordID: n, Client: smbaudit.Client{ID: id, Kind: k, ShortName: short}}
	}
	r := newReport(&smbaudit.Result{Findings: []smbaudit.Finding{
		mk("nas01", smbaudit.ClientHost, "nas01"), mk("nas01.a.example", smbaudit.ClientFQDN, "nas01"),
		mk("nas01.b.example", smbaudit.ClientFQDN, "nas01"), mk("10.0.0.1", smbaudit.ClientIPv4, ""),
		mk("other", smbaudit.ClientHost, "other"),
	}}, report.Options{GeneratedAt: pinned})

	got := map[string][]string{}
	for _, c := range r.Clients {
		got[c.ID] = c.Linked
	}
	assert.Equal(t, map[string][]string{
		"10.0.0.1": nil, "other": nil,
		"nas01":           {"nas01.a.example", "nas01.b.example"},
		"nas01.a.example": {"nas01", "nas01.b.example"},
		"nas01.b.example": {"nas01", "nas01.a.example"},
	}, got)
	assert.Len(t, r.Clients, 5, "linked clients stay separate rows")
}

func TestUnparsedAndUnknownNames(t *testing.T) {
	res := &smbaudit.Result{Findings: []smbaudit.Finding{
		{Kind: smbaudit.KindUnparsed, EventID: 3024, Server: "s", Time: pinned, Reason: "too short"},
		{Kind: smbaudit.KindSigningUnsupported, EventID: 3021, Time: pinned},
	}}
	r := newReport(res, report.Options{GeneratedAt: pinned})
	assert.Equal(t, 1, r.Unparsed)
	require.Len(t, r.UnparsedSamples, 1)
	assert.Equal(t, "too short", r.UnparsedSamples[0].Reason)
	require.Len(t, r.Clients, 1)
	assert.Equal(t, report.Unknown, r.Clients[0].ID)
	assert.Equal(t, []string{report.Unknown}, r.Clients[0].Servers)
}

func TestBuildDoesNotModifyInput(t *testing.T) {
	res := oneClient(3021, 3025, 551)
	res.Files = []smbaudit.FileResult{{Path: "b", DamagedChunks: []int{3, 1}, Errors: []error{errors.New("z"), errors.New("a")}}, {Path: "a"}}
	before := fmt.Sprintf("%#v", res)
	newReport(res, report.Options{})
	assert.Equal(t, before, fmt.Sprintf("%#v", res))
}

func TestZeroOptionsAndNil(t *testing.T) {
	before := time.Now()
	r := newReport(nil, report.Options{})
	assert.Equal(t, report.Schema, r.Schema)
	assert.False(t, r.GeneratedAt.Before(before.Add(-time.Second)), "zero GeneratedAt means now")
	assert.Empty(t, r.Clients)
	var b bytes.Buffer
	require.NoError(t, r.Render(&b, report.FormatText, report.RenderOptions{}))
	assert.Contains(t, b.String(), "No SMB audit events were found in 0 files read")
	assert.Contains(t, b.String(), "cannot tell what breaks if you enforce DisableSMB1")
	assert.NotContains(t, b.String(), "0 clients on 0 servers")
	m := merge(t, nil, nil)
	assert.Empty(t, m.Clients)
}

// hostile names from the network must not escape their context.
func TestHostileNames(t *testing.T) {
	evil := "<script>alert(1)</script>\x1b[31m=cmd|x"
	res := &smbaudit.Result{Findings: []smbaudit.Finding{{Kind: smbaudit.KindSigningUnsupported, EventID: 3021,
		Server: "s|x", Time: pinned, Client: smbaudit.Client{ID: evil, Raw: evil, Kind: smbaudit.ClientHost}}}}
	r := newReport(res, report.Options{GeneratedAt: pinned})
	var h, txt, csv, md bytes.Buffer
	require.NoError(t, r.Render(&h, report.FormatHTML, report.RenderOptions{}))
	require.NoError(t, r.Render(&txt, report.FormatText, report.RenderOptions{}))
	require.NoError(t, r.Render(&csv, report.FormatCSV, report.RenderOptions{}))
	require.NoError(t, r.Render(&md, report.FormatMarkdown, report.RenderOptions{}))
	assert.NotContains(t, h.String(), "<script>alert")
	assert.Contains(t, h.String(), "&lt;script&gt;alert(1)")
	assert.NotContains(t, txt.String(), "\x1b", "no raw escape sequence reaches the terminal")
	assert.Contains(t, txt.String(), `\x1b[31m`)
	assert.Contains(t, csv.String(), "\n<script>", "the client cell is left alone: it does not start with a formula character")
	assert.NotContains(t, md.String(), "s|x")
	assert.Contains(t, md.String(), `s\|x`)

	res.Findings[0].Client.ID = "=HYPERLINK(\"x\")"
	csv.Reset()
	require.NoError(t, newReport(res, report.Options{GeneratedAt: pinned}).Render(&csv, report.FormatCSV, report.RenderOptions{}))
	assert.Contains(t, csv.String(), "\n\"'=HYPERLINK(\"\"x\"\")\"", "a formula gets a leading apostrophe")
}

func TestTextFitsInWidth(t *testing.T) {
	for _, r := range []*report.Report{sampleReport(t), fixtureReport(t)} {
		var b bytes.Buffer
		require.NoError(t, r.Render(&b, report.FormatText, report.RenderOptions{}))
		for i, line := range strings.Split(b.String(), "\n") {
			assert.LessOrEqual(t, len([]rune(line)), 100, "line %d is too long: %q", i+1, line)
		}
	}
}

func TestReadJSONErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"not JSON", "{", report.ErrMalformed},
		{"no schema", `{"clients": []}`, report.ErrSchema},
		{"future schema", `{"schema": "smbreadiness.report/v3"}`, report.ErrSchema},
		{"bad time", `{"schema": "smbreadiness.report/v1", "generated_at": "yesterday"}`, report.ErrMalformed},
		{"finding time", `{"schema": "smbreadiness.report/v1", "findings": [{"server": "a", "time": "2025-13-01T00:00:00Z"}]}`, report.ErrMalformed},
		{"finding without time", `{"schema": "smbreadiness.report/v1", "findings": [{"server": "a"}]}`, report.ErrMalformed},
		{"finding without server", `{"schema": "smbreadiness.report/v1", "findings": [{"time": "2025-09-01T00:00:00Z"}]}`, report.ErrMalformed},
		{"event ID too big", `{"schema": "smbreadiness.report/v1", "findings": [{"server": "a", "time": "2025-09-01T00:00:00Z", "event_id": 70000}]}`, report.ErrMalformed},
		{"negative records", `{"schema": "smbreadiness.report/v1", "servers": [{"server": "a", "records": -1}]}`, report.ErrMalformed},
		{"server without name", `{"schema": "smbreadiness.report/v1", "servers": [{"records": 1}]}`, report.ErrMalformed},
		{"input time", `{"schema": "smbreadiness.report/v1", "inputs": [{"path": "a", "first": "now"}]}`, report.ErrMalformed},
		{"unknown cause", `{"schema": "smbreadiness.report/v1", "inputs": [{"path": "a", "skipped": true, "cause": "gremlins"}]}`, report.ErrMalformed},
		{"cause of a file read", `{"schema": "smbreadiness.report/v1", "inputs": [{"path": "a", "cause": "not-evtx"}]}`, report.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report.ReadJSON(strings.NewReader(tc.doc))
			require.ErrorIs(t, err, tc.want)
		})
	}
}

// ---- random results for the property tests ----

var (
	poolClients = []smbaudit.Client{
		{ID: "10.0.0.5", Raw: `\\10.0.0.5`, Kind: smbaudit.ClientIPv4},
		{ID: "10.0.0.5", Raw: `10.0.0.5`, Kind: smbaudit.ClientIPv4},
		{ID: "fe80::1%eth0", Raw: `\\fe80::1%eth0`, Kind: smbaudit.ClientIPv6},
		{ID: "nas01", Raw: `\\NAS01`, Kind: smbaudit.ClientHost, ShortName: "nas01"},
		{ID: "nas01.corp.example", Raw: `\\nas01.corp.example`, Kind: smbaudit.ClientFQDN, ShortName: "nas01"},
		{ID: "prn01", Raw: "PRN01", Kind: smbaudit.ClientHost, ShortName: "prn01"},
		{},
	}
	poolServers = []string{"fs01.corp.example", "FS01.corp.example", "fs02.corp.example", "dc01.corp.example", ""}
	poolEvents  = []uint16{3000, 3021, 3024, 3025, 3026, 3027, 551, 0}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// randomFile makes the part of a scan result that one input file yields.
func randomFile(r *rand.Rand, path string, pool *[]smbaudit.Finding) *smbaudit.Result {
	res := &smbaudit.Result{}
	n := r.IntN(12)
	base := time.Date(2025, 9, 10, 0, 0, 0, 0, time.UTC)
	for i := range n {
		id := pick(r, poolEvents)
		f := smbaudit.Finding{Kind: kindOf(id), EventID: id, Server: pick(r, poolServers), Client: pick(r, poolClients),
			Time:     base.Add(time.Duration(r.Int64N(5*24*3600*1e7)) * 100),
			RecordID: uint64(r.IntN(1000)), Source: evtx.Source{File: path, Chunk: r.IntN(3), Offset: int64(4096 + 512*i)},
			Channel: "Microsoft-Windows-SMBServer/Audit"}
		if r.IntN(4) == 0 {
			f.EventRecordID = uint64(r.IntN(1000))
		}
		if id == 551 {
			f.Channel = "Microsoft-Windows-SMBServer/Security"
			f.Status = smbaudit.Some(smbaudit.NTStatus{Code: 0xC000006D, Name: "STATUS_LOGON_FAILURE"})
		}
		if id == 0 {
			f.Kind, f.EventID, f.Reason = smbaudit.KindUnparsed, 3024, pick(r, []string{"short", "no client"})
		}
		if r.IntN(3) == 0 {
			f.User = pick(r, []string{`CORP\alice`, `CORP\bob`})
		}
		if r.IntN(3) == 0 {
			f.SPN, f.HasSPN = pick(r, []string{"", "cifs/alias.corp.example"}), true
		}
		if r.IntN(3) == 0 {
			f.SPNQueryStatus = smbaudit.Some(smbaudit.NTStatus{Code: pick(r, []uint32{0xC00000BB, 0xC00000BE})})
		}
		if r.IntN(3) == 0 {
			f.EPAPolicy = smbaudit.Some(smbaudit.EPAPolicy{Value: uint32(r.IntN(5))})
		}
		if r.IntN(3) == 0 {
			f.ServerRequiresSigning = smbaudit.Some(r.IntN(2) == 0)
		}
		f.ChunkDamaged = r.IntN(5) == 0
		res.Findings = append(res.Findings, f)
	}
	// Overlapping exports: some records of earlier files again, from
	// another place, sometimes from a damaged chunk.
	for _, f := range *pool {
		if r.IntN(4) == 0 {
			f.Source = evtx.Source{File: path, Chunk: r.IntN(3), Offset: int64(100000 + r.IntN(1000))}
			f.RecordID = uint64(r.IntN(1000))
			f.ChunkDamaged = r.IntN(3) == 0
			res.Findings = append(res.Findings, f)
		}
	}
	*pool = append(*pool, res.Findings...)
	for _, s := range poolServers[:4] {
		if r.IntN(2) == 0 {
			first := base.Add(time.Duration(r.Int64N(3*24*3600)) * time.Second)
			sc := smbaudit.ServerCoverage{Server: s, First: first,
				Last: first.Add(time.Duration(r.Int64N(3*24*3600)) * time.Second), Events: r.IntN(100)}
			if r.IntN(3) > 0 { // an Audit channel window within, so that merging carries it
				sc.AuditFirst = first.Add(time.Duration(r.Int64N(int64(sc.Last.Sub(first)/time.Second)+1)) * time.Second)
				sc.AuditLast = sc.AuditFirst.Add(time.Duration(r.Int64N(int64(sc.Last.Sub(sc.AuditFirst)/time.Second)+1)) * time.Second)
			}
			res.Servers = append(res.Servers, sc)
		}
	}
	fr := smbaudit.FileResult{Path: path, Size: int64(r.IntN(1 << 20)), Records: r.IntN(500), Chunks: r.IntN(9)}
	if r.IntN(4) == 0 {
		fr = smbaudit.FileResult{Path: path, Skipped: true, Err: evtx.ErrNotEVTX, Cause: smbaudit.CauseNotEVTX}
	}
	if r.IntN(3) == 0 {
		fr.DamagedChunks, fr.Errors = []int{r.IntN(9)}, []error{&evtx.Error{File: path, Chunk: 1, Offset: 69632, Err: evtx.ErrBadChunk}}
	}
	res.Files = []smbaudit.FileResult{fr}
	return res
}

func concat(parts ...*smbaudit.Result) *smbaudit.Result {
	all := &smbaudit.Result{}
	for _, p := range parts {
		all.Findings = append(all.Findings, p.Findings...)
		all.Files = append(all.Files, p.Files...)
		all.Servers = append(all.Servers, p.Servers...)
	}
	return all
}

func shuffled(r *rand.Rand, res *smbaudit.Result) *smbaudit.Result {
	out := concat(res)
	r.Shuffle(len(out.Findings), func(i, j int) { out.Findings[i], out.Findings[j] = out.Findings[j], out.Findings[i] })
	r.Shuffle(len(out.Files), func(i, j int) { out.Files[i], out.Files[j] = out.Files[j], out.Files[i] })
	r.Shuffle(len(out.Servers), func(i, j int) { out.Servers[i], out.Servers[j] = out.Servers[j], out.Servers[i] })
	return out
}

func render(t *testing.T, rep *report.Report) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, rep.Render(&b, report.FormatJSON, report.RenderOptions{}))
	return b.String()
}

func renderAll(t *testing.T, rep *report.Report) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, rep.Render(&b, report.FormatJSON, report.RenderOptions{}))
	require.NoError(t, rep.Render(&b, report.FormatText, report.RenderOptions{Color: true}))
	require.NoError(t, rep.Render(&b, report.FormatCSV, report.RenderOptions{}))
	require.NoError(t, rep.Render(&b, report.FormatMarkdown, report.RenderOptions{}))
	require.NoError(t, rep.Render(&b, report.FormatHTML, report.RenderOptions{}))
	return b.String()
}

// build is the report of res generated at at.
func build(res *smbaudit.Result, at time.Time) *report.Report {
	return newReport(res, report.Options{GeneratedAt: at})
}

// newReport is the report of res: a Builder fed the one result.
func newReport(res *smbaudit.Result, opts report.Options) *report.Report {
	b := report.NewBuilder(opts)
	b.AddResult(res)
	return b.Finish()
}

// merge is the report of the reports rs, added to one Builder; every one
// must be added.
func merge(t testing.TB, rs ...*report.Report) *report.Report {
	t.Helper()
	b := report.NewBuilder(report.Options{})
	for _, r := range rs {
		require.NoError(t, b.AddReport(r))
	}
	return b.Finish()
}

// propertyRuns is the number of random seeds a property test tries: 100,
// or 20 with -short (the edit loop).
func propertyRuns() int {
	if testing.Short() {
		return 20
	}
	return 100
}

// Reports of disjoint file sets merge into exactly the report of all files,
// directly and through the JSON partial form.
func TestMergeEqualsBuildOfAllFiles(t *testing.T) {
	for seed := range uint64(propertyRuns()) {
		r := rand.New(rand.NewPCG(seed, 1))
		var pool []smbaudit.Finding
		var files []*smbaudit.Result
		for i := range 1 + r.IntN(6) {
			files = append(files, randomFile(r, fmt.Sprintf("/evidence/f%02d.evtx", i), &pool))
		}
		want := render(t, build(concat(files...), pinned))
		// Split the files into shards at random.
		var shards []*report.Report
		var viaJSON []*report.Report
		for len(files) > 0 {
			k := 1 + r.IntN(len(files))
			sh := build(concat(files[:k]...), pinned)
			files = files[k:]
			shards = append(shards, sh)
			var b bytes.Buffer
			require.NoError(t, sh.Render(&b, report.FormatJSON, report.RenderOptions{}))
			back, err := report.ReadJSON(&b)
			require.NoError(t, err)
			viaJSON = append(viaJSON, back)
		}
		require.Equal(t, want, render(t, merge(t, shards...)), "seed %d: merge of shards", seed)
		require.Equal(t, want, render(t, merge(t, viaJSON...)), "seed %d: merge of JSON shards", seed)
		m := shards[0]
		for _, s := range shards[1:] {
			m = merge(t, m, s)
		}
		require.Equal(t, want, render(t, m), "seed %d: pairwise merge", seed)
	}
}

func TestMergeCommutativeAssociative(t *testing.T) {
	for seed := range uint64(propertyRuns()) {
		r := rand.New(rand.NewPCG(seed, 2))
		var pool []smbaudit.Finding
		// Different generation times too: the merge keeps the later one.
		a := build(randomFile(r, "/a.evtx", &pool), pinned.Add(time.Duration(r.IntN(3))*time.Hour))
		b := build(randomFile(r, "/b.evtx", &pool), pinned.Add(time.Duration(r.IntN(3))*time.Hour))
		c := build(randomFile(r, "/c.evtx", &pool), pinned.Add(time.Duration(r.IntN(3))*time.Hour))
		require.Equal(t, render(t, merge(t, a, b)), render(t, merge(t, b, a)), "seed %d: commutative", seed)
		require.Equal(t, render(t, merge(t, merge(t, a, b), c)), render(t, merge(t, a, merge(t, b, c))),
			"seed %d: associative", seed)
		require.Equal(t, render(t, a), render(t, merge(t, a, nil)), "seed %d: nil is the identity", seed)
	}
}

func TestMergeOfSameNamedFilesIsOrderIndependent(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var pool []smbaudit.Finding
	// Two machines each scanned a file they both call ForwardedEvents.evtx.
	a := build(randomFile(r, "ForwardedEvents.evtx", &pool), pinned)
	b := build(randomFile(r, "ForwardedEvents.evtx", &pool), pinned)
	ab, ba := merge(t, a, b), merge(t, b, a)
	assert.Len(t, ab.Inputs, 2)
	assert.Equal(t, render(t, ab), render(t, ba))
}

func TestDeterministicInAnyOrder(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 3))
		var pool []smbaudit.Finding
		var files []*smbaudit.Result
		for i := range 1 + r.IntN(5) {
			files = append(files, randomFile(r, fmt.Sprintf("/e/%d.evtx", i), &pool))
		}
		all := concat(files...)
		want := renderAll(t, build(all, pinned))
		require.Equal(t, want, renderAll(t, build(shuffled(r, all), pinned)), "seed %d", seed)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	rep := sampleReport(t)
	var b bytes.Buffer
	require.NoError(t, rep.Render(&b, report.FormatJSON, report.RenderOptions{}))
	back, err := report.ReadJSON(bytes.NewReader(b.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, renderAll(t, rep), renderAll(t, back))
}

// The cause of a skipped input survives the JSON form, and reports written
// before the "cause" member existed (v1 and v2) are still read: their
// skipped inputs read as unreadable.
func TestInputCauseInJSON(t *testing.T) {
	rep := sampleReport(t)
	var skipped report.Input
	for _, in := range rep.Inputs {
		if in.Skipped {
			skipped = in
		}
	}
	require.Equal(t, smbaudit.CauseTooShort, skipped.Cause)
	for _, max := range []int{0, 1} {
		var b bytes.Buffer
		require.NoError(t, newReport(sample.Result(), report.Options{GeneratedAt: pinned, MaxFindings: max}).Render(&b, report.FormatJSON, report.RenderOptions{}))
		back, err := report.ReadJSON(bytes.NewReader(b.Bytes()))
		require.NoError(t, err)
		assert.Equal(t, []smbaudit.Cause{"", smbaudit.CauseTooShort, ""}, causes(back), "max %d", max)

		old := regexp.MustCompile(`(?m)^\s*"cause": "[^"]*",\n`).ReplaceAll(b.Bytes(), nil)
		require.NotContains(t, string(old), `"cause"`)
		back, err = report.ReadJSON(bytes.NewReader(old))
		require.NoError(t, err, "a report without causes is read")
		assert.Equal(t, []smbaudit.Cause{"", smbaudit.CauseUnreadable, ""}, causes(back), "max %d", max)
	}
}

func causes(r *report.Report) []smbaudit.Cause {
	var out []smbaudit.Cause
	for _, in := range r.Inputs {
		out = append(out, in.Cause)
	}
	return out
}

// A FileResult built by hand, without a Cause, gets one from its error.
func TestInputCauseFromTheError(t *testing.T) {
	res := &smbaudit.Result{Files: []smbaudit.FileResult{
		{Path: "a", Skipped: true, Err: fmt.Errorf("a: %w", evtx.ErrNotEVTX)},
		{Path: "b", Skipped: true},
		{Path: "c", Errors: []error{&evtx.Error{File: "c", Chunk: 2, Offset: 139264, Err: evtx.ErrBadRecord}}},
	}}
	r := newReport(res, report.Options{GeneratedAt: pinned})
	assert.Equal(t, []smbaudit.Cause{smbaudit.CauseNotEVTX, smbaudit.CauseUnreadable, ""}, causes(r))
	assert.Equal(t, "a: evtx: not an EVTX file", r.Inputs[0].Reason)
	assert.Equal(t, []string{"c: chunk 2 at offset 139264 (0x22000): evtx: bad record"}, r.Inputs[2].Errors)
}

func TestCopiesOfOneRecordCountOnce(t *testing.T) {
	f := smbaudit.Finding{Kind: smbaudit.KindSigningUnsupported, EventID: 3021, Server: "FS01", Channel: "Microsoft-Windows-SMBServer/Audit",
		Client: smbaudit.Client{ID: "10.0.0.5", Raw: `\\10.0.0.5`}, Time: pinned, RecordID: 7, EventRecordID: 7,
		Source: evtx.Source{File: "b.evtx", Chunk: 0, Offset: 4096}}
	fwd := f // the WEF copy: another record ID in the collector's log, same EventRecordID
	fwd.Server, fwd.RecordID, fwd.Source, fwd.ChunkDamaged = "fs01", 90, evtx.Source{File: "a.evtx", Chunk: 2, Offset: 9000}, true
	other := f // another record: another EventRecordID
	other.EventRecordID, other.Time = 8, pinned.Add(time.Second)
	r := newReport(&smbaudit.Result{Findings: []smbaudit.Finding{fwd, f, other}}, report.Options{GeneratedAt: pinned})
	require.Len(t, r.Findings, 2)
	assert.Equal(t, "a.evtx", r.Findings[0].Source.File, "the first copy by smbaudit.CompareCopies is kept, damaged or not, as a streamed scan keeps it")
	require.Len(t, r.Clients, 1)
	assert.Equal(t, 2, r.Clients[0].Count(3021))
	assert.Equal(t, 1, r.Clients[0].DamagedChunkEvents)
	require.Len(t, r.Servers, 1, "server names differ only in case: one server")
	assert.Equal(t, "FS01", r.Servers[0].Name)

	// The same holds when the copies come from two shards.
	a := newReport(&smbaudit.Result{Findings: []smbaudit.Finding{fwd}}, report.Options{GeneratedAt: pinned})
	b := newReport(&smbaudit.Result{Findings: []smbaudit.Finding{f, other}}, report.Options{GeneratedAt: pinned})
	assert.Equal(t, render(t, r), render(t, merge(t, a, b)))
}

func TestLongErrorListsAreCutInReadableForms(t *testing.T) {
	res := &smbaudit.Result{Files: []smbaudit.FileResult{{Path: "big.evtx"}}}
	for i := range 40 {
		res.Files[0].Errors = append(res.Files[0].Errors, fmt.Errorf("big.evtx: chunk %d: %w", i, evtx.ErrBadChunk))
	}
	r := newReport(res, report.Options{GeneratedAt: pinned})
	for _, f := range []report.Format{report.FormatText, report.FormatMarkdown, report.FormatHTML} {
		var b bytes.Buffer
		require.NoError(t, r.Render(&b, f, report.RenderOptions{}))
		assert.Equal(t, report.MaxErrorsShown, strings.Count(b.String(), ": evtx: bad chunk"), f)
		assert.Contains(t, b.String(), fmt.Sprintf("and %d more errors", 40-report.MaxErrorsShown), f)
	}
	var b bytes.Buffer
	require.NoError(t, r.Render(&b, report.FormatJSON, report.RenderOptions{}))
	assert.Equal(t, 40, strings.Count(b.String(), ": evtx: bad chunk"))
}

func TestDayChartHasEveryDay(t *testing.T) {
	res := oneClient(3021)
	late := res.Findings[0]
	late.Time, late.RecordID = late.Time.AddDate(0, 0, 3), 99
	res.Findings = append(res.Findings, late)
	r := newReport(res, report.Options{GeneratedAt: pinned})
	require.Len(t, r.Days, 2, "the data keeps the days with findings only")
	var b bytes.Buffer
	require.NoError(t, r.Render(&b, report.FormatHTML, report.RenderOptions{}))
	html := b.String()
	for _, d := range []string{"2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04"} {
		assert.True(t, strings.Contains(html, ">"+d+"</text>"), "axis label %s", d)
	}
	// Four day slots of 177 px from x=44: the bars (48 px wide, centred)
	// stand in the first and the fourth.
	assert.Equal(t, 2, strings.Count(html, "× event 3021"))
	assert.True(t, strings.Contains(html, `<rect x="108.5" y="12.0" width="48.0"`), "first bar")
	assert.True(t, strings.Contains(html, `<rect x="639.5" y="12.0" width="48.0"`), "last bar")
}

// The names the issue fixes for other tools: schema, clients, servers,
// inputs, and per client client, names, events, first_seen, last_seen,
// servers, users, spns, breaks_under, possibly_breaks_under.
func TestJSONContract(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, fixtureReport(t).Render(&b, report.FormatJSON, report.RenderOptions{}))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b.Bytes(), &doc))
	assert.Equal(t, "smbreadiness.report/v1", doc["schema"])
	for _, k := range []string{"clients", "servers", "inputs"} {
		require.IsType(t, []any{}, doc[k], k)
	}
	timeRE := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`)
	vocab := map[string]bool{"DisableSMB1": true, "EncryptData+RejectUnencryptedAccess": true, "RequireSecuritySignature": true,
		"SmbServerNameHardeningLevel=1": true, "SmbServerNameHardeningLevel=2": true}
	clients := doc["clients"].([]any)
	require.NotEmpty(t, clients)
	for _, c := range clients {
		c := c.(map[string]any)
		assert.IsType(t, "", c["client"])
		assert.IsType(t, []any{}, c["names"])
		for id, n := range c["events"].(map[string]any) {
			assert.Regexp(t, `^\d+$`, id)
			assert.IsType(t, float64(0), n)
		}
		assert.Regexp(t, timeRE, c["first_seen"])
		assert.Regexp(t, timeRE, c["last_seen"])
		for _, k := range []string{"servers", "users", "spns", "breaks_under", "possibly_breaks_under"} {
			var list []string
			for _, v := range c[k].([]any) {
				list = append(list, v.(string))
			}
			assert.True(t, slices.IsSorted(list), "%s of %s is sorted: %v", k, c["client"], list)
			if strings.Contains(k, "breaks_under") {
				for _, v := range list {
					assert.True(t, vocab[v], "%s: %q", k, v)
				}
			}
		}
	}
}
