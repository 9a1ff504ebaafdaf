package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// appendIndent lays out what encoding/json writes as json.Indent does.
func TestAppendIndent(t *testing.T) {
	values := []any{
		nil, 1, "s", []int{}, map[string]int{}, struct{}{}, []any{[]int{}, map[string]any{"a": []int{1, 2}}},
		map[string]any{"q\"uo:te{[": `back\slash\"`, "<&>": "\u2028 \t \n", "nested": map[string]any{"x": []any{nil, true, 1.5e300}}},
		jsonClient{Client: "ws01", Linked: []string{"a", "b"}, Events: map[string]int{"3021": 2}, ServersByEvent: map[string][]string{}},
		jsonRecord{Kind: "unparsed", Reason: `bad "quote" \ here`},
	}
	for _, v := range values {
		compact, err := json.Marshal(v)
		require.NoError(t, err)
		var want bytes.Buffer
		require.NoError(t, json.Indent(&want, compact, "    ", "  "))
		require.Equal(t, want.String(), string(appendIndent(nil, compact, "    ", "  ")), "%s", compact)
	}
}
