// Command evtxdump prints the events of EVTX logs as JSON Lines.
//
//	evtxdump [--provider NAME]... [--event-id N]... [--since T] [--until T] [-workers N] [-recover] PATH...
//
// A PATH is a file or a directory, searched recursively for *.evtx (case
// ignored), its files dumped in path order. --provider and --event-id
// (also -id) are repeatable or comma lists; --since and --until keep
// events in a window, both ends included: RFC 3339, a date and time without
// a zone (2025-10-01 08:00, read as UTC), a UTC date (2025-10-01, midnight)
// or a time before now (30d, 12h). Flags may come before or after the
// paths; "--" ends them. The filters are applied by the reader, which skips
// chunks that hold no wanted provider undecoded.
//
// The lines are written by evtx.Reader.WriteJSONLines, which encodes each
// chunk on the worker that decoded it (-workers 1: decoding, encoding and
// writing on one goroutine). Each line is one event, as rendered by
// evtx.Event's AppendJSON (the text of its MarshalJSON): record_id, time_created (RFC 3339, UTC, 7 fractional
// digits), event_id, provider, channel, computer, the other System fields,
// data (an object of field name to value; unnamed <Data> items are "Data#0",
// "Data#1", ...; a repeated name gets "#1", "#2", ...) and source {file,
// chunk, offset}. With -recover, the records left in the slack of chunks
// are printed too, each with "recovered": true (evtx.Options.Recover).
//
// A FILE that is not a regular file (a named pipe, a device, a socket, a
// directory) is refused without being read, so it cannot hang the dump.
// Damaged chunks and records are reported on stderr with their file, chunk
// and offset, and the dump goes on. evtxgen reads the output back.
//
// Exit status: 0 every input was read whole (and for -h); 1 some input was
// skipped or damaged (each named on stderr), the output could not be
// written, or the dump was interrupted (SIGINT: the file it stopped in is
// named, and the dump ends with the last whole line); 2 bad usage; 3
// nothing readable: no file found, or none could be opened as EVTX.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/internal/cli"
	"github.com/evtxkit/smbreadiness/internal/safefile"
	"github.com/evtxkit/smbreadiness/internal/textsafe"
)

// listFlag collects a repeatable, comma-separated flag. A value that names
// nothing is refused: it would silently leave the filter off.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	n := len(*l)
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	if len(*l) == n {
		return errors.New("empty value: name at least one, or leave the flag out")
	}
	return nil
}

const usageText = `usage: evtxdump [--provider NAME]... [--event-id N]... [--since TIME] [--until TIME] [-workers N] [-recover] PATH...

Prints the events of EVTX logs as JSON Lines. A PATH that is a directory is
searched recursively for *.evtx (case ignored). Flags may come before or
after the paths; "--" ends them.

Flags:
`

const exitCodesHelp = `
Exit codes:
  0  every input was read whole
  1  some input was skipped or damaged (named on stderr), the output could not
     be written, or the dump was interrupted
  2  usage error
  3  nothing readable: no file found, or none could be opened as EVTX
`

