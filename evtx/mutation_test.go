package evtx_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

// The mutation suite: deterministic damaged variants of the SMB fixtures,
// of writer-generated logs and (when present) of the public samples, each
// read in full. Across all of them no panic escapes, no read takes longer
// than mutationSecondsPerMiB per MiB or allocates more than mutationMaxAlloc,
// and every chunk slot whose 64 KiB are byte for byte a chunk of the
// original (in place, moved, or duplicated) yields exactly the events the
// original's chunk yields.

const (
	mutationSeed          = 20251001
	mutationSecondsPerMiB = 2.0
	// mutationMaxAlloc bounds the bytes allocated by one read (TotalAlloc
	// delta); the peak heap of the read can only be smaller.
	mutationMaxAlloc = 256 << 20
	hostileCorpusEnv = "SMBREADINESS_CORPUS"
)

// mutationSource is a log to damage, with its own decode per chunk.
type mutationSource struct {
	name    string
	b       []byte
	byChunk map[string][]evtx.Event // chunk bytes -> events of the original, Source made slot-relative
	nChunks int
}

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
		v := []uint32{0xffffffff, 0x7fffffff, 0x10000, evtx.MaxTemplateArgs + 1, 0}[r.IntN(5)]
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

// mutationStats sums what the suite saw, for its log line.
type mutationStats struct {
	variants, events, errs, checkedSlots, panics int
	worstSecPerMiB                               float64
	worstAlloc, worstAllocPerSlot                uint64
	worstName                                    string
}

// checkVariant reads one damaged variant and checks the suite's bounds and
// its undamaged chunks; it returns what it found wrong.
func checkVariant(src *mutationSource, v []byte, desc string, st *mutationStats) (problems []string) {
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	name := src.name + " (" + desc + ")"
	var res slotRead
	var openErr error
	var before, after runtime.MemStats
	elapsed := time.Duration(1<<63 - 1)
	var alloc uint64
	// Twice at most: the time bound is a bound, not a benchmark, and one
	// read may be slowed by the machine's other work.
	for try := 0; try < 2; try++ {
		runtime.ReadMemStats(&before)
		start := time.Now()
		func() {
			defer func() {
				if p := recover(); p != nil {
					st.panics++
					fail("%s: panic escaped: %v", name, p)
				}
			}()
			res, openErr = readSlots(v, src.name)
		}()
		d := time.Since(start)
		runtime.ReadMemStats(&after)
		elapsed, alloc = min(elapsed, d), after.TotalAlloc-before.TotalAlloc
		if secondsPerMiB(elapsed, len(v)) < mutationSecondsPerMiB {
			break
		}
	}
	st.variants++
	if openErr != nil {
		if !errors.Is(openErr, evtx.ErrShortFile) && !errors.Is(openErr, evtx.ErrNotEVTX) && !errors.Is(openErr, evtx.ErrUnsupportedVersion) {
			fail("%s: NewReader error without a sentinel: %v", name, openErr)
		}
		return problems
	}
	if spm := secondsPerMiB(elapsed, len(v)); spm >= mutationSecondsPerMiB {
		fail("%s: %v for %d bytes: %.2f s/MiB, over the %.1f s/MiB bound", name, elapsed, len(v), spm, mutationSecondsPerMiB)
	} else if spm > st.worstSecPerMiB {
		st.worstSecPerMiB, st.worstName = spm, name
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

// secondsPerMiB is the time bound's measure. A file shorter than a header
// block and one chunk counts as that long: the reader's unit of work is a
// 64 KiB chunk, and a few milliseconds of scheduling noise must not fail a
// read of a few hundred bytes.
func secondsPerMiB(d time.Duration, n int) float64 {
	return d.Seconds() / (float64(max(n, 0x1000+slotSize)) / (1 << 20))
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
	samples, _ := filepath.Glob(filepath.Join(dir, "*.evtx"))
	if len(samples) == 0 {
		t.Logf("no public samples at %s: set %s to add them to the mutation suite", dir, hostileCorpusEnv)
	}
	for _, p := range samples {
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 0x1000+slotSize || len(b) > 8<<20 || len(chunkOffs(b)) == 0 {
			continue // unreadable, without a whole chunk, or too big for a short suite
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
	start := time.Now()
	for si, src := range srcs {
		if src.nChunks == 0 {
			t.Fatalf("%s: no decodable chunk in the original", src.name)
		}
		r := rand.New(rand.NewPCG(mutationSeed, uint64(si)))
		for _, k := range mutationKinds {
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
	for _, k := range mutationKinds {
		kinds = append(kinds, fmt.Sprintf("%s %d", k.name, kindCount[k.name]))
	}
	t.Logf("%d variants of %d logs in %v (%s): %d events, %d errors, %d undamaged chunk slots checked against the original; "+
		"slowest %.3f s/MiB (%s), most allocated by one read %.1f MiB, per 64 KiB slot %.1f MiB",
		st.variants, len(srcs), time.Since(start).Round(time.Millisecond), strings.Join(kinds, ", "), st.events, st.errs,
		st.checkedSlots, st.worstSecPerMiB, st.worstName, float64(st.worstAlloc)/(1<<20), float64(st.worstAllocPerSlot)/(1<<20))
}

// TestMutationCheckerCatchesLoss: the suite's checker is able to fail. A
// source whose recorded decode of one chunk has an event more than the
// reader returns, or one with a changed value, is reported.
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
}
