package evtx

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
)

// WriteJSONLines writes the events of the log that o keeps to w as JSON
// Lines, in file order: each event's AppendJSON text and a newline, the
// bytes that ranging over Events and appending each event writes. The
// text of each chunk is made on the worker that decoded it, into one
// buffer per chunk, so the calling goroutine only writes ordered buffers;
// with o.Workers 1 it decodes, encodes and writes itself, with no other
// goroutine.
//
// Each error Events would yield is passed to onError (when not nil) on the
// calling goroutine, in its place among the lines: the lines before it
// have been given to w. o.OnChunk is called as Events calls it.
//
// It returns the number of events written and the first error of w (the
// writing then stops), or ctx.Err() when ctx is cancelled (checked between
// chunks); nil when the whole log was written, damaged parts included.
func (r *Reader) WriteJSONLines(ctx context.Context, w io.Writer, o Options, onError func(error)) (events int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	co := compileOptions(o)
	if co.recover {
		co.ranges = r.idRanges()
	}
	n := r.slots()
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))
	jw := &jsonLinesWriter{r: r, w: w, o: &o, onError: onError, dups: r.duplicateSlots()}
	for _, herr := range r.headerErrors() {
		jw.report(herr)
	}
	if workers == 1 {
		err = jw.inline(ctx, co, n)
	} else {
		err = jw.parallel(ctx, co, n, workers)
	}
	if err != nil {
		return jw.events, err
	}
	if nerr := r.nextRecordError(jw.maxID); nerr != nil {
		jw.report(nerr)
	}
	return jw.events, nil
}

// jsonLinesWriter is the state of one WriteJSONLines call on its calling
// goroutine.
type jsonLinesWriter struct {
	r       *Reader
	w       io.Writer
	o       *Options
	onError func(error)
	dups    map[int][]int
	maxID   uint64 // highest record ID of the slots read
	events  int
}

func (jw *jsonLinesWriter) report(err error) {
	if jw.onError != nil {
		jw.onError(err)
	}
}

// jsonChunk is one chunk slot's JSON Lines text and what goes with it: the
// errors, each with the length of text written before it, and the
// figures Events reports.
type jsonChunk struct {
	info   ChunkInfo
	maxID  uint64
	text   []byte
	errs   []jsonChunkErr
	events int
}

type jsonChunkErr struct {
	at  int // bytes of text before the error
	err error
}

// encodeChunk decodes slot idx with d and appends its events' lines to
// buf, as jsonChunk.
func encodeChunk(d *chunkDecoder, a *JSONAppender, idx int, buf []byte) jsonChunk {
	res := d.decodeSafe(idx)
	c := jsonChunk{info: res.info, maxID: res.maxID, text: buf[:0]}
	for i := 0; i < len(res.items); {
		i = c.encodeFrom(d.r.name, a, res.items, i)
	}
	return c
}

// encodeFrom appends the lines of items[i:] and returns len(items). A panic
// while encoding an event (none is known) becomes an error in its place,
// its partial line dropped, and encodeFrom returns the index after it.
func (c *jsonChunk) encodeFrom(file string, a *JSONAppender, items []item, i int) (next int) {
	n := len(c.text)
	defer func() {
		if p := recover(); p != nil {
			e := &Error{File: file, Chunk: c.info.Index, Offset: c.info.Offset, Err: fmt.Errorf("%w: internal error writing JSON: %v", ErrDecoder, p)}
			if ev := items[i].ev; ev != nil {
				e.Offset, e.RecordID = ev.Source.Offset, ev.RecordID
			}
			c.text = c.text[:n]
			c.errs = append(c.errs, jsonChunkErr{n, e})
			*a = JSONAppender{} // its memos may be half-written
			next = i + 1
		}
	}()
	for ; i < len(items); i++ {
		it := items[i]
		if it.err != nil {
			c.errs = append(c.errs, jsonChunkErr{len(c.text), it.err})
			continue
		}
		n = len(c.text)
		c.text = append(appendEventJSON(c.text, it.ev, a), '\n')
		c.events++
	}
	return i
}

// put writes one chunk's text and errors in order, after the OnChunk call
// and the error on a duplicated slot that Events makes first.
func (jw *jsonLinesWriter) put(c *jsonChunk) error {
	jw.maxID = max(jw.maxID, c.maxID)
	var dupErr error
	if others := jw.dups[c.info.Index]; len(others) > 0 {
		slices.Sort(others)
		c.info.Duplicates = len(others)
		dupErr = &Error{File: jw.r.name, Chunk: c.info.Index, Offset: c.info.Offset, Err: fmt.Errorf(
			"%w: the chunk in this slot (record IDs %d to %d) is also in slots %v, header and all: all but one are copies, and what the slots they overwrote held is lost",
			ErrBadChunk, c.info.FirstRecordID, c.info.LastRecordID, others)}
	}
	if jw.o.OnChunk != nil {
		jw.o.OnChunk(c.info)
	}
	if dupErr != nil {
		jw.report(dupErr)
	}
	from := 0
	for _, e := range c.errs {
		if err := jw.write(c.text[from:e.at]); err != nil {
			return err
		}
		from = e.at
		jw.report(e.err)
	}
	if err := jw.write(c.text[from:]); err != nil {
		return err
	}
	jw.events += c.events
	return nil
}

func (jw *jsonLinesWriter) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	_, err := jw.w.Write(p)
	return err
}

// inline decodes, encodes and writes every slot on the calling goroutine.
func (jw *jsonLinesWriter) inline(ctx context.Context, co *compiledOptions, n int) error {
	d := newChunkDecoder(jw.r, co)
	var a JSONAppender
	var buf []byte
	for i := range n {
		if err := ctx.Err(); err != nil {
			return err
		}
		c := encodeChunk(d, &a, i, buf)
		if err := jw.put(&c); err != nil {
			return err
		}
		buf = c.text
	}
	return ctx.Err()
}

// parallel runs workers goroutines that decode and encode slots, at most
// maxInFlightChunksPerWorker each waiting to be written, and writes their
// text in file order.
func (jw *jsonLinesWriter) parallel(ctx context.Context, co *compiledOptions, n, workers int) error {
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	type job struct {
		idx int
		out chan jsonChunk
	}
	inFlight := workers * maxInFlightChunksPerWorker
	jobs := make(chan job)
	order := make(chan chan jsonChunk, inFlight)
	// free holds the text buffers written, for the workers to reuse.
	free := make(chan []byte, inFlight+workers)
	wg.Add(workers + 1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		defer close(order)
		for i := range n {
			out := make(chan jsonChunk, 1)
			select {
			case order <- out:
			case <-wctx.Done():
				return
			}
			select {
			case jobs <- job{i, out}:
			case <-wctx.Done():
				return
			}
		}
	}()
	for range workers {
		go func() {
			defer wg.Done()
			d := newChunkDecoder(jw.r, co)
			var a JSONAppender
			for j := range jobs {
				var buf []byte
				select {
				case buf = <-free:
				default:
				}
				j.out <- encodeChunk(d, &a, j.idx, buf)
			}
		}()
	}
	for out := range order {
		var c jsonChunk
		select {
		case c = <-out:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := jw.put(&c); err != nil {
			return err
		}
		select {
		case free <- c.text:
		default:
		}
	}
	return ctx.Err()
}
