package evtx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"unicode/utf16"

	vevtx "www.velocidex.com/golang/evtx"
)

// item is one step of the iteration: an event or an error.
type item struct {
	ev  *Event
	err error
}

// chunkResult is everything one chunk slot produced, in file order.
type chunkResult struct {
	info  ChunkInfo
	items []item
	// maxID is the highest record ID the slot holds (of its framed records,
	// or its header's for a skipped chunk), 0 if none.
	maxID uint64
	// arena, when set, holds the items and the Events: it may be reused
	// once the result's consumer is done with them.
	arena *eventArena
}

// recordWork is a framed record of a chunk being decoded.
type recordWork struct {
	span
	plan     *recordValues // exact values from the BinXML pre-pass, nil if it failed
	planErr  error         // why the pre-pass kept the record from the decoder
	patches  []int         // descriptor type bytes to rewrite in the decoder copy
	defines  uint32        // template ID defined inline by the record, 0 if none
	toDecode bool          // handed to the decoder
	filtered bool          // proved of an unwanted provider without inspection (see lazyInspect)
	resolved bool          // the plan alone gives the Event (see resolved)
	// ev is the Event of a resolved record built as soon as it was
	// inspected, its plan's values then being dropped; unwanted is set
	// instead when the filter rejected it then.
	ev       *Event
	unwanted bool
	dropped  error // why the decoder output for it was dropped (panic)
	// fallbackKnown is set on a record the pre-pass refused that
	// runFallback hands to the decoder: the IDs of the templates the
	// decoder knows when it reaches the record. Its bytes are checked in
	// the decoder's copy before the decoder runs (unboundedFallback).
	fallbackKnown map[uint32]bool
}

// chunkDecoder decodes chunk slots. Each worker owns one, with its buffers.
type chunkDecoder struct {
	r    *Reader
	opts *compiledOptions
	buf  []byte // the slot as read from the file
	cp   []byte // the decoder's sanitised copy
	// scratch is the pre-pass's state reused from chunk to chunk.
	scratch *bxScratch
	// other, liveSlot and live cache the last other chunk read to find
	// the live copies of slack records (Options.Recover): live maps its
	// records' IDs to their FILETIME.
	other    []byte
	liveSlot int
	live     map[uint64]uint64
	// spans, works and workPtrs are reused from chunk to chunk: nothing
	// a chunk's result holds refers to them.
	spans    []span
	works    []recordWork
	workPtrs []*recordWork

	hooks *decodeHooks // the Reader's; nil but in tests
}

// reuseEvents makes d build the Events of each chunk in blocks that the
// next chunk reuses: for a caller done with a chunk's Events before it
// decodes the next.
func (d *chunkDecoder) reuseEvents() { d.useArena(&eventArena{}) }

// useArena makes d build the next chunks' items, Events and Data in a,
// which each chunk resets; nil allocates them (for callers that keep
// them).
func (d *chunkDecoder) useArena(a *eventArena) { d.scratch.sink.events = a }

func newChunkDecoder(r *Reader, opts *compiledOptions) *chunkDecoder {
	return &chunkDecoder{r: r, opts: opts, hooks: r.hooks, buf: make([]byte, chunkSize), cp: make([]byte, chunkSize), scratch: &bxScratch{},
		liveSlot: -1}
}

// decodeHooks let a test steer and watch how a Reader decodes records. A
// Reader has none (nil) unless a test of this package sets them.
type decodeHooks struct {
	// forceDecoder hands every record the pre-pass resolved to the decoder
	// as well, as the reader did before it trusted the pre-pass alone, so
	// that tests can compare both paths.
	forceDecoder bool
	// parse, when set, replaces safeVelocidexParse, to simulate decoder
	// panics the pre-pass did not foresee.
	parse func(cp []byte, n int) ([]*vevtx.EventRecord, error)
	// built, when set, is told how each Event was built, before its place
	// is set.
	built func(how buildPath, plan *recordValues, ev *Event)
	// fallback, when set, is told, per chunk in which the fallback ran, how
	// many refused records it handed to the decoder and how many of them
	// the decoder decoded.
	fallback func(handed, decoded int)
}

func (h *decodeHooks) forced() bool { return h != nil && h.forceDecoder }

// parser returns the function that runs the pinned decoder.
func (h *decodeHooks) parser() func(cp []byte, n int) ([]*vevtx.EventRecord, error) {
	if h != nil && h.parse != nil {
		return h.parse
	}
	return safeVelocidexParse
}

func (d *chunkDecoder) errAt(idx int, off int64, id uint64, err error) item {
	return item{err: &Error{File: d.r.name, Chunk: idx, Offset: off, RecordID: id, Err: err}}
}

