package evtx_test

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vevtx "www.velocidex.com/golang/evtx"
)

// corpusEnv names the directory of public sample logs (../shared/corpus by
// default). Those logs belong to other projects and are never copied here.
const corpusEnv = "SMBREADINESS_CORPUS"

func corpusFiles(t *testing.T) []string {
	t.Helper()
	dir := os.Getenv(corpusEnv)
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no sample corpus at %s: set %s to the directory of public .evtx samples", dir, corpusEnv)
	}
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skipf("no .evtx file under %s (%s)", dir, corpusEnv)
	}
	return shortSample(files)
}

// shortSample returns files, or with -short every fourth of them plus the
// samples whose counts are pinned, so that the edit loop checks the same
// properties on fewer logs.
func shortSample(files []string) []string {
	if !testing.Short() {
		return files
	}
	var out []string
	for i, f := range files {
		if _, pinned := pinnedCounts[filepath.Base(f)]; pinned || i%4 == 0 {
			out = append(out, f)
		}
	}
	return out
}

// pinnedCounts are the record counts pinned for the same public samples by
// omerbenamram/evtx (tests/test_full_samples.rs): records it parses, and
// records it fails on.
var pinnedCounts = map[string][2]int{
	"2-system-Security-dirty.evtx":                                                         {14621, 0},
	"sample-with-irregular-bool-values.evtx":                                               {3028, 0},
	"2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx":          {1910, 4},
	"2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx": {1774, 2},
	"2-vss_7-System.evtx":                                                           {1160, 0},
	"sample_with_a_bad_chunk_magic.evtx":                                            {270, 5},
	"Microsoft-Windows-HelloForBusiness%4Operational.evtx":                          {6, 1},
	"Microsoft-Windows-LanguagePackSetup%4Operational.evtx":                         {17, 1},
	"E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx": {1146, 0},
	"E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx":      {337, 3},
}

// halfWritten lists the samples whose last record is allocated but
// half-written: its header claims a size, but the size copy at its end is
// still 0, and its body holds no event (omerbenamram/evtx "parses" it into an
// event with a zero provider GUID and a time of 1601-01-01; libevtx does not
// return it). The value is the record's offset within its chunk.
//
// Decision: this reader refuses such a record with an ErrBadRecord that
// names its file, chunk and offset, instead of returning an event made of
// zeros. A forensic tool must not invent an event at 1601-01-01, and the
// refusal keeps the record visible: it is never dropped in silence.
var halfWritten = map[string]int64{
	"Microsoft-Windows-HelloForBusiness%4Operational.evtx":  0x0f90,
	"Microsoft-Windows-LanguagePackSetup%4Operational.evtx": 0x1ef8,
}

// checkPinned compares a sample's reading with the counts pinned by
// omerbenamram/evtx (the reference): every record that parser returns is
// returned here too, or, for the half-written records above, refused with
// an error that names it.
func checkPinned(t *testing.T, name string, want [2]int, res readResult, recordErrs int) {
	t.Helper()
	if off, ok := halfWritten[name]; ok {
		assert.Equal(t, want[0]-1, len(res.events), "pinned count of omerbenamram/evtx, less the half-written record")
		found := false
		for _, err := range res.errs {
			var e *evtx.Error
			if errors.As(err, &e) && errors.Is(err, evtx.ErrBadRecord) && e.Offset == 4096+int64(e.Chunk)*65536+off {
				found = true
			}
		}
		assert.True(t, found, "the half-written record at chunk offset %#x must be refused with an ErrBadRecord naming it; errors: %v", off, res.errs)
		return
	}
	if want[1] == 0 {
		assert.Equal(t, want[0], len(res.events), "pinned count of omerbenamram/evtx")
		return
	}
	// That parser fails on want[1] records; this reader may decode some of
	// them, but must not lose one it decodes.
	assert.GreaterOrEqual(t, len(res.events), want[0], "pinned count of omerbenamram/evtx")
	t.Logf("pinned %d ok + %d failed; here %d events + %d record errors", want[0], want[1], len(res.events), recordErrs)
}

