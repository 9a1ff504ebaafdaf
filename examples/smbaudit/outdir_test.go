package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// --out-dir writes every format from one scan, named after the run (the
// generation time, pinned by SOURCE_DATE_EPOCH) or --name; each file is the
// report that -f gives.
func TestOutDir(t *testing.T) {
	dir := t.TempDir()
	r := runCmd(t, "--out-dir", dir, "--tz", "Europe/Paris", fixtures)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	base := "smbreadiness-20251009T085320Z"
	want := []string{base + ".csv", base + ".html", base + ".json", base + ".md", base + ".txt", base + ".xlsx"}
	assert.Equal(t, want, dirNames(t, dir))
	assert.Contains(t, r.stderr, "smbaudit: wrote "+filepath.Join(dir, base+".txt")+", ")
	for _, f := range []struct{ ext, format string }{{"txt", "text"}, {"json", "json"}, {"csv", "csv"}, {"md", "md"}, {"html", "html"}} {
		b, err := os.ReadFile(filepath.Join(dir, base+"."+f.ext))
		require.NoError(t, err)
		same := runCmd(t, "-q", "-f", f.format, "--tz", "Europe/Paris", fixtures)
		assert.Equal(t, sansCommandLine(same.stdout), sansCommandLine(string(b)), f.ext)
	}
	var doc map[string]any
	b, err := os.ReadFile(filepath.Join(dir, base+".json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &doc))
	x, err := excelize.OpenFile(filepath.Join(dir, base+".xlsx"))
	require.NoError(t, err)
	assert.Len(t, x.GetSheetList(), 5)
	x.Close()

	named := t.TempDir()
	r = runCmd(t, "-q", "--out-dir", named, "--name", "fs-estate", fixtures)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "wrote", "-q")
	assert.Contains(t, dirNames(t, named), "fs-estate.xlsx")
	assert.Len(t, dirNames(t, named), 6)

	m := t.TempDir()
	part := filepath.Join(t.TempDir(), "p.json")
	require.Equal(t, exitOK, runCmd(t, "-q", "--partial", part, fixtures).code)
	r = runCmd(t, "merge", "-q", "--out-dir", m, part)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Len(t, dirNames(t, m), 6, "merge writes every format too")
}

// Usage errors and failures leave nothing behind.
func TestOutDirRefused(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"with -o", []string{"--out-dir", dir, "-o", filepath.Join(dir, "r.txt")}, "smbaudit: --out-dir writes every format: leave out -o"},
		{"with -f", []string{"-f", "json", "--out-dir", dir}, "smbaudit: --out-dir writes every format: leave out -f"},
		{"missing", []string{"--out-dir", filepath.Join(dir, "nope")}, "not an existing directory"},
		{"a file", []string{"--out-dir", file}, "not an existing directory"},
		{"name alone", []string{"--name", "x"}, "smbaudit: --name names the files of --out-dir"},
		{"name with a directory", []string{"--out-dir", dir, "--name", "../x"}, `smbaudit: --name: "../x" is not a file name`},
		{"partial among the files", []string{"--out-dir", dir, "--name", "r", "--partial", filepath.Join(dir, "r.json")}, "--out-dir and --partial name the same file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, append(tc.args, fixtures)...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.stderr)
			assert.False(t, scanned(r.stderr))
			assert.Equal(t, []string{"f"}, dirNames(t, dir), "nothing written")
		})
	}

	// An input among the files: refused before the scan, none written.
	in := t.TempDir()
	src, err := os.ReadFile(fixture("audit-fs01.evtx"))
	require.NoError(t, err)
	input := filepath.Join(in, "r.md")
	require.NoError(t, os.WriteFile(input, src, 0o644))
	r := runCmd(t, "--out-dir", in, "--name", "r", "--glob", "*", in)
	assert.Equal(t, exitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "smbaudit: --out-dir: ")
	assert.Equal(t, []string{"r.md"}, dirNames(t, in))
	got, err := os.ReadFile(input)
	require.NoError(t, err)
	assert.Equal(t, src, got, "the input is untouched")
}
