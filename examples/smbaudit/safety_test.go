package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests of the attack review's findings: outputs that must not replace
// what they name, flag values that must not pass unnoticed, merge failing
// on a missing shard. The FIFO cases are in fifo_test.go.

// noTemp asserts that dir holds exactly the named entries: no temporary
// file was left behind, and nothing else created.
func noTemp(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	assert.ElementsMatch(t, names, got)
}

// scanned reports whether the scan ran: its summary line was written.
func scanned(stderr string) bool { return strings.Contains(stderr, "smbaudit: read ") }

func TestOutputIsInputRefused(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.evtx")
	copyFile(t, fixture("audit-fs01.evtx"), in, -1)
	upper := filepath.Join(dir, "SUB", "B.EVTX")
	require.NoError(t, os.Mkdir(filepath.Dir(upper), 0o755))
	copyFile(t, fixture("audit-fs02-2025-10-10.evtx"), upper, -1)
	log := filepath.Join(dir, "SUB", "c.log")
	copyFile(t, fixture("audit-fs02-2025-10-20.evtx"), log, -1)
	link := filepath.Join(dir, "link.txt")
	symlinks := runtime.GOOS != "windows" && os.Symlink(in, link) == nil

	for _, tc := range []struct {
		name  string
		args  []string
		input string // the file that must stay as it was
	}{
		{"-o names the input", []string{"-f", "text", "-o", in, in}, in},
		{"--output names the input", []string{"--output", in, "-f", "json", in}, in},
		{"--partial names the input", []string{"--partial", in, in}, in},
		{"-o names a file under a directory input, case ignored", []string{"-f", "text", "-o", upper, dir}, upper},
		{"-o names a file the --glob selects", []string{"--glob", "*.log", "-f", "text", "-o", log, dir}, log},
		{"merge -o names a partial", []string{"merge", "-f", "json", "-o", in, in}, in},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := os.ReadFile(tc.input)
			require.NoError(t, err)
			r := runCmd(t, tc.args...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, "refusing to overwrite an input")
			assert.Contains(t, r.stderr, tc.input)
			assert.False(t, scanned(r.stderr), "refused before the scan")
			after, err := os.ReadFile(tc.input)
			require.NoError(t, err)
			assert.Equal(t, before, after, "the evidence is untouched")
		})
	}
	if symlinks {
		t.Run("-o is a link to the input", func(t *testing.T) {
			r := runCmd(t, "-o", link, in)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, "same file as the input "+in)
			st, err := os.Lstat(link)
			require.NoError(t, err)
			assert.NotZero(t, st.Mode()&os.ModeSymlink, "the link stays")
		})
	}
	t.Run("a file the glob does not select may be written", func(t *testing.T) {
		out := filepath.Join(dir, "SUB", "report.txt")
		r := runCmd(t, "-q", "-o", out, dir)
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.FileExists(t, out)
	})
}

func TestOutputRefusedBeforeScan(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no", "such", "dir")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"-o in a missing directory", []string{"-o", filepath.Join(missing, "r.txt"), fixtures}, exitInternal,
			"smbaudit: -o: output " + filepath.Join(missing, "r.txt") + ": cannot create a file in directory " + missing + ": "},
		{"--partial in a missing directory", []string{"--partial", filepath.Join(missing, "p.json"), fixtures}, exitInternal,
			"smbaudit: --partial: output " + filepath.Join(missing, "p.json") + ": cannot create a file in directory " + missing + ": "},
		{"merge -o in a missing directory", []string{"merge", "--output", filepath.Join(missing, "r.txt"), "a.json"}, exitInternal,
			"smbaudit: --output: output " + filepath.Join(missing, "r.txt") + ": cannot create"},
		{"-o names a directory", []string{"-f", "text", "-o", dir, fixtures}, exitUsage, "cannot take the output"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, tc.args...)
			assert.Equal(t, tc.code, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.stderr)
			assert.Contains(t, r.stderr, "; nothing read\n")
			assert.NotContains(t, r.stderr, ".tmp-", "the error names the output, not the temporary file")
			assert.False(t, scanned(r.stderr), "the output is checked before the scan")
			assert.Empty(t, r.stdout)
			noTemp(t, dir)
		})
	}
}

func TestOutputNotWrittenWhenNothingRead(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.txt")
	require.NoError(t, os.WriteFile(out, []byte("last week's report"), 0o644))
	partial := filepath.Join(dir, "p.json")
	r := runCmd(t, "-o", out, "--partial", partial, t.TempDir())
	assert.Equal(t, exitNothing, r.code)
	assert.Contains(t, r.stderr, "nothing readable")
	assert.Contains(t, r.stderr, "no report written")
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "last week's report", string(got), "an existing output stays as it was")
	noTemp(t, dir, "r.txt")
}

