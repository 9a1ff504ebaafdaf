// Command smbaudit tells which SMB clients would break when SMB signing or SPN
// validation (EPA) is enforced, from exported Windows event logs (.evtx).
//
//	smbaudit [flags] PATH...
//	smbaudit merge [flags] PARTIAL.json...
//
// PATH is a file or a directory; directories are searched recursively for
// *.evtx (see --glob). The report goes to stdout, or to the file of -o,
// created before the scan (internal/safefile: atomically, never replacing
// an input, a device or a named pipe), in the format of -f or of the file's
// extension; --out-dir DIR writes every format instead, all or none. Every
// file that cannot be read, is not EVTX, is not a regular
// file or is damaged is named on stderr with the reason, and the others are
// processed. "merge" combines the JSON partial reports (--partial, or
// --format json) of shards scanned apart; a partial missing or unreadable
// fails the merge. Every flag value is checked before any work, and errors
// name the flag as it was typed.
//
// The command is thin: the job (scan, filter, report) is report.Generate,
// and progress rates, merging and the --fail-on gate live in the smbaudit
// and report packages; the command parses flags and prints.
// Run it with --help for the flags and the exit codes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // --tz names a zone even where the system has no zone database

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/internal/cli"
	"github.com/evtxkit/smbreadiness/internal/safefile"
	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// Exit codes.
const (
	exitOK         = 0 // report written; with --fail-on, no client breaks
	exitInternal   = 1 // unexpected error (creating or writing an output, interrupted)
	exitUsage      = 2 // bad flags or arguments, an output that can never be one
	exitNothing    = 3 // no input could be read; merge: a partial could not be read
	exitFailOnHits = 4 // --fail-on: some client would certainly break
	exitNoVouch    = 5 // --fail-on: no client seen to break, but the evidence cannot vouch for it
)

// defaultMaxFindings bounds the findings a report lists: about 600 bytes
// each in memory and 1 KB in the JSON form, so that the default run stays
// within 100 MiB whatever the size of the logs.
const defaultMaxFindings = 20000

