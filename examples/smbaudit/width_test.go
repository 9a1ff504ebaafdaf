package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// escapes matches the ANSI sequences of the colors and of the progress bar.
var escapes = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// visibleLines returns the lines a terminal shows of out: split at line
// ends and carriage returns, without escape sequences.
func visibleLines(out string) []string {
	out = strings.ReplaceAll(escapes.ReplaceAllString(out, ""), "\r\n", "\n")
	return strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' })
}

// clientHeader returns the header row of the clients table.
func clientHeader(out string) string {
	for _, l := range visibleLines(out) {
		if strings.HasPrefix(l, "CLIENT ") {
			return l
		}
	}
	return ""
}

// In process, a fake terminal of COLUMNS columns: no line of the report or
// of the progress bar is wider, and the columns use the room; stdout that
// is not a terminal keeps the layout of a file whatever COLUMNS says.
func TestTerminalWidthInProcess(t *testing.T) {
	plain := runCmd(t, fixtures)
	require.Equal(t, exitOK, plain.code, plain.stderr)
	for _, cols := range []int{80, 120} {
		t.Run(itoa(cols), func(t *testing.T) {
			t.Setenv("COLUMNS", itoa(cols))
			var stdout, stderr tty
			r := runWith(t, context.Background(), &stdout, &stderr, fixtures)
			require.Equal(t, exitOK, r.code, r.stderr)
			for _, l := range visibleLines(r.stdout) {
				assert.LessOrEqual(t, len([]rune(l)), cols, "%q", l)
			}
			bars := 0
			for _, l := range visibleLines(r.stderr) {
				if strings.HasPrefix(l, "[") {
					bars++
					assert.LessOrEqual(t, len(l), cols-1, "%q", l)
					assert.Regexp(t, ` ETA (--|[0-9hms.µn]+)$`, l)
				}
			}
			assert.Positive(t, bars, "the progress bar was drawn")
			assert.Equal(t, map[int]int{80: 18, 120: 48}[cols], strings.Index(clientHeader(r.stdout), "SMB1"))

			piped := runCmd(t, fixtures)
			assert.Equal(t, sansCommandLine(plain.stdout), sansCommandLine(piped.stdout), "a pipe keeps the file layout")
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// On a real pseudo-terminal (script(1), Linux) of 80 and of 120 columns,
// no line of the report or of the progress bar is wider than the terminal: the width comes from the terminal
// itself, not from a stale COLUMNS.
func TestTerminalWidthPty(t *testing.T) {
	scriptCmd, err := exec.LookPath("script")
	if runtime.GOOS != "linux" || err != nil {
		t.Skip("needs Linux and script(1) from util-linux for a pseudo-terminal")
	}
	for _, cols := range []int{80, 120} {
		cmd := exec.Command(scriptCmd, "-qec", "stty cols "+itoa(cols)+" rows 50; "+built(t)+" "+fixtures, filepath.Join(t.TempDir(), "typescript"))
		cmd.Env = append(os.Environ(), "NO_COLOR=", "COLUMNS=33")
		var out bytes.Buffer
		cmd.Stdout = &out
		require.NoError(t, cmd.Run())
		lines := visibleLines(out.String())
		require.NotEmpty(t, lines)
		for _, l := range lines {
			if strings.HasPrefix(l, "smbaudit: ") {
				continue // a diagnostic on stderr, which the terminal wraps
			}
			assert.LessOrEqual(t, len([]rune(l)), cols, "%d columns: %q", cols, l)
		}
		assert.Equal(t, map[int]int{80: 18, 120: 48}[cols], strings.Index(clientHeader(out.String()), "SMB1"), cols)
		assert.Contains(t, out.String(), "100% 5/5 files", "the progress bar was drawn")
	}
}
