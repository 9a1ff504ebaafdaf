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

// MatchGlob reports whether Scan, given a directory, reads the file at path
// found in it when ScanOptions.Glob is glob ("" means DefaultGlob): whether
// the base name of path matches glob without regard to case. A malformed
// glob gives an error wrapping ErrBadGlob.
func MatchGlob(glob, path string) (bool, error) {
	if glob == "" {
		glob = DefaultGlob
	}
	ok, err := filepath.Match(strings.ToLower(glob), strings.ToLower(filepath.Base(path)))
	if err != nil {
		return false, fmt.Errorf("%w: %q", ErrBadGlob, glob)
	}
	return ok, nil
}

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
	// ChunkWorkers is passed to evtx.Options.Workers for each file; 0
	// gives each of the files read at once its share of GOMAXPROCS, as
	// many goroutines classifying its events, so that a scan keeps about
	// GOMAXPROCS goroutines busy in each stage, whatever Workers.
	ChunkWorkers int
	// AllEvents decodes the events of every provider, so that
	// Result.Servers covers every event of every server (for example the
	// Security events of a WEF collector). By default only the chunks that
	// can hold an SMB server event or a 5168 are decoded, and coverage
	// counts those events.
	AllEvents bool
	// NoHash skips the SHA-256 of each input (FileResult.SHA256 stays
	// zero). The hash runs beside the decoding, but on a pre-filtered
	// mixed log it costs more than the decoding itself.
	NoHash bool
	// Recover also classifies the records left in the slack of chunks
	// (evtx.Options.Recover): older events a circular log still holds.
	// Their findings have Recovered set.
	Recover bool
	// Progress, when set, is called as files start and finish and as chunks
	// are read. Calls never overlap.
	Progress func(Progress)
	// OnFinding, when set, streams the findings: each unique finding is
	// passed to it as soon as its event is read, and Result.Findings stays
	// nil, so that memory grows with neither findings nor records (see the
	// package documentation, Memory). Calls never overlap (with each other
	// or with Progress). Findings come file by file, files sorted by path,
	// so the copy of a record passed on is the one CompareCopies puts first.
	// Files and Servers are the same as without OnFinding.
	OnFinding func(Finding)
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
// findings, per-file results and per-server coverage. A record seen in
// several files counts once (see the package documentation, Copies).
// Findings are sorted by time, server, record ID and source, files by path
// and servers by name, so equal inputs give equal results whatever the
// order of paths and the scheduling. The findings share their repeated
// strings and mappings, never anything a caller can change (see Memory).
//
// A file that cannot be opened or is not EVTX is listed in Result.Files as
// Skipped with its reason, and chunk and record errors are listed on their
// file; neither stops the scan. Scan returns an error only for a bad Glob or
// a cancelled context; with a cancelled context it also returns what it had
// read so far.
func Scan(ctx context.Context, paths []string, opts ScanOptions) (*Result, error) {
	return scanTuned(ctx, paths, opts, tuning{})
}

// tuning sets how a scan classifies each file's events: batch events handed
// to a classifying goroutine at a time, on workers goroutines. A zero field
// takes the default: defaultClassifyBatch, and the file's share of
// GOMAXPROCS (see fileShare). Scan runs with the zero tuning; tests make
// batches small to cross their boundaries.
type tuning struct{ batch, workers int }

func (tn tuning) batchSize() int {
	if tn.batch > 0 {
		return tn.batch
	}
	return defaultClassifyBatch
}

// classifyWorkers is the number of goroutines classifying one file's
// events: the file's share of GOMAXPROCS (see fileShare), as many as decode
// its chunks, so that classification keeps up with the decoding.
func (tn tuning) classifyWorkers(share int) int {
	if tn.workers > 0 {
		return tn.workers
	}
	return max(1, share)
}

