package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/internal/cli"
	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests run the command in process, as a user would, checking stdout,
// stderr and the exit code; a few run the built binary, for what only a
// process shows: the exit status through os.Exit, a real terminal.

const fixtures = "../../testdata/smbaudit"

var (
	binDir    string
	buildOnce sync.Once
	binary    string
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "smbaudit-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// built returns the path of the command, built once per test binary.
func built(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binary = filepath.Join(binDir, "smbaudit")
		if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building smbaudit: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binary
}

type result struct {
	stdout, stderr string
	code           int
}

// runCmd runs the command in process with a pinned generation time
// (SOURCE_DATE_EPOCH) so that outputs of two runs compare equal.
func runCmd(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	return runWith(t, context.Background(), &stdout, &stderr, args...)
}

// runWith runs the command in process on the given writers.
func runWith(t *testing.T, ctx context.Context, stdout, stderr interface {
	io.Writer
	String() string
}, args ...string) result {
	t.Helper()
	t.Setenv("SOURCE_DATE_EPOCH", "1760000000")
	t.Setenv("NO_COLOR", "")
	code := run(ctx, args, stdout, stderr)
	return result{stdout.String(), stderr.String(), code}
}

func fixture(name string) string { return filepath.Join(fixtures, name) }

// commandLine matches the command line a report states, in every format:
// the text form's line and its continuation lines, JSON's member, the
// Markdown item, CSV's comment row and the HTML row.
var commandLine = regexp.MustCompile(`(?m)^command line:.*\n(    .*\n)*|^.*command[ _]line.*\n`)

// csvReader reads the CSV form as a spreadsheet program would import it,
// its leading "#" rows (what the report says of how it was made) skipped.
func csvReader(s string) *csv.Reader {
	r := csv.NewReader(strings.NewReader(s))
	r.Comment = '#'
	return r
}

// sansCommandLine drops the command line from a report, so that the
// reports of two spellings of one run compare equal.
func sansCommandLine(s string) string { return commandLine.ReplaceAllString(s, "") }

func copyFile(t *testing.T, from, to string, n int) {
	t.Helper()
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	if n >= 0 {
		b = b[:n]
	}
	require.NoError(t, os.WriteFile(to, b, 0o644))
}

func TestGoodFiles(t *testing.T) {
	r := runCmd(t, fixtures)
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, want := range []string{
		"SMB hardening readiness report  (generated 2025-10-09T08:53:20.0000000Z)",
		"BREAKS: 1 client on 1 server would break if you enforce DisableSMB1; 2",
		"BREAKS: 1 client on 1 server would break if you enforce EncryptData+RejectUnencryptedAccess; 2",
		"BREAKS: 5 clients on 3 servers would break if you enforce RequireSecuritySignature (1 client",
		"BREAKS: 3 clients on 3 servers would break if you enforce SmbServerNameHardeningLevel=1.",
		"BREAKS: 8 clients on 3 servers would break if you enforce SmbServerNameHardeningLevel=2.",
		"command line: smbaudit ../../testdata/smbaudit\n",
		"filters: none\n",
		"short window: 7d\n",
		"15 clients, 3 servers (0 without audit events), 5 input files (0 skipped)",
	} {
		assert.Contains(t, r.stdout, want)
	}
	for _, row := range []string{
		`(?m)^10\.0\.20\.15\s+-\s+yes\s+yes\s+-\s+-\s+-\s+342\s+2\s`,
		`(?m)^10\.0\.40\.7\s+-\s+-\s+-\s+-\s+yes\s+REJECTED\s`,
		`(?m)^10\.0\.50\.12\s+-\s+-\s+yes\s+-\s+-\s+-\s`,
		`(?m)^scan01\s+-\s+-\s+maybe\s+-\s+-\s+-\s`,
		`(?m)^prn-3f\s+-\s+-\s+yes\s+yes\s+yes\s+-\s`,
		`(?m)^\(unknown\)\s+-\s+-\s+-\s+-\s+-\s+REJECTED\s`,
	} {
		assert.Regexp(t, row, r.stdout)
	}
	assert.NotContains(t, r.stdout, "\x1b[", "no colors when stdout is not a terminal")
	assert.Contains(t, r.stderr, "audit-fs01-damaged.evtx: damaged: 1 damaged chunk(s) [1], 1 read error(s)")
	assert.Contains(t, r.stderr, "smbaudit: read 5 of 5 files ("+fixturesKiB(t)+"), 1 damaged; 592 findings, 15 clients, 3 servers\n")
	assert.NotContains(t, r.stderr, "\r", "no progress bar when stderr is not a terminal")
	assert.NotContains(t, r.stderr, ": skipped:")
	assert.NotContains(t, r.stderr, "; skipped")

	q := runCmd(t, "-q", fixtures)
	assert.Equal(t, exitOK, q.code)
	assert.Equal(t, sansCommandLine(r.stdout), sansCommandLine(q.stdout))
	assert.Contains(t, q.stdout, "command line: smbaudit -q ../../testdata/smbaudit\n")
	assert.NotContains(t, q.stderr, "smbaudit: read", "--quiet drops the summary")
	assert.Contains(t, q.stderr, "damaged: 1 damaged chunk(s)", "--quiet keeps the errors")
}

func TestMixOfGoodAndBadFiles(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, fixture("audit-fs02-2025-10-10.evtx"), filepath.Join(dir, "good.evtx"), -1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x.evtx"), []byte(strings.Repeat("not a log\n", 1000)), 0o644))
	copyFile(t, fixture("audit-fs01.evtx"), filepath.Join(dir, "cut.evtx"), 4096+30000)         // header whole, first chunk cut
	copyFile(t, fixture("audit-fs01.evtx"), filepath.Join(dir, "stub.evtx"), 100)               // not even a header
	copyFile(t, fixture("audit-fs01.evtx"), filepath.Join(dir, "ignored.txt"), -1)              // not matched by the glob
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))                              // searched recursively
	copyFile(t, fixture("audit-fs02-2025-10-20.evtx"), filepath.Join(dir, "sub", "B.EVTX"), -1) // glob ignores case

	r := runCmd(t, dir)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Regexp(t, `smbaudit: \S*x\.evtx: skipped: .*not an EVTX file`, r.stderr)
	assert.Regexp(t, `smbaudit: \S*stub\.evtx: skipped: .*too short`, r.stderr)
	assert.Regexp(t, `smbaudit: \S*cut\.evtx: damaged: `, r.stderr)
	assert.NotContains(t, r.stderr, "ignored.txt")
	assert.Contains(t, r.stderr, "smbaudit: read 3 of 5 files")
	assert.Contains(t, r.stderr, "; skipped 2: ")
	assert.Contains(t, r.stderr, "1 not EVTX")
	assert.Contains(t, r.stderr, "1 too short for an EVTX header")
	assert.Contains(t, r.stdout, "5 input files (2 skipped)")
	assert.Contains(t, r.stdout, "nas01.corp.example", "the good files are still reported")
	assert.Regexp(t, `(?m)^10\.0\.30\.50\s+yes\s`, r.stdout, "the file in the subdirectory is read")
}

