package textsafe

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{`DOMAIN\user ws01 Ünïcödé 東京`, `DOMAIN\user ws01 Ünïcödé 東京`},
		{"a\x1b[31mred\x07", `a\x1b[31mred\a`},
		{"line\nbreak\ttab", `line\nbreak\ttab`},
		{"\u202etxt.exe", `\u202etxt.exe`},
		{"ws01\u3164", `ws01\u3164`},
		{"nb\u00a0sp", `nb\u00a0sp`},
		{"bad\xff\xfebytes", `bad\xff\xfebytes`},
		{"del\x7f c1\u0085", `del\x7f c1\u0085`},
	} {
		got := Escape(tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
		assert.Equal(t, got, Escape(got), "idempotent on %q", tc.in)
	}
}

func TestValidUTF8(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain \x1b kept", "plain \x1b kept"},
		{"fs\xff\xfe02.evtx", `fs\xff\xfe02.evtx`},
		{"é\xc3", `é\xc3`},
	} {
		assert.Equal(t, tc.want, ValidUTF8(tc.in), "%q", tc.in)
	}
}