// decode reads and decodes slot idx.
func (d *chunkDecoder) decode(idx int) chunkResult {
	off := d.r.firstChunk + int64(idx)*chunkSize
	res := chunkResult{info: ChunkInfo{Index: idx, Offset: off}, arena: d.scratch.sink.events}
	if a := res.arena; a != nil {
		a.reset()
		res.items = a.items[:0]
		defer func() { a.items = res.items }() // the grown list, for the next chunk
	}
	n := int(min(chunkSize, d.r.size-off))
	buf := d.buf[:n]
	if got, err := d.r.ra.ReadAt(buf, off); got < n {
		res.info.State = ChunkBad
		res.items = append(res.items, d.errAt(idx, off, 0, fmt.Errorf("%w: reading the chunk: %v", ErrBadChunk, err)))
		return res
	}
	if allZero(buf) {
		res.info.State = ChunkEmpty
		if idx < int(d.r.header.ChunkCount) {
			res.info.HeaderMismatches++
			res.items = append(res.items, d.errAt(idx, off, 0, &FieldError{Field: "ChunkCount", Stored: uint64(d.r.header.ChunkCount), Err: ErrHeaderMismatch,
				Found: fmt.Sprintf("slot %d, inside that count, is all zero: the chunk and its records are missing", idx)}))
		}
		return res
	}
	if n < chunkHeaderSize || string(buf[:8]) != chunkMagic {
		res.info.State = ChunkBad
		if n < chunkSize {
			res.items = append(res.items, d.errAt(idx, off, 0, fmt.Errorf("%w: truncated chunk slot of %d bytes", ErrBadChunk, n)))
			return res
		}
		res.items = append(res.items, d.errAt(idx, off, 0, fmt.Errorf("%w: no chunk magic (found %q)", ErrBadChunk, buf[:8])))
		return res
	}
	truncated := n < chunkSize
	if truncated {
		// The file ends inside this chunk: the records wholly present are
		// still evidence. Decode them from a zero-padded copy.
		clear(d.buf[n:])
		buf = d.buf
		res.items = append(res.items, d.errAt(idx, off, 0, fmt.Errorf("%w: %w: truncated chunk, %d of %d bytes present; the records wholly present are decoded, what followed is lost", ErrBadChunk, ErrShortFile, n, chunkSize)))
	}
	if hc := d.r.header; !hc.Dirty && idx >= int(hc.ChunkCount) {
		// A dirty log's count lags the chunks written since it was last
		// flushed: normal for a copy of a live log. A clean log's does not.
		res.info.HeaderMismatches++
		res.items = append(res.items, d.errAt(idx, off, 0, &FieldError{Field: "ChunkCount", Stored: uint64(hc.ChunkCount), Err: ErrHeaderMismatch,
			Found: fmt.Sprintf("slot %d holds a chunk past that count, in a log not marked dirty; its records are returned", idx)}))
	}
	h := parseChunkHeader(buf)
	if h.headerSize != chunkHeaderFieldSize {
		res.info.HeaderMismatches++
		res.items = append(res.items, d.errAt(idx, off, 0, &FieldError{Field: "ChunkHeaderSize", Stored: uint64(h.headerSize), Err: ErrHeaderMismatch,
			Found: fmt.Sprintf("a chunk header is always %d bytes; the chunk is read as such", chunkHeaderFieldSize)}))
	}
	res.info.FirstRecordNumber, res.info.LastRecordNumber = h.firstNum, h.lastNum
	res.info.FirstRecordID, res.info.LastRecordID = h.firstID, h.lastID
	res.info.FreeSpaceOffset = h.freeSpace
	res.info.HeaderChecksumValid = chunkHeaderCRC(buf) == h.headerCRC
	damaged := truncated
	if !res.info.HeaderChecksumValid {
		damaged = true
		res.items = append(res.items, d.errAt(idx, off, 0, fmt.Errorf("%w: stored 0x%08x, computed 0x%08x", ErrChunkHeaderChecksum, h.headerCRC, chunkHeaderCRC(buf))))
	}
	end, trustEnd := int(h.freeSpace), true
	if truncated && end > n {
		damaged = true
		end = n
		res.items = append(res.items, d.errAt(idx, off, 0, fmt.Errorf("%w: the record area ends past the end of the file; its CRC cannot be checked", ErrChunkDataChecksum)))
	} else if end < chunkHeaderSize || end > chunkSize {
		damaged = true
		end, trustEnd = chunkSize, false
		res.items = append(res.items, d.errAt(idx, off, 0, fmt.Errorf("%w: free-space offset 0x%x out of range, record area CRC not checkable; records read to the end of the chunk", ErrChunkDataChecksum, h.freeSpace)))
	} else if c := crcIEEE(buf[chunkHeaderSize:end]); c != h.dataCRC {
		damaged = true
		res.items = append(res.items, d.errAt(idx, off, 0, fmt.Errorf("%w: stored 0x%08x, computed 0x%08x", ErrChunkDataChecksum, h.dataCRC, c)))
	} else {
		res.info.DataChecksumValid = true
	}
	if !d.opts.mayHoldProvider(buf, d.cp) {
		res.info.State = ChunkSkipped
		if res.info.HeaderChecksumValid {
			res.maxID = h.lastID
		}
		return res
	}
	res.info.State = ChunkDecoded
	fr := frameChunk(d.spans, buf, h, end, trustEnd, trustEnd && !truncated, !truncated, d.opts.recover)
	d.spans = fr.spans // reused by the next chunk: the records' works copy their span
	res.info.SlackRecords, res.maxID = fr.slack, fr.maxID
	res.info.RecoveredCopies = fr.copies
	if d.opts.recover {
		res.info.RecoveredCopies += d.dropLiveCopies(idx, fr.spans)
	}
	for _, is := range fr.issues {
		damaged = true
		res.info.HeaderMismatches++
		res.items = append(res.items, d.errAt(idx, off+int64(is.off), 0, is.fe))
	}
	d.decodeRecords(&res, buf, fr.spans, damaged)
	return res
}

