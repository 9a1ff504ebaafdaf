package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// place identifies a finding by where it was read.
type place struct {
	File   string
	Chunk  int
	Offset int64
}

// reportFindings runs the scan with every finding listed in the JSON form
// and returns their places, with the extra args (a --timeline).
func reportFindings(t *testing.T, args ...string) (map[place]string, result) {
	t.Helper()
	r := runCmd(t, append([]string{"-q", "-f", "json", "--max-findings", "0"}, append(args, fixtures)...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	var doc struct {
		Findings []struct {
			Time   string `json:"time"`
			Source struct {
				File   string `json:"file"`
				Chunk  int    `json:"chunk"`
				Offset int64  `json:"offset"`
			} `json:"source"`
		} `json:"findings"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	require.NotEmpty(t, doc.Findings)
	want := map[place]string{}
	for _, f := range doc.Findings {
		want[place{f.Source.File, f.Source.Chunk, f.Source.Offset}] = f.Time
	}
	return want, r
}

func TestTimelineFlag(t *testing.T) {
	dir := t.TempDir()
	t.Run("csv", func(t *testing.T) {
		path := filepath.Join(dir, "timeline.csv")
		want, _ := reportFindings(t, "--timeline", path)
		f, err := os.Open(path)
		require.NoError(t, err)
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		require.NoError(t, err)
		require.Equal(t, "time_utc", rows[0][0])
		require.Len(t, rows, len(want)+1, "one row per finding")
		got := map[place]string{}
		for _, row := range rows[1:] {
			n := len(row)
			chunk, err := strconv.Atoi(row[n-2])
			require.NoError(t, err)
			off, err := strconv.ParseInt(row[n-1], 10, 64)
			require.NoError(t, err)
			// The report's time, RFC 3339 with a Z; the timeline's, with a space and no zone.
			got[place{row[n-3], chunk, off}] = strings.Replace(row[0], " ", "T", 1) + "Z"
		}
		assert.Equal(t, want, got)
	})
	t.Run("jsonl", func(t *testing.T) {
		path := filepath.Join(dir, "timeline.JSONL")
		want, _ := reportFindings(t, "--timeline", path)
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		got := map[place]string{}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			var row struct {
				Time   string `json:"time_utc"`
				File   string `json:"source_file"`
				Chunk  int    `json:"chunk"`
				Offset int64  `json:"offset"`
			}
			require.NoError(t, json.Unmarshal(sc.Bytes(), &row))
			got[place{row.File, row.Chunk, row.Offset}] = row.Time
		}
		assert.Equal(t, want, got)
	})
}

func TestTimelineFlagErrors(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "in.csv")
	require.NoError(t, os.WriteFile(input, []byte("keep me"), 0o644))
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"bad extension", []string{"--timeline", filepath.Join(dir, "t.txt"), fixtures}, exitUsage, "--timeline: report: unknown format: timeline"},
		{"same file as -o", []string{"-o", filepath.Join(dir, "x.csv"), "--timeline", filepath.Join(dir, "x.csv"), fixtures}, exitUsage, "name the same file"},
		{"an input", []string{"--timeline", input, input, fixtures}, exitUsage, "--timeline"},
		{"missing directory", []string{"--timeline", filepath.Join(dir, "no", "t.csv"), fixtures}, exitInternal, "--timeline"},
		{"empty", []string{"--timeline", "", fixtures}, exitUsage, "--timeline: empty value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, tc.args...)
			assert.Equal(t, tc.code, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.msg)
			assert.Empty(t, r.stdout, "nothing scanned, no report")
		})
	}
	b, err := os.ReadFile(input)
	require.NoError(t, err)
	assert.Equal(t, "keep me", string(b), "an input is never overwritten")
	// Nothing readable: no timeline is left behind.
	path := filepath.Join(dir, "t.csv")
	r := runCmd(t, "-q", "--timeline", path, dir)
	assert.Equal(t, exitNothing, r.code, r.stderr)
	assert.NoFileExists(t, path)
}

func TestXLSXFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.xlsx")
	r := runCmd(t, "-q", "-o", path, fixtures) // the format from the extension
	require.Equal(t, exitOK, r.code, r.stderr)
	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, []string{"Summary", "Clients", "Evidence", "Servers", "Inputs"}, f.GetSheetList())
	rows, err := f.GetRows("Clients")
	require.NoError(t, err)
	assert.Len(t, rows, 16, "15 clients and the header")
	assert.Contains(t, rows[0], "RequireSecuritySignature")

	direct := runCmd(t, "-q", "-f", "xlsx", fixtures)
	require.Equal(t, exitOK, direct.code, direct.stderr)
	assert.True(t, strings.HasPrefix(direct.stdout, "PK\x03\x04"), "a zip on stdout")

	r = runWith(t, context.Background(), &tty{}, &tty{}, "-q", "-f", "xlsx", fixtures)
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, "smbaudit: -f xlsx writes a binary workbook: pass --output FILE.xlsx, or redirect stdout\n", r.stderr)
	assert.Empty(t, r.stdout, "no zip on a terminal")

	r = runCmd(t, "-q", "-f", "xlsx", "-o", filepath.Join(t.TempDir(), "r.csv"), fixtures)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "does not match")
}
