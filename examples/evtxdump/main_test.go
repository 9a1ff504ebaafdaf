package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeLog(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "audit.evtx")
	evs := []evtxwrite.Event{
		{Provider: "Microsoft-Windows-SMBServer", EventID: 3021, Channel: "Microsoft-Windows-SMBServer/Audit",
			Computer: "FS01", TimeCreated: time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC),
			Data: []evtxwrite.Data{{Name: "ClientName", Type: evtx.TypeString, Value: `\\10.0.0.5`}, {Type: evtx.TypeUint32, Value: uint32(7)}}},
		{Provider: "Other", EventID: 1, Channel: "Application", Computer: "FS01",
			TimeCreated: time.Date(2025, 10, 1, 8, 0, 1, 0, time.UTC)},
	}
	require.NoError(t, evtxwrite.WriteFile(path, evs, evtxwrite.Options{}))
	return path
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	good := writeLog(t, dir)
	junk := filepath.Join(dir, "junk.evtx")
	require.NoError(t, os.WriteFile(junk, bytes.Repeat([]byte("x"), 5000), 0o644))
	tests := []struct {
		name      string
		args      []string
		wantCode  int
		wantLines int
		wantErr   string
	}{
		{"all events", []string{good}, 0, 2, ""},
		{"provider filter", []string{"-provider", "microsoft-windows-smbserver", good}, 0, 1, ""},
		{"id filter", []string{"-id", "1", good}, 0, 1, ""},
		{"one bad file of two", []string{junk, good}, 0, 2, "not an EVTX file"},
		{"nothing readable", []string{junk}, 1, 0, "junk.evtx"},
		{"a directory", []string{dir, good}, 0, 2, dir + ": directory: not a regular file"},
		{"no file", nil, 2, 0, "usage"},
		{"bad id", []string{"-id", "x", good}, 2, 0, "not an event ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tt.args, &out, &errb)
			assert.Equal(t, tt.wantCode, code, errb.String())
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if out.Len() == 0 {
				lines = nil
			}
			assert.Len(t, lines, tt.wantLines)
			assert.Contains(t, errb.String(), tt.wantErr)
		})
	}
}

func TestRunLineFormat(t *testing.T) {
	good := writeLog(t, t.TempDir())
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"-id", "3021", good}, &out, &errb))
	var obj map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &obj))
	assert.Equal(t, float64(1), obj["record_id"])
	assert.Equal(t, "2025-10-01T08:00:00.1234567Z", obj["time_created"])
	assert.Equal(t, float64(3021), obj["event_id"])
	assert.Equal(t, "Microsoft-Windows-SMBServer", obj["provider"])
	assert.Equal(t, "Microsoft-Windows-SMBServer/Audit", obj["channel"])
	assert.Equal(t, "FS01", obj["computer"])
	assert.Equal(t, map[string]any{"ClientName": `\\10.0.0.5`, "Data#0": "7"}, obj["data"])
	assert.Equal(t, map[string]any{"file": good, "chunk": float64(0), "offset": float64(4608)}, obj["source"])
}
