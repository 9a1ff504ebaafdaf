package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// htmlClient is one client of the HTML page: its row, and the evidence its
// <details> element expands to.
type htmlClient struct {
	Cells    []htmlCell
	Summary  string
	Facts    [][2]string
	Evidence [][]htmlCell
	Note     string // when the findings were not kept
}

// evidenceKey groups a client's findings per server and event ID.
type evidenceKey struct {
	server string // lower-cased
	event  uint16
}

type evidenceAgg struct {
	count       int
	first, last Evidence
}

// evidenceOf groups the report's findings per client, server and event ID.
func evidenceOf(r *Report) map[string]map[evidenceKey]*evidenceAgg {
	out := map[string]map[evidenceKey]*evidenceAgg{}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Kind == string(smbaudit.KindUnparsed) {
			continue
		}
		id := orUnknown(f.ClientID)
		m := out[id]
		if m == nil {
			m = map[evidenceKey]*evidenceAgg{}
			out[id] = m
		}
		k := evidenceKey{strings.ToLower(f.Server), f.EventID}
		a := m[k]
		if a == nil {
			m[k] = &evidenceAgg{count: 1, first: f.Evidence, last: f.Evidence}
			continue
		}
		a.count++
		if cmpEvidence(f.Evidence, a.first) < 0 {
			a.first = f.Evidence
		}
		if cmpEvidence(f.Evidence, a.last) > 0 {
			a.last = f.Evidence
		}
	}
	return out
}

// eventHint is the remediation a client's events of one ID call for.
func (c *Client) eventHint(id uint16) string {
	if id == smbaudit.EventEnforcementRejection || id == smbaudit.EventSPNCheckFailed {
		return HintAlreadyFails
	}
	var hs []string
	for _, ru := range rules {
		if ru.event != id {
			continue
		}
		for _, h := range c.hints(ru) {
			if !slices.Contains(hs, h) {
				hs = append(hs, h)
			}
		}
	}
	return strings.Join(hs, "; ")
}

// severity orders the clients of the HTML page: certain breaks first (the
// more settings, the earlier), then clients already rejected, then
// possible breaks, then by events, then by ID.
func cmpSeverity(x, y *Client) int {
	return cmp.Or(cmp.Compare(len(y.BreaksUnder), len(x.BreaksUnder)),
		cmp.Compare(boolInt(y.RejectedByEnforcement), boolInt(x.RejectedByEnforcement)),
		cmp.Compare(len(y.PossiblyBreaksUnder), len(x.PossiblyBreaksUnder)),
		cmp.Compare(y.TotalEvents(), x.TotalEvents()), cmp.Compare(x.ID, y.ID))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// htmlClients makes the client rows of the HTML page, most severe first.
func htmlClients(r *Report, z zone) []htmlClient {
	byClient := evidenceOf(r)
	display := map[string]string{}
	for _, s := range r.Servers {
		display[strings.ToLower(s.Name)] = s.Name
	}
	clients := make([]*Client, len(r.Clients))
	for i := range r.Clients {
		clients[i] = &r.Clients[i]
	}
	slices.SortStableFunc(clients, cmpSeverity)
	var out []htmlClient
	for rank, c := range clients {
		hc := htmlClient{}
		hc.Cells = append(hc.Cells, htmlCell{Text: c.ID, Class: "id"})
		for _, st := range settings {
			v := verdictCell(*c, st)
			sort := map[string]string{"yes": "2", "maybe": "1", "-": "0"}[v]
			hc.Cells = append(hc.Cells, htmlCell{Text: v, Sort: sort, Class: map[string]string{"yes": "bad", "maybe": "warn", "-": "dim"}[v]})
		}
		rej := htmlCell{Text: "-", Sort: "0", Class: "dim"}
		if c.RejectedByEnforcement {
			rej = htmlCell{Text: "rejected", Sort: "1", Class: "bad"}
		}
		var hints []string
		for _, v := range c.Verdicts {
			hints = append(hints, string(v.Setting)+": "+strings.Join(v.Hints, "; "))
		}
		if c.RejectedByEnforcement {
			hints = append(hints, HintAlreadyFails)
		}
		hc.Cells = append(hc.Cells, rej, htmlCell{Text: eventsString(c.Events()), Sort: strconv.Itoa(c.TotalEvents()), Class: "num"},
			z.cell(c.LastSeen), htmlCell{Text: strings.Join(hints, " | "), Class: "wide"},
			htmlCell{Text: strconv.Itoa(rank), Class: "rank"})
		hc.Summary = fmt.Sprintf("Evidence: %s on %s, %s to %s", plural(c.TotalEvents(), "event", "events"),
			plural(max(len(c.Servers), c.ServersTotal), "server", "servers"), orDash(z.full(c.FirstSeen)), orDash(z.full(c.LastSeen)))
		for _, kv := range [][2]string{{"kind", c.Kind}, {"names", strings.Join(andMore(c.Names, c.NamesTotal), ", ")},
			{"same short name as", strings.Join(andMore(c.Linked, c.LinkedTotal), ", ")},
			{"servers", strings.Join(andMore(c.Servers, c.ServersTotal), ", ")},
			{"users", strings.Join(andMore(c.Users, c.UsersTotal), ", ")},
			{"SPNs", strings.Join(andMore(showEmpty(c.SPNs), c.SPNsTotal), ", ")}, {"SPN query statuses", strings.Join(c.SPNQueryStatuses, ", ")},
			{"EPA policies", strings.Join(c.EPAPolicies, ", ")}, {"server requires signing", strings.Join(c.ServerRequiresSigning, ", ")},
			{"rejection statuses", strings.Join(c.RejectionStatuses, ", ")}} {
			if kv[1] != "" {
				hc.Facts = append(hc.Facts, [2]string{kv[0], Escape(kv[1])})
			}
		}
		if c.DamagedChunkEvents > 0 {
			hc.Facts = append(hc.Facts, [2]string{"damaged chunks", plural(c.DamagedChunkEvents, "event", "events") + " read from damaged chunks: verify them"})
		}
		ev := byClient[c.ID]
		keys := make([]evidenceKey, 0, len(ev))
		for k := range ev {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b evidenceKey) int {
			return cmp.Or(cmp.Compare(display[a.server], display[b.server]), cmp.Compare(a.event, b.event))
		})
		for _, k := range keys {
			a := ev[k]
			name := display[k.server]
			if name == "" {
				name = a.first.Server
			}
			records := strconv.FormatUint(a.first.RecordID, 10)
			if a.last.RecordID != a.first.RecordID {
				records += " … " + strconv.FormatUint(a.last.RecordID, 10)
			}
			file := a.first.Source.File
			if a.last.Source.File != file {
				file += " … " + a.last.Source.File
			}
			hc.Evidence = append(hc.Evidence, []htmlCell{{Text: name}, {Text: fmt.Sprintf("%d %s", k.event, EventLabel(k.event))},
				numCell(a.count), z.cell(a.first.Time), z.cell(a.last.Time), {Text: file, Class: "mono"},
				{Text: records, Class: "num"}, {Text: c.eventHint(k.event)}})
		}
		if len(ev) == 0 {
			hc.Note = "The findings were not listed (past the report's bound on findings): first " + z.evidence(c.First) +
				"; last " + z.evidence(c.Last) + "."
			for _, id := range sortedIDs(c.Events()) {
				hc.Evidence = append(hc.Evidence, []htmlCell{{Text: strings.Join(c.ServersOf(id), ", ")},
					{Text: fmt.Sprintf("%d %s", id, EventLabel(id))}, numCell(c.Count(id)), {Text: "-"}, {Text: "-"}, {Text: "-"},
					{Text: "-"}, {Text: c.eventHint(id)}})
			}
		}
		for _, row := range [][]htmlCell{hc.Cells} {
			for i := range row {
				row[i].Text, row[i].Sort = Escape(row[i].Text), Escape(row[i].Sort)
			}
		}
		for _, row := range hc.Evidence {
			for i := range row {
				row[i].Text = Escape(row[i].Text)
			}
		}
		hc.Note = Escape(hc.Note)
		hc.Summary = Escape(hc.Summary)
		out = append(out, hc)
	}
	return out
}