func TestNothingReadable(t *testing.T) {
	empty := t.TempDir()
	notEVTX := filepath.Join(t.TempDir(), "report.evtx")
	require.NoError(t, os.WriteFile(notEVTX, bytes.Repeat([]byte("<Events></Events>\n"), 400), 0o644))
	for _, tc := range []struct {
		name   string
		args   []string
		stderr []string
	}{
		{"empty directory", []string{empty}, []string{`nothing readable: no file matching "*.evtx" under ` + empty}},
		{"non-EVTX file", []string{notEVTX}, []string{notEVTX + ": skipped: ", "not an EVTX file", "nothing readable: all 1 inputs skipped"}},
		{"missing path", []string{filepath.Join(empty, "nope")}, []string{"nope: skipped: ", "nothing readable: all 1 inputs skipped"}},
		{"glob matches nothing", []string{"--glob", "*.log", fixtures}, []string{`nothing readable: no file matching "*.log"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, tc.args...)
			assert.Equal(t, exitNothing, r.code)
			assert.Empty(t, r.stdout, "no report when nothing was read")
			for _, s := range tc.stderr {
				assert.Contains(t, r.stderr, s)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no path", nil, "usage: smbaudit [flags] PATH..."},
		{"unknown flag", []string{"--bogus", fixtures}, "smbaudit: unknown flag --bogus\n"},
		{"bad format", []string{"--format", "pdf", fixtures}, `--format: unknown format: "pdf"`},
		{"bad since", []string{"--since", "yesterday", fixtures}, `--since: not a time: "yesterday"`},
		{"bad until", []string{"--until", "5 years", fixtures}, `--until: not a time: "5 years"`},
		{"since after until", []string{"--since", "2025-10-10", "--until", "2025-10-01", fixtures}, "is after --until"},
		{"bad fail-on", []string{"--fail-on", "everything", fixtures}, `--fail-on: unknown setting: "everything"`},
		{"bad workers", []string{"--workers", "-1", fixtures}, `smbaudit: --workers: "-1" is not a whole number, 0 or more`},
		{"bad max-findings", []string{"--max-findings", "-1", fixtures}, `smbaudit: --max-findings: "-1" is not a whole number, 0 or more`},
		{"merge bad max-findings", []string{"merge", "--max-findings", "-1", "a.json"}, `--max-findings: "-1" is not a whole number`},
		{"bad glob", []string{"--glob", "[", fixtures}, "--glob: bad glob pattern"},
		{"merge without partials", []string{"merge"}, "usage: smbaudit merge [flags] PARTIAL.json..."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, tc.args...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.stderr, tc.stderr)
			assert.Empty(t, r.stdout)
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"merge", "--help"}} {
		r := runCmd(t, args...)
		assert.Equal(t, exitOK, r.code)
		assert.Empty(t, r.stderr)
		for _, s := range []string{"Exit codes:", "  0  ", "  1  ", "  2  usage error", "  3  nothing readable", "  4  --fail-on",
			"-f, --format FORMAT", "-o, --output FILE", "--fail-on SETTING", "--partial FILE", "-q, --quiet", "--no-color"} {
			assert.Contains(t, r.stdout, s, args)
		}
	}
	r := runCmd(t, "--help")
	for _, s := range []string{"--since TIME", "--until TIME", "--server NAME", "--client NAME", "--workers N", "--glob PATTERN", "--all-events"} {
		assert.Contains(t, r.stdout, s)
	}
}

func TestFailOn(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"signing breaks four", []string{"--fail-on", "RequireSecuritySignature"}, exitFailOnHits,
			"--fail-on RequireSecuritySignature: 5 client(s) would break: 10.0.20.15, 10.0.50.12, nas01, nas01.corp.example, prn-3f\n"},
		{"alias", []string{"--fail-on", "signing"}, exitFailOnHits, "5 client(s) would break"},
		{"encryption", []string{"--fail-on", "encryption"}, exitFailOnHits, "--fail-on encryption: 1 client(s) would break: 10.0.20.15\n"},
		{"spn level 1", []string{"--fail-on", "SmbServerNameHardeningLevel=1"}, exitFailOnHits, "3 client(s) would break: app01.corp.example, mfp-2f.corp.example, prn-3f\n"},
		{"any", []string{"--fail-on", "any"}, exitFailOnHits, "13 client(s) would break"},
		{"3027 alone never fails", []string{"--fail-on", "any", "--client", "scan01", "--allow-incomplete"}, exitOK, "cannot vouch"},
		{"3027 alone, a damaged input: cannot vouch", []string{"--fail-on", "signing", "--client", "scan01"}, exitNoVouch,
			"--fail-on signing: cannot vouch that no client breaks:\nsmbaudit:   ../../testdata/smbaudit/audit-fs01-damaged.evtx: 1 error and 1 damaged chunk"},
		{"no SMB1 audit on fs01: cannot vouch", []string{"--fail-on", "DisableSMB1", "--server", "fs01"}, exitNoVouch,
			"DisableSMB1: no server logged the SMB1 audit (3000) (turn on AuditSmb1Access)"},
		{"allowed incomplete", []string{"--fail-on", "DisableSMB1", "--server", "fs01", "--allow-incomplete"}, exitOK,
			"warning: cannot vouch that no client breaks (--allow-incomplete: exit 0)"},
		{"a break wins over the gaps", []string{"--fail-on", "any", "--server", "fs01"}, exitFailOnHits, "client(s) would break"},
		{"smb1 on fs02", []string{"--fail-on", "smb1", "--server", "FS02.corp.example"}, exitFailOnHits, "1 client(s) would break: 10.0.30.50\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, append(tc.args, "-q", fixtures)...)
			assert.Equal(t, tc.code, r.code, r.stderr)
			assert.NotEmpty(t, r.stdout, "the report is written before the gate")
			assert.Contains(t, r.stderr, tc.stderr)
			if tc.code != exitFailOnHits {
				assert.NotContains(t, r.stderr, "would break")
			}
		})
	}
}

func TestFilters(t *testing.T) {
	r := runCmd(t, "--since", "2025-10-15", fixtures)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "7 clients, 2 servers ")
	assert.NotRegexp(t, `(?m)^10\.0\.20\.15 `, r.stdout, "FS01's last event is on 2025-10-14")
	// The same bound as people type it: a space, a T without a zone (UTC).
	for _, since := range []string{"2025-10-15 00:00", "2025-10-15T00:00:00"} {
		same := runCmd(t, "--since", since, fixtures)
		require.Equal(t, exitOK, same.code, same.stderr)
		assert.Equal(t, sansCommandLine(r.stdout), sansCommandLine(same.stdout), since)
	}

	r = runCmd(t, "--client", "NAS01", "-f", "csv", fixtures)
	require.Equal(t, exitOK, r.code, r.stderr)
	rows, err := csvReader(r.stdout).ReadAll()
	require.NoError(t, err)
	var ids []string
	for _, row := range rows[1:] {
		ids = append(ids, row[0])
	}
	assert.Equal(t, []string{"nas01", "nas01.corp.example"}, ids, "a short name matches its FQDNs too")

	r = runCmd(t, "--client", "10.0.20.0/24,10.0.30.50", "--server", "fs01", "--server", "fs02", "-f", "csv", fixtures)
	require.Equal(t, exitOK, r.code, r.stderr)
	rows, err = csvReader(r.stdout).ReadAll()
	require.NoError(t, err)
	assert.Len(t, rows, 3, r.stdout) // header, 10.0.20.15, 10.0.30.50

	r = runCmd(t, "--until", "2025-09-01", fixtures)
	assert.Equal(t, exitOK, r.code)
	assert.Contains(t, r.stdout, "0 clients, 0 servers")
	assert.Contains(t, r.stdout, "filters: until 2025-09-01T00:00:00.0000000Z\n")

	// Flags after the paths, and "--" before a path that looks like a flag.
	r = runCmd(t, fixtures, "--format", "json", "--", fixture("audit-fs01.evtx"))
	assert.Equal(t, exitOK, r.code)
	assert.True(t, json.Valid([]byte(r.stdout)))
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		format string
		check  func(t *testing.T, out string)
	}{
		{"text", func(t *testing.T, out string) {
			assert.True(t, strings.HasPrefix(out, "SMB hardening readiness report"))
		}},
		{"json", func(t *testing.T, out string) {
			var doc struct {
				Schema  string `json:"schema"`
				Clients []struct {
					Client string `json:"client"`
				} `json:"clients"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &doc))
			assert.Equal(t, "smbreadiness.report/v1", doc.Schema)
			assert.Len(t, doc.Clients, 15)
		}},
		{"csv", func(t *testing.T, out string) {
			rows, err := csvReader(out).ReadAll()
			require.NoError(t, err)
			assert.Equal(t, "client", rows[0][0])
			assert.Len(t, rows, 16)
		}},
		{"md", func(t *testing.T, out string) {
			assert.Regexp(t, `(?m)^\| *client`, strings.ToLower(out))
			assert.Contains(t, out, "prn-3f")
		}},
		{"html", func(t *testing.T, out string) {
			assert.True(t, strings.HasPrefix(strings.ToLower(out), "<!doctype html>"))
			assert.Contains(t, out, "prn-3f")
			assert.NotRegexp(t, `(?i)<(script|link)[^>]+(src|href)="https?:`, out, "self-contained")
		}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			r := runCmd(t, "-q", "--format", tc.format, fixtures)
			require.Equal(t, exitOK, r.code, r.stderr)
			tc.check(t, r.stdout)
		})
	}
}

