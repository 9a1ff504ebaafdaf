package report

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Escape makes a string taken from a log, a partial report or a file name
// safe to show: every rune that is not printable by strconv.IsPrint is
// written as Go's %q verb writes it, without the surrounding quotes, and
// every byte that is not valid UTF-8 as \xNN. So C0 and C1 control
// characters and DEL (which drive terminals: clear screen, window titles,
// OSC 52 clipboard writes), the bidi controls U+202A-U+202E, U+2066-U+2069,
// U+200E, U+200F and U+061C (which make "\u202etxt.exe" display as
// "exe.txt"), the other invisible format characters, line and paragraph
// separators and white space other than U+0020 become visible escapes such
// as \x1b, \n, \u202e or \u00a0. Printable text, accented, Cyrillic or CJK,
// is returned as it is, and so are backslashes (Windows paths and
// DOMAIN\user stay readable), so Escape(Escape(s)) == Escape(s).
//
// Every form but JSON passes log strings through Escape; commands
// should do the same with the file names and log strings they print.
func Escape(s string) string {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !safeRune(r, n) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case safeRune(r, n):
			b.WriteString(s[i : i+n])
		case r == utf8.RuneError && n <= 1:
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[s[i]>>4])
			b.WriteByte(hexDigits[s[i]&0xf])
		default:
			q := strconv.QuoteRune(r) // '\u202e', '\x1b', '\n'
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

const hexDigits = "0123456789abcdef"

// safeRune says whether a rune decoded with width n is shown as it is.
func safeRune(r rune, n int) bool {
	if r < utf8.RuneSelf {
		return r >= 0x20 && r < 0x7f
	}
	if r == utf8.RuneError && n <= 1 {
		return false
	}
	return strconv.IsPrint(r) // not Cc, Cf, Co, Cn, Zs but U+0020, Zl, Zp
}

// escapeAll applies Escape to each string of s, in a new slice.
func escapeAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = Escape(v)
	}
	return out
}
