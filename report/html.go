package report

import (
	"bufio"
	"cmp"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// eventColors are the chart colors per event ID.
var eventColors = map[uint16]string{
	smbaudit.EventSMB1Access:            "#8c564b",
	smbaudit.EventSigningUnsupported:    "#d62728",
	smbaudit.EventSPNMissing:            "#1f77b4",
	smbaudit.EventSPNUnrecognised:       "#ff7f0e",
	smbaudit.EventSPNEmpty:              "#9467bd",
	smbaudit.EventSMB1SigningDisabled:   "#bcbd22",
	smbaudit.EventEnforcementRejection:  "#e377c2",
	smbaudit.EventEncryptionUnsupported: "#2ca02c",
	smbaudit.EventGuestLogon:            "#17becf",
	smbaudit.EventSPNCheckFailed:        "#aec7e8",
}

func eventColor(id uint16) string {
	if c, ok := eventColors[id]; ok {
		return c
	}
	return "#7f7f7f"
}

type svgRect struct {
	X, Y, W, H  string
	Fill, Title string
}

type svgText struct {
	X, Y, Anchor, Text string
}

type chart struct {
	Width, Height int
	Rects         []svgRect
	Texts         []svgText
	Lines         []svgRect // X,Y = x1,y1; W,H = x2,y2
	Coverage      []svgRect // each server's window, under the days
	Legend        []legendItem
	Empty         bool
}

type legendItem struct {
	Color, Label string
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// dayChart draws the findings per day, stacked per event ID, and under them
// the window each server's records cover.
func dayChart(days []Day, r *Report, z zone) chart {
	const w, h, left, bottom, top = 760, 240, 44, 36, 12
	c := chart{Width: w, Height: h}
	if len(days) == 0 {
		c.Empty = true
		return c
	}
	days = fillDays(days)
	maxv, present := 0, map[uint16]bool{}
	for _, d := range days {
		maxv = max(maxv, total(d.Events))
		for id, n := range d.Events {
			if n > 0 {
				present[id] = true
			}
		}
	}
	maxv = max(maxv, 1)
	plotW, plotH := float64(w-left-8), float64(h-bottom-top)
	step := plotW / float64(len(days))
	bw := min(max(step*0.8, 1), 48)
	c.Lines = append(c.Lines, svgRect{X: f1(left), Y: f1(top + plotH), W: f1(float64(w - 8)), H: f1(top + plotH)},
		svgRect{X: f1(left), Y: f1(top), W: f1(left), H: f1(top + plotH)})
	c.Texts = append(c.Texts, svgText{X: f1(left - 4), Y: f1(top + 4), Anchor: "end", Text: strconv.Itoa(maxv)},
		svgText{X: f1(left - 4), Y: f1(top + plotH), Anchor: "end", Text: "0"})
	every := max(1, (len(days)+7)/8)
	for i, d := range days {
		x := float64(left) + step*float64(i) + (step-bw)/2
		y := top + plotH
		for _, id := range sortedIDs(d.Events) {
			hh := plotH * float64(d.Events[id]) / float64(maxv)
			y -= hh
			c.Rects = append(c.Rects, svgRect{X: f1(x), Y: f1(y), W: f1(bw), H: f1(hh), Fill: eventColor(id),
				Title: fmt.Sprintf("%s: %d × event %d (%s)", d.Date, d.Events[id], id, EventLabel(id))})
		}
		if i%every == 0 {
			c.Texts = append(c.Texts, svgText{X: f1(x + bw/2), Y: f1(top + plotH + 16), Anchor: "middle", Text: d.Date})
		}
	}
	for _, id := range eventColumns {
		if present[id] {
			c.Legend = append(c.Legend, legendItem{Color: eventColor(id), Label: fmt.Sprintf("%d %s", id, EventLabel(id))})
		}
	}
	coverageLanes(&c, r, z, days, left, plotW, float64(h))
	return c
}

// fillDays adds the days without findings between the first and the last,
// so the chart's time axis is even; spans longer than two years are drawn
// as they are.
func fillDays(days []Day) []Day {
	first, err1 := parseWide(time.DateOnly, days[0].Date)
	last, err2 := parseWide(time.DateOnly, days[len(days)-1].Date)
	if err1 != nil || err2 != nil || last.Sub(first) > 2*366*24*time.Hour {
		return days
	}
	var out []Day
	i := 0
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		ds := d.Format(time.DateOnly)
		if i < len(days) && days[i].Date == ds {
			out = append(out, days[i])
			i++
		} else {
			out = append(out, Day{Date: ds})
		}
	}
	return out
}

// topClientsChart draws the clients with the most events.
func topClientsChart(clients []Client, n int) chart {
	type row struct {
		id    string
		total int
	}
	var rows []row
	for _, c := range clients {
		rows = append(rows, row{c.ID, c.TotalEvents()})
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Or(cmp.Compare(b.total, a.total), cmp.Compare(a.id, b.id)) })
	rows = rows[:min(n, len(rows))]
	const w, left, rowH = 760, 230, 22
	c := chart{Width: w, Height: len(rows)*rowH + 8}
	if len(rows) == 0 {
		c.Empty = true
		return c
	}
	maxv := max(rows[0].total, 1)
	for i, r := range rows {
		y := float64(4 + i*rowH)
		bw := float64(w-left-60) * float64(r.total) / float64(maxv)
		label := r.id
		if len([]rune(label)) > 34 {
			label = string([]rune(label)[:33]) + "…"
		}
		label = Escape(label)
		c.Texts = append(c.Texts, svgText{X: f1(left - 6), Y: f1(y + 15), Anchor: "end", Text: label},
			svgText{X: f1(left + bw + 6), Y: f1(y + 15), Anchor: "start", Text: strconv.Itoa(r.total)})
		c.Rects = append(c.Rects, svgRect{X: f1(left), Y: f1(y + 2), W: f1(bw), H: f1(rowH - 6), Fill: "#4c78a8",
			Title: fmt.Sprintf("%s: %d events", Escape(r.id), r.total)})
	}
	return c
}

