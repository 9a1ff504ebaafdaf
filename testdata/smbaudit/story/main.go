// Command story writes the JSON Lines sources of the smbaudit fixtures: the
// logs of a small estate (file servers FS01, FS02 and FS03, a WEF collector)
// whose clients include a NAS, a printer, an old Linux box, a scanner still on
// SMB1, a line-of-business app server and an IPv6 workstation.
//
// go generate ./smbaudit runs it (go run ../testdata/smbaudit/story -dir
// ../testdata/smbaudit) and then makes the .evtx files from the .jsonl with
// examples/evtxgen. The output is deterministic, byte for byte.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const (
	smbProv   = "Microsoft-Windows-SMBServer"
	smbGUID   = "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}"
	auditCh   = "Microsoft-Windows-SMBServer/Audit"
	opCh      = "Microsoft-Windows-SMBServer/Operational"
	smbSecCh  = "Microsoft-Windows-SMBServer/Security"
	secProv   = "Microsoft-Windows-Security-Auditing"
	secGUID   = "{54849625-5478-4994-A5BA-3E3B0328C30D}"
	scmProv   = "Service Control Manager"
	scmGUID   = "{555908D1-A6D7-4695-8E1E-26931D2012F4}"
	kwAudit   = "0x8000000000000000"
	kwSecOK   = "0x8020000000000000"
	kwSecFail = "0x8010000000000000"
)

type data struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

type line struct {
	Provider     string    `json:"provider"`
	ProviderGUID string    `json:"provider_guid,omitempty"`
	Channel      string    `json:"channel"`
	Computer     string    `json:"computer"`
	EventID      int       `json:"event_id"`
	Version      int       `json:"version"`
	Level        int       `json:"level"`
	Task         int       `json:"task"`
	Opcode       int       `json:"opcode"`
	Keywords     string    `json:"keywords"`
	TimeCreated  string    `json:"time_created"`
	RecordID     uint64    `json:"record_id"`
	ProcessID    int       `json:"process_id"`
	ThreadID     int       `json:"thread_id"`
	UserSID      string    `json:"user_sid,omitempty"`
	Data         []data    `json:"data,omitempty"`
	UserData     *userData `json:"user_data,omitempty"`

	t time.Time
}

type userData struct {
	Name string `json:"name"`
	NS   string `json:"ns"`
	Data []data `json:"data"`
}

func d(name, typ string, v any) data { return data{name, typ, v} }

// nameLen is the length field the 24H2 manifest puts before ClientName:
// characters plus the terminating NUL.
func nameLen(s string) int { return len([]rune(s)) + 1 }

var rng = rand.New(rand.NewPCG(2025, 55234))

// rngExtra is the source of the events added to the story later (3022,
// 3023, 5168, 551 v3, the MFP's 3025): extra draws from it, so that they
// leave the times and values drawn for the others unchanged.
var rngExtra = rand.New(rand.NewPCG(2025, 3022))

func extra(f func() line) line {
	saved := rng
	rng = rngExtra
	defer func() { rng = saved }()
	return f()
}

func jitter(t time.Time, max time.Duration) time.Time {
	return t.Add(time.Duration(rng.Int64N(int64(max)))).Truncate(100 * time.Nanosecond)
}

func smb(server, ch string, id, ver int, t time.Time, dd ...data) line {
	return line{Provider: smbProv, ProviderGUID: smbGUID, Channel: ch, Computer: server, EventID: id,
		Version: ver, Level: 3, Keywords: kwAudit, t: t, ProcessID: 4, ThreadID: 100 + rng.IntN(9000),
		UserSID: "S-1-5-18", Data: dd}
}

// Set A (FS01 and FS02's 3021): the Data names and order of the Windows 11
// 26H1 manifest (see docs: smb-audit-events.md).
func a3021(server, client string, t time.Time, user string, requires bool) line {
	if user == "" {
		return smb(server, auditCh, 3021, 0, t, d("ClientNameLength", "uint16", nameLen(client)),
			d("ClientName", "string", client), d("ServerRequiresSigning", "bool", requires))
	}
	return smb(server, auditCh, 3021, 1, t, d("ClientNameLength", "uint16", nameLen(client)),
		d("ClientName", "string", client), d("UserNameLength", "uint16", nameLen(user)),
		d("UserName", "string", user), d("ServerRequiresSigning", "bool", requires))
}

