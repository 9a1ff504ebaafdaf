package cli_test

import (
	"fmt"
	"time"

	"github.com/evtxkit/smbreadiness/internal/cli"
)

func ExampleParseTime() {
	now := time.Date(2025, 10, 20, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{"2025-10-01T08:00:00+02:00", "2025-10-01", "2025-10-15 10:00", "12h", "2w", "1y"} {
		t, _ := cli.ParseTime(s, now, nil)
		fmt.Println(t.Format(time.RFC3339))
	}
	// Output:
	// 2025-10-01T06:00:00Z
	// 2025-10-01T00:00:00Z
	// 2025-10-15T10:00:00Z
	// 2025-10-20T00:00:00Z
	// 2025-10-06T12:00:00Z
	// 2024-10-20T12:00:00Z
}
