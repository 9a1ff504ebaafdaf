//go:build !unix

package safefile

import "os"

// openInput opens path read-only. Without O_NONBLOCK on this platform, the
// type check before the open is the guard against named pipes.
func openInput(path string) (*os.File, error) {
	return os.Open(path)
}

// openThrough opens an existing device or named pipe for writing, without
// creating or truncating it.
func openThrough(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY, 0)
}

func isNoReader(error) bool { return false }
