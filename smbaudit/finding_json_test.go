package smbaudit_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// An Opt encodes as the pointer it replaced did: null when absent, the
// bare value when present, and reads back the same.
func TestOptJSON(t *testing.T) {
	type fields struct {
		Signing smbaudit.Opt[bool]               `json:"signing"`
		Status  smbaudit.Opt[smbaudit.NTStatus]  `json:"status"`
		Policy  smbaudit.Opt[smbaudit.EPAPolicy] `json:"policy"`
		Reason  smbaudit.Opt[uint32]             `json:"reason"`
	}
	tests := []struct {
		name string
		in   fields
		want string
	}{
		{"all absent", fields{}, `{"signing":null,"status":null,"policy":null,"reason":null}`},
		{"false and zero are present", fields{Signing: smbaudit.Some(false), Reason: smbaudit.Some(uint32(0))}, `{"signing":false,"status":null,"policy":null,"reason":0}`},
		{"all present", fields{smbaudit.Some(true), smbaudit.Some(smbaudit.NTStatus{Code: 0xC00000BB, Name: "STATUS_NOT_SUPPORTED"}), smbaudit.Some(smbaudit.NewEPAPolicy(2)), smbaudit.Some(uint32(7))},
			`{"signing":true,"status":{"Code":3221225659,"Name":"STATUS_NOT_SUPPORTED"},"policy":{"Value":2,"Label":"required"},"reason":7}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.in)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(b))
			var back fields
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, tc.in, back)
		})
	}
	var o smbaudit.Opt[uint32]
	assert.Error(t, json.Unmarshal([]byte(`"x"`), &o), "a value of the wrong type is an error")
	assert.False(t, o.OK)
}
