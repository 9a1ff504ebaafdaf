package evtx_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

// The mutation suite: deterministic damaged variants of the SMB fixtures,
// of writer-generated logs and (when present) of the public samples, each
// read in full. Across all of them no panic escapes, no read allocates more
// than mutationMaxAlloc, every record of the original is either returned or
// covered by an error that names its chunk (see lostRecords), and every
// chunk slot whose 64 KiB are byte for byte a chunk of the original (in
// place, moved, or duplicated) yields exactly the events the original's
// chunk yields. Speed is measured by the benchmarks, not here.

const (
	mutationSeed = 20251001
	// mutationMaxAlloc bounds the bytes allocated by one read (TotalAlloc
	// delta); the peak heap of the read can only be smaller.
	mutationMaxAlloc = 256 << 20
	hostileCorpusEnv = "SMBREADINESS_CORPUS"
	// mutationCorpusSamples bounds the public samples damaged.
	mutationCorpusSamples = 3
)

// mutationSource is a log to damage, with its own decode per chunk.
type mutationSource struct {
	name    string
	b       []byte
	byChunk map[string][]evtx.Event // chunk bytes -> events of the original, Source made slot-relative
	nChunks int
	records []origRecord // every record the original's read returned
}

// origRecord is a record of an original log: its slot, ID and offset in
// the slot (a moved chunk keeps its records' offsets in the slot).
type origRecord struct {
	slot int
	id   uint64
	rel  int64
}

// slotOffset is the file offset of chunk slot i.
func slotOffset(i int) int64 { return 0x1000 + int64(i)*slotSize }

// slotEvents reads b and returns, per 64 KiB slot index, the slot's
// offset and events.
type slotRead struct {
	infos  []evtx.ChunkInfo
	events map[int][]*evtx.Event
	errs   []error
}

func readSlots(b []byte, name string) (slotRead, error) {
	res := slotRead{events: map[int][]*evtx.Event{}}
	r, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)), name)
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := evtx.Options{OnChunk: func(c evtx.ChunkInfo) { res.infos = append(res.infos, c) }}
	for ev, err := range r.Events(ctx, opts) {
		if err != nil {
			res.errs = append(res.errs, err)
			continue
		}
		res.events[ev.Source.Chunk] = append(res.events[ev.Source.Chunk], ev)
	}
	return res, nil
}

// relative returns copies of evs with Source made relative to the slot at
// off, so that events of a moved chunk compare equal.
func relative(evs []*evtx.Event, off int64) []evtx.Event {
	out := make([]evtx.Event, len(evs))
	for i, ev := range evs {
		out[i] = *ev
		out[i].Source = evtx.Source{Offset: ev.Source.Offset - off}
	}
	return out
}

func newMutationSource(t *testing.T, name string, b []byte) *mutationSource {
	t.Helper()
	res, err := readSlots(b, name)
	if err != nil {
		t.Fatalf("%s: the original does not open: %v", name, err)
	}
	s := &mutationSource{name: name, b: b, byChunk: map[string][]evtx.Event{}}
	for slot, evs := range res.events {
		for _, ev := range evs {
			s.records = append(s.records, origRecord{slot, ev.RecordID, ev.Source.Offset - slotOffset(slot)})
		}
	}
	for _, c := range res.infos {
		if c.Offset+slotSize > int64(len(b)) || c.State != evtx.ChunkDecoded {
			continue
		}
		s.nChunks++
		s.byChunk[string(b[c.Offset:c.Offset+slotSize])] = relative(res.events[c.Index], c.Offset)
	}
	return s
}

// chunkOffs returns the file offsets of the original's full chunk slots
// (4 KiB header block, as every source here has).
func chunkOffs(b []byte) []int {
	var out []int
	for off := 0x1000; off+slotSize <= len(b); off += slotSize {
		if string(b[off:off+8]) == "ElfChnk\x00" {
			out = append(out, off)
		}
	}
	return out
}