func a3022(server, client string, t time.Time, requires bool, typ int) line {
	return smb(server, auditCh, 3022, 0, t, d("ClientNameLength", "uint16", nameLen(client)),
		d("ClientName", "string", client), d("ServerRequiresEncryption", "bool", requires),
		d("SmbClientDoesNotSupportEncryptionType", "uint32", typ))
}

// a3023 is the insecure guest logon, in the Operational channel.
func a3023(server, client string, t time.Time) line {
	l := smb(server, opCh, 3023, 0, t, d("ClientNameLength", "uint16", nameLen(client)),
		d("ClientName", "string", client))
	l.Keywords = "0x4000000000000000"
	return l
}

func a3024(server, client string, t time.Time, status string, policy int) line {
	return smb(server, auditCh, 3024, 0, t, d("ClientNameLength", "uint16", nameLen(client)),
		d("ClientName", "string", client), d("Status", "hexint32", status), d("SPNValidationPolicy", "uint32", policy))
}

func a3025(server, client string, t time.Time, spn string, serviceClassOK, principalOK bool, policy int) line {
	return smb(server, auditCh, 3025, 0, t, d("ClientNameLength", "uint16", nameLen(client)),
		d("ClientName", "string", client), d("SPN", "string", spn),
		d("ServiceClassIsValid", "bool", serviceClassOK), d("PrincipalNameIsValid", "bool", principalOK),
		d("SPNValidationPolicy", "uint32", policy))
}

func a3026(server, client string, t time.Time, policy int) line {
	return smb(server, auditCh, 3026, 0, t, d("ClientNameLength", "uint16", nameLen(client)),
		d("ClientName", "string", client), d("SPNValidationPolicy", "uint32", policy))
}

// Alias set B (FS02): other names (older guesses), kept so that the
// fallback on aliases stays tested.
func b3024(server, client string, t time.Time, status string, policy int) line {
	return smb(server, auditCh, 3024, 0, t, d("ClientLength", "uint16", nameLen(client)),
		d("Client", "string", client), d("QueryStatus", "hexint32", status), d("Policy", "uint32", policy))
}

func b3025(server, client string, t time.Time, spn string, serviceClassOK, principalOK bool, policy int) line {
	return smb(server, auditCh, 3025, 0, t, d("ClientLength", "uint16", nameLen(client)),
		d("Client", "string", client), d("ServicePrincipalName", "string", spn),
		d("Check1", "bool", serviceClassOK), d("Check2", "bool", principalOK), d("SPNValidationPolicy", "uint32", policy))
}

func b3026(server, client string, t time.Time, policy int) line {
	return smb(server, auditCh, 3026, 0, t, d("ClientLength", "uint16", nameLen(client)),
		d("Client", "string", client), d("HardeningLevel", "uint32", policy))
}

func b3027(server, client string, t time.Time, requires bool) line {
	return smb(server, auditCh, 3027, 0, t, d("ClientLength", "uint16", nameLen(client)),
		d("Client", "string", client), d("RequireSigning", "bool", requires))
}

func smb1(server, addr string, t time.Time) line {
	return smb(server, auditCh, 3000, 0, t, d("ClientName", "ansistring", addr))
}

// Set C (FS03, via WEF): names no alias knows, so only type and order tell.
func c3024(server, client string, t time.Time, status string, policy int) line {
	return smb(server, auditCh, 3024, 1, t, d("Field0", "uint16", 2*len(client)),
		d("Field1", "string", client), d("Field2", "hexint32", status), d("Field3", "uint32", policy))
}

func c3025(server, client string, t time.Time, spn string, c1, c2 bool, policy int) line {
	return smb(server, auditCh, 3025, 1, t, d("", "uint16", 2*len(client)), d("", "string", client),
		d("", "uint16", 2*len(spn)), d("", "string", spn), d("", "bool", c1), d("", "bool", c2), d("", "uint32", policy))
}

func c3021(server, client string, t time.Time, requires bool) line {
	return smb(server, auditCh, 3021, 2, t, d("Field0", "uint16", nameLen(client)),
		d("Field1", "string", client), d("Field2", "bool", requires))
}

