// Command browsercheck renders a report as HTML (of the smbaudit fixtures,
// scanned with smbaudit.Scan, or of the hand-made sample), loads it in a
// headless Chromium, offline, over the DevTools protocol on a pipe
// (--remote-debugging-pipe: stdlib only, no WebSocket), and checks that the
// page raises no console error or exception, fetches nothing from the
// network, sorts a table when a column header is clicked, and filters it.
// It saves a full-page screenshot. scripts/browser-test.sh runs it.
//
//	go run ./report/internal/browsercheck -chromium /usr/bin/chromium -out /tmp/bt
package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/report/internal/sample"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// injections break the page on purpose, to show that each check can fail.
var injections = map[string]string{
	"":              "",
	"console-error": `<script>console.error("injected error")</script>`,
	"no-sort":       `<script>document.addEventListener("click", function (e) { e.stopPropagation(); }, true)</script>`,
	"network":       `<img src="http://192.0.2.1/x.png" alt="">`,
	"green-card":    `<script>document.querySelectorAll(".card.setting").forEach(function (c) { c.classList.add("ok"); })</script>`,
	"no-details":    `<script>document.addEventListener("click", function (e) { if (e.target.tagName === "SUMMARY") { e.preventDefault(); } }, true)</script>`,
	"wide":          `<style>#clients td.wide { min-width: 1600px; }</style>`,
}

type message struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// cdp is a minimal DevTools protocol client over Chromium's pipe transport
// (JSON messages separated by NUL bytes on file descriptors 3 and 4).
type cdp struct {
	w       io.Writer
	mu      sync.Mutex
	next    int
	pending map[int]chan message
	events  chan message
}