// resolved reports whether the pre-pass alone describes the record as the
// decoder-and-plan path would: it is well-formed, handed to no one else
// (the caller checks that), and names its provider and event ID. Every
// System field and every EventData or UserData value the record holds is
// then in the plan, and the plan's exact values override the decoder's
// field for field (see eventFromDecoder); a record with no data values has
// none from the decoder either (TestPrepassAgreesWithVelocidex checks the
// events against Velocidex used bare on every fixture, sample and
// generated log). Such records
// need no decoder; the others still get it (and all of them when a test
// forces the decoder).
func (d *chunkDecoder) resolved(p *recordValues) bool {
	if d.hooks.forced() {
		return false
	}
	return p.sys[planSysSlot[pathProvider]] > 0 && p.sys[planSysSlot[pathEventID]] > 0
}

// decodeRecords checks and decodes the records of a chunk, framed by
// frameChunk into spans.
func (d *chunkDecoder) decodeRecords(res *chunkResult, buf []byte, spans []span, damaged bool) {
	idx, base := res.info.Index, res.info.Offset
	if cap(d.works) < len(spans) {
		d.works = make([]recordWork, len(spans))
		d.workPtrs = make([]*recordWork, len(spans))
	}
	all, works := d.works[:len(spans)], d.workPtrs[:len(spans)]
	clear(all) // the previous chunk's
	for i, s := range spans {
		all[i].span = s
		works[i] = &all[i]
	}
	// The chunk's plans come from the worker's arena, reset per chunk
	// (and its Events from the chunk's, reset by decode).
	d.scratch.plans.reset()
	// One item per record at most, and the errors before them.
	res.items = slices.Grow(res.items, len(spans))
	needDecoder := false
	if !d.lazyInspect(buf, works) {
		// The values of a resolved record are turned into its Event at
		// once, from the worker's scratch; only the other plans are
		// copied into the chunk's slab for later.
		// A record that resolves is built as it is walked (direct).
		insp := newChunkInspectorScratch(buf, d.scratch)
		insp.transient = true
		insp.direct = !d.hooks.forced()
		for _, w := range works {
			if w.bad != nil {
				continue
			}
			insp.detached = w.recovered
			w.plan, w.planErr = insp.inspect(w.off, w.size)
			if w.plan == nil {
				continue
			}
			if ev := w.plan.ev; ev != nil {
				w.plan.ev = nil
				w.resolved = true
				if d.opts.mayKeep(ev.Provider, ev.EventID) {
					w.ev = ev
				} else {
					w.unwanted = true
				}
				continue
			}
			if w.planErr == nil {
				w.resolved = d.resolved(w.plan)
				needDecoder = needDecoder || !w.resolved
			}
			if !w.resolved {
				insp.keepValues(w.plan)
				continue
			}
			if d.opts.valuesMayKeep(w.plan) {
				w.ev = eventFromValues(w.plan)
			} else {
				w.unwanted = true
			}
			w.plan.ordered = nil // the scratch's, reused by the next inspect
		}
	}
	var out map[*recordWork]*vevtx.EventRecord
	if needDecoder {
		out = d.runDecoder(works)
	}
	var fb map[*recordWork]*vevtx.EventRecord
	var lost item      // the error on the first undecodable slack record
	var lostAt []int64 // the file offsets of the next ones
	for _, w := range works {
		if refusedBinXML(w) {
			fb = d.runFallback(works)
			break
		}
	}

	for _, w := range works {
		foff := base + int64(w.off)
		if w.bad == errSlack {
			continue // unused space between records past the record area
		}
		if w.bad != nil {
			res.info.BadRecords++
			res.items = append(res.items, d.errAt(idx, foff, 0, fmt.Errorf("%w: %v (region of %d bytes skipped)", ErrBadRecord, w.bad, w.size)))
			continue
		}
		src := Source{File: d.r.name, Chunk: idx, Offset: foff}
		ev := w.ev
		if ev == nil && (w.filtered || w.unwanted || w.resolved && !d.opts.valuesMayKeep(w.plan)) {
			// Filtered out: counted as decoded, never built.
			if w.recovered {
				res.info.RecoveredRecords++
			} else {
				res.info.Records++
			}
			continue
		}
		how := builtFromPlan
		if ev == nil && !w.resolved && w.toDecode && out[w] != nil {
			ev, how = eventFromDecoder(out[w].Event, w.plan), builtFromDecoder
		}
		if ev == nil && w.plan != nil {
			// Kept from the decoder (or empty in its output), but fully
			// decoded by the pre-pass.
			ev, how = eventFromValues(w.plan), builtFromPlanKept
		}
		if ev == nil && fb[w] != nil {
			// Refused by the pre-pass, decoded by the decoder alone.
			ev, how = eventFromDecoder(fb[w].Event, nil), builtFromFallback
			ev.Fallback = w.planErr.Error()
		}
		if d.hooks != nil && d.hooks.built != nil && ev != nil {
			d.hooks.built(how, w.plan, ev)
		}
		if ev == nil {
			cause := w.dropped
			if cause == nil {
				cause = w.planErr
			}
			if cause == nil && w.toDecode {
				cause = fmt.Errorf("%w: the decoder returned nothing for the record", ErrDecoder)
			}
			if w.recovered {
				// Reported once per chunk, after its records: slack
				// often holds dozens of such records.
				if res.info.RecoveredBad == 0 {
					lost = d.errAt(idx, foff, w.id, cause)
				} else if len(lostAt) < maxListedLost {
					lostAt = append(lostAt, foff)
				}
				res.info.RecoveredBad++
				continue
			}
			res.info.BadRecords++
			res.items = append(res.items, d.errAt(idx, foff, w.id, cause))
			continue
		}
		ev.RecordID = w.id
		ev.Source = src
		ev.ChunkDamaged = damaged
		ev.Recovered = w.recovered
		if ev.TimeCreated.IsZero() {
			ev.TimeCreated = fileTimeToTime(w.fileTime)
		}
		if w.recovered {
			res.info.RecoveredRecords++
		} else {
			res.info.Records++
		}
		if d.opts.keep(ev) {
			res.items = append(res.items, item{ev: ev})
		}
	}
	if n := res.info.RecoveredBad; n > 0 {
		e := lost.err.(*Error)
		more := ""
		if n > 1 {
			more = fmt.Sprintf("; %d more at file offsets %v", n-1, lostAt)
			if n-1 > len(lostAt) {
				more = fmt.Sprintf("; %d more, the first at file offsets %v", n-1, lostAt)
			}
		}
		what := "a slack record of the chunk (past its free-space offset, not part of the live log) could not be decoded"
		if n > 1 {
			what = fmt.Sprintf("%d slack records of the chunk (past its free-space offset, not part of the live log) could not be decoded", n)
		}
		e.Err = fmt.Errorf("%w: %s%s; this one: %w", ErrRecovered, what, more, e.Err)
		res.items = append(res.items, lost)
	}
}

