package evtx_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

// The fuzz targets of the reader. Besides "no panic" they check what a
// caller relies on: every error is an *evtx.Error that names this file, a
// chunk slot that exists and an offset inside that slot, and wraps one of the
// package's sentinels; every event names its file and chunk, and the events
// of a chunk come out in file order, after the chunk's OnChunk call and
// before the next one's; with no filter, a chunk's ChunkInfo.Records equals
// the events it yielded. A read that does not finish within fuzzDeadline is
// a hang.

const (
	fuzzName     = "fuzzed.evtx"
	fuzzDeadline = 20 * time.Second
	slotSize     = 64 << 10
)

var sentinels = []error{
	evtx.ErrChunkHeaderChecksum, evtx.ErrChunkDataChecksum, evtx.ErrBadChunk,
	evtx.ErrBadRecord, evtx.ErrLimit, evtx.ErrDecoder, evtx.ErrHeaderMismatch, evtx.ErrShortFile,
}

// drainResult is what one fuzzed read yielded.
type drainResult struct {
	events []*evtx.Event
	errs   []*evtx.Error
	chunks []evtx.ChunkInfo
	// fileErrs are the errors on the file header (Chunk -1), yielded before
	// the first chunk or after the last.
	fileErrs []*evtx.Error
}

// drainChecked reads b in full as the log named fuzzName and checks the
// invariants above, failing t on the first broken one. NewReader's own
// refusals are returned as err.
func drainChecked(t *testing.T, b []byte, workers int) (drainResult, error) {
	t.Helper()
	var res drainResult
	r, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)), fuzzName)
	if err != nil {
		if !errors.Is(err, evtx.ErrShortFile) && !errors.Is(err, evtx.ErrNotEVTX) && !errors.Is(err, evtx.ErrUnsupportedVersion) {
			t.Fatalf("NewReader: error without a sentinel: %v", err)
		}
		return res, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), fuzzDeadline)
	defer cancel()
	perChunk := -1 // events yielded since the last OnChunk
	check := func() {
		if n := len(res.chunks); n > 0 && res.chunks[n-1].State != evtx.ChunkSkipped && res.chunks[n-1].Records != perChunk {
			t.Fatalf("chunk %d: ChunkInfo.Records %d but %d events yielded", res.chunks[n-1].Index, res.chunks[n-1].Records, perChunk)
		}
	}
	opts := evtx.Options{Workers: workers, OnChunk: func(c evtx.ChunkInfo) {
		check()
		if c.Index != len(res.chunks) {
			t.Fatalf("OnChunk: slot %d after %d slots", c.Index, len(res.chunks))
		}
		if c.Offset < 0 || c.Offset >= int64(len(b)) {
			t.Fatalf("OnChunk: slot %d at offset %d outside the file of %d bytes", c.Index, c.Offset, len(b))
		}
		res.chunks = append(res.chunks, c)
		perChunk = 0
	}}
	lastOff := int64(-1)
	for ev, err := range r.Events(ctx, opts) {
		if (ev == nil) == (err == nil) {
			t.Fatalf("a step with event %v and error %v", ev, err)
		}
		if err != nil {
			if ctx.Err() != nil {
				t.Fatalf("the read did not end within %v: %v", fuzzDeadline, err)
			}
			var e *evtx.Error
			if !errors.As(err, &e) {
				t.Fatalf("error is not an *evtx.Error: %v", err)
			}
			if e.Chunk == -1 {
				var fe *evtx.FieldError
				if e.File != fuzzName || e.Offset < 0 || e.Offset >= 0x1000 || !errors.As(err, &fe) || !hasSentinel(err) {
					t.Fatalf("file header error names file %q offset %d, or carries no *FieldError and sentinel: %v", e.File, e.Offset, err)
				}
				if len(res.chunks) != 0 && len(res.chunks) != slotCount(len(b)) {
					t.Fatalf("file header error between chunks (after %d slots): %v", len(res.chunks), err)
				}
				res.fileErrs = append(res.fileErrs, e)
				continue
			}
		}
		if len(res.chunks) == 0 {
			t.Fatalf("a step (%v, %v) before the first OnChunk", ev, err)
		}
		cur := res.chunks[len(res.chunks)-1]
		if err != nil {
			var e *evtx.Error
			errors.As(err, &e)
			if e.File != fuzzName || e.Chunk != cur.Index || e.Offset < cur.Offset || e.Offset >= cur.Offset+slotSize || e.Offset >= int64(len(b)) {
				t.Fatalf("error names file %q chunk %d offset %d; want %q, chunk %d, offset in [%d, %d): %v",
					e.File, e.Chunk, e.Offset, fuzzName, cur.Index, cur.Offset, min(cur.Offset+slotSize, int64(len(b))), err)
			}
			if !hasSentinel(err) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			res.errs = append(res.errs, e)
			continue
		}
		s := ev.Source
		if s.File != fuzzName || s.Chunk != cur.Index || s.Offset < cur.Offset+512 || s.Offset >= cur.Offset+slotSize {
			t.Fatalf("event %d from %v; want %q, chunk %d, offset in [%d, %d)", ev.RecordID, s, fuzzName, cur.Index, cur.Offset+512, cur.Offset+slotSize)
		}
		if perChunk > 0 && s.Offset <= lastOff {
			t.Fatalf("chunk %d: event at offset %d after one at %d", cur.Index, s.Offset, lastOff)
		}
		if !ev.ChunkDamaged && (!cur.HeaderChecksumValid || !cur.DataChecksumValid) {
			t.Fatalf("event %d not marked ChunkDamaged in a chunk that failed a checksum", ev.RecordID)
		}
		lastOff = s.Offset
		perChunk++
		res.events = append(res.events, ev)
	}
	check()
	return res, nil
}

