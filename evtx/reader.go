package evtx

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"iter"
	"os"
	"runtime"
	"slices"
	"sync"

	"github.com/evtxkit/smbreadiness/internal/safefile"
)

const (
	fileMagic           = "ElfFile\x00"
	chunkMagic          = "ElfChnk\x00"
	fileHeaderSize      = 0x80   // bytes of the file header that carry fields
	fileHeaderCRCSpan   = 120    // the file header checksum covers bytes [0:120]
	defaultHeaderBlock  = 0x1000 // the header block before the first chunk
	fileFlagDirty       = 0x1
	fileFlagFull        = 0x2
	supportedMajorVersn = 3
)

// Reader reads one EVTX log. It is safe for concurrent use: it only reads
// from the underlying io.ReaderAt, which must itself allow concurrent ReadAt
// calls (an *os.File and a *bytes.Reader do).
type Reader struct {
	ra     io.ReaderAt
	size   int64
	name   string
	header Header
	// firstChunk is the file offset of chunk slot 0.
	firstChunk int64
	hooks      *decodeHooks // set by tests only
}

// NewReader checks the file header of the log held in ra (size bytes long)
// and returns a Reader. name is used in errors and in each Event's Source.
//
// It fails, with an error wrapping ErrShortFile, ErrNotEVTX or
// ErrUnsupportedVersion and naming the file, only when the whole file cannot
// be read as EVTX: a file shorter than the 4096-byte header block is cut,
// and holds no chunk. A bad file header checksum is not an error here: it is
// reported by Header().ChecksumValid, and the chunks are read all the same.
// Header fields that contradict the file are reported by Events.
func NewReader(ra io.ReaderAt, size int64, name string) (*Reader, error) {
	if size < fileHeaderSize {
		return nil, fmt.Errorf("%s: %d bytes: %w", name, size, ErrShortFile)
	}
	buf := make([]byte, fileHeaderSize)
	if _, err := ra.ReadAt(buf, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: reading the file header: %w", name, err)
	}
	if !bytes.Equal(buf[:8], []byte(fileMagic)) {
		return nil, fmt.Errorf("%s: %w", name, ErrNotEVTX)
	}
	h := parseFileHeader(buf)
	if h.MajorVersion != supportedMajorVersn {
		return nil, fmt.Errorf("%s: version %d.%d: %w", name, h.MajorVersion, h.MinorVersion, ErrUnsupportedVersion)
	}
	if size < defaultHeaderBlock {
		return nil, fmt.Errorf("%s: %d bytes, cut inside the %d-byte header block (its header counts %d chunks, next record ID %d): %w",
			name, size, defaultHeaderBlock, h.ChunkCount, h.NextRecordID, ErrShortFile)
	}
	// The geometry is fixed: a 4096-byte header block, then 64 KiB chunks.
	// Header fields that say otherwise are reported, never followed.
	r := &Reader{ra: ra, size: size, name: name, header: h, firstChunk: defaultHeaderBlock}
	return r, nil
}

// headerErrors returns the errors on the file header that are known before
// any chunk is read: fields contradicting the fixed geometry, and a chunk
// count the file is too short for.
func (r *Reader) headerErrors() []error {
	h := r.header
	var out []error
	add := func(off int64, fe *FieldError) {
		out = append(out, &Error{File: r.name, Chunk: -1, Offset: off, Err: fe})
	}
	if h.HeaderBlockSize != defaultHeaderBlock {
		add(0x28, &FieldError{Field: "HeaderBlockSize", Stored: uint64(h.HeaderBlockSize), Err: ErrHeaderMismatch,
			Found: fmt.Sprintf("the header block is always %d bytes; chunks are read from offset %d", defaultHeaderBlock, defaultHeaderBlock)})
	}
	if h.HeaderSize != fileHeaderSize {
		add(0x20, &FieldError{Field: "HeaderSize", Stored: uint64(h.HeaderSize), Err: ErrHeaderMismatch,
			Found: fmt.Sprintf("the file header is always %d bytes; it is read as such", fileHeaderSize)})
	}
	if n := r.slots(); int(h.ChunkCount) > n {
		add(0x2a, &FieldError{Field: "ChunkCount", Stored: uint64(h.ChunkCount), Err: ErrShortFile,
			Found: fmt.Sprintf("the file of %d bytes has room for %d chunk slots (the last one possibly cut): chunks %d to %d are missing", r.size, n, n, h.ChunkCount-1)})
	}
	return out
}

