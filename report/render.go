package report

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Format names a renderer.
type Format string

// The formats Render knows.
const (
	FormatText     Format = "text"
	FormatJSON     Format = "json"
	FormatCSV      Format = "csv"
	FormatMarkdown Format = "markdown"
	FormatHTML     Format = "html"
	FormatXLSX     Format = "xlsx" // an Excel workbook: WriteXLSX
)

// Formats lists every Format.
var Formats = []Format{FormatText, FormatJSON, FormatCSV, FormatMarkdown, FormatHTML, FormatXLSX}

// ErrFormat: the format name is not one of Formats.
var ErrFormat = errors.New("report: unknown format")

// ParseFormat reads a format name, case-insensitively; "md" is Markdown.
func ParseFormat(s string) (Format, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "md" {
		return FormatMarkdown, nil
	}
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w: %q (want one of %v)", ErrFormat, s, Formats)
}

// RenderOptions hold the options of every renderer; the zero value is usable.
type RenderOptions struct {
	Text TextOptions
	HTML HTMLOptions
}

// Render writes the report in format f.
func (r *Report) Render(w io.Writer, f Format, opts RenderOptions) error {
	switch f {
	case FormatText:
		return r.WriteText(w, opts.Text)
	case FormatJSON:
		return r.WriteJSON(w)
	case FormatCSV:
		return r.WriteCSV(w)
	case FormatMarkdown:
		return r.WriteMarkdown(w)
	case FormatHTML:
		return r.WriteHTML(w, opts.HTML)
	case FormatXLSX:
		return r.WriteXLSX(w)
	}
	return fmt.Errorf("%w: %q", ErrFormat, f)
}
