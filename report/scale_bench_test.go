package report

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// scaleClients returns n distinct clients named as benchgen names them:
// short host names, FQDNs and IPv4 addresses.
func scaleClients(n int) []smbaudit.Client {
	cs := make([]smbaudit.Client, n)
	for i := range cs {
		var raw string
		switch i % 5 {
		case 0:
			raw = fmt.Sprintf(`\\NAS-%07d`, i)
		case 1:
			raw = fmt.Sprintf(`\\printer%07d.corp.example`, i)
		default:
			raw = fmt.Sprintf(`\\10.%d.%d.%d`, 10+i/64000%240, i/250%256, 1+i%250) // distinct up to 15M
		}
		cs[i] = smbaudit.NormalizeClient(raw)
	}
	return cs
}

// scaleFinding is finding i of a scale run: clients in turn, two findings
// each, on 20 servers, with a user and an SPN.
func scaleFinding(f *smbaudit.Finding, cs []smbaudit.Client, i int) {
	*f = smbaudit.Finding{Kind: smbaudit.KindSigningUnsupported, EventID: smbaudit.EventSigningUnsupported,
		Server: scaleServers[i%len(scaleServers)], Client: cs[i%len(cs)], Channel: smbaudit.AuditChannel,
		Time: scaleT0.Add(time.Duration(i) * 40 * time.Millisecond), RecordID: uint64(i + 1), EventRecordID: uint64(i + 1),
		User: scaleUsers[i%len(scaleUsers)], SPN: scaleSPNs[i%len(scaleServers)], HasSPN: true}
}

// scaleT0 is the time of the first finding of a scale run.
var scaleT0 = time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)

// The strings of the findings are made once, as a scan's decoder makes
// them before the report sees them: their cost is not the report's.
var scaleServers, scaleUsers, scaleSPNs = func() (s, u, spn []string) {
	for i := range 20 {
		s = append(s, fmt.Sprintf("FS%02d.corp.example", i+1))
		spn = append(spn, "cifs/"+s[i])
	}
	for i := range 200 {
		u = append(u, fmt.Sprintf(`CORP\user%03d`, i))
	}
	return
}()

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// peakLive samples the live heap as of each GC (/gc/heap/live:bytes)
// every millisecond until the function it returns is called, which
// returns the highest value seen. Call liveHeap before it, so that the
// last value is sampled too.
func peakLive() (stop func() uint64) {
	done, res := make(chan struct{}), make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var peak uint64
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-done:
				res <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-res }
}

// BenchmarkClients is the cost of a report per distinct client, as Generate
// makes it (findings streamed into a Builder, MaxFindings 20,000 as the
// smbaudit command has it): 2 findings per client, for 1k to 1M clients.
// ns/client (wall clock), cpu-ns/client (CPU time of the process, GC
// included, which a loaded machine inflates less) and B/op are for all
// the clients;
// rows-B/client is the live heap of the gathered rows, report-B/client that
// of the report, peak-B/client the highest live heap seen after a GC
// while the rows were gathered and the report made (see peakLive).
//
//	go test ./report -run '^$' -bench Clients -benchtime 1x -benchmem
func BenchmarkClients(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			cs := scaleClients(n)
			var f smbaudit.Finding
			var rowsB, reportB, peakB uint64
			var cpu time.Duration
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				base := liveHeap()
				stop := peakLive()
				c0 := cpuTime()
				b.StartTimer()
				bl := NewBuilder(Options{MaxFindings: 20_000})
				for i := range 2 * n {
					scaleFinding(&f, cs, i)
					bl.Add(&f)
				}
				b.StopTimer()
				cpu += cpuTime() - c0
				rowsB = liveHeap() - base
				c0 = cpuTime()
				b.StartTimer()
				r := bl.report(true)
				b.StopTimer()
				cpu += cpuTime() - c0
				if len(r.Clients) != n {
					b.Fatalf("%d clients, want %d distinct", len(r.Clients), n)
				}
				bl = nil
				reportB = liveHeap() - base
				peakB = stop() - base
				runtime.KeepAlive(r)
				b.StartTimer()
			}
			per := float64(b.N) * float64(n)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/per, "ns/client")
			if cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/per, "cpu-ns/client")
			}
			b.ReportMetric(float64(rowsB)/float64(n), "rows-B/client")
			b.ReportMetric(float64(reportB)/float64(n), "report-B/client")
			b.ReportMetric(float64(peakB)/float64(n), "peak-B/client")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// scalePartial returns the JSON form of a summarised partial of the n