// slotCount is the number of 64 KiB chunk slots after the 4 KiB header
// block of a file of n bytes, counting a trailing partial slot.
func slotCount(n int) int {
	return max(0, (n-0x1000+slotSize-1)/slotSize)
}

func hasSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// fuzzEvents is a small, varied event set: SMB audit events of several
// shapes (named, unnamed, UserData, every value type) and a Security event.
func fuzzEvents(n int) []evtxwrite.Event {
	t0 := time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC)
	q := uint16(0)
	evs := make([]evtxwrite.Event, 0, n)
	for i := range n {
		ev := evtxwrite.Event{
			System: evtx.System{Provider: "Microsoft-Windows-SMBServer", ProviderGUID: "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}",
				Channel: "Microsoft-Windows-SMBServer/Audit", Computer: "FS01.corp.example", EventID: 3021, Level: 4,
				Keywords: 0x8000000000000000, TimeCreated: t0.Add(time.Duration(i) * time.Second), UserSID: "S-1-5-18",
				ProcessID: 4, ThreadID: uint32(100 + i), Qualifiers: q, HasQualifiers: true,
			}}
		switch i % 4 {
		case 0:
			ev.Data = []evtxwrite.Data{
				{Name: "ClientNameLength", Type: evtx.TypeUint16, Value: uint16(10)},
				{Name: "ClientName", Type: evtx.TypeString, Value: fmt.Sprintf(`\\10.0.0.%d`, i%250)},
				{Name: "ServerRequiresSigning", Type: evtx.TypeBool, Value: i%2 == 0},
			}
		case 1:
			ev.EventID = 3025
			ev.Data = []evtxwrite.Data{
				{Type: evtx.TypeString, Value: "WS" + fmt.Sprint(i)},
				{Type: evtx.TypeAnsiString, Value: "cifs/fs01"},
				{Type: evtx.TypeUint32, Value: uint32(i)},
				{Type: evtx.TypeHexInt32, Value: uint32(0xc000005e)},
				{Type: evtx.TypeHexInt64, Value: uint64(i) << 33},
				{Type: evtx.TypeGUID, Value: "{00000000-0000-0000-0000-00000000000A}"},
				{Type: evtx.TypeSID, Value: "S-1-5-21-1-2-3-1001"},
				{Type: evtx.TypeFileTime, Value: t0},
				{Type: evtx.TypeSysTime, Value: t0},
				{Type: evtx.TypeBinary, Value: []byte{1, 2, 3, byte(i)}},
				{Type: evtx.TypeInt64, Value: int64(-i)},
				{Type: evtx.TypeUint8, Value: uint8(i)},
			}
		case 2:
			ev.Provider, ev.ProviderGUID = "Microsoft-Windows-Security-Auditing", "{54849625-5478-4994-A5BA-3E3B0328C30D}"
			ev.Channel, ev.EventID, ev.Computer = "Security", 4624, "DC01.corp.example"
			ev.Data = []evtxwrite.Data{
				{Name: "SubjectUserName", Type: evtx.TypeString, Value: "test"},
				{Name: "LogonType", Type: evtx.TypeUint32, Value: uint32(3)},
			}
		case 3:
			ev.EventID = 551
			ev.Channel = "Microsoft-Windows-SMBServer/Security"
			ev.UserData = &evtxwrite.UserData{Name: "EventData", Namespace: "http://manifests.microsoft.com/win/2004/08/windows/eventlog",
				Data: []evtxwrite.Data{{Name: "ClientName", Type: evtx.TypeString, Value: `\\ws` + fmt.Sprint(i)}}}
		}
		evs = append(evs, ev)
	}
	return evs
}