const exitCodesHelp = `Exit codes:
  0  the report was written (and, with --fail-on, no client would break)
  1  unexpected error: an output could not be created or written, or interrupted
  2  usage error: bad flag or value, no PATH, an output (-o, --partial) that is
     an input, a directory or a block device
  3  nothing readable: no input file found, or none could be read; for merge,
     a partial missing or unreadable (no report is written)
  4  --fail-on: at least one client would certainly break under the setting
     (takes precedence over 5)
  5  --fail-on: cannot vouch: no client was seen to certainly break, but no
     server logged the audit the setting needs, only 3027 (unreliable) names
     clients that possibly break, or an input was skipped or lost records
     (the report is written first; --allow-incomplete makes this a warning, exit 0)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// listFlag collects a repeatable, comma-separated list of server or client
// patterns, each checked by smbaudit.CheckPattern.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	n := len(*l)
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if err := smbaudit.CheckPattern(v); err != nil {
			return err
		}
		*l = append(*l, v)
	}
	if len(*l) == n {
		return errors.New("empty: name a server or client, or leave the flag out")
	}
	return nil
}

// countFlag is a whole number, 0 or more.
type countFlag int

func (n *countFlag) String() string { return strconv.Itoa(int(*n)) }
func (n *countFlag) Set(s string) error {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a whole number, 0 or more", s)
	}
	*n = countFlag(v)
	return nil
}

// valueFlag is a string flag whose value check is run as it is set; an
// empty value is refused (it would silently mean the default).
type valueFlag struct {
	v     *string
	check func(string) error
}

func (f valueFlag) String() string {
	if f.v == nil {
		return ""
	}
	return *f.v
}
func (f valueFlag) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("empty value")
	}
	if f.check != nil {
		if err := f.check(s); err != nil {
			return err
		}
	}
	*f.v = s
	return nil
}

// common holds the flags of both the scan and merge forms.
type common struct {
	format                   report.Format // "" when neither -f nor --format is given
	output, partial, failOn  string
	timeline                 string // scan only: --timeline
	quiet, noColor           bool
	maxFindings              countFlag
	typed                    *typed // how the flags were spelled
	allowIncomplete, version bool
	shortWindow              time.Duration // 0: report.DefaultShortWindow; negative: off
	shortWindowText          string
	commandLine              string // as report.Meta states it
	tz                       string
	outDir, name             string         // --out-dir, --name
	generated                time.Time      // SOURCE_DATE_EPOCH, or zero: now
	loc                      *time.Location // --tz; nil: UTC, as the report has always shown times
}

func (c *common) register(fs *flag.FlagSet) {
	c.maxFindings = defaultMaxFindings
	fs.TextVar(&c.format, "format", report.Format(""), "report `FORMAT`: text, json, csv, md, html, xlsx (default: the one the extension of -o names,\n.txt, .json, .csv, .md, .html or .xlsx; text on stdout or for a FILE without extension)")
	fs.TextVar(&c.format, "f", report.Format(""), "")
	output := valueFlag{&c.output, nil}
	fs.Var(output, "output", "write the report to `FILE` instead of stdout: checked before the scan, written\n"+
		"atomically (temporary file, then rename); a device or a named pipe is written\nthrough, an input is never overwritten")
	fs.Var(output, "o", "")
	fs.Var(valueFlag{&c.outDir, nil}, "out-dir", "write the report in every format (text, json, csv, md, html, xlsx) to `DIR`, an existing\n"+
		"directory, as NAME.txt, NAME.json, ... (see --name): all created before the scan, all or none\n"+
		"written; instead of -o and -f")
	fs.Var(valueFlag{&c.name, checkName}, "name", "the file `NAME` of --out-dir, without extension (default smbreadiness-TIME, TIME the\n"+
		"report's generation time in UTC, such as 20251009T085320Z)")
	fs.Var(valueFlag{&c.partial, nil}, "partial", "also write the JSON partial report to `FILE`, for smbaudit merge (always JSON:\nan extension .txt, .csv, .md, .html or .xlsx is refused)")
	fs.Var(valueFlag{&c.failOn, func(s string) error { _, err := parseFailOn(s); return err }}, "fail-on",
		"exit 4 when a client would certainly break under `SETTING`:\n"+
			"RequireSecuritySignature, SmbServerNameHardeningLevel=1, SmbServerNameHardeningLevel=2,\n"+
			"EncryptData+RejectUnencryptedAccess, DisableSMB1 (or signing, spn1, spn2, encryption, smb1),\n"+
			"or any")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress bar and no summary on stderr (errors are still shown)")
	fs.BoolVar(&c.quiet, "q", false, "")
	fs.BoolVar(&c.noColor, "no-color", false, "no ANSI colors (also when NO_COLOR is set)")
	fs.BoolVar(&c.allowIncomplete, "allow-incomplete", false, "with --fail-on, only warn on stderr (exit 0) where exit 5 would say the report cannot\n"+
		"vouch for the setting (no server logged its audit, an input skipped or damaged)")
	fs.Var(valueFlag{&c.shortWindowText, c.setShortWindow}, "short-window", "flag a server whose Audit channel's records span less than `DURATION`: a number and s, m, h, d or w\n"+
		"(36h, 14d), or 0 never (default 7d)")
	fs.Var(valueFlag{&c.tz, c.setZone}, "tz", "show times in `ZONE` in the text, md, html and xlsx reports, which name it in their header:\n"+
		"Local, UTC, an IANA name (Europe/Paris) or an offset (+02:00, -0530); JSON, CSV and the\ntimeline stay in UTC (default UTC)")
	fs.BoolVar(&c.version, "version", false, "print the version (module, VCS revision, Go) and exit")
	fs.Var(&c.maxFindings, "max-findings", "list the findings in the JSON report while there are at most `N` (0: no bound, every finding held\n"+
		"in memory); past N none is listed: all are only counted in the rows, so memory stays bounded, and\n"+
		"merging such reports adds their rows (a record in two shards counts twice)")
}

// parseFailOn reads --fail-on: a setting name (report.Setting's
// UnmarshalText), or "any" for every setting.
func parseFailOn(s string) ([]report.Setting, error) {
	if strings.EqualFold(strings.TrimSpace(s), "any") {
		return report.Settings(), nil
	}
	var st report.Setting
	if err := st.UnmarshalText([]byte(s)); err != nil {
		return nil, fmt.Errorf("%w, or any", err)
	}
	return []report.Setting{st}, nil
}

// checkName checks --name: a file name, without a directory.
func checkName(s string) error {
	if strings.ContainsAny(s, `/\:`) || s == "." || s == ".." || strings.TrimSpace(s) != s {
		return fmt.Errorf("%q is not a file name: no directory, no colon, no leading or trailing space", s)
	}
	return nil
}

// outDirFiles returns the files of --out-dir, one per format, in the order
// of report.Formats().
func (c *common) outDirFiles() []string {
	name := c.name
	if name == "" {
		at := c.generated
		if at.IsZero() {
			at = time.Now()
		}
		name = "smbreadiness-" + at.UTC().Format("20060102T150405Z")
	}
	var out []string
	for _, f := range report.Formats() {
		ext := string(f)
		if f == report.FormatText {
			ext = "txt"
		}
		out = append(out, filepath.Join(c.outDir, name+"."+ext))
	}
	return out
}

// zoneOffset matches a --tz offset: +02:00, -0530, +2.
var zoneOffset = regexp.MustCompile(`^([+-])(\d{1,2}):?(\d{2})?$`)

// setZone reads --tz: Local, UTC, an IANA zone name or a fixed offset.
func (c *common) setZone(s string) error {
	v := strings.TrimSpace(s)
	switch strings.ToLower(v) {
	case "local":
		c.loc = time.Local
		return nil
	case "utc", "z":
		c.loc = time.UTC
		return nil
	}
	if m := zoneOffset.FindStringSubmatch(v); m != nil {
		h, _ := strconv.Atoi(m[2])
		mins := 0
		if m[3] != "" {
			mins, _ = strconv.Atoi(m[3])
		}
		if h > 14 || mins > 59 {
			return fmt.Errorf("%q is not an offset from UTC (at most ±14:00)", s)
		}
		off := h*3600 + mins*60
		if m[1] == "-" {
			off = -off
		}
		c.loc = time.FixedZone(fmt.Sprintf("UTC%s%02d:%02d", m[1], h, mins), off)
		return nil
	}
	loc, err := time.LoadLocation(v)
	if err != nil || v == "" {
		return fmt.Errorf("%q is not a zone: want Local, UTC, an IANA name such as Europe/Paris, or an offset such as +02:00 or -0530", s)
	}
	c.loc = loc
	return nil
}

// shortWindow matches a --short-window value: a whole number and a unit.
var shortWindow = regexp.MustCompile(`^(\d{1,6})(s|m|h|d|w)$`)

// setShortWindow reads --short-window: a whole number and s, m, h, d (24 h)
// or w (7 d), such as 7d or 36h, or 0 for never.
func (c *common) setShortWindow(s string) error {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "0" {
		c.shortWindow = -1
		return nil
	}
	m := shortWindow.FindStringSubmatch(v)
	if m == nil {
		return fmt.Errorf("%q is not a duration such as 7d, 36h or 2w (or 0)", s)
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
	if n == 0 {
		c.shortWindow = -1
		return nil
	}
	c.shortWindow = time.Duration(n) * unit
	return nil
}

// meta is what the report states of how it was made.
func (c *common) meta() report.Meta {
	return report.Meta{Version: report.BuildVersion(), CommandLine: c.commandLine, ShortWindow: c.shortWindow}
}

// typed tracks how the user spelled each flag ("-o", "--output",
// "-output"), so that errors name a flag as it was typed.
type typed struct {
	uses []string          // the flags as typed, in the order the flag package sets them
	n    int               // the flags set so far
	last map[string]string // long name -> the spelling of its last use
	bad  error             // the first bad value, naming the flag
}

// newTyped reads args as parse will, and wraps every flag of fs so that
// setting it records its spelling. It returns an error for an unknown flag
// or a flag without its value, naming it as typed.
func newTyped(fs *flag.FlagSet, args []string) (*typed, error) {
	t := &typed{last: map[string]string{}}
scan:
	for i := 0; i < len(args); i++ {
		s := args[i]
		if s == "--" {
			break scan
		}
		if len(s) < 2 || s[0] != '-' {
			continue // a path
		}
		dashes := 1
		if s[1] == '-' {
			dashes = 2
		}
		name, _, inline := strings.Cut(s[dashes:], "=")
		f := fs.Lookup(name)
		switch {
		case name == "" || name[0] == '-':
			return nil, fmt.Errorf("bad flag syntax: %s", s)
		case f == nil && (name == "h" || name == "help"):
			break scan // parse returns flag.ErrHelp
		case f == nil:
			return nil, fmt.Errorf("unknown flag %s", s[:dashes+len(name)])
		}
		t.uses = append(t.uses, s[:dashes+len(name)])
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); inline || (ok && b.IsBoolFlag()) {
			continue
		}
		if i++; i == len(args) {
			return nil, fmt.Errorf("%s needs a value", s)
		}
	}
	fs.VisitAll(func(f *flag.Flag) {
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			f.Value = trackedBool{tracked{f.Value, longName(f.Name), t}}
		} else {
			f.Value = tracked{f.Value, longName(f.Name), t}
		}
	})
	return t, nil
}

// name returns the flag called long (its long name) as the user last typed
// it, or "--long" when it was not typed.
func (t *typed) name(long string) string {
	if s := t.last[long]; s != "" {
		return s
	}
	return "--" + long
}

// tracked is a flag.Value that records how its flag was typed.
type tracked struct {
	flag.Value
	long string
	t    *typed
}

func (v tracked) Set(s string) error {
	name := "--" + v.long
	if v.t.n < len(v.t.uses) {
		name = v.t.uses[v.t.n]
	}
	v.t.n++
	v.t.last[v.long] = name
	err := v.Value.Set(s)
	if err != nil && v.t.bad == nil {
		v.t.bad = &flagError{name, err}
	}
	return err
}

// flagError is a bad value of the flag name, as typed. Its text names the
// command once: a library package's prefix ("smbaudit: ", "report: ") is
// dropped from err's.
type flagError struct {
	name string
	err  error
}

func (e *flagError) Error() string {
	msg := e.err.Error()
	for _, pkg := range []string{"smbaudit: ", "report: ", "evtx: "} {
		msg = strings.TrimPrefix(msg, pkg)
	}
	return e.name + ": " + msg
}

func (e *flagError) Unwrap() error { return e.err }

type trackedBool struct{ tracked }

func (trackedBool) IsBoolFlag() bool { return true }

// longName returns the long form of a flag name ("o" -> "output").
func longName(name string) string {
	for long, short := range shorts {
		if short == name {
			return long
		}
	}
	return name
}

// formatOf returns the report format that the extension of path names,
// with known false when the extension names none; "" with known true when
// path has no extension.
func formatOf(path string) (f report.Format, known bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case "":
		return "", true
	case ".txt", ".text":
		return report.FormatText, true
	case ".json":
		return report.FormatJSON, true
	case ".csv":
		return report.FormatCSV, true
	case ".md", ".markdown":
		return report.FormatMarkdown, true
	case ".html", ".htm":
		return report.FormatHTML, true
	case ".xlsx":
		return report.FormatXLSX, true
	}
	return "", false
}

// run runs the command with args (without the program name) and returns
// its exit code. The progress bar and the colors appear only when stderr,
// or stdout, is a terminal: a writer with a Stat method (an *os.File) that
// reports a character device.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "merge" {
		return runMerge(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("smbaudit", flag.ContinueOnError)
	var c common
	c.register(fs)
	now := time.Now()
	var servers, clients listFlag
	var filter smbaudit.Filter
	var glob, since, until string
	fs.Var(valueFlag{&glob, func(s string) error { _, err := smbaudit.MatchGlob(s, ""); return err }},
		"glob", "file name `PATTERN` searched for inside directories (case-insensitive) (default \""+smbaudit.DefaultGlob+"\")")
	// --since and --until are read once every flag is set: a time without
	// a zone is read in --tz, wherever --tz comes.
	fs.Var(valueFlag{&since, nil}, "since", "keep events at or after `TIME`: RFC 3339, a date and time without a zone (2025-10-15 10:00,\nread in the zone of --tz: UTC by default), a date (2025-10-01, midnight in that zone) or\na span before now (30d, 12h, 1y)")
	fs.Var(valueFlag{&until, nil}, "until", "keep events at or before `TIME` (same forms as --since)")
	fs.Var(&servers, "server", "keep events of this server `NAME` only (repeatable, comma-separated; fs01 matches fs01.corp.example)")
	fs.Var(&clients, "client", "keep events of this client only: `NAME`, address or prefix such as 10.0.20.0/24 (repeatable, comma-separated)")
	var workers countFlag
	fs.Var(&workers, "workers", "read `N` files concurrently (0: one per CPU)")
	allEvents := fs.Bool("all-events", false, "decode every provider's events, so that server coverage counts all of them (slower)")
	noHash := fs.Bool("no-hash", false, "do not compute each input's SHA-256 (faster on large mixed logs; the report then lists none)")
	recoverSlack := fs.Bool("recover", false, "also read the records left in chunk slack (older events of a circular log); their findings are marked recovered")
	fs.Var(valueFlag{&c.timeline, func(s string) error { _, err := report.TimelineFormatOf(s); return err }}, "timeline",
		"also write every finding, one row each, to `FILE`: CSV (.csv) or JSON Lines (.jsonl), streamed\n(any number of findings); created before the scan, like -o")
	paths, format, failOn, code, ok := c.parseCommand(fs, args, `usage: smbaudit [flags] PATH...
       smbaudit merge [flags] PARTIAL.json...

