// Command evtxbench runs one measured thing per process, for
// scripts/bench.sh: generating a benchmark log, or reading a log one way and
// printing one line "name bytes seconds count". Peak RSS is measured from
// outside (/usr/bin/time -f %M), so that every column pays its own runtime
// and nothing else.
//
//	evtxbench gen -o FILE -size BYTES -smb FRACTION [-seed N] [-clients N]
//	evtxbench partial -o FILE -clients N [-part I -parts N] [-shared]
//	                                 a summarised partial report (smbaudit
//	                                 --partial) of N distinct clients
//	evtxbench floor FILE             read + CRC32 of every chunk
//	evtxbench velocidex FILE         Velocidex GetChunks + Parse, sequential
//	evtxbench decode -workers N FILE this project's evtx, every event
//	evtxbench scan FILE              smbaudit.Scan, provider pre-filter on
package main

import (
	"context"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/internal/benchgen"
	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
	vevtx "www.velocidex.com/golang/evtx"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd, args := os.Args[1], os.Args[2:]
	var err error
	switch cmd {
	case "gen":
		err = gen(args)
	case "partial":
		err = partial(args)
	case "floor", "velocidex", "decode", "scan":
		err = measure(cmd, args)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "evtxbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: evtxbench gen|partial|floor|velocidex|decode|scan [flags] FILE")
	os.Exit(2)
}

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	out := fs.String("o", "", "output file")
	size := fs.Int64("size", 64<<20, "target size in bytes")
	smb := fs.Float64("smb", 0.001, "fraction of SMB audit events (1 = audit-only)")
	seed := fs.Uint64("seed", 1, "random seed")
	clients := fs.Int("clients", 0, "distinct SMB clients (0 = benchgen's default)")
	fs.Parse(args)
	if *out == "" {
		return fmt.Errorf("gen: -o is required")
	}
	st, err := benchgen.WriteFile(*out, benchgen.Config{Size: *size, SMBFraction: *smb, Seed: *seed, Clients: *clients})
	if err != nil {
		return err
	}
	fmt.Printf("%s %d bytes %d chunks %d events %d smb\n", *out, st.Bytes, st.Chunks, st.Events, st.SMBEvents)
	return nil
}

// partial writes the summarised partial report of a scan that saw n
// distinct clients, each twice (a 3021 with a user and an SPN), on 20
// servers; -part and -parts keep the findings i with i%parts == part, so
// that parts partials of the same clients merge. With -shared every name
// is an FQDN whose first label is "ws" (ws.d0000001.example, ...).
func partial(args []string) error {
	fs := flag.NewFlagSet("partial", flag.ExitOnError)
	out := fs.String("o", "", "output file")
	n := fs.Int("clients", 200_000, "distinct clients")
	part := fs.Int("part", 0, "which part of the findings")
	parts := fs.Int("parts", 1, "into how many parts the findings are split")
	shared := fs.Bool("shared", false, "names that all share the first label ws")
	fs.Parse(args)
	if *out == "" || *n < 1 || *parts < 1 || *part < 0 || *part >= *parts {
		return fmt.Errorf("partial: -o, -clients >= 1 and 0 <= -part < -parts are required")
	}
	t0 := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	b := report.NewBuilder(report.Options{MaxFindings: 1, GeneratedAt: t0})
	var servers, users []string
	for i := range 20 {
		servers = append(servers, fmt.Sprintf("FS%02d.corp.example", i+1))
	}
	for i := range 200 {
		users = append(users, fmt.Sprintf(`CORP\user%03d`, i))
	}
	for i := range 2 * *n {
		if i%*parts != *part {
			continue
		}
		c := i % *n
		var raw string
		switch {
		case *shared:
			raw = fmt.Sprintf(`\\ws.d%07d.example`, c)
		case c%5 == 0:
			raw = fmt.Sprintf(`\\NAS-%07d`, c)
		case c%5 == 1:
			raw = fmt.Sprintf(`\\printer%07d.corp.example`, c)
		default:
			raw = fmt.Sprintf(`\\10.%d.%d.%d`, 10+c/64000%240, c/250%256, 1+c%250)
		}
		srv := servers[i%len(servers)]
		b.Add(&smbaudit.Finding{Kind: smbaudit.KindSigningUnsupported, EventID: smbaudit.EventSigningUnsupported,
			Server: srv, Client: smbaudit.NormalizeClient(raw), Channel: smbaudit.AuditChannel,
			Time: t0.Add(time.Duration(i) * 40 * time.Millisecond), RecordID: uint64(i + 1), EventRecordID: uint64(i + 1),
			User: users[i%len(users)], SPN: "cifs/" + srv, HasSPN: true})
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := b.Finish().Render(f, report.FormatJSON, report.RenderOptions{}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func measure(cmd string, args []string) error {
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	workers := fs.Int("workers", 0, "decode: chunk workers (0 = GOMAXPROCS)")
	cpuprof := fs.String("cpuprofile", "", "write a CPU profile to this file")
	memprof := fs.String("memprofile", "", "write an allocation profile to this file")
	stream := fs.Bool("stream", false, "scan: stream findings through ScanOptions.OnFinding instead of keeping them")
	nohash := fs.Bool("nohash", false, "scan: skip the SHA-256 of the input (ScanOptions.NoHash)")
	fs.Parse(args)
	if *memprof != "" {
		runtime.MemProfileRate = 64 << 10
	}
	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *memprof != "" {
		defer func() {
			if f, err := os.Create(*memprof); err == nil {
				pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if fs.NArg() != 1 {
		usage()
	}
	path := fs.Arg(0)
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	start := time.Now()
	var n int64
	switch cmd {
	case "floor":
		n, err = floor(path)
	case "velocidex":
		n, err = velocidex(path)
	case "decode":
		n, err = decode(path, *workers)
	case "scan":
		n, err = scan(path, *stream, *nohash)
	}
	if err != nil {
		return err
	}
	fmt.Printf("%s %d %.6f %d\n", cmd, st.Size(), time.Since(start).Seconds(), n)
	return nil
}

// floor reads the file in chunk-sized blocks and computes the CRC32 of each
// chunk: what any reader must at least do. It returns the chunks read.
func floor(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	if _, err := io.ReadFull(f, buf[:4096]); err != nil {
		return 0, err
	}
	var n int64
	var sum uint32
	for {
		k, err := io.ReadFull(f, buf)
		if k > 0 {
			sum ^= crc32.ChecksumIEEE(buf[:k])
			n++
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return n, err
		}
	}
	_ = sum
	return n, nil
}

// velocidex is the pinned decoder alone, as its own tools use it. It
// returns the records decoded.
func velocidex(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	chunks, err := vevtx.GetChunks(f)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, c := range chunks {
		recs, _ := c.Parse(0)
		n += int64(len(recs))
	}
	return n, nil
}

// decode reads every event with this project's reader and returns the
// events (errors are counted too: they are decoding work).
func decode(path string, workers int) (int64, error) {
	f, err := evtx.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	for _, err := range f.Events(context.Background(), evtx.Options{Workers: workers}) {
		_ = err
		n++
	}
	return n, nil
}

// scan runs the main job, smbaudit.Scan with its defaults (the provider
// pre-filter on), and returns the findings.
func scan(path string, stream, nohash bool) (int64, error) {
	opts := smbaudit.ScanOptions{NoHash: nohash}
	var streamed int64
	if stream {
		opts.OnFinding = func(smbaudit.Finding) { streamed++ }
	}
	res, err := smbaudit.Scan(context.Background(), []string{path}, opts)
	if err != nil {
		return 0, err
	}
	return int64(len(res.Findings)) + streamed, nil
}