func e551(server string, t time.Time, ip [4]byte, user, client, spn string, status string, policy int) line {
	sa := fmt.Sprintf("0200%04X%02X%02X%02X%02X0000000000000000", 0xC1A3, ip[0], ip[1], ip[2], ip[3])
	l := smb(server, smbSecCh, 551, 2, t,
		d("SessionGUID", "guid", guid()), d("ConnectionGUID", "guid", guid()),
		d("Status", "hexint32", status), d("TranslatedStatus", "hexint32", "0xC0000022"),
		d("ClientAddress", "binary", sa), d("SessionId", "hexint64", fmt.Sprintf("0x%X", 0x440000000000+rng.IntN(1<<20))),
		d("UserName", "string", user), d("ClientName", "string", client), d("SPN", "string", spn),
		d("SPNValidationPolicy", "uint32", policy))
	l.Level = 2
	return l
}

// e551v3 is a 551 version 3 as real files store it: UserData, with
// ReasonCode.
func e551v3(server string, t time.Time, ip [4]byte, user, client, spn string, status string, policy, reason int) line {
	sa := fmt.Sprintf("0200%04X%02X%02X%02X%02X0000000000000000", 0xC1B7, ip[0], ip[1], ip[2], ip[3])
	l := smb(server, smbSecCh, 551, 3, t)
	l.Data = nil
	l.UserData = &userData{Name: "EventData", NS: "http://manifests.microsoft.com/win/2004/08/windows/eventlog",
		Data: []data{d("SessionGUID", "guid", guid()), d("ConnectionGUID", "guid", guid()),
			d("Status", "hexint32", status), d("TranslatedStatus", "hexint32", "0xC0000022"),
			d("ClientAddress", "binary", sa), d("SessionId", "hexint64", fmt.Sprintf("0x%X", 0x440000000000+rng.IntN(1<<20))),
			d("UserName", "string", user), d("ClientName", "string", client), d("SPN", "string", spn),
			d("SPNValidationPolicy", "uint32", policy), d("ReasonCode", "uint32", reason)}}
	l.Level = 2
	return l
}

// e5168 is the Security log's "SPN check for SMB/SMB2 failed". IpAddresses
// and ServerNames are the server's own; the client is not named.
func e5168(server string, t time.Time, user, spn, ips string) line {
	short := strings.ToUpper(strings.SplitN(server, ".", 2)[0])
	return secLine(server, t, 5168, 0, kwSecFail, 12808,
		d("SubjectUserSid", "sid", "S-1-5-21-3623811015-3361044348-30300820-1190"),
		d("SubjectUserName", "string", user), d("SubjectDomainName", "string", "CORP"),
		d("SubjectLogonId", "hexint64", fmt.Sprintf("0x%X", 0x1000000+rng.IntN(1<<24))),
		d("SpnName", "string", spn), d("ErrorCode", "hexint32", "0xC0000022"),
		d("ServerNames", "string", "CORP;corp.example;"+server+";"+short+";LocalHost;"),
		d("ConfiguredNames", "string", "N/A"), d("IpAddresses", "string", ips))
}

func guid() string {
	return fmt.Sprintf("{%08X-%04X-%04X-%04X-%012X}", rng.Uint32(), rng.IntN(1<<16), 0x4000|rng.IntN(1<<12),
		0x8000|rng.IntN(1<<14), rng.Int64N(1<<48))
}

var day0 = time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)

