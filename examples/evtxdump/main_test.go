package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
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
		{System: evtx.System{Provider: "Microsoft-Windows-SMBServer", EventID: 3021, Channel: "Microsoft-Windows-SMBServer/Audit",
			Computer: "FS01", TimeCreated: time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC)},
			Data: []evtxwrite.Data{{Name: "ClientName", Type: evtx.TypeString, Value: `\\10.0.0.5`}, {Type: evtx.TypeUint32, Value: uint32(7)}}},
		{System: evtx.System{Provider: "Other", EventID: 1, Channel: "Application", Computer: "FS01",
			TimeCreated: time.Date(2025, 10, 1, 8, 0, 1, 0, time.UTC)}},
		{System: evtx.System{Provider: "Microsoft-Windows-SMBServer", EventID: 3024, Channel: "Microsoft-Windows-SMBServer/Audit",
			Computer: "FS01", TimeCreated: time.Date(2025, 10, 2, 9, 0, 0, 0, time.UTC)},
			Data: []evtxwrite.Data{{Name: "ClientName", Type: evtx.TypeString, Value: "ws01"}}},
	}
	require.NoError(t, evtxwrite.WriteFile(path, evs, evtxwrite.Options{}))
	return path
}

// dumped returns the event IDs of the lines of a dump, in order.
func dumped(t *testing.T, out []byte) []int {
	t.Helper()
	ids := []int{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l == "" {
			continue
		}
		var obj struct {
			EventID int `json:"event_id"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &obj), l)
		ids = append(ids, obj.EventID)
	}
	return ids
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	good := writeLog(t, dir)
	junk := filepath.Join(dir, "junk.evtx")
	require.NoError(t, os.WriteFile(junk, bytes.Repeat([]byte("x"), 5000), 0o644))
	// A tree: logs in nested directories, one with an upper-case
	// extension, and a file that is not a log by its name.
	tree := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(tree, "b", "c"), 0o755))
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(tree, "b", "c", "Deep.EVTX"), data, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(tree, "a.evtx"), data, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(tree, "notes.txt"), []byte("not a log"), 0o644))
	empty := t.TempDir()
	dashed := filepath.Join(t.TempDir(), "-dashed.evtx")
	require.NoError(t, os.WriteFile(dashed, data, 0o644))
	all := []int{3021, 1, 3024}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantIDs  []int
		wantErr  string
	}{
		{"all events", []string{good}, 0, all, ""},
		{"provider filter", []string{"--provider", "microsoft-windows-smbserver", good}, 0, []int{3021, 3024}, ""},
		{"provider list", []string{"-provider", "Other,nobody", good}, 0, []int{1}, ""},
		{"id filter", []string{"-id", "1", good}, 0, []int{1}, ""},
		{"event-id list", []string{"--event-id", "3024,1", good}, 0, []int{1, 3024}, ""},
		{"event-id repeated", []string{"--event-id", "3021", "--event-id", "3024", good}, 0, []int{3021, 3024}, ""},
		{"since a date", []string{"--since", "2025-10-02", good}, 0, []int{3024}, ""},
		{"until a date", []string{"--until", "2025-10-02", good}, 0, []int{3021, 1}, ""},
		{"since RFC 3339, end included", []string{"--since", "2025-10-01T08:00:01Z", good}, 0, []int{1, 3024}, ""},
		{"until RFC 3339, end included", []string{"--until", "2025-10-01T08:00:00.1234567Z", good}, 0, []int{3021}, ""},
		{"window and id", []string{"--since", "2025-10-01", "--until", "2025-10-01T23:59:59Z", "--event-id", "3021,3024", good}, 0, []int{3021}, ""},
		{"a directory, recursively", []string{tree}, 0, append(append([]int{}, all...), all...), ""},
		{"a directory and a file in it", []string{tree, filepath.Join(tree, "a.evtx")}, 0, append(append([]int{}, all...), all...), ""},
		{"one bad file of two", []string{junk, good}, 1, all, "not an EVTX file"},
		{"a directory with a bad file", []string{dir}, 1, all, "junk.evtx"},
		{"a missing file beside a good one", []string{filepath.Join(dir, "gone.evtx"), good}, 1, all, "gone.evtx"},
		{"nothing readable", []string{junk}, 3, nil, "junk.evtx"},
		{"missing file alone", []string{filepath.Join(dir, "gone.evtx")}, 3, nil, "no such file"},
		// A name that would set the terminal's title and ring its bell is
		// shown escaped, as the reports show it.
		{"a name with control characters", []string{filepath.Join(dir, "gone\x1b]0;pwned\x07.evtx"), good}, 1, all, `gone\x1b]0;pwned\a.evtx`},
		{"a pattern no shell expanded", []string{filepath.Join(tree, "*.evtx")}, 3, nil, "no such file or directory (a pattern is not expanded here: name the directory)"},
		{"empty directory", []string{empty}, 3, nil, "no *.evtx file"},
		{"no file", nil, 2, nil, "usage"},
		{"bad id", []string{"-id", "x", good}, 2, nil, "not an event ID"},
		{"bad since", []string{"--since", "yesterday", good}, 2, nil, "--since"},
		{"since after until", []string{"--since", "2025-10-02", "--until", "2025-10-01", good}, 2, nil, "is after --until"},
		{"flags after the path", []string{good, "-id", "1"}, 0, []int{1}, ""},
		{"flags between the paths", []string{good, "--event-id", "3024", tree}, 0, []int{3024, 3024, 3024}, ""},
		{"-- ends the flags", []string{"-id", "1", "--", dashed}, 0, []int{1}, ""},
		{"a date and time without a zone", []string{"--since", "2025-10-01 08:00:01", good}, 0, []int{1, 3024}, ""},
		{"empty provider", []string{"--provider", "", good}, 2, nil, "empty value"},
		{"empty event-id list", []string{"-id", " , ", good}, 2, nil, "empty value"},
		{"negative workers", []string{"-workers", "-1", good}, 2, nil, "-workers -1"},
		{"unknown flag after the path", []string{good, "-bogus"}, 2, nil, "-bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tt.args, &out, &errb)
			assert.Equal(t, tt.wantCode, code, errb.String())
			if tt.wantIDs == nil {
				tt.wantIDs = []int{}
			}
			assert.Equal(t, tt.wantIDs, dumped(t, out.Bytes()))
			assert.Contains(t, errb.String(), tt.wantErr)
			assert.NotContains(t, errb.String(), "\x1b", "no raw escape reaches the terminal")
			if tt.wantErr == "" {
				assert.Empty(t, errb.String())
			}
		})
	}
}

// evtxgen reads what evtxdump writes: a log written from a dump (as
// evtxgen writes it) dumps to the same events, but for their source.
func TestDumpRegenerateDump(t *testing.T) {
	for _, name := range []string{"audit-fs01.evtx", "forwarded-events.evtx"} {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join("..", "..", "testdata", "smbaudit", name)
			var first, second, errb bytes.Buffer
			require.Equal(t, 0, run(context.Background(), []string{src}, &first, &errb), errb.String())
			evs, err := evtxwrite.ParseJSONL(bytes.NewReader(first.Bytes()))
			require.NoError(t, err)
			again := filepath.Join(t.TempDir(), "again.evtx")
			require.NoError(t, evtxwrite.WriteFile(again, evs, evtxwrite.Options{}))
			require.Equal(t, 0, run(context.Background(), []string{again}, &second, &errb), errb.String())
			a, b := withoutSource(t, first.Bytes()), withoutSource(t, second.Bytes())
			require.NotEmpty(t, a)
			assert.Equal(t, a, b)
		})
	}
}

// withoutSource decodes the lines of a dump and drops their source.
func withoutSource(t *testing.T, out []byte) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var obj map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &obj))
		require.Contains(t, obj, "source")
		delete(obj, "source")
		lines = append(lines, obj)
	}
	return lines
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

// TestRecoverFlag: -recover adds the records left in chunk slack, marked
// "recovered": true; without it they are not printed.
func TestRecoverFlag(t *testing.T) {
	path := writeLog(t, t.TempDir())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	// Chunk 0 now ends before its third record, which gets an ID outside
	// its range: slack from an earlier use of the chunk.
	le := binary.LittleEndian
	c := b[0x1000 : 0x1000+0x10000]
	second := 0x200 + int(le.Uint32(c[0x200+4:]))
	third := second + int(le.Uint32(c[second+4:]))
	le.PutUint64(c[0x10:], 2)
	le.PutUint64(c[0x20:], 2)
	le.PutUint32(c[0x2c:], uint32(second))
	le.PutUint32(c[0x30:], uint32(third))
	le.PutUint64(c[third+8:], 900)
	le.PutUint32(c[0x34:], crc32.ChecksumIEEE(c[0x200:third]))
	le.PutUint32(c[0x7c:], crc32.Update(crc32.ChecksumIEEE(c[:0x78]), crc32.IEEETable, c[0x80:0x200]))
	le.PutUint64(b[0x18:], 3) // next record ID
	le.PutUint32(b[0x7c:], crc32.ChecksumIEEE(b[:0x78]))
	require.NoError(t, os.WriteFile(path, b, 0o644))

	for _, tc := range []struct {
		args []string
		ids  []int
	}{
		{[]string{path}, []int{3021, 1}},
		{[]string{"-recover", path}, []int{3021, 1, 3024}},
	} {
		var out, errOut bytes.Buffer
		require.Equal(t, 0, run(context.Background(), tc.args, &out, &errOut), errOut.String())
		assert.Equal(t, tc.ids, dumped(t, out.Bytes()), "%v", tc.args)
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		for i, l := range lines {
			var obj struct {
				RecordID  uint64 `json:"record_id"`
				Recovered bool   `json:"recovered"`
			}
			require.NoError(t, json.Unmarshal([]byte(l), &obj))
			assert.Equal(t, i == 2, obj.Recovered, l)
			if i == 2 {
				assert.Equal(t, uint64(900), obj.RecordID)
			}
		}
	}
}

// TestRunHelp: -h prints the usage and the exit codes on stdout and exits 0.
func TestRunHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		var out, errb bytes.Buffer
		assert.Equal(t, 0, run(context.Background(), []string{arg}, &out, &errb), arg)
		assert.Contains(t, out.String(), "usage: evtxdump")
		assert.Contains(t, out.String(), "-recover")
		assert.Contains(t, out.String(), "Exit codes:")
		assert.Empty(t, errb.String())
	}
}

// cancelOnWrite is a stdout that cancels the run's context at its first
// write, as a SIGINT in the middle of a dump would.
type cancelOnWrite struct {
	bytes.Buffer
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.cancel()
	return w.Buffer.Write(p)
}

// TestRunInterrupted: an interrupted dump stops at once, names the file it
// stopped in once, exits 1, and what it wrote ends with a whole line.
func TestRunInterrupted(t *testing.T) {
	fixture := filepath.Join("..", "..", "testdata", "smbaudit", "audit-fs01.evtx") // dumps to more than the 64 KiB buffer
	other := writeLog(t, t.TempDir())

	t.Run("before the first file", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var out, errb bytes.Buffer
		assert.Equal(t, 1, run(ctx, []string{other, fixture}, &out, &errb))
		assert.Empty(t, out.String())
		assert.Equal(t, "evtxdump: "+other+": interrupted; the dump stops here, incomplete\n", errb.String())
	})
	t.Run("inside a file", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		out := &cancelOnWrite{cancel: cancel}
		var errb bytes.Buffer
		assert.Equal(t, 1, run(ctx, []string{fixture, other}, out, &errb))
		assert.Equal(t, "evtxdump: "+fixture+": interrupted; the dump stops here, incomplete\n", errb.String())
		ids := dumped(t, out.Bytes()) // every line whole
		assert.NotEmpty(t, ids)
		assert.Less(t, len(ids), 482, "the dump went on after the interrupt")
	})
}