func TestOutputFileIsAtomic(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.html")
	require.NoError(t, os.WriteFile(out, []byte("old content"), 0o600))
	r := runCmd(t, "-q", "-f", "html", "-o", out, fixtures)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Empty(t, r.stdout, "the report goes to the file only")
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	direct := runCmd(t, "-q", "-f", "html", fixtures)
	assert.Equal(t, sansCommandLine(direct.stdout), sansCommandLine(string(got)), "same bytes as on stdout")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left behind")
	info, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "a replaced file keeps its permissions")
}

func TestMergeEqualsOneScan(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	shardA := []string{fixture("audit-fs01.evtx"), fixture("audit-fs01-damaged.evtx")}
	shardB := []string{fixture("audit-fs02-2025-10-10.evtx"), fixture("audit-fs02-2025-10-20.evtx"), fixture("forwarded-events.evtx")}
	for _, s := range []struct {
		out   string
		files []string
	}{{a, shardA}, {b, shardB}} {
		r := runCmd(t, append([]string{"-q", "--partial", s.out}, s.files...)...)
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.True(t, strings.HasPrefix(r.stdout, "SMB hardening readiness report"), "--partial adds a file, the report still goes to stdout")
	}
	all := runCmd(t, append([]string{"-q", "-f", "json"}, append(shardA, shardB...)...)...)
	require.Equal(t, exitOK, all.code)

	m := runCmd(t, "merge", "-f", "json", b, a)
	require.Equal(t, exitOK, m.code, m.stderr)
	assert.JSONEq(t, sansCommandLine(all.stdout), sansCommandLine(m.stdout))
	assert.Equal(t, sansCommandLine(all.stdout), sansCommandLine(m.stdout), "byte-identical but for the command line")
	assert.Contains(t, m.stderr, "smbaudit: merged 2 partial reports: 15 clients, 3 servers, 5 input files")

	text := runCmd(t, "merge", "--fail-on", "signing", a, b)
	assert.Equal(t, exitFailOnHits, text.code)
	assert.Contains(t, text.stdout, "5 clients on 3 servers would break if you enforce RequireSecuritySignature")

	// A shard given twice counts once, and the command says so.
	twice := runCmd(t, "merge", "-f", "json", a, b, a)
	require.Equal(t, exitOK, twice.code, twice.stderr)
	assert.Equal(t, sansCommandLine(all.stdout), sansCommandLine(twice.stdout), "the same partial twice merges as once")
	assert.Contains(t, twice.stderr, a+": the same bytes as a partial given before: counted once")
}

