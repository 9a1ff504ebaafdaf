package safefile

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, path, content string, perm fs.FileMode) string {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), perm))
	require.NoError(t, os.Chmod(path, perm))
	return path
}

// symlink makes a symbolic link or skips the test where that is not allowed
// (Windows without developer mode).
func symlink(t *testing.T, target, link string) string {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symbolic links not available: %v", err)
	}
	return link
}

func TestOpenRegular(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, filepath.Join(dir, "a.evtx"), "ElfFile", 0o644)
	tests := []struct {
		name    string
		path    func(t *testing.T) string
		wantErr error
		wantMsg string
	}{
		{"regular file", func(*testing.T) string { return file }, nil, ""},
		{"symbolic link to a regular file", func(t *testing.T) string {
			return symlink(t, file, filepath.Join(dir, "link.evtx"))
		}, nil, ""},
		{"directory", func(*testing.T) string { return dir }, ErrNotRegular, "directory: not a regular file"},
		{"symbolic link to a directory", func(t *testing.T) string {
			return symlink(t, dir, filepath.Join(dir, "dirlink.evtx"))
		}, ErrNotRegular, "dirlink.evtx: directory"},
		{"missing", func(*testing.T) string { return filepath.Join(dir, "none.evtx") }, fs.ErrNotExist, "none.evtx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := OpenRegular(tt.path(t))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Contains(t, err.Error(), tt.wantMsg)
				assert.Nil(t, f)
				return
			}
			require.NoError(t, err)
			defer f.Close()
			b := make([]byte, 7)
			_, err = f.Read(b)
			require.NoError(t, err)
			assert.Equal(t, "ElfFile", string(b))
			_, err = f.Write([]byte("x"))
			assert.Error(t, err, "opened read-only")
		})
	}
}

func TestOutputAction(t *testing.T) {
	tests := []struct {
		mode fs.FileMode
		want action
		desc string
	}{
		{0o644, replace, "regular file"},
		{fs.ModeDir | 0o755, refuse, "directory"},
		{fs.ModeNamedPipe | 0o600, writeThrough, "named pipe (FIFO)"},
		{fs.ModeDevice | fs.ModeCharDevice | 0o666, writeThrough, "character device"},
		{fs.ModeDevice | 0o660, refuse, "block device"},
		{fs.ModeSocket | 0o755, refuse, "socket"},
		{fs.ModeIrregular, refuse, "irregular file"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			assert.Equal(t, tt.want, outputAction(tt.mode))
			assert.Equal(t, tt.desc, Describe(tt.mode))
		})
	}
}

// TestOutputActionNullDevice inspects the null device with Stat only: it is
// shared by every user of the machine and is never opened here.
func TestOutputActionNullDevice(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/null")
	}
	st, err := os.Stat("/dev/null")
	if err != nil {
		t.Skipf("no /dev/null: %v", err)
	}
	assert.Equal(t, writeThrough, outputAction(st.Mode()), "written through, never replaced")
	assert.Equal(t, "character device", Describe(st.Mode()))
}

// umasked returns the mode the system gives a new file created with 0644.
func umasked(t *testing.T) fs.FileMode {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ref")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	f.Close()
	st, err := os.Stat(p)
	require.NoError(t, err)
	return st.Mode().Perm()
}

