package smbaudit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One client is one ID whatever spelling Windows logged it with: a 3021's
// ClientName as text and a 551's ClientAddress as a binary SOCKADDR; and
// two clients never share one.
func TestClientSpellingsOfOneAddress(t *testing.T) {
	text := func(v string) Client {
		f, ok := Classify(smbEvent(3021, 0, fld("ClientNameLength", tU16, "20"), fld("ClientName", tS, v), fld("ServerRequiresSigning", tB, "false")))
		require.True(t, ok)
		return f.Client
	}
	sock := func(hexAddr string) Client {
		e := smbEvent(551, 0, fld("Status", tH32, "0xC000035B"), fld("ClientAddress", tBin, hexAddr), fld("ClientName", tS, ""))
		e.Channel = SecurityChannel
		f, ok := Classify(e)
		require.True(t, ok)
		return f.Client
	}
	const (
		// AF_INET: family 2, port 445, 10.0.20.15, 8 bytes of padding.
		in4 = "020001bd0a00140f0000000000000000"
		// AF_INET6 (23): family, port 445, flowinfo, address, scope ID
		// (little-endian).
		ll12   = "170001bd00000000" + "fe800000000000000000000000000001" + "0c000000"
		ll3    = "170001bd00000000" + "fe800000000000000000000000000001" + "03000000"
		ll0    = "170001bd00000000" + "fe800000000000000000000000000001" + "00000000"
		mapped = "170001bd00000000" + "00000000000000000000ffff0a00140f" + "00000000"
	)
	same := []struct {
		name string
		a, b Client
	}{
		{"IPv4 text and AF_INET", text(`\\10.0.20.15`), sock(in4)},
		{"IPv4-mapped text and AF_INET6", text(`\\::ffff:10.0.20.15`), sock(mapped)},
		{"IPv4 and IPv4-mapped AF_INET6", text(`\\10.0.20.15`), sock(mapped)},
		{"link-local with zone, text and AF_INET6 with its scope ID", text(`\\[fe80::1%12]`), sock(ll12)},
		{"link-local upper case, text and AF_INET6 with its scope ID", text(`\\FE80:0:0:0:0:0:0:1%12`), sock(ll12)},
		{"link-local without zone, text and AF_INET6 with scope ID 0", text(`\\fe80::1`), sock(ll0)},
	}
	for _, tt := range same {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.a.ID, tt.b.ID)
			assert.Equal(t, tt.a.Kind, tt.b.Kind)
		})
	}
	// The same link-local address behind two interfaces of a server is two
	// hosts on two links.
	assert.NotEqual(t, sock(ll12).ID, sock(ll3).ID, "scope IDs 12 and 3")
	assert.Equal(t, ll12, sock(ll12).Raw, "the raw value is kept")
}

// A client filter matches a client whatever spelling of its address the
// filter and the log use: an address without a zone is the host's on any
// link, and an IPv4-mapped prefix holds the IPv4 addresses it maps.
func TestFilterClientAddressSpellings(t *testing.T) {
	tests := []struct {
		pattern, client string
		want            bool
	}{
		{"fe80::1", `\\[fe80::1%12]`, true},
		{"FE80:0:0:0:0:0:0:1", `\\fe80::1%12`, true},
		{"fe80::1%12", `\\[fe80::1%12]`, true},
		{"fe80::1%3", `\\[fe80::1%12]`, false},
		{"fe80::1%12", `\\fe80::1`, false},
		{"fe80::2", `\\[fe80::1%12]`, false},
		{"fe80::/64", `\\[fe80::1%12]`, true},
		{"::ffff:10.0.20.15", `\\10.0.20.15`, true},
		{"::ffff:10.0.20.0/120", `\\10.0.20.15`, true},
		{"::ffff:10.0.20.0/120", `\\10.0.21.15`, false},
		{"::ffff:10.0.20.0/120", `\\::ffff:10.0.20.15`, true},
		{"10.0.20.0/24", `\\::ffff:10.0.20.15`, true},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.client, func(t *testing.T) {
			require.NoError(t, CheckPattern(tt.pattern))
			fd := &Finding{Kind: KindSigningUnsupported, Client: NormalizeClient(tt.client)}
			assert.Equal(t, tt.want, Filter{Clients: []string{tt.pattern}}.Match(fd))
		})
	}
}

// Windows compares names by upper-casing them: names that upper-case
// alike are one client, whatever case a server logged, beyond ASCII too
// (final sigma); and a name ends at its first NUL, as a Windows
// string does, with anything after it left from an old buffer.
func TestNormalizeClientNamesAsWindowsCompares(t *testing.T) {
	tests := []struct{ a, b string }{
		{`\\ΣΟΦΙΑΣ`, `\\σοφιας`},
		{`\\ΣΟΦΙΑΣ.corp.example`, `σοφιας.CORP.example`},
		{`\\ÄRZTE-PC`, `ärzte-pc`},
		{`\\WS01` + "\x00", `WS01`},
		{`\\WS01` + "\x00\x00junk", `ws01`},
		{"10.0.20.15\x00", `\\10.0.20.15`},
		{"\\\\[fe80::1%12]\x00", `fe80::1%12`},
	}
	for _, tt := range tests {
		t.Run(tt.a, func(t *testing.T) {
			a, b := NormalizeClient(tt.a), NormalizeClient(tt.b)
			assert.Equal(t, b.ID, a.ID)
			assert.Equal(t, b.Kind, a.Kind)
			assert.Equal(t, b.ShortName, a.ShortName)
			assert.NotEqual(t, ClientUnknown, a.Kind)
			assert.Equal(t, tt.a, a.Raw, "the raw name is kept")
		})
	}
	// Names Windows tells apart stay apart.
	assert.NotEqual(t, NormalizeClient("STRASSE").ID, NormalizeClient("straße").ID)
	assert.NotEqual(t, NormalizeClient("ws01").ID, NormalizeClient("ws01\u200b").ID)
}