// recordsOf returns the chunk-relative offsets of the framed records of the
// chunk at b[off:].
func recordsOf(b []byte, off int) []int {
	c := b[off : off+slotSize]
	free := int(binary.LittleEndian.Uint32(c[0x30:]))
	var out []int
	for p := 0x200; p+28 <= min(free, slotSize) && string(c[p:p+4]) == "**\x00\x00"; {
		out = append(out, p)
		n := int(binary.LittleEndian.Uint32(c[p+4:]))
		if n < 28 {
			break
		}
		p += n
	}
	return out
}

// argCountAt returns the chunk-relative offset of the template-argument
// count of the record at rec in chunk c, or -1.
func argCountAt(c []byte, rec int) int {
	p := rec + 24
	if c[p] == 0x0f {
		p += 4
	}
	if p+10 > len(c) || c[p] != 0x0c {
		return -1
	}
	def := int(binary.LittleEndian.Uint32(c[p+6:]))
	p += 10
	if def == p {
		if p+24 > len(c) {
			return -1
		}
		p += 24 + int(binary.LittleEndian.Uint32(c[p+20:]))
	}
	if p+4 > len(c) {
		return -1
	}
	return p
}

// fixCRCs recomputes a chunk's record-area and header CRCs, so that a
// structural mutation is not announced by a checksum.
func fixCRCs(c []byte) {
	free := int(binary.LittleEndian.Uint32(c[0x30:]))
	if free >= 0x200 && free <= len(c) {
		binary.LittleEndian.PutUint32(c[0x34:], crc32.ChecksumIEEE(c[0x200:free]))
	}
	h := crc32.ChecksumIEEE(c[:0x78])
	binary.LittleEndian.PutUint32(c[0x7c:], crc32.Update(h, crc32.IEEETable, c[0x80:0x200]))
}

var hugeSizes = []uint32{0, 1, 27, 0xffff, 0x10000, 0x10001, 0x7fffffff, 0xfffffff0, 0xffffffff}