// scanTuned is Scan with the tuning tn.
func scanTuned(ctx context.Context, paths []string, opts ScanOptions, tn tuning) (*Result, error) {
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

	cov := &recordsSeen{servers: map[string]*serverSeen{}, channels: map[string]uint32{}}
	var order *turns
	if opts.OnFinding != nil {
		order = newTurns(len(files))
	}
	outs := make([]fileOut, len(files))
	jobs := make(chan int)
	var wg sync.WaitGroup
	workers = min(workers, max(len(files), 1))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				// The files still to start share GOMAXPROCS: the last
				// ones, read alone, get more of it.
				share := fileShare(min(workers, len(files)-i))
				outs[i] = scanFile(ctx, i, files[i], opts, tn, prog, cov, order, share)
				order.finish(i)
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

	res := merge(outs, skipped, cov, opts.OnFinding != nil)
	return res, ctx.Err()
}

type input struct {
	path string
	size int64
}

// collect expands paths into the files to read, once each, sorted by path
// (so that the copy of a record that counts does not depend on the order of
// paths; see CompareCopies), and the inputs that cannot be read at all. A
// file named twice, in two spellings, is read once under the smaller.
func collect(paths []string, glob string) ([]input, []FileResult) {
	var found []input
	var skipped []FileResult
	add := func(p string, size int64) { found = append(found, input{p, size}) }
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
			if ok, _ := MatchGlob(glob, d.Name()); !ok {
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
	slices.SortFunc(found, func(a, b input) int { return strings.Compare(a.path, b.path) })
	var files []input
	seen := map[string]bool{}
	for _, in := range found {
		key := in.path
		if abs, err := filepath.Abs(in.path); err == nil {
			key = abs
		}
		if !seen[key] {
			seen[key] = true
			files = append(files, in)
		}
	}
	slices.SortFunc(skipped, func(a, b FileResult) int { return strings.Compare(a.Path, b.Path) })
	skipped = slices.CompactFunc(skipped, func(a, b FileResult) bool { return a.Path == b.Path })
	return files, skipped
}

// progress serialises the Progress callback.
type progress struct {
	mu sync.Mutex
	fn func(Progress)
	p  Progress
}

// finding passes one finding to fn, never while another call runs.
func (pr *progress) finding(fn func(Finding), f Finding) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	fn(f)
}

func (pr *progress) update(f func(p *Progress)) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	f(&pr.p)
	if pr.fn != nil {
		pr.fn(pr.p)
	}
}

type fileOut struct {
	fr       FileResult
	findings findingChunks
}

// findingChunks collects a file's findings in chunks that double in size
// up to maxFindingChunk. A Finding is 408 bytes: one slice grown by append
// (by a quarter at a time once large) would copy each finding several
// times and allocate about five times the findings' size; the chunks
// allocate it once, and merge copies it once into the result.
type findingChunks struct {
	chunks [][]Finding
	n      int
}

const minFindingChunk, maxFindingChunk = 16, 4096

func (c *findingChunks) add(f *Finding) {
	k := len(c.chunks) - 1
	if k < 0 || len(c.chunks[k]) == cap(c.chunks[k]) {
		size := minFindingChunk
		if k >= 0 {
			size = min(2*cap(c.chunks[k]), maxFindingChunk)
		}
		c.chunks = append(c.chunks, make([]Finding, 0, size))
		k++
	}
	c.chunks[k] = append(c.chunks[k], *f)
	c.n++
}

const eventsPerProgress = 4096

