package report_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/report"
)

// A report has one row per client, per server (names compared without
// regard to case) and per day. A hand-edited partial that gives one twice
// would have it counted twice: every count of a summarised partial's
// client, the records of a server; ReadJSON refuses it, naming both.
func TestReadJSONRefusesARowGivenTwice(t *testing.T) {
	v2 := `{"schema":"smbreadiness.report/v2","findings_omitted":1,`
	evidence := `{"time":"2025-09-01T00:00:00Z","server":"FS01","event_id":3021}`
	client := func(id string) string {
		return `{"client":"` + id + `","events":{"3021":1},"first_evidence":` + evidence + `,"last_evidence":` + evidence + `}`
	}
	for _, tc := range []struct {
		name, doc, path, msg string
	}{
		{"client of a summarised partial", v2 + `"clients":[` + client("ws01") + `,` + client("ws02") + `,` + client("ws01") + `]}`,
			"clients[2].client", "clients[0]"},
		{"server", partialDoc(t, `"servers":[{`, `"servers":[{"server":"fs01","records":1},{`), "servers[1].server", "servers[0]"},
		{"server of a summarised partial", v2 + `"servers":[{"server":"FS01","records":1},{"server":"fs01","records":1}]}`,
			"servers[1].server", "servers[0]"},
		{"day", v2 + `"events_per_day":[{"date":"2025-01-01","events":{"3021":1}},{"date":"2025-01-01","events":{"3021":1}}]}`,
			"events_per_day[1].date", "events_per_day[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report.ReadJSON(strings.NewReader(tc.doc))
			require.ErrorIs(t, err, report.ErrMalformed)
			var fe *report.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tc.path, fe.Path, "%v", err)
			assert.Contains(t, err.Error(), "given again")
			assert.Contains(t, err.Error(), tc.msg, "the first is named")
		})
	}
	// Distinct rows are read.
	_, err := report.ReadJSON(strings.NewReader(v2 + `"clients":[` + client("ws01") + `,` + client("WS01.corp") + `]}`))
	require.NoError(t, err)
}

// distinctServers returns n server rows, each named apart (a server given
// twice is refused) with the members given, and a comma after each.
func distinctServers(n int, members string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"server":"s%d",%s},`, i, members)
	}
	return b.String()
}