// mutationKinds are the damages; each takes the original and a random
// source and returns a damaged copy and a description.
var mutationKinds = []struct {
	name string
	fn   func(b []byte, r *rand.Rand) ([]byte, string)
}{
	{"bitflip", func(b []byte, r *rand.Rand) ([]byte, string) {
		c := bytes.Clone(b)
		n := 1 + r.IntN(32)
		for range n {
			i := r.IntN(len(c))
			if r.IntN(8) != 0 { // mostly inside the chunks
				i = 0x1000 + r.IntN(len(c)-0x1000)
			}
			c[i] ^= 1 << r.IntN(8)
		}
		return c, fmt.Sprintf("%d bit flips", n)
	}},
	{"truncate", func(b []byte, r *rand.Rand) ([]byte, string) {
		n := r.IntN(len(b))
		return bytes.Clone(b[:n]), fmt.Sprintf("cut at %d", n)
	}},
	{"zero-range", func(b []byte, r *rand.Rand) ([]byte, string) {
		c := bytes.Clone(b)
		off := r.IntN(len(c))
		n := 1 + r.IntN(8192)
		clear(c[off:min(len(c), off+n)])
		return c, fmt.Sprintf("%d bytes zeroed at %d", n, off)
	}},
	{"duplicate-chunk", func(b []byte, r *rand.Rand) ([]byte, string) {
		offs := chunkOffs(b)
		i, j := offs[r.IntN(len(offs))], offs[r.IntN(len(offs))]
		if r.IntN(2) == 0 { // a copy inserted before chunk j
			c := append(bytes.Clone(b[:j]), b[i:i+slotSize]...)
			return append(c, b[j:]...), fmt.Sprintf("chunk at %d inserted before %d", i, j)
		}
		c := bytes.Clone(b)
		copy(c[j:j+slotSize], b[i:i+slotSize])
		return c, fmt.Sprintf("chunk at %d copied over %d", i, j)
	}},
	{"swap-chunks", func(b []byte, r *rand.Rand) ([]byte, string) {
		offs := chunkOffs(b)
		i, j := offs[r.IntN(len(offs))], offs[r.IntN(len(offs))]
		c := bytes.Clone(b)
		copy(c[i:i+slotSize], b[j:j+slotSize])
		copy(c[j:j+slotSize], b[i:i+slotSize])
		return c, fmt.Sprintf("chunks at %d and %d swapped", i, j)
	}},
	{"record-size", func(b []byte, r *rand.Rand) ([]byte, string) {
		c := bytes.Clone(b)
		offs := chunkOffs(c)
		off := offs[r.IntN(len(offs))]
		recs := recordsOf(c, off)
		if len(recs) == 0 {
			return c, "no record"
		}
		rec := recs[r.IntN(len(recs))]
		v := hugeSizes[r.IntN(len(hugeSizes))]
		binary.LittleEndian.PutUint32(c[off+rec+4:], v)
		if r.IntN(2) == 0 {
			fixCRCs(c[off : off+slotSize])
		}
		return c, fmt.Sprintf("record at %d: size 0x%x", off+rec, v)
	}},
	{"free-space", func(b []byte, r *rand.Rand) ([]byte, string) {
		c := bytes.Clone(b)
		offs := chunkOffs(c)
		off := offs[r.IntN(len(offs))]
		v := hugeSizes[r.IntN(len(hugeSizes))]
		binary.LittleEndian.PutUint32(c[off+0x30:], v)
		if r.IntN(2) == 0 {
			fixCRCs(c[off : off+slotSize])
		}
		return c, fmt.Sprintf("chunk at %d: free-space offset 0x%x", off, v)
	}},
	{"arg-count", func(b []byte, r *rand.Rand) ([]byte, string) {
		c := bytes.Clone(b)
		offs := chunkOffs(c)
		off := offs[r.IntN(len(offs))]
		recs := recordsOf(c, off)
		if len(recs) == 0 {
			return c, "no record"
		}
		rec := recs[r.IntN(len(recs))]
		p := argCountAt(c[off:off+slotSize], rec)
		if p < 0 {
			return c, "no template instance"
		}
		v := []uint32{0xffffffff, 0x7fffffff, 0x10000, 2049 /* one past the limit */, 0}[r.IntN(5)]
		binary.LittleEndian.PutUint32(c[off+p:], v)
		if r.IntN(2) == 0 {
			fixCRCs(c[off : off+slotSize])
		}
		return c, fmt.Sprintf("record at %d: template argument count 0x%x", off+rec, v)
	}},
	{"value-length", func(b []byte, r *rand.Rand) ([]byte, string) {
		c := bytes.Clone(b)
		offs := chunkOffs(c)
		off := offs[r.IntN(len(offs))]
		recs := recordsOf(c, off)
		if len(recs) == 0 {
			return c, "no record"
		}
		rec := recs[r.IntN(len(recs))]
		ch := c[off : off+slotSize]
		p := argCountAt(ch, rec)
		if p < 0 {
			return c, "no template instance"
		}
		n := int(binary.LittleEndian.Uint32(ch[p:]))
		if n == 0 || p+4+4*n > len(ch) {
			return c, "no value"
		}
		// Prefer a string or nested BinXML value: the lengths a reader
		// trusts most.
		d := p + 4 + 4*r.IntN(n)
		for i := range n {
			if t := ch[p+4+4*i+2]; (t == 0x01 || t == 0x21) && r.IntN(2) == 0 {
				d = p + 4 + 4*i
				break
			}
		}
		v := []uint16{0xffff, 0xfffe, 0x8000, 0x1001}[r.IntN(4)]
		binary.LittleEndian.PutUint16(ch[d:], v)
		if r.IntN(2) == 0 {
			fixCRCs(ch)
		}
		return c, fmt.Sprintf("record at %d: value of type 0x%02x given length 0x%x", off+rec, ch[d+2], v)
	}},
	{"name-length", func(b []byte, r *rand.Rand) ([]byte, string) {
		// A name in a chunk's string table: next offset (4), hash (2),
		// length in UTF-16 units (2), characters.
		c := bytes.Clone(b)
		offs := chunkOffs(c)
		off := offs[r.IntN(len(offs))]
		ch := c[off : off+slotSize]
		var names []int
		for i := range 64 {
			if o := int(binary.LittleEndian.Uint32(ch[0x80+4*i:])); o >= 0x200 && o+8 <= len(ch) {
				names = append(names, o)
			}
		}
		if len(names) == 0 {
			return c, "no name"
		}
		o := names[r.IntN(len(names))]
		v := []uint16{0xffff, 0x8000, 0x7fff, 0x1000}[r.IntN(4)]
		binary.LittleEndian.PutUint16(ch[o+6:], v)
		if r.IntN(2) == 0 {
			fixCRCs(ch)
		}
		return c, fmt.Sprintf("chunk at %d: name at 0x%x given length 0x%x", off, o, v)
	}},
	{"header-fields", func(b []byte, r *rand.Rand) ([]byte, string) {
		c := bytes.Clone(b)
		cc := []uint16{0, 1, 0xffff}[r.IntN(3)]
		binary.LittleEndian.PutUint16(c[0x2a:], cc)
		hb := []uint16{0x1000, 0, 0xffff, 0x200, 0x1200}[r.IntN(5)]
		binary.LittleEndian.PutUint16(c[0x28:], hb)
		binary.LittleEndian.PutUint64(c[0x10:], uint64(r.Uint32()))
		if r.IntN(2) == 0 {
			binary.LittleEndian.PutUint32(c[0x7c:], crc32.ChecksumIEEE(c[:120]))
		}
		return c, fmt.Sprintf("header: chunk count %d, header block size 0x%x", cc, hb)
	}},
}

