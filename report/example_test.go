package report_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

func finding(kind smbaudit.Kind, id uint16, server, client string, t time.Time) smbaudit.Finding {
	return smbaudit.Finding{Kind: kind, EventID: id, Server: server, Time: t,
		Client: smbaudit.Client{ID: client, Raw: `\\` + client, Kind: smbaudit.ClientIPv4}}
}

// A Builder fed one scan result makes its report.
func ExampleBuilder_AddResult() {
	t := time.Date(2025, 9, 10, 8, 15, 42, 123456700, time.UTC)
	res := &smbaudit.Result{Findings: []smbaudit.Finding{
		finding(smbaudit.KindSigningUnsupported, 3021, "fs01", "10.0.0.5", t),
		finding(smbaudit.KindSMB1SigningDisabled, 3027, "fs02", "10.0.0.7", t),
		finding(smbaudit.KindSPNUnrecognised, 3025, "fs02", "10.0.0.5", t.Add(time.Hour)),
	}}
	b := report.NewBuilder(report.Options{GeneratedAt: time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)})
	b.AddResult(res)
	r := b.Finish()
	for _, h := range r.Summary.Headlines {
		fmt.Printf("%s: %s\n", h.State, h.Text)
	}
	for _, c := range r.Clients {
		fmt.Println(c.ID, c.FirstSeen.Format(evtx.TimeLayout), c.BreaksUnder, c.PossiblyBreaksUnder)
	}
	// Output:
	// cannot-tell: cannot tell what breaks if you enforce DisableSMB1: no server logged the SMB1 audit (3000); turn on AuditSmb1Access
	// cannot-tell: cannot tell what breaks if you enforce EncryptData+RejectUnencryptedAccess: no server logged the encryption audit (3022); turn on the encryption audit (event 3022, in the SMBServer/Audit channel)
	// breaks: 1 client on 1 server would break if you enforce RequireSecuritySignature (1 client more possibly, on 1 server: 3027 evidence only)
	// breaks: 1 client on 1 server would break if you enforce SmbServerNameHardeningLevel=1; 1 server logged no SPN audit (3024/3025/3026) event: nothing is known of its clients
	// breaks: 1 client on 1 server would break if you enforce SmbServerNameHardeningLevel=2; 1 server logged no SPN audit (3024/3025/3026) event: nothing is known of its clients
	// 10.0.0.5 2025-09-10T08:15:42.1234567Z [RequireSecuritySignature SmbServerNameHardeningLevel=1 SmbServerNameHardeningLevel=2] []
	// 10.0.0.7 2025-09-10T08:15:42.1234567Z [] [RequireSecuritySignature]
}

// Two machines each scan their own files and ship the JSON form; a third
// merges them with a Builder.
func ExampleBuilder_AddReport() {
	t := time.Date(2025, 9, 10, 0, 0, 0, 0, time.UTC)
	opts := report.Options{GeneratedAt: t}
	a := report.NewBuilder(opts)
	a.AddResult(&smbaudit.Result{Findings: []smbaudit.Finding{
		finding(smbaudit.KindSigningUnsupported, 3021, "fs01", "10.0.0.5", t)}})
	shardA := a.Finish()

	b := report.NewBuilder(opts)
	b.AddResult(&smbaudit.Result{Findings: []smbaudit.Finding{
		finding(smbaudit.KindSigningUnsupported, 3021, "fs02", "10.0.0.5", t.Add(24*time.Hour))}})
	var wire bytes.Buffer
	if err := b.Finish().Render(&wire, report.FormatJSON, report.RenderOptions{}); err != nil {
		panic(err)
	}
	fromB, err := report.ReadJSON(&wire)
	if err != nil {
		panic(err)
	}

	m := report.NewBuilder(report.Options{})
	for _, r := range []*report.Report{shardA, fromB} {
		if err := m.AddReport(r); err != nil {
			panic(err)
		}
	}
	all := m.Finish()
	c := all.Clients[0]
	fmt.Println(c.ID, c.Count(3021), c.Servers, c.LastSeen.Format(evtx.TimeLayout))
	fmt.Println(all.Summary.Headlines[2].Text)
	// Output:
	// 10.0.0.5 2 [fs01 fs02] 2025-09-11T00:00:00.0000000Z
	// 1 client on 2 servers would break if you enforce RequireSecuritySignature
}