// clients of scaleClients from part (of parts): each client has 2
// findings, the partials the findings of one in parts.
func scalePartial(b *testing.B, cs []smbaudit.Client, part, parts int) []byte {
	bl := NewBuilder(Options{MaxFindings: 1})
	var f smbaudit.Finding
	for i := range 2 * len(cs) {
		if i%parts == part {
			scaleFinding(&f, cs, i)
			bl.Add(&f)
		}
	}
	var buf bytes.Buffer
	if err := bl.report(true).writeJSON(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkMergeClients merges two summarised partials of n distinct
// clients each (the same clients, as two servers' logs would have them)
// as smbaudit merge does: Builder.AddJSON of both, then Builder.Finish.
// ns/client and cpu-ns/client are per distinct client; peak-live-MB is
// the highest live heap after a GC during the merge (see peakLive), the
// partials' text excluded.
//
//	go test ./report -run '^$' -bench MergeClients -benchtime 1x -benchmem
func BenchmarkMergeClients(b *testing.B) {
	for _, n := range []int{10_000, 200_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			cs := scaleClients(n)
			docs := [][]byte{scalePartial(b, cs, 0, 2), scalePartial(b, cs, 1, 2)}
			b.ReportMetric(float64(len(docs[0])), "partial-B")
			var cpu time.Duration
			var peak uint64
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				base := liveHeap()
				stop := peakLive()
				c0 := cpuTime()
				b.StartTimer()
				bl := NewBuilder(Options{MaxFindings: 20_000})
				for _, d := range docs {
					if err := bl.AddJSON(bytes.NewReader(d)); err != nil {
						b.Fatal(err)
					}
				}
				r := bl.Finish()
				b.StopTimer()
				cpu += cpuTime() - c0
				if got := len(r.Clients); got != n {
					b.Fatalf("%d clients merged, want %d", got, n)
				}
				liveHeap()
				peak = max(peak, stop()-base)
				runtime.KeepAlive(r)
				b.StartTimer()
			}
			per := float64(b.N) * float64(n)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/per, "ns/client")
			if cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/per, "cpu-ns/client")
			}
			b.ReportMetric(float64(peak)/1e6, "peak-live-MB")
		})
	}
}

// BenchmarkFindings is the cost of a report per finding, apart from its
// clients: 1,000 clients with many findings each (scaleFinding: a 3021
// with a user and an SPN, on 20 servers), as Generate makes it. "counted"
// streams 400,000 findings into a Builder with MaxFindings 20,000, as the
// smbaudit command has it, so that all but the first 20,000 are counted
// into the rows; "kept" streams 20,000 findings that the report keeps
// (MaxFindings 0). cpu-ns/finding is the CPU time of the process (GC
// included) per finding, the report made.
//
//	go test ./report -run '^$' -bench '^BenchmarkFindings$' -benchtime 3x
func BenchmarkFindings(b *testing.B) {
	cs := scaleClients(1_000)
	for _, bc := range []struct {
		name     string
		findings int
		maxKept  int
		wantKept bool
	}{{"counted", 400_000, 20_000, false}, {"kept", 20_000, 0, true}} {
		b.Run(bc.name, func(b *testing.B) {
			var f smbaudit.Finding
			var cpu time.Duration
			n := 0
			for b.Loop() {
				c0 := cpuTime()
				bl := NewBuilder(Options{MaxFindings: bc.maxKept})
				for i := range bc.findings {
					scaleFinding(&f, cs, i)
					bl.Add(&f)
				}
				r := bl.Finish()
				cpu += cpuTime() - c0
				if kept := len(r.Findings) == bc.findings; kept != bc.wantKept || len(r.Clients) != len(cs) {
					b.Fatalf("%d findings kept of %d, %d clients", len(r.Findings), bc.findings, len(r.Clients))
				}
				n += bc.findings
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/finding")
			if cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/finding")
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}
