package smbaudit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
)

// DefaultGlob selects the files Scan reads inside directories.
const DefaultGlob = "*.evtx"

// ErrBadGlob is returned by Scan for a malformed ScanOptions.Glob.
var ErrBadGlob = errors.New("smbaudit: bad glob pattern")

// ScanOptions tune Scan. The zero value scans *.evtx files in directories,
// GOMAXPROCS files at a time, decoding only the chunks that can hold SMB
// server events, without progress reports.
type ScanOptions struct {
	// Glob selects files inside directories by base name, compared without
	// regard to case; "" means DefaultGlob. Files named explicitly are always
	// read.
	Glob string
	// Workers is the number of files read concurrently; 0 means GOMAXPROCS.
	Workers int
	// ChunkWorkers is passed to evtx.Options.Workers for each file; 0 lets
	// evtx choose.
	ChunkWorkers int
	// AllEvents decodes the events of every provider, so that
	// Result.Servers covers every event of every server (for example the
	// Security events of a WEF collector). By default only the chunks that
	// can hold an SMB server event are decoded, and coverage counts the SMB
	// server's own events.
	AllEvents bool
	// Progress, when set, is called as files start and finish and as chunks
	// are read. Calls never overlap.
	Progress func(Progress)
}

// Progress is a snapshot of a running Scan.
type Progress struct {
	File                  string // file that just started or finished; "" on chunk steps
	Done                  bool   // File has finished
	FilesDone, FilesTotal int
	BytesDone, BytesTotal int64
	Events                int64 // events decoded so far (after the provider filter)
	Findings              int64 // findings so far, duplicates included
}

// Scan reads the logs at paths (files, and directories searched recursively
// for ScanOptions.Glob), classifies every SMB server event and returns the
// findings, per-file results and per-server coverage.
//
// A file that cannot be opened or is not EVTX is listed in Result.Files as
// Skipped with the reason, and the others go on; chunk and record errors are
// listed on their file. The same record seen in several files (overlapping
// exports of one log: same computer, channel, record ID, event ID and time)
// counts once; the copy kept is the one from an undamaged chunk, then the
// first by source. Findings are sorted by time, server, record ID and
// source, files by path and servers by name, so equal inputs give equal
// results whatever the scheduling.
//
// Scan returns an error only for a bad Glob or a cancelled context; with a
// cancelled context it also returns what it had read so far.
func Scan(ctx context.Context, paths []string, opts ScanOptions) (*Result, error) {
	glob := opts.Glob
	if glob == "" {
		glob = DefaultGlob
	}
	glob = strings.ToLower(glob)
	if _, err := filepath.Match(glob, ""); err != nil {
		return nil, fmt.Errorf("%w: %q", ErrBadGlob, opts.Glob)
	}
	files, skipped := collect(paths, glob)

	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	prog := &progress{fn: opts.Progress, p: Progress{FilesTotal: len(files)}}
	for _, f := range files {
		prog.p.BytesTotal += f.size
	}

	outs := make([]fileOut, len(files))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, max(len(files), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				outs[i] = scanFile(ctx, files[i], opts, prog)
			}
		}()
	}
feed:
	for i := range files {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()

	res := merge(outs, skipped)
	return res, ctx.Err()
}

type input struct {
	path string
	size int64
}

// collect expands paths into the files to read, once each, and the inputs
// that cannot be read at all.
func collect(paths []string, glob string) ([]input, []FileResult) {
	var files []input
	var skipped []FileResult
	seen := map[string]bool{}
	add := func(p string, size int64) {
		key := p
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
		}
		if !seen[key] {
			seen[key] = true
			files = append(files, input{p, size})
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			skipped = append(skipped, skippedFile(p, err))
			continue
		}
		if !st.IsDir() {
			add(p, st.Size())
			continue
		}
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				skipped = append(skipped, skippedFile(q, err))
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			if ok, _ := filepath.Match(glob, strings.ToLower(d.Name())); !ok {
				return nil
			}
			info, err := os.Stat(q) // follows a symbolic link, as Open will
			if err != nil {
				skipped = append(skipped, skippedFile(q, err))
				return nil
			}
			add(q, info.Size())
			return nil
		})
		if err != nil {
			skipped = append(skipped, skippedFile(p, err))
		}
	}
	return files, skipped
}

// progress serialises the Progress callback.
type progress struct {
	mu sync.Mutex
	fn func(Progress)
	p  Progress
}

func (pr *progress) update(f func(p *Progress)) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	f(&pr.p)
	if pr.fn != nil {
		pr.fn(pr.p)
	}
}

// covKey identifies one record of one server's log across files: channel
// (lower-cased, shared through an interner) and record ID, with the event ID
// and time as well so that IDs reused after a log was cleared do not merge
// different events. The server is the map the key belongs to.
type covKey struct {
	channel  string
	recordID uint64
	time     int64
	eventID  uint16
}