// maxListedLost bounds the offsets of undecodable slack records listed in
// the one error of their chunk.
const maxListedLost = 16

// Bounds of the lazy inspection: past them the whole chunk is inspected.
const (
	maxLazyMatches = 64 // occurrences of the wanted names in one chunk
	maxLazyRounds  = 4  // re-inspections after finding a template's definer
)

// lazyInspect is the record-level pre-filter. With a provider filter, a
// chunk that passed the chunk pre-filter usually holds one or two wanted
// records among dozens: it inspects only the records whose own bytes hold a
// wanted name (and the records defining the templates they use), and
// marks the others filtered. That is sound only when every occurrence of a
// wanted name in the chunk lies inside a substitution value of an
// inspected record: then no template text names a wanted provider, and a
// record whose bytes hold no wanted name cannot be of a wanted provider
// (the name is stored in UTF-16LE where it is used, as the chunk
// pre-filter assumes). Whenever that cannot be shown, or an inspected
// record is refused, unresolved or damaged, it returns false having
// changed nothing, and the caller inspects the whole chunk.
func (d *chunkDecoder) lazyInspect(buf []byte, works []*recordWork) bool {
	c := d.opts
	if d.hooks.forced() || len(c.providers) == 0 || c.patterns == nil || len(works) < 4 {
		return false
	}
	type match struct{ off, n int }
	var matches []match
	for i, p := range c.patterns {
		if !c.markersHeld(i, buf) {
			// A narrowed provider without its markers here has no
			// wanted event in this chunk (Options.Narrow): its name
			// marks no record to inspect.
			continue
		}
		a := rarestIndex(p, anchorRarity)
		if a < 0 {
			return false
		}
		for _, o := range foldedMatches(buf, p, a, maxLazyMatches) {
			matches = append(matches, match{o, len(p)})
		}
		if len(matches) > maxLazyMatches {
			return false
		}
	}
	// recordAt finds the good record holding [off, off+n).
	recordAt := func(off, n int) int {
		i := sort.Search(len(works), func(i int) bool { return works[i].off+works[i].size > off })
		if i < len(works) && works[i].bad == nil && works[i].off <= off && off+n <= works[i].off+works[i].size {
			return i
		}
		return -1
	}
	want := make([]bool, len(works))    // holds a wanted name
	inspect := make([]bool, len(works)) // to inspect
	nwant := 0
	for _, m := range matches {
		i := recordAt(m.off, m.n)
		if i < 0 {
			return false // in a header, a table, slack or a bad region
		}
		if !want[i] {
			nwant++
		}
		want[i], inspect[i] = true, true
	}
	if nwant == 0 || 2*nwant > len(works) {
		return false // nothing to gain
	}
	// Add the records defining the outer templates the inspected records
	// use (nested ones are found below, from the pre-pass's errors).
	for i := len(works) - 1; i >= 0; i-- {
		if !inspect[i] {
			continue
		}
		if def, ok := outerTemplateRef(buf, works[i].span); ok {
			if j := recordAt(def, 1); j >= 0 && j < i {
				inspect[j] = true
			} else if j != i {
				return false
			}
		}
	}
	plans := make([]*recordValues, len(works))
	for round := 0; ; round++ {
		if round > maxLazyRounds {
			return false
		}
		insp := newChunkInspectorScratch(buf, d.scratch)
		retry := false
		for i, w := range works {
			if !inspect[i] {
				continue
			}
			insp.detached = w.recovered
			plan, err := insp.inspect(w.off, w.size)
			if plan == nil {
				// A template defined by a record not inspected?
				var be *binxmlError
				if errors.As(err, &be) && be.Offset >= 0 && be.Offset+10 <= len(buf) && buf[be.Offset] == 0x0c {
					def := int(binary.LittleEndian.Uint32(buf[be.Offset+6:]))
					if j := recordAt(def, 1); j >= 0 && j < i && !inspect[j] {
						inspect[j], retry = true, true
						break
					}
				}
				return false
			}
			if want[i] && (err != nil || !d.resolved(plan)) {
				return false
			}
			plans[i] = plan
		}
		if !retry {
			break
		}
	}
	// Every occurrence must lie in a substitution value of its record.
	for _, m := range matches {
		if !inSubstitution(plans[recordAt(m.off, m.n)], m.off, m.n) {
			return false
		}
	}
	for i, w := range works {
		switch {
		case w.bad != nil:
		case want[i]:
			w.plan, w.resolved = plans[i], true
		default:
			w.filtered = true
		}
	}
	return true
}