func at(day int, h, m int) time.Time {
	return day0.AddDate(0, 0, day).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// fs01: 14 days of FS01's Audit log, alias set A, over several chunks.
func fs01() []line {
	var out []line
	const s = "FS01.corp.example"
	for day := 0; day < 14; day++ {
		for h := 0; h < 24; h++ { // the NAS's hourly backup job, by IP
			t := jitter(at(day, h, 5), 3*time.Minute)
			if day < 7 {
				out = append(out, a3021(s, `\\10.0.20.15`, t, "", false))
			} else { // after the October cumulative update: version 1 with the user
				out = append(out, a3021(s, `\\10.0.20.15`, t, `CORP\svc-nasbackup`, false))
			}
		}
		for _, h := range []int{9, 13, 16} { // scan-to-folder from the printer
			t := jitter(at(day, h, 0), time.Hour)
			out = append(out, a3021(s, `\\PRN-3F`, t, "", false), a3026(s, `\\10.0.30.41`, t.Add(2*time.Millisecond), 0))
		}
		for _, h := range []int{2, 14} { // the old Linux box's cron copy, NTLM
			out = append(out, a3024(s, `\\10.0.40.7`, jitter(at(day, h, 30), 10*time.Minute), "0xC00000BB", 0))
		}
		// The app server reaches FS01 through a DNS alias.
		out = append(out, a3025(s, `\\app01.corp.example`, jitter(at(day, 6, 0), time.Hour), "cifs/files.corp.example", true, false, 0))
		if day%2 == 1 { // the MFP's scan-to-folder asks for the wrong service class
			out = append(out, extra(func() line {
				return a3025(s, `\\mfp-2f.corp.example`, jitter(at(day, 15, 0), time.Hour), "HOST/FS01.corp.example", false, true, 0)
			}))
		}
		if day >= 10 { // the NAS's backup, seen by the encryption audit: it cannot encrypt
			out = append(out, extra(func() line {
				return a3022(s, `\\10.0.20.15`, jitter(at(day, 4, 30), 10*time.Minute), false, 1)
			}))
		}
		if day%3 == 0 {
			out = append(out, a3024(s, `\\2001:db8:10::25`, jitter(at(day, 10, 0), 6*time.Hour), "0xC00000BE", 0))
		}
		if day == 4 || day == 11 {
			out = append(out, a3026(s, `\\[fe80::a00:27ff:fe4e:66a1%12]`, jitter(at(day, 2, 40), time.Minute), 0))
			out = append(out, a3021(s, `\\NAS01`, jitter(at(day, 23, 0), time.Minute), "", false))
		}
	}
	return number(sortByTime(out), 1201)
}

// fs02: FS02's Audit log, alias set B, exported on Oct 10 and again on
// Oct 20; the two exports overlap.
func fs02() []line {
	var out []line
	const s = "FS02.corp.example"
	for day := 0; day < 20; day++ {
		out = append(out, a3021(s, `\\nas01.corp.example`, jitter(at(day, 1, 0), 5*time.Minute), "", true))
		out = append(out, b3024(s, `\\lnx-old.corp.example`, jitter(at(day, 3, 0), time.Hour), "0xC00000BB", 1))
		if day%2 == 0 {
			t := jitter(at(day, 11, 0), 2*time.Hour)
			out = append(out, b3025(s, `\\PRN-3F`, t, "cifs/fs02-scan", true, false, 1), b3026(s, `\\10.0.30.41`, t.Add(time.Second), 1))
		}
		t := jitter(at(day, 8, 0), 8*time.Hour)
		out = append(out, smb1(s, "10.0.30.50", t), b3027(s, `\\SCAN01`, t.Add(3*time.Millisecond), true))
	}
	return number(sortByTime(out), 88)
}

var users = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}

// wef: the collector's ForwardedEvents: Security and System events of many
// computers, and a few SMB events of FS03 once its audit was turned on.
func wef() []line {
	var out []line
	hosts := []string{"DC01.corp.example", "WS-014.corp.example", "WS-027.corp.example", "WS-031.corp.example",
		"FS03.corp.example", "APP01.corp.example"}
	start := at(12, 0, 0)
	for i := 0; i < 300; i++ {
		t := jitter(start.Add(time.Duration(i)*8*time.Minute), 8*time.Minute)
		h := hosts[rng.IntN(len(hosts))]
		u := users[rng.IntN(len(users))]
		switch r := rng.IntN(10); {
		case r < 5:
			out = append(out, logon(h, t, u))
		case r < 6:
			out = append(out, logonFail(h, t, u))
		case r < 9:
			out = append(out, process(h, t, u))
		default:
			out = append(out, service(h, t))
		}
	}
	const s = "FS03.corp.example"
	smbStart := start.Add(30 * time.Hour) // FS03's audit is switched on early on Oct 14
	out = append(out,
		c3024(s, `\\10.0.40.7`, jitter(smbStart, time.Hour), "0xC00000BB", 2),
		c3024(s, `\\10.0.40.7`, jitter(smbStart.Add(3*time.Hour), time.Hour), "0xC00000BB", 2),
		c3025(s, `\\app01.corp.example`, jitter(smbStart.Add(2*time.Hour), time.Hour), "cifs/files.corp.example", true, false, 2),
		c3021(s, `\\10.0.20.15`, jitter(smbStart.Add(4*time.Hour), time.Hour), false),
		c3021(s, `\\10.0.20.15`, jitter(smbStart.Add(5*time.Hour), time.Hour), false),
		e551(s, jitter(smbStart.Add(6*time.Hour), time.Hour), [4]byte{10, 0, 40, 7}, `CORP\lnxsvc`, "", "", "0xC000035B", 2),
	)
	// Added later, from their own source: a guest logon (Operational), a
	// 551 version 3 as UserData, and the Security log's 5168 for the same
	// rejected session (which names the account, not the client).
	out = append(out,
		extra(func() line { return a3023(s, `\\10.0.50.12`, jitter(smbStart.Add(90*time.Minute), time.Hour)) }),
		extra(func() line { return a3023(s, `\\10.0.50.12`, jitter(smbStart.Add(26*time.Hour), time.Hour)) }),
		extra(func() line {
			return e551v3(s, jitter(smbStart.Add(7*time.Hour), time.Minute), [4]byte{10, 0, 40, 7}, `CORP\lnxsvc`,
				`\\10.0.40.7`, "cifs/fs03-old", "0xC000035B", 2, 1)
		}),
		extra(func() line {
			return e5168(s, jitter(smbStart.Add(7*time.Hour+time.Minute), time.Minute), "lnxsvc", "cifs/fs03-old",
				"127.0.0.1;::1;10.0.0.13;;fe80::5efe:10.0.0.13;")
		}),
	)
	out = sortByTime(out)
	next := map[string]uint64{}
	for i := range out {
		k := out[i].Computer + "|" + out[i].Channel
		if next[k] == 0 {
			next[k] = 5000 + uint64(len(k)*37)
		}
		out[i].RecordID = next[k]
		next[k]++
		out[i].TimeCreated = out[i].t.Format("2006-01-02T15:04:05.0000000Z")
	}
	return out
}