// Header-field variants: every checksum is made valid again, so that only
// the contradiction between a header and the file is left to see.

// fixFileCRC recomputes the file header checksum.
func fixFileCRC(c []byte) {
	binary.LittleEndian.PutUint32(c[0x7c:], crc32.ChecksumIEEE(c[:120]))
}

// pickChunk returns the file offset of a random full chunk of c.
func pickChunk(c []byte, r *rand.Rand) int {
	offs := chunkOffs(c)
	return offs[r.IntN(len(offs))]
}

var headerMutationKinds = []struct {
	name string
	fn   func(b []byte, r *rand.Rand) ([]byte, string)
}{
	{"block-size", func(b []byte, r *rand.Rand) ([]byte, string) {
		c := bytes.Clone(b)
		v := []uint16{4608, 8192, 0x200, 0x1200, 0, 0xffff, uint16(512 * (1 + r.IntN(127)))}[r.IntN(7)]
		binary.LittleEndian.PutUint16(c[0x28:], v)
		fixFileCRC(c)
		return c, fmt.Sprintf("header block size %d", v)
	}},
	{"header-size", func(b []byte, r *rand.Rand) ([]byte, string) {
		c := bytes.Clone(b)
		v := []uint32{0, 127, 256, 0x1000, 0xffffffff}[r.IntN(5)]
		binary.LittleEndian.PutUint32(c[0x20:], v)
		fixFileCRC(c)
		return c, fmt.Sprintf("header size %d", v)
	}},
	{"chunk-count", func(b []byte, r *rand.Rand) ([]byte, string) {
		c := bytes.Clone(b)
		n := int(binary.LittleEndian.Uint16(c[0x2a:]))
		v := []int{0, max(0, n-1), r.IntN(n + 1), n + 1, n + 1 + r.IntN(64), 0xffff}[r.IntN(6)]
		binary.LittleEndian.PutUint16(c[0x2a:], uint16(v))
		desc := fmt.Sprintf("chunk count %d (was %d)", v, n)
		if r.IntN(3) == 0 {
			c[0x78] ^= 1 // the dirty flag, which excuses a lagging count
			desc += ", dirty flag flipped"
		}
		fixFileCRC(c)
		return c, desc
	}},
	{"next-record", func(b []byte, r *rand.Rand) ([]byte, string) {
		c := bytes.Clone(b)
		n := binary.LittleEndian.Uint64(c[0x18:])
		v := []uint64{0, 1, n / 2, n + 1, n + 1 + uint64(r.IntN(1000)), ^uint64(0)}[r.IntN(6)]
		binary.LittleEndian.PutUint64(c[0x18:], v)
		fixFileCRC(c)
		return c, fmt.Sprintf("next record ID %d (was %d)", v, n)
	}},
	{"free-lowered", func(b []byte, r *rand.Rand) ([]byte, string) {
		c := bytes.Clone(b)
		off := pickChunk(c, r)
		ch := c[off : off+slotSize]
		free := int(binary.LittleEndian.Uint32(ch[0x30:]))
		recs := recordsOf(c, off)
		v := 0x200
		switch k := r.IntN(5); {
		case k == 1 && len(recs) > 0:
			v = recs[r.IntN(len(recs))] // a record boundary
		case k == 2 && len(recs) > 0:
			v = recs[r.IntN(len(recs))] + 1 + r.IntN(27) // inside a record
		case k == 3:
			v = free - 1 - r.IntN(8)
		case k == 4 && free > 0x200:
			v = 0x200 + r.IntN(free-0x200)
		}
		binary.LittleEndian.PutUint32(ch[0x30:], uint32(v))
		fixCRCs(ch)
		return c, fmt.Sprintf("chunk at %d: free-space offset 0x%x (was 0x%x)", off, v, free)
	}},
	{"record-range", func(b []byte, r *rand.Rand) ([]byte, string) {
		c := bytes.Clone(b)
		off := pickChunk(c, r)
		ch := c[off : off+slotSize]
		fields := []struct {
			name string
			at   int
		}{{"first record number", 0x08}, {"last record number", 0x10}, {"first record ID", 0x18}, {"last record ID", 0x20}}
		f := fields[r.IntN(len(fields))]
		old := binary.LittleEndian.Uint64(ch[f.at:])
		d := uint64(1 + r.IntN(50))
		v := []uint64{old - d, old + d, 0, ^uint64(0)}[r.IntN(4)]
		binary.LittleEndian.PutUint64(ch[f.at:], v)
		fixCRCs(ch)
		return c, fmt.Sprintf("chunk at %d: %s %d (was %d)", off, f.name, v, old)
	}},
	{"header-cut", func(b []byte, r *rand.Rand) ([]byte, string) {
		// One length per class: none, inside the magic, inside the header
		// fields, exactly the fields, inside the block, the whole block.
		n := []int{0, 1 + r.IntN(7), 8 + r.IntN(120), 128, 129 + r.IntN(0x1000-129), 0x1000}[r.IntN(6)]
		return bytes.Clone(b[:n]), fmt.Sprintf("cut at %d, inside the header block", n)
	}},
	{"chunk-cut", func(b []byte, r *rand.Rand) ([]byte, string) {
		off := pickChunk(b, r)
		free := int(binary.LittleEndian.Uint32(b[off+0x30:]))
		recs := recordsOf(b, off)
		at := 0 // a chunk boundary
		switch k := r.IntN(6); {
		case k == 1:
			at = 1 + r.IntN(0x1ff) // inside the chunk header
		case k == 2 && len(recs) > 0:
			at = recs[r.IntN(len(recs))] // a record boundary
		case k == 3 && len(recs) > 0:
			at = recs[r.IntN(len(recs))] + 1 + r.IntN(27) // inside a record
		case k == 4 && free <= slotSize:
			at = free // the end of the record area
		case k == 5 && free < slotSize:
			at = free + r.IntN(slotSize-free) // in the unused space
		}
		return bytes.Clone(b[:off+at]), fmt.Sprintf("cut at %d, chunk offset 0x%x", off+at, at)
	}},
}