func main() {
	if os.Getenv("GOGC") == "" {
		// The reader's live heap is a few MiB, so at the default 100% the
		// collector runs every few MiB decoded; at 400% the dump spends
		// about 15% less CPU and its peak RSS stays near 20 MiB whatever
		// the size of the log. GOGC, when set, is obeyed.
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// warn writes msg to w after "evtxdump: ", escaped as the reports escape
// what they show (textsafe.Escape): a file name, or a log string in an
// error, may hold control characters that would drive the terminal.
func warn(w io.Writer, msg string) {
	fmt.Fprintf(w, "evtxdump: %s\n", textsafe.Escape(msg))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("evtxdump", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var providers, ids listFlag
	fs.Var(&providers, "provider", "keep only events of this provider (repeatable, comma-separated, case-insensitive)")
	fs.Var(&ids, "event-id", "keep only events with this event ID (repeatable, comma-separated)")
	fs.Var(&ids, "id", "same as --event-id")
	since := fs.String("since", "", "keep events at or after `TIME`: RFC 3339, a date and time without a zone\n(2025-10-01 08:00, read as UTC), a date (2025-10-01, UTC) or a span before now (30d, 12h, 1y)")
	until := fs.String("until", "", "keep events at or before `TIME` (same forms as --since)")
	workers := fs.Int("workers", 0, "chunks decoded and encoded concurrently (0: GOMAXPROCS)")
	recoverSlack := fs.Bool("recover", false, "also print the records left in chunk slack, marked \"recovered\": true")
	usage := func(w io.Writer) {
		fmt.Fprint(w, usageText)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
		fmt.Fprint(w, exitCodesHelp)
	}
	fs.Usage = func() {} // the flag package prints the error; run says the rest
	paths, err := cli.ParseInterspersed(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		usage(stdout)
		return 0
	case err != nil:
		fmt.Fprintln(stderr, "run evtxdump -h for the usage")
		return 2
	case len(paths) == 0:
		usage(stderr)
		return 2
	case *workers < 0:
		fmt.Fprintf(stderr, "evtxdump: -workers %d: want 0 (GOMAXPROCS) or more\n", *workers)
		return 2
	}
	opts := evtx.Options{Providers: providers, Workers: *workers, Recover: *recoverSlack}
	for _, s := range ids {
		n, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			fmt.Fprintf(stderr, "evtxdump: -id %q: not an event ID\n", s)
			return 2
		}
		opts.EventIDs = append(opts.EventIDs, uint16(n))
	}
	if err := timeWindow(&opts, *since, *until, time.Now()); err != nil {
		warn(stderr, err.Error())
		return 2
	}
	files, missing := expand(paths)
	for _, err := range missing {
		warn(stderr, err.Error())
	}
	if len(files) == 0 {
		return 3
	}

	out := bufio.NewWriterSize(stdout, 64<<10)
	defer out.Flush()
	opened, errs := 0, len(missing)
	onError := func(err error) {
		warn(stderr, err.Error())
		errs++
	}
	interrupted := func(path string) int {
		warn(stderr, path+": interrupted; the dump stops here, incomplete")
		if err := out.Flush(); err != nil {
			warn(stderr, "writing: "+err.Error())
		}
		return 1
	}
	for _, path := range files {
		if ctx.Err() != nil {
			return interrupted(path)
		}
		f, r, err := open(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && strings.ContainsAny(filepath.Base(path), "*?[") {
				err = fmt.Errorf("%w (a pattern is not expanded here: name the directory)", err)
			}
			onError(err)
			continue
		}
		opened++
		_, err = r.WriteJSONLines(ctx, out, opts, onError)
		f.Close()
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
				return interrupted(path)
			}
			warn(stderr, "writing: "+err.Error())
			return 1
		}
	}
	if err := out.Flush(); err != nil {
		warn(stderr, "writing: "+err.Error())
		return 1
	}
	switch {
	case opened == 0:
		return 3
	case errs > 0:
		return 1
	}
	return 0
}

// timeWindow sets the reader's time bounds from --since and --until, both
// included (the reader's Until is excluded: one 100 ns tick is added).
func timeWindow(opts *evtx.Options, since, until string, now time.Time) error {
	for _, b := range []struct {
		flag, v string
		dst     *time.Time
	}{{"since", since, &opts.Since}, {"until", until, &opts.Until}} {
		if b.v == "" {
			continue
		}
		t, err := cli.ParseTime(b.v, now, nil)
		if err != nil {
			return fmt.Errorf("--%s: %w", b.flag, err)
		}
		*b.dst = t
	}
	if !opts.Since.IsZero() && !opts.Until.IsZero() && opts.Since.After(opts.Until) {
		return fmt.Errorf("--since %s is after --until %s", opts.Since.Format(evtx.TimeLayout), opts.Until.Format(evtx.TimeLayout))
	}
	if !opts.Until.IsZero() {
		opts.Until = opts.Until.Add(100 * time.Nanosecond)
	}
	return nil
}

// expand turns the PATHs into the files to dump: a file as it is, a
// directory's *.evtx files (case ignored, recursively, in path order). It
// returns the errors of paths that do not exist or cannot be listed, and
// of directories holding no such file. A file named twice is dumped once.
func expand(paths []string) (files []string, errs []error) {
	seen := map[string]bool{}
	abs := func(p string) string {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			if !seen[abs(p)] {
				seen[abs(p)] = true
				files = append(files, p) // open names what is wrong with it
			}
			continue
		}
		n := len(files)
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				if d != nil && d.IsDir() && q != p {
					return fs.SkipDir
				}
				return nil
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(q), ".evtx") && !seen[abs(q)] {
				seen[abs(q)] = true
				files = append(files, q)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
		if len(files) == n {
			errs = append(errs, fmt.Errorf("%s: no *.evtx file in the directory", p))
		}
	}
	return files, errs
}

// open opens path read-only, refusing what is not a regular file before it
// can block (see safefile.OpenRegular), and checks its EVTX header.
func open(path string) (*os.File, *evtx.Reader, error) {
	f, err := safefile.OpenRegular(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	r, err := evtx.NewReader(f, st.Size(), path)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, r, nil
}
