package safefile

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
)

// Options says which files an output must not overwrite. The zero value
// protects no input but still applies the rules on file types.
type Options struct {
	// Inputs are the paths, files or directories, that the command reads.
	// Create refuses an output that is the same file (os.SameFile) as one
	// of them, whatever the path: a symbolic or hard link to an input is
	// refused too. Paths that do not exist are ignored.
	Inputs []string

	// IsInput, when set, reports whether a file found under a directory of
	// Inputs is read as an input, given its path as found by walking the
	// directory. Create then also refuses an output that is one of those
	// files. When nil, directories are not searched. The search is made
	// only when the output path names an existing regular file.
	IsInput func(path string) bool
}

// Output is an output file prepared by Create. Write to it, then call
// Commit to make the output final, or Abort to discard it. An Output is
// not safe for concurrent use.
type Output struct {
	path   string        // as given to Create, for errors
	target string        // the file written: path with symbolic links resolved
	f      *os.File      // the temporary file, or the file written through
	tmp    string        // the temporary file's name; "" when writing through
	old    fs.FileInfo   // the regular file being replaced, if any
	inputs []fs.FileInfo // the inputs, checked again before the rename
	err    error         // the first write error
	done   bool
}

// Create prepares the output named by path, to be written after the work
// that produces it: every check that can fail is done here, before that
// work starts. The rules, by what path names:
//
//   - nothing: a new file, created by Commit with mode 0644 less the umask;
//   - a regular file: replaced by Commit, keeping its permission bits;
//   - a character device or a named pipe: opened for writing as it is,
//     never replaced. A named pipe that no process reads fails with
//     ErrNoReader rather than blocking;
//   - a symbolic link: its target, with the same rules; the link stays;
//   - a directory, a socket, a block device or another kind of file:
//     refused with ErrNotWritable.
//
// A new or replaced file is written to a temporary file in the target's
// directory, created here, so that a missing or read-only directory fails
// now with an error naming path. Commit renames it into place: a reader
// never sees half an output, and on Abort or failure nothing is left.
//
// An output that is one of opts.Inputs (see Options) fails with ErrIsInput.
// Every error names path.
func Create(path string, opts Options) (*Output, error) {
	if path == "" {
		return nil, errors.New("output: empty path")
	}
	inputs := statInputs(opts.Inputs)
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		// Nothing there, or a symbolic link to nothing: create its target.
		target, err := resolve(path)
		if err != nil {
			return nil, outErr(path, err)
		}
		return createTemp(path, target, nil, inputs)
	}
	if err != nil {
		return nil, outErr(path, err)
	}
	m := st.Mode()
	switch outputAction(m) {
	case refuse:
		return nil, fmt.Errorf("output %s: %s: %w", path, Describe(m), ErrNotWritable)
	case writeThrough:
		if in := sameAs(st, opts.Inputs, inputs); in != "" {
			return nil, fmt.Errorf("output %s: same file as the input %s: %w", path, in, ErrIsInput)
		}
		f, err := openThrough(path)
		if isNoReader(err) {
			return nil, fmt.Errorf("output %s: %w", path, ErrNoReader)
		}
		if err != nil {
			return nil, outErr(path, err)
		}
		now, err := f.Stat()
		if err == nil && !sameDevice(st, now) {
			err = errors.New("replaced by another file while being opened")
		}
		if err != nil {
			f.Close()
			return nil, outErr(path, err)
		}
		return &Output{path: path, target: path, f: f}, nil
	}
	// A regular file.
	if in := sameAs(st, opts.Inputs, inputs); in != "" {
		return nil, fmt.Errorf("output %s: same file as the input %s: %w", path, in, ErrIsInput)
	}
	if in := underInputs(st, opts, inputs); in != "" {
		return nil, fmt.Errorf("output %s: same file as the input %s: %w", path, in, ErrIsInput)
	}
	target, err := resolve(path)
	if err != nil {
		return nil, outErr(path, err)
	}
	if lt, err := os.Lstat(target); err != nil || !os.SameFile(st, lt) {
		return nil, fmt.Errorf("output %s: resolves to %s, which changed while being checked", path, target)
	}
	return createTemp(path, target, st, inputs)
}

// sameDevice reports whether the device or named pipe opened (now) is the
// one inspected (st). Windows gives no file identity for devices such as
// NUL, so there only the type is compared.
func sameDevice(st, now fs.FileInfo) bool {
	if st.Mode().Type() != now.Mode().Type() {
		return false
	}
	return runtime.GOOS == "windows" || os.SameFile(st, now)
}

type action int

const (
	replace      action = iota // a regular file: temporary file and rename
	writeThrough               // a character device or a named pipe
	refuse
)

// outputAction decides, from the type of the existing file an output path
// names (symbolic links followed), how Create treats it.
func outputAction(m fs.FileMode) action {
	switch {
	case m.IsRegular():
		return replace
	case m&fs.ModeNamedPipe != 0, m&fs.ModeCharDevice != 0:
		return writeThrough
	default:
		// Directories, sockets, block devices (writing a report over a
		// disk destroys it), and irregular files.
		return refuse
	}
}

// statInputs returns the FileInfo of each input; entries that cannot be
// read are nil.
func statInputs(paths []string) []fs.FileInfo {
	out := make([]fs.FileInfo, len(paths))
	for i, p := range paths {
		if st, err := os.Stat(p); err == nil {
			out[i] = st
		}
	}
	return out
}

// sameAs returns the path of the input that is the file st, or "".
func sameAs(st fs.FileInfo, paths []string, infos []fs.FileInfo) string {
	for i, in := range infos {
		if in != nil && os.SameFile(st, in) {
			return paths[i]
		}
	}
	return ""
}