// identity is the record ID that names a record across copies of its log:
// System/EventRecordID, or the header's record ID when the event lacks one.
func identity(eventRecordID, recordID uint64) uint64 {
	if eventRecordID != 0 {
		return eventRecordID
	}
	return recordID
}

type serverSeen struct {
	first, last time.Time
	keys        map[covKey]struct{}
}

type fileOut struct {
	fr       FileResult
	findings []Finding
	servers  map[string]*serverSeen // by lower-cased computer
	names    map[string]string      // lower-cased -> as logged (first seen)
	in       *interner              // while the file is read
}

const eventsPerProgress = 4096

func scanFile(ctx context.Context, in input, opts ScanOptions, prog *progress) fileOut {
	out := fileOut{fr: FileResult{Path: in.path, Size: in.size}, servers: map[string]*serverSeen{}, names: map[string]string{},
		in: newInterner()}
	defer func() { out.in = nil }() // the tables go; the shared values stay in the findings
	prog.update(func(p *Progress) { p.File, p.Done = in.path, false })
	var bytesCounted int64
	defer func() {
		prog.update(func(p *Progress) {
			p.File, p.Done = in.path, true
			p.FilesDone++
			p.BytesDone += in.size - bytesCounted
		})
	}()

	f, err := evtx.Open(in.path)
	if err != nil {
		out.fr.Skipped, out.fr.Reason, out.fr.Cause = true, err.Error(), skipCause(err)
		return out
	}
	defer f.Close()

	var mu sync.Mutex // OnChunk may be called from decoding goroutines
	eo := evtx.Options{Workers: opts.ChunkWorkers}
	if !opts.AllEvents {
		eo.Providers = []string{Provider}
	}
	eo.OnChunk = func(ci evtx.ChunkInfo) {
		mu.Lock()
		defer mu.Unlock()
		switch ci.State {
		case evtx.ChunkDecoded:
			out.fr.Chunks++
			out.fr.ChunksDecoded++
		case evtx.ChunkSkipped:
			out.fr.Chunks++
			out.fr.ChunksSkipped++
		case evtx.ChunkBad:
			out.fr.Chunks++
		}
		out.fr.Records += ci.Records
		if ci.Damaged() {
			out.fr.DamagedChunks = append(out.fr.DamagedChunks, ci.Index)
		}
		step := min(int64(64<<10), in.size-bytesCounted)
		bytesCounted += step
		prog.update(func(p *Progress) { p.File, p.Done = "", false; p.BytesDone += step })
	}

	var events, findings int64
	flush := func() {
		e, n := events, findings
		events, findings = 0, 0
		prog.update(func(p *Progress) { p.File, p.Done = "", false; p.Events += e; p.Findings += n })
	}
	for ev, err := range f.Events(ctx, eo) {
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			out.fr.Errors = append(out.fr.Errors, err.Error())
			continue
		}
		events++
		out.see(ev)
		if fnd, ok := Classify(ev); ok {
			out.in.finding(&fnd)
			out.findings = append(out.findings, fnd)
			findings++
		}
		if events >= eventsPerProgress {
			flush()
		}
	}
	flush()
	mu.Lock()
	slices.Sort(out.fr.DamagedChunks)
	out.fr.DamagedChunks = slices.Compact(out.fr.DamagedChunks)
	mu.Unlock()
	return out
}

// see records one decoded event for the file's time bounds and its server's
// coverage.
func (o *fileOut) see(ev *evtx.Event) {
	t := ev.TimeCreated
	if o.fr.First.IsZero() || t.Before(o.fr.First) {
		o.fr.First = t
	}
	if t.After(o.fr.Last) {
		o.fr.Last = t
	}
	lc := o.in.lowerOf(ev.Computer)
	s := o.servers[lc]
	if s == nil {
		s = &serverSeen{first: t, last: t, keys: map[covKey]struct{}{}}
		o.servers[lc] = s
		o.names[lc] = o.in.str(ev.Computer)
	}
	if t.Before(s.first) {
		s.first = t
	}
	if t.After(s.last) {
		s.last = t
	}
	s.keys[covKey{o.in.lowerOf(ev.Channel), identity(ev.EventRecordID, ev.RecordID), t.UnixNano(), ev.EventID}] = struct{}{}
}

