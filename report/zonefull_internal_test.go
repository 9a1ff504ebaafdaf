package report

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones, wherever the tests run

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The exact form of a time in a display zone reads back as the same
// instant, to 100 ns, in every zone and at every date: offsets of whole
// minutes and local mean times with seconds (Africa/Monrovia was -0:44:30
// until 1972, Europe/Amsterdam +0:19:32 until 1937), DST edges, the ends
// of FILETIME.
func TestZoneFullIsExact(t *testing.T) {
	zones := []string{"UTC", "Europe/Paris", "Africa/Monrovia", "Europe/Amsterdam", "America/St_Johns",
		"Asia/Kathmandu", "Pacific/Chatham", "Australia/Lord_Howe", "America/Sao_Paulo"}
	times := []time.Time{
		time.Date(1601, 1, 1, 0, 0, 0, 100, time.UTC),
		time.Date(1911, 3, 10, 23, 59, 59, 999999900, time.UTC),
		time.Date(1936, 6, 1, 12, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999900, time.UTC),
		time.Date(1972, 1, 7, 0, 44, 30, 0, time.UTC),
		time.Date(2025, 3, 30, 0, 59, 59, 999999900, time.UTC), // Paris: the last 100 ns of winter time
		time.Date(2025, 3, 30, 1, 0, 0, 0, time.UTC),
		time.Date(2025, 10, 26, 0, 30, 0, 0, time.UTC), // Paris: 02:30 for the first time
		time.Date(2025, 10, 26, 1, 30, 0, 0, time.UTC), // and for the second
		time.Date(10000, 1, 1, 0, 0, 0, 100, time.UTC),
		time.Date(60056, 5, 28, 5, 36, 10, 955161500, time.UTC), // the largest FILETIME
	}
	for _, name := range zones {
		loc, err := time.LoadLocation(name)
		require.NoError(t, err)
		z := zone{loc}
		for _, tm := range times {
			s := z.full(tm)
			back, err := parseWide("2006-01-02T15:04:05.9999999Z07:00:00", s)
			if err != nil {
				back, err = parseWide(time.RFC3339Nano, s)
			}
			require.NoError(t, err, "%s in %s: %q", tm, name, s)
			assert.True(t, tm.Equal(back), "%s in %s: %q reads as %s", tm, name, s, back.UTC())
		}
	}
}

// The header names the offsets of a zone with their seconds, if any.
func TestUTCOffset(t *testing.T) {
	for off, want := range map[int]string{0: "UTC+00:00", 7200: "UTC+02:00", -12600: "UTC-03:30", 20700: "UTC+05:45",
		-2670: "UTC-00:44:30", 1172: "UTC+00:19:32"} {
		assert.Equal(t, want, utcOffset(off), "%d", off)
	}
}
