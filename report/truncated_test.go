package report_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
)

// A partial cut short (a copy that stopped, a full disk) is refused with
// an error that says so and gives the offset where the document ends, not
// only where the member it cuts began (which may be hundreds of kilobytes
// earlier, at "findings") nor a bare "EOF".
func TestReadJSONSaysWhereAPartialIsCutShort(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport(t).Render(&b, report.FormatJSON, report.RenderOptions{}))
	doc := b.String()
	findings := strings.Index(doc, `"findings": [`)
	require.Positive(t, findings)
	for _, tc := range []struct {
		name string
		n    int    // bytes kept
		want string // in the message
	}{
		{"empty", 0, "empty document"},
		{"first brace only", 1, "cut short at byte 1"},
		{"after the schema member", strings.Index(doc, "\n  \"generated_at\""), "cut short at byte"},
		{"inside a string", strings.Index(doc, "smbreadiness.report/v") + 5, "cut short at byte"},
		{"inside the findings", findings + 40, "inside the value that starts at offset"},
		{"before the last brace", len(doc) - 2, "cut short at byte"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, read := range []func() error{
				func() error { _, err := report.ReadJSON(strings.NewReader(doc[:tc.n])); return err },
				func() error { return report.NewBuilder(report.Options{}).AddJSON(strings.NewReader(doc[:tc.n])) },
			} {
				err := read()
				require.ErrorIs(t, err, report.ErrMalformed)
				var fe *report.FieldError
				require.True(t, errors.As(err, &fe), "%v", err)
				assert.Equal(t, int64(tc.n), fe.Offset, "the offset is where the document ends: %v", err)
				assert.Contains(t, err.Error(), tc.want)
				if tc.n > 0 {
					assert.Contains(t, err.Error(), "cut short at byte "+strconv.Itoa(tc.n))
				}
			}
		})
	}
}
