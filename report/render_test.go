package report_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
)

func TestFormatUnmarshalTextAndRender(t *testing.T) {
	r := sampleReport(t)
	tests := []struct {
		in     string
		want   report.Format
		prefix string
	}{
		{"text", report.FormatText, "SMB hardening readiness report"},
		{"JSON", report.FormatJSON, "{\n  \"schema\": \"smbreadiness.report/v1\""},
		{"csv", report.FormatCSV, "# tool version,"},
		{"md", report.FormatMarkdown, "# SMB hardening readiness report"},
		{" markdown ", report.FormatMarkdown, "# SMB hardening readiness report"},
		{"html", report.FormatHTML, "<!DOCTYPE html>"},
		{"XLSX", report.FormatXLSX, "PK\x03\x04"}, // a zip
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			var f report.Format
			require.NoError(t, f.UnmarshalText([]byte(tc.in)))
			assert.Equal(t, tc.want, f)
			assert.Equal(t, string(tc.want), f.String())
			text, err := f.MarshalText()
			require.NoError(t, err)
			var back report.Format
			require.NoError(t, back.UnmarshalText(text))
			assert.Equal(t, f, back, "MarshalText reads back")
			var b bytes.Buffer
			require.NoError(t, r.Render(&b, f, report.RenderOptions{}))
			assert.Equal(t, tc.prefix, b.String()[:len(tc.prefix)])
		})
	}
	f := report.FormatJSON
	err := f.UnmarshalText([]byte("pdf"))
	assert.True(t, errors.Is(err, report.ErrFormat))
	assert.ErrorContains(t, err, `"pdf" (want one of text, json, csv, md, html, xlsx)`)
	assert.Equal(t, report.FormatJSON, f, "a refused name leaves the format as it was")
	assert.ErrorIs(t, r.Render(&bytes.Buffer{}, "pdf", report.RenderOptions{}), report.ErrFormat)
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderersReportWriteErrors(t *testing.T) {
	r := sampleReport(t)
	for _, f := range report.Formats() {
		t.Run(string(f), func(t *testing.T) {
			assert.ErrorContains(t, r.Render(failWriter{}, f, report.RenderOptions{}), "disk full")
		})
	}
}

// The lists the package hands out are the caller's own: changing one
// changes neither the next call's nor what the renderers use.
func TestListsAreTheCallersOwn(t *testing.T) {
	r := sampleReport(t)
	var before bytes.Buffer
	require.NoError(t, r.Render(&before, report.FormatCSV, report.RenderOptions{}))

	settings, formats, header := report.Settings(), report.Formats(), report.TimelineHeader()
	audit := report.AuditFor(report.SettingRequireSigning)
	wantSettings, wantFormats, wantHeader := slices.Clone(settings), slices.Clone(formats), slices.Clone(header)
	wantEvents := slices.Clone(audit.Events)
	settings[0], formats[0], header[0], audit.Events[0] = "x", "x", "x", 1

	assert.Equal(t, wantSettings, report.Settings())
	assert.Equal(t, wantFormats, report.Formats())
	assert.Equal(t, wantHeader, report.TimelineHeader())
	assert.Equal(t, wantEvents, report.AuditFor(report.SettingRequireSigning).Events)
	var after bytes.Buffer
	require.NoError(t, r.Render(&after, report.FormatCSV, report.RenderOptions{}))
	assert.Equal(t, before.String(), after.String())
}
