package smbaudit_test

import (
	"fmt"
	"time"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// Keep the last 30 days of findings of one client, by short name, address or
// prefix, on the file servers FS01 and FS02.
func ExampleFilter() {
	now := time.Date(2025, 10, 20, 0, 0, 0, 0, time.UTC)
	since, err := smbaudit.ParseTimeBound("30d", now)
	if err != nil {
		fmt.Println(err)
		return
	}
	f := smbaudit.Filter{Since: since, Servers: []string{"fs01", "FS02"}, Clients: []string{"nas01", "10.0.20.0/24"}}
	res := &smbaudit.Result{Findings: []smbaudit.Finding{
		{Server: "FS01.corp.example", Client: smbaudit.NormalizeClient(`\\NAS01.corp.example`), Time: now.AddDate(0, 0, -3)},
		{Server: "FS02.corp.example", Client: smbaudit.NormalizeClient(`\\10.0.20.15`), Time: now.AddDate(0, 0, -40)},
		{Server: "FS03.corp.example", Client: smbaudit.NormalizeClient(`\\nas01`), Time: now.AddDate(0, 0, -1)},
		{Server: "FS02.corp.example", Client: smbaudit.NormalizeClient(`\\10.0.20.99`), Time: now.AddDate(0, 0, -1)},
	}}
	for _, fd := range f.Apply(res).Findings {
		fmt.Println(fd.Server, fd.Client.ID)
	}
	// Output:
	// FS01.corp.example nas01.corp.example
	// FS02.corp.example 10.0.20.99
}

func ExampleParseTimeBound() {
	now := time.Date(2025, 10, 20, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{"2025-10-01T08:00:00+02:00", "2025-10-01", "12h", "2w"} {
		t, _ := smbaudit.ParseTimeBound(s, now)
		fmt.Println(t.Format(time.RFC3339))
	}
	// Output:
	// 2025-10-01T06:00:00Z
	// 2025-10-01T00:00:00Z
	// 2025-10-20T00:00:00Z
	// 2025-10-06T12:00:00Z
}
