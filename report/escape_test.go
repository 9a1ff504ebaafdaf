package report_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain ASCII", "fs01.corp.example", "fs01.corp.example"},
		{"backslashes stay", `CORP\alice at \\NAS01\share`, `CORP\alice at \\NAS01\share`},
		{"quotes stay", `a "b" 'c'`, `a "b" 'c'`},
		{"accents", "Ångström-Müller", "Ångström-Müller"},
		{"CJK", "ファイルサーバー", "ファイルサーバー"},
		{"Cyrillic", "сервер01", "сервер01"},
		{"emoji", "nas😀", "nas😀"},
		{"CSI clear screen", "\x1b[2J\x1b[Hx", `\x1b[2J\x1b[Hx`},
		{"OSC window title", "\x1b]0;pwned\x07", `\x1b]0;pwned\a`},
		{"OSC 52 clipboard", "\x1b]52;c;Y3VybCBldmls\x1b\\", `\x1b]52;c;Y3VybCBldmls\x1b\`},
		{"NUL", "a\x00b", `a\x00b`},
		{"line feed, CR, tab", "a\nb\rc\td", `a\nb\rc\td`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"C1 CSI", "a\u009b2Jb", `a\u009b2Jb`},
		{"C1 NEL", "a\u0085b", `a\u0085b`},
		{"RLO", "\u202etxt.exe", `\u202etxt.exe`},
		{"LRE RLE PDF LRO", "\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`},
		{"isolates", "\u2066\u2067\u2068\u2069", `\u2066\u2067\u2068\u2069`},
		{"LRM RLM", "a\u200eb\u200fc", `a\u200eb\u200fc`},
		{"Arabic letter mark", "a\u061cb", `a\u061cb`},
		{"zero width space and joiner", "a\u200bb\u200dc", `a\u200bb\u200dc`},
		{"BOM", "\ufeffname", `\ufeffname`},
		{"soft hyphen", "ad\u00admin", `ad\u00admin`},
		{"tag character", "a\U000e0041b", `a\U000e0041b`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"no-break space", "a\u00a0b", `a\u00a0b`},
		{"invalid UTF-8", "a\xff\xfeb", `a\xff\xfeb`},
		{"truncated UTF-8", "a\xe2\x80", `a\xe2\x80`},
		{"private use", "a\ue000b", `a\ue000b`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := report.Escape(tc.in)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, got, report.Escape(got), "escaping twice changes nothing")
		})
	}
}

// hostile is a log string with every kind of trap: ANSI and OSC sequences,
// a bidi override, a formula, markup.
const hostile = "\u202etxt.exe\x1b]52;c;ZXZpbA==\x07\x1b[2J<b>=1+2</b>"

// hostileReport is a report whose every log string is hostile.
func hostileReport() *report.Report {
	res := &smbaudit.Result{
		Findings: []smbaudit.Finding{{Kind: smbaudit.KindSigningUnsupported, EventID: 3021, Server: "fs\u202e01", Time: pinned,
			Client: smbaudit.Client{ID: "=cmd|' /C calc'!A0\u202e", Raw: hostile, Kind: smbaudit.ClientHost, ShortName: "x\x1b[2J"},
			User:   "CORP\\\u202eeve\r\n", SPN: " \uff1dcifs/\x07x", HasSPN: true, RecordID: 1,
			Source: evtx.Source{File: "/logs/\x1b]0;title\x07a.evtx", Offset: 4096}},
			{Kind: smbaudit.KindUnparsed, EventID: 3024, Server: "fs\u202e01", Time: pinned, RecordID: 2, Reason: "bad \x1b[31mfield\u2066"}},
		Files: []smbaudit.FileResult{{Path: "/logs/\x1b]0;title\x07a.evtx", Records: 2, Chunks: 1, ChunksDecoded: 1,
			Errors: []error{errors.New("chunk 0: \u202ebad\x1b[0m")}},
			{Path: "/logs/\u202eskipped.evtx", Skipped: true, Err: errors.New("not EVTX: \x1b[5m"), Cause: smbaudit.CauseNotEVTX}},
	}
	return newReport(res, report.Options{GeneratedAt: pinned})
}

