package smbaudit

import (
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

// SkipCause sorts the reason a file was skipped into one of the Cause
// constants, so that a summary can count skipped files by cause; it returns
// CauseNotSkipped for a file that was read. The Reason keeps the full text.
func (fr FileResult) SkipCause() string {
	if !fr.Skipped {
		return CauseNotSkipped
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
