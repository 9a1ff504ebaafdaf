package cli

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTime(t *testing.T) {
	now := time.Date(2025, 10, 20, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CEST", 2*3600) // no tz database: the same offset in October
	}
	for _, tc := range []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2025-10-01T08:00:00Z", nil, time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC)},
		{"2025-10-01T10:00:00+02:00", nil, time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC)},
		{"2025-10-01T08:00:00.1234567Z", nil, time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC)},
		{"2025-10-01", nil, time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)},
		{"2025-10-15 10:00", nil, time.Date(2025, 10, 15, 10, 0, 0, 0, time.UTC)},
		{"2025-10-15T10:00:00", nil, time.Date(2025, 10, 15, 10, 0, 0, 0, time.UTC)},
		{"2025-10-15T10:00", nil, time.Date(2025, 10, 15, 10, 0, 0, 0, time.UTC)},
		{"2025-10-15 10:00:00.5", nil, time.Date(2025, 10, 15, 10, 0, 0, 500000000, time.UTC)},
		// Without a zone, the zone given is assumed; with one, it is not.
		{"2025-10-15 10:00", paris, time.Date(2025, 10, 15, 8, 0, 0, 0, time.UTC)},
		{"2025-10-15", paris, time.Date(2025, 10, 14, 22, 0, 0, 0, time.UTC)},
		{"2025-10-15T10:00:00Z", paris, time.Date(2025, 10, 15, 10, 0, 0, 0, time.UTC)},
		{"30d", nil, now.Add(-30 * 24 * time.Hour).UTC()},
		{"12h", nil, now.Add(-12 * time.Hour).UTC()},
		{" 2W ", nil, now.Add(-14 * 24 * time.Hour).UTC()},
		{"90m", nil, now.Add(-90 * time.Minute).UTC()},
		{"45s", nil, now.Add(-45 * time.Second).UTC()},
		{"0d", nil, now.UTC()},
		{"1y", nil, time.Date(2024, 10, 20, 10, 0, 0, 0, time.UTC)},
		{"1h30m", nil, now.Add(-90 * time.Minute).UTC()},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTime(tc.in, now, tc.loc)
			require.NoError(t, err)
			assert.True(t, tc.want.Equal(got), "got %s, want %s", got, tc.want)
			assert.Equal(t, time.UTC, got.Location())
		})
	}
	for _, bad := range []string{"", "yesterday", "30", "-5d", "2025-13-01", "2025-10-15 25:00", "99999999999999999999d",
		"999999999999w", "20000y"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := ParseTime(bad, now, nil)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrBadTime))
			assert.NotContains(t, err.Error(), "smbaudit", "the command adds its own name, once")
		})
	}
}
