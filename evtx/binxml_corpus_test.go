package evtx

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Velocidex/ordereddict"
	"github.com/stretchr/testify/assert"
)

// bxCorpus lists the .evtx files the pre-pass is checked on: the project's
// own fixtures (testdata/, written by evtxwrite) and, when present, the
// public samples of $SMBREADINESS_CORPUS (default ../shared/corpus), which
// are read in place and never copied. With -short, only every fourth sample.
func bxCorpus(t *testing.T) []string {
	var files []string
	dirs := []string{filepath.Join("..", "testdata")}
	dir := os.Getenv("SMBREADINESS_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(dir); err == nil {
		dirs = append(dirs, dir)
	} else {
		t.Logf("no sample corpus at %s (set SMBREADINESS_CORPUS): only the project's fixtures are checked", dir)
	}
	for _, d := range dirs {
		_ = filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) == 0 {
		t.Skip("no .evtx files found")
	}
	if testing.Short() {
		// The edit loop: the fixtures and every fourth sample.
		var some []string
		for i, f := range files {
			if i%4 == 0 || strings.Contains(f, filepath.Join("..", "testdata")) {
				some = append(some, f)
			}
		}
		files = some
	}
	return files
}

// bxFramed reports whether the record at off has a possible size and a
// trailing size copy equal to it.
func bxFramed(chunk []byte, off, size int) bool {
	if size < bxRecMin || off+size > len(chunk) {
		return false
	}
	return int(binary.LittleEndian.Uint32(chunk[off+size-4:])) == size
}

// bxStats counts what the pre-pass made of a file's records and how its
// values compare with Velocidex's on the records both decode.
type bxStats struct {
	records, accepted, diverging, refused int
	unframed                              int // records whose framing is broken in the file itself
	compared, mismatched, values          int
	firstRefusal, firstMismatch           string
}

// bxScanFile inspects every record of every chunk of a file, framing records
// one after the other from the chunk header up to the free-space offset, and
// compares System and EventData values with the pinned Velocidex decoder's.
func bxScanFile(t *testing.T, path string) bxStats {
	var st bxStats
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for base := 4096; base+chunkSize <= len(b); base += chunkSize {
		chunk := b[base : base+chunkSize]
		if string(chunk[:8]) != "ElfChnk\x00" {
			continue
		}
		free := int(binary.LittleEndian.Uint32(chunk[48:]))
		if free < chunkHeaderSize || free > chunkSize {
			free = chunkSize
		}
		d := newChunkInspector(chunk)
		var plans []*recordValues // in record order; nil where not accepted
		n := 0
		for off := chunkHeaderSize; off+bxRecMin <= free; n++ {
			if [4]byte(chunk[off:off+4]) != bxRecMagic {
				break
			}
			size := int(binary.LittleEndian.Uint32(chunk[off+4:]))
			st.records++
			if !bxFramed(chunk, off, size) {
				// A half-written or overwritten record: its size is
				// impossible, or its trailing size copy disagrees. That
				// is a defect of the file, which the reader reports as
				// ErrBadRecord, not a record the pre-pass failed on.
				st.unframed++
				plans = append(plans, nil)
				if size < bxRecMin || off+size > chunkSize {
					break
				}
				off += size
				continue
			}
			plan, err := d.inspect(off, size)
			switch {
			case err == nil:
				st.accepted++
				plans = append(plans, plan)
			case plan != nil:
				st.diverging++
				plans = append(plans, nil)
			default:
				plans = append(plans, nil)
				st.refused++
				if st.firstRefusal == "" {
					st.firstRefusal = fmt.Sprintf("chunk at %d: %v", base, err)
				}
			}
			if size < bxRecMin {
				break
			}
			off += size
		}
		recs, p := velocidexParse(chunk, int(binary.LittleEndian.Uint64(chunk[16:])-binary.LittleEndian.Uint64(chunk[8:])+1))
		if p != nil {
			continue
		}
		for i, r := range recs {
			if i >= len(plans) || plans[i] == nil || plans[i].recordID != r.Header.RecordID {
				continue
			}
			plan := plans[i]
			diffs, nv := bxCompare(r.Event, plan)
			st.values += nv
			for _, m := range diffs {
				if testing.Verbose() && st.mismatched < 5 {
					t.Logf("%s: record %d: %s", filepath.Base(path), r.Header.RecordID, m)
				}
				st.mismatched++
				if st.firstMismatch == "" {
					st.firstMismatch = fmt.Sprintf("record %d: %s", r.Header.RecordID, m)
				}
			}
			st.compared++
		}
	}
	return st
}