type htmlCell struct {
	Text  string
	Sort  string // data-sort value; "" means Text
	Class string
}

type htmlData struct {
	Title     string
	Generated string
	Zone      string // the zone of the times: "UTC", or "in Europe/Paris (UTC+02:00)"
	Report    *Report
	Summary   string
	Cards     []htmlCard
	Warnings  []string
	Days      chart
	Top       chart
	Clients   []htmlClient
	Servers   [][]htmlCell
	Inputs    [][]htmlCell
	Notice    string
	About     [][2]string
	Headlines []htmlHeadline
	Caveats   []string
}

type htmlHeadline struct {
	Mark, Class, Text string
}

type htmlCard struct {
	Title, Value, Sub, Class, State string
}

func numCell(n int) htmlCell { return htmlCell{Text: strconv.Itoa(n), Class: "num"} }

func (z zone) cell(t time.Time) htmlCell { return htmlCell{Text: z.full(t), Class: "nw"} }

// writeHTML writes one self-contained HTML page (no external assets, works
// offline): summary cards, sortable and filterable tables, inline SVG charts.
func (r *Report) writeHTML(w io.Writer, opts RenderOptions, z zone) error {
	d := htmlData{Title: opts.Title, Generated: z.full(r.GeneratedAt), Zone: "UTC", Report: r,
		Summary: summaryLine(r.Summary, r.Unparsed), Days: dayChart(r.Days, r, z), Top: topClientsChart(r.Clients, 10)}
	if d.Title == "" {
		d.Title = "SMB hardening readiness report"
	}
	if desc := z.describe(r); desc != "" {
		d.Zone = strings.TrimPrefix(desc, "times ")
	}
	d.Notice = Escape(r.Summary.Notice)
	for _, kv := range r.about() {
		d.About = append(d.About, [2]string{kv[0], Escape(kv[1])})
	}
	for _, h := range r.Summary.Headlines {
		cls := map[State]string{StateBreaks: "bad", StatePossibly: "warn", StateNoneSeen: "ok", StateCannotTell: "unknown"}[h.State]
		d.Headlines = append(d.Headlines, htmlHeadline{Mark: stateMark(h.State), Class: cls, Text: Escape(h.Text)})
	}
	for _, c := range r.Caveats {
		d.Caveats = append(d.Caveats, Escape(c.Text))
	}
	// A card is green only when the setting's audit was seen on some
	// server and no client was seen to break: never for an absence of
	// evidence.
	for _, h := range r.Summary.Headlines {
		var cls, value, sub string
		switch h.State {
		case StateBreaks:
			cls, value = "bad", strconv.Itoa(h.Clients)
			sub = fmt.Sprintf("%s break, on %s", plural(h.Clients, "client", "clients"), plural(h.Servers, "server", "servers"))
			if h.PossibleClients > 0 {
				sub += fmt.Sprintf("; %d more possibly (3027 only)", h.PossibleClients)
			}
		case StatePossibly:
			cls, value = "warn", "0"
			sub = fmt.Sprintf("%d possibly (3027 only), on %s", h.PossibleClients, plural(h.PossibleServers, "server", "servers"))
		case StateNoneSeen:
			cls, value = "ok", "0"
			sub = fmt.Sprintf("none seen; its audit logged by %d of %d servers", len(h.ServersWithAudit), len(r.Servers))
		default:
			cls, value = "unknown", "?"
			sub = "cannot tell: no server logged its audit; turn on " + h.AuditSwitch
		}
		if h.State != StateCannotTell && len(h.ServersWithoutAudit) > 0 {
			sub += fmt.Sprintf("; %s without it", plural(len(h.ServersWithoutAudit), "server", "servers"))
		}
		d.Cards = append(d.Cards, htmlCard{Title: "Enforce " + string(h.Setting), Value: value, Sub: sub, Class: cls + " setting",
			State: string(h.State)})
	}
	s := r.Summary
	d.Cards = append(d.Cards,
		htmlCard{Title: "Clients", Value: strconv.Itoa(s.Clients), Sub: fmt.Sprintf("%d already rejected (551)", s.RejectedClients), Class: "info"},
		htmlCard{Title: "Servers", Value: strconv.Itoa(s.Servers), Sub: fmt.Sprintf("%d without audit events", s.ServersWithoutAudit), Class: "info"},
		htmlCard{Title: "Input files", Value: strconv.Itoa(s.Inputs), Sub: fmt.Sprintf("%d skipped, %d errors, %d damaged chunks", s.SkippedInputs, s.Errors, s.DamagedChunks), Class: "info"})
	for _, sv := range r.Servers {
		for _, wn := range sv.Warnings {
			d.Warnings = append(d.Warnings, Escape(sv.Name)+": "+wn)
		}
	}
	d.Clients = htmlClients(r, z)
	for _, sv := range r.Servers {
		d.Servers = append(d.Servers, []htmlCell{{Text: sv.Name}, numCell(sv.AuditEvents), numCell(len(sv.Clients)),
			numCell(sv.Records), z.cell(sv.First), z.cell(sv.Last),
			{Text: idsString(sv.AuditKinds)}, {Text: strings.Join(sv.Audits, ", ")},
			{Text: strings.Join(sv.Warnings, "; "), Class: warnClass(sv.Warnings)}})
	}
	for _, in := range r.Inputs {
		status := "read"
		if in.Skipped {
			status = "skipped: " + in.Reason
		}
		firstID := htmlCell{Text: "-", Sort: "0", Class: "num"}
		if in.FirstRecordID > 0 {
			firstID = htmlCell{Text: strconv.FormatUint(in.FirstRecordID, 10), Class: "num"}
			if in.FirstRecordID > 1 {
				firstID.Class = "num warn"
			}
		}
		d.Inputs = append(d.Inputs, []htmlCell{{Text: in.Path}, {Text: strconv.FormatInt(in.Size, 10), Class: "num"},
			{Text: orDash(in.SHA256), Class: "mono"}, numCell(in.RecordsInChunks), numCell(in.Records), firstID, numCell(in.Chunks),
			numCell(in.ChunksDecoded), {Text: intsString(in.DamagedChunks), Sort: strconv.Itoa(len(in.DamagedChunks))},
			{Text: strings.Join(errorList(in.Errors), " | "), Sort: strconv.Itoa(len(in.Errors))}, {Text: status}})
	}
	// Log strings are made visible by Escape first; the template then
	// escapes them for HTML.
	d.Title = Escape(d.Title)
	for _, table := range [][][]htmlCell{d.Servers, d.Inputs} {
		for _, row := range table {
			for i := range row {
				row[i].Text, row[i].Sort = Escape(row[i].Text), Escape(row[i].Sort)
			}
		}
	}
	b := bufio.NewWriter(w)
	if err := htmlTemplate.Execute(b, d); err != nil {
		return fmt.Errorf("report: rendering HTML: %w", err)
	}
	return b.Flush()
}