// mutationStats sums what the suite saw, for its log line.
type mutationStats struct {
	variants, events, errs, checkedSlots, panics int
	unpromised                                   int // records cut off that the headers did not promise
	worstAlloc, worstAllocPerSlot                uint64
}

// checkVariant reads one damaged variant and checks the suite's bounds and
// its undamaged chunks; it returns what it found wrong.
func checkVariant(src *mutationSource, v []byte, desc string, st *mutationStats) (problems []string) {
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	name := src.name + " (" + desc + ")"
	var res slotRead
	var openErr error
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	func() {
		defer func() {
			if p := recover(); p != nil {
				st.panics++
				fail("%s: panic escaped: %v", name, p)
			}
		}()
		res, openErr = readSlots(v, src.name)
	}()
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	st.variants++
	if openErr != nil {
		if !errors.Is(openErr, evtx.ErrShortFile) && !errors.Is(openErr, evtx.ErrNotEVTX) && !errors.Is(openErr, evtx.ErrUnsupportedVersion) {
			fail("%s: NewReader error without a sentinel: %v", name, openErr)
		}
		return problems
	}
	if alloc >= mutationMaxAlloc {
		fail("%s: %d MiB allocated, over the %d MiB bound", name, alloc>>20, mutationMaxAlloc>>20)
	}
	st.worstAlloc = max(st.worstAlloc, alloc)
	st.worstAllocPerSlot = max(st.worstAllocPerSlot, alloc/uint64(max(1, len(res.infos))))
	for _, err := range res.errs {
		var e *evtx.Error
		if !errors.As(err, &e) || e.File != src.name {
			fail("%s: error does not name the file: %v", name, err)
		}
	}
	st.errs += len(res.errs)
	lost, exempt := lostRecords(src, v, res)
	st.unpromised += exempt
	if len(lost) > 0 {
		fail("%s: %d records of the original lost without an error naming their chunk, e.g. %s", name, len(lost), lost[0])
	}
	for _, c := range res.infos {
		st.events += len(res.events[c.Index])
		if c.Offset+slotSize > int64(len(v)) {
			continue
		}
		want, ok := src.byChunk[string(v[c.Offset:c.Offset+slotSize])]
		if !ok {
			continue
		}
		st.checkedSlots++
		got := res.events[c.Index]
		if !reflect.DeepEqual(want, relative(got, c.Offset)) {
			fail("%s: undamaged chunk in slot %d at %d: %d events, want the original's %d (%s)", name, c.Index, c.Offset, len(got), len(want), firstDiff(want, got))
		}
	}
	return problems
}