func mustEncode(tb testing.TB, evs []evtxwrite.Event, o evtxwrite.Options) []byte {
	tb.Helper()
	b, err := evtxwrite.Encode(evs, o)
	if err != nil {
		tb.Fatalf("encode: %v", err)
	}
	return b
}

// compactFile keeps a writer-generated log's 4 KiB header block and its
// first chunk up to its free-space offset only: a small but real file,
// cheap for the fuzzer to mutate.
func compactFile(b []byte) []byte {
	chunk := b[0x1000 : 0x1000+slotSize]
	free := int(binary.LittleEndian.Uint32(chunk[0x30:]))
	return append(bytes.Clone(b[:0x1000]), chunk[:free]...)
}

func FuzzReaderFile(f *testing.F) {
	small := mustEncode(f, fuzzEvents(12), evtxwrite.Options{})
	f.Add(small)
	f.Add(compactFile(small))
	f.Add(compactFile(mustEncode(f, fuzzEvents(12), evtxwrite.Options{Damage: evtxwrite.Damage{CraftedArgCount: 3}})))
	f.Add(compactFile(mustEncode(f, fuzzEvents(12), evtxwrite.Options{Damage: evtxwrite.Damage{BadRecordMagic: 5}})))
	f.Add(mustEncode(f, fuzzEvents(300), evtxwrite.Options{MinorVersion: 2, Damage: evtxwrite.Damage{DirtyHeader: true, TruncateLastChunk: true}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := drainChecked(t, b, 1)
		if err == nil {
			filterMatches(t, b, res.events)
		}
	})
}

// asciiFold lower-cases ASCII letters only, as the reader compares a wanted
// ASCII provider name (so "ſ", which Unicode folds to "s", stays apart).
func asciiFold(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// filterMatches checks the provider filter, which skips chunks and records
// without decoding them, against the unfiltered read: a filtered read must
// yield exactly the unfiltered events of the wanted provider.
func filterMatches(t *testing.T, b []byte, all []*evtx.Event) {
	t.Helper()
	const want = "Microsoft-Windows-SMBServer"
	var exp []evtx.Event
	for _, ev := range all {
		if asciiFold(ev.Provider) == asciiFold(want) {
			exp = append(exp, *ev)
		}
	}
	r, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)), fuzzName)
	if err != nil {
		t.Fatalf("the second NewReader failed: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), fuzzDeadline)
	defer cancel()
	var got []evtx.Event
	for ev, err := range r.Events(ctx, evtx.Options{Workers: 1, Providers: []string{want}}) {
		if err == nil {
			got = append(got, *ev)
		}
	}
	if !reflect.DeepEqual(exp, got) {
		t.Fatalf("filtered read: %d events, the unfiltered read has %d of %s", len(got), len(exp), want)
	}
}

// chunkFileHeader is a sound 4 KiB file header announcing one chunk.
func chunkFileHeader(tb testing.TB) []byte {
	b := mustEncode(tb, fuzzEvents(1), evtxwrite.Options{})
	return b[:0x1000]
}

func FuzzReaderChunk(f *testing.F) {
	hdr := chunkFileHeader(f)
	one := mustEncode(f, fuzzEvents(8), evtxwrite.Options{})
	chunk := one[0x1000:]
	free := int(binary.LittleEndian.Uint32(chunk[0x30:]))
	f.Add(chunk[:free])
	f.Add(chunk)
	crafted := mustEncode(f, fuzzEvents(8), evtxwrite.Options{Damage: evtxwrite.Damage{CraftedArgCount: 2}})[0x1000:]
	f.Add(crafted[:int(binary.LittleEndian.Uint32(crafted[0x30:]))])
	f.Fuzz(func(t *testing.T, chunk []byte) {
		if len(chunk) > slotSize {
			chunk = chunk[:slotSize]
		}
		b := append(append(make([]byte, 0, len(hdr)+len(chunk)), hdr...), chunk...)
		res, err := drainChecked(t, b, 1)
		if err != nil {
			t.Fatalf("a sound header was refused: %v", err)
		}
		if len(chunk) > 0 && len(res.chunks) != 1 {
			t.Fatalf("one chunk slot, %d ChunkInfos", len(res.chunks))
		}
		recoverAddsOnly(t, b, res)
	})
}

// recoverAddsOnly reads b again with Options.Recover and checks that it
// only adds: the same live events, in order, then recovered events, and
// errors wrapping ErrRecovered besides the same others.
func recoverAddsOnly(t *testing.T, b []byte, plain drainResult) {
	t.Helper()
	r, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)), fuzzName)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), fuzzDeadline)
	defer cancel()
	var live []uint64
	others := 0
	for ev, err := range r.Events(ctx, evtx.Options{Workers: 1, Recover: true}) {
		switch {
		case err != nil && ev != nil:
			t.Fatalf("an event and an error in one step")
		case errors.Is(err, context.DeadlineExceeded):
			t.Fatalf("recovery read took more than %v", fuzzDeadline)
		case err != nil:
			if !errors.Is(err, evtx.ErrRecovered) {
				others++
			}
		case !ev.Recovered:
			live = append(live, ev.RecordID)
		}
	}
	var want []uint64
	for _, ev := range plain.events {
		want = append(want, ev.RecordID)
	}
	if !reflect.DeepEqual(live, want) {
		t.Fatalf("Recover changed the live events: %v, want %v", live, want)
	}
	if n := len(plain.errs) + len(plain.fileErrs); others != n {
		t.Fatalf("Recover changed the errors: %d besides ErrRecovered, want %d", others, n)
	}
}