func parseFileHeader(b []byte) Header {
	le := binary.LittleEndian
	h := Header{
		FirstChunk:      le.Uint64(b[0x08:]),
		LastChunk:       le.Uint64(b[0x10:]),
		NextRecordID:    le.Uint64(b[0x18:]),
		HeaderSize:      le.Uint32(b[0x20:]),
		MinorVersion:    le.Uint16(b[0x24:]),
		MajorVersion:    le.Uint16(b[0x26:]),
		HeaderBlockSize: le.Uint16(b[0x28:]),
		ChunkCount:      le.Uint16(b[0x2a:]),
		Flags:           le.Uint32(b[0x78:]),
		Checksum:        le.Uint32(b[0x7c:]),
	}
	h.Dirty = h.Flags&fileFlagDirty != 0
	h.Full = h.Flags&fileFlagFull != 0
	h.ChecksumValid = crc32.ChecksumIEEE(b[:fileHeaderCRCSpan]) == h.Checksum
	return h
}

// Header returns the file header as read by NewReader.
func (r *Reader) Header() Header { return r.header }

// Name returns the name given to NewReader (the path for Open).
func (r *Reader) Name() string { return r.name }

// Content returns the bytes of the log as given to the reader, for a
// caller that hashes or copies exactly what it decodes.
func (r *Reader) Content() *io.SectionReader { return io.NewSectionReader(r.ra, 0, r.size) }

// Size returns the size of the log in bytes.
func (r *Reader) Size() int64 { return r.size }

// slots returns the number of 64 KiB chunk slots after the header block,
// counting a trailing partial slot.
func (r *Reader) slots() int {
	rest := r.size - r.firstChunk
	if rest <= 0 {
		return 0
	}
	return int((rest + chunkSize - 1) / chunkSize)
}

// duplicateSlots returns, for each chunk slot whose chunk header (record
// numbers and IDs, offsets, checksums) another slot repeats, the other
// slots. Two chunks of one log never share a header: one is a copy, and
// what the slot it overwrote held is lost.
func (r *Reader) duplicateSlots() map[int][]int {
	// The key holds the fields that tell chunks apart (record numbers and
	// IDs, offsets, both checksums): 44 bytes a slot, not the 128.
	type key struct {
		nums            [4]uint64
		last, free, crc uint32
		hcrc            uint32
	}
	n := r.slots()
	first := make(map[key]int, n)
	var dups map[int][]int
	buf := make([]byte, chunkHeaderFieldSize)
	le := binary.LittleEndian
	for i := range n {
		off := r.firstChunk + int64(i)*chunkSize
		if got, _ := r.ra.ReadAt(buf, off); got < len(buf) || string(buf[:8]) != chunkMagic {
			continue
		}
		k := key{nums: [4]uint64{le.Uint64(buf[0x08:]), le.Uint64(buf[0x10:]), le.Uint64(buf[0x18:]), le.Uint64(buf[0x20:])},
			last: le.Uint32(buf[0x2c:]), free: le.Uint32(buf[0x30:]), crc: le.Uint32(buf[0x34:]), hcrc: le.Uint32(buf[0x7c:])}
		j, ok := first[k]
		if !ok {
			first[k] = i
			continue
		}
		if dups == nil {
			dups = map[int][]int{}
		}
		for _, k := range append(slices.Clone(dups[j]), j) {
			dups[k] = append(dups[k], i)
			dups[i] = append(dups[i], k)
		}
	}
	return dups
}

