package main

import (
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"
)

// termWidth returns the width in columns of the terminal w is, or 0 when
// w is not a terminal (then the layouts stay as they are for files and
// pipes). It asks the terminal (an *os.File); when that fails or w has no
// file descriptor, it takes COLUMNS, when set to a number.
func termWidth(w io.Writer) int {
	if !isTerminal(w) {
		return 0
	}
	if f, ok := w.(interface{ Fd() uintptr }); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(os.Getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	return 0
}