// merge joins the per-file outputs: files sorted by path, findings
// deduplicated and sorted, server coverage over unique records.
func merge(outs []fileOut, skipped []FileResult) *Result {
	res := &Result{}
	servers := map[string]*serverSeen{}
	names := map[string]string{}
	var all []Finding
	withFindings, total := 0, 0
	for _, o := range outs {
		if len(o.findings) > 0 {
			withFindings++
			total += len(o.findings)
		}
	}
	if withFindings > 1 {
		all = make([]Finding, 0, total)
	}
	for i := range outs {
		o := &outs[i]
		if o.fr.Path == "" {
			continue // never started (cancelled)
		}
		res.Files = append(res.Files, o.fr)
		if withFindings == 1 {
			if len(o.findings) > 0 {
				all = o.findings // the only file with findings: no copy
			}
		} else {
			all = append(all, o.findings...)
		}
		o.findings = nil
		for lc, s := range o.servers {
			m := servers[lc]
			if m == nil {
				servers[lc] = &serverSeen{first: s.first, last: s.last, keys: s.keys}
				names[lc] = o.names[lc]
				continue
			}
			if s.first.Before(m.first) {
				m.first = s.first
			}
			if s.last.After(m.last) {
				m.last = s.last
			}
			for k := range s.keys {
				m.keys[k] = struct{}{}
			}
		}
	}
	res.Files = append(res.Files, skipped...)
	slices.SortStableFunc(res.Files, func(a, b FileResult) int { return strings.Compare(a.Path, b.Path) })

	res.Findings = dedup(all)
	audit := map[string]int{} // by server as logged, then summed by lower-cased name
	for _, f := range res.Findings {
		if isAudit(f.Kind) {
			audit[f.Server]++
		}
	}
	for s, n := range audit {
		if l := strings.ToLower(s); l != s {
			delete(audit, s)
			audit[l] += n
		}
	}
	for lc, s := range servers {
		res.Servers = append(res.Servers, ServerCoverage{Server: names[lc], First: s.first, Last: s.last,
			Events: len(s.keys), AuditEvents: audit[lc]})
	}
	slices.SortFunc(res.Servers, func(a, b ServerCoverage) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Server), strings.ToLower(b.Server)), strings.Compare(a.Server, b.Server))
	})
	return res
}

// isAudit reports whether a kind is one of the audit findings counted in
// ServerCoverage.AuditEvents (3021, 3024-3027).
func isAudit(k Kind) bool {
	switch k {
	case KindSigningUnsupported, KindSMB1SigningDisabled, KindSPNMissing, KindSPNUnrecognised, KindSPNEmpty:
		return true
	}
	return false
}

func compareSource(a, b evtx.Source) int {
	return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Chunk, b.Chunk), cmp.Compare(a.Offset, b.Offset))
}

// dedup keeps one finding per record (see Scan) and sorts the result. It
// works in place in all, with a compact key per finding.
func dedup(all []Finding) []Finding {
	type key struct {
		server, channel uint32 // lower-cased names, numbered
		idx             int32
		eventID         uint16
		id              uint64
		time            int64
	}
	ids := map[string]uint32{}
	lowers := map[string]string{}
	num := func(s string) uint32 {
		l, ok := lowers[s]
		if !ok {
			l = strings.ToLower(s)
			lowers[s] = l
		}
		n, ok := ids[l]
		if !ok {
			n = uint32(len(ids))
			ids[l] = n
		}
		return n
	}
	ks := make([]key, len(all))
	for i := range all {
		f := &all[i]
		ks[i] = key{num(f.Server), num(f.Channel), int32(i), f.EventID, identity(f.EventRecordID, f.RecordID), f.Time.UnixNano()}
	}
	ids, lowers = nil, nil
	same := func(a, b key) int {
		return cmp.Or(cmp.Compare(a.server, b.server), cmp.Compare(a.channel, b.channel), cmp.Compare(a.id, b.id),
			cmp.Compare(a.eventID, b.eventID), cmp.Compare(a.time, b.time))
	}
	slices.SortFunc(ks, func(a, b key) int {
		if c := same(a, b); c != 0 {
			return c
		}
		fa, fb := &all[a.idx], &all[b.idx]
		if fa.ChunkDamaged != fb.ChunkDamaged { // the copy from an undamaged chunk first
			if !fa.ChunkDamaged {
				return -1
			}
			return 1
		}
		return cmp.Or(compareSource(fa.Source, fb.Source), cmp.Compare(a.idx, b.idx))
	})
	keep := make([]bool, len(all))
	for i, k := range ks {
		if i == 0 || same(ks[i-1], k) != 0 {
			keep[k.idx] = true
		}
	}
	ks = nil
	n := 0
	for i := range all {
		if keep[i] {
			all[n] = all[i]
			n++
		}
	}
	clear(all[n:])
	out := all[:n:n]
	if n < len(all)/2 {
		out = slices.Clone(out) // let the larger array go
	}
	slices.SortFunc(out, func(a, b Finding) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.Server, b.Server),
			cmp.Compare(identity(a.EventRecordID, a.RecordID), identity(b.EventRecordID, b.RecordID)),
			compareSource(a.Source, b.Source))
	})
	return out
}