func short(h string) string { return strings.ToUpper(strings.SplitN(h, ".", 2)[0]) }

func logon(h string, t time.Time, u string) line {
	ip := fmt.Sprintf("10.0.%d.%d", 10+rng.IntN(3), 20+rng.IntN(200))
	return secLine(h, t, 4624, 2, kwSecOK, 12544,
		d("SubjectUserSid", "sid", "S-1-5-18"), d("SubjectUserName", "string", short(h)+"$"),
		d("SubjectDomainName", "string", "CORP"), d("SubjectLogonId", "hexint64", "0x3E7"),
		d("TargetUserSid", "sid", fmt.Sprintf("S-1-5-21-3623811015-3361044348-30300820-%d", 1100+rng.IntN(8))),
		d("TargetUserName", "string", u), d("TargetDomainName", "string", "CORP"),
		d("TargetLogonId", "hexint64", fmt.Sprintf("0x%X", 0x1000000+rng.IntN(1<<24))),
		d("LogonType", "uint32", []int{2, 3, 3, 3, 10}[rng.IntN(5)]), d("LogonProcessName", "string", "Kerberos"),
		d("AuthenticationPackageName", "string", "Kerberos"), d("WorkstationName", "string", "-"),
		d("LogonGuid", "guid", guid()), d("TransmittedServices", "string", "-"), d("LmPackageName", "string", "-"),
		d("KeyLength", "uint32", 0), d("ProcessId", "hexint64", "0x0"), d("ProcessName", "string", "-"),
		d("IpAddress", "string", ip), d("IpPort", "string", fmt.Sprint(49152+rng.IntN(16000))),
		d("ImpersonationLevel", "string", "%%1833"), d("RestrictedAdminMode", "string", "-"),
		d("TargetOutboundUserName", "string", "-"), d("TargetOutboundDomainName", "string", "-"),
		d("VirtualAccount", "string", "%%1843"), d("TargetLinkedLogonId", "hexint64", "0x0"),
		d("ElevatedToken", "string", "%%1842"))
}

func logonFail(h string, t time.Time, u string) line {
	l := secLine(h, t, 4625, 0, kwSecFail, 12544,
		d("SubjectUserSid", "sid", "S-1-0-0"), d("SubjectUserName", "string", "-"),
		d("SubjectDomainName", "string", "-"), d("SubjectLogonId", "hexint64", "0x0"),
		d("TargetUserSid", "sid", "S-1-0-0"), d("TargetUserName", "string", u),
		d("TargetDomainName", "string", "CORP"), d("Status", "hexint32", "0xC000006D"),
		d("FailureReason", "string", "%%2313"), d("SubStatus", "hexint32", "0xC000006A"),
		d("LogonType", "uint32", 3), d("LogonProcessName", "string", "NtLmSsp "),
		d("AuthenticationPackageName", "string", "NTLM"), d("WorkstationName", "string", "WS-0"+fmt.Sprint(10+rng.IntN(30))),
		d("TransmittedServices", "string", "-"), d("LmPackageName", "string", "-"), d("KeyLength", "uint32", 0),
		d("ProcessId", "hexint64", "0x0"), d("ProcessName", "string", "-"),
		d("IpAddress", "string", fmt.Sprintf("10.0.11.%d", 20+rng.IntN(200))), d("IpPort", "string", "0"))
	return l
}