// idRange is the record ID range a chunk header states; ok is false for a
// slot without a chunk.
type idRange struct {
	first, last uint64
	ok          bool
}

// idRanges reads the record ID range of every slot's chunk header.
func (r *Reader) idRanges() []idRange {
	out := make([]idRange, r.slots())
	buf := make([]byte, chunkHeaderFieldSize)
	for i := range out {
		off := r.firstChunk + int64(i)*chunkSize
		if got, _ := r.ra.ReadAt(buf, off); got < len(buf) || string(buf[:8]) != chunkMagic {
			continue
		}
		h := parseChunkHeader(buf)
		out[i] = idRange{h.firstID, h.lastID, true}
	}
	return out
}

// File is a Reader on a log opened from a path. Close it when done.
type File struct {
	*Reader
	f *os.File
}

// Open opens the log at path read-only and checks its header (see
// NewReader). A path that is not a regular file, such as a named pipe, is
// refused without blocking, with an error wrapping ErrNotRegular.
func Open(path string) (*File, error) {
	f, err := safefile.OpenRegular(path) // never blocks on a named pipe
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	r, err := NewReader(f, st.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &File{Reader: r, f: f}, nil
}

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// Events returns the log's events in file order, with the errors met on the
// way in their place: each step gives either an event or a non-nil error,
// never both. A damaged chunk or record gives an *Error (test its cause
// with errors.Is against the sentinels) and iteration goes on. Header fields
// the file contradicts are reported the same way (see the package doc):
// those of the file header before the first chunk, with Chunk -1, and a
// next record ID promising records the file lacks after the last. When ctx
// is cancelled, the iteration yields ctx.Err() once and ends.
//
// Chunks are decoded by o.Workers goroutines; at most two decoded chunks
// per worker wait to be consumed, so memory does not grow with the file. Breaking out of the loop stops
// the workers.
func (r *Reader) Events(ctx context.Context, o Options) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		co := compileOptions(o)
		if co.recover {
			co.ranges = r.idRanges()
		}
		for _, err := range r.headerErrors() {
			if !yield(nil, err) {
				return
			}
		}
		dups := r.duplicateSlots()
		var maxID uint64 // highest record ID of the slots read
		stopped := false
		put := func(res chunkResult) bool {
			maxID = max(maxID, res.maxID)
			if err := r.duplicateError(&res.info, dups); err != nil {
				res.items = append([]item{{err: err}}, res.items...)
			}
			if o.OnChunk != nil {
				o.OnChunk(res.info)
			}
			for _, it := range res.items {
				if ctx.Err() != nil {
					return false
				}
				if !yield(it.ev, it.err) {
					stopped = true
					return false
				}
			}
			return true
		}
		newWorker := func() func(int) chunkResult {
			d := newChunkDecoder(r, co)
			return d.decodeSafe
		}
		if o.ReuseEvents {
			// Each chunk is decoded into an arena of its own, which goes
			// back to the workers once its events have been yielded: at
			// most the chunks in flight hold one.
			workers := o.Workers
			if workers <= 0 {
				workers = runtime.GOMAXPROCS(0)
			}
			free := make(chan *eventArena, workers*(maxInFlightChunksPerWorker+1)+1)
			newWorker = func() func(int) chunkResult {
				d := newChunkDecoder(r, co)
				return func(idx int) chunkResult {
					a := &eventArena{}
					select {
					case a = <-free:
					default:
					}
					d.useArena(a)
					return d.decodeSafe(idx)
				}
			}
			yieldAll := put
			put = func(res chunkResult) bool {
				ok := yieldAll(res)
				// After a break, the last Event yielded is left as it
				// is: its arena is not handed back.
				if ok && res.arena != nil {
					select {
					case free <- res.arena:
					default:
					}
				}
				return ok
			}
		}
		err := inSlotOrder(ctx, r.slots(), o.Workers, newWorker, put)
		if stopped {
			return
		}
		if err != nil {
			yield(nil, err)
			return
		}
		if err := r.nextRecordError(maxID); err != nil {
			yield(nil, err)
		}
	}
}