// scanFile reads file number idx of a scan into its output. share is the
// number of goroutines that decode its chunks, and that classify its
// events, unless opts.ChunkWorkers says otherwise (fileShare).
func scanFile(ctx context.Context, idx int, in input, opts ScanOptions, tn tuning, prog *progress, cov *recordsSeen, order *turns, share int) fileOut {
	out := fileOut{fr: FileResult{Path: in.path, Size: in.size}}
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
		out.fr.Skipped, out.fr.Err, out.fr.Cause = true, err, CauseOf(err)
		return out
	}
	defer f.Close()
	// The SHA-256 pass runs beside the decoding: on a pre-filtered log it
	// costs more than the decoding itself (BenchmarkHashCost).
	type hashed struct {
		sum [32]byte
		err error
	}
	hashDone := make(chan hashed, 1)
	go func() {
		if opts.NoHash {
			hashDone <- hashed{}
			return
		}
		sum, err := hashContent(ctx, f.Content())
		hashDone <- hashed{sum, err}
	}()

	var mu sync.Mutex // OnChunk may be called from decoding goroutines
	eo := evtx.Options{Workers: opts.ChunkWorkers, Recover: opts.Recover}
	if eo.Workers <= 0 {
		eo.Workers = share
	}
	if !opts.AllEvents {
		decodeOnly(&eo)
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
		if ci.State == evtx.ChunkDecoded || ci.State == evtx.ChunkSkipped {
			if ci.HeaderChecksumValid && ci.FirstRecordNumber > 0 && ci.LastRecordNumber >= ci.FirstRecordNumber {
				out.fr.RecordsInChunks += int(min(ci.LastRecordNumber-ci.FirstRecordNumber+1, 1<<13))
			} else {
				out.fr.RecordsInChunks += ci.Records
			}
		}
		if (ci.State == evtx.ChunkDecoded || ci.State == evtx.ChunkSkipped) && ci.HeaderChecksumValid && ci.FirstRecordID > 0 &&
			(out.fr.FirstRecordID == 0 || ci.FirstRecordID < out.fr.FirstRecordID) {
			out.fr.FirstRecordID = ci.FirstRecordID
		}
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
	// Classification (and the interning of its findings) runs on several
	// goroutines, fed in batches from this loop; the batches are consumed
	// in reading order by one goroutine, which does the per-file and
	// scan-wide bookkeeping and calls OnFinding, so the findings and their
	// order are those of a serial loop.
	cl := newClassifier(tn.classifyWorkers(share), tn.batchSize())
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		var curs fileCursors
		consume := func(b *batch) {
			// The scan-wide recordsSeen is locked once a batch, and not
			// while OnFinding runs.
			cov.seeBatch(idx, b, &curs, opts.OnFinding != nil)
			for i, ev := range b.evs {
				r := &b.res[i]
				events++
				out.bounds(ev.TimeCreated)
				if r.ok {
					findings++
					if opts.OnFinding == nil {
						out.findings.add(&r.fnd)
					} else if r.isNew {
						prog.finding(opts.OnFinding, r.fnd)
					}
				}
				if events >= eventsPerProgress {
					flush()
				}
			}
			cl.release(b)
		}
		// Streaming, the batches wait until every earlier file is done
		// (see turns); a bounded number of them, then the reading waits.
		var waiting []*batch
		myTurn := order == nil
		for b := range cl.order {
			<-b.done
			if !myTurn {
				if !order.ready(idx) && len(waiting) < maxWaitingBatches {
					waiting = append(waiting, b)
					continue
				}
				order.wait(idx)
				myTurn = true
				for _, w := range waiting {
					consume(w)
				}
				waiting = nil
			}
			consume(b)
		}
		if !myTurn {
			order.wait(idx)
			for _, w := range waiting {
				consume(w)
			}
		}
		flush()
	}()
	b := cl.get()
	for ev, err := range f.Events(ctx, eo) {
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			out.fr.Errors = append(out.fr.Errors, err)
			continue
		}
		b.evs = append(b.evs, ev)
		if len(b.evs) == cl.batch {
			cl.send(b)
			b = cl.get()
		}
	}
	if len(b.evs) > 0 {
		cl.send(b)
	}
	cl.close()
	<-consumed
	mu.Lock()
	slices.Sort(out.fr.DamagedChunks)
	out.fr.DamagedChunks = slices.Compact(out.fr.DamagedChunks)
	mu.Unlock()
	switch h := <-hashDone; {
	case h.err == nil:
		out.fr.SHA256 = h.sum
	case ctx.Err() == nil:
		out.fr.Errors = append(out.fr.Errors, h.err)
	}
	return out
}

