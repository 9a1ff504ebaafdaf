// Package safefile opens the inputs and creates the outputs of the
// project's commands so that a wrong path cannot hang a run or destroy data.
//
// OpenRegular opens an input read-only and refuses, without blocking, what
// is not a regular file: a named pipe, a device, a socket or a directory.
//
// Create prepares an output before the work starts, so that a bad output
// path fails at once rather than after a long scan. A regular file is
// replaced atomically (a temporary file in the same directory, renamed by
// Commit); a character device or a named pipe is written through, never
// replaced; a symbolic link is followed and its target takes these rules;
// an output that is one of the inputs is refused.
//
// The sentinel errors are plain values, so that a public package can
// re-export them (var ErrNotRegular = safefile.ErrNotRegular) and keep
// errors.Is working across the layers.
package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

var (
	// ErrNotRegular is wrapped by OpenRegular's error for a path that is
	// not a regular file. The error names the path and the type found.
	ErrNotRegular = errors.New("not a regular file")

	// ErrIsInput is wrapped by Create's error for an output that is one of
	// Options.Inputs, or a file under one of them that Options.IsInput
	// selects.
	ErrIsInput = errors.New("refusing to overwrite an input")

	// ErrNotWritable is wrapped by Create's error for an output that names
	// a directory, a socket, a block device or another file that cannot
	// take the output.
	ErrNotWritable = errors.New("cannot take the output")

	// ErrNoReader is wrapped by Create's error for an output that is a
	// named pipe no process has open for reading: opening it would block.
	ErrNoReader = errors.New("named pipe has no reader")
)

// OpenRegular opens the named file read-only and returns it only when it is
// a regular file (a symbolic link to one is followed).
//
// It never blocks on a named pipe: the path is inspected before it is
// opened, it is opened non-blocking where the platform allows it, and the
// opened file is checked again to be the same regular file, in case the
// path was replaced meanwhile. The returned file is in blocking mode.
//
// A path that is not a regular file gives an error wrapping ErrNotRegular
// that names the path and the type found; other failures are the
// *fs.PathError values of os.Stat and os.Open.
func OpenRegular(path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular(path, st.Mode())
	}
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	now, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !now.Mode().IsRegular() {
		f.Close()
		return nil, notRegular(path, now.Mode())
	}
	if !os.SameFile(st, now) {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: errors.New("replaced by another file while being opened")}
	}
	return f, nil
}

func notRegular(path string, m fs.FileMode) error {
	return fmt.Errorf("%s: %s: %w", path, Describe(m), ErrNotRegular)
}

// Describe names the file type of m in words, as used in this package's
// errors: "regular file", "directory", "named pipe (FIFO)",
// "character device", "block device", "socket", "symbolic link" or
// "irregular file".
func Describe(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "regular file"
	case m&fs.ModeDir != 0:
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	default:
		return "irregular file"
	}
}