// coverageLanes draws, under the events-per-day chart, one lane per server
// marking the days its records cover (First to Last); its title gives the
// Audit channel's window too.
func coverageLanes(c *chart, r *Report, z zone, days []Day, left, plotW, top float64) {
	if len(days) == 0 {
		return
	}
	first, err1 := parseWide(time.DateOnly, days[0].Date)
	last, err2 := parseWide(time.DateOnly, days[len(days)-1].Date)
	if err1 != nil || err2 != nil {
		return
	}
	span := last.Sub(first) + 24*time.Hour
	x := func(t time.Time) float64 {
		v := float64(t.Sub(first)) / float64(span)
		return left + plotW*min(max(v, 0), 1)
	}
	const lane, maxLanes = 14, 24
	y := top
	c.Texts = append(c.Texts, svgText{X: f1(left), Y: f1(y + 10), Anchor: "start", Text: "records of each server:"})
	y += lane
	n := 0
	for _, s := range r.Servers {
		if s.First.IsZero() || s.Last.IsZero() {
			continue
		}
		if n == maxLanes {
			c.Texts = append(c.Texts, svgText{X: f1(left), Y: f1(y + 10), Anchor: "start", Text: "(more servers: see the Servers table)"})
			y += lane
			break
		}
		x0, x1 := x(s.First), x(s.Last)
		title := Escape(s.Name) + ": records from " + z.full(s.First) + " to " + z.full(s.Last)
		if !s.AuditFirst.IsZero() && !s.AuditLast.IsZero() { // the window "none seen" is judged over
			title += "; Audit channel from " + z.full(s.AuditFirst) + " to " + z.full(s.AuditLast)
		}
		c.Coverage = append(c.Coverage, svgRect{X: f1(x0), Y: f1(y + 3), W: f1(max(x1-x0, 2)), H: f1(lane - 5), Fill: "#6e7781",
			Title: title})
		// The name goes after the bar, or before it, or on it: where it fits.
		label := svgText{X: f1(x1 + 4), Y: f1(y + 11), Anchor: "start", Text: Escape(clipText(s.Name))}
		switch {
		case x1 <= left+plotW*0.6:
		case x0 >= left+plotW*0.4:
			label = svgText{X: f1(x0 - 4), Y: f1(y + 11), Anchor: "end", Text: label.Text}
		default:
			label = svgText{X: f1(x0 + 4), Y: f1(y + 11), Anchor: "start", Text: label.Text}
		}
		c.Texts = append(c.Texts, label)
		y += lane
		n++
	}
	c.Height = int(y) + 4
}