func (c *cdp) readLoop(r io.Reader) {
	br := bufio.NewReader(r)
	for {
		b, err := br.ReadBytes(0)
		if err != nil {
			close(c.events)
			return
		}
		var m message
		if json.Unmarshal(b[:len(b)-1], &m) != nil {
			continue
		}
		if m.ID != 0 {
			c.mu.Lock()
			ch := c.pending[m.ID]
			delete(c.pending, m.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		c.events <- m
	}
}

func (c *cdp) call(ctx context.Context, session, method string, params any, result any) error {
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan message, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	p, err := json.Marshal(params)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(message{ID: id, Method: method, Params: p, SessionID: session})
	if _, err := c.w.Write(append(b, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// problems collects what the page must not do.
type problems struct {
	mu   sync.Mutex
	list []string
}

func (p *problems) add(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list = append(p.list, fmt.Sprintf(format, a...))
}

func (p *problems) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.list)
}

func main() {
	chromium := flag.String("chromium", "chromium", "Chromium binary")
	out := flag.String("out", "", "directory for report.html and report.png (default: a new temporary directory)")
	timeout := flag.Duration("timeout", 60*time.Second, "overall time limit")
	input := flag.String("input", "testdata/smbaudit", "logs to scan for the report; \"sample\" for the hand-made sample")
	inject := flag.String("inject", "", "self-test of this checker: break the page on purpose "+
		"(console-error, no-sort, network, green-card, no-details, wide); the check must then fail")
	flag.Parse()
	if _, ok := injections[*inject]; !ok {
		log.Fatalf("unknown -inject %q", *inject)
	}
	log.SetFlags(0)
	log.SetPrefix("browsercheck: ")
	if err := run(*chromium, *input, *out, *timeout, injections[*inject]); err != nil {
		log.Fatal("FAIL: ", err)
	}
	log.Print("PASS")
}

func run(chromium, input, out string, timeout time.Duration, inject string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if out == "" {
		d, err := os.MkdirTemp("", "browsercheck-")
		if err != nil {
			return err
		}
		out = d
	}
	out, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	htmlPath := filepath.Join(out, "report.html")
	f, err := os.Create(htmlPath)
	if err != nil {
		return err
	}
	res := sample.Result()
	if input != "sample" {
		if res, err = smbaudit.Scan(ctx, []string{input}, smbaudit.ScanOptions{AllEvents: true}); err != nil {
			return err
		}
		if len(res.Findings) == 0 {
			return fmt.Errorf("no findings in %s", input)
		}
	}
	b := report.NewBuilder(report.Options{GeneratedAt: sample.GeneratedAt})
	b.AddResult(res)
	r := b.Finish()
	if err := r.Render(f, report.FormatHTML, report.RenderOptions{}); err != nil {
		f.Close()
		return err
	}
	if _, err := io.WriteString(f, inject); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// The page of logs without a single SMB audit event.
	nonePath := filepath.Join(out, "no-evidence.html")
	if err := writeNoEvidence(ctx, nonePath, inject); err != nil {
		return err
	}
	profile, err := os.MkdirTemp("", "browsercheck-profile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)

	// Chromium reads commands from fd 3 and writes replies to fd 4.
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		return err
	}
	resR, resW, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+profile, "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{cmdR, resW}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", chromium, err)
	}
	cmdR.Close()
	resW.Close()
	defer func() {
		cmdW.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	c := &cdp{w: cmdW, pending: map[int]chan message{}, events: make(chan message, 256)}
	go c.readLoop(resR)

	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := c.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return fmt.Errorf("%w (chromium stderr: %s)", err, stderr.String())
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	if err := c.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att); err != nil {
		return err
	}
	s := att.SessionID

	var bad problems
	loaded := make(chan struct{}, 1)
	fileURL, noneURL := "file://"+htmlPath, "file://"+nonePath
	go func() {
		for m := range c.events {
			if m.SessionID != s {
				continue
			}
			switch m.Method {
			case "Page.loadEventFired":
				select {
				case loaded <- struct{}{}:
				default:
				}
			case "Runtime.exceptionThrown":
				bad.add("exception: %s", m.Params)
			case "Runtime.consoleAPICalled":
				var p struct {
					Type string          `json:"type"`
					Args json.RawMessage `json:"args"`
				}
				json.Unmarshal(m.Params, &p)
				if p.Type == "error" || p.Type == "assert" || p.Type == "warning" {
					bad.add("console %s: %s", p.Type, p.Args)
				}
			case "Log.entryAdded":
				var p struct {
					Entry struct {
						Level, Text, URL string
					} `json:"entry"`
				}
				json.Unmarshal(m.Params, &p)
				if p.Entry.Level == "error" || p.Entry.Level == "warning" {
					bad.add("log %s: %s %s", p.Entry.Level, p.Entry.Text, p.Entry.URL)
				}
			case "Network.requestWillBeSent":
				var p struct {
					Request struct{ URL string } `json:"request"`
				}
				json.Unmarshal(m.Params, &p)
				if p.Request.URL != fileURL && p.Request.URL != noneURL && !strings.HasPrefix(p.Request.URL, "data:") {
					bad.add("network request: %s (the report must be self-contained)", p.Request.URL)
				}
			}
		}
	}()
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"} {
		if err := c.call(ctx, s, m, map[string]any{}, nil); err != nil {
			return err
		}
	}
	if err := c.call(ctx, s, "Network.emulateNetworkConditions", map[string]any{"offline": true, "latency": 0,
		"downloadThroughput": -1, "uploadThroughput": -1}, nil); err != nil {
		return err
	}
	if err := c.call(ctx, s, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1400, "height": 900,
		"deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		return err
	}
	if err := c.call(ctx, s, "Page.navigate", map[string]any{"url": fileURL}, nil); err != nil {
		return err
	}
	select {
	case <-loaded:
	case <-ctx.Done():
		return errors.New("page did not finish loading")
	}

	eval := func(expr string, result any) error {
		var res struct {
			Result struct {
				Value json.RawMessage `json:"value"`
			} `json:"result"`
			ExceptionDetails json.RawMessage `json:"exceptionDetails"`
		}
		if err := c.call(ctx, s, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res); err != nil {
			return err
		}
		if res.ExceptionDetails != nil {
			return fmt.Errorf("evaluating %q: %s", expr, res.ExceptionDetails)
		}
		return json.Unmarshal(res.Result.Value, result)
	}
	var checks []string
	fail := func(format string, a ...any) { checks = append(checks, fmt.Sprintf(format, a...)) }

	const column = `(function (t, i) { return Array.prototype.map.call(document.querySelectorAll("#" + t + " > tbody > tr.row"),
		function (r) { return r.cells[i].textContent; }); })`
	const click = `(function (t, i) { document.querySelectorAll("#" + t + " thead th")[i].click(); return true; })`
	var before, after, afterIDs, again []string
	var ok bool
	if err := eval(column+`("clients", 0)`, &before); err != nil {
		return err
	}
	if len(before) < 2 {
		fail("clients table has %d rows, want at least 2", len(before))
	}
	// Sort on the Events column (index 7, numeric): ascending by total.
	if err := eval(click+`("clients", 7)`, &ok); err != nil {
		return err
	}
	if err := eval(`Array.prototype.map.call(document.querySelectorAll("#clients > tbody > tr.row"), function (r) { return r.cells[7].getAttribute("data-sort"); })`, &after); err != nil {
		return err
	}
	if err := eval(column+`("clients", 0)`, &afterIDs); err != nil {
		return err
	}
	if slices.Equal(before, afterIDs) {
		fail("clicking the Events header did not reorder the rows: %v", afterIDs)
	}
	if !slices.IsSortedFunc(after, func(a, b string) int { return cmp.Compare(atoi(a), atoi(b)) }) {
		fail("rows are not in ascending event order after the click: %v", after)
	}
	// A second click on the Client header twice: descending by name.
	for range 2 {
		if err := eval(click+`("clients", 0)`, &ok); err != nil {
			return err
		}
	}
	if err := eval(column+`("clients", 0)`, &again); err != nil {
		return err
	}
	want := slices.Clone(before)
	slices.SortFunc(want, func(a, b string) int { return strings.Compare(strings.ToLower(b), strings.ToLower(a)) })
	if !slices.Equal(again, want) {
		fail("two clicks on Client did not sort descending: got %v, want %v", again, want)
	}
	// Filtering on the first client's name shows the rows that contain it.
	q := strings.ToLower(before[0])
	want2 := 0
	var texts []string
	if err := eval(`Array.prototype.map.call(document.querySelectorAll("#clients > tbody > tr.row"), function (r) { return r.textContent.toLowerCase(); })`, &texts); err != nil {
		return err
	}
	for _, t := range texts {
		if strings.Contains(t, q) {
			want2++
		}
	}
	var visible int
	qj, _ := json.Marshal(q)
	if err := eval(`(function () { var i = document.querySelector('input[data-table="clients"]'); i.value = `+string(qj)+`;
		i.dispatchEvent(new Event("input")); return Array.prototype.filter.call(document.querySelectorAll("#clients > tbody > tr.row"),
		function (r) { return !r.hidden; }).length; })()`, &visible); err != nil {
		return err
	}
	if visible != want2 || visible == len(texts) {
		fail("filter %q shows %d of %d rows, want %d", q, visible, len(texts), want2)
	}
	if err := eval(`(function () { var i = document.querySelector('input[data-table="clients"]'); i.value = "";
		i.dispatchEvent(new Event("input")); return document.querySelectorAll("svg rect").length > 0; })()`, &ok); err != nil {
		return err
	}
	if !ok {
		fail("no chart bars in the page")
	}
	log.Printf("rows before sort: %v", before)
	log.Printf("rows after clicking Events: %v", afterIDs)

	// Every evidence row follows its client's row after the sorts.
	var paired bool
	if err := eval(`Array.prototype.every.call(document.querySelectorAll("#clients > tbody > tr.row"), function (r) {
		var n = r.nextElementSibling; return n !== null && n.classList.contains("ev"); })`, &paired); err != nil {
		return err
	}
	if !paired {
		fail("an evidence row was separated from its client's row by sorting")
	}
	// At 1400 px the verdict and remediation columns are in view without
	// scrolling sideways.
	var layout struct {
		PageWidth, ViewWidth, WrapScroll, WrapClient, RemediationRight, SigningRight float64
	}
	if err := eval(`(function () { var w = document.querySelector("#clients").parentElement;
		var ths = document.querySelectorAll("#clients > thead > tr > th");
		function right(t) { for (var i = 0; i < ths.length; i++) { if (ths[i].textContent === t) { return ths[i].getBoundingClientRect().right; } } return 1e9; }
		return {PageWidth: document.documentElement.scrollWidth, ViewWidth: window.innerWidth, WrapScroll: w.scrollWidth,
			WrapClient: w.clientWidth, RemediationRight: right("Remediation"), SigningRight: right("Signing")}; })()`, &layout); err != nil {
		return err
	}
	if layout.PageWidth > layout.ViewWidth || layout.WrapScroll > layout.WrapClient+1 ||
		layout.RemediationRight > layout.ViewWidth || layout.SigningRight > layout.ViewWidth {
		fail("at %.0f px the clients table needs scrolling sideways: %+v", layout.ViewWidth, layout)
	}
	// A client's row expands to its evidence, per server and event ID.
	var ev struct {
		OpenBefore, OpenAfter       bool
		VisibleBefore, VisibleAfter bool
		Rows                        int
		Height                      float64
		Text                        string
	}
	if err := eval(`(function () { var d = document.querySelector("#clients > tbody > tr.ev details");
		var t = d.querySelector("table.evidence");
		var before = d.open, vb = t.checkVisibility(); d.querySelector("summary").click();
		return {OpenBefore: before, OpenAfter: d.open, Rows: t.tBodies[0].rows.length, VisibleBefore: vb, VisibleAfter: t.checkVisibility(),
			Height: t.getBoundingClientRect().height, Text: t.tBodies[0].textContent}; })()`, &ev); err != nil {
		return err
	}
	if ev.OpenBefore || !ev.OpenAfter || ev.Rows == 0 || ev.VisibleBefore || !ev.VisibleAfter || ev.Height <= 0 || !strings.Contains(ev.Text, ".evtx") {
		fail("the first client's evidence did not expand to rows with a file: %+v", ev)
	}
	log.Printf("evidence of the first client: hidden, then %d rows, %.0f px high once open", ev.Rows, ev.Height)
	// A green card only where a setting's audit was seen and nothing breaks.
	var greens []string
	if err := eval(`Array.prototype.map.call(document.querySelectorAll(".card.setting.ok"), function (c) { return c.getAttribute("data-state"); })`, &greens); err != nil {
		return err
	}
	for _, g := range greens {
		if g != "none-seen" {
			fail("a green card for a setting in state %q", g)
		}
	}

	// Full-page screenshot, back in the original order.
	if err := eval(`window.scrollTo(0, 0), true`, &ok); err != nil {
		return err
	}
	var metrics struct {
		CSSContentSize struct{ Width, Height float64 } `json:"cssContentSize"`
	}
	if err := c.call(ctx, s, "Page.getLayoutMetrics", map[string]any{}, &metrics); err != nil {
		return err
	}
	var shot struct {
		Data string `json:"data"`
	}
	if err := c.call(ctx, s, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": metrics.CSSContentSize.Width, "height": metrics.CSSContentSize.Height, "scale": 1}}, &shot); err != nil {
		return err
	}
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		return err
	}
	pngPath := filepath.Join(out, "report.png")
	if err := os.WriteFile(pngPath, png, 0o644); err != nil {
		return err
	}
	log.Printf("report: %s; screenshot: %s (%d bytes)", htmlPath, pngPath, len(png))

	// The page of logs without audit events: the notice, and no green.
	if err := c.call(ctx, s, "Page.navigate", map[string]any{"url": noneURL}, nil); err != nil {
		return err
	}
	select {
	case <-loaded:
	case <-ctx.Done():
		return errors.New("the no-evidence page did not finish loading")
	}
	var none struct {
		Notice        string
		NoticeHeight  float64
		Green, Cards  int
		States        []string
		GreenComputed int
	}
	if err := eval(`(function () { var n = document.querySelector("#notice");
		var cards = document.querySelectorAll(".card.setting");
		var green = 0; cards.forEach(function (c) { if (getComputedStyle(c).borderLeftColor === "rgb(46, 125, 50)") { green++; } });
		return {Notice: n ? n.textContent : "", NoticeHeight: n ? n.getBoundingClientRect().height : 0,
			Green: document.querySelectorAll(".card.ok").length, Cards: cards.length, GreenComputed: green,
			States: Array.prototype.map.call(cards, function (c) { return c.getAttribute("data-state"); })}; })()`, &none); err != nil {
		return err
	}
	if !strings.Contains(none.Notice, "No SMB audit events were found") || none.NoticeHeight <= 0 {
		fail("the no-evidence page shows no notice: %+v", none)
	}
	if none.Green > 0 || none.GreenComputed > 0 || none.Cards != len(report.Settings()) {
		fail("the no-evidence page shows %d green cards (%d by their color) of %d: %+v", none.Green, none.GreenComputed, none.Cards, none)
	}
	for _, st := range none.States {
		if st != string(report.StateCannotTell) {
			fail("the no-evidence page has a card in state %q", st)
		}
	}
	log.Printf("no-evidence page: notice shown, %d cards, none green", none.Cards)
	_ = c.call(ctx, "", "Browser.close", map[string]any{}, nil)

	all := append(bad.all(), checks...)
	if len(all) > 0 {
		return errors.New(strings.Join(all, "\n  "))
	}
	return nil
}

