package smbaudit_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// Scan a directory of exported logs and count the findings per kind and the
// damaged inputs.
func ExampleScan() {
	res, err := smbaudit.Scan(context.Background(), []string{"../testdata/smbaudit"}, smbaudit.ScanOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	kinds := map[smbaudit.Kind]int{}
	for _, f := range res.Findings {
		kinds[f.Kind]++
	}
	for _, k := range []smbaudit.Kind{smbaudit.KindSigningUnsupported, smbaudit.KindEncryptionUnsupported,
		smbaudit.KindGuestLogon, smbaudit.KindSMB1SigningDisabled, smbaudit.KindSPNMissing,
		smbaudit.KindSPNUnrecognised, smbaudit.KindSPNEmpty, smbaudit.KindSMB1Access,
		smbaudit.KindEnforcementRejection, smbaudit.KindSPNCheckFailed, smbaudit.KindUnparsed} {
		fmt.Printf("%-22s %d\n", k, kinds[k])
	}
	for _, f := range res.Files {
		if len(f.DamagedChunks) > 0 {
			fmt.Printf("%s: damaged chunks %v\n", filepath.Base(f.Path), f.DamagedChunks)
		}
	}
	for _, s := range res.Servers {
		fmt.Printf("%s: %d audit events, %s to %s\n", s.Server, s.AuditEvents,
			s.First.Format(time.DateOnly), s.Last.Format(time.DateOnly))
	}
	// Output:
	// signing-unsupported    402
	// encryption-unsupported 4
	// insecure-guest-logon   2
	// smb1-signing-disabled  20
	// spn-missing            55
	// spn-unrecognised       32
	// spn-empty              54
	// smb1-access            20
	// enforcement-rejection  2
	// spn-check-failed       1
	// unparsed               0
	// audit-fs01-damaged.evtx: damaged chunks [1]
	// FS01.corp.example: 482 audit events, 2025-10-01 to 2025-10-14
	// FS02.corp.example: 80 audit events, 2025-10-01 to 2025-10-20
	// FS03.corp.example: 5 audit events, 2025-10-14 to 2025-10-15
}

// Classify one event, as decoded by package evtx.
func ExampleClassify() {
	ev := &evtx.Event{
		System: evtx.System{Provider: smbaudit.Provider, EventID: 3024, Channel: smbaudit.AuditChannel,
			Computer: "FS01.corp.example",
		},
		Data: []evtx.Field{
			{Name: "ClientNameLength", Type: evtx.TypeUint16, Value: "11"},
			{Name: "ClientName", Type: evtx.TypeString, Value: `\\10.0.40.7`},
			{Name: "SpnQueryStatus", Type: evtx.TypeHexInt32, Value: "0xC00000BB"},
			{Name: "EpaPolicy", Type: evtx.TypeUint32, Value: "0"},
		},
	}
	f, ok := smbaudit.Classify(ev)
	by, _ := f.Mapping.By(smbaudit.FieldClient)
	fmt.Println(ok, f.Kind, f.Client.ID, f.SPNQueryStatus, f.EPAPolicy, by, f.Mapping.From(smbaudit.FieldClient))
	// Output:
	// true spn-missing 10.0.40.7 0xC00000BB STATUS_NOT_SUPPORTED 0 (off) name ClientName
}

// A finding's optional fields say whether the event carried them, and are
// values: a copy of a finding changes without changing the original.
func ExampleOpt() {
	ev := &evtx.Event{
		System: evtx.System{Provider: smbaudit.Provider, EventID: 3021, Channel: smbaudit.AuditChannel},
		Data: []evtx.Field{
			{Name: "ClientName", Type: evtx.TypeString, Value: `\\NAS01`},
			{Name: "ServerRequiresSigning", Type: evtx.TypeBool, Value: "false"},
		},
	}
	f, _ := smbaudit.Classify(ev)
	if v, ok := f.ServerRequiresSigning.Get(); ok {
		fmt.Println("server requires signing:", v)
	}
	_, ok := f.SPNQueryStatus.Get()
	fmt.Println("SPN query status logged:", ok)
	g := f
	g.ServerRequiresSigning = smbaudit.Some(true)
	fmt.Println(f.ServerRequiresSigning, g.ServerRequiresSigning)
	// Output:
	// server requires signing: false
	// SPN query status logged: false
	// false true
}

// Client names as the SMB server logs them.
func ExampleNormalizeClient() {
	for _, raw := range []string{`\\10.0.20.15`, `\\[fe80::1%12]`, `\\::ffff:10.0.0.9`, `\\NAS01`, `\\nas01.Corp.Example`} {
		c := smbaudit.NormalizeClient(raw)
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%-22s %-5s %-20s %s", raw, c.Kind, c.ID, c.ShortName)))
	}
	// Output:
	// \\10.0.20.15           ipv4  10.0.20.15
	// \\[fe80::1%12]         ipv6  fe80::1%12
	// \\::ffff:10.0.0.9      ipv4  10.0.0.9
	// \\NAS01                host  nas01                nas01
	// \\nas01.Corp.Example   fqdn  nas01.corp.example   nas01
}

// Stream the findings of a scan instead of keeping them all, as a long scan
// of audit-only logs should: memory then stays small however many findings
// there are. Duplicates across the overlapping exports are still dropped.
func ExampleScanOptions_onFinding() {
	perClient := map[string]int{}
	opts := smbaudit.ScanOptions{OnFinding: func(f smbaudit.Finding) {
		if f.Kind == smbaudit.KindSigningUnsupported {
			perClient[f.Client.ID]++
		}
	}}
	res, err := smbaudit.Scan(context.Background(), []string{"../testdata/smbaudit"}, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	total := 0
	for _, n := range perClient {
		total += n
	}
	fmt.Println("kept findings:", len(res.Findings))
	fmt.Println("signing-unsupported:", total, "from", len(perClient), "clients")
	// Output:
	// kept findings: 0
	// signing-unsupported: 402 from 4 clients
}
