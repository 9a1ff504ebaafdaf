package report_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
)

func TestParseFormatAndRender(t *testing.T) {
	r := sampleReport(t)
	tests := []struct {
		in     string
		want   report.Format
		prefix string
	}{
		{"text", report.FormatText, "SMB hardening readiness report"},
		{"JSON", report.FormatJSON, "{\n  \"schema\": \"smbreadiness.report/v1\""},
		{"csv", report.FormatCSV, "client,kind,"},
		{"md", report.FormatMarkdown, "# SMB hardening readiness report"},
		{" markdown ", report.FormatMarkdown, "# SMB hardening readiness report"},
		{"html", report.FormatHTML, "<!DOCTYPE html>"},
		{"XLSX", report.FormatXLSX, "PK\x03\x04"}, // a zip
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			f, err := report.ParseFormat(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, f)
			var b bytes.Buffer
			require.NoError(t, r.Render(&b, f, report.RenderOptions{}))
			assert.Equal(t, tc.prefix, b.String()[:len(tc.prefix)])
		})
	}
	_, err := report.ParseFormat("pdf")
	assert.True(t, errors.Is(err, report.ErrFormat))
	assert.ErrorIs(t, r.Render(&bytes.Buffer{}, "pdf", report.RenderOptions{}), report.ErrFormat)
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderersReportWriteErrors(t *testing.T) {
	r := sampleReport(t)
	for _, f := range report.Formats {
		t.Run(string(f), func(t *testing.T) {
			assert.ErrorContains(t, r.Render(failWriter{}, f, report.RenderOptions{}), "disk full")
		})
	}
}
