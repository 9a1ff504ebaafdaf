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
	since := now.AddDate(0, 0, -30)
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