// One log in two partials of other bytes (a shard scanned again) is not
// merged under the default --max-findings, which past its bound counts
// findings without keeping them: the command names both the partial and
// the log, says how to merge them when both list their findings, and
// with --max-findings 0 they merge as one scan.
func TestMergeOneLogInTwoPartials(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	log := fixture("audit-fs01.evtx")
	require.Equal(t, exitOK, runCmd(t, "-q", "-f", "json", "-o", a, log).code)
	require.Equal(t, exitOK, runCmd(t, "-q", "--short-window", "3d", "-f", "json", "-o", b, log).code)

	// A bound the two partials' findings pass: past it the merge would
	// count them without keeping them, so a copy could count twice.
	r := runCmd(t, "merge", "-q", "--max-findings", "10", "-f", "json", a, b)
	assert.Equal(t, exitNothing, r.code, r.stderr)
	assert.Empty(t, r.stdout, "no report written")
	assert.Contains(t, r.stderr, b+": ")
	assert.Contains(t, r.stderr, log)
	assert.Contains(t, r.stderr, "--max-findings 0")

	once := runCmd(t, "-q", "-f", "json", log)
	type clients struct {
		Clients []struct {
			Events map[string]int `json:"events"`
		} `json:"clients"`
	}
	var one clients
	require.NoError(t, json.Unmarshal([]byte(once.stdout), &one))
	require.NotEmpty(t, one.Clients)
	// Unbounded, or under the default bound, which both partials' findings
	// stay within: every finding is kept, and each copy counts once.
	for _, bound := range [][]string{{"--max-findings", "0"}, nil} {
		both := runCmd(t, append(append([]string{"merge", "-q"}, bound...), "-f", "json", a, b)...)
		require.Equal(t, exitOK, both.code, both.stderr)
		var two clients
		require.NoError(t, json.Unmarshal([]byte(both.stdout), &two))
		assert.Equal(t, one.Clients, two.Clients, "the copies of each record count once (%q)", bound)
	}
}

func TestParseInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args []string
		pos  []string
		fmt  report.Format
	}{
		{[]string{"a", "b"}, []string{"a", "b"}, ""},
		{[]string{"-f", "json", "a"}, []string{"a"}, "json"},
		{[]string{"a", "--format=csv", "b"}, []string{"a", "b"}, "csv"},
		{[]string{"a", "--", "-f", "b"}, []string{"a", "-f", "b"}, ""},
		{[]string{"--", "--format"}, []string{"--format"}, ""},
	} {
		var c common
		fs := newTestFlagSet(&c)
		pos, err := cli.ParseInterspersed(fs, tc.args)
		require.NoError(t, err)
		assert.Equal(t, tc.pos, pos, tc.args)
		assert.Equal(t, tc.fmt, c.format, tc.args)
	}
}

func newTestFlagSet(c *common) *flag.FlagSet {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.register(fs)
	return fs
}

func TestProgressLine(t *testing.T) {
	p := smbaudit.Progress{FilesDone: 1, FilesTotal: 4, BytesDone: 512 << 10, BytesTotal: 2 << 20, Events: 1234}
	r := throughput{start: time.Unix(0, 0)}.update(p, time.Unix(2, 0))
	line := progressLine(p, r, 0)
	assert.Equal(t, "[==        ]  25% 1/4 files 512.0 KiB/2.0 MiB 1234 events 256.0 KiB/s ETA 6s", line)
	assert.Equal(t, line, progressLine(p, r, 80), "0 columns is 80")
	line = progressLine(smbaudit.Progress{FilesTotal: 1, BytesTotal: 10}, rate{}, 80)
	assert.Contains(t, line, "ETA --")
	// Narrower: the events go first, then the rate, the bytes, the files
	// and the bar; the ETA stays whole.
	for cols, want := range map[int]string{
		60: "[==        ]  25% 1/4 files 512.0 KiB/2.0 MiB ETA 6s",
		50: "[==        ]  25% 1/4 files ETA 6s",
		40: "[==        ]  25% 1/4 files ETA 6s",
		30: "[==        ]  25% ETA 6s",
		20: " 25% ETA 6s",
		6:  "ETA 6s"[1:],
	} {
		assert.Equal(t, want, progressLine(p, r, cols), cols)
	}
	// Wider: the bar grows, up to 40.
	assert.Equal(t, "[=====               ]  25% 1/4 files 512.0 KiB/2.0 MiB 1234 events 256.0 KiB/s ETA 6s", progressLine(p, r, 90))
	assert.Contains(t, progressLine(p, r, 200), "["+strings.Repeat("=", 10)+strings.Repeat(" ", 30)+"]")
	huge := smbaudit.Progress{FilesDone: 99999, FilesTotal: 99999, BytesDone: 999 << 40, BytesTotal: 999 << 40, Events: 1 << 60}
	hugeRate := rate{fraction: 1, bytesPerSec: 1 << 50, etaKnown: true, eta: 1234567 * time.Second}
	for _, cols := range []int{80, 60, 40, 120} {
		line := progressLine(huge, hugeRate, cols)
		assert.LessOrEqual(t, len(line), cols-1, cols)
		assert.True(t, strings.HasSuffix(line, " ETA 342h56m7s"), "the ETA is never cut at %d: %q", cols, line)
	}
}

