package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const line = `{"provider":"P","channel":"C","computer":"H","event_id":1,"time_created":"2025-10-01T08:00:00Z"}`

func TestRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "a.evtx")
	var stderr bytes.Buffer
	require.NoError(t, run([]string{"-o", out, "-minor", "2", "-dirty-header"}, strings.NewReader(line+"\n"+line), &stderr))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "ElfFile\x00", string(b[:8]))
	assert.EqualValues(t, 2, b[36], "minor version from -minor")
	assert.EqualValues(t, 1, b[120]&1, "dirty flag from -dirty-header")

	in := filepath.Join(dir, "in.jsonl")
	require.NoError(t, os.WriteFile(in, []byte(line+"\n"+`{"provider":"P","computer":"H","event_id":1,"time_created":"2025-10-01T08:00:00Z"}`+"\n"), 0o644))
	bad := filepath.Join(dir, "bad.evtx")
	err = run([]string{"-o", bad, in}, strings.NewReader(""), &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "in.jsonl: line 2: channel")
	assert.NoFileExists(t, bad, "nothing partial is left behind")

	require.Error(t, run([]string{in}, strings.NewReader(""), &stderr), "-o is required")
}