var images = []string{`C:\Windows\System32\svchost.exe`, `C:\Windows\System32\cmd.exe`,
	`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `C:\Windows\System32\conhost.exe`,
	`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `C:\Windows\System32\net.exe`}

func process(h string, t time.Time, u string) line {
	img := images[rng.IntN(len(images))]
	return secLine(h, t, 4688, 2, kwSecOK, 13312,
		d("SubjectUserSid", "sid", fmt.Sprintf("S-1-5-21-3623811015-3361044348-30300820-%d", 1100+rng.IntN(8))),
		d("SubjectUserName", "string", u), d("SubjectDomainName", "string", "CORP"),
		d("SubjectLogonId", "hexint64", fmt.Sprintf("0x%X", 0x1000000+rng.IntN(1<<24))),
		d("NewProcessId", "hexint64", fmt.Sprintf("0x%X", 0x100+rng.IntN(0x4000)*4)),
		d("NewProcessName", "string", img), d("TokenElevationType", "string", "%%1938"),
		d("ProcessId", "hexint64", fmt.Sprintf("0x%X", 0x100+rng.IntN(0x4000)*4)),
		d("CommandLine", "string", `"`+img+`"`), d("TargetUserSid", "sid", "S-1-0-0"),
		d("TargetUserName", "string", "-"), d("TargetDomainName", "string", "-"),
		d("TargetLogonId", "hexint64", "0x0"), d("ParentProcessName", "string", `C:\Windows\explorer.exe`),
		d("MandatoryLabel", "sid", "S-1-16-8192"))
}

func service(h string, t time.Time) line {
	svc := []string{"Windows Update", "Background Intelligent Transfer Service", "WinHTTP Web Proxy Auto-Discovery Service"}[rng.IntN(3)]
	state := []string{"running", "stopped"}[rng.IntN(2)]
	return line{Provider: scmProv, ProviderGUID: scmGUID, Channel: "System", Computer: h, EventID: 7036,
		Level: 4, Keywords: "0x8080000000000000", t: t, ProcessID: 728, ThreadID: 800 + rng.IntN(4000),
		Data: []data{d("param1", "string", svc), d("param2", "string", state),
			d("Binary", "binary", fmt.Sprintf("%X", []byte(strings.ToLower(svc[:4])+"/1")))}}
}

func secLine(h string, t time.Time, id, ver int, kw string, task int, dd ...data) line {
	return line{Provider: secProv, ProviderGUID: secGUID, Channel: "Security", Computer: h, EventID: id,
		Version: ver, Level: 0, Task: task, Keywords: kw, t: t, ProcessID: 780, ThreadID: 1000 + rng.IntN(8000), Data: dd}
}

func sortByTime(ls []line) []line {
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].t.Before(ls[j].t) })
	return ls
}

func number(ls []line, first uint64) []line {
	for i := range ls {
		ls[i].RecordID = first + uint64(i)
		ls[i].TimeCreated = ls[i].t.Format("2006-01-02T15:04:05.0000000Z")
	}
	return ls
}

func write(path string, ls []line) {
	var b strings.Builder
	for _, l := range ls {
		j, err := json.Marshal(l)
		if err != nil {
			panic(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	path = filepath.Join(*dir, path)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

var dir = flag.String("dir", ".", "directory to write the .jsonl files to")

func main() {
	flag.Parse()
	write("audit-fs01.jsonl", fs01())
	all := fs02()
	var a, b []line
	for _, l := range all {
		if l.t.Before(at(10, 0, 0)) {
			a = append(a, l)
		}
		if !l.t.Before(at(6, 0, 0)) {
			b = append(b, l)
		}
	}
	write("audit-fs02-2025-10-10.jsonl", a)
	write("audit-fs02-2025-10-20.jsonl", b)
	write("forwarded-events.jsonl", wef())
}
