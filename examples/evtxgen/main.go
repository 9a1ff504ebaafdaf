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
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
	"github.com/evtxkit/smbreadiness/internal/safefile"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "evtxgen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stderr io.Writer) error {
	fs := flag.NewFlagSet("evtxgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	outPath := fs.String("o", "", "output .evtx `file` (required)")
	var opts evtxwrite.Options
	registerFlags(fs, &opts)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *outPath == "" || fs.NArg() > 1 {
		fs.Usage()
		return fmt.Errorf("usage: evtxgen -o OUT.evtx [flags] [EVENTS.jsonl]")
	}
	out, err := safefile.Create(*outPath, safefile.Options{Inputs: fs.Args()})
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