// TestCorpus reads every public sample: no panic, every error typed and
// placed, counts against the pinned ones, exact 100 ns times in UTC, and a
// sound provider pre-filter.
func TestCorpus(t *testing.T) {
	for _, path := range corpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			f, err := evtx.Open(path)
			if err != nil {
				// Whole-file failures must be one of the sentinels.
				assert.True(t, errors.Is(err, evtx.ErrNotEVTX) || errors.Is(err, evtx.ErrShortFile) ||
					errors.Is(err, evtx.ErrUnsupportedVersion), "%v", err)
				return
			}
			f.Close()
			res := read(t, b, evtx.Options{})
			recordErrs := 0
			for _, err := range res.errs {
				var e *evtx.Error
				require.ErrorAs(t, err, &e)
				if errors.Is(err, evtx.ErrBadRecord) || errors.Is(err, evtx.ErrDecoder) || errors.Is(err, evtx.ErrLimit) {
					recordErrs++
				}
			}
			t.Logf("%d events, %d errors (%d record-level), header %+v", len(res.events), len(res.errs), recordErrs, res.header)
			seen := map[int64]bool{}
			for _, ev := range res.events {
				require.False(t, seen[ev.Source.Offset], "record at %d emitted twice", ev.Source.Offset)
				seen[ev.Source.Offset] = true
				assert.Equal(t, time.UTC, ev.TimeCreated.Location())
				assert.Zero(t, ev.TimeCreated.Nanosecond()%100, "time not on a 100 ns tick")
			}
			if want, ok := pinnedCounts[filepath.Base(path)]; ok {
				checkPinned(t, filepath.Base(path), want, res, recordErrs)
			}
			assertFilterSoundWith(t, b, res)
		})
	}
}

// corrupt returns n copies of b, each with a few random bytes of its chunk
// area changed (deterministically).
func corrupt(b []byte, n int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([][]byte, n)
	for i := range out {
		c := append([]byte(nil), b...)
		for range 1 + r.IntN(16) {
			off := 4096 + r.IntN(len(c)-4096)
			c[off] = byte(r.Uint32())
		}
		out[i] = c
	}
	return out
}

// readBounded reads a damaged copy and fails the test if it hangs.
func readBounded(t *testing.T, b []byte) readResult {
	t.Helper()
	done := make(chan readResult, 1)
	go func() { done <- read(t, b, evtx.Options{}) }()
	select {
	case res := <-done:
		return res
	case <-time.After(30 * time.Second):
		t.Fatal("reading a corrupted copy hangs")
	}
	return readResult{}
}

// TestCorruptedCopiesNeverCrash: randomly corrupted copies of a log
// decode to events and typed errors, never a panic or a hang, and no record
// is emitted twice.
func TestCorruptedCopiesNeverCrash(t *testing.T) {
	b := encode(t, fixtureEvents(160, 60, 100), evtxwrite.Options{})
	inputs := corrupt(b, 120, 1)
	if files := corpusFilesOrNil(); len(files) > 0 {
		if rb, err := os.ReadFile(files[0]); err == nil && len(rb) > 4096 {
			inputs = append(inputs, corrupt(rb, 40, 2)...)
		}
	}
	errs, decoderErrs := 0, 0
	for _, c := range inputs {
		res := readBounded(t, c)
		seen := map[int64]bool{}
		for _, ev := range res.events {
			require.False(t, seen[ev.Source.Offset], "record at %d emitted twice", ev.Source.Offset)
			seen[ev.Source.Offset] = true
		}
		for _, err := range res.errs {
			var e *evtx.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "fixture.evtx", e.File)
			errs++
			if errors.Is(err, evtx.ErrDecoder) {
				decoderErrs++
			}
		}
	}
	assert.Positive(t, errs, "the corruption must be noticed")
	// Only on the fixture's copies, whose seed is known not to send the bare
	// decoder into its unbounded loop.
	raw := rawDecoderPanics(inputs[:120])
	assert.Positive(t, raw, "the copies must be hostile: the bare decoder should crash on some")
	t.Logf("%d corrupted copies: the bare decoder panicked on %d of the first 120; this reader: %d errors, %d of them contained decoder failures",
		len(inputs), raw, errs, decoderErrs)
}

// rawDecoderPanics counts the inputs on which the pinned decoder, used
// bare, panics.
func rawDecoderPanics(inputs [][]byte) int {
	n := 0
	for _, c := range inputs {
		func() {
			defer func() {
				if recover() != nil {
					n++
				}
			}()
			chunks, _ := vevtx.GetChunks(bytes.NewReader(c))
			for _, ch := range chunks {
				_, _ = ch.Parse(0)
			}
		}()
	}
	return n
}

func corpusFilesOrNil() []string {
	dir := os.Getenv(corpusEnv)
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.evtx"))
	return files
}
