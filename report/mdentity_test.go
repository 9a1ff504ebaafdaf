package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// A Markdown renderer decodes character references: a client named
// "&#x202e;" would show as a raw right-to-left override, one named
// "&#8203;" as nothing at all, in the rendered ticket, past what Escape
// does to the raw runes. Every & of a log string is escaped, so that the
// reference shows as written; and no link, image, inline HTML or code
// span can be made of one.
func TestMarkdownEscapesCharacterReferences(t *testing.T) {
	for _, tc := range []struct {
		name, client, want string
	}{
		{"hex reference to a bidi override", "a&#x202e;exe.txt", `a\&#x202e;exe.txt`},
		{"decimal reference to a zero-width space", "pc&#8203;01", `pc\&#8203;01`},
		{"named reference", "x&ZeroWidthSpace;y&lt;b&gt;", `x\&ZeroWidthSpace;y\&lt;b\&gt;`},
		{"image that would fetch a URL", "![x](http://evil.example/p.png)", `!\[x\](http://evil.example/p.png)`},
		{"inline HTML", "<img src=x onerror=alert(1)>", `\<img src=x onerror=alert(1)\>`},
		{"code span and pipe", "`a|b`", "\\`a\\|b\\`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := &smbaudit.Result{Findings: []smbaudit.Finding{{Kind: smbaudit.KindSigningUnsupported, EventID: 3021,
				Server: "FS01", Time: pinned, RecordID: 1,
				Client: smbaudit.Client{ID: tc.client, Raw: tc.client, Kind: smbaudit.ClientHost}}}}
			var b bytes.Buffer
			require.NoError(t, newReport(res, report.Options{GeneratedAt: pinned}).Render(&b, report.FormatMarkdown, report.RenderOptions{}))
			out := b.String()
			assert.Contains(t, out, "| "+tc.want+" |", "the client's cell")
			assert.NotContains(t, strings.ReplaceAll(out, `\&`, ""), "&", "an unescaped & in the Markdown form")
		})
	}
}