func TestCreate(t *testing.T) {
	report := "the report\n"
	type setup struct {
		out  string
		opts Options
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string) setup
		wantErr error
		wantMsg string
		// check runs after a successful Commit.
		check func(t *testing.T, dir string)
	}{
		{"new file", func(t *testing.T, dir string) setup {
			return setup{out: filepath.Join(dir, "r.txt")}
		}, nil, "", func(t *testing.T, dir string) {
			assert.Equal(t, report, read(t, filepath.Join(dir, "r.txt")))
			if runtime.GOOS != "windows" {
				assert.Equal(t, umasked(t), mode(t, filepath.Join(dir, "r.txt")), "0644 less the umask")
			}
		}},
		{"existing regular file keeps its mode", func(t *testing.T, dir string) setup {
			return setup{out: writeFile(t, filepath.Join(dir, "r.txt"), "old", 0o640)}
		}, nil, "", func(t *testing.T, dir string) {
			assert.Equal(t, report, read(t, filepath.Join(dir, "r.txt")))
			if runtime.GOOS != "windows" {
				assert.Equal(t, fs.FileMode(0o640), mode(t, filepath.Join(dir, "r.txt")))
			}
		}},
		{"the input itself", func(t *testing.T, dir string) setup {
			in := writeFile(t, filepath.Join(dir, "in.evtx"), "evidence", 0o644)
			return setup{out: in, opts: Options{Inputs: []string{in}}}
		}, ErrIsInput, "in.evtx: same file as the input ", nil},
		{"the input by another path", func(t *testing.T, dir string) setup {
			writeFile(t, filepath.Join(dir, "in.evtx"), "evidence", 0o644)
			require.NoError(t, os.Mkdir(filepath.Join(dir, "x"), 0o755))
			sep := string(filepath.Separator)
			return setup{out: dir + sep + "x" + sep + ".." + sep + "in.evtx", opts: Options{Inputs: []string{dir + sep + "." + sep + "in.evtx"}}}
		}, ErrIsInput, "", nil},
		{"a hard link to the input", func(t *testing.T, dir string) setup {
			in := writeFile(t, filepath.Join(dir, "in.evtx"), "evidence", 0o644)
			require.NoError(t, os.Link(in, filepath.Join(dir, "hard.evtx")))
			return setup{out: filepath.Join(dir, "hard.evtx"), opts: Options{Inputs: []string{in}}}
		}, ErrIsInput, "", nil},
		{"a symbolic link to the input", func(t *testing.T, dir string) setup {
			in := writeFile(t, filepath.Join(dir, "in.evtx"), "evidence", 0o644)
			return setup{out: symlink(t, "in.evtx", filepath.Join(dir, "link.evtx")), opts: Options{Inputs: []string{in}}}
		}, ErrIsInput, "link.evtx: same file as the input ", nil},
		{"a file under an input directory that IsInput selects", func(t *testing.T, dir string) setup {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "logs", "fs01"), 0o755))
			in := writeFile(t, filepath.Join(dir, "logs", "fs01", "A.EVTX"), "evidence", 0o644)
			return setup{out: in, opts: Options{Inputs: []string{filepath.Join(dir, "logs")}, IsInput: isEVTX}}
		}, ErrIsInput, filepath.Join("fs01", "A.EVTX"), nil},
		{"a file under an input directory that IsInput does not select", func(t *testing.T, dir string) setup {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "logs"), 0o755))
			writeFile(t, filepath.Join(dir, "logs", "a.evtx"), "evidence", 0o644)
			return setup{out: writeFile(t, filepath.Join(dir, "logs", "r.html"), "old", 0o644),
				opts: Options{Inputs: []string{filepath.Join(dir, "logs")}, IsInput: isEVTX}}
		}, nil, "", func(t *testing.T, dir string) {
			assert.Equal(t, report, read(t, filepath.Join(dir, "logs", "r.html")))
			assert.Equal(t, "evidence", read(t, filepath.Join(dir, "logs", "a.evtx")))
		}},
		{"under an input directory without IsInput", func(t *testing.T, dir string) setup {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "logs"), 0o755))
			return setup{out: writeFile(t, filepath.Join(dir, "logs", "a.evtx"), "old", 0o644),
				opts: Options{Inputs: []string{filepath.Join(dir, "logs")}}}
		}, nil, "", func(t *testing.T, dir string) {
			assert.Equal(t, report, read(t, filepath.Join(dir, "logs", "a.evtx")), "only the paths given are protected")
		}},
		{"a symbolic link: its target is written, the link stays", func(t *testing.T, dir string) setup {
			require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
			writeFile(t, filepath.Join(dir, "sub", "real.txt"), "old", 0o600)
			return setup{out: symlink(t, filepath.Join("sub", "real.txt"), filepath.Join(dir, "link.txt"))}
		}, nil, "", func(t *testing.T, dir string) {
			assert.Equal(t, report, read(t, filepath.Join(dir, "sub", "real.txt")))
			if runtime.GOOS != "windows" {
				assert.Equal(t, fs.FileMode(0o600), mode(t, filepath.Join(dir, "sub", "real.txt")))
			}
			st, err := os.Lstat(filepath.Join(dir, "link.txt"))
			require.NoError(t, err)
			assert.NotZero(t, st.Mode()&fs.ModeSymlink, "still a link")
		}},
		{"a symbolic link to nothing: its target is created", func(t *testing.T, dir string) setup {
			return setup{out: symlink(t, "new.txt", filepath.Join(dir, "dangling.txt"))}
		}, nil, "", func(t *testing.T, dir string) {
			assert.Equal(t, report, read(t, filepath.Join(dir, "new.txt")))
			st, err := os.Lstat(filepath.Join(dir, "dangling.txt"))
			require.NoError(t, err)
			assert.NotZero(t, st.Mode()&fs.ModeSymlink, "still a link")
		}},
		{"a directory", func(t *testing.T, dir string) setup {
			return setup{out: dir}
		}, ErrNotWritable, "directory", nil},
		{"a missing directory", func(t *testing.T, dir string) setup {
			return setup{out: filepath.Join(dir, "missing", "r.txt")}
		}, fs.ErrNotExist, filepath.Join("missing", "r.txt") + ": cannot create a file in directory", nil},
		{"a directory that is a file", func(t *testing.T, dir string) setup {
			writeFile(t, filepath.Join(dir, "file"), "x", 0o644)
			return setup{out: filepath.Join(dir, "file", "r.txt")}
		}, nil, filepath.Join("file", "r.txt") + ": not a directory", nil},
		{"empty path", func(t *testing.T, dir string) setup {
			return setup{}
		}, nil, "empty path", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := tt.setup(t, dir)
			before := snapshot(t, dir)
			out, err := Create(s.out, s.opts)
			if tt.check == nil {
				require.Error(t, err)
				if tt.wantErr != nil {
					assert.ErrorIs(t, err, tt.wantErr)
				}
				assert.Contains(t, err.Error(), tt.wantMsg)
				assert.NotContains(t, err.Error(), ".tmp-", "the error names the output, not the temporary file")
				assert.Equal(t, before, snapshot(t, dir), "nothing changed")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, s.out, out.Name())
			_, err = out.Write([]byte(report))
			require.NoError(t, err)
			require.NoError(t, out.Commit())
			out.Abort() // a no-op after Commit
			tt.check(t, dir)
			assert.Empty(t, temps(t, dir), "no temporary file left")
		})
	}
}

func TestCreateIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, filepath.Join(dir, "r.txt"), "old", 0o644)
	out, err := Create(path, Options{})
	require.NoError(t, err)
	tmp := temps(t, dir)
	require.Len(t, tmp, 1, "the temporary file is created by Create")
	if runtime.GOOS != "windows" {
		assert.Equal(t, fs.FileMode(0o600), mode(t, tmp[0]), "private until Commit")
	}
	_, err = out.Write([]byte("new"))
	require.NoError(t, err)
	assert.Equal(t, "old", read(t, path), "nothing visible before Commit")
	require.NoError(t, out.Commit())
	assert.Equal(t, "new", read(t, path))
	assert.ErrorIs(t, out.Commit(), os.ErrClosed, "a second Commit")
	_, err = out.Write([]byte("x"))
	assert.ErrorIs(t, err, os.ErrClosed)
}

func TestAbort(t *testing.T) {
	dir := t.TempDir()
	old := writeFile(t, filepath.Join(dir, "old.txt"), "old", 0o644)
	for _, path := range []string{old, filepath.Join(dir, "new.txt")} {
		out, err := Create(path, Options{})
		require.NoError(t, err)
		_, err = out.Write([]byte("half a report"))
		require.NoError(t, err)
		out.Abort()
		out.Abort()
		assert.ErrorIs(t, out.Commit(), os.ErrClosed)
	}
	assert.Equal(t, "old", read(t, old))
	assert.NoFileExists(t, filepath.Join(dir, "new.txt"))
	assert.Empty(t, temps(t, dir))
}

func TestCreateReadOnlyDirectory(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("needs a directory the user cannot write to")
	}
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	require.NoError(t, os.Mkdir(ro, 0o555))
	t.Cleanup(func() { os.Chmod(ro, 0o755) })
	_, err := Create(filepath.Join(ro, "r.txt"), Options{})
	require.ErrorIs(t, err, fs.ErrPermission)
	assert.Contains(t, err.Error(), "output "+filepath.Join(ro, "r.txt")+": cannot create a file in directory "+ro)
}

func isEVTX(p string) bool { return strings.EqualFold(filepath.Ext(p), ".evtx") }

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	require.NoError(t, err)
	return st.Mode().Perm()
}

// temps lists the temporary files left in dir.
func temps(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			found = append(found, p)
		}
		return err
	}))
	return found
}

// snapshot records every name, type and content under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		v := d.Type().String()
		if d.Type().IsRegular() {
			v += " " + read(t, p)
		}
		m[p] = v
		return nil
	}))
	return m
}