// On a terminal (a pseudo-terminal from util-linux script(1), so Linux only)
// the progress bar and the colors appear, and --quiet, --no-color and
// NO_COLOR turn them off.
func TestTerminal(t *testing.T) {
	scriptCmd, err := exec.LookPath("script")
	if runtime.GOOS != "linux" || err != nil {
		t.Skip("needs Linux and script(1) from util-linux for a pseudo-terminal")
	}
	tty := func(env string, args ...string) string {
		cmd := exec.Command(scriptCmd, "-qec", built(t)+" "+strings.Join(args, " "), filepath.Join(t.TempDir(), "typescript"))
		cmd.Env = append(os.Environ(), "NO_COLOR="+env)
		out, err := cmd.Output()
		require.NoError(t, err)
		return string(out)
	}
	const bold, clearLine = "\x1b[1m", "\r\x1b[K"
	out := tty("", fixtures)
	total := fixturesKiB(t)
	assert.Contains(t, out, clearLine+"[==========] 100% 5/5 files "+total+"/"+total)
	assert.Contains(t, out, bold+"SMB hardening readiness report")
	out = tty("", "-q", fixtures)
	assert.NotContains(t, out, clearLine)
	assert.Contains(t, out, bold)
	assert.NotContains(t, tty("", "--no-color", fixtures), bold)
	assert.NotContains(t, tty("1", fixtures), bold)
	assert.NotContains(t, tty("", "-f", "md", fixtures), bold, "colors are for the text form only")
}

// Past --max-findings the JSON report lists no findings but has the same
// rows, and such partials merge into the rows of one scan.
func TestMaxFindings(t *testing.T) {
	rows := func(doc string) map[string]any {
		t.Helper()
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(doc), &m))
		return m
	}
	all := runCmd(t, "-q", "-f", "json", fixtures)
	require.Equal(t, exitOK, all.code, all.stderr)
	few := runCmd(t, "-q", "-f", "json", "--max-findings", "1", fixtures)
	require.Equal(t, exitOK, few.code, few.stderr)
	assert.NotContains(t, few.stderr, "not listed", "-q")
	loud := runCmd(t, "-f", "json", "--max-findings", "1", fixtures)
	assert.Contains(t, loud.stderr, "findings counted in the rows but not listed in the JSON form (over --max-findings)")
	want, got := rows(all.stdout), rows(few.stdout)
	n := len(want["findings"].([]any))
	require.Greater(t, n, 1)
	assert.Empty(t, got["findings"])
	assert.EqualValues(t, n, got["findings_omitted"])
	assert.EqualValues(t, 0, want["findings_omitted"])
	for _, k := range []string{"summary", "clients", "servers", "inputs", "events_per_day", "unparsed", "unparsed_samples"} {
		assert.Equal(t, want[k], got[k], k)
	}

	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	shardA := []string{fixture("audit-fs01.evtx"), fixture("audit-fs01-damaged.evtx")}
	shardB := []string{fixture("audit-fs02-2025-10-10.evtx"), fixture("audit-fs02-2025-10-20.evtx"), fixture("forwarded-events.evtx")}
	for _, s := range []struct {
		out   string
		files []string
	}{{a, shardA}, {b, shardB}} {
		r := runCmd(t, append([]string{"-q", "--max-findings", "1", "--partial", s.out}, s.files...)...)
		require.Equal(t, exitOK, r.code, r.stderr)
	}
	one := runCmd(t, append([]string{"-q", "-f", "json", "--max-findings", "1"}, append(shardA, shardB...)...)...)
	require.Equal(t, exitOK, one.code)
	m := runCmd(t, "merge", "-q", "-f", "json", a, b)
	require.Equal(t, exitOK, m.code, m.stderr)
	assert.Equal(t, sansCommandLine(one.stdout), sansCommandLine(m.stdout))

	// Partials that kept their findings, merged past --max-findings: the
	// rows of the exact merge.
	for _, s := range []struct {
		out   string
		files []string
	}{{a, shardA}, {b, shardB}} {
		r := runCmd(t, append([]string{"-q", "--partial", s.out}, s.files...)...)
		require.Equal(t, exitOK, r.code, r.stderr)
	}
	exact := runCmd(t, "merge", "-q", "-f", "json", a, b)
	bounded := runCmd(t, "merge", "-f", "json", "--max-findings", "1", a, b)
	require.Equal(t, exitOK, bounded.code, bounded.stderr)
	assert.Contains(t, bounded.stderr, "counted in the rows but not listed")
	want, got = rows(exact.stdout), rows(bounded.stdout)
	assert.EqualValues(t, len(want["findings"].([]any)), got["findings_omitted"])
	for _, k := range []string{"summary", "clients", "servers", "inputs", "events_per_day", "unparsed", "unparsed_samples"} {
		assert.Equal(t, want[k], got[k], k)
	}
}

