package evtx_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonLinesTranscript is a dump as a caller sees it: the text written, and
// each error and OnChunk call with the length of text written before it.
type jsonLinesTranscript struct {
	text  bytes.Buffer
	marks []string
}

func (tr *jsonLinesTranscript) mark(format string, args ...any) {
	tr.marks = append(tr.marks, fmt.Sprintf("@%d ", tr.text.Len())+fmt.Sprintf(format, args...))
}

// withOnChunk returns o with an OnChunk that marks tr.
func (tr *jsonLinesTranscript) withOnChunk(o evtx.Options) evtx.Options {
	o.OnChunk = func(c evtx.ChunkInfo) { tr.mark("chunk %+v", c) }
	return o
}

// dumpViaEvents is the reference: Events, each event's AppendJSON and a
// newline.
func dumpViaEvents(t *testing.T, img []byte, name string, o evtx.Options) *jsonLinesTranscript {
	t.Helper()
	r, err := evtx.NewReader(bytes.NewReader(img), int64(len(img)), name)
	require.NoError(t, err)
	tr := &jsonLinesTranscript{}
	for ev, err := range r.Events(context.Background(), tr.withOnChunk(o)) {
		if err != nil {
			tr.mark("error %v", err)
			continue
		}
		tr.text.Write(append(ev.AppendJSON(nil), '\n'))
	}
	return tr
}

// dumpViaWriteJSONLines is the same dump by WriteJSONLines; it checks the
// count of events returned against the lines written.
func dumpViaWriteJSONLines(t *testing.T, img []byte, name string, o evtx.Options) *jsonLinesTranscript {
	t.Helper()
	r, err := evtx.NewReader(bytes.NewReader(img), int64(len(img)), name)
	require.NoError(t, err)
	tr := &jsonLinesTranscript{}
	n, err := r.WriteJSONLines(context.Background(), &tr.text, tr.withOnChunk(o), func(err error) {
		var e *evtx.Error
		assert.True(t, errors.As(err, &e), "an *evtx.Error: %v", err)
		tr.mark("error %v", err)
	})
	require.NoError(t, err)
	assert.Equal(t, bytes.Count(tr.text.Bytes(), []byte("\n")), n, "events returned against lines written")
	return tr
}

func assertSameTranscript(t *testing.T, want, got *jsonLinesTranscript, what string) {
	t.Helper()
	if !bytes.Equal(want.text.Bytes(), got.text.Bytes()) {
		// A short message: the first line that differs.
		wl, gl := strings.Split(want.text.String(), "\n"), strings.Split(got.text.String(), "\n")
		for i := range min(len(wl), len(gl)) {
			if wl[i] != gl[i] {
				assert.Equal(t, wl[i], gl[i], "%s: line %d of %d/%d", what, i, len(wl), len(gl))
				break
			}
		}
		assert.Equal(t, len(wl), len(gl), "%s: lines", what)
		t.Errorf("%s: text differs", what)
	}
	// Errors and OnChunk calls, with the text before each: the first
	// difference.
	for i := range min(len(want.marks), len(got.marks)) {
		if want.marks[i] != got.marks[i] {
			assert.Equal(t, want.marks[i], got.marks[i], "%s: error or OnChunk call %d", what, i)
			break
		}
	}
	assert.Equal(t, len(want.marks), len(got.marks), "%s: errors and OnChunk calls", what)
}

// readCase is a log of a few chunks, sound or damaged, and options to
// read it with.
type readCase struct {
	name   string
	img    []byte
	opts   evtx.Options
	errors bool // the case must produce errors
}

// readCases are the logs on which two ways of reading must agree: filters,
// and every kind of damage the writer makes.
func readCases(t *testing.T) []readCase {
	t.Helper()
	many := fuzzEvents(3000) // a few chunks
	return []readCase{
		{name: "sound", img: mustEncode(t, many, evtxwrite.Options{})},
		{name: "provider filter", img: mustEncode(t, many, evtxwrite.Options{}),
			opts: evtx.Options{Providers: []string{"Microsoft-Windows-Security-Auditing"}}},
		{name: "event ID filter", img: mustEncode(t, many, evtxwrite.Options{}), opts: evtx.Options{EventIDs: []uint16{551}}},
		{name: "dirty header", img: mustEncode(t, many, evtxwrite.Options{Damage: evtxwrite.Damage{DirtyHeader: true}})},
		{name: "truncated", img: mustEncode(t, many, evtxwrite.Options{Damage: evtxwrite.Damage{TruncateLastChunk: true}}), errors: true},
		{name: "bad header CRC", img: mustEncode(t, many, evtxwrite.Options{Damage: evtxwrite.Damage{BadHeaderCRC: true}})},
		{name: "bad chunk header CRC", img: mustEncode(t, many, evtxwrite.Options{Damage: evtxwrite.Damage{BadChunkHeaderCRC: true}}), errors: true},
		{name: "bad records CRC", img: mustEncode(t, many, evtxwrite.Options{Damage: evtxwrite.Damage{BadRecordsCRC: true}}), errors: true},
		{name: "zeroed chunk", img: mustEncode(t, many, evtxwrite.Options{Damage: evtxwrite.Damage{ZeroChunk: 2}}), errors: true},
		{name: "bad record magic", img: mustEncode(t, many, evtxwrite.Options{Damage: evtxwrite.Damage{BadRecordMagic: 7}}), errors: true},
		{name: "crafted argument count", img: mustEncode(t, many, evtxwrite.Options{Damage: evtxwrite.Damage{CraftedArgCount: 9}}), errors: true},
		{name: "duplicated chunk", img: duplicateChunk(t, mustEncode(t, many, evtxwrite.Options{})), errors: true},
	}
}