func TestOutputSymlinkFollowed(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	target, link := filepath.Join(dir, "target.json"), filepath.Join(dir, "latest.json")
	require.NoError(t, os.WriteFile(target, []byte("old"), 0o644))
	require.NoError(t, os.Symlink("target.json", link))
	r := runCmd(t, "-q", "-o", link, fixtures)
	require.Equal(t, exitOK, r.code, r.stderr)
	st, err := os.Lstat(link)
	require.NoError(t, err)
	assert.NotZero(t, st.Mode()&os.ModeSymlink, "the link is not replaced")
	got, err := os.ReadFile(target)
	require.NoError(t, err)
	assert.True(t, json.Valid(got), "the target holds the report, in the format of the link's extension")
}

func TestMergeMissingOrBadPartial(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "a.json")
	r := runCmd(t, "-q", "--partial", good, fixture("audit-fs01.evtx"))
	require.Equal(t, exitOK, r.code, r.stderr)
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"schema":"something/else"}`), 0o644))
	missing := filepath.Join(dir, "missing.json")
	out := filepath.Join(dir, "merged.html")

	for _, tc := range []struct {
		name   string
		args   []string
		stderr []string
	}{
		{"a missing shard fails the gate", []string{"--fail-on", "signing", good, missing},
			[]string{"smbaudit: " + missing + ": no such file or directory\n", "1 of 2 partial reports could not be read; no report written"}},
		{"a bad shard", []string{good, bad}, []string{"smbaudit: " + bad + ": report: unsupported schema"}},
		{"every bad shard is named", []string{missing, good, bad},
			[]string{missing + ": no such file", bad + ": report:", "2 of 3 partial reports could not be read"}},
		{"a directory", []string{good, dir}, []string{dir + ": directory: not a regular file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, append([]string{"merge"}, tc.args...)...)
			assert.Equal(t, exitNothing, r.code, r.stderr)
			assert.Empty(t, r.stdout, "no report")
			for _, s := range tc.stderr {
				assert.Contains(t, r.stderr, s)
			}
			assert.NotContains(t, r.stderr, "would break")

			r = runCmd(t, append([]string{"merge", "-o", out}, tc.args...)...)
			assert.Equal(t, exitNothing, r.code, r.stderr)
			assert.NoFileExists(t, out)
			noTemp(t, dir, "a.json", "bad.json")
		})
	}
}

func TestFlagValuesChecked(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"prefix out of range", []string{"--client", "10.0.20.0/33"}, `smbaudit: --client: bad name or address: "10.0.20.0/33": prefix length "33" is not a number from 0 to 32`},
		{"one dash as typed", []string{"-client", "10.0.20.0/33"}, "smbaudit: -client: "},
		{"bad entry in a list", []string{"--client", "nas01,10.0.20"}, `--client: bad name or address: "10.0.20": not an IP address`},
		{"wildcard server", []string{"--server", "fs*"}, `smbaudit: --server: bad name or address: "fs*"`},
		{"empty client", []string{"--client", ""}, "smbaudit: --client: empty"},
		{"empty list", []string{"--server", " , "}, "smbaudit: --server: empty"},
		{"workers not a number", []string{"--workers", "four"}, `smbaudit: --workers: "four" is not a whole number, 0 or more`},
		{"max-findings negative", []string{"-max-findings=-5"}, `smbaudit: -max-findings: "-5" is not a whole number`},
		{"bad glob", []string{"--glob", "["}, "smbaudit: --glob: bad glob pattern"},
		{"empty glob", []string{"--glob="}, "smbaudit: --glob: empty value"},
		{"bad since", []string{"-since", "yesterday"}, `smbaudit: -since: not a time: "yesterday"`},
		{"empty until", []string{"--until", ""}, "smbaudit: --until: empty value"},
		{"since after until, as typed", []string{"-since", "2025-10-10", "--until", "2025-10-01"}, "smbaudit: -since 2025-10-10T00:00:00.0000000Z is after --until 2025-10-01"},
		{"bad short format", []string{"-f", "pdf"}, `smbaudit: -f: unknown format: "pdf"`},
		{"empty format", []string{"--format", ""}, `smbaudit: --format: unknown format: "" (want one of text, json, csv, md, html, xlsx)`},
		{"bad fail-on", []string{"--fail-on", "everything"}, `smbaudit: --fail-on: unknown setting`},
		{"empty output", []string{"-o", ""}, "smbaudit: -o: empty value"},
		{"empty partial", []string{"--partial", ""}, "smbaudit: --partial: empty value"},
		{"bad bool", []string{"-q=maybe"}, `smbaudit: -q: parse error`},
		{"unknown flag", []string{"---o"}, "smbaudit: bad flag syntax: ---o"},
		{"unknown flag after a path", []string{fixtures, "-x=1"}, "smbaudit: unknown flag -x\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, append(tc.args, fixtures)...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.stderr)
			assert.False(t, scanned(r.stderr))
			assert.Empty(t, r.stdout)
		})
	}
	r := runCmd(t, fixtures, "-o")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "smbaudit: -o needs a value\n")

	r = runCmd(t, "merge", "--fail-on=", "a.json")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "smbaudit: --fail-on: empty value\nrun smbaudit merge --help for the usage\n")
}

func TestFormatFromExtension(t *testing.T) {
	want := map[string]string{}
	for _, f := range []string{"text", "json", "csv", "md", "html"} {
		r := runCmd(t, "-q", "-f", f, fixtures)
		require.Equal(t, exitOK, r.code, r.stderr)
		want[f] = r.stdout
	}
	dir := t.TempDir()
	for _, tc := range []struct{ file, format string }{
		{"r.txt", "text"}, {"r.TEXT", "text"}, {"r", "text"},
		{"r.json", "json"}, {"r.csv", "csv"}, {"r.md", "md"}, {"r.markdown", "md"},
		{"r.html", "html"}, {"r.HTM", "html"},
	} {
		out := filepath.Join(dir, tc.file)
		r := runCmd(t, "-q", "-o", out, fixtures)
		require.Equal(t, exitOK, r.code, "%s: %s", tc.file, r.stderr)
		got, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Equal(t, sansCommandLine(want[tc.format]), sansCommandLine(string(got)), "%s is written as %s", tc.file, tc.format)
	}

	// -f wins over an extension that names no format.
	out := filepath.Join(dir, "r.report")
	r := runCmd(t, "-q", "-f", "csv", "-o", out, fixtures)
	require.Equal(t, exitOK, r.code, r.stderr)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, sansCommandLine(want["csv"]), sansCommandLine(string(got)))
	r = runCmd(t, "-q", "--format", "markdown", "-o", filepath.Join(dir, "r.md"), fixtures)
	assert.Equal(t, exitOK, r.code, "md and markdown are one format: %s", r.stderr)
}

func TestFormatFlagErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"-f and the extension disagree", []string{"-f", "json", "-o", filepath.Join(dir, "r.html")},
			"smbaudit: -f json does not match -o " + filepath.Join(dir, "r.html") + ", whose extension says html: change one of them"},
		{"as typed", []string{"--format=csv", "--output", filepath.Join(dir, "r.txt")}, "--format csv does not match --output "},
		{"unknown extension", []string{"-o", filepath.Join(dir, "r.pdf")},
			`smbaudit: -o ` + filepath.Join(dir, "r.pdf") + `: cannot tell the format from the extension ".pdf": pass -f (text, json, csv, md, html or xlsx)`},
		{"partial with a report extension", []string{"--partial", filepath.Join(dir, "p.html")},
			"smbaudit: --partial " + filepath.Join(dir, "p.html") + ": the partial report is JSON, not html: name it .json"},
		{"-o and --partial one file", []string{"-o", filepath.Join(dir, "r.json"), "--partial", filepath.Join(dir, ".", "r.json")},
			"smbaudit: -o and --partial name the same file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, append(tc.args, fixtures)...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.stderr)
			assert.False(t, scanned(r.stderr))
			noTemp(t, dir)
		})
	}
	// A partial with no extension, or another one, is fine: it is JSON.
	p := filepath.Join(dir, "shard-a.partial")
	r := runCmd(t, "-q", "--partial", p, fixture("audit-fs01.evtx"))
	require.Equal(t, exitOK, r.code, r.stderr)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.True(t, json.Valid(b))
}

// A file name carrying an OSC sequence (set the window title) and an ANSI
// one reaches stderr as visible escapes, never raw.
func TestHostileNamesEscaped(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows file names cannot hold control characters")
	}
	dir := t.TempDir()
	name := filepath.Join(dir, "x\x1b]0;pwned\x07\x1b[2J.evtx")
	require.NoError(t, os.WriteFile(name, []byte(strings.Repeat("not a log\n", 1000)), 0o644))
	good := filepath.Join(dir, "good.evtx")
	copyFile(t, fixture("audit-fs01.evtx"), good, -1)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"-q", dir}, exitOK},                              // a skipped input, named by the scan
		{[]string{name}, exitNothing},                              // nothing readable
		{[]string{"-f", "text", "-o", name, name}, exitUsage},      // a refused output
		{[]string{"merge", name}, exitNothing},                     // a bad partial
		{[]string{"--client", "\x1b]0;pwned\x07", dir}, exitUsage}, // a bad flag value
	} {
		args := tc.args
		r := runCmd(t, args...)
		assert.Equal(t, tc.code, r.code, "%q: %s", args, r.stderr)
		assert.Contains(t, r.stderr, `\x1b]0;pwned\a`, "%q", args)
		assert.NotContains(t, r.stderr, "\x1b", "%q", args)
		assert.NotContains(t, r.stderr, "\x07", "%q", args)
	}
}

// The path is named once in a message, however the error carries it.
func TestReasonNamesPathOnce(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&fs.PathError{Op: "stat", Path: "a.json", Err: fs.ErrNotExist}, "file does not exist"},
		{&fs.PathError{Op: "open", Path: "other", Err: fs.ErrPermission}, "open other: permission denied"},
		{fmt.Errorf("a.json: named pipe (FIFO): %w", evtx.ErrNotRegular), "named pipe (FIFO): not a regular file"},
		{errors.New("report: unsupported schema"), "report: unsupported schema"},
	} {
		assert.Equal(t, tc.want, reason("a.json", tc.err))
		assert.Equal(t, "a.json: "+tc.want, describe("a.json", tc.err))
	}
}
