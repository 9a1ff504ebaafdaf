package evtx

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSystemTextSettersAgree: the text setters used for plan values give the
// same Event as the generic setters given the same text.
func TestSystemTextSettersAgree(t *testing.T) {
	texts := []string{"", "0", "4624", " 7 ", "255", "256", "65535", "65536", "0x8000000000000000",
		"0x10", "-1", "abc", "4294967296", "18446744073709551615", "{3d0e1c2a-0000-4b1a-9a8e-0123456789ab}",
		"3D0E1C2A-0000-4B1A-9A8E-0123456789AB", "S-1-5-18", "Microsoft-Windows-SMBServer"}
	for _, f := range systemFields {
		if f.text == nil {
			continue
		}
		for _, s := range texts {
			var a, b Event
			f.set(&a, s)
			f.text(&b, s)
			assert.Equal(t, a, b, "%s %q", f.path, s)
		}
	}
}

// TestPlanLookups: get and sysValue return the first value of a path, in
// document order, for System and other paths alike.
func TestPlanLookups(t *testing.T) {
	p := &recordValues{ordered: []bxPathValue{
		{Path: "Event/EventData/Data#0", Value: typedValue{Text: "a"}},
		{Path: pathEventID, Value: typedValue{Text: "1"}},
		{Path: pathEventID, Value: typedValue{Text: "2"}},
		{Path: "Event/EventData/Data#0", Value: typedValue{Text: "b"}},
	}}
	p.indexSys()
	v, ok := p.get(pathEventID)
	require.True(t, ok)
	assert.Equal(t, "1", v.Text)
	assert.Equal(t, "a", p.value("Event/EventData/Data#0").Text)
	_, ok = p.get(pathProvider)
	assert.False(t, ok)
	_, ok = p.get("Event/Nothing")
	assert.False(t, ok)
	assert.Equal(t, int32(2), p.sys[planSysSlot[pathEventID]])
}
