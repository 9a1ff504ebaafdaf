//go:build unix

package safefile

import (
	"os"
	"syscall"
)

// openInput opens path read-only with O_NONBLOCK, so that a named pipe put
// in place of the checked file cannot block the open, then puts the
// descriptor back in blocking mode.
func openInput(path string) (*os.File, error) {
	return openNonblock(path, syscall.O_RDONLY)
}

// openThrough opens an existing device or named pipe for writing, without
// creating or truncating it. A named pipe without a reader fails with
// ENXIO instead of blocking.
func openThrough(path string) (*os.File, error) {
	return openNonblock(path, syscall.O_WRONLY|syscall.O_NOCTTY)
}

func openNonblock(path string, flag int) (*os.File, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, flag|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	// A blocking descriptor given to NewFile stays out of the runtime
	// poller, so reads and writes are plain blocking calls.
	return os.NewFile(uintptr(fd), path), nil
}

// isNoReader reports whether err is the failure of a non-blocking open of
// a named pipe that has no reader.
func isNoReader(err error) bool {
	pe, ok := err.(*os.PathError)
	return ok && pe.Err == syscall.ENXIO
}
