package report

import (
	"reflect"
	"unicode/utf8"

	"github.com/evtxkit/smbreadiness/internal/textsafe"
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
// as \x1b, \n, \u202e or \u00a0; so do the printable runes that draw
// nothing (U+034F, the Hangul fillers such as U+3164, the variation
// selectors), which would make "ws01\u3164" read as "ws01". Printable
// text, accented, Cyrillic or CJK, is returned as it is, and so are
// backslashes (Windows paths and DOMAIN\user stay readable), so
// Escape(Escape(s)) == Escape(s).
//
// Every form but JSON passes log strings through Escape; commands
// should do the same with the file names and log strings they print (the
// example commands do).
func Escape(s string) string { return textsafe.Escape(s) }

// escapeAll applies Escape to each string of s, in a new slice.
func escapeAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = Escape(v)
	}
	return out
}

// validUTF8 returns s with each byte that is not valid UTF-8 written as
// Escape writes it, \xNN, and the rest as it is: what the JSON form
// holds of a string that JSON could hold only with U+FFFD for those
// bytes (a file name on Unix may be any bytes), so that it stays
// recognisable and agrees with the other forms.
func validUTF8(s string) string { return textsafe.ValidUTF8(s) }

// validStrings applies validUTF8 to every string of v, a settable value
// of the JSON form's structs, slices, maps and strings. A slice or map
// that holds such a string is copied first, for it may share its array
// with the report's.
func validStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if s := v.String(); !utf8.ValidString(s) && v.CanSet() {
			v.SetString(validUTF8(s))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			validStrings(v.Field(i))
		}
	case reflect.Slice:
		if !hasInvalidUTF8(v) || !v.CanSet() {
			return
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		v.Set(c)
		for i := range c.Len() {
			validStrings(c.Index(i))
		}
	case reflect.Map:
		if !hasInvalidUTF8(v) || !v.CanSet() {
			return
		}
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			k.Set(it.Key())
			e.Set(it.Value())
			validStrings(k)
			validStrings(e)
			c.SetMapIndex(k, e)
		}
		v.Set(c)
	}
}

// hasInvalidUTF8 says whether a string of v, as validStrings walks it, is
// not valid UTF-8.
func hasInvalidUTF8(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return !utf8.ValidString(v.String())
	case reflect.Struct:
		for i := range v.NumField() {
			if hasInvalidUTF8(v.Field(i)) {
				return true
			}
		}
	case reflect.Slice:
		if k := v.Type().Elem().Kind(); k != reflect.String && k != reflect.Struct {
			return false
		}
		for i := range v.Len() {
			if hasInvalidUTF8(v.Index(i)) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if hasInvalidUTF8(it.Key()) || hasInvalidUTF8(it.Value()) {
				return true
			}
		}
	}
	return false
}
