package evtxwrite

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	vevtx "www.velocidex.com/golang/evtx"
)

// velocidexDecode decodes b with the Velocidex decoder and returns each
// record's event as a generic map.
func velocidexDecode(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	r := bytes.NewReader(b)
	chunks, err := vevtx.GetChunks(r)
	require.NoError(t, err)
	var out []map[string]any
	for _, c := range chunks {
		recs, err := c.Parse(0)
		require.NoError(t, err)
		for _, rec := range recs {
			out = append(out, toMap(rec.Event))
		}
	}
	return out
}

// toMap turns the decoder's ordered dicts into plain maps for comparison.
func toMap(v any) map[string]any {
	m, _ := plain(v).(map[string]any)
	return m
}

func plain(v any) any {
	type dict interface {
		Keys() []string
		Get(string) (any, bool)
	}
	switch x := v.(type) {
	case dict:
		m := map[string]any{}
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			m[k] = plain(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i := range x {
			s[i] = plain(x[i])
		}
		return s
	}
	return v
}
