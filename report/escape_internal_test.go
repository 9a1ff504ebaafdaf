package report

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCSVSafe(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "nas01", "nas01"},
		{"inner formula character", "a=b+c-d@e", "a=b+c-d@e"},
		{"equals", "=1+2", "'=1+2"},
		{"plus", "+1", "'+1"},
		{"minus", "-1", "'-1"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\tx", "'\tx"},
		{"CR", "\r=1", "'\r=1"},
		{"LF", "\n=1", "'\n=1"},
		{"leading space", " =1", "' =1"},
		{"leading spaces and tab", "  \t+1", "'  \t+1"},
		{"no-break space", "\u00a0=1", "'\u00a0=1"},
		{"ideographic space", "\u3000@x", "'\u3000@x"},
		{"full-width equals", "\uff1d1+2", "'\uff1d1+2"},
		{"full-width plus", "\uff0b1", "'\uff0b1"},
		{"full-width minus", "\uff0d1", "'\uff0d1"},
		{"full-width at", "\uff20x", "'\uff20x"},
		{"spaces only", "   ", "   "},
		{"space then text", " nas01", " nas01"},
		{"escaped control", `\x1b=1`, `\x1b=1`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, csvSafe(tc.in))
		})
	}
}
