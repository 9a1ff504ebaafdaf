package smbaudit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckPattern(t *testing.T) {
	for _, tc := range []struct {
		p    string
		want string // "" when accepted, else a part of the error
	}{
		{"10.0.20.0/24", ""},
		{"10.0.20.7/24", ""}, // host bits set: still the /24 (netip.Prefix.Contains)
		{"fd00::/8", ""},
		{"10.0.20.5", ""},
		{"[fe80::1%eth0]", ""},
		{"nas01", ""},
		{`\\NAS01`, ""},
		{"nas01.corp.example", ""},
		{"1234", ""}, // a NetBIOS name may be all digits
		{"10.0.20.0/33", `"10.0.20.0/33": prefix length "33" is not a number from 0 to 32`},
		{"fd00::/129", `prefix length "129" is not a number from 0 to 128`},
		{"10.0.20.0/x", `prefix length "x"`},
		{"10.0.300.0/24", `"10.0.300.0" is not an IP address`},
		{"fe80::%eth0/64", "takes no zone"},
		{"10.0.20", "not an IP address (a prefix is written 10.0.20.0/24)"},
		{"fs*", `"fs*": not an address, host name or FQDN`},
		{"nas 01", "not an address, host name or FQDN"},
		{"a..b", "not an address, host name or FQDN"},
		{" ", "not an address"},
	} {
		err := CheckPattern(tc.p)
		if tc.want == "" {
			assert.NoError(t, err, tc.p)
			continue
		}
		require.ErrorIs(t, err, ErrBadPattern, tc.p)
		assert.Contains(t, err.Error(), tc.want, tc.p)
	}
}

func TestMatchGlob(t *testing.T) {
	for _, tc := range []struct {
		glob, path string
		want       bool
	}{
		{"", "logs/a.evtx", true},
		{"", "logs/A.EVTX", true},
		{"", "logs/a.evtx.bak", false},
		{"*.EVTX", "a.evtx", true},
		{"audit-*.evtx", "dir/Audit-fs01.evtx", true},
		{"audit-*.evtx", "dir/security.evtx", false},
	} {
		got, err := MatchGlob(tc.glob, tc.path)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%q %q", tc.glob, tc.path)
	}
	_, err := MatchGlob("[", "a.evtx")
	require.ErrorIs(t, err, ErrBadGlob)
}