// tty is a terminal for the in-process tests: a buffer whose Stat says
// character device, as an *os.File on a terminal does.
type tty struct{ bytes.Buffer }

func (*tty) Stat() (fs.FileInfo, error) { return ttyInfo{}, nil }

type ttyInfo struct{}

func (ttyInfo) Name() string       { return "tty" }
func (ttyInfo) Size() int64        { return 0 }
func (ttyInfo) Mode() fs.FileMode  { return fs.ModeDevice | fs.ModeCharDevice | 0o620 }
func (ttyInfo) ModTime() time.Time { return time.Time{} }
func (ttyInfo) IsDir() bool        { return false }
func (ttyInfo) Sys() any           { return nil }

// In process, a writer that is a terminal gets the progress bar (stderr)
// and the colors (stdout); --quiet, --no-color, NO_COLOR and a format other
// than text turn them off, and a pipe or a file never gets them.
func TestTerminalInProcess(t *testing.T) {
	const bold, clearLine = "\x1b[1m", "\r\x1b[K"
	term := func(args ...string) result {
		return runWith(t, context.Background(), &tty{}, &tty{}, args...)
	}
	r := term(fixtures)
	require.Equal(t, exitOK, r.code, r.stderr)
	total := fixturesKiB(t)
	assert.Contains(t, r.stderr, clearLine+"[==========] 100% 5/5 files "+total+"/"+total)
	assert.Contains(t, r.stderr, clearLine+"smbaudit: ", "the bar is cleared before stderr's messages")
	assert.Contains(t, r.stdout, bold+"SMB hardening readiness report")

	q := term("-q", fixtures)
	assert.NotContains(t, q.stderr, clearLine)
	assert.Contains(t, q.stdout, bold)
	assert.NotContains(t, term("--no-color", fixtures).stdout, bold)
	assert.NotContains(t, term("-f", "md", fixtures).stdout, bold, "colors are for the text form only")
	out := filepath.Join(t.TempDir(), "r.txt")
	assert.Equal(t, exitOK, term("-q", "-o", out, fixtures).code)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.NotContains(t, string(b), bold, "no colors in a file")

	var stdout, stderr tty
	t.Setenv("NO_COLOR", "1")
	assert.Equal(t, exitOK, run(context.Background(), []string{fixtures}, &stdout, &stderr))
	assert.NotContains(t, stdout.String(), bold)

	assert.False(t, isTerminal(&bytes.Buffer{}))
	assert.False(t, isTerminal(badStat{}))
}

type badStat struct{ io.Writer }

func (badStat) Stat() (fs.FileInfo, error) { return nil, errors.New("stat failed") }

// An interrupted scan writes no report and exits 1.
func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	r := runWith(t, ctx, &stdout, &stderr, fixtures)
	assert.Equal(t, exitInternal, r.code)
	assert.Contains(t, r.stderr, "smbaudit: interrupted; no report written")
	assert.NotContains(t, r.stderr, "context canceled", "Go's words, not the user's")
	assert.Empty(t, r.stdout)
}

// failWriter fails every write, as a closed pipe or a full disk does.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
func (failWriter) String() string            { return "" }

func TestWriteFailures(t *testing.T) {
	var stderr bytes.Buffer
	r := runWith(t, context.Background(), failWriter{}, &stderr, "-q", fixtures)
	assert.Equal(t, exitInternal, r.code)
	assert.Contains(t, r.stderr, "smbaudit: writing the report: ")
	assert.Contains(t, r.stderr, "disk full")
}

