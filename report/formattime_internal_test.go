package report

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestFormatTime(t *testing.T) {
	paris := time.FixedZone("CEST", 2*3600)
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Time{}, ""},
		{time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC), "2025-10-01T08:00:00.0000000Z"},
		{time.Date(2025, 10, 1, 10, 0, 0, 1234567*100, paris), "2025-10-01T08:00:00.1234567Z"}, // always UTC
		{time.Date(2025, 10, 1, 8, 0, 0, 99, time.UTC), "2025-10-01T08:00:00.0000000Z"},        // below 100 ns: cut
	} {
		assert.Equal(t, tc.want, formatTime(tc.in), "%v", tc.in)
	}
}
