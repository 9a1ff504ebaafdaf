package safefile_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/evtxkit/smbreadiness/internal/safefile"
)

// A command checks its output first, does its work, then writes and
// commits; a deferred Abort removes the temporary file on every early
// return.
func ExampleCreate() {
	dir, _ := os.MkdirTemp("", "safefile")
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.evtx")
	os.WriteFile(in, []byte("evidence"), 0o644)

	// Writing over the input is refused before any work is done.
	_, err := safefile.Create(in, safefile.Options{Inputs: []string{in}})
	fmt.Println(errors.Is(err, safefile.ErrIsInput))

	out, err := safefile.Create(filepath.Join(dir, "report.txt"), safefile.Options{Inputs: []string{in}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer out.Abort()
	// ... the scan runs here ...
	fmt.Fprintln(out, "no client breaks")
	if err := out.Commit(); err != nil {
		fmt.Println(err)
		return
	}
	b, _ := os.ReadFile(filepath.Join(dir, "report.txt"))
	fmt.Print(string(b))
	// Output:
	// true
	// no client breaks
}

func ExampleOpenRegular() {
	f, err := safefile.OpenRegular(os.TempDir())
	fmt.Println(f == nil, errors.Is(err, safefile.ErrNotRegular))
	// Output: true true
}