func TestWriteJSONLinesMatchesEvents(t *testing.T) {
	for _, c := range readCases(t) {
		for _, workers := range []int{1, 2, 3} {
			for _, recover := range []bool{false, true} {
				what := fmt.Sprintf("%s/workers %d/recover %v", c.name, workers, recover)
				o := c.opts
				o.Workers, o.Recover = workers, recover
				want := dumpViaEvents(t, c.img, c.name+".evtx", o)
				got := dumpViaWriteJSONLines(t, c.img, c.name+".evtx", o)
				require.NotZero(t, want.text.Len(), what)
				if c.errors {
					assert.Contains(t, strings.Join(want.marks, "\n"), "error", what)
				}
				assertSameTranscript(t, want, got, what)
			}
		}
	}
}

// duplicateChunk returns img with its first chunk copied over its second,
// header and all, which the reader reports on the slot.
func duplicateChunk(t *testing.T, img []byte) []byte {
	t.Helper()
	const first, size = 0x1000, 0x10000
	require.Greater(t, len(img), first+2*size, "two chunks")
	out := bytes.Clone(img)
	copy(out[first+size:first+2*size], img[first:first+size])
	return out
}

// TestWriteJSONLinesMatchesEventsOnCorpus checks WriteJSONLines, and
// Events with ReuseEvents, against Events on every log of the corpus.
func TestWriteJSONLinesMatchesEventsOnCorpus(t *testing.T) {
	files := corpusFiles(t)
	for _, f := range files {
		img, err := os.ReadFile(f)
		require.NoError(t, err)
		if _, err := evtx.NewReader(bytes.NewReader(img), int64(len(img)), f); err != nil {
			continue // not EVTX at all: NewReader's refusal is the same for both
		}
		for _, workers := range []int{1, 2} {
			o := evtx.Options{Workers: workers, Recover: workers == 2}
			want := dumpViaEvents(t, img, filepath.Base(f), o)
			got := dumpViaWriteJSONLines(t, img, filepath.Base(f), o)
			assertSameTranscript(t, want, got, fmt.Sprintf("%s, workers %d", f, workers))
			o.ReuseEvents = true
			reused := dumpViaEvents(t, img, filepath.Base(f), o)
			assertSameTranscript(t, want, reused, fmt.Sprintf("%s, workers %d, events reused", f, workers))
		}
	}
}

// failingWriter accepts n bytes, then fails.
type failingWriter struct {
	n       int
	written int
}

var errWriterFull = errors.New("writer full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.written+len(p) > w.n {
		k := w.n - w.written
		w.written = w.n
		return k, errWriterFull
	}
	w.written += len(p)
	return len(p), nil
}

// shortWriter accepts n bytes, then none, without an error: it breaks
// io.Writer's contract.
type shortWriter struct {
	n       int
	written int
}

func (w *shortWriter) Write(p []byte) (int, error) {
	k := min(len(p), w.n-w.written)
	w.written += k
	return k, nil
}

func TestWriteJSONLinesStops(t *testing.T) {
	img := mustEncode(t, fuzzEvents(3000), evtxwrite.Options{})
	r, err := evtx.NewReader(bytes.NewReader(img), int64(len(img)), "log.evtx")
	require.NoError(t, err)
	var all bytes.Buffer
	total, err := r.WriteJSONLines(context.Background(), &all, evtx.Options{}, nil)
	require.NoError(t, err)
	require.Equal(t, 3000, total)

	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("writer fails, workers %d", workers), func(t *testing.T) {
			w := &failingWriter{n: all.Len() / 2}
			n, err := r.WriteJSONLines(context.Background(), w, evtx.Options{Workers: workers}, nil)
			require.ErrorIs(t, err, errWriterFull)
			assert.Less(t, n, total, "events counted as written stop before the failure")
			// The count is that of the whole lines w accepted, those
			// of the chunk whose Write failed included.
			assert.Equal(t, bytes.Count(all.Bytes()[:w.written], []byte("\n")), n, "events returned against whole lines accepted")
		})
		t.Run(fmt.Sprintf("short write, workers %d", workers), func(t *testing.T) {
			w := &shortWriter{n: all.Len() / 2}
			n, err := r.WriteJSONLines(context.Background(), w, evtx.Options{Workers: workers}, nil)
			require.ErrorIs(t, err, io.ErrShortWrite, "a Write that drops bytes without an error")
			assert.Equal(t, bytes.Count(all.Bytes()[:w.written], []byte("\n")), n)
		})
		t.Run(fmt.Sprintf("cancelled before, workers %d", workers), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var out bytes.Buffer
			n, err := r.WriteJSONLines(ctx, &out, evtx.Options{Workers: workers}, nil)
			require.ErrorIs(t, err, context.Canceled)
			assert.Zero(t, n)
			assert.Zero(t, out.Len())
		})
		t.Run(fmt.Sprintf("cancelled after the first chunk, workers %d", workers), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out bytes.Buffer
			chunks := 0
			o := evtx.Options{Workers: workers, OnChunk: func(evtx.ChunkInfo) {
				chunks++
				cancel()
			}}
			n, err := r.WriteJSONLines(ctx, &out, o, nil)
			require.ErrorIs(t, err, context.Canceled)
			assert.Equal(t, 1, chunks, "no chunk after the cancellation")
			assert.Less(t, n, total)
			assert.True(t, bytes.HasPrefix(all.Bytes(), out.Bytes()), "what was written is a prefix of the dump")
		})
	}
}
