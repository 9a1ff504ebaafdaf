package smbaudit

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/evtxkit/smbreadiness/evtx"
)

// Causes of a skipped file, as SkipCause names them.
const (
	CauseNotEVTX    = "not EVTX"
	CauseVersion    = "unsupported EVTX version"
	CauseTooShort   = "too short for an EVTX header"
	CauseNotFound   = "not found"
	CausePermission = "permission denied"
	CauseUnreadable = "unreadable"
	CauseNotSkipped = ""
)

// SkipCause returns the cause of a skipped file, one of the Cause constants,
// so that a summary can count skipped files by cause; it returns
// CauseNotSkipped for a file that was read. Scan sets the cause from the
// error itself; for a FileResult that carries only its Reason text (one
// rebuilt from elsewhere), the cause is read from that text.
func (fr FileResult) SkipCause() string {
	switch {
	case !fr.Skipped:
		return CauseNotSkipped
	case fr.Cause != "":
		return fr.Cause
	}
	r := strings.ToLower(fr.Reason)
	for _, c := range []struct{ text, cause string }{
		{evtx.ErrNotEVTX.Error(), CauseNotEVTX},
		{evtx.ErrUnsupportedVersion.Error(), CauseVersion},
		{evtx.ErrShortFile.Error(), CauseTooShort},
		{"no such file or directory", CauseNotFound},
		{"cannot find the", CauseNotFound}, // Windows: "The system cannot find the file/path specified."
		{"permission denied", CausePermission},
		{"access is denied", CausePermission},
	} {
		if strings.Contains(r, strings.ToLower(c.text)) {
			return c.cause
		}
	}
	return CauseUnreadable
}

// skippedFile is the FileResult of a path that could not be read at all.
func skippedFile(path string, err error) FileResult {
	return FileResult{Path: path, Skipped: true, Reason: err.Error(), Cause: skipCause(err)}
}

// skipCause sorts the error that made a file unreadable into a Cause
// constant, by the sentinels it wraps.
func skipCause(err error) string {
	switch {
	case errors.Is(err, evtx.ErrNotEVTX):
		return CauseNotEVTX
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
