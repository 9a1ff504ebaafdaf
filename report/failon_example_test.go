package report_test

import (
	"fmt"
	"time"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// Gate a deployment: list the clients that would certainly break under the
// setting about to be enforced.
func ExampleReport_Breaking() {
	t := time.Date(2025, 9, 10, 8, 0, 0, 0, time.UTC)
	b := report.NewBuilder(report.Options{GeneratedAt: t})
	b.AddResult(&smbaudit.Result{Findings: []smbaudit.Finding{
		finding(smbaudit.KindSigningUnsupported, 3021, "fs01", "10.0.0.5", t),
		finding(smbaudit.KindSMB1SigningDisabled, 3027, "fs02", "10.0.0.7", t),
	}})
	r := b.Finish()

	for _, s := range []string{"signing", "spn2"} {
		var st report.Setting
		if err := st.UnmarshalText([]byte(s)); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %v\n", st, r.Breaking(st))
	}
	fmt.Printf("any: %v\n", r.Breaking(report.Settings()...))
	// Output:
	// RequireSecuritySignature: [10.0.0.5]
	// SmbServerNameHardeningLevel=2: []
	// any: [10.0.0.5]
}
