package benchgen

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

const (
	smbProvider = "Microsoft-Windows-SMBServer"
	smbGUID     = "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}"
	smbChannel  = "Microsoft-Windows-SMBServer/Audit"
	secProvider = "Microsoft-Windows-Security-Auditing"
	secGUID     = "{54849625-5478-4994-A5BA-3E3B0328C30D}"
	scmProvider = "Service Control Manager"
	scmGUID     = "{555908D1-A6D7-4695-8E1E-26931D2012F4}"
)

// gen draws events. Its choices mimic a WEF collector: Security events
// dominate (4624 logons, 4688 process creations, 4672 special logons, some
// 4625 failures), System service events (7036, 7040) are rarer. As in a
// ForwardedEvents log, the record header's ID is the collector's numbering
// and System/EventRecordID each source's own numbering of its channel,
// consecutive because the subscriptions forward every event of a channel.
type gen struct {
	cfg     Config
	sources map[source]uint64 // last EventRecordID per computer and channel
	rng     *rand.Rand
	t       time.Time
	hosts   []string
	servers []string
	clients []string
	users   []string
	procs   []string
	svcs    []string
}

func newGen(cfg Config) *gen {
	if cfg.Computers <= 0 {
		cfg.Computers = 500
	}
	if cfg.FileServers <= 0 {
		cfg.FileServers = 20
	}
	if cfg.Clients <= 0 {
		cfg.Clients = 300
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	}
	g := &gen{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x5eed)), t: cfg.Start, sources: map[source]uint64{}}
	for i := range cfg.Computers {
		switch {
		case i%25 == 0:
			g.hosts = append(g.hosts, fmt.Sprintf("DC%02d.corp.example", i/25+1))
		case i%7 == 0:
			g.hosts = append(g.hosts, fmt.Sprintf("SRV-APP%03d.corp.example", i))
		default:
			g.hosts = append(g.hosts, fmt.Sprintf("WS-%04d.corp.example", i))
		}
	}
	for i := range cfg.FileServers {
		g.servers = append(g.servers, fmt.Sprintf("FS%02d.corp.example", i+1))
	}
	for i := range cfg.Clients {
		switch i % 5 {
		case 0:
			g.clients = append(g.clients, fmt.Sprintf(`\\NAS-%03d`, i))
		case 1:
			g.clients = append(g.clients, fmt.Sprintf(`\\printer%03d.corp.example`, i))
		default:
			if i < 64000 {
				g.clients = append(g.clients, fmt.Sprintf(`\\10.%d.%d.%d`, 10+i%3, i/250, 1+i%250))
			} else { // the third octet would overflow
				g.clients = append(g.clients, fmt.Sprintf(`\\10.%d.%d.%d`, 13+i/64000%240, i/250%256, 1+i%250))
			}
		}
	}
	for i := range 200 {
		g.users = append(g.users, fmt.Sprintf("user%03d", i))
	}
	g.procs = []string{
		`C:\Windows\System32\svchost.exe`, `C:\Windows\System32\lsass.exe`, `C:\Windows\explorer.exe`,
		`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `C:\Windows\System32\cmd.exe`,
		`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `C:\Windows\System32\net.exe`,
		`C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, `C:\Windows\System32\conhost.exe`,
	}
	g.svcs = []string{"Windows Update", "Background Intelligent Transfer Service", "Windows Modules Installer",
		"Microsoft Defender Antivirus Service", "Print Spooler", "WinHTTP Web Proxy Auto-Discovery Service",
		"Delivery Optimization", "Software Protection"}
	return g
}

func (g *gen) pick(s []string) string { return s[g.rng.IntN(len(s))] }

func (g *gen) sid() string {
	return fmt.Sprintf("S-1-5-21-3623811015-3361044348-30300820-%d", 1100+g.rng.IntN(400))
}

func (g *gen) guid() string {
	r := g.rng
	return fmt.Sprintf("{%08X-%04X-%04X-%04X-%012X}", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff)
}

// source is one computer's channel, which numbers its own records.
type source struct{ computer, channel string }

// event returns the next event, with record ID id and the next
// EventRecordID of its computer's channel.
func (g *gen) event(id uint64) evtxwrite.Event {
	ev := g.draw(id)
	k := source{ev.Computer, ev.Channel}
	g.sources[k]++
	ev.EventRecordID = g.sources[k]
	return ev
}

func (g *gen) draw(id uint64) evtxwrite.Event {
	g.t = g.t.Add(time.Duration(1+g.rng.IntN(80_000_000)) * 100 * time.Nanosecond / 100)
	if g.cfg.SMBFraction > 0 && g.rng.Float64() < g.cfg.SMBFraction {
		return g.smb(id)
	}
	switch x := g.rng.IntN(100); {
	case x < 45:
		return g.logon(id, 4624)
	case x < 50:
		return g.logon(id, 4625)
	case x < 72:
		return g.process(id)
	case x < 90:
		return g.special(id)
	case x < 97:
		return g.service(id, 7036)
	default:
		return g.service(id, 7040)
	}
}

func (g *gen) security(id uint64, eventID uint16, task uint16, data []evtxwrite.Data) evtxwrite.Event {
	kw := uint64(0x8020000000000000)
	if eventID == 4625 {
		kw = 0x8010000000000000
	}
	return evtxwrite.Event{
		System: evtx.System{Provider: secProvider, ProviderGUID: secGUID, EventID: eventID, Version: 2, Task: task,
			Keywords: kw, TimeCreated: g.t, Channel: "Security", Computer: g.pick(g.hosts),
			ProcessID: 676 + uint32(g.rng.IntN(8))*4, ThreadID: uint32(700 + g.rng.IntN(9000)),
			ActivityID: g.guid()},
		RecordID: id,
		Data:     data,
	}
}

func (g *gen) logon(id uint64, eventID uint16) evtxwrite.Event {
	user := g.pick(g.users)
	ip := fmt.Sprintf("10.%d.%d.%d", 10+g.rng.IntN(4), g.rng.IntN(255), 1+g.rng.IntN(254))
	d := []evtxwrite.Data{
		{Name: "SubjectUserSid", Type: evtx.TypeSID, Value: "S-1-5-18"},
		{Name: "SubjectUserName", Type: evtx.TypeString, Value: "DC01$"},
		{Name: "SubjectDomainName", Type: evtx.TypeString, Value: "CORP"},
		{Name: "SubjectLogonId", Type: evtx.TypeHexInt64, Value: uint64(0x3e7)},
		{Name: "TargetUserSid", Type: evtx.TypeSID, Value: g.sid()},
		{Name: "TargetUserName", Type: evtx.TypeString, Value: user},
		{Name: "TargetDomainName", Type: evtx.TypeString, Value: "CORP"},
	}
	if eventID == 4624 {
		d = append(d,
			evtxwrite.Data{Name: "TargetLogonId", Type: evtx.TypeHexInt64, Value: g.rng.Uint64() & 0xffffffff},
			evtxwrite.Data{Name: "LogonType", Type: evtx.TypeUint32, Value: uint32([]int{2, 3, 3, 3, 10}[g.rng.IntN(5)])},
		)
	} else {
		d = append(d,
			evtxwrite.Data{Name: "Status", Type: evtx.TypeHexInt32, Value: uint32(0xC000006D)},
			evtxwrite.Data{Name: "FailureReason", Type: evtx.TypeString, Value: "%%2313"},
			evtxwrite.Data{Name: "SubStatus", Type: evtx.TypeHexInt32, Value: uint32(0xC000006A)},
			evtxwrite.Data{Name: "LogonType", Type: evtx.TypeUint32, Value: uint32(3)},
		)
	}
	d = append(d,
		evtxwrite.Data{Name: "LogonProcessName", Type: evtx.TypeString, Value: "Kerberos"},
		evtxwrite.Data{Name: "AuthenticationPackageName", Type: evtx.TypeString, Value: "Kerberos"},
		evtxwrite.Data{Name: "WorkstationName", Type: evtx.TypeString, Value: "-"},
		evtxwrite.Data{Name: "LogonGuid", Type: evtx.TypeGUID, Value: g.guid()},
		evtxwrite.Data{Name: "TransmittedServices", Type: evtx.TypeString, Value: "-"},
		evtxwrite.Data{Name: "LmPackageName", Type: evtx.TypeString, Value: "-"},
		evtxwrite.Data{Name: "KeyLength", Type: evtx.TypeUint32, Value: uint32(0)},
		evtxwrite.Data{Name: "ProcessId", Type: evtx.TypeHexInt64, Value: uint64(0x2b0)},
		evtxwrite.Data{Name: "ProcessName", Type: evtx.TypeString, Value: `C:\Windows\System32\lsass.exe`},
		evtxwrite.Data{Name: "IpAddress", Type: evtx.TypeString, Value: ip},
		evtxwrite.Data{Name: "IpPort", Type: evtx.TypeString, Value: fmt.Sprint(49152 + g.rng.IntN(16000))},
		evtxwrite.Data{Name: "ImpersonationLevel", Type: evtx.TypeString, Value: "%%1833"},
		evtxwrite.Data{Name: "RestrictedAdminMode", Type: evtx.TypeString, Value: "-"},
		evtxwrite.Data{Name: "TargetOutboundUserName", Type: evtx.TypeString, Value: "-"},
		evtxwrite.Data{Name: "TargetOutboundDomainName", Type: evtx.TypeString, Value: "-"},
		evtxwrite.Data{Name: "VirtualAccount", Type: evtx.TypeString, Value: "%%1843"},
		evtxwrite.Data{Name: "TargetLinkedLogonId", Type: evtx.TypeHexInt64, Value: uint64(0)},
		evtxwrite.Data{Name: "ElevatedToken", Type: evtx.TypeString, Value: "%%1842"},
	)
	task := uint16(12544)
	return g.security(id, eventID, task, d)
}

func (g *gen) process(id uint64) evtxwrite.Event {
	p := g.pick(g.procs)
	return g.security(id, 4688, 13312, []evtxwrite.Data{
		{Name: "SubjectUserSid", Type: evtx.TypeSID, Value: g.sid()},
		{Name: "SubjectUserName", Type: evtx.TypeString, Value: g.pick(g.users)},
		{Name: "SubjectDomainName", Type: evtx.TypeString, Value: "CORP"},
		{Name: "SubjectLogonId", Type: evtx.TypeHexInt64, Value: g.rng.Uint64() & 0xffffffff},
		{Name: "NewProcessId", Type: evtx.TypeHexInt64, Value: uint64(g.rng.IntN(0xffff))},
		{Name: "NewProcessName", Type: evtx.TypeString, Value: p},
		{Name: "TokenElevationType", Type: evtx.TypeString, Value: "%%1938"},
		{Name: "ProcessId", Type: evtx.TypeHexInt64, Value: uint64(g.rng.IntN(0xffff))},
		{Name: "CommandLine", Type: evtx.TypeString, Value: fmt.Sprintf(`"%s" -k netsvcs -p -s %d`, p, g.rng.IntN(1000))},
		{Name: "TargetUserSid", Type: evtx.TypeSID, Value: "S-1-0-0"},
		{Name: "TargetUserName", Type: evtx.TypeString, Value: "-"},
		{Name: "TargetDomainName", Type: evtx.TypeString, Value: "-"},
		{Name: "TargetLogonId", Type: evtx.TypeHexInt64, Value: uint64(0)},
		{Name: "ParentProcessName", Type: evtx.TypeString, Value: g.pick(g.procs)},
		{Name: "MandatoryLabel", Type: evtx.TypeSID, Value: "S-1-16-8192"},
	})
}

func (g *gen) special(id uint64) evtxwrite.Event {
	return g.security(id, 4672, 12548, []evtxwrite.Data{
		{Name: "SubjectUserSid", Type: evtx.TypeSID, Value: g.sid()},
		{Name: "SubjectUserName", Type: evtx.TypeString, Value: g.pick(g.users)},
		{Name: "SubjectDomainName", Type: evtx.TypeString, Value: "CORP"},
		{Name: "SubjectLogonId", Type: evtx.TypeHexInt64, Value: g.rng.Uint64() & 0xffffffff},
		{Name: "PrivilegeList", Type: evtx.TypeString, Value: "SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\tSeImpersonatePrivilege"},
	})
}

func (g *gen) service(id uint64, eventID uint16) evtxwrite.Event {
	q := uint16(0x4000)
	svc := g.pick(g.svcs)
	var d []evtxwrite.Data
	if eventID == 7036 {
		d = []evtxwrite.Data{
			{Name: "param1", Type: evtx.TypeString, Value: svc},
			{Name: "param2", Type: evtx.TypeString, Value: []string{"running", "stopped"}[g.rng.IntN(2)]},
			{Name: "Binary", Type: evtx.TypeBinary, Value: []byte("wuauserv/4\x00")},
		}
	} else {
		d = []evtxwrite.Data{
			{Name: "param1", Type: evtx.TypeString, Value: svc},
			{Name: "param2", Type: evtx.TypeString, Value: "demand start"},
			{Name: "param3", Type: evtx.TypeString, Value: "auto start"},
			{Name: "param4", Type: evtx.TypeString, Value: "wuauserv"},
		}
	}
	return evtxwrite.Event{
		System: evtx.System{Provider: scmProvider, ProviderGUID: scmGUID, EventSourceName: "Service Control Manager",
			EventID: eventID, Qualifiers: q, HasQualifiers: true, Level: 4, Keywords: 0x8080000000000000, TimeCreated: g.t,
			Channel: "System", Computer: g.pick(g.hosts), ProcessID: 728,
			ThreadID: uint32(1000 + g.rng.IntN(8000)), UserSID: "S-1-5-18"},
		RecordID: id,
		Data:     d,
	}
}

// smb returns one of the SMB server audit events, with the field layouts of
// the project's fixtures (../shared/docs/smb-audit-events.md).
func (g *gen) smb(id uint64) evtxwrite.Event {
	client := g.pick(g.clients)
	n := uint16(len(client))
	var eventID uint16
	var d []evtxwrite.Data
	switch x := g.rng.IntN(10); {
	case x < 5:
		eventID = 3021
		d = []evtxwrite.Data{
			{Name: "ClientNameLength", Type: evtx.TypeUint16, Value: n},
			{Name: "ClientName", Type: evtx.TypeString, Value: client},
			{Name: "ServerRequiresSigning", Type: evtx.TypeBool, Value: g.rng.IntN(2) == 0},
		}
	case x < 7:
		eventID = 3024
		d = []evtxwrite.Data{
			{Name: "ClientNameLength", Type: evtx.TypeUint16, Value: n},
			{Name: "ClientName", Type: evtx.TypeString, Value: client},
			{Name: "SpnQueryStatus", Type: evtx.TypeHexInt32, Value: uint32(0xC00000BB)},
			{Name: "EpaPolicy", Type: evtx.TypeUint32, Value: uint32(0)},
		}
	case x < 8:
		eventID = 3025
		d = []evtxwrite.Data{
			{Name: "ClientNameLength", Type: evtx.TypeUint16, Value: n},
			{Name: "ClientName", Type: evtx.TypeString, Value: client},
			{Name: "SpnLength", Type: evtx.TypeUint16, Value: uint16(29)},
			{Name: "SPN", Type: evtx.TypeString, Value: "cifs/files-alias.corp.example"},
			{Name: "SpnNameMatched", Type: evtx.TypeBool, Value: false},
			{Name: "SpnAddressMatched", Type: evtx.TypeBool, Value: false},
			{Name: "EpaPolicy", Type: evtx.TypeUint32, Value: uint32(1)},
		}
	case x < 9:
		eventID = 3026
		d = []evtxwrite.Data{
			{Name: "ClientNameLength", Type: evtx.TypeUint16, Value: n},
			{Name: "ClientName", Type: evtx.TypeString, Value: client},
			{Name: "EpaPolicy", Type: evtx.TypeUint32, Value: uint32(0)},
		}
	default:
		eventID = 3027
		d = []evtxwrite.Data{
			{Name: "ClientNameLength", Type: evtx.TypeUint16, Value: n},
			{Name: "ClientName", Type: evtx.TypeString, Value: client},
			{Name: "ServerRequiresSigning", Type: evtx.TypeBool, Value: false},
		}
	}
	q := uint16(0)
	return evtxwrite.Event{
		System: evtx.System{Provider: smbProvider, ProviderGUID: smbGUID, EventID: eventID, Level: 3,
			Keywords: 0x8000000000000000, TimeCreated: g.t, Channel: smbChannel, Computer: g.pick(g.servers),
			ProcessID: 4, ThreadID: uint32(1000 + g.rng.IntN(9000)), UserSID: "S-1-5-18",
			Qualifiers: q, HasQualifiers: true},
		RecordID: id,
		Data:     d,
	}
}
