package smbaudit

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func filterFinding(server, client string, t time.Time, kind Kind) Finding {
	return Finding{Kind: kind, Server: server, Client: NormalizeClient(client), Time: t}
}

func TestFilterMatch(t *testing.T) {
	t0 := time.Date(2025, 10, 5, 12, 0, 0, 0, time.UTC)
	nas := filterFinding("FS01.corp.example", `\\nas01.corp.example`, t0, KindSigningUnsupported)
	ip := filterFinding("FS02.corp.example", `\\10.0.20.15`, t0, KindSigningUnsupported)
	v6 := filterFinding("FS02", `\\[fe80::1%12]`, t0, KindSPNEmpty)
	none := filterFinding("FS02", "", t0, KindUnparsed)
	spn := filterFinding("FS02", "", t0, KindSPNCheckFailed) // 5168 names no client
	for _, tc := range []struct {
		name string
		f    Filter
		fd   Finding
		want bool
	}{
		{"zero keeps all", Filter{}, nas, true},
		{"zero keeps no client", Filter{}, none, true},
		{"since inclusive", Filter{Since: t0}, nas, true},
		{"since after", Filter{Since: t0.Add(100)}, nas, false},
		{"until inclusive", Filter{Until: t0}, nas, true},
		{"until before", Filter{Until: t0.Add(-100)}, nas, false},
		{"server fqdn any case", Filter{Servers: []string{"fs01.CORP.example"}}, nas, true},
		{"server short name matches fqdn", Filter{Servers: []string{"FS01"}}, nas, true},
		{"server other", Filter{Servers: []string{"fs02"}}, nas, false},
		{"server backslashes", Filter{Servers: []string{`\\FS02`}}, v6, true},
		{"server short does not match other domain label", Filter{Servers: []string{"corp"}}, nas, false},
		{"client short matches fqdn", Filter{Clients: []string{"NAS01"}}, nas, true},
		{"client fqdn does not match other", Filter{Clients: []string{"nas02.corp.example"}}, nas, false},
		{"client raw form", Filter{Clients: []string{`\\10.0.20.15`}}, ip, true},
		{"client ip exact", Filter{Clients: []string{"10.0.20.15"}}, ip, true},
		{"client ip other", Filter{Clients: []string{"10.0.20.16"}}, ip, false},
		{"client prefix", Filter{Clients: []string{"10.0.20.0/24"}}, ip, true},
		{"client prefix outside", Filter{Clients: []string{"10.0.21.0/24"}}, ip, false},
		{"client prefix vs host", Filter{Clients: []string{"10.0.0.0/8"}}, nas, false},
		{"client ipv6 zone", Filter{Clients: []string{"FE80::1%12"}}, v6, true},
		{"client ipv6 prefix with zone", Filter{Clients: []string{"fe80::/10"}}, v6, true},
		{"client one of a list", Filter{Clients: []string{"x", "10.0.20.15"}}, ip, true},
		{"client filter keeps an unparsed finding, whose client may be one", Filter{Clients: []string{"nas01"}}, none, true},
		{"client filter drops other no-client findings", Filter{Clients: []string{"nas01"}}, spn, false},
		{"an unparsed finding still meets the server filter", Filter{Servers: []string{"fs01"}, Clients: []string{"nas01"}}, none, false},
		{"an unparsed finding still meets the time filter", Filter{Since: t0.Add(time.Second), Clients: []string{"nas01"}}, none, false},
		{"all must hold", Filter{Servers: []string{"fs01"}, Clients: []string{"10.0.20.15"}}, ip, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.f.Match(&tc.fd))
		})
	}
}

func TestFilterApply(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2025, 10, d, 0, 0, 0, 0, time.UTC) }
	res := &Result{
		Findings: []Finding{
			filterFinding("FS01", `\\10.0.0.1`, day(2), KindSigningUnsupported),
			filterFinding("FS01", `\\10.0.0.2`, day(5), KindSPNMissing),
			filterFinding("FS02", `\\10.0.0.1`, day(6), KindEnforcementRejection),
			filterFinding("FS02", `\\10.0.0.3`, day(9), KindSPNEmpty),
		},
		Files: []FileResult{{Path: "a.evtx"}, {Path: "b.evtx", Skipped: true, Err: errors.New("x"), Cause: CauseUnreadable}},
		Servers: []ServerCoverage{
			{Server: "FS01", First: day(1), Last: day(5), Events: 10, AuditEvents: 2},
			{Server: "FS02", First: day(6), Last: day(9), Events: 7, AuditEvents: 1},
			{Server: "FS03", First: day(1), Last: day(2), Events: 3},
		},
	}
	before := fmt.Sprintf("%+v", *res)

	got := Filter{Since: day(4), Until: day(8)}.Apply(res)
	require.Len(t, got.Findings, 2)
	assert.Equal(t, "10.0.0.2", got.Findings[0].Client.ID)
	assert.Equal(t, "10.0.0.1", got.Findings[1].Client.ID)
	assert.Equal(t, res.Files, got.Files, "files are what was read: kept whole")
	assert.Equal(t, []ServerCoverage{
		{Server: "FS01", First: day(5), Last: day(5), Events: 10, AuditEvents: 1},
		{Server: "FS02", First: day(6), Last: day(6), Events: 7, AuditEvents: 0},
	}, got.Servers, "windows cut to the records within the bounds, never to the bounds; FS03 outside dropped; "+
		"audit events recounted (551 is not audit)")

	got = Filter{Servers: []string{"fs02"}, Clients: []string{"10.0.0.1"}}.Apply(res)
	require.Len(t, got.Findings, 1)
	assert.Equal(t, "FS02", got.Findings[0].Server)
	require.Len(t, got.Servers, 1)
	assert.Equal(t, "FS02", got.Servers[0].Server)

	assert.Equal(t, before, fmt.Sprintf("%+v", *res), "Apply must not modify its input")
	assert.Nil(t, Filter{}.Apply(nil))
	assert.Len(t, Filter{}.Apply(res).Findings, 4)

	streamed := &Result{Files: res.Files, Servers: res.Servers} // OnFinding: no findings kept
	got = Filter{Since: day(4), Until: day(8)}.Apply(streamed)
	assert.Equal(t, []ServerCoverage{
		{Server: "FS01", First: time.Time{}, Last: day(5), Events: 10, AuditEvents: 2},
		{Server: "FS02", First: day(6), Last: time.Time{}, Events: 7, AuditEvents: 1},
	}, got.Servers, "streamed: nothing to recount, the scan's counts stay; a cut end is unknown, not the bound")
}

func TestFilterIsZero(t *testing.T) {
	assert.True(t, Filter{}.IsZero())
	assert.False(t, Filter{Clients: []string{"a"}}.IsZero())
	assert.False(t, Filter{Until: time.Unix(1, 0)}.IsZero())
}
