package report

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/smbaudit"
	"github.com/stretchr/testify/require"
)

// clientOut is the JSON form of one client row.
func clientOut(c *Client) jsonClient {
	jc := jsonClient{Client: c.ID, Kind: c.Kind, ShortName: c.ShortName,
		Linked: nonNil(c.Linked), LinkedTotal: max(c.LinkedTotal, len(c.Linked)),
		Names: nonNil(c.Names), NamesTotal: max(c.NamesTotal, len(c.Names)),
		Events: make(map[string]int, len(c.EventCounts)), ServersByEvent: make(map[string][]string, len(c.EventCounts)),
		FirstSeen: formatTime(c.FirstSeen), LastSeen: formatTime(c.LastSeen),
		FirstEvidence: evidenceOut(c.First), LastEvidence: evidenceOut(c.Last),
		Servers: nonNil(c.Servers), ServersTotal: max(c.ServersTotal, len(c.Servers)),
		Users: nonNil(c.Users), UsersTotal: max(c.UsersTotal, len(c.Users)),
		SPNs: nonNil(c.SPNs), SPNsTotal: max(c.SPNsTotal, len(c.SPNs)),
		SPNQueryStatuses: nonNil(c.SPNQueryStatuses), EPAPolicies: nonNil(c.EPAPolicies),
		ServerRequiresSigning: nonNil(c.ServerRequiresSigning), RejectionStatuses: nonNil(c.RejectionStatuses),
		SPNsServiceClassInvalid: nonNil(c.SPNsServiceClassInvalid), SPNsPrincipalNameInvalid: nonNil(c.SPNsPrincipalNameInvalid),
		DamagedChunkEvents: c.DamagedChunkEvents,
		BreaksUnder:        settingsOut(c.BreaksUnder), PossiblyBreaksUnder: settingsOut(c.PossiblyBreaksUnder),
		RejectedByEnforcement: c.RejectedByEnforcement, Verdicts: []jsonVerdict{}}
	for _, e := range c.EventCounts {
		k := strconv.Itoa(int(e.ID))
		jc.Events[k] = e.Count
		jc.ServersByEvent[k] = nonNil(e.Servers)
	}
	for _, v := range c.Verdicts {
		jc.Verdicts = append(jc.Verdicts, jsonVerdict{Setting: string(v.Setting), Certain: v.Certain,
			Events: nonNil(v.Events), Servers: nonNil(v.Servers), Hints: nonNil(v.Hints)})
	}
	return jc
}

func recordOut(f *Record) jsonRecord {
	return jsonRecord{jsonEvidence: evidenceOut(f.Evidence), EventRecordID: f.EventRecordID,
		Kind: f.Kind, Channel: f.Channel, Client: f.ClientID, ClientRaw: f.ClientRaw, ClientKind: f.ClientKind,
		ShortName: f.ShortName, User: f.User, SPN: f.SPN, HasSPN: f.HasSPN, SPNQueryStatus: f.SPNQueryStatus,
		EPAPolicy: f.EPAPolicy, ServerRequiresSigning: f.ServerRequiresSigning, ServiceClassIsValid: f.ServiceClassIsValid,
		PrincipalNameIsValid: f.PrincipalNameIsValid, ServerRequiresEncryption: f.ServerRequiresEncryption, Status: f.Status,
		ChunkDamaged: f.ChunkDamaged, Recovered: f.Recovered, Reason: f.Reason}
}

