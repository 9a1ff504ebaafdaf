package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
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

// evtxgen reads the lines evtxdump prints (evtx.Event's JSON form), with
// no Go type name in its errors.
func TestRunReadsEvtxdumpLines(t *testing.T) {
	src := evtx.Event{System: evtx.System{EventRecordID: 3, EventID: 3021, Provider: "Microsoft-Windows-SMBServer",
		Channel: "Microsoft-Windows-SMBServer/Audit", Computer: "FS01", Version: 1, Keywords: 0x8000000000000000,
		TimeCreated: time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC)},
		RecordID: 3,
		Data:     []evtx.Field{{Name: "ClientName", Value: `\\10.0.0.5`}, {Value: "7"}},
		Source:   evtx.Source{File: "a.evtx", Chunk: 0, Offset: 4608}}
	line, err := json.Marshal(src)
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "a.evtx")
	var stderr bytes.Buffer
	require.NoError(t, run([]string{"-o", out}, bytes.NewReader(line), &stderr))
	f, err := evtx.Open(out)
	require.NoError(t, err)
	defer f.Close()
	var got []*evtx.Event
	for ev, err := range f.Events(context.Background(), evtx.Options{}) {
		require.NoError(t, err)
		got = append(got, ev)
	}
	require.Len(t, got, 1)
	assert.Equal(t, src.TimeCreated, got[0].TimeCreated)
	assert.Equal(t, src.Keywords, got[0].Keywords)
	assert.Equal(t, []string{"ClientName", "Data#0"}, got[0].DataKeys())
	assert.Equal(t, `\\10.0.0.5`, got[0].Data[0].Value)

	bad := `{"provider":"P","channel":"C","computer":"H","event_id":1,"time_created":"2025-10-01T08:00:00Z","data":{"n":1}}`
	err = run([]string{"-o", filepath.Join(t.TempDir(), "b.evtx")}, strings.NewReader(bad), &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `<stdin>: line 1: data:`)
	assert.NotContains(t, err.Error(), "evtxwrite.")
}

func TestRunBadMinor(t *testing.T) {
	for _, v := range []string{"x", "-1", "65536"} {
		var stderr bytes.Buffer
		out := filepath.Join(t.TempDir(), "a.evtx")
		err := run([]string{"-o", out, "-minor", v}, strings.NewReader(line), &stderr)
		require.Error(t, err, v)
		assert.Contains(t, stderr.String(), "-minor", v)
		assert.NoFileExists(t, out, v)
	}
}

// TestExitCodes: the exit status a script can rely on, as -h lists it.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	require.NoError(t, os.WriteFile(in, []byte(line+"\n"), 0o644))
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"written", []string{"-o", filepath.Join(dir, "a.evtx"), in}, 0},
		{"-h", []string{"-h"}, 0},
		{"unknown flag", []string{"-bogus", "-o", filepath.Join(dir, "b.evtx"), in}, 2},
		{"bad flag value", []string{"-zero-chunk", "x", "-o", filepath.Join(dir, "b.evtx"), in}, 2},
		{"no -o", []string{in}, 2},
		{"two events files", []string{"-o", filepath.Join(dir, "b.evtx"), in, in}, 2},
		{"the output is the input", []string{"-o", in, in}, 2},
		{"the output is a directory", []string{"-o", dir, in}, 2},
		{"the output is -", []string{"-o", "-", in}, 2},
		{"a missing events file", []string{"-o", filepath.Join(dir, "b.evtx"), filepath.Join(dir, "gone.jsonl")}, 1},
		{"a missing output directory", []string{"-o", filepath.Join(dir, "gone", "b.evtx"), in}, 1},
		{"events that are not JSON Lines", []string{"-o", filepath.Join(dir, "b.evtx"), filepath.Join(dir, "a.evtx")}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(tt.args, strings.NewReader(""), io.Discard)
			assert.Equal(t, tt.want, exitCode(err), "%v", err)
		})
	}
}

// TestUsage: -h lists the flags and the exit codes.
func TestUsage(t *testing.T) {
	var b bytes.Buffer
	usage(&b)
	for _, want := range []string{"usage: evtxgen -o OUT.evtx", "-zero-chunk N", "-minor version", "Exit codes:", "  2  usage error"} {
		assert.Contains(t, b.String(), want)
	}
}
