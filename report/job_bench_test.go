package report

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/evtxkit/smbreadiness/internal/benchgen"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// scaleLog is the (s) log of scripts/bench.sh -scale: audit-only, 20,000
// configured clients (about 17,800 distinct are logged), 20 MiB, made
// once per test binary.
var scaleLog = struct {
	once sync.Once
	path string
	err  error
}{}

func scaleLogPath(b *testing.B) string {
	scaleLog.once.Do(func() {
		dir, err := os.MkdirTemp("", "smbreadiness-scale")
		if err != nil {
			scaleLog.err = err
			return
		}
		scaleLog.path = filepath.Join(dir, "s-audit-20k-clients.evtx")
		_, scaleLog.err = benchgen.WriteFile(scaleLog.path, benchgen.Config{Size: 20 << 20, SMBFraction: 1, Clients: 20_000, Seed: 6})
	})
	if scaleLog.err != nil {
		b.Fatal(scaleLog.err)
	}
	return scaleLog.path
}

// BenchmarkJobScale is the job of smbaudit -f json on the (s) log, in
// process, for profiling what the report adds to the scan: Generate
// (MaxFindings 20,000, as the command) then writeJSON (Render of FormatJSON) to a file, and the
// scan alone for comparison. cpu-ns/client is the CPU time of the process
// per distinct client of the report.
//
//	go test ./report -run '^$' -bench JobScale -benchtime 3x -cpuprofile cpu.out
func BenchmarkJobScale(b *testing.B) {
	path := scaleLogPath(b)
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			_, err := smbaudit.Scan(context.Background(), []string{path}, smbaudit.ScanOptions{OnFinding: func(smbaudit.Finding) {}})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, bc := range []struct {
		name  string
		write bool
	}{{"generate", false}, {"job", true}} {
		b.Run(bc.name, func(b *testing.B) {
			out := filepath.Join(b.TempDir(), "job.json")
			clients := 0
			c0 := cpuTime()
			for b.Loop() {
				g, err := Generate(context.Background(), []string{path}, GenerateOptions{Report: Options{MaxFindings: 20_000}})
				if err != nil {
					b.Fatal(err)
				}
				clients += len(g.Report.Clients)
				if !bc.write {
					continue
				}
				f, err := os.Create(out)
				if err != nil {
					b.Fatal(err)
				}
				w := bufio.NewWriter(f)
				if err := g.Report.writeJSON(w); err != nil {
					b.Fatal(err)
				}
				if err := w.Flush(); err != nil {
					b.Fatal(err)
				}
				if err := f.Close(); err != nil {
					b.Fatal(err)
				}
			}
			if cpu := cpuTime() - c0; cpu > 0 && clients > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(clients), "cpu-ns/client")
			}
		})
	}
}
