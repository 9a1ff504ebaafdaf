package smbaudit

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNormalizeClient(t *testing.T) {
	tests := []struct {
		raw   string
		id    string
		kind  ClientKind
		short string
	}{
		{`\\10.0.0.5`, "10.0.0.5", ClientIPv4, ""},
		{`10.1.2.3`, "10.1.2.3", ClientIPv4, ""},
		{` \\10.1.2.3 `, "10.1.2.3", ClientIPv4, ""},
		{`\10.1.2.3`, "10.1.2.3", ClientIPv4, ""},
		{`10.1.2.3:445`, "10.1.2.3", ClientIPv4, ""},
		{`\\FE80::1C2D:3E4F:5A6B:7C8D`, "fe80::1c2d:3e4f:5a6b:7c8d", ClientIPv6, ""},
		{`\\[fe80::1]`, "fe80::1", ClientIPv6, ""},
		{`[fe80::1%12]:445`, "fe80::1%12", ClientIPv6, ""},
		{`\\fe80::1%eth0`, "fe80::1%eth0", ClientIPv6, ""},
		{`\\[fe80::1%Ethernet0]`, "fe80::1%Ethernet0", ClientIPv6, ""},
		{`2001:db8:0:0:0:0:0:1`, "2001:db8::1", ClientIPv6, ""},
		{`\\::ffff:10.0.0.9`, "10.0.0.9", ClientIPv4, ""},
		{`[::ffff:0a00:0009]`, "10.0.0.9", ClientIPv4, ""},
		{`\\NAS01`, "nas01", ClientHost, "nas01"},
		{`\\NAS01.Corp.Example`, "nas01.corp.example", ClientFQDN, "nas01"},
		{`nas01.corp.example.`, "nas01.corp.example", ClientFQDN, "nas01"},
		{`\\PRN-3F_02$`, "prn-3f_02$", ClientHost, "prn-3f_02$"},
		{``, "", ClientUnknown, ""},
		{`\\`, "", ClientUnknown, ""},
		{`\\bad name`, "bad name", ClientUnknown, ""},
		{`\\host..example`, "host..example", ClientUnknown, ""},
		{`[fe80::1`, "[fe80::1", ClientUnknown, ""},
		{`[fe80::1]x`, "[fe80::1]x", ClientUnknown, ""},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			c := NormalizeClient(tt.raw)
			assert.Equal(t, tt.raw, c.Raw, "raw kept")
			assert.Equal(t, tt.id, c.ID)
			assert.Equal(t, tt.kind, c.Kind)
			assert.Equal(t, tt.short, c.ShortName)
		})
	}
}

func TestNormalizeClientLinksShortAndFQDN(t *testing.T) {
	short := NormalizeClient(`\\NAS01`)
	fqdn := NormalizeClient(`nas01.CORP.example`)
	assert.NotEqual(t, short.ID, fqdn.ID, "FQDN and short name stay distinct identities")
	assert.Equal(t, short.ShortName, fqdn.ShortName, "and are linked through ShortName")
}