// lostRecords returns the records of the original that the read of
// variant v neither returned nor covered by an error, and the number of
// records the variant's headers do not promise (see below).
//
// A record is returned when an event has its ID and its offset in a slot
// (chunks may move). It is covered by any error naming its chunk; by an
// error wrapping ErrShortFile, when its slot is not wholly in the variant
// (the file says it is cut); or by the file header's NextRecordID error,
// when its ID is above every ID returned. A record whose slot is cut off
// and that the variant's header promises neither by its chunk count nor by
// its next record ID is not lost in silence: the variant is a sound,
// shorter log (a dirty log cut at a chunk boundary past its lagging
// count), and nothing in it can say more. Those are counted apart.
func lostRecords(src *mutationSource, v []byte, res slotRead) (lost []string, unpromised int) {
	returned := map[[2]uint64]bool{}
	var maxID uint64
	for slot, evs := range res.events {
		for _, ev := range evs {
			returned[[2]uint64{ev.RecordID, uint64(ev.Source.Offset - slotOffset(slot))}] = true
			maxID = max(maxID, ev.RecordID)
		}
	}
	named := map[int]bool{}
	short, nextErr := false, false
	for _, err := range res.errs {
		var e *evtx.Error
		if !errors.As(err, &e) {
			continue
		}
		named[e.Chunk] = true
		short = short || errors.Is(err, evtx.ErrShortFile)
		var fe *evtx.FieldError
		if errors.As(err, &fe) && e.Chunk == -1 && fe.Field == "NextRecordID" {
			nextErr = true
		}
	}
	count := int(binary.LittleEndian.Uint16(v[0x2a:]))
	next := binary.LittleEndian.Uint64(v[0x18:])
	for _, r := range src.records {
		whole := slotOffset(r.slot)+slotSize <= int64(len(v))
		switch {
		case returned[[2]uint64{r.id, uint64(r.rel)}], named[r.slot], short && !whole, nextErr && r.id > maxID:
		case !whole && r.slot >= count && r.id >= next:
			unpromised++
		default:
			lost = append(lost, fmt.Sprintf("record %d at slot %d offset 0x%x", r.id, r.slot, r.rel))
		}
	}
	return lost, unpromised
}