// bounds widens the file's time bounds to t.
func (o *fileOut) bounds(t time.Time) {
	if o.fr.First.IsZero() || t.Before(o.fr.First) {
		o.fr.First = t
	}
	if t.After(o.fr.Last) {
		o.fr.Last = t
	}
}

// merge joins the per-file outputs: files sorted by path, findings
// deduplicated and sorted, server coverage over unique records.
func merge(outs []fileOut, skipped []FileResult, cov *recordsSeen, streamed bool) *Result {
	res := &Result{}
	total := 0
	for _, o := range outs {
		total += o.findings.n
	}
	var all []Finding
	if total > 0 {
		all = make([]Finding, 0, total)
	}
	for i := range outs {
		o := &outs[i]
		if o.fr.Path == "" {
			continue // never started (cancelled)
		}
		res.Files = append(res.Files, o.fr)
		for _, c := range o.findings.chunks {
			all = append(all, c...)
		}
		o.findings = findingChunks{}
	}
	res.Files = append(res.Files, skipped...)
	slices.SortStableFunc(res.Files, func(a, b FileResult) int { return strings.Compare(a.Path, b.Path) })

	audit := map[string]int{} // by server as logged, then summed by lower-cased name
	if !streamed {
		res.Findings = dedup(all)
	}
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
	for lc, s := range cov.servers {
		n := audit[lc]
		if streamed {
			n = s.audit
		}
		res.Servers = append(res.Servers, ServerCoverage{Server: s.name, First: s.first, Last: s.last,
			AuditFirst: s.auditFirst, AuditLast: s.auditLast, Events: s.events, AuditEvents: n})
	}
	slices.SortFunc(res.Servers, func(a, b ServerCoverage) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Server), strings.ToLower(b.Server)), strings.Compare(a.Server, b.Server))
	})
	return res
}

// isAudit reports whether a kind is one of the audit findings counted in
// ServerCoverage.AuditEvents (3021, 3022, 3024-3027).
func isAudit(k Kind) bool {
	switch k {
	case KindSigningUnsupported, KindEncryptionUnsupported, KindSMB1SigningDisabled, KindSPNMissing, KindSPNUnrecognised, KindSPNEmpty:
		return true
	}
	return false
}

// CompareCopies orders the places of two copies of one record (see the
// package documentation, Copies): the copy that sorts first is the one that
// counts, in Result.Findings, in the findings streamed to
// ScanOptions.OnFinding and in the report package. It compares the file path as a string, then the
// chunk, then the offset, so the choice depends on the inputs only, not on
// the order in which they were named or read. A copy from a damaged chunk
// is not passed over for a later one: a streamed scan has passed it on
// before it could know of the other.
func CompareCopies(a, b evtx.Source) int {
	return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Chunk, b.Chunk), cmp.Compare(a.Offset, b.Offset))
}

// dedup keeps one finding per record (package documentation, Copies) and
// sorts the result. It works in place in all, with a compact key per
// finding.
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
		ch := f.Channel // RecordChannel, lower-cased by num
		if RewrittenChannel(ch) {
			ch = ownChannel(f.EventID)
		}
		ks[i] = key{num(f.Server), num(ch), int32(i), f.EventID, identity(f.EventRecordID, f.RecordID), f.Time.UnixNano()}
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
		return cmp.Or(CompareCopies(all[a.idx].Source, all[b.idx].Source), cmp.Compare(a.idx, b.idx))
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
			CompareCopies(a.Source, b.Source))
	})
	return out
}

// defaultClassifyBatch is the number of events a classifying goroutine
// takes at a time: enough to make the hand-over cheap against Classify's
// own work.
const defaultClassifyBatch = 256

