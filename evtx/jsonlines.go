package evtx

import (
	"bytes"
	"context"
	"fmt"
	"io"
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
// It returns the number of events whose whole line w accepted and the
// first error of w (the writing then stops), or ctx.Err() when ctx is cancelled (checked between
// chunks); nil when the whole log was written, damaged parts included.
func (r *Reader) WriteJSONLines(ctx context.Context, w io.Writer, o Options, onError func(error)) (events int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	co := compileOptions(o)
	if co.recover {
		co.ranges = r.idRanges()
	}
	jw := &jsonLinesWriter{r: r, w: w, o: &o, onError: onError, dups: r.duplicateSlots()}
	for _, herr := range r.headerErrors() {
		jw.report(herr)
	}
	// free holds the text buffers written, for the workers to reuse.
	free := make(chan []byte, 64)
	newWorker := func() func(int) jsonChunk {
		d := newChunkDecoder(r, co)
		d.reuseEvents() // encodeChunk is done with a chunk's Events before the next
		var a JSONAppender
		return func(idx int) jsonChunk {
			var buf []byte
			select {
			case buf = <-free:
			default:
			}
			return encodeChunk(d, &a, idx, buf)
		}
	}
	var werr error
	put := func(c jsonChunk) bool {
		if werr = jw.put(&c); werr != nil {
			return false
		}
		select {
		case free <- c.text:
		default:
		}
		return true
	}
	err = inSlotOrder(ctx, r.slots(), o.Workers, newWorker, put)
	if werr != nil {
		return jw.events, werr
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
	at     int // bytes of text before the error
	events int // lines of text before the error
	err    error
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
			c.errs = append(c.errs, jsonChunkErr{n, c.events, e})
			*a = JSONAppender{} // its memos may be half-written
			next = i + 1
		}
	}()
	for ; i < len(items); i++ {
		it := items[i]
		if it.err != nil {
			c.errs = append(c.errs, jsonChunkErr{len(c.text), c.events, it.err})
			continue
		}
		n = len(c.text)
		c.text = append(appendEventJSON(c.text, it.ev, a), '\n')
		c.events++
	}
	return i
}

// put writes one chunk's text and errors in order, after the OnChunk call
// and the error on a duplicated slot that Events makes first. When w fails,
// the events counted are those before the failed Write and the whole lines
// it accepted.
func (jw *jsonLinesWriter) put(c *jsonChunk) error {
	jw.maxID = max(jw.maxID, c.maxID)
	dupErr := jw.r.duplicateError(&c.info, jw.dups)
	if jw.o.OnChunk != nil {
		jw.o.OnChunk(c.info)
	}
	if dupErr != nil {
		jw.report(dupErr)
	}
	from, done := 0, 0 // text and events written
	for _, e := range c.errs {
		if err := jw.write(c.text[from:e.at], done); err != nil {
			return err
		}
		from, done = e.at, e.events
		jw.report(e.err)
	}
	if err := jw.write(c.text[from:], done); err != nil {
		return err
	}
	jw.events += c.events
	return nil
}

// write writes p, lines of the chunk after its first done events. When w
// fails, it counts those done and the whole lines of p that w accepted.
func (jw *jsonLinesWriter) write(p []byte, done int) error {
	if len(p) == 0 {
		return nil
	}
	n, err := jw.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		jw.events += done + bytes.Count(p[:max(0, min(n, len(p)))], []byte{'\n'})
	}
	return err
}
