package cli

import (
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		pos     []string
		format  string
		recover bool
		err     bool
	}{
		{args: []string{"a", "b"}, pos: []string{"a", "b"}},
		{args: []string{"-f", "json", "a"}, pos: []string{"a"}, format: "json"},
		{args: []string{"a", "--format=csv", "b"}, pos: []string{"a", "b"}, format: "csv"},
		{args: []string{"a.evtx", "-recover"}, pos: []string{"a.evtx"}, recover: true},
		{args: []string{"a", "--", "-f", "b"}, pos: []string{"a", "-f", "b"}},
		{args: []string{"--", "--format"}, pos: []string{"--format"}},
		{args: []string{"a", "-", "b"}, pos: []string{"a", "-", "b"}},
		{args: nil, pos: nil},
		{args: []string{"a", "-nosuch"}, err: true},
		{args: []string{"a", "-f"}, err: true},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		format := fs.String("f", "", "")
		fs.StringVar(format, "format", "", "")
		recover := fs.Bool("recover", false, "")
		pos, err := ParseInterspersed(fs, tc.args)
		if tc.err {
			assert.Error(t, err, "%q", tc.args)
			continue
		}
		require.NoError(t, err, "%q", tc.args)
		assert.Equal(t, tc.pos, pos, "%q", tc.args)
		assert.Equal(t, tc.format, *format, "%q", tc.args)
		assert.Equal(t, tc.recover, *recover, "%q", tc.args)
	}
}