func TestSourceDateEpoch(t *testing.T) {
	var stdout, stderr bytes.Buffer
	t.Setenv("SOURCE_DATE_EPOCH", "soon")
	assert.Equal(t, exitOK, run(context.Background(), []string{"-q", "-f", "json", fixtures}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `smbaudit: ignoring SOURCE_DATE_EPOCH="soon": not a number of seconds`)
	var doc struct {
		GeneratedAt string `json:"generated_at"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &doc))
	at, err := time.Parse(time.RFC3339Nano, doc.GeneratedAt)
	require.NoError(t, err)
	assert.True(t, at.After(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), "now, not the pinned time: %s", at)
}

func TestClipAndBytes(t *testing.T) {
	var ids []string
	for i := range 25 {
		ids = append(ids, fmt.Sprintf("c%02d", i))
	}
	assert.Equal(t, "c00, c01, c02 and 22 more", clip(ids, 3))
	assert.Equal(t, "c00, c01", clip(ids[:2], 3))
	assert.Equal(t, "512 B", humanBytes(512))
	assert.Equal(t, "1.5 GiB", humanBytes(3<<29))
	assert.Equal(t, "4.0 PiB", humanBytes(4<<50))
}

// Many read errors in one file: the first three are named, then a count.
func TestManyErrorsAreCut(t *testing.T) {
	var b bytes.Buffer
	describeInputs(&b, []smbaudit.FileResult{{Path: "big.evtx", DamagedChunks: []int{1, 2, 3, 4, 5},
		Errors: []error{errors.New("e1"), errors.New("e2"), errors.New("e3"), errors.New("e4"), errors.New("e5")}}})
	assert.Equal(t, "smbaudit: big.evtx: damaged: 5 damaged chunk(s) [1 2 3 4 5], 5 read error(s); the rest was read\n"+
		"smbaudit:   e1\nsmbaudit:   e2\nsmbaudit:   e3\nsmbaudit:   ... and 2 more (see the report's inputs)\n", b.String())
}

// The exit code reaches the shell through os.Exit: only the built binary
// shows it.
func TestBinaryExitCodes(t *testing.T) {
	bin := built(t)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"-q", fixtures}, exitOK},
		{[]string{"--bogus"}, exitUsage},
		{[]string{t.TempDir()}, exitNothing},
		{[]string{"-q", "--fail-on", "signing", fixtures}, exitFailOnHits},
	} {
		cmd := exec.Command(bin, tc.args...)
		cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1760000000")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else {
			require.NoError(t, err)
		}
		assert.Equal(t, tc.code, code, "%q: %s", tc.args, stderr.String())
		if tc.code == exitOK {
			in := runCmd(t, tc.args...)
			assert.Equal(t, in.stdout, stdout.String(), "the binary writes what run writes")
		}
	}
}

// fixturesKiB is the size of the bundled logs as the progress bar and the
// summary print it, derived from the files.
func fixturesKiB(t *testing.T) string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(fixtures, "*.evtx"))
	require.NoError(t, err)
	var n int64
	for _, p := range paths {
		st, err := os.Stat(p)
		require.NoError(t, err)
		n += st.Size()
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/1024)
}

// A wildcard the shell did not expand (Windows, or quoted) names no file:
// the message says how to ask for the files instead.
func TestUnexpandedPattern(t *testing.T) {
	r := runCmd(t, filepath.Join(fixtures, "audit-*.evtx"))
	assert.Equal(t, exitNothing, r.code)
	assert.Contains(t, r.stderr, "audit-*.evtx: skipped: no such file or directory (a pattern is not expanded here: name the directory, and --glob PATTERN")
	r = runCmd(t, filepath.Join(fixtures, "gone.evtx"))
	assert.Equal(t, exitNothing, r.code)
	assert.NotContains(t, r.stderr, "pattern", "no hint for a plain missing file")
}

// "-" for an output is refused: taken as a name it would be a file called
// "-" in the current directory, not standard output.
func TestDashOutput(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, args := range [][]string{{"-o", "-"}, {"--output=-"}, {"--partial", "-"}, {"--timeline", "-"}, {"--out-dir", "-"}} {
		r := runCmd(t, append(args, filepath.Join(filepath.Dir(os.Args[0]), "nothing.evtx"))...)
		assert.Equal(t, exitUsage, r.code, "%v: %s", args, r.stderr)
		assert.Contains(t, r.stderr, " -: ", "%v", args)
		assert.NoFileExists(t, filepath.Join(dir, "-"), "%v", args)
	}
}