// outerTemplateRef returns the definition offset of the template instance
// that starts a record's BinXML, when it is a reference (not inline).
func outerTemplateRef(buf []byte, s span) (int, bool) {
	p, end := s.off+recHeaderLen, s.off+s.size-4
	if p < end && buf[p] == 0x0f {
		p += 4
	}
	if p+10 > end || buf[p] != 0x0c {
		return 0, false
	}
	def := int(binary.LittleEndian.Uint32(buf[p+6:]))
	return def, def != p+10
}

// inSubstitution reports whether [off, off+n) lies inside the UTF-16 text
// of a string substitution value of plan.
func inSubstitution(plan *recordValues, off, n int) bool {
	if plan == nil {
		return false
	}
	for _, pv := range plan.ordered {
		v := pv.Value
		if v.Literal || v.Type != TypeString || off < v.Offset {
			continue
		}
		if off+n <= v.Offset+2*utf16Len(v.Text) {
			return true
		}
	}
	return false
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// runDecoder runs the pinned decoder on the records the pre-pass let
// through, bisecting and neutralising the record that makes the decoder
// panic, a bounded number of times. It returns each decoded record's
// output by work item.
func (d *chunkDecoder) runDecoder(works []*recordWork) map[*recordWork]*vevtx.EventRecord {
	return d.runDecoderLayout(works, d.admit)
}

// runDecoderLayout is runDecoder with the choice of the records the
// decoder sees made by layout, run again after each dropped record.
func (d *chunkDecoder) runDecoderLayout(works []*recordWork, layout func([]*recordWork)) map[*recordWork]*vevtx.EventRecord {
	layout(works)
	parse := d.hooks.parser()
	var recs []*vevtx.EventRecord
	var vitems []*recordWork
	for attempt := 0; attempt <= maxDecoderRetries+1; attempt++ {
		vitems = d.sanitise(works)
		for w := d.unboundedFallback(vitems); w != nil; w = d.unboundedFallback(vitems) {
			// Its refusal by the pre-pass stands (runFallback puts
			// dropped back as it was).
			w.dropped = fmt.Errorf("%w: the decoder could follow a template argument count over %d", ErrLimit, maxTemplateArgs)
			layout(works)
			vitems = d.sanitise(works)
		}
		var perr error
		recs, perr = parse(d.cp, len(vitems))
		if perr == nil {
			break
		}
		recs = nil
		bad := bisect(parse, d.cp, len(vitems))
		if attempt >= maxDecoderRetries || bad < 0 || vitems[bad] == nil {
			// Give up on the rest: keep what decodes without panic.
			for i := max(bad, 0); i < len(vitems); i++ {
				if w := vitems[i]; w != nil {
					w.dropped = fmt.Errorf("%w: %v (after %d retries the rest of the chunk is not decoded)", ErrDecoder, perr, attempt)
				}
			}
		} else {
			vitems[bad].dropped = fmt.Errorf("%w: %v", ErrDecoder, perr)
		}
		layout(works)
	}
	out := make(map[*recordWork]*vevtx.EventRecord, len(recs))
	for i, rec := range recs {
		if i < len(vitems) && vitems[i] != nil {
			out[vitems[i]] = rec
		}
	}
	return out
}

// admit decides which framed records the decoder may see
// (recordWork.toDecode). It is run again after a record is dropped, since
// records that use a template defined only in a dropped record must be kept
// from the decoder too.
func (d *chunkDecoder) admit(works []*recordWork) {
	known := map[uint32]bool{}
	// poisoned: a record the pre-pass passed and that defines templates was
	// kept from the decoder. Later records may use those templates from
	// nested values the reader's own check does not see, and the decoder,
	// not knowing them, would misread them (or loop); they are decoded from
	// their plans alone.
	poisoned := false
	for _, w := range works {
		w.toDecode = false
		if w.bad != nil || w.plan == nil || w.planErr != nil {
			continue
		}
		if poisoned {
			continue
		}
		defined, patches, err := checkTemplateInstance(d.buf, w.span, known)
		if err == nil && w.dropped != nil {
			err = w.dropped
		}
		if err != nil {
			if w.dropped == nil {
				w.dropped = err
			}
			if len(w.plan.defined) > 0 {
				poisoned = true
			}
			continue
		}
		w.patches, w.defines, w.toDecode = patches, defined, true
		if defined != 0 {
			known[defined] = true
		}
	}
}

// sanitise writes the decoder's private copy of the chunk: records it may
// see are kept (with their array descriptors retyped), everything else is
// turned into empty filler records, and the chunk header counts exactly the
// records laid out. It returns, per decoder record, the work it stands for
// (nil for a filler).
func (d *chunkDecoder) sanitise(works []*recordWork) []*recordWork {
	cp := d.cp
	copy(cp, d.buf)
	var vitems []*recordWork
	var starts []int // offset of each decoder record
	gapStart := -1   // a region too small for a filler, pending at the chunk start
	for _, w := range works {
		if w.toDecode && gapStart < 0 {
			for _, p := range w.patches {
				cp[p] = 0x0e // binary: read exactly the value's bytes
			}
			vitems = append(vitems, w)
			starts = append(starts, w.off)
			continue
		}
		if w.toDecode { // swallowed by the pending gap: reported lost
			w.toDecode = false
			w.dropped = fmt.Errorf("%w: lost behind an undecodable region at the start of the chunk", ErrBadRecord)
		}
		off, size := w.off, w.size
		if gapStart >= 0 {
			size += off - gapStart
			off = gapStart
			gapStart = -1
		}
		switch {
		case size >= fillerMinSize:
			writeFiller(cp, off, size)
			vitems = append(vitems, nil)
			starts = append(starts, off)
		case len(starts) > 0:
			// Too small for a filler: the previous record absorbs it.
			prev := starts[len(starts)-1]
			binary.LittleEndian.PutUint32(cp[prev+4:], uint32(off+size-prev))
		default:
			gapStart = off
		}
	}
	// Header: the decoder reads records First..Last by number.
	binary.LittleEndian.PutUint64(cp[0x08:], 1)
	binary.LittleEndian.PutUint64(cp[0x10:], uint64(len(vitems)))
	return vitems
}

// buildPath says how decodeRecords built an Event.
type buildPath uint8

const (
	builtFromPlan     buildPath = iota // resolved: the pre-pass's values alone
	builtFromDecoder                   // the decoder's output, the plan's values over it
	builtFromPlanKept                  // kept from the decoder, or lost by it: the plan alone
	builtFromFallback                  // refused by the pre-pass, the decoder's output alone
)

// safeVelocidexParse runs the pinned decoder on the first n records of cp,
// containing any panic.
func safeVelocidexParse(cp []byte, n int) (recs []*vevtx.EventRecord, err error) {
	defer func() {
		if r := recover(); r != nil {
			recs, err = nil, fmt.Errorf("decoder panic: %v", r)
		}
	}()
	if n == 0 {
		return nil, nil
	}
	c := &vevtx.Chunk{
		Header: vevtx.ChunkHeader{FirstEventRecNumber: 1, LastEventRecNumber: uint64(n)},
		Fd:     bytes.NewReader(cp),
	}
	recs, err = c.Parse(math.MinInt)
	if err != nil {
		return recs, fmt.Errorf("decoder error: %v", err)
	}
	return recs, nil
}

// bisect returns the index of the first decoder record on which the decoder
// (run by parse) fails when it parses records 0..index, or -1 when it does
// not fail.
func bisect(parse func([]byte, int) ([]*vevtx.EventRecord, error), cp []byte, n int) int {
	if _, err := parse(cp, n); err == nil {
		return -1
	}
	lo, hi := 1, n // the decoder fails on the first hi records
	for lo < hi {
		mid := (lo + hi) / 2
		if _, err := parse(cp, mid); err != nil {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo - 1
}

// refusedBinXML reports whether the pre-pass refused a well-framed record
// for a reason the fallback may try (fallbackSafe): a candidate for the
// fallback. Records refused for malformed BinXML or a limit are not handed
// over.
func refusedBinXML(w *recordWork) bool {
	return w.bad == nil && w.plan == nil && w.planErr != nil && !w.filtered &&
		isFallbackSafe(w.planErr) && !errors.Is(w.planErr, ErrLimit)
}

// isFallbackSafe reports whether err wraps a fallbackSafe refusal. It is
// apart from refusedBinXML so that the variable errors.As needs, which
// escapes, is allocated only for a refused record, not for every record.
func isFallbackSafe(err error) bool {
	var fs fallbackSafe
	return errors.As(err, &fs)
}

// templatesKnown reports whether every template the record s uses, in its
// outer template instance and at the start of each of its BinXML values,
// is defined in the record itself or is in known (IDs the decoder learnt
// from the records laid out before it). The decoder finds templates by ID:
// given one it does not know, it reads what follows as a definition and
// returns an event without the values. The caller has checked the outer
// instance with checkTemplateInstance, so every offset read is inside the
// record.
func templatesKnown(buf []byte, s span, known map[uint32]bool) bool {
	le := binary.LittleEndian
	p := s.off + recHeaderLen
	if buf[p] == 0x0f {
		p += 4
	}
	if id, def := le.Uint32(buf[p+2:]), int(le.Uint32(buf[p+6:])); def != p+10 && !known[id] {
		return false
	} else if def == p+10 {
		p += 24 + int(le.Uint32(buf[p+10+20:]))
	}
	p += 10
	n := int(le.Uint32(buf[p:]))
	v := p + 4 + 4*n
	for i := range n {
		d := p + 4 + 4*i
		size, typ := int(le.Uint16(buf[d:])), buf[d+2]
		if typ == 0x21 {
			q, end := v, v+size
			if q < end && buf[q] == 0x0f {
				q += 4
			}
			if q+10 <= end && buf[q] == 0x0c {
				id, def := le.Uint32(buf[q+2:]), int(le.Uint32(buf[q+6:]))
				if def != q+10 && !known[id] {
					return false
				}
			}
		}
		v += size
	}
	return true
}

// unboundedFallback returns the first record of vitems, the decoder's
// layout of the chunk in d.cp, that runFallback handed to the decoder and
// from which the decoder could meet an argument count it does not bound
// (decoderCountsBounded), or nil. The bytes checked are those of the
// decoder's copy, fillers and patches included.
func (d *chunkDecoder) unboundedFallback(vitems []*recordWork) *recordWork {
	for _, w := range vitems {
		if w != nil && w.fallbackKnown != nil && !decoderCountsBounded(d.cp, w.off+recHeaderLen, w.fallbackKnown) {
			return w
		}
	}
	return nil
}

// decoderCountsBounded reports whether the Velocidex decoder, reading
// BinXML from offset from of the chunk buf and knowing the templates of the
// IDs in known, can meet no template instance whose argument count it
// would follow unbounded. It caps the count of an instance of a template it
// knows; for one it does not know, it reads the definition that follows,
// then a second count, which it does not cap (2^32 loops 2^32 times,
// allocating as it goes). The pre-pass bounds every instance of the
// records it accepts; a record it refused may hold one it never reached,
// and the decoder may run on past the record's end. So every place from
// from to the end of the chunk where an instance could start (token 0x0C,
// version 1, an ID other than 0, which stops the decoder) is read as the
// decoder would read an unknown template there, and its second count must
// be at most maxTemplateArgs, unless its ID is in known or an inline
// definition of it (an instance whose definition offset is its own end)
// lies earlier in the chunk: the records after a refused one define and
// use templates of their own. The places are not known to be tokens: a
// refusal here may be needless. What it does not see: a chunk crafted so
// that the decoder, running on past a refused record, passes over such an
// inline definition without reading it and then meets an instance of it.
func decoderCountsBounded(buf []byte, from int, known map[uint32]bool) bool {
	le := binary.LittleEndian
	// token, version, ID, definition offset, first count, GUID, body size
	const defAt, bodyAt = 1 + 1 + 4, 1 + 1 + 4 + 4 + 4 + 16 + 4
	var defined map[uint32]bool // IDs defined inline before p
	for p := 0; p+bodyAt <= len(buf); p++ {
		i := bytes.Index(buf[p:], []byte{0x0c, 0x01})
		if i < 0 || p+i+bodyAt > len(buf) {
			return true // past the end the decoder reads zeros
		}
		p += i
		id := le.Uint32(buf[p+2:])
		if id == 0 || known[id] || defined[id] {
			continue
		}
		if p >= from {
			at := int64(p+bodyAt) + int64(le.Uint32(buf[p+bodyAt-4:]))
			if at+4 <= int64(len(buf)) && le.Uint32(buf[at:]) > maxTemplateArgs {
				return false
			}
		}
		if int(le.Uint32(buf[p+defAt:])) == p+defAt+4 {
			if defined == nil {
				defined = map[uint32]bool{}
			}
			defined[id] = true
		}
	}
	return true
}

// definedIDs adds to known the IDs of the templates a record laid out for
// the decoder defines (its plan lists their offsets; a template's ID is the
// first four bytes of its GUID, 4 bytes into the definition).
func definedIDs(buf []byte, w *recordWork, known map[uint32]bool) {
	if w.defines != 0 {
		known[w.defines] = true
	}
	if w.plan == nil {
		return
	}
	for _, off := range w.plan.defined {
		if int(off)+8 <= len(buf) {
			known[binary.LittleEndian.Uint32(buf[off+4:])] = true
		}
	}
}

// runFallback hands the records the pre-pass refused for their BinXML to
// the decoder, inside the same containment as the others: the shallow
// template-instance guard first (a record it refuses, or one using a
// template the decoder does not know by ID, is not handed over: see
// checkTemplateInstance and templatesKnown), then one decoder
// run over the chunk, in which the records the decoder sees anyway are laid
// out too so that it knows their templates, with the same bisection and
// retry bound on a panic. It returns the decoder's output for the refused
// records it decoded: those it gives at least a provider or an event ID.
// The records' decoder state is left as runDecoder left it.
func (d *chunkDecoder) runFallback(works []*recordWork) map[*recordWork]*vevtx.EventRecord {
	type saved struct {
		toDecode bool
		patches  []int
		defines  uint32
		dropped  error
	}
	keep := make([]saved, len(works))
	for i, w := range works {
		keep[i] = saved{w.toDecode, w.patches, w.defines, w.dropped}
	}
	var cands []*recordWork
	layout := func(works []*recordWork) {
		for _, w := range works {
			w.fallbackKnown = nil
		}
		d.admit(works)
		known := map[uint32]bool{}     // top-level definitions, for the guard
		byDecoder := map[uint32]bool{} // every template ID the decoder learns
		cands = cands[:0]
		for _, w := range works {
			if w.toDecode {
				if w.defines != 0 {
					known[w.defines] = true
				}
				definedIDs(d.buf, w, byDecoder)
				continue
			}
			if !refusedBinXML(w) || w.dropped != nil {
				continue
			}
			defined, patches, err := checkTemplateInstance(d.buf, w.span, known)
			if err != nil || !templatesKnown(d.buf, w.span, byDecoder) {
				continue // the pre-pass's refusal stands
			}
			w.toDecode, w.patches, w.defines = true, patches, defined
			if defined != 0 {
				known[defined] = true
				byDecoder[defined] = true
			}
			w.fallbackKnown = maps.Clone(byDecoder)
			cands = append(cands, w)
		}
	}
	out := d.runDecoderLayout(works, layout)
	fb := map[*recordWork]*vevtx.EventRecord{}
	for _, w := range cands {
		if rec := out[w]; rec != nil && w.toDecode {
			if ev := eventFromDecoder(rec.Event, nil); ev != nil && (ev.Provider != "" || ev.EventID != 0) {
				fb[w] = rec
			}
		}
	}
	for i, w := range works {
		w.toDecode, w.patches, w.defines, w.dropped = keep[i].toDecode, keep[i].patches, keep[i].defines, keep[i].dropped
		w.fallbackKnown = nil
	}
	if d.hooks != nil && d.hooks.fallback != nil {
		d.hooks.fallback(len(cands), len(fb))
	}
	return fb
}
