// Command smbaudit tells which SMB clients would break when SMB signing or SPN
// validation (EPA) is enforced, from exported Windows event logs (.evtx).
//
//	smbaudit [flags] PATH...
//	smbaudit merge [flags] PARTIAL.json...
//
// PATH is a file or a directory; directories are searched recursively for
// *.evtx (see --glob). The report goes to stdout, or atomically to the file of
// -o. Every file that cannot be read, is not EVTX or is damaged is named on
// stderr with the reason, and the others are processed. "merge" combines the
// JSON partial reports (--partial, or --format json) of shards scanned apart.
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
	"strconv"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// Exit codes.
const (
	exitOK         = 0 // report written; with --fail-on, no client breaks
	exitInternal   = 1 // unexpected error (writing the output, interrupted)
	exitUsage      = 2 // bad flags or arguments
	exitNothing    = 3 // no input could be read
	exitFailOnHits = 4 // --fail-on: some client would certainly break
)

// defaultMaxFindings bounds the findings a report lists: about 600 bytes
// each in memory and 1 KB in the JSON form, so that the default run stays
// within 100 MiB whatever the size of the logs.
const defaultMaxFindings = 20000

const exitCodesHelp = `Exit codes:
  0  the report was written (and, with --fail-on, no client would break)
  1  unexpected error: the output could not be written, or interrupted
  2  usage error: bad flag, bad value, no PATH
  3  nothing readable: no input file found, or none could be read
  4  --fail-on: at least one client would certainly break under the setting
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// listFlag collects a repeatable, comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// common holds the flags of both the scan and merge forms.
type common struct {
	format, output, partial, failOn string
	quiet, noColor                  bool
	maxFindings                     int
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.format, "format", "text", "report `FORMAT`: text, json, csv, md, html")
	fs.StringVar(&c.format, "f", "text", "")
	fs.StringVar(&c.output, "output", "", "write the report to `FILE` (atomically: temporary file, then rename)\ninstead of stdout")
	fs.StringVar(&c.output, "o", "", "")
	fs.StringVar(&c.partial, "partial", "", "also write the JSON partial report to `FILE`, for smbaudit merge")
	fs.StringVar(&c.failOn, "fail-on", "", "exit 4 when a client would certainly break under `SETTING`:\n"+
		"RequireSecuritySignature, SmbServerNameHardeningLevel=1, SmbServerNameHardeningLevel=2,\n"+
		"DisableSMB1 (or signing, spn1, spn2, smb1), or any")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress bar and no summary on stderr (errors are still shown)")
	fs.BoolVar(&c.quiet, "q", false, "")
	fs.BoolVar(&c.noColor, "no-color", false, "no ANSI colors (also when NO_COLOR is set)")
	fs.IntVar(&c.maxFindings, "max-findings", defaultMaxFindings, "list at most `N` findings in the JSON report (0: all, every finding held in memory); past N the findings are only counted\n"+
		"in the rows, so memory stays bounded, and merging such reports adds their rows (a record in two shards counts twice)")
}

// parse parses flags placed before, between or after the positional
// arguments; "--" ends the flags.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
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
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	var servers, clients listFlag
	glob := fs.String("glob", smbaudit.DefaultGlob, "file name `PATTERN` searched for inside directories (case-insensitive)")
	since := fs.String("since", "", "keep events at or after `TIME`: RFC 3339, a date (2025-10-01) or a duration before now (30d, 12h)")
	until := fs.String("until", "", "keep events at or before `TIME` (same forms as --since)")
	fs.Var(&servers, "server", "keep events of this server `NAME` only (repeatable, comma-separated; fs01 matches fs01.corp.example)")
	fs.Var(&clients, "client", "keep events of this client only: `NAME`, address or prefix such as 10.0.20.0/24 (repeatable, comma-separated)")
	workers := fs.Int("workers", 0, "read `N` files concurrently (0: one per CPU)")
	allEvents := fs.Bool("all-events", false, "decode every provider's events, so that server coverage counts all of them (slower)")
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
	now := time.Now()
	filter := smbaudit.Filter{Servers: servers, Clients: clients}
	for _, b := range []struct {
		name, val string
		t         *time.Time
	}{{"since", *since, &filter.Since}, {"until", *until, &filter.Until}} {
		if b.val == "" {
			continue
		}
		var err error
		if *b.t, err = smbaudit.ParseTimeBound(b.val, now); err != nil {
			fmt.Fprintf(stderr, "smbaudit: --%s: %v\n", b.name, err)
			return exitUsage
		}
	}
	if !filter.Since.IsZero() && !filter.Until.IsZero() && filter.Since.After(filter.Until) {
		fmt.Fprintf(stderr, "smbaudit: --since %s is after --until %s\n", report.FormatTime(filter.Since), report.FormatTime(filter.Until))
		return exitUsage
	}
	if *workers < 0 {
		fmt.Fprintln(stderr, "smbaudit: --workers must be 0 or more")
		return exitUsage
	}

	bar := newProgressBar(stderr, !c.quiet && isTerminal(stderr))
	g, err := report.Generate(ctx, paths, report.GenerateOptions{
		Scan:   smbaudit.ScanOptions{Glob: *glob, Workers: *workers, AllEvents: *allEvents, Progress: bar.update},
		Filter: filter,
		Report: report.Options{GeneratedAt: generatedAt(stderr), MaxFindings: c.maxFindings},
	})
	bar.clear()
	switch {
	case errors.Is(err, smbaudit.ErrBadGlob):
		fmt.Fprintf(stderr, "smbaudit: --glob: %v\n", err)
		return exitUsage
	case errors.Is(err, report.ErrNothingRead):
		describeInputs(stderr, g.Files)
		fmt.Fprintf(stderr, "smbaudit: %v\n", err)
		return exitNothing
	case err != nil:
		fmt.Fprintf(stderr, "smbaudit: scan stopped: %v; no report written\n", err)
		return exitInternal
	}
	describeInputs(stderr, g.Files)
	if !c.quiet {
		summarise(stderr, g)
	}
	return c.finish(g.Report, format, failOn, stdout, stderr)
}

func runMerge(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("smbaudit merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	paths, format, failOn, code, ok := c.parseCommand(fs, args, `usage: smbaudit merge [flags] PARTIAL.json...

