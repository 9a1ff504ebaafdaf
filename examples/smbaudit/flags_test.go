package main

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
)

func TestParseFailOn(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []report.Setting
	}{
		{"ANY", report.Settings()},
		{" any ", report.Settings()},
		{"spn2", []report.Setting{report.SettingSPNHardeningLvl2}},
		{"RequireSecuritySignature", []report.Setting{report.SettingRequireSigning}},
		{"encryption", []report.Setting{report.SettingRequireEncryption}},
	} {
		got, err := parseFailOn(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	got, err := parseFailOn("any")
	require.NoError(t, err)
	got[0] = "changed"
	assert.Equal(t, report.SettingDisableSMB1, report.Settings()[0], "parseFailOn hands out a slice of the caller's own")

	for _, bad := range []string{"everything", "", "signing,spn2"} {
		_, err := parseFailOn(bad)
		assert.True(t, errors.Is(err, report.ErrSetting), "%q: %v", bad, err)
		assert.ErrorContains(t, err, "or any")
	}
}

// -f and --format read a format name as report.Format's UnmarshalText
// does, without regard to case; the last one given wins. The reports
// differ only in the command line they state.
func TestFormatFlag(t *testing.T) {
	md := runCmd(t, "-q", "-f", "md", fixtures)
	require.Equal(t, exitOK, md.code, md.stderr)
	for _, args := range [][]string{
		{"-q", "-f", "Markdown", fixtures},
		{"-q", "--format", " MD ", fixtures},
		{"-q", "-f", "json", "--format=markdown", fixtures},
	} {
		r := runCmd(t, args...)
		require.Equal(t, exitOK, r.code, "%v: %s", args, r.stderr)
		assert.True(t, commandLine.ReplaceAllString(md.stdout, "") == commandLine.ReplaceAllString(r.stdout, ""),
			"%v: not the Markdown report", args)
	}
	r := runCmd(t, "-q", "-f", "", fixtures)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, `-f: unknown format: "" (want one of text, json, csv, md, html, xlsx)`)
}