// writeNoEvidence writes the HTML report of a log holding Security logons
// only, generated by the project's writer, with inject appended.
func writeNoEvidence(ctx context.Context, path, inject string) error {
	t0 := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	var evs []evtxwrite.Event
	for i := range 200 {
		evs = append(evs, evtxwrite.Event{System: evtx.System{Provider: "Microsoft-Windows-Security-Auditing", Channel: "Security",
			Computer: "FS09.corp.example", EventID: 4624, Version: 2, TimeCreated: t0.Add(time.Duration(i) * time.Minute)},
			Data: []evtxwrite.Data{{Name: "TargetUserName", Type: evtx.TypeString, Value: "alice"}}})
	}
	logPath := strings.TrimSuffix(path, ".html") + "-Security.evtx"
	if err := evtxwrite.WriteFile(logPath, evs, evtxwrite.Options{}); err != nil {
		return err
	}
	res, err := smbaudit.Scan(ctx, []string{logPath}, smbaudit.ScanOptions{})
	if err != nil {
		return err
	}
	b := report.NewBuilder(report.Options{GeneratedAt: sample.GeneratedAt})
	b.AddResult(res)
	r := b.Finish()
	if r.Summary.Notice == "" {
		return fmt.Errorf("%s: the report of a log without audit events has no notice", logPath)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := r.Render(f, report.FormatHTML, report.RenderOptions{}); err != nil {
		f.Close()
		return err
	}
	if _, err := io.WriteString(f, inject); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1 << 31
	}
	return n
}
