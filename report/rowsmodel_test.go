package report_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// modelRow is a client's row as a plain reading of the findings gives it.
type modelRow struct {
	names, users, spns, servers map[string]bool
	events                      map[uint16]map[string]bool
	counts                      map[uint16]int
	first, last                 report.Evidence
	damaged                     int
}

func keys(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func cmpEv(x, y report.Evidence) int {
	return cmp.Or(x.Time.Compare(y.Time), strings.Compare(x.Source.File, y.Source.File), cmp.Compare(x.Source.Chunk, y.Source.Chunk),
		cmp.Compare(x.Source.Offset, y.Source.Offset), cmp.Compare(x.RecordID, y.RecordID), strings.Compare(x.Server, y.Server),
		cmp.Compare(x.EventID, y.EventID))
}

// The rows of a report, built in the compact form (kept records, sets of
// one value in place, server IDs, spelling numbers, rows sorted by a key
// of the ID's first 16 bytes), are those a plain reading of its findings
// gives: on clients many, whose names share 16 bytes, differ only in case,
// hash alike in the string table's cache, are empty or very long, on
// servers spelled in several cases, one of them seen in one file only.
func TestRowsAreThoseOfAPlainReading(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	t0 := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	long := strings.Repeat("verylonghostname-", 40) + "x"
	clients := []string{"", "ws01", "WS01", "ws01.corp.example", "10.0.0.1", "fe80::1%12", long, long + "y",
		"abcdefghijklmnop1", "abcdefghijklmnop2", "abcdefghijklmnop", "abcdefghijklmno", "abcdefghijklmnop\x00"}
	// Same length, first, middle and last 8 bytes: one quickHash.
	for i := range 40 {
		clients = append(clients, fmt.Sprintf("aaaaaaaa%cbbbbbbbbbbbbbb%ccccccccc", 'a'+i%26, 'a'+i/26))
	}
	for i := range 300 {
		clients = append(clients, fmt.Sprintf("host%04d.corp.example", i))
	}
	servers := []string{"FS01", "fs01", "Fs01", "FS02.corp.example", "fs02.CORP.example", "", "aaaaaaaaXbbbbbbbbbbbbbbXccccccccc",
		"aaaaaaaaYbbbbbbbbbbbbbbXccccccccc"}
	users := []string{"", `CORP\alice`, `corp\ALICE`, strings.Repeat("u", 300)}
	spns := []string{"", "cifs/fs01", "CIFS/FS01", "host/x"}
	events := []uint16{3000, 3021, 3022, 3023, 3024, 3025, 3026, 3027, 551, 5168}

	var fs []smbaudit.Finding
	for i := range 6000 {
		id := events[r.IntN(len(events))]
		f := smbaudit.Finding{Kind: kindOf(id), EventID: id, Server: servers[r.IntN(len(servers))],
			Channel: smbaudit.AuditChannel, RecordID: uint64(i + 1),
			Time:   t0.Add(time.Duration(r.Int64N(20*24*3600*1e7)) * 100),
			Source: evtx.Source{File: fmt.Sprintf("f%d.evtx", r.IntN(4)), Chunk: r.IntN(5), Offset: int64(512 + 8*r.IntN(1000))},
			User:   users[r.IntN(len(users))], ChunkDamaged: r.IntN(7) == 0}
		raw := clients[r.IntN(len(clients))]
		if raw != "" {
			f.Client = smbaudit.NormalizeClient(`\\` + raw)
			if f.Client.ID == "" { // not a name: keep it as logged
				f.Client = smbaudit.Client{ID: raw, Raw: raw, Kind: smbaudit.ClientUnknown}
			}
		}
		if r.IntN(3) == 0 {
			f.SPN, f.HasSPN = spns[r.IntN(len(spns))], true
		}
		fs = append(fs, f)
	}
	// Around UTC midnight, in a zone whose day is another, and before 1970.
	for i, at := range []time.Time{t0.Add(-100), t0, t0.Add(24*time.Hour - 100).In(time.FixedZone("east", 5*3600)),
		time.Date(1969, 12, 31, 23, 59, 59, 999999900, time.UTC), time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)} {
		fs = append(fs, smbaudit.Finding{Kind: kindOf(3021), EventID: 3021, Server: "FS01", Channel: smbaudit.AuditChannel,
			RecordID: uint64(100000 + i), Time: at, Source: evtx.Source{File: "edge.evtx", Offset: int64(i)},
			Client: smbaudit.NormalizeClient(`\edge`)})
	}
	// A server seen in one file only, once.
	fs = append(fs, smbaudit.Finding{Kind: kindOf(3021), EventID: 3021, Server: "lonely", Channel: smbaudit.AuditChannel, RecordID: 1,
		Time: t0, Source: evtx.Source{File: "lonely.evtx"}, Client: smbaudit.NormalizeClient(`\\ws01`)})
	// Copies of records from other places.
	for range 500 {
		c := fs[r.IntN(len(fs))]
		c.Source = evtx.Source{File: fmt.Sprintf("copy%d.evtx", r.IntN(3)), Chunk: r.IntN(5), Offset: int64(r.IntN(100000))}
		fs = append(fs, c)
	}

	// The plain reading: one copy per record (server and channel without
	// case, identity, event ID, time), the first by CompareCopies.
	type key struct {
		server, channel string
		id              uint64
		event           uint16
		at              time.Time
	}
	kept := map[key]smbaudit.Finding{}
	for _, f := range fs {
		k := key{strings.ToLower(f.Server), strings.ToLower(f.Channel), f.RecordID, f.EventID, f.Time.UTC()}
		if cur, ok := kept[k]; !ok || smbaudit.CompareCopies(f.Source, cur.Source) < 0 {
			kept[k] = f
		}
	}
	var unique []smbaudit.Finding
	for _, f := range kept {
		unique = append(unique, f)
	}
	shown := map[string]string{} // by lower-cased server: the smallest spelling
	for _, f := range fs {
		s := f.Server
		if s == "" {
			s = report.Unknown
		}
		if cur, ok := shown[strings.ToLower(s)]; !ok || s < cur {
			shown[strings.ToLower(s)] = s
		}
	}
	rows := map[string]*modelRow{}
	for _, f := range kept {
		id := f.Client.ID
		if id == "" {
			id = report.Unknown
		}
		server := f.Server
		if server == "" {
			server = report.Unknown
		}
		server = shown[strings.ToLower(server)]
		m := rows[id]
		e := report.Evidence{Time: f.Time.UTC(), Server: server, EventID: f.EventID, RecordID: f.RecordID, Source: f.Source}
		if m == nil {
			m = &modelRow{names: map[string]bool{}, users: map[string]bool{}, spns: map[string]bool{}, servers: map[string]bool{},
				events: map[uint16]map[string]bool{}, counts: map[uint16]int{}, first: e, last: e}
			rows[id] = m
		}
		if f.Client.Raw != "" {
			m.names[f.Client.Raw] = true
		}
		if f.User != "" {
			m.users[f.User] = true
		}
		if f.HasSPN {
			m.spns[f.SPN] = true
		}
		m.servers[server] = true
		if m.events[f.EventID] == nil {
			m.events[f.EventID] = map[string]bool{}
		}
		m.events[f.EventID][server] = true
		m.counts[f.EventID]++
		if f.ChunkDamaged {
			m.damaged++
		}
		if cmpEv(e, m.first) < 0 {
			m.first = e
		}
		if cmpEv(e, m.last) > 0 {
			m.last = e
		}
	}

	type modelServer struct {
		findings int
		events   map[uint16]int
		clients  map[string]bool
	}
	srv := map[string]*modelServer{}
	for _, f := range kept {
		name := f.Server
		if name == "" {
			name = report.Unknown
		}
		name = shown[strings.ToLower(name)]
		s := srv[name]
		if s == nil {
			s = &modelServer{events: map[uint16]int{}, clients: map[string]bool{}}
			srv[name] = s
		}
		s.findings++
		s.events[f.EventID]++
		id := f.Client.ID
		if id == "" {
			id = report.Unknown
		}
		s.clients[id] = true
	}

	days := map[string]map[uint16]int{}
	for _, f := range kept {
		d := f.Time.UTC().Format(time.DateOnly)
		if days[d] == nil {
			days[d] = map[uint16]int{}
		}
		days[d][f.EventID]++
	}

	for _, maxFindings := range []int{0, 1000} {
		t.Run(fmt.Sprintf("MaxFindings %d", maxFindings), func(t *testing.T) {
			b := report.NewBuilder(report.Options{GeneratedAt: pinned, MaxFindings: maxFindings, MaxListed: -1})
			in := fs
			if maxFindings > 0 { // past it copies are not recognised: unique findings, as a scan gives
				in = unique
			}
			for i := range in {
				b.Add(&in[i])
			}
			rep := b.Finish()
			var ids []string
			for _, c := range rep.Clients {
				ids = append(ids, c.ID)
			}
			require.True(t, slices.IsSorted(ids), "rows sorted by ID")
			require.Len(t, rep.Clients, len(rows))
			for _, c := range rep.Clients {
				m := rows[c.ID]
				require.NotNil(t, m, "a row for %q", c.ID)
				require.Equal(t, keys(m.names), nilIfEmpty(c.Names), "%q names", c.ID)
				require.Equal(t, keys(m.users), nilIfEmpty(c.Users), "%q users", c.ID)
				require.Equal(t, keys(m.spns), nilIfEmpty(c.SPNs), "%q spns", c.ID)
				require.Equal(t, keys(m.servers), nilIfEmpty(c.Servers), "%q servers", c.ID)
				require.Equal(t, m.damaged, c.DamagedChunkEvents, "%q damaged", c.ID)
				require.Equal(t, m.first, c.First, "%q first", c.ID)
				require.Equal(t, m.last, c.Last, "%q last", c.ID)
				require.Equal(t, m.first.Time, c.FirstSeen, "%q first seen", c.ID)
				require.Equal(t, m.last.Time, c.LastSeen, "%q last seen", c.ID)
				require.Len(t, c.EventCounts, len(m.counts), "%q events", c.ID)
				for _, e := range c.EventCounts {
					require.Equal(t, m.counts[e.ID], e.Count, "%q %d", c.ID, e.ID)
					require.Equal(t, keys(m.events[e.ID]), nilIfEmpty(e.Servers), "%q %d servers", c.ID, e.ID)
				}
			}
			gotDays := map[string]map[uint16]int{}
			for _, d := range rep.Days {
				gotDays[d.Date] = d.Events
			}
			require.Equal(t, days, gotDays)
			require.Len(t, rep.Servers, len(srv))
			for _, s := range rep.Servers {
				m := srv[s.Name]
				require.NotNil(t, m, "a row for server %q", s.Name)
				require.Equal(t, m.findings, s.Findings, s.Name)
				require.Equal(t, m.events, s.Events, s.Name)
				require.Equal(t, keys(m.clients), s.Clients, s.Name)
			}
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
