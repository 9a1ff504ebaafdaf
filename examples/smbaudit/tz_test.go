package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// --tz shows the times of the human formats in the zone and names it once
// in the header; SOURCE_DATE_EPOCH pins the generation time to
// 2025-10-09T08:53:20Z.
func TestTZ(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"IANA text", []string{"--tz", "Europe/Paris"}, []string{"(generated 2025-10-09T10:53:20.0000000+02:00)\nTimes in Europe/Paris (UTC+02:00).\n"}},
		{"offset md", []string{"--tz", "-0530", "-f", "md"}, []string{"Generated 2025-10-09T03:23:20.0000000-05:30; times in UTC-05:30."}},
		{"offset with colon html", []string{"--tz=+02:00", "-f", "html"}, []string{"Generated 2025-10-09T10:53:20.0000000&#43;02:00. Times are in UTC&#43;02:00,"}},
		{"UTC", []string{"--tz", "utc"}, []string{"(generated 2025-10-09T08:53:20.0000000Z)\nTimes in UTC.\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, append(tc.args, "-q", fixtures)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			for _, w := range tc.want {
				assert.Equal(t, 1, strings.Count(r.stdout, w), "want %q once", w)
			}
			assert.Equal(t, 1, strings.Count(strings.ToLower(r.stdout), "times in")+strings.Count(r.stdout, "Times are in"), "the zone is named once")
		})
	}
}

// A last-seen time of the clients table moves by the zone's offset.
func TestTZMovesTheTimes(t *testing.T) {
	utc := runCmd(t, "-q", fixtures)
	require.Equal(t, exitOK, utc.code, utc.stderr)
	paris := runCmd(t, "-q", "--tz", "Europe/Paris", fixtures)
	require.Equal(t, exitOK, paris.code, paris.stderr)
	line := func(out string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "10.0.20.15 ") {
				return l
			}
		}
		return ""
	}
	u, p := line(utc.stdout), line(paris.stdout)
	require.NotEmpty(t, u)
	require.NotEmpty(t, p)
	assert.Contains(t, u, "  2025-10-14T23:06:35Z")
	assert.Contains(t, p, "  2025-10-15 01:06:35", "October in Paris is UTC+2")
}

// The workbook's Summary names the zone; JSON and CSV stay in UTC.
func TestTZMachineFormatsAndXLSX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xlsx")
	r := runCmd(t, "-q", "--tz", "+01:00", "-o", path, fixtures)
	require.Equal(t, exitOK, r.code, r.stderr)
	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows("Summary")
	require.NoError(t, err)
	var cells []string
	for _, row := range rows {
		cells = append(cells, row...)
	}
	assert.Contains(t, cells, "times in UTC+01:00")
	ev, err := f.GetRows("Evidence")
	require.NoError(t, err)
	assert.Equal(t, "Time (exact, UTC+01:00)", ev[0][1])
	assert.True(t, strings.HasSuffix(ev[1][1], "+01:00"), ev[1][1])

	for _, format := range []string{"json", "csv"} {
		a := runCmd(t, "-q", "-f", format, fixtures)
		b := runCmd(t, "-q", "-f", format, "--tz", "Asia/Tokyo", fixtures)
		require.Equal(t, exitOK, b.code, b.stderr)
		assert.Equal(t, sansCommandLine(a.stdout), sansCommandLine(b.stdout), format)
	}
}

// --since without a zone is read in --tz, wherever --tz comes.
func TestTZSince(t *testing.T) {
	want := runCmd(t, "-q", "-f", "csv", "--since", "2025-10-15", fixtures)
	require.Equal(t, exitOK, want.code, want.stderr)
	for _, args := range [][]string{
		{"--since", "2025-10-15 02:00", "--tz", "Europe/Paris"},
		{"--tz", "+02:00", "--since", "2025-10-15T02:00"},
	} {
		r := runCmd(t, append(append([]string{"-q", "-f", "csv"}, args...), fixtures)...)
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Equal(t, sansCommandLine(want.stdout), sansCommandLine(r.stdout), args)
	}
	r := runCmd(t, "-q", "-f", "csv", "--tz", "+02:00", "--since", "2025-10-15", fixtures)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.NotEqual(t, sansCommandLine(want.stdout), sansCommandLine(r.stdout), "midnight in UTC+2 is two hours earlier")

	r = runCmd(t, "--tz", "+02:00", "-since", "soon", fixtures)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, `smbaudit: -since: not a time: "soon"`)
	assert.Contains(t, r.stderr, "read in UTC+02:00")

	help := runCmd(t, "--help")
	assert.Contains(t, help.stdout, "read in the zone of --tz: UTC by default")
}

func TestTZBad(t *testing.T) {
	for _, v := range []string{"Mars/Olympus", "+25:00", "+02:75", "../etc/passwd", "CEST+2"} {
		r := runCmd(t, "-tz", v, fixtures)
		assert.Equal(t, exitUsage, r.code, v)
		assert.Contains(t, r.stderr, "smbaudit: -tz: "+`"`+v+`" is not`, v)
		assert.Empty(t, r.stdout)
		assert.False(t, scanned(r.stderr))
	}
	r := runCmd(t, "merge", "--tz", "nowhere", "a.json")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, `smbaudit: --tz: "nowhere" is not a zone`)
}
