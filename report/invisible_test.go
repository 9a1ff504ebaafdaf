package report_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// Some runes that strconv.IsPrint accepts draw nothing: the combining
// grapheme joiner, the Hangul fillers, the Khmer inherent vowels, the
// Mongolian and other variation selectors (Unicode's default-ignorable
// code points that are not format characters). "ws01" followed by one of
// them reads as "ws01" but is another client: Escape shows them too.
func TestEscapeShowsInvisibleLetters(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ws01\u034f", `ws01\u034f`},
		{"\u115fws01", `\u115fws01`},
		{"ws\u116001", `ws\u116001`},
		{"ws01\u17b4\u17b5", `ws01\u17b4\u17b5`},
		{"ws01\u180b\u180c\u180d\u180f", `ws01\u180b\u180c\u180d\u180f`},
		{"ws01\u3164", `ws01\u3164`},
		{"ws01\ufe00\ufe0f", `ws01\ufe00\ufe0f`},
		{"ws01\uffa0", `ws01\uffa0`},
		{"ws01\U000e0100\U000e01ef", `ws01\U000e0100\U000e01ef`},
		// Visible letters, marks and symbols stay as they are.
		{"café\u0301 日本 ❤\u2800", "café\u0301 日本 ❤\u2800"},
	} {
		got := report.Escape(tc.in)
		assert.Equal(t, tc.want, got, "%+q", tc.in)
		assert.Equal(t, got, report.Escape(got), "idempotent: %+q", tc.in)
	}

	res := &smbaudit.Result{Findings: []smbaudit.Finding{{Kind: smbaudit.KindSigningUnsupported, EventID: 3021,
		Server: "FS01", Time: pinned, RecordID: 1, Client: smbaudit.Client{ID: "ws01\u3164", Raw: "ws01\u3164", Kind: smbaudit.ClientHost}}}}
	var b bytes.Buffer
	require.NoError(t, newReport(res, report.Options{GeneratedAt: pinned}).Render(&b, report.FormatText, report.RenderOptions{}))
	assert.Contains(t, b.String(), `ws01\u3164`)
	assert.NotContains(t, b.String(), "\u3164")
}