// firstDiff names the first event where a copy of a chunk differs from the
// original's (both slot-relative).
func firstDiff(want []evtx.Event, got []*evtx.Event) string {
	rel := relative(got, 0)
	for i := range min(len(want), len(rel)) {
		a, b := want[i], rel[i]
		a.Source, b.Source = evtx.Source{}, evtx.Source{}
		if !reflect.DeepEqual(a, b) {
			return fmt.Sprintf("event %d: record %d vs %d", i, want[i].RecordID, rel[i].RecordID)
		}
	}
	return "counts differ"
}

// mutationSources returns the logs to damage: the SMB fixtures, two
// writer-generated logs, and the public samples when present.
func mutationSources(t *testing.T) []*mutationSource {
	var out []*mutationSource
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "smbaudit", "*.evtx"))
	if len(paths) == 0 {
		t.Fatal("no SMB fixture under ../testdata/smbaudit")
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, newMutationSource(t, filepath.Base(p), b))
	}
	out = append(out, newMutationSource(t, "writer-3.1.evtx", mustEncode(t, fuzzEvents(500), evtxwrite.Options{})))
	out = append(out, newMutationSource(t, "writer-3.2.evtx", mustEncode(t, fuzzEvents(150), evtxwrite.Options{MinorVersion: 2})))
	dir := os.Getenv(hostileCorpusEnv)
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	// A few public samples, spread over the corpus, of 2 to 17 chunk
	// slots: enough variety (dirty headers, slack, damage) for a suite
	// that must stay fast.
	var samples []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
			if fi, err := d.Info(); err == nil && fi.Size() >= 0x1000+2*slotSize && fi.Size() <= 0x1000+17*slotSize {
				samples = append(samples, p)
			}
		}
		return nil
	})
	if len(samples) == 0 {
		t.Logf("no public samples at %s: set %s to add them to the mutation suite", dir, hostileCorpusEnv)
	}
	slices.Sort(samples)
	for i := range min(len(samples), mutationCorpusSamples) {
		p := samples[i*len(samples)/mutationCorpusSamples]
		b, err := os.ReadFile(p)
		if err != nil || len(chunkOffs(b)) < 2 {
			continue // unreadable, or without two whole chunks
		}
		out = append(out, newMutationSource(t, "corpus/"+filepath.Base(p), b))
	}
	return out
}

