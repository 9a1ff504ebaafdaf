package report

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// The report's event columns are smbaudit's event IDs, each once, and the
// CSV header names them in the same order.
func TestEventColumns(t *testing.T) {
	assert.ElementsMatch(t, smbaudit.EventIDs(), eventColumns)
	var inHeader []uint16
	for _, h := range csvHeader {
		if n, err := strconv.ParseUint(strings.TrimPrefix(h, "e"), 10, 16); err == nil && strings.HasPrefix(h, "e") {
			inHeader = append(inHeader, uint16(n))
		}
	}
	assert.Equal(t, eventColumns, inHeader)
	assert.False(t, slices.ContainsFunc(eventColumns, func(id uint16) bool { return !knownEvent(id) }))
	assert.False(t, knownEvent(4624))
}