// jsonWriter writes a client row or a finding byte for byte as
// json.MarshalIndent writes its jsonClient or jsonRecord, which writeJSON
// used until it wrote them without reflection.
func TestJSONWriterAsEncodingJSON(t *testing.T) {
	t0 := time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC)
	ev := Evidence{Time: t0, Server: "FS01", EventID: 3021, RecordID: 7, Source: evtx.Source{File: `C:\logs\a<b>&"c".evtx`, Chunk: 3, Offset: -1}}
	hostile := []string{"", "plain", `q"uo\te`, "<&>", "tab\tnl\ncr\r", "\x00\x01\x1f\x7f", "bad\xffutf8", "\u2028\u2029", "é 日本", "\b\f"}
	clients := []Client{
		{},
		{ID: "ws01", Kind: "host", ShortName: "ws01", Linked: []string{"ws01.corp"}, LinkedTotal: 3, Names: hostile, NamesTotal: 1,
			EventCounts: []EventCount{{ID: 551, Count: 2, Servers: []string{"FS01"}}, {ID: 3021, Count: 1}, {ID: 5168, Count: 4, Servers: []string{}},
				{ID: 3024, Count: 9, Servers: hostile}},
			FirstSeen: t0, LastSeen: t0.Add(time.Hour), First: ev, Last: ev,
			Servers: []string{"FS01", "FS02"}, ServersTotal: 40, Users: hostile, UsersTotal: 99, SPNs: []string{"cifs/fs01"},
			SPNQueryStatuses: []string{"0xC00000BB STATUS_NOT_SUPPORTED"}, EPAPolicies: []string{"1 (x)"}, ServerRequiresSigning: []string{"false"},
			RejectionStatuses: []string{"0xC000006D"}, SPNsServiceClassInvalid: hostile, SPNsPrincipalNameInvalid: []string{"cifs/alias"},
			DamagedChunkEvents: 5, BreaksUnder: []Setting{SettingRequireSigning}, PossiblyBreaksUnder: []Setting{SettingSPNHardeningLvl1},
			RejectedByEnforcement: true,
			Verdicts: []Verdict{{Setting: SettingRequireSigning, Certain: true, Events: []uint16{3021, 3027}, Servers: []string{"FS01"}, Hints: hostile},
				{Setting: SettingSPNHardeningLvl2}}},
		// The same event ID twice: a map keeps the last.
		{ID: "x", EventCounts: []EventCount{{ID: 3021, Count: 1, Servers: []string{"a"}}, {ID: 3021, Count: 2, Servers: []string{"b"}}}},
	}
	for i, h := range hostile {
		clients = append(clients, Client{ID: h, Kind: h, ShortName: h, First: Evidence{Server: h, Source: evtx.Source{File: h}}})
		clients[len(clients)-1].EventCounts = []EventCount{{ID: eventColumns[i%len(eventColumns)], Count: i}}
	}
	var keys []eventKey
	for _, c := range clients {
		// What encoding/json writes, but for the bytes that are not
		// UTF-8 (validUTF8).
		out := clientOut(&c)
		validStrings(reflect.ValueOf(&out).Elem())
		want, err := json.MarshalIndent(out, "    ", "  ")
		require.NoError(t, err)
		w := jsonWriter{prefix: "    "}
		keys = w.client(&c, keys)
		require.Equal(t, string(want), string(w.b), "client %q", c.ID)
	}
	records := []Record{{}, {Evidence: ev, EventRecordID: 1 << 63, Kind: string(smbaudit.KindSigningUnsupported), Channel: smbaudit.AuditChannel,
		ClientID: "ws01", ClientRaw: `\\ws01`, ClientKind: "host", ShortName: "ws01", User: `CORP\u`, SPN: "cifs/<x>", HasSPN: true,
		SPNQueryStatus: "s", EPAPolicy: "e", ServerRequiresSigning: "true", ServiceClassIsValid: "false", PrincipalNameIsValid: "true",
		ServerRequiresEncryption: "false", Status: "0x1", ChunkDamaged: true, Recovered: true, Reason: "bad\xff"}}
	for _, h := range hostile {
		records = append(records, Record{Reason: h, User: h, Evidence: Evidence{Server: h}})
	}
	for _, f := range records {
		out := recordOut(&f)
		validStrings(reflect.ValueOf(&out).Elem())
		want, err := json.MarshalIndent(out, "    ", "  ")
		require.NoError(t, err)
		w := jsonWriter{prefix: "    "}
		w.record(&f)
		require.Equal(t, string(want), string(w.b), "record %q", f.Reason)
	}
}