// invisible lists the raw runes that must never reach a rendered report.
const invisible = "\x00\x07\x1b\x7f\u0085\u009b\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\ufeff\u2028"

// Every renderer but JSON (data, not display) shows the hostile strings
// escaped: no control, bidi or format character survives, not even a line
// feed inside a CSV cell.
func TestRenderersEscapeLogStrings(t *testing.T) {
	r := hostileReport()
	for _, tc := range []struct {
		name   string
		render func(*bytes.Buffer) error
		file   string // how the input file name shows
	}{
		{"text", func(b *bytes.Buffer) error { return r.Render(b, report.FormatText, report.RenderOptions{}) }, `/logs/\x1b]0;title\aa.evtx`},
		{"text-color", func(b *bytes.Buffer) error { return r.Render(b, report.FormatText, report.RenderOptions{Color: true}) }, `/logs/\x1b]0;title\aa.evtx`},
		{"csv", func(b *bytes.Buffer) error { return r.Render(b, report.FormatCSV, report.RenderOptions{}) }, ""},
		{"md", func(b *bytes.Buffer) error { return r.Render(b, report.FormatMarkdown, report.RenderOptions{}) }, `/logs/\\x1b\]0;title\\aa.evtx`},
		{"html", func(b *bytes.Buffer) error {
			return r.Render(b, report.FormatHTML, report.RenderOptions{Title: "t\u202e"})
		}, `/logs/\x1b]0;title\aa.evtx`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, tc.render(&b))
			out := b.String()
			if tc.name == "text-color" {
				out = stripSGR(out) // the renderer's own colors
			}
			for _, c := range invisible {
				assert.False(t, strings.ContainsRune(out, c), "raw %U in the %s form", c, tc.name)
			}
			assert.True(t, strings.Contains(out, `\u202etxt.exe`), "the client's raw name, escaped")
			assert.True(t, strings.Contains(out, tc.file), "the file name's OSC sequence, escaped")
			if tc.name == "csv" {
				rows := 0
				for _, l := range strings.SplitAfter(out, "\n") {
					if l != "" && !strings.HasPrefix(l, "# ") {
						rows++
					}
				}
				assert.Equal(t, 2, rows, "header and one row per client after the comment rows: no raw line break in a cell")
				assert.True(t, strings.Contains(out, "\n'=cmd|"), "the formula is defused")
				assert.True(t, strings.Contains(out, ",' \uff1dcifs/\\ax,"), "the full-width formula after a space is defused")
			}
		})
	}
}

// stripSGR removes the color sequences the text renderer writes itself.
func stripSGR(s string) string {
	for _, c := range []string{"\x1b[0m", "\x1b[1m", "\x1b[1;31m", "\x1b[33m", "\x1b[1;35m", "\x1b[2m"} {
		s = strings.ReplaceAll(s, c, "")
	}
	return s
}

// TestGoldenHostile keeps the escaped forms of the hostile report in small
// golden files, so a change to the escaping is seen and reviewed.
func TestGoldenHostile(t *testing.T) {
	r := hostileReport()
	for _, tc := range []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"hostile.txt", func(b *bytes.Buffer) error { return r.Render(b, report.FormatText, report.RenderOptions{}) }},
		{"hostile.csv", func(b *bytes.Buffer) error { return r.Render(b, report.FormatCSV, report.RenderOptions{}) }},
		{"hostile.md", func(b *bytes.Buffer) error { return r.Render(b, report.FormatMarkdown, report.RenderOptions{}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, tc.render(&b))
			checkGolden(t, tc.name, b.Bytes())
		})
	}
}
