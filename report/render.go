package report

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Format names a renderer.
type Format string

// The formats Render knows.
const (
	FormatText     Format = "text"
	FormatJSON     Format = "json"
	FormatCSV      Format = "csv"
	FormatMarkdown Format = "md"
	FormatHTML     Format = "html"
	FormatXLSX     Format = "xlsx" // an Excel workbook
)

// Formats returns every Format, in a slice of the caller's own.
func Formats() []Format { return slices.Clone(allFormats) }

var allFormats = []Format{FormatText, FormatJSON, FormatCSV, FormatMarkdown, FormatHTML, FormatXLSX}

// ErrFormat: the format name is not one of Formats.
var ErrFormat = errors.New("report: unknown format")

// String returns the format's name, as Formats spell it.
func (f Format) String() string { return string(f) }

// MarshalText returns the format's name.
func (f Format) MarshalText() ([]byte, error) { return []byte(f), nil }

// UnmarshalText reads a format name, without regard to case or surrounding
// space; "markdown" is md. An unknown name gives an error wrapping ErrFormat.
func (f *Format) UnmarshalText(text []byte) error {
	s := strings.ToLower(strings.TrimSpace(string(text)))
	if s == "markdown" {
		*f = FormatMarkdown
		return nil
	}
	for _, v := range allFormats {
		if string(v) == s {
			*f = v
			return nil
		}
	}
	names := make([]string, len(allFormats))
	for i, v := range allFormats {
		names[i] = string(v)
	}
	return fmt.Errorf("%w: %q (want one of %s)", ErrFormat, text, strings.Join(names, ", "))
}

// RenderOptions hold the options of every renderer; the zero value is usable.
type RenderOptions struct {
	// Color adds ANSI colors to the text form (for a terminal).
	Color bool
	// Width is the text form's line width; 0 means 100. From 80 columns
	// no line is wider: the client and server columns take the room left
	// (and are cut with "~"), and under 89 (clients) or 98 (servers)
	// columns the table times show their date alone.
	Width int
	// Title is the HTML page's title; "" means "SMB hardening readiness
	// report".
	Title string
	// Location is the zone the human formats (text, md, html, xlsx) show
	// times in, named once in their header; exact times then carry their
	// offset. nil keeps UTC. JSON and CSV (and the timeline) are always
	// UTC: they are read by programs, and a zone would make two runs'
	// files differ.
	Location *time.Location
}

// Render writes the report in format f, the one way to render it (see
// the package documentation for each form). It returns the first error of
// w, or an error wrapping ErrFormat for an unknown format.
func (r *Report) Render(w io.Writer, f Format, opts RenderOptions) error {
	z := zone{opts.Location}
	switch f {
	case FormatText:
		return r.writeText(w, opts, z)
	case FormatJSON:
		return r.writeJSON(w)
	case FormatCSV:
		return r.writeCSV(w)
	case FormatMarkdown:
		return r.writeMarkdown(w, z)
	case FormatHTML:
		return r.writeHTML(w, opts, z)
	case FormatXLSX:
		return r.writeXLSX(w, z)
	}
	return fmt.Errorf("%w: %q", ErrFormat, f)
}