// inSlotOrder runs work on slots 0 to n-1 and passes each result to put on
// the calling goroutine, in slot order. newWorker makes the work function
// of one worker (its decoder and buffers are its own). workers <= 0 means
// GOMAXPROCS; at most maxInFlightChunksPerWorker results per worker wait
// for put, so memory does not grow with the file. With one worker, work
// and put run in turn on the calling goroutine, with no other goroutine:
// handing each chunk to another goroutine costs more than it overlaps.
//
// It stops when put returns false or ctx is done, stops the workers and
// waits for them, and returns ctx.Err().
func inSlotOrder[T any](ctx context.Context, n, workers int, newWorker func() func(int) T, put func(T) bool) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))
	if workers == 1 {
		work := newWorker()
		for i := range n {
			if ctx.Err() != nil || !put(work(i)) {
				break
			}
		}
		return ctx.Err()
	}

	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	type job struct {
		idx int
		out chan T
	}
	jobs := make(chan job)
	order := make(chan chan T, workers*maxInFlightChunksPerWorker)
	wg.Add(workers + 1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		defer close(order)
		for i := range n {
			out := make(chan T, 1)
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
		work := newWorker()
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.out <- work(j.idx)
			}
		}()
	}
	for out := range order {
		var res T
		select {
		case res = <-out:
		case <-ctx.Done():
			return ctx.Err()
		}
		if ctx.Err() != nil || !put(res) {
			break
		}
	}
	return ctx.Err()
}

// duplicateError returns the error on a slot whose chunk other slots repeat
// (dups, from duplicateSlots), and sets info.Duplicates; nil when no other
// slot repeats it.
func (r *Reader) duplicateError(info *ChunkInfo, dups map[int][]int) error {
	others := dups[info.Index]
	if len(others) == 0 {
		return nil
	}
	slices.Sort(others)
	info.Duplicates = len(others)
	return &Error{File: r.name, Chunk: info.Index, Offset: info.Offset, Err: fmt.Errorf(
		"%w: the chunk in this slot (record IDs %d to %d) is also in slots %v, header and all: all but one are copies, and what the slots they overwrote held is lost",
		ErrBadChunk, info.FirstRecordID, info.LastRecordID, others)}
}

// nextRecordError compares the header's next record ID with maxID, the
// highest record ID the chunks hold, and returns the error on the header
// when the file holds fewer records than the header promises, or nil.
//
// A next record ID that lags the records is not an error, dirty flag or
// not: the header of a copy of a live log lags the records written since it
// was last flushed, and several public samples not marked dirty show it
// (with their chunk headers lagging too, which is reported per chunk).
// Records are returned either way; only missing ones need a word.
func (r *Reader) nextRecordError(maxID uint64) error {
	h := r.header
	if h.NextRecordID <= 1 || maxID >= h.NextRecordID-1 {
		return nil
	}
	return &Error{File: r.name, Chunk: -1, Offset: 0x18, Err: &FieldError{Field: "NextRecordID", Stored: h.NextRecordID, Err: ErrHeaderMismatch,
		Found: fmt.Sprintf("the highest record ID in the file is %d: records %d to %d, which the header promises, are missing", maxID, maxID+1, h.NextRecordID-1)}}
}

// decodeSafe decodes a slot; a panic in the reader itself (the decoder's
// are contained closer to it) is turned into an error on the chunk.
func (d *chunkDecoder) decodeSafe(idx int) (res chunkResult) {
	defer func() {
		if p := recover(); p != nil {
			off := d.r.firstChunk + int64(idx)*chunkSize
			res = chunkResult{info: ChunkInfo{Index: idx, Offset: off, State: ChunkBad}}
			res.items = []item{d.errAt(idx, off, 0, fmt.Errorf("%w: internal error: %v", ErrDecoder, p))}
		}
	}()
	return d.decode(idx)
}