Combines JSON partial reports (written by smbaudit --partial FILE, or --format json) of
shards scanned apart, and renders the report of all of them. A partial that cannot be
read is named on stderr and left out.

Flags:
`, stdout, stderr)
	if !ok {
		return code
	}
	// One partial at a time: memory holds one of them and the merged
	// report, bounded by --max-findings.
	b := report.NewBuilder(report.Options{GeneratedAt: generatedAt(stderr), MaxFindings: c.maxFindings})
	read := 0
	for _, p := range paths {
		if err := addPartial(b, p); err != nil {
			fmt.Fprintf(stderr, "smbaudit: %s: skipped: %v\n", p, err)
			continue
		}
		read++
	}
	if read == 0 {
		fmt.Fprintf(stderr, "smbaudit: nothing readable: all %d partial reports skipped\n", len(paths))
		return exitNothing
	}
	rep := b.Finish()
	if !c.quiet {
		fmt.Fprintf(stderr, "smbaudit: merged %d of %s: %s, %s, %s\n",
			read, plural(len(paths), "partial report", "partial reports"), plural(rep.Summary.Clients, "client", "clients"),
			plural(rep.Summary.Servers, "server", "servers"), plural(rep.Summary.Inputs, "input file", "input files"))
		omitted(stderr, rep)
	}
	return c.finish(rep, format, failOn, stdout, stderr)
}

// addPartial reads the partial report at path into b (Builder.AddJSON,
// which never holds the partial's own report). A partial already added,
// or one that would take the counts past the largest int, is left out and
// counted as read, as Builder.AddReport leaves it out.
func addPartial(b *report.Builder, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	err = b.AddJSON(f)
	var fe *report.FieldError
	if !errors.As(err, &fe) && (errors.Is(err, report.ErrDuplicate) || errors.Is(err, report.ErrOverflow)) {
		return nil
	}
	return err
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
	fs.Usage = func() {} // usage is printed here, to stdout for --help
	paths, err := parse(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		usage(stdout)
		return nil, "", nil, exitOK, false
	case err != nil:
		fmt.Fprintf(stderr, "run %s --help for the usage\n", fs.Name())
		return nil, "", nil, exitUsage, false
	case len(paths) == 0:
		usage(stderr)
		return nil, "", nil, exitUsage, false
	}
	if format, failOn, ok = c.check(stderr); !ok {
		return nil, "", nil, exitUsage, false
	}
	return paths, format, failOn, exitOK, true
}

// check validates the common flags.
func (c *common) check(stderr io.Writer) (report.Format, []report.Setting, bool) {
	format, err := report.ParseFormat(c.format)
	if err != nil {
		fmt.Fprintf(stderr, "smbaudit: --format: %v\n", err)
		return "", nil, false
	}
	var failOn []report.Setting
	if c.failOn != "" {
		if failOn, err = report.ParseFailOn(c.failOn); err != nil {
			fmt.Fprintf(stderr, "smbaudit: --fail-on: %v\n", err)
			return "", nil, false
		}
	}
	if c.maxFindings < 0 {
		fmt.Fprintln(stderr, "smbaudit: --max-findings must be 0 or more")
		return "", nil, false
	}
	return format, failOn, true
}

// finish writes the report and the partial, then applies --fail-on.
func (c *common) finish(rep *report.Report, format report.Format, failOn []report.Setting, stdout, stderr io.Writer) int {
	color := format == report.FormatText && c.output == "" && !c.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(stdout)
	opts := report.RenderOptions{Text: report.TextOptions{Color: color}}
	render := func(w io.Writer) error { return rep.Render(w, format, opts) }
	var err error
	if c.output == "" {
		err = render(stdout)
	} else {
		err = writeAtomic(c.output, render)
	}
	if err != nil {
		fmt.Fprintf(stderr, "smbaudit: writing the report: %v\n", err)
		return exitInternal
	}
	if c.partial != "" {
		if err := writeAtomic(c.partial, rep.WriteJSON); err != nil {
			fmt.Fprintf(stderr, "smbaudit: writing the partial report: %v\n", err)
			return exitInternal
		}
	}
	if len(failOn) > 0 {
		if ids := rep.Breaking(failOn...); len(ids) > 0 {
			fmt.Fprintf(stderr, "smbaudit: --fail-on %s: %d client(s) would break: %s\n", c.failOn, len(ids), clip(ids, 20))
			return exitFailOnHits
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

func plural(n int, one, many string) string {
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
		fmt.Fprintf(stderr, "smbaudit: ignoring SOURCE_DATE_EPOCH=%q: not a number of seconds\n", v)
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// writeAtomic writes through a temporary file in the target's directory and
// renames it over the target, so a reader never sees a partial file and a
// failed run leaves an existing file untouched.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
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
			fmt.Fprintf(stderr, "smbaudit: %s: skipped: %v\n", f.Path, f.Err)
			continue
		}
		if len(f.DamagedChunks) == 0 && len(f.Errors) == 0 {
			continue
		}
		fmt.Fprintf(stderr, "smbaudit: %s: damaged: %d damaged chunk(s) %v, %d read error(s); the rest was read\n",
			f.Path, len(f.DamagedChunks), f.DamagedChunks, len(f.Errors))
		for i, e := range f.Errors {
			if i == 3 {
				fmt.Fprintf(stderr, "smbaudit:   ... and %d more (see the report's inputs)\n", len(f.Errors)-i)
				break
			}
			fmt.Fprintf(stderr, "smbaudit:   %v\n", e)
		}
	}
}

// summarise writes the one-line summary of what was read and skipped.
func summarise(stderr io.Writer, g *report.Generated) {
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
	msg := fmt.Sprintf("smbaudit: read %d of %s (%s), %d damaged; %s, %s, %s",
		read, plural(len(g.Files), "file", "files"), humanBytes(bytes), damaged, plural(g.Findings, "finding", "findings"),
		plural(rep.Summary.Clients, "client", "clients"), plural(rep.Summary.Servers, "server", "servers"))
	if skipped := len(g.Files) - read; skipped > 0 {
		var parts []string
		for _, c := range order {
			parts = append(parts, fmt.Sprintf("%d %s", causes[c], c.Text()))
		}
		msg += fmt.Sprintf("; skipped %d: %s", skipped, strings.Join(parts, ", "))
	}
	fmt.Fprintln(stderr, msg)
	omitted(stderr, rep)
}

// omitted says when the report counts findings it does not list.
func omitted(stderr io.Writer, rep *report.Report) {
	if rep.FindingsOmitted > 0 {
		fmt.Fprintf(stderr, "smbaudit: %s counted in the rows but not listed in the JSON form (over --max-findings)\n",
			plural(rep.FindingsOmitted, "finding", "findings"))
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
