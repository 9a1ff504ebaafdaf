// Package sample builds a small, hand-made smbaudit.Result that exercises
// every part of a report: each audit event, a 3027-only client, a 551, a
// short name and its FQDN, a damaged chunk, a skipped file, an unparsed
// event and a server without audit events. Tests and the browser check use
// it; it is not real log data.
package sample

import (
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// GeneratedAt is the pinned generation time of sample reports.
var GeneratedAt = time.Date(2025, 10, 1, 12, 0, 0, 0, time.UTC)

func at(day, h, m, s, hns int) time.Time {
	return time.Date(2025, 9, day, h, m, s, hns*100, time.UTC)
}

func yes() smbaudit.Opt[bool] { return smbaudit.Some(true) }
func no() smbaudit.Opt[bool]  { return smbaudit.Some(false) }

const (
	fwd  = "/evidence/wec01/ForwardedEvents.evtx"
	fs02 = "/evidence/fs02/Microsoft-Windows-SMBServer%4Audit.evtx"
	bad  = "/evidence/fs03/broken.evtx"
)

type fb struct {
	kind   smbaudit.Kind
	id     uint16
	server string
	client smbaudit.Client
	t      time.Time
	rec    uint64
	file   string
	chunk  int
	edit   func(*smbaudit.Finding)
}

func ipv4(ip string) smbaudit.Client {
	return smbaudit.Client{ID: ip, Raw: `\\` + ip, Kind: smbaudit.ClientIPv4}
}

// Result returns a fresh sample result each call.
func Result() *smbaudit.Result {
	nas := smbaudit.Client{ID: "nas01", Raw: `\\NAS01`, Kind: smbaudit.ClientHost, ShortName: "nas01"}
	nasFQDN := smbaudit.Client{ID: "nas01.corp.example", Raw: `\\nas01.corp.example`, Kind: smbaudit.ClientFQDN, ShortName: "nas01"}
	v6 := smbaudit.Client{ID: "fe80::1%eth0", Raw: `\\fe80::1%eth0`, Kind: smbaudit.ClientIPv6}
	prn := smbaudit.Client{ID: "prn01", Raw: "PRN01", Kind: smbaudit.ClientHost, ShortName: "prn01"}
	smb1 := smbaudit.Client{ID: "10.1.2.3", Raw: "10.1.2.3", Kind: smbaudit.ClientIPv4}
	signing := func(b smbaudit.Opt[bool]) func(*smbaudit.Finding) {
		return func(f *smbaudit.Finding) { f.ServerRequiresSigning = b }
	}
	rows := []fb{
		{smbaudit.KindSigningUnsupported, 3021, "fs01.corp.example", ipv4("10.0.0.5"), at(10, 8, 15, 42, 1234567), 101, fwd, 0, signing(no())},
		{smbaudit.KindSigningUnsupported, 3021, "fs01.corp.example", ipv4("10.0.0.5"), at(11, 9, 0, 0, 1), 140, fwd, 1, signing(no())},
		{smbaudit.KindSigningUnsupported, 3021, "fs02.corp.example", ipv4("10.0.0.5"), at(12, 17, 30, 5, 9999999), 12, fs02, 0, func(f *smbaudit.Finding) {
			f.ServerRequiresSigning = yes()
			f.User = `CORP\svc-backup`
		}},
		{smbaudit.KindSMB1SigningDisabled, 3027, "fs02.corp.example", nas, at(10, 23, 59, 59, 9999999), 13, fs02, 0, signing(no())},
		{smbaudit.KindSPNUnrecognised, 3025, "fs01.corp.example", nasFQDN, at(11, 10, 0, 0, 0), 141, fwd, 1, func(f *smbaudit.Finding) {
			f.SPN, f.HasSPN = "cifs/files.corp.example", true
			f.ServiceClassIsValid, f.PrincipalNameIsValid = yes(), no()
			f.EPAPolicy = smbaudit.Some(smbaudit.EPAPolicy{Value: 1, Label: "allowed"})
			f.User = `CORP\alice`
		}},
		{smbaudit.KindSPNMissing, 3024, "fs01.corp.example", ipv4("10.0.0.9"), at(12, 7, 5, 0, 500), 150, fwd, 1, func(f *smbaudit.Finding) {
			f.SPNQueryStatus = smbaudit.Some(smbaudit.NTStatus{Code: 0xC00000BB, Name: "STATUS_NOT_SUPPORTED"})
			f.EPAPolicy = smbaudit.Some(smbaudit.EPAPolicy{Value: 0, Label: "off"})
			f.ChunkDamaged = true
		}},
		{smbaudit.KindSPNMissing, 3024, "fs02.corp.example", ipv4("10.0.0.9"), at(13, 7, 5, 0, 0), 20, fs02, 0, func(f *smbaudit.Finding) {
			f.SPNQueryStatus = smbaudit.Some(smbaudit.NTStatus{Code: 0xC00000BE})
			f.EPAPolicy = smbaudit.Some(smbaudit.EPAPolicy{Value: 4, Label: "4"})
		}},
		{smbaudit.KindSPNEmpty, 3026, "fs02.corp.example", v6, at(13, 12, 0, 0, 0), 21, fs02, 0, func(f *smbaudit.Finding) {
			f.HasSPN = true
			f.EPAPolicy = smbaudit.Some(smbaudit.EPAPolicy{Value: 2, Label: "required"})
		}},
		{smbaudit.KindSMB1Access, 3000, "fs02.corp.example", smb1, at(12, 6, 0, 0, 0), 19, fs02, 0, nil},
		{smbaudit.KindEnforcementRejection, 551, "fs01.corp.example", prn, at(13, 14, 0, 0, 0), 160, fwd, 2, func(f *smbaudit.Finding) {
			f.Channel = "Microsoft-Windows-SMBServer/Security"
			f.User = "PRN01$"
			f.Status = smbaudit.Some(smbaudit.NTStatus{Code: 0xC000006D, Name: "STATUS_LOGON_FAILURE"})
		}},
		{smbaudit.KindSigningUnsupported, 3021, "fs01.corp.example", prn, at(12, 14, 0, 0, 0), 151, fwd, 1, signing(no())},
		{smbaudit.KindUnparsed, 3021, "fs01.corp.example", smbaudit.Client{}, at(12, 15, 0, 0, 0), 152, fwd, 1, func(f *smbaudit.Finding) {
			f.Reason = "no client name field"
		}},
	}
	res := &smbaudit.Result{}
	for i, r := range rows {
		f := smbaudit.Finding{Kind: r.kind, EventID: r.id, Channel: "Microsoft-Windows-SMBServer/Audit", Server: r.server,
			Client: r.client, Time: r.t, RecordID: r.rec,
			Source: evtx.Source{File: r.file, Chunk: r.chunk, Offset: int64(4096 + 65536*r.chunk + 512*i)}}
		if r.edit != nil {
			r.edit(&f)
		}
		res.Findings = append(res.Findings, f)
	}
	res.Files = []smbaudit.FileResult{
		{Path: fwd, Size: 1118208, Chunks: 17, ChunksDecoded: 3, Records: 412, DamagedChunks: []int{1},
			Errors: []error{&evtx.Error{File: fwd, Chunk: 1, Offset: 69632, Err: evtx.ErrChunkDataChecksum}},
			First:  at(9, 0, 0, 1, 0), Last: at(13, 23, 0, 0, 0)},
		{Path: fs02, Size: 69632, Chunks: 1, ChunksDecoded: 1, Records: 24, First: at(10, 1, 0, 0, 0), Last: at(13, 12, 0, 0, 0)},
		{Path: bad, Size: 100, Skipped: true, Err: evtx.ErrShortFile, Cause: smbaudit.CauseTooShort},
	}
	res.Servers = []smbaudit.ServerCoverage{
		{Server: "fs01.corp.example", First: at(9, 0, 0, 1, 0), Last: at(13, 22, 0, 0, 0), Events: 300, AuditEvents: 5},
		{Server: "dc01.corp.example", First: at(9, 3, 0, 0, 0), Last: at(13, 23, 0, 0, 0), Events: 112},
		{Server: "fs02.corp.example", First: at(10, 1, 0, 0, 0), Last: at(13, 12, 0, 0, 0), Events: 24, AuditEvents: 5},
	}
	return res
}