// Render writes every form; here the CSV one.
func ExampleReport_Render() {
	t := time.Date(2025, 9, 10, 0, 0, 0, 0, time.UTC)
	b := report.NewBuilder(report.Options{GeneratedAt: t})
	b.AddResult(&smbaudit.Result{Findings: []smbaudit.Finding{
		finding(smbaudit.KindSMB1Access, 3000, "fs01", "10.1.2.3", t)}})
	r := b.Finish()

	if err := r.Render(os.Stdout, report.FormatCSV, report.RenderOptions{}); err != nil {
		panic(err)
	}
	// Output:
	// # tool version,not given
	// # command line,not given
	// # filters,none
	// # short window,7d
	// # DisableSMB1,breaks,1 client on 1 server would break if you enforce DisableSMB1
	// # EncryptData+RejectUnencryptedAccess,cannot-tell,"cannot tell what breaks if you enforce EncryptData+RejectUnencryptedAccess: no server logged the encryption audit (3022); turn on the encryption audit (event 3022, in the SMBServer/Audit channel)"
	// # RequireSecuritySignature,cannot-tell,cannot tell what breaks if you enforce RequireSecuritySignature: no server logged the signing audit (3021/3027); turn on AuditClientDoesNotSupportSigning
	// # SmbServerNameHardeningLevel=1,cannot-tell,cannot tell what breaks if you enforce SmbServerNameHardeningLevel=1: no server logged the SPN audit (3024/3025/3026); turn on AuditClientSpnSupport
	// # SmbServerNameHardeningLevel=2,cannot-tell,cannot tell what breaks if you enforce SmbServerNameHardeningLevel=2: no server logged the SPN audit (3024/3025/3026); turn on AuditClientSpnSupport
	// # caveat,short-window,"fs01: its Audit channel's records span 0m 0s, less than 7d: a client that connects less often may not be seen"
	// client,kind,short_name,linked,names,first_seen,last_seen,events_total,e3000,e3021,e3022,e3023,e3024,e3025,e3026,e3027,e551,e5168,servers,users,spns,spn_query_statuses,epa_policies,server_requires_signing,damaged_chunk_events,breaks_under,possibly_breaks_under,rejected_by_enforcement,rejection_statuses,hints
	// 10.1.2.3,ipv4,,,\\10.1.2.3,2025-09-10T00:00:00.0000000Z,2025-09-10T00:00:00.0000000Z,1,1,0,0,0,0,0,0,0,0,0,fs01,,,,,,0,DisableSMB1,,false,,DisableSMB1: move the client to SMB 2 or 3 (update or replace it)
}

// The smbaudit command's job, in one call: scan the bundled logs, keep the
// findings of two servers, list at most 100 of them (the others are counted
// in the rows only, so that memory stays bounded however large the logs).
func ExampleGenerate() {
	g, err := report.Generate(context.Background(), []string{"../testdata/smbaudit"}, report.GenerateOptions{
		Filter: smbaudit.Filter{Servers: []string{"fs01", "fs02"}},
		Report: report.Options{GeneratedAt: time.Date(2025, 10, 21, 0, 0, 0, 0, time.UTC), MaxFindings: 100},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(g.Read(), "of", len(g.Files), "files read,", g.Findings, "findings")
	for _, f := range g.Files {
		if len(f.Errors) > 0 {
			fmt.Println(filepath.Base(f.Path), "damaged chunks", f.DamagedChunks)
		}
	}
	r := g.Report
	fmt.Println(len(r.Findings), "findings listed,", r.FindingsOmitted, "counted in the rows only")
	for _, h := range r.Summary.Headlines {
		if h.Setting == report.SettingRequireSigning {
			fmt.Println(h.Text)
		}
	}
	// Output:
	// 5 of 5 files read, 582 findings
	// audit-fs01-damaged.evtx damaged chunks [1]
	// 0 findings listed, 582 counted in the rows only
	// 4 clients on 2 servers would break if you enforce RequireSecuritySignature (1 client more possibly, on 1 server: 3027 evidence only); judged only on what the filters kept (server fs01, fs02): nothing is known of what they left out
}

// A Builder takes findings one at a time: here from a scan's OnFinding,
// as Generate does it.
func ExampleBuilder() {
	b := report.NewBuilder(report.Options{GeneratedAt: time.Date(2025, 10, 21, 0, 0, 0, 0, time.UTC)})
	res, err := smbaudit.Scan(context.Background(), []string{"../testdata/smbaudit/audit-fs01.evtx"}, smbaudit.ScanOptions{
		OnFinding: func(f smbaudit.Finding) { b.Add(&f) },
	})
	if err != nil {
		panic(err)
	}
	b.AddResult(res) // the files read and the servers' coverage; res.Findings is nil
	r := b.Finish()
	fmt.Println(len(r.Findings), "findings,", len(r.Clients), "clients")
	// Output:
	// 482 findings, 9 clients
}

// The text form in a chosen zone: the header names it, and the times of
// the details carry its offset.
func ExampleRenderOptions_location() {
	t := time.Date(2025, 9, 10, 8, 15, 42, 123456700, time.UTC)
	bl := report.NewBuilder(report.Options{GeneratedAt: t})
	bl.AddResult(&smbaudit.Result{Findings: []smbaudit.Finding{
		finding(smbaudit.KindSigningUnsupported, 3021, "fs01", "10.0.0.5", t)}})
	r := bl.Finish()

	var b bytes.Buffer
	if err := r.Render(&b, report.FormatText, report.RenderOptions{Location: time.FixedZone("UTC+02:00", 2*3600)}); err != nil {
		panic(err)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "Times in") || strings.Contains(line, "first seen:") {
			fmt.Println(line)
		}
	}
	// Output:
	// Times in UTC+02:00.
	//   first seen: 2025-09-10T10:15:42.1234567+02:00, event 3021 on fs01, record 0
}
