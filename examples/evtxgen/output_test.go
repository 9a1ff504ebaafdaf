package main

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/internal/safefile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// untouched is a standard input that fails the test when read: the output
// must be refused before the input is consumed.
type untouched struct{ t *testing.T }

func (u untouched) Read([]byte) (int, error) {
	u.t.Error("standard input read before the output was checked")
	return 0, io.EOF
}

func TestRunOutputRules(t *testing.T) {
	tests := []struct {
		name string
		// setup returns the arguments; in.jsonl exists in dir.
		setup   func(t *testing.T, dir string) []string
		wantErr error
		wantMsg string // DIR stands for the case's directory
		check   func(t *testing.T, dir string)
	}{
		{"the input as output", func(t *testing.T, dir string) []string {
			return []string{"-o", filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "in.jsonl")}
		}, safefile.ErrIsInput, "in.jsonl: same file as the input ", nil},
		{"a symbolic link to the input as output", func(t *testing.T, dir string) []string {
			if err := os.Symlink("in.jsonl", filepath.Join(dir, "out.evtx")); err != nil {
				t.Skipf("symbolic links not available: %v", err)
			}
			return []string{"-o", filepath.Join(dir, "out.evtx"), filepath.Join(dir, "in.jsonl")}
		}, safefile.ErrIsInput, "out.evtx: same file as the input ", nil},
		{"a missing directory", func(t *testing.T, dir string) []string {
			return []string{"-o", filepath.Join(dir, "missing", "out.evtx")}
		}, fs.ErrNotExist, "output " + filepath.Join("DIR", "missing", "out.evtx") + ": cannot create a file in directory " + filepath.Join("DIR", "missing") + ": ", nil},
		{"a directory", func(t *testing.T, dir string) []string {
			return []string{"-o", dir}
		}, safefile.ErrNotWritable, "directory", nil},
		{"an existing file keeps its mode", func(t *testing.T, dir string) []string {
			p := filepath.Join(dir, "out.evtx")
			require.NoError(t, os.WriteFile(p, []byte("old"), 0o600))
			require.NoError(t, os.Chmod(p, 0o600))
			return []string{"-o", p, filepath.Join(dir, "in.jsonl")}
		}, nil, "", func(t *testing.T, dir string) {
			st := assertEVTX(t, filepath.Join(dir, "out.evtx"))
			if runtime.GOOS != "windows" {
				assert.Equal(t, fs.FileMode(0o600), st.Mode().Perm())
			}
		}},
		{"a symbolic link: the target is written", func(t *testing.T, dir string) []string {
			if err := os.Symlink("real.evtx", filepath.Join(dir, "out.evtx")); err != nil {
				t.Skipf("symbolic links not available: %v", err)
			}
			return []string{"-o", filepath.Join(dir, "out.evtx"), filepath.Join(dir, "in.jsonl")}
		}, nil, "", func(t *testing.T, dir string) {
			assertEVTX(t, filepath.Join(dir, "real.evtx"))
			st, err := os.Lstat(filepath.Join(dir, "out.evtx"))
			require.NoError(t, err)
			assert.NotZero(t, st.Mode()&fs.ModeSymlink, "still a link")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.jsonl")
			require.NoError(t, os.WriteFile(in, []byte(line+"\n"), 0o644))
			var stderr bytes.Buffer
			err := run(tt.setup(t, dir), untouched{t}, &stderr)
			b, rerr := os.ReadFile(in)
			require.NoError(t, rerr)
			assert.Equal(t, line+"\n", string(b), "the input is never modified")
			if tt.check == nil {
				require.Error(t, err)
				if tt.wantErr != nil {
					assert.True(t, errors.Is(err, tt.wantErr), "%v does not wrap %v", err, tt.wantErr)
				}
				assert.Contains(t, err.Error(), strings.ReplaceAll(tt.wantMsg, "DIR", dir))
				assert.NotContains(t, err.Error(), ".tmp-")
				return
			}
			require.NoError(t, err)
			tt.check(t, dir)
		})
	}
}

func assertEVTX(t *testing.T, path string) fs.FileInfo {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	r, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)), path)
	require.NoError(t, err)
	n := 0
	for _, err := range r.Events(t.Context(), evtx.Options{}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 1, n)
	st, err := os.Stat(path)
	require.NoError(t, err)
	return st
}