func warnClass(w []string) string {
	if len(w) > 0 {
		return "warn"
	}
	return ""
}

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{"esc": Escape}).Parse(htmlSource))

const htmlSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
:root { --bad: #c62828; --warn: #b7791f; --ok: #2e7d32; --info: #37474f; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
header { background: #24292f; color: #fff; padding: 16px 24px; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; color: #c9d1d9; font-size: 13px; }
main { padding: 16px 24px 48px; max-width: 1600px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--info); border-radius: 6px; padding: 10px 14px; }
.card.bad { border-left-color: var(--bad); } .card.warn { border-left-color: var(--warn); } .card.ok { border-left-color: var(--ok); }
.card.unknown { border-left-color: #6e7781; border-style: dashed; background: #f6f8fa; }
.notice { background: #fdecea; border: 2px solid var(--bad); border-radius: 6px; padding: 10px 14px; margin: 0 0 16px; font-size: 15px; }
.about { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 12px; font-size: 13px; color: #57606a; }
.about dt { font-weight: 600; } .about dd { margin: 0; word-break: break-all; }
.mark { font-weight: 700; font-size: 12px; } .mark.bad { color: var(--bad); } .mark.warn { color: var(--warn); } .mark.ok { color: var(--ok); } .mark.unknown { color: #6e7781; }
.card .t { font-size: 12px; color: #57606a; word-break: break-word; }
.card .v { font-size: 30px; font-weight: 700; }
.card .s { font-size: 12px; color: #57606a; }
.summary { color: #57606a; }
.warnings { background: #fff8e1; border: 1px solid #f0d58c; border-radius: 6px; padding: 8px 14px 8px 30px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { background: #fff; border: 1px solid var(--line); border-radius: 6px; margin: 0; padding: 10px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg text { font: 11px system-ui, sans-serif; fill: #57606a; }
.legend { display: flex; flex-wrap: wrap; gap: 10px; font-size: 12px; margin-top: 4px; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 4px; background: var(--c); }
.filter { margin: 0 0 6px; padding: 5px 8px; width: 320px; max-width: 100%; border: 1px solid var(--line); border-radius: 4px; }
.tablewrap { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 5px 8px; border-bottom: 1px solid #eaeef2; text-align: left; vertical-align: top; }
th { background: #f0f3f6; cursor: pointer; user-select: none; white-space: nowrap; position: sticky; top: 0; }
th[aria-sort="ascending"]::after { content: " \25B2"; } th[aria-sort="descending"]::after { content: " \25BC"; }
td.bad { color: var(--bad); font-weight: 700; } td.warn { color: var(--warn); font-weight: 600; } td.dim { color: #8c959f; }
td.num, th.num { text-align: right; } td.nw { white-space: nowrap; } td.wide { min-width: 240px; }
td.id { word-break: break-word; min-width: 150px; max-width: 240px; font-weight: 600; }
#clients td.rank, #clients th:last-child { color: #8c959f; }
tr:hover td { background: #f6f8fa; }
tr.ev > td { padding: 0 8px 4px 24px; border-bottom: 1px solid #d0d7de; }
tr.ev summary { cursor: pointer; color: #0969da; font-size: 12px; }
table.evidence { margin: 4px 0 8px; font-size: 12px; } table.evidence th { cursor: default; position: static; }
table.evidence td { word-break: break-word; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
</style>
</head>
<body>
<header><h1>{{.Title}}</h1><p>Generated {{.Generated}}. Times are {{.Zone}}, exact to 100 ns.</p></header>
<main>
{{- if .Notice}}
<p class="notice" id="notice" role="alert"><strong>No evidence.</strong> {{.Notice}}</p>
{{- end}}
<dl class="about" id="about">
{{- range .About}}
<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>
{{- end}}
</dl>
<section class="cards" id="cards">
{{- range .Cards}}
<div class="card {{.Class}}"{{if .State}} data-state="{{.State}}"{{end}}><div class="t">{{.Title}}</div><div class="v">{{.Value}}</div><div class="s">{{.Sub}}</div></div>
{{- end}}
</section>
<h2>What breaks if you enforce each setting</h2>
<ul id="headlines">
{{- range .Headlines}}
<li><span class="mark {{.Class}}">{{.Mark}}</span> {{.Text}}.</li>
{{- end}}
</ul>
{{- if .Caveats}}
<h2>What weakens an absence of evidence</h2>
<ul class="warnings" id="caveats">
{{- range .Caveats}}
<li>{{.}}</li>
{{- end}}
</ul>
{{- end}}
<p class="summary">{{.Summary}}</p>
{{- if .Warnings}}
<h2>Warnings</h2>
<ul class="warnings">
{{- range .Warnings}}
<li>{{.}}</li>
{{- end}}
</ul>
{{- end}}
<h2>Charts</h2>
<div class="charts">
<figure><figcaption>Events per UTC day per kind, and the window each server's records cover</figcaption>
{{- with .Days}}{{if .Empty}}<p>No events.</p>{{else}}
<svg id="chart-days" role="img" aria-label="Events per UTC day per kind" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" xmlns="http://www.w3.org/2000/svg">
{{- range .Lines}}
<line x1="{{.X}}" y1="{{.Y}}" x2="{{.W}}" y2="{{.H}}" stroke="#8c959f"/>
{{- end}}
{{- range .Rects}}
<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="{{.Fill}}"><title>{{.Title}}</title></rect>
{{- end}}
{{- range .Coverage}}
<rect class="coverage" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="{{.Fill}}" fill-opacity="0.45"><title>{{.Title}}</title></rect>
{{- end}}
{{- range .Texts}}
<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>
{{- end}}
</svg>
<div class="legend">{{range .Legend}}<span style="--c: {{.Color}}">{{.Label}}</span>{{end}}</div>
{{- end}}{{end}}
</figure>
<figure><figcaption>Top clients by events</figcaption>
{{- with .Top}}{{if .Empty}}<p>No clients.</p>{{else}}
<svg id="chart-top" role="img" aria-label="Top clients by events" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" xmlns="http://www.w3.org/2000/svg">
{{- range .Rects}}
<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="{{.Fill}}"><title>{{.Title}}</title></rect>
{{- end}}
{{- range .Texts}}
<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>
{{- end}}
</svg>
{{- end}}{{end}}
</figure>
</div>
<h2>Clients</h2>
<p class="summary">Most severe first. Columns: what enforcing each setting does to the client. SMB1 off: DisableSMB1; Encryption: EncryptData with RejectUnencryptedAccess; Signing: RequireSecuritySignature; SPN level 1 and 2: SmbServerNameHardeningLevel=1 and =2. "yes": it breaks the client; "maybe": 3027 evidence only (unreliable), never a certain break; 551: already rejected by enforcement. Open a client's evidence below its row. Click a column header to sort.</p>
<input class="filter" type="search" placeholder="Filter clients…" data-table="clients" aria-label="Filter clients">
<div class="tablewrap"><table id="clients" class="sortable">
<thead><tr><th>Client</th><th title="DisableSMB1">SMB1 off</th><th title="EncryptData+RejectUnencryptedAccess">Encryption</th><th title="RequireSecuritySignature">Signing</th><th title="SmbServerNameHardeningLevel=1">SPN level 1</th><th title="SmbServerNameHardeningLevel=2">SPN level 2</th><th title="already rejected by enforcement (event 551 or 5168)">551</th><th class="num" data-type="num">Events</th><th>Last seen</th><th>Remediation</th><th class="num" data-type="num" title="the order of severity">Rank</th></tr></thead>
<tbody>
{{- range .Clients}}
<tr class="row">{{range .Cells}}<td{{if .Class}} class="{{.Class}}"{{end}}{{if .Sort}} data-sort="{{.Sort}}"{{end}}>{{.Text}}</td>{{end}}</tr>
<tr class="ev"><td colspan="11"><details><summary>{{.Summary}}</summary>
{{- if .Facts}}
<dl class="about">{{range .Facts}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>{{end}}</dl>
{{- end}}
{{- if .Note}}
<p>{{.Note}}</p>
{{- end}}
<table class="evidence"><thead><tr><th>Server</th><th>Event</th><th class="num">Count</th><th>First</th><th>Last</th><th>File</th><th class="num">Record ID</th><th>Hint</th></tr></thead><tbody>
{{- range .Evidence}}
<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{- end}}
</tbody></table>
</details></td></tr>
{{- end}}
</tbody></table></div>
<h2>Servers</h2>
<p class="summary">Coverage: the first and last record of any event of the server in the inputs. A server without audit events is not proof of a clean server: auditing may be off.</p>
<input class="filter" type="search" placeholder="Filter servers…" data-table="servers" aria-label="Filter servers">
<div class="tablewrap"><table id="servers" class="sortable">
<thead><tr><th>Server</th><th class="num" data-type="num">Audit events</th><th class="num" data-type="num">Clients</th><th class="num" data-type="num">Records</th><th>First</th><th>Last</th><th>Audit kinds</th><th>Audits</th><th>Warnings</th></tr></thead>
<tbody>
{{- range .Servers}}
<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}{{if .Sort}} data-sort="{{.Sort}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{- end}}
</tbody></table></div>
<h2>Input files</h2>
<input class="filter" type="search" placeholder="Filter files…" data-table="inputs" aria-label="Filter input files">
<div class="tablewrap"><table id="inputs" class="sortable">
<thead><tr><th>Path</th><th class="num" data-type="num">Size</th><th>SHA-256</th><th class="num" data-type="num">Records in chunks</th><th class="num" data-type="num">Decoded</th><th class="num" data-type="num">First record ID</th><th class="num" data-type="num">Chunks</th><th class="num" data-type="num">Decoded chunks</th><th data-type="num">Damaged chunks</th><th data-type="num">Errors</th><th>Status</th></tr></thead>
<tbody>
{{- range .Inputs}}
<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}{{if .Sort}} data-sort="{{.Sort}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{- end}}
</tbody></table></div>
{{- if .Report.UnparsedSamples}}
<h2>Unparsed events ({{.Report.Unparsed}})</h2>
<ul class="mono">
{{- range .Report.UnparsedSamples}}
<li>event {{.EventID}} on {{esc .Server}}, record {{.RecordID}}, {{esc .Source.File}} chunk {{.Source.Chunk}} offset {{.Source.Offset}}: {{esc .Reason}}</li>
{{- end}}
</ul>
{{- end}}
</main>
<script>
(function () {
  "use strict";
  function key(td, num) {
    var v = td.hasAttribute("data-sort") ? td.getAttribute("data-sort") : td.textContent;
    return num ? (parseFloat(v) || 0) : v.toLowerCase();
  }
  function sortBy(table, col, th) {
    var num = th.getAttribute("data-type") === "num";
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var body = table.tBodies[0];
    // An evidence row (class ev) follows its client's row wherever it goes.
    var rows = Array.prototype.filter.call(body.rows, function (r) { return !r.classList.contains("ev"); });
    rows.forEach(function (r, i) {
      r._i = i;
      var n = r.nextElementSibling;
      r._ev = n && n.classList.contains("ev") ? n : null;
    });
    rows.sort(function (a, b) {
      var x = key(a.cells[col], num), y = key(b.cells[col], num);
      if (x < y) { return -dir; }
      if (x > y) { return dir; }
      return a._i - b._i;
    });
    rows.forEach(function (r) { body.appendChild(r); if (r._ev) { body.appendChild(r._ev); } });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sortBy(table, col, th); });
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sortBy(table, col, th); } });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("input.filter"), function (input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    input.addEventListener("input", function () {
      var q = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        if (r.classList.contains("ev")) { return; }
        r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0;
        var n = r.nextElementSibling;
        if (n && n.classList.contains("ev")) { n.hidden = r.hidden; }
      });
    });
  });
})();
</script>
</body>
</html>
`
