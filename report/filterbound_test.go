package report_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// A filter's bounds are shown and written as they are: a bound between
// two 100 ns ticks (a Go caller's, or a typed "….00000005Z") cut to the
// tick below would claim a record at that tick is within the bound when
// the filter dropped it.
func TestFilterBoundsExact(t *testing.T) {
	at := time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		since, until time.Time
		want         []string
	}{
		{at, at.Add(100), []string{"since 2025-10-01T08:00:00.0000000Z", "until 2025-10-01T08:00:00.0000001Z"}},
		{at.Add(50), at.Add(150), []string{"since 2025-10-01T08:00:00.000000050Z", "until 2025-10-01T08:00:00.000000150Z"}},
	}
	for _, tt := range tests {
		f := smbaudit.Filter{Since: tt.since, Until: tt.until}
		assert.Equal(t, tt.want, report.FilterText(f))
		r := report.NewBuilder(report.Options{GeneratedAt: at, Meta: report.Meta{Filter: f}}).Finish()
		var js bytes.Buffer
		require.NoError(t, r.Render(&js, report.FormatJSON, report.RenderOptions{}))
		back, err := report.ReadJSON(&js)
		require.NoError(t, err)
		assert.True(t, tt.since.Equal(back.Meta.Filter.Since), "since %s", back.Meta.Filter.Since)
		assert.True(t, tt.until.Equal(back.Meta.Filter.Until), "until %s", back.Meta.Filter.Until)
	}
}
