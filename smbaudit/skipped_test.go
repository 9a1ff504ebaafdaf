package smbaudit

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSkipCause(t *testing.T) {
	for _, tc := range []struct {
		fr   FileResult
		want string
	}{
		{FileResult{Path: "a"}, CauseNotSkipped},
		{FileResult{Skipped: true, Reason: "open x: evtx: not an EVTX file: magic \"hello\""}, CauseNotEVTX},
		{FileResult{Skipped: true, Reason: "x: evtx: unsupported format version 4.0"}, CauseVersion},
		{FileResult{Skipped: true, Reason: "x: evtx: file too short for a header"}, CauseTooShort},
		{FileResult{Skipped: true, Reason: "stat /nope: no such file or directory"}, CauseNotFound},
		{FileResult{Skipped: true, Reason: "CreateFile x: The system cannot find the file specified."}, CauseNotFound},
		{FileResult{Skipped: true, Reason: "open x: permission denied"}, CausePermission},
		{FileResult{Skipped: true, Reason: "open x: Access is denied."}, CausePermission},
		{FileResult{Skipped: true, Reason: "read x: input/output error"}, CauseUnreadable},
	} {
		assert.Equal(t, tc.want, tc.fr.SkipCause(), tc.fr.Reason)
	}
}

// The causes must match what Scan really reports, not only the sentinel
// texts copied above.
func TestSkipCauseOnScan(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "x.evtx")
	short := filepath.Join(dir, "short.evtx")
	require.NoError(t, os.WriteFile(text, []byte(string(make([]byte, 8192))+"not a log"), 0o644))
	require.NoError(t, os.WriteFile(short, []byte("ElfFile\x00"), 0o644))
	missing := filepath.Join(dir, "missing.evtx")
	res, err := Scan(context.Background(), []string{text, short, missing}, ScanOptions{})
	require.NoError(t, err)
	got := map[string]string{}
	for _, f := range res.Files {
		got[f.Path] = f.SkipCause()
	}
	assert.Equal(t, map[string]string{text: CauseNotEVTX, short: CauseTooShort, missing: CauseNotFound}, got)
}
