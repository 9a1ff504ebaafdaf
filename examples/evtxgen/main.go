// Command evtxgen writes a Windows-shaped .evtx file from events given as
// JSON Lines (see the evtxwrite package documentation, JSON Lines):
//
//	evtxgen -o OUT.evtx [-minor 2] [damage flags] [EVENTS.jsonl]
//
// The output of evtxdump is read as well, so that a dumped log, edited or
// not, can be written again: its data values become string fields.
//
// It reads standard input when no file is given; the events file may be a
// pipe. OUT is checked before anything is read: it must not be the events
// file, and its directory must exist and be writable. A regular file
// appears atomically (on any error nothing is left behind); a named pipe
// or a character device is written to, never replaced; a symbolic link's
// target is written.
//
// Exit status: 0 the file was written (and for -h); 1 it was not: the
// events could not be read or encoded, a damage flag names nothing in the
// log, or OUT could not be created or written; 2 bad usage: a bad flag,
// no -o, more than one events file, or an OUT that can never be one (the
// events file, a directory, a block device).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
	"github.com/evtxkit/smbreadiness/internal/safefile"
)

const usageText = `usage: evtxgen -o OUT.evtx [-minor 2] [damage flags] [EVENTS.jsonl]

Writes a Windows-shaped .evtx file from JSON Lines events (evtxdump's output
included), read from EVENTS.jsonl or standard input.

Flags:
`

const exitCodesHelp = `
Exit codes:
  0  the file was written
  1  it was not: the events could not be read or encoded, a damage flag names
     nothing in the log, or OUT could not be created or written
  2  usage error: bad flag, no -o, more than one events file, or an OUT that can
     never be one (the events file, a directory, a block device)
`

func main() {
	err := run(os.Args[1:], os.Stdin, os.Stderr)
	switch code := exitCode(err); {
	case errors.Is(err, flag.ErrHelp):
		usage(os.Stdout)
	case err != nil:
		var ue *usageError
		if errors.As(err, &ue) && ue.printed {
			fmt.Fprintln(os.Stderr, "run evtxgen -h for the usage")
		} else {
			fmt.Fprintln(os.Stderr, "evtxgen:", err)
		}
		os.Exit(code)
	}
}

// usageError is a bad command line: exit 2. printed says that the flag
// package has already written it to stderr.
type usageError struct {
	err     error
	printed bool
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// exitCode returns the exit status for run's error.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue), errors.Is(err, safefile.ErrIsInput), errors.Is(err, safefile.ErrNotWritable):
		return 2
	}
	return 1
}

// newFlagSet returns evtxgen's flags, storing into out and opts.
func newFlagSet(out *string, opts *evtxwrite.Options) *flag.FlagSet {
	fs := flag.NewFlagSet("evtxgen", flag.ContinueOnError)
	fs.StringVar(out, "o", "", "output .evtx `file` (required)")
	registerFlags(fs, opts)
	return fs
}

// usage writes the usage, the flags and the exit codes to w.
func usage(w io.Writer) {
	var out string
	var opts evtxwrite.Options
	fs := newFlagSet(&out, &opts)
	fs.SetOutput(w)
	fmt.Fprint(w, usageText)
	fs.PrintDefaults()
	fmt.Fprint(w, exitCodesHelp)
}

// run runs the command. It returns flag.ErrHelp for -h, unprinted, and a
// *usageError for a bad command line, whose flag errors it has printed to
// stderr.
func run(args []string, stdin io.Reader, stderr io.Writer) error {
	var outPath string
	var opts evtxwrite.Options
	fs := newFlagSet(&outPath, &opts)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // -h is printed by main, on stdout
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err, true}
	}
	if outPath == "" || fs.NArg() > 1 {
		return &usageError{errors.New("usage: evtxgen -o OUT.evtx [flags] [EVENTS.jsonl] (evtxgen -h for the flags)"), false}
	}
	if outPath == "-" {
		// By habit standard output; taken as a name, a file called "-".
		return &usageError{errors.New("-o -: evtxgen writes a file, not standard output: name one"), false}
	}
	out, err := safefile.Create(outPath, safefile.Options{Inputs: fs.Args()})
	if err != nil {
		return err
	}
	defer out.Abort()
	in, name := stdin, "<stdin>"
	if fs.NArg() == 1 {
		name = fs.Arg(0)
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	events, err := evtxwrite.ParseJSONL(in)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := evtxwrite.Write(out, events, opts); err != nil {
		return err
	}
	return out.Commit()
}