// TestFuzzSeedsDecode: the seeds the fuzz targets start from are real logs,
// so that mutations start from deep inside the decoder, not at its door.
func TestFuzzSeedsDecode(t *testing.T) {
	evs := fuzzEvents(12)
	for _, tc := range []struct {
		name      string
		b         []byte
		truncated bool // the file ends inside the chunk: one ErrBadChunk
	}{
		{"full", mustEncode(t, evs, evtxwrite.Options{}), false},
		{"compact", compactFile(mustEncode(t, evs, evtxwrite.Options{})), true},
		{"chunk", func() []byte {
			c := mustEncode(t, evs, evtxwrite.Options{})[0x1000:]
			return append(chunkFileHeader(t), c[:binary.LittleEndian.Uint32(c[0x30:])]...)
		}(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := drainChecked(t, tc.b, 1)
			if err != nil {
				t.Fatal(err)
			}
			wantErrs := 0
			if tc.truncated {
				wantErrs = 1
			}
			if len(res.errs) != wantErrs || len(res.events) != len(evs) {
				t.Fatalf("%d events, errors %v; want %d events and %d errors", len(res.events), res.errs, len(evs), wantErrs)
			}
			for _, e := range res.errs {
				if !errors.Is(e, evtx.ErrBadChunk) {
					t.Fatalf("want ErrBadChunk for the truncated chunk, got %v", e)
				}
			}
		})
	}
}