Reads exported Windows event logs (.evtx: Microsoft-Windows-SMBServer%4Audit.evtx,
SMBServer%4Security.evtx, WEF ForwardedEvents.evtx) and reports, per client, what would
break under SMB signing or SPN validation (EPA) enforcement. A PATH that is a directory is
searched recursively. Flags may come before or after the paths.

Flags:
`, stdout, stderr)
	if !ok {
		return code
	}
	filter.Servers, filter.Clients = servers, clients
	for _, b := range []struct {
		flag, value string
		t           *time.Time
	}{{"since", since, &filter.Since}, {"until", until, &filter.Until}} {
		if b.value == "" {
			continue
		}
		var err error
		if *b.t, err = cli.ParseTime(b.value, now, c.loc); err != nil {
			say(stderr, "%v", &flagError{c.typed.name(b.flag), err})
			fmt.Fprintf(stderr, "run %s --help for the usage\n", fs.Name())
			return exitUsage
		}
	}
	if !filter.Since.IsZero() && !filter.Until.IsZero() && filter.Since.After(filter.Until) {
		say(stderr, "%s %s is after %s %s", c.typed.name("since"), filter.Since.UTC().Format(evtx.TimeLayout), c.typed.name("until"), filter.Until.UTC().Format(evtx.TimeLayout))
		return exitUsage
	}

	// The outputs are created before the scan: a bad -o fails now, not
	// after an hour of reading, and no file the scan reads is overwritten.
	out, code, ok := c.create(safefile.Options{Inputs: paths, IsInput: func(p string) bool {
		ok, _ := smbaudit.MatchGlob(glob, p)
		return ok
	}}, stderr)
	if !ok {
		return code
	}
	defer out.abort()

	var timeline *report.Timeline
	if out.timeline != nil {
		tf, _ := report.TimelineFormatOf(c.timeline) // checked as it was set
		timeline = report.NewTimeline(out.timeline, tf)
	}
	bar := newProgressBar(stderr, !c.quiet && isTerminal(stderr), termWidth(stderr))
	g, err := report.Generate(ctx, paths, report.GenerateOptions{
		Scan:     smbaudit.ScanOptions{Glob: glob, Workers: int(workers), AllEvents: *allEvents, Recover: *recoverSlack, NoHash: *noHash, Progress: bar.update},
		Filter:   filter,
		Report:   report.Options{GeneratedAt: c.generated, MaxFindings: int(c.maxFindings), Meta: c.meta()},
		Timeline: timeline,
	})
	bar.clear()
	switch {
	case errors.Is(err, report.ErrNothingRead):
		describeInputs(stderr, g.Files)
		say(stderr, "%v; no report written", err)
		return exitNothing
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		say(stderr, "interrupted; no report written")
		return exitInternal
	case err != nil:
		say(stderr, "scan stopped: %v; no report written", err)
		return exitInternal
	}
	describeInputs(stderr, g.Files)
	if !c.quiet {
		printReadSummary(stderr, g)
	}
	if timeline != nil {
		err := timeline.Close()
		if err == nil {
			err = out.timeline.Commit()
		}
		if err != nil {
			say(stderr, "writing the timeline: %v", err)
			return exitInternal
		}
	}
	return c.finish(g.Report, format, failOn, out, stdout, stderr)
}

func runMerge(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("smbaudit merge", flag.ContinueOnError)
	var c common
	c.register(fs)
	paths, format, failOn, code, ok := c.parseCommand(fs, args, `usage: smbaudit merge [flags] PARTIAL.json...