// TestMutationSuite: see the comment at the top of this file. -short runs a
// quarter of the variants.
func TestMutationSuite(t *testing.T) {
	srcs := mutationSources(t)
	perKind := 8 // variants per kind per source
	if testing.Short() {
		perKind = 2
	}
	var st mutationStats
	kindCount := map[string]int{}
	for si, src := range srcs {
		if src.nChunks == 0 {
			t.Fatalf("%s: no decodable chunk in the original", src.name)
		}
		r := rand.New(rand.NewPCG(mutationSeed, uint64(si)))
		for _, k := range slices.Concat(mutationKinds, headerMutationKinds) {
			for range perKind {
				v, desc := k.fn(src.b, r)
				for _, p := range checkVariant(src, v, k.name+": "+desc, &st) {
					t.Error(p)
				}
				kindCount[k.name]++
			}
		}
	}
	if !testing.Short() && st.variants < 500 {
		t.Errorf("%d variants, fewer than the 500 the suite promises", st.variants)
	}
	if st.checkedSlots == 0 {
		t.Error("no variant kept an undamaged chunk: the main property was never checked")
	}
	var kinds []string
	for _, k := range slices.Concat(mutationKinds, headerMutationKinds) {
		kinds = append(kinds, fmt.Sprintf("%s %d", k.name, kindCount[k.name]))
	}
	t.Logf("%d variants of %d logs (%s): %d events, %d errors, %d undamaged chunk slots checked against the original, "+
		"%d records cut off that no header promised; most allocated by one read %.1f MiB, per 64 KiB slot %.1f MiB",
		st.variants, len(srcs), strings.Join(kinds, ", "), st.events, st.errs, st.checkedSlots, st.unpromised,
		float64(st.worstAlloc)/(1<<20), float64(st.worstAllocPerSlot)/(1<<20))
}

// TestMutationCheckerCatchesLoss: the suite's checkers are able to fail. A
// source whose recorded decode of one chunk has an event more than the
// reader returns, or one with a changed value, is reported; so is a record
// of the original that the read neither returns nor reports.
func TestMutationCheckerCatchesLoss(t *testing.T) {
	b := mustEncode(t, fuzzEvents(200), evtxwrite.Options{})
	var st mutationStats
	src := newMutationSource(t, "writer.evtx", b)
	if p := checkVariant(src, b, "unchanged", &st); len(p) != 0 {
		t.Fatalf("the undamaged original is reported: %v", p)
	}
	if st.checkedSlots != src.nChunks || src.nChunks < 2 {
		t.Fatalf("%d slots checked, want all %d (at least 2)", st.checkedSlots, src.nChunks)
	}
	for key, evs := range src.byChunk {
		extra := append(append([]evtx.Event(nil), evs...), evs[0])
		src.byChunk[key] = extra
		if p := checkVariant(src, b, "one event lost", &st); len(p) != 1 || !strings.Contains(p[0], "undamaged chunk") {
			t.Fatalf("a lost event is not reported as one problem: %v", p)
		}
		changed := append([]evtx.Event(nil), evs...)
		changed[len(changed)-1].Computer += "x"
		src.byChunk[key] = changed
		if p := checkVariant(src, b, "one value changed", &st); len(p) != 1 {
			t.Fatalf("a changed value is not reported as one problem: %v", p)
		}
		src.byChunk[key] = evs
		break
	}

	// A record the read neither returns nor covers with an error is lost;
	// an error naming its chunk covers it.
	ghost := origRecord{slot: 1, id: 1 << 40, rel: 0x200}
	src.records = append(src.records, ghost)
	res, err := readSlots(b, src.name)
	if err != nil {
		t.Fatal(err)
	}
	if lost, _ := lostRecords(src, b, res); len(lost) != 1 || !strings.Contains(lost[0], "slot 1") {
		t.Fatalf("a record neither returned nor reported is not found lost: %v", lost)
	}
	res.errs = append(res.errs, &evtx.Error{File: src.name, Chunk: 1, Err: evtx.ErrBadRecord})
	if lost, _ := lostRecords(src, b, res); len(lost) != 0 {
		t.Fatalf("a record covered by an error on its chunk is found lost: %v", lost)
	}
}