// fileShare is the number of decoding goroutines, and of classifying ones,
// of each of the files read at once: GOMAXPROCS divided among them, so
// that a scan runs about GOMAXPROCS goroutines of each stage in all, not
// GOMAXPROCS for every file.
func fileShare(files int) int {
	return max(1, runtime.GOMAXPROCS(0)/max(1, files))
}

// classified is Classify's answer for one event, with its lower-cased
// computer and channel for the coverage.
type classified struct {
	fnd     Finding
	ok      bool
	lc, lch string
	isNew   bool // the record is new to the scan (recordsSeen.seeBatch)
}

type batch struct {
	evs  []*evtx.Event
	res  []classified
	done chan struct{}
}

// classifier classifies batches of one file's events on its workers, each
// with its own interner (an interner is used by one goroutine; each table
// is bounded, so that the workers' tables together stay bounded as well).
// Batches come out on order in the order they were sent.
type classifier struct {
	batch int // events per batch
	work  chan *batch
	order chan *batch
	free  chan *batch
	wg    sync.WaitGroup
}

func newClassifier(workers, batchSize int) *classifier {
	c := &classifier{
		batch: batchSize,
		work:  make(chan *batch, workers),
		order: make(chan *batch, 2*workers+1),
		free:  make(chan *batch, 2*workers+2),
	}
	c.wg.Add(workers)
	for range workers {
		go func() {
			defer c.wg.Done()
			in := newInterner() // the tables go with the goroutine; the shared values stay in the findings
			var m mapper        // Classify's scratch, reused from event to event
			for b := range c.work {
				b.res = slices.Grow(b.res[:0], len(b.evs))[:len(b.evs)]
				for i, ev := range b.evs {
					r := &b.res[i]
					r.fnd, r.ok = m.classify(ev, in) // as Classify does, sharing in
					r.lc, r.lch = in.lowerOf(ev.Computer), recordChannel(ev, in)
				}
				close(b.done)
			}
		}()
	}
	return c
}

// get returns an empty batch, reused when one is free.
func (c *classifier) get() *batch {
	select {
	case b := <-c.free:
		return b
	default:
		return &batch{evs: make([]*evtx.Event, 0, c.batch)}
	}
}

// send queues b for classification and for consumption in order. It blocks
// while the consumer is 2*workers+1 batches behind, so that memory does not
// grow with the file.
func (c *classifier) send(b *batch) {
	b.done = make(chan struct{})
	c.order <- b
	c.work <- b
}

// release gives a consumed batch back for reuse.
func (c *classifier) release(b *batch) {
	clear(b.evs)
	b.evs = b.evs[:0]
	clear(b.res)
	select {
	case c.free <- b:
	default:
	}
}

// close ends the workers once the batches sent are classified, and the
// consumer's loop over order once they are consumed.
func (c *classifier) close() {
	close(c.work)
	close(c.order)
	c.wg.Wait()
}

// maxWaitingBatches bounds the classified batches a streamed file holds
// while an earlier file is being read: 16 batches.
const maxWaitingBatches = 16

// turns orders the streamed files: file i's records are counted and its
// findings passed on only once every file before it is done, so that the
// copy of a record passed on is the first file's (files are sorted by
// path; see CompareCopies), whatever the scheduling. Files are handed to
// the workers in index order, so a file only ever waits for files already
// being read: no deadlock. A nil *turns orders nothing.
type turns struct {
	mu   sync.Mutex
	cond *sync.Cond
	next int // every file before next is done
	done []bool
}

func newTurns(n int) *turns {
	t := &turns{done: make([]bool, n)}
	t.cond = sync.NewCond(&t.mu)
	return t
}

// ready reports whether every file before i is done.
func (t *turns) ready(i int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.next >= i
}

// wait blocks until every file before i is done.
func (t *turns) wait(i int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for t.next < i {
		t.cond.Wait()
	}
}

// finish marks file i done.
func (t *turns) finish(i int) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done[i] = true
	for t.next < len(t.done) && t.done[t.next] {
		t.next++
	}
	t.cond.Broadcast()
}