Combines JSON partial reports (written by smbaudit --partial FILE, or --format json) of
shards scanned apart, and renders the report of all of them. A partial that is missing or
cannot be read is named on stderr, and no report is written (exit 3): a report without
one of its shards would pass a --fail-on gate it should fail. So is one that holds a log
(same SHA-256) another holds, where its records would count twice: unless both list their
findings and --max-findings is 0.

Flags:
`, stdout, stderr)
	if !ok {
		return code
	}
	out, code, ok := c.create(safefile.Options{Inputs: paths}, stderr)
	if !ok {
		return code
	}
	defer out.abort()
	// One partial at a time: memory holds one of them and the merged
	// report, bounded by --max-findings. Every partial is read, even after
	// a failure, so that all the bad ones are named at once.
	b := report.NewBuilder(report.Options{GeneratedAt: c.generated, MaxFindings: int(c.maxFindings), Meta: c.meta()})
	failed := 0
	for _, p := range paths {
		err := addPartial(b, p)
		switch {
		case errors.Is(err, report.ErrDuplicate):
			say(stderr, "%s: the same bytes as a partial given before: counted once", p)
		case errors.Is(err, report.ErrOverlap):
			say(stderr, "%s", describe(p, err))
			say(stderr, "%s: leave out one of the two, or, when both list their findings (schema %s), merge with --max-findings 0",
				p, report.Schema)
			failed++
		case err != nil:
			say(stderr, "%s", describe(p, err))
			failed++
		}
	}
	if failed > 0 {
		say(stderr, "nothing merged: %d of %s could not be read; no report written",
			failed, countOf(len(paths), "partial report", "partial reports"))
		return exitNothing
	}
	rep := b.Finish()
	if !c.quiet {
		say(stderr, "merged %s: %s, %s, %s",
			countOf(len(paths), "partial report", "partial reports"), countOf(rep.Summary.Clients, "client", "clients"),
			countOf(rep.Summary.Servers, "server", "servers"), countOf(rep.Summary.Inputs, "input file", "input files"))
		omitted(stderr, rep)
	}
	return c.finish(rep, format, failOn, out, stdout, stderr)
}

// describe returns "path: reason", naming path once.
func describe(path string, err error) string { return path + ": " + reason(path, err) }

// reason returns the text of err, the error met reading path, without path
// when err names it: an *fs.PathError on path gives its cause alone, and an
// error whose text starts with "path: " loses that prefix.
func reason(path string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		return pe.Err.Error()
	}
	return strings.TrimPrefix(err.Error(), path+": ")
}

// addPartial reads the partial report at path into b (Builder.AddJSON,
// which never holds the partial's own report), refusing without blocking
// what is not a regular file. A partial already added is left out, with
// report.ErrDuplicate; one that would take the counts past the largest int
// is left out with report.ErrOverflow.
func addPartial(b *report.Builder, path string) error {
	f, err := safefile.OpenRegular(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return b.AddJSON(f)
}

// parseCommand parses the flags and paths of one command. header is its usage
// text up to the flag list. When ok is false the command ends with code:
// after --help (exit 0, usage on stdout), or on a usage error.
func (c *common) parseCommand(fs *flag.FlagSet, args []string, header string, stdout, stderr io.Writer) (paths []string, format report.Format, failOn []report.Setting, code int, ok bool) {
	usage := func(w io.Writer) {
		fmt.Fprint(w, header)
		printFlags(w, fs)
		fmt.Fprint(w, "\n"+exitCodesHelp)
	}
	fs.SetOutput(io.Discard) // errors are printed here, naming flags as typed
	fs.Usage = func() {}     // usage is printed here, to stdout for --help
	tn, err := newTyped(fs, args)
	if err == nil {
		paths, err = cli.ParseInterspersed(fs, args)
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		usage(stdout)
		return nil, "", nil, exitOK, false
	case err == nil && c.version:
		fmt.Fprintln(stdout, "smbaudit", report.BuildVersion())
		return nil, "", nil, exitOK, false
	case err != nil:
		if tn != nil && tn.bad != nil {
			err = tn.bad
		}
		say(stderr, "%v", err)
		fmt.Fprintf(stderr, "run %s --help for the usage\n", fs.Name())
		return nil, "", nil, exitUsage, false
	case len(paths) == 0:
		usage(stderr)
		return nil, "", nil, exitUsage, false
	}
	c.typed = tn
	c.generated = generatedAt(stderr)
	c.commandLine = report.QuoteCommand(append(strings.Fields(fs.Name()), args...))
	if format, failOn, err = c.check(); err != nil {
		say(stderr, "%v", err)
		return nil, "", nil, exitUsage, false
	}
	if format == report.FormatXLSX && c.output == "" && isTerminal(stdout) {
		say(stderr, "%s xlsx writes a binary workbook: pass %s FILE.xlsx, or redirect stdout", tn.name("format"), tn.name("output"))
		return nil, "", nil, exitUsage, false
	}
	return paths, format, failOn, exitOK, true
}

// check checks the common flags together, once each is valid alone, and
// returns the report format: -f, else the one the extension of -o names.
func (c *common) check() (report.Format, []report.Setting, error) {
	tn := c.typed
	format := report.FormatText
	if c.format != "" {
		format = c.format
	}
	var failOn []report.Setting
	if c.failOn != "" {
		failOn, _ = parseFailOn(c.failOn) // checked as it was set
	}
	// "-" is standard output by habit; taken as a name, it would become a
	// file called "-" in the current directory.
	if c.output == "-" {
		return "", nil, fmt.Errorf("%s -: the report goes to standard output without %s: leave it out", tn.name("output"), tn.name("output"))
	}
	for _, f := range []struct{ flag, path string }{{"partial", c.partial}, {"timeline", c.timeline}, {"out-dir", c.outDir}} {
		if f.path == "-" {
			return "", nil, fmt.Errorf("%s -: standard output is not one of its outputs: name a file", tn.name(f.flag))
		}
	}
	if c.output != "" {
		ext, known := formatOf(c.output)
		given := c.format != ""
		switch {
		case !known && !given:
			return "", nil, fmt.Errorf("%s %s: cannot tell the format from the extension %q: pass -f (text, json, csv, md, html or xlsx)",
				tn.name("output"), c.output, filepath.Ext(c.output))
		case given && ext != "" && ext != format:
			return "", nil, fmt.Errorf("%s %s does not match %s %s, whose extension says %s: change one of them",
				tn.name("format"), c.format, tn.name("output"), c.output, ext)
		case !given && ext != "":
			format = ext
		}
	}
	if c.outDir != "" {
		for _, f := range []string{"output", "format"} {
			if c.typed.last[f] != "" {
				return "", nil, fmt.Errorf("%s writes every format: leave out %s", tn.name("out-dir"), tn.name(f))
			}
		}
		if st, err := os.Stat(c.outDir); err != nil || !st.IsDir() {
			return "", nil, fmt.Errorf("%s %s: not an existing directory", tn.name("out-dir"), c.outDir)
		}
		for _, o := range []struct{ flag, path string }{{"partial", c.partial}, {"timeline", c.timeline}} {
			for _, p := range c.outDirFiles() {
				if o.path != "" && sameFile(o.path, p) {
					return "", nil, fmt.Errorf("%s and %s name the same file %s", tn.name("out-dir"), tn.name(o.flag), p)
				}
			}
		}
	} else if c.name != "" {
		return "", nil, fmt.Errorf("%s names the files of --out-dir: pass --out-dir DIR", tn.name("name"))
	}
	if c.partial != "" {
		if ext, _ := formatOf(c.partial); ext != "" && ext != report.FormatJSON {
			return "", nil, fmt.Errorf("%s %s: the partial report is JSON, not %s: name it .json", tn.name("partial"), c.partial, ext)
		}
		if c.output != "" && sameFile(c.output, c.partial) {
			return "", nil, fmt.Errorf("%s and %s name the same file %s", tn.name("output"), tn.name("partial"), c.output)
		}
	}
	if c.timeline != "" {
		for _, o := range []struct{ flag, path string }{{"output", c.output}, {"partial", c.partial}} {
			if o.path != "" && sameFile(o.path, c.timeline) {
				return "", nil, fmt.Errorf("%s and %s name the same file %s", tn.name(o.flag), tn.name("timeline"), c.timeline)
			}
		}
	}
	return format, failOn, nil
}

// sameFile reports whether a and b name one file: the same path, or two
// paths of one existing file.
func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// outputs are the output files of -o and --partial, created before the
// work; nil fields write nothing (the report then goes to stdout).
type outputs struct {
	report, partial, timeline *safefile.Output
	dir                       []*safefile.Output // --out-dir: one per report.Formats()
}

// abort discards the outputs not committed.
func (o *outputs) abort() {
	for _, d := range o.dir {
		d.Abort()
	}
	if o.report != nil {
		o.report.Abort()
	}
	if o.partial != nil {
		o.partial.Abort()
	}
	if o.timeline != nil {
		o.timeline.Abort()
	}
}

// create creates the outputs of -o, --partial and --timeline (safefile.Create). An
// output that can never be one (an input, a directory, a block device) is
// a usage error; one that cannot be created now (a missing directory, no
// permission, a named pipe nobody reads) is exitInternal.
func (c *common) create(opts safefile.Options, stderr io.Writer) (*outputs, int, bool) {
	o := &outputs{}
	for _, out := range []struct {
		path, flag string
		f          **safefile.Output
	}{{c.output, "output", &o.report}, {c.partial, "partial", &o.partial}, {c.timeline, "timeline", &o.timeline}} {
		if out.path == "" {
			continue
		}
		f, err := safefile.Create(out.path, opts)
		if err != nil {
			o.abort()
			say(stderr, "%s: %v; nothing read", c.typed.name(out.flag), err)
			if errors.Is(err, safefile.ErrIsInput) || errors.Is(err, safefile.ErrNotWritable) {
				return nil, exitUsage, false
			}
			return nil, exitInternal, false
		}
		*out.f = f
	}
	if c.outDir != "" {
		for _, p := range c.outDirFiles() {
			f, err := safefile.Create(p, opts)
			if err != nil {
				o.abort()
				say(stderr, "%s: %v; nothing read", c.typed.name("out-dir"), err)
				if errors.Is(err, safefile.ErrIsInput) || errors.Is(err, safefile.ErrNotWritable) {
					return nil, exitUsage, false
				}
				return nil, exitInternal, false
			}
			o.dir = append(o.dir, f)
		}
	}
	return o, exitOK, true
}

// writeDir writes the report in every format to the files of --out-dir,
// then commits them all: on any error none is committed.
func (c *common) writeDir(rep *report.Report, out *outputs, stderr io.Writer) error {
	opts := report.RenderOptions{Location: c.loc}
	for i, f := range report.Formats() {
		if err := rep.Render(out.dir[i], f, opts); err != nil {
			return fmt.Errorf("%s: %w", out.dir[i].Name(), err)
		}
	}
	for _, d := range out.dir {
		if err := d.Commit(); err != nil {
			return err
		}
	}
	if !c.quiet {
		names := make([]string, len(out.dir))
		for i, d := range out.dir {
			names[i] = d.Name()
		}
		say(stderr, "wrote %s", strings.Join(names, ", "))
	}
	return nil
}

// finish writes the report and the partial, then applies --fail-on.
func (c *common) finish(rep *report.Report, format report.Format, failOn []report.Setting, out *outputs, stdout, stderr io.Writer) int {
	color := format == report.FormatText && out.report == nil && !c.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(stdout)
	opts := report.RenderOptions{Color: color, Location: c.loc}
	if format == report.FormatText && out.report == nil {
		opts.Width = termWidth(stdout) // 0, as for a file, unless stdout is a terminal
	}
	var err error
	if len(out.dir) > 0 {
		err = c.writeDir(rep, out, stderr)
	} else if out.report == nil {
		err = rep.Render(stdout, format, opts)
	} else if err = rep.Render(out.report, format, opts); err == nil {
		err = out.report.Commit()
	}
	if err != nil {
		say(stderr, "writing the report: %v", err)
		return exitInternal
	}
	if out.partial != nil {
		err := rep.Render(out.partial, report.FormatJSON, report.RenderOptions{})
		if err == nil {
			err = out.partial.Commit()
		}
		if err != nil {
			say(stderr, "writing the partial report: %v", err)
			return exitInternal
		}
	}
	if !c.quiet && rep.Summary.Notice != "" {
		say(stderr, "%s", rep.Summary.Notice)
	}
	if len(failOn) > 0 {
		if ids := rep.Breaking(failOn...); len(ids) > 0 {
			say(stderr, "%s %s: %d client(s) would break: %s", c.typed.name("fail-on"), c.failOn, len(ids), clip(ids, 20))
			return exitFailOnHits
		}
		if gaps := rep.Gaps(failOn...); len(gaps) > 0 {
			word := "cannot vouch that no client breaks"
			if c.allowIncomplete {
				word = "warning: " + word + " (--allow-incomplete: exit 0)"
			}
			say(stderr, "%s %s: %s:", c.typed.name("fail-on"), c.failOn, word)
			for i, g := range gaps {
				if i == 10 {
					say(stderr, "  ... and %d more", len(gaps)-i)
					break
				}
				say(stderr, "  %s", g)
			}
			if !c.allowIncomplete {
				return exitNoVouch
			}
		}
	}
	return exitOK
}

// shorts are the one-letter aliases of long flags.
var shorts = map[string]string{"format": "f", "output": "o", "quiet": "q"}

// printFlags lists the flags GNU-style ("-o, --output FILE"), aliases on
// the line of their long form.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		if f.Usage == "" {
			return // an alias, listed with its long form
		}
		arg, usage := flag.UnquoteUsage(f)
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); isBool {
			arg = ""
		}
		name := "    --" + f.Name
		if s := shorts[f.Name]; s != "" {
			name = "-" + s + ", --" + f.Name
		}
		if arg != "" {
			name += " " + arg
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			usage += fmt.Sprintf(" (default %q)", f.DefValue)
		}
		fmt.Fprintf(w, "  %s\n        %s\n", name, strings.ReplaceAll(usage, "\n", "\n        "))
	})
}

// countOf returns n with the noun that fits it: "1 file", "2 files".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func clip(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:n], ", "), len(ids)-n)
}

// generatedAt honours SOURCE_DATE_EPOCH (reproducible output); zero means
// now.
func generatedAt(stderr io.Writer) time.Time {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Time{}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		say(stderr, "ignoring SOURCE_DATE_EPOCH=%q: not a number of seconds", v)
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// say writes the line "smbaudit: " and the message to w, the message
// passed through report.Escape: file names and log strings that carry
// terminal control sequences (ANSI, OSC) show as visible escapes.
func say(w io.Writer, format string, args ...any) {
	fmt.Fprintln(w, "smbaudit: "+report.Escape(fmt.Sprintf(format, args...)))
}

// isTerminal reports whether w is a terminal: a file (anything with Stat,
// such as *os.File) that is a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Stat() (fs.FileInfo, error) })
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&fs.ModeCharDevice != 0
}

// describeInputs names on stderr every input skipped or damaged.
func describeInputs(stderr io.Writer, files []smbaudit.FileResult) {
	for _, f := range files {
		if f.Skipped {
			say(stderr, "%s: skipped: %s%s", f.Path, reason(f.Path, f.Err), patternHint(f.Path, f.Err))
			continue
		}
		if len(f.DamagedChunks) == 0 && len(f.Errors) == 0 {
			continue
		}
		say(stderr, "%s: damaged: %d damaged chunk(s) %v, %d read error(s); the rest was read",
			f.Path, len(f.DamagedChunks), f.DamagedChunks, len(f.Errors))
		for i, e := range f.Errors {
			if i == 3 {
				say(stderr, "  ... and %d more (see the report's inputs)", len(f.Errors)-i)
				break
			}
			say(stderr, "  %v", e)
		}
	}
}

// patternHint returns a hint for a missing path that holds a wildcard: a
// shell that does not expand patterns (Windows cmd and PowerShell, or a
// quoted pattern) passes it as it is, and the command does not expand it.
func patternHint(path string, err error) string {
	if !errors.Is(err, fs.ErrNotExist) || !strings.ContainsAny(filepath.Base(path), "*?[") {
		return ""
	}
	return " (a pattern is not expanded here: name the directory, and --glob PATTERN for the files in it)"
}

// printReadSummary writes the one-line summary of what was read and skipped.
func printReadSummary(stderr io.Writer, g *report.Generated) {
	var read, damaged int
	var bytes int64
	causes := map[smbaudit.Cause]int{}
	var order []smbaudit.Cause
	for _, f := range g.Files {
		if f.Skipped {
			if causes[f.Cause] == 0 {
				order = append(order, f.Cause)
			}
			causes[f.Cause]++
			continue
		}
		read++
		bytes += f.Size
		if len(f.DamagedChunks) > 0 || len(f.Errors) > 0 {
			damaged++
		}
	}
	rep := g.Report
	msg := fmt.Sprintf("read %d of %s (%s), %d damaged; %s, %s, %s",
		read, countOf(len(g.Files), "file", "files"), humanBytes(bytes), damaged, countOf(g.Findings, "finding", "findings"),
		countOf(rep.Summary.Clients, "client", "clients"), countOf(rep.Summary.Servers, "server", "servers"))
	if skipped := len(g.Files) - read; skipped > 0 {
		var parts []string
		for _, c := range order {
			parts = append(parts, fmt.Sprintf("%d %s", causes[c], c.Text()))
		}
		msg += fmt.Sprintf("; skipped %d: %s", skipped, strings.Join(parts, ", "))
	}
	say(stderr, "%s", msg)
	omitted(stderr, rep)
}

// omitted says when the report counts findings it does not list.
func omitted(stderr io.Writer, rep *report.Report) {
	if rep.FindingsOmitted > 0 {
		say(stderr, "%s counted in the rows but not listed in the JSON form (over --max-findings)",
			countOf(rep.FindingsOmitted, "finding", "findings"))
	}
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[i])
}
