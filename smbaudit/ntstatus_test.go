package smbaudit

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNTStatusString(t *testing.T) {
	tests := []struct {
		in   NTStatus
		want string
	}{
		{NTStatus{0xC00000BB, "STATUS_NOT_SUPPORTED"}, "0xC00000BB STATUS_NOT_SUPPORTED"},
		{NTStatus{0xC0001234, ""}, "0xC0001234"},
		{NTStatus{0, "STATUS_SUCCESS"}, "0x00000000 STATUS_SUCCESS"},
		{NTStatus{0xbb, ""}, "0x000000BB"},
		{NTStatus{0xFFFFFFFF, "X"}, "0xFFFFFFFF X"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.in.String(), "%#v", tt.in)
	}
}

func TestEPAPolicyString(t *testing.T) {
	tests := []struct {
		in   EPAPolicy
		want string
	}{
		{EPAPolicy{0, "off"}, "0 (off)"},
		{EPAPolicy{1, "accept if provided"}, "1 (accept if provided)"},
		{EPAPolicy{2, "required"}, "2 (required)"},
		{EPAPolicy{4, "4"}, "4"},                 // NewEPAPolicy's label of an undocumented value
		{EPAPolicy{5, ""}, "5"},                  // no label: no empty parentheses
		{EPAPolicy{1, "allowed"}, "1 (allowed)"}, // a label this package does not give
		{EPAPolicy{4294967295, "4294967295"}, "4294967295"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.in.String(), "%#v", tt.in)
	}
}

// EventIDs hands out an ascending copy: changing it changes nothing in the
// package.
func TestEventIDsIsACopy(t *testing.T) {
	ids := EventIDs()
	assert.True(t, slices.IsSorted(ids))
	assert.Len(t, ids, 10)
	ids[0] = 4624
	assert.Equal(t, uint16(EventEnforcementRejection), EventIDs()[0])
}