// bxCompare lists the differences between Velocidex's decoding of a record
// and the plan, on values whose Velocidex rendering is exact: strings and
// integers of EventData, the event ID, and the time to within its float
// rounding.
func bxCompare(v any, plan *recordValues) (out []string, compared int) {
	root, _ := v.(*ordereddict.Dict)
	if root == nil {
		return []string{"no dict from Velocidex"}, 0
	}
	evv, _ := root.Get("Event")
	ev, _ := evv.(*ordereddict.Dict)
	if ev == nil {
		return []string{"no Event"}, 0
	}
	sysv, _ := ev.Get("System")
	sys, _ := sysv.(*ordereddict.Dict)
	if sys != nil {
		if id, ok := sys.Get("EventID"); ok {
			if d, ok := id.(*ordereddict.Dict); ok {
				id, _ = d.Get("Value")
			}
			compared++
			if got := fmt.Sprint(id); got != plan.value("Event/System/EventID").Text {
				out = append(out, fmt.Sprintf("EventID %s vs %s", got, plan.value("Event/System/EventID").Text))
			}
		}
		if tc, ok := sys.Get("TimeCreated"); ok {
			if d, ok := tc.(*ordereddict.Dict); ok {
				if f, ok := d.Get("SystemTime"); ok && plan.value("Event/System/TimeCreated@SystemTime").Type == TypeFileTime {
					ff, _ := f.(float64)
					ft := plan.value("Event/System/TimeCreated@SystemTime").FileTime
					compared++
					exact := float64(int64(ft)-116444736000000000) / 1e7
					if math.Abs(ff-exact) > 1e-6 {
						out = append(out, fmt.Sprintf("TimeCreated %v vs %d", ff, ft))
					}
				}
			}
		}
	}
	edv, _ := ev.Get("EventData")
	ed, _ := edv.(*ordereddict.Dict)
	if ed == nil {
		return out, compared
	}
	for _, pv := range plan.ordered {
		name, ok := strings.CutPrefix(pv.Path, "Event/EventData/Data[Name=")
		if !ok || pv.Value.Items != nil {
			continue
		}
		name = strings.TrimSuffix(name, "]")
		got, ok := ed.Get(name)
		if !ok {
			continue
		}
		switch pv.Value.Type {
		case TypeString, TypeUint8, TypeUint16, TypeUint32, TypeInt32, TypeUint64, TypeInt64, TypeGUID:
			want := pv.Value.Text
			if pv.Value.Type == TypeGUID {
				want = strings.Trim(want, "{}")
			}
			compared++
			if g := fmt.Sprint(got); g != want {
				out = append(out, fmt.Sprintf("%s: %q vs %q", name, g, want))
			}
		}
	}
	return out, compared
}

// TestInspectCorpus runs the pre-pass over real and generated logs: every
// soundly framed record of an undamaged log must be accepted, and values
// must agree with Velocidex wherever its rendering is exact. Records whose
// framing is broken in the file (half-written last records, overwritten
// slots in volume shadow copies) are counted apart: the reader refuses them
// with ErrBadRecord before the pre-pass sees them.
func TestInspectCorpus(t *testing.T) {
	total := 0
	defer func() { assert.Positive(t, total, "no value was compared with Velocidex") }()
	for _, f := range bxCorpus(t) {
		st := bxScanFile(t, f)
		t.Logf("%s: %d records: %d accepted, %d diverging, %d refused, %d with broken framing; %d records (%d values) compared with Velocidex, %d mismatches",
			filepath.Base(f), st.records, st.accepted, st.diverging, st.refused, st.unframed, st.compared, st.values, st.mismatched)
		total += st.values
		if strings.Contains(filepath.Base(f), "damaged") || strings.Contains(filepath.Base(f), "bad") || strings.Contains(filepath.Base(f), "dirty") {
			continue // damaged on purpose: refusals are expected
		}
		assert.Zero(t, st.refused, "%s: %s", f, st.firstRefusal)
		assert.Zero(t, st.mismatched, "%s: %s", f, st.firstMismatch)
	}
}
