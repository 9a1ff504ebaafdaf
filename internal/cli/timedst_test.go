package cli

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // the zones, wherever the tests run

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A time without a zone names a wall clock of loc. Where the clocks skip
// it (spring forward) it is the first instant past it, the one the clocks
// jumped at, so that a date is the start of that day and records shown at
// or after that wall clock are within a --since; where they show it twice
// (fall back) a date is the first, the start of the day, and a date and
// time is refused, naming both, for either could be meant.
func TestParseTimeAtClockChanges(t *testing.T) {
	now := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		require.NoError(t, err)
		return loc
	}
	paris, saoPaulo, havana, apia := load("Europe/Paris"), load("America/Sao_Paulo"), load("America/Havana"), load("Pacific/Apia")
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		return tm
	}
	for _, tc := range []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		// Paris, 2025-03-30: 02:00 CET is 03:00 CEST (01:00Z).
		{"2025-03-30 01:59:59.9999999", paris, utc("2025-03-30T00:59:59.9999999Z")},
		{"2025-03-30 02:00", paris, utc("2025-03-30T01:00:00Z")},
		{"2025-03-30 02:30", paris, utc("2025-03-30T01:00:00Z")},
		{"2025-03-30 02:59:59.9999999", paris, utc("2025-03-30T01:00:00Z")},
		{"2025-03-30 03:00", paris, utc("2025-03-30T01:00:00Z")},
		{"2025-03-30 03:00:00.0000001", paris, utc("2025-03-30T01:00:00.0000001Z")},
		// Paris, 2025-10-26: 03:00 CEST is 02:00 CET (01:00Z).
		{"2025-10-26", paris, utc("2025-10-25T22:00:00Z")},
		{"2025-10-26 01:59:59.9999999", paris, utc("2025-10-25T23:59:59.9999999Z")},
		{"2025-10-26T02:30:00+02:00", paris, utc("2025-10-26T00:30:00Z")},
		{"2025-10-26T02:30:00+01:00", paris, utc("2025-10-26T01:30:00Z")},
		{"2025-10-26 03:00", paris, utc("2025-10-26T02:00:00Z")},
		// São Paulo, 2018-11-04: midnight -03:00 was 01:00 -02:00 (03:00Z):
		// the day starts at 01:00.
		{"2018-11-04", saoPaulo, utc("2018-11-04T03:00:00Z")},
		{"2018-11-04 00:30", saoPaulo, utc("2018-11-04T03:00:00Z")},
		{"2018-11-03 23:59:59.9999999", saoPaulo, utc("2018-11-04T02:59:59.9999999Z")},
		// Havana, 2025-11-02: 01:00 -04:00 became 00:00 -05:00: midnight
		// twice, the day starts at the first.
		{"2025-11-02", havana, utc("2025-11-02T04:00:00Z")},
		// Apia skipped 2011-12-30 whole: -10:00 to +14:00 at 10:00Z.
		{"2011-12-29 23:59:59.9999999", apia, utc("2011-12-30T09:59:59.9999999Z")},
		{"2011-12-30", apia, utc("2011-12-30T10:00:00Z")},
		{"2011-12-30 12:00", apia, utc("2011-12-30T10:00:00Z")},
		{"2011-12-31", apia, utc("2011-12-30T10:00:00Z")},
	} {
		t.Run(tc.loc.String()+" "+tc.in, func(t *testing.T) {
			got, err := ParseTime(tc.in, now, tc.loc)
			require.NoError(t, err)
			assert.True(t, tc.want.Equal(got), "got %s, want %s", got, tc.want)
		})
	}
	for _, tc := range []struct {
		in      string
		loc     *time.Location
		choices []string
	}{
		{"2025-10-26 02:30", paris, []string{"2025-10-26T02:30:00+02:00", "2025-10-26T02:30:00+01:00"}},
		{"2025-10-26 02:00", paris, []string{"2025-10-26T02:00:00+02:00", "2025-10-26T02:00:00+01:00"}},
		{"2025-10-26 02:59:59.9999999", paris, []string{"2025-10-26T02:59:59.9999999+02:00", "2025-10-26T02:59:59.9999999+01:00"}},
		{"2025-11-02 00:30", havana, []string{"2025-11-02T00:30:00-04:00", "2025-11-02T00:30:00-05:00"}},
	} {
		t.Run("twice "+tc.loc.String()+" "+tc.in, func(t *testing.T) {
			_, err := ParseTime(tc.in, now, tc.loc)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrBadTime))
			for _, c := range tc.choices {
				assert.Contains(t, err.Error(), c)
			}
		})
	}
}
