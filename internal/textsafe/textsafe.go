// Package textsafe makes text taken from logs and file names safe to show
// on a terminal, in a file or in a report: what the report package's
// Escape does, for the commands too, without linking the report package.
package textsafe

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns s with every rune that is not printable by strconv.IsPrint
// written as Go's %q verb writes it, without the quotes, every byte that
// is not valid UTF-8 as \xNN, and the printable runes that draw nothing
// (default-ignorable letters and marks, variation selectors) as \uXXXX.
// Backslashes stay as they are, so Escape(Escape(s)) == Escape(s). See
// report.Escape for what it guards against.
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
		case strconv.IsPrint(r): // printable but invisible: QuoteRune would keep it
			if r <= 0xffff {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				fmt.Fprintf(&b, `\U%08x`, r)
			}
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
	// Not Cc, Cf, Co, Cn, Zs but U+0020, Zl, Zp; nor the letters and marks
	// that draw nothing (the default-ignorable code points that are not
	// Cf: U+034F, the Hangul fillers, the variation selectors).
	return strconv.IsPrint(r) && (r < 0x34f || !unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector))
}

// ValidUTF8 returns s with each byte that is not valid UTF-8 written as
// Escape writes it, \xNN, and the rest as it is: what the JSON form
// holds of a string that JSON could hold only with U+FFFD for those
// bytes (a file name on Unix may be any bytes), so that it stays
// recognisable and agrees with the other forms.
func ValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[s[i]>>4])
			b.WriteByte(hexDigits[s[i]&0xf])
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
