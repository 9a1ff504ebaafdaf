package report_test

import (
	"io"
	"testing"

	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/report/internal/sample"
)

// Benchmarks on the smbaudit fixtures (577 findings after dedup, 12 clients):
//
//	go test ./report -run '^$' -bench . -benchtime 20x -benchmem
func BenchmarkBuildFixtures(b *testing.B) {
	fixtureReport(b) // scan once, outside the timer
	b.ReportAllocs()
	for b.Loop() {
		newReport(fixtureResult, report.Options{GeneratedAt: sample.GeneratedAt})
	}
}

func BenchmarkMergeFixtureHalves(b *testing.B) {
	r := fixtureReport(b)
	half := len(r.Findings) / 2
	x, y := *r, *r
	x.Findings, y.Findings = r.Findings[:half], r.Findings[half:]
	b.ReportAllocs()
	for b.Loop() {
		merge(b, &x, &y)
	}
}

func BenchmarkRenderFixtures(b *testing.B) {
	r := fixtureReport(b)
	for _, f := range report.Formats() {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := r.Render(io.Discard, f, report.RenderOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBuilderAdd streams the fixtures' findings into a Builder, as the
// smbaudit command does, keeping them (kept) or counting them into the rows
// only (rows); ns/finding is the cost per finding.
func BenchmarkBuilderAdd(b *testing.B) {
	fixtureReport(b)
	for _, bc := range []struct {
		name string
		max  int
	}{{"kept", 0}, {"rows", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				bl := report.NewBuilder(report.Options{GeneratedAt: sample.GeneratedAt, MaxFindings: bc.max})
				for i := range fixtureResult.Findings {
					bl.Add(&fixtureResult.Findings[i])
				}
				n += len(fixtureResult.Findings)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/finding")
		})
	}
}