// underInputs returns the path of a file under a directory input that
// opts.IsInput selects and that is the file st, or "".
func underInputs(st fs.FileInfo, opts Options, infos []fs.FileInfo) string {
	if opts.IsInput == nil {
		return ""
	}
	for i, in := range infos {
		if in == nil || !in.IsDir() {
			continue
		}
		found := ""
		filepath.WalkDir(opts.Inputs[i], func(q string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !opts.IsInput(q) {
				return nil // unreadable parts are skipped: they cannot be read as inputs either
			}
			if qs, err := os.Stat(q); err == nil && os.SameFile(st, qs) {
				found = q
				return fs.SkipAll
			}
			return nil
		})
		if found != "" {
			return found
		}
	}
	return ""
}

// resolve follows path while it is a symbolic link and returns the first
// path that is not one, whether it exists or not. Relative link targets are
// joined to the link's directory as written, without lexical cleaning, so
// that ".." means what the system makes of it.
func resolve(path string) (string, error) {
	p := path
	for range 255 {
		st, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", err
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		t, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(t) {
			dir, _ := split(p)
			t = dir + t
		}
		p = t
	}
	return "", errors.New("too many levels of symbolic links")
}

// split cuts p after its last separator, without cleaning either part.
func split(p string) (dir, base string) {
	i := len(p) - 1
	for i >= len(filepath.VolumeName(p)) && !os.IsPathSeparator(p[i]) {
		i--
	}
	return p[:i+1], p[i+1:]
}

// createTemp creates the temporary file that Commit renames to target.
func createTemp(path, target string, old fs.FileInfo, inputs []fs.FileInfo) (*Output, error) {
	dir, base := split(target)
	if base == "" {
		return nil, fmt.Errorf("output %s: names a directory: %w", path, ErrNotWritable)
	}
	shown := dir // for errors: without the trailing separator, except at the root
	switch {
	case shown == "":
		shown = "."
	case len(shown) > len(filepath.VolumeName(shown))+1:
		shown = shown[:len(shown)-1]
	}
	// A new file gets 0644 less the umask from the system; a replacement
	// is created private and given the old file's bits by Commit.
	perm := fs.FileMode(0o644)
	if old != nil {
		perm = 0o600
	}
	var b [8]byte
	for range 100 {
		// math/rand/v2's generator is seeded from the system's entropy
		// (and O_EXCL refuses a name taken): crypto/rand would bring the
		// crypto packages' initialisation into every program reading a
		// log (the evtx package opens its inputs through this package).
		binary.LittleEndian.PutUint64(b[:], rand.Uint64())
		tmp := dir + "." + base + ".tmp-" + hex.EncodeToString(b[:6])
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("output %s: cannot create a file in directory %s: %w", path, shown, unwrap(err))
		}
		return &Output{path: path, target: target, f: f, tmp: tmp, old: old, inputs: inputs}, nil
	}
	return nil, fmt.Errorf("output %s: cannot create a temporary file in directory %s", path, shown)
}

// Name returns the output's path as given to Create.
func (o *Output) Name() string { return o.path }

// Write writes p to the output. After the first failure every call, and
// Commit, return that error.
func (o *Output) Write(p []byte) (int, error) {
	if o.done {
		return 0, outErr(o.path, os.ErrClosed)
	}
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.f.Write(p)
	if err != nil {
		o.err = outErr(o.path, err)
	}
	return n, o.err
}

// Commit finishes the output. A new or replaced file is flushed to disk and
// renamed into place; a device or a named pipe is closed. It returns the
// first write error, if any, or what went wrong while finishing, and then
// leaves no temporary file behind. The path is checked again just before
// the rename: if it has become something other than a regular file, or one
// of the inputs, nothing is replaced.
func (o *Output) Commit() error {
	if o.done {
		return outErr(o.path, os.ErrClosed)
	}
	o.done = true
	if o.tmp == "" {
		err := o.f.Close()
		if o.err != nil {
			return o.err
		}
		if err != nil {
			return outErr(o.path, err)
		}
		return nil
	}
	err := o.err
	if err == nil {
		err = o.f.Sync()
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err == nil && o.old != nil {
		err = os.Chmod(o.tmp, o.old.Mode().Perm())
	}
	if err == nil {
		err = o.recheck()
	}
	if err == nil {
		err = os.Rename(o.tmp, o.target)
	}
	if err != nil {
		os.Remove(o.tmp)
		if err == o.err {
			return err
		}
		return outErr(o.path, err)
	}
	return nil
}

// recheck refuses the rename when the target has changed since Create into
// something Create would have refused.
func (o *Output) recheck() error {
	st, err := os.Lstat(o.target)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s has become a %s: %w", o.target, Describe(st.Mode()), ErrNotWritable)
	}
	for _, in := range o.inputs {
		if in != nil && os.SameFile(st, in) {
			return fmt.Errorf("%s has become an input: %w", o.target, ErrIsInput)
		}
	}
	return nil
}

// Abort discards the output: the temporary file is closed and removed.
// What was already written to a device or a named pipe cannot be taken
// back. Abort after Commit, or a second Abort, does nothing, so it can be
// deferred.
func (o *Output) Abort() {
	if o.done {
		return
	}
	o.done = true
	o.f.Close()
	if o.tmp != "" {
		os.Remove(o.tmp)
	}
}

// outErr prefixes err with the output's path; the paths inside a
// *fs.PathError or an *os.LinkError are dropped, as they may be the
// temporary file's.
func outErr(path string, err error) error {
	return fmt.Errorf("output %s: %w", path, unwrap(err))
}

func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
