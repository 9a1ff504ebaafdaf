package smbaudit

import (
	"errors"
	"io/fs"

	"github.com/evtxkit/smbreadiness/evtx"
)

// Cause says why a file was skipped, decided from the error itself (see
// CauseOf). Its values are stable tokens: the report package writes them
// as they are in its JSON form.
type Cause string

// The causes of a skipped file.
const (
	CauseNotSkipped Cause = ""                    // the file was read
	CauseNotEVTX    Cause = "not-evtx"            // evtx.ErrNotEVTX: no EVTX header
	CauseNotRegular Cause = "not-regular"         // evtx.ErrNotRegular: a named pipe, a device, a socket
	CauseVersion    Cause = "unsupported-version" // evtx.ErrUnsupportedVersion
	CauseTooShort   Cause = "too-short"           // evtx.ErrShortFile: too short for an EVTX header
	CauseNotFound   Cause = "not-found"           // fs.ErrNotExist
	CausePermission Cause = "permission-denied"   // fs.ErrPermission
	CauseUnreadable Cause = "unreadable"          // any other error
)

// CauseOf returns the cause of err, the error that made a file unreadable,
// by the sentinel errors it wraps; CauseNotSkipped for nil.
func CauseOf(err error) Cause {
	switch {
	case err == nil:
		return CauseNotSkipped
	case errors.Is(err, evtx.ErrNotEVTX):
		return CauseNotEVTX
	case errors.Is(err, evtx.ErrNotRegular):
		return CauseNotRegular
	case errors.Is(err, evtx.ErrUnsupportedVersion):
		return CauseVersion
	case errors.Is(err, evtx.ErrShortFile):
		return CauseTooShort
	case errors.Is(err, fs.ErrNotExist):
		return CauseNotFound
	case errors.Is(err, fs.ErrPermission):
		return CausePermission
	}
	return CauseUnreadable
}

// Known reports whether c is one of the Cause constants.
func (c Cause) Known() bool {
	switch c {
	case CauseNotSkipped, CauseNotEVTX, CauseNotRegular, CauseVersion, CauseTooShort, CauseNotFound, CausePermission, CauseUnreadable:
		return true
	}
	return false
}

// Text returns c as a phrase for messages, such as "not EVTX"; a cause that
// is not one of the constants is returned as it is.
func (c Cause) Text() string {
	switch c {
	case CauseNotEVTX:
		return "not EVTX"
	case CauseNotRegular:
		return "not a regular file"
	case CauseVersion:
		return "unsupported EVTX version"
	case CauseTooShort:
		return "too short for an EVTX header"
	case CauseNotFound:
		return "not found"
	case CausePermission:
		return "permission denied"
	case CauseUnreadable:
		return "unreadable"
	}
	return string(c)
}

// skippedFile is the FileResult of a path that could not be read at all.
func skippedFile(path string, err error) FileResult {
	return FileResult{Path: path, Skipped: true, Err: err, Cause: CauseOf(err)}
}
