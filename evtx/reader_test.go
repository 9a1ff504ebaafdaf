package evtx_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	smbProvider = "Microsoft-Windows-SMBServer"
	secProvider = "Microsoft-Windows-Security-Auditing"
	smbGUID     = "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}"
)

var baseTime = time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC)

// fixtureEvents makes n events: Security logons, with a run of SMB audit
// events in the middle (events [smbFrom, smbTo)), so that some chunks hold
// no SMB event at all. Times step by 1.0000001 s so every 100 ns digit is
// exercised.
func fixtureEvents(n, smbFrom, smbTo int) []evtxwrite.Event {
	evs := make([]evtxwrite.Event, n)
	q := uint16(0)
	for i := range evs {
		t := baseTime.Add(time.Duration(i) * (time.Second + 100*time.Nanosecond))
		if i >= smbFrom && i < smbTo {
			evs[i] = evtxwrite.Event{
				System: evtx.System{Provider: smbProvider, ProviderGUID: smbGUID, EventID: 3021, Version: 0, Level: 4,
					Keywords: 0x8000000000000000, TimeCreated: t, Channel: "Microsoft-Windows-SMBServer/Audit",
					Computer: "FS01.corp.example", UserSID: "S-1-5-18", ProcessID: 4, ThreadID: uint32(100 + i),
					Qualifiers: q, HasQualifiers: true,
				},
				Data: []evtxwrite.Data{
					{Name: "ClientNameLength", Type: evtx.TypeUint16, Value: uint16(10)},
					{Name: "ClientName", Type: evtx.TypeString, Value: fmt.Sprintf(`\\10.0.0.%d`, i%250)},
					{Name: "ServerRequiresSigning", Type: evtx.TypeBool, Value: i%2 == 0},
				},
			}
			continue
		}
		evs[i] = evtxwrite.Event{
			System: evtx.System{Provider: secProvider, ProviderGUID: "{54849625-5478-4994-A5BA-3E3B0328C30D}", EventID: 4624,
				Version: 2, Task: 12544, Keywords: 0x8020000000000000, TimeCreated: t, Channel: "Security",
				Computer: "DC01.corp.example", ProcessID: 676, ThreadID: 780,
				ActivityID: "{02277543-beaa-0000-bb75-2702aabed401}",
			},
			Data: []evtxwrite.Data{
				{Name: "SubjectUserSid", Type: evtx.TypeSID, Value: "S-1-5-21-546003962-2713609280-610790815-1001"},
				{Name: "SubjectUserName", Type: evtx.TypeString, Value: "test"},
				{Name: "SubjectLogonId", Type: evtx.TypeHexInt64, Value: uint64(0x2995e + i)},
				{Name: "LogonType", Type: evtx.TypeUint32, Value: uint32(2)},
				{Name: "LogonGuid", Type: evtx.TypeGUID, Value: "{00000000-0000-0000-0000-00000000000A}"},
				{Name: "ProcessName", Type: evtx.TypeString, Value: `C:\Windows\System32\svchost.exe & <more>`},
				{Name: "When", Type: evtx.TypeFileTime, Value: t},
			},
		}
	}
	return evs
}

func encode(t *testing.T, evs []evtxwrite.Event, opts evtxwrite.Options) []byte {
	t.Helper()
	b, err := evtxwrite.Encode(evs, opts)
	require.NoError(t, err)
	return b
}

// readResult is everything one read produced.
type readResult struct {
	header evtx.Header
	events []*evtx.Event
	errs   []error
	chunks []evtx.ChunkInfo
}

func read(t *testing.T, b []byte, opts evtx.Options) readResult {
	t.Helper()
	r, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)), "fixture.evtx")
	require.NoError(t, err)
	var res readResult
	res.header = r.Header()
	opts.OnChunk = func(c evtx.ChunkInfo) { res.chunks = append(res.chunks, c) }
	for ev, err := range r.Events(context.Background(), opts) {
		if err != nil {
			require.Nil(t, ev, "an event and an error in one step")
			res.errs = append(res.errs, err)
			continue
		}
		require.NotNil(t, ev)
		res.events = append(res.events, ev)
	}
	return res
}

func chunkOffsets(res readResult, state evtx.ChunkState) []int {
	var out []int
	for _, c := range res.chunks {
		if c.State == state {
			out = append(out, c.Index)
		}
	}
	return out
}

func TestCleanLog(t *testing.T) {
	evs := fixtureEvents(400, 150, 200)
	b := encode(t, evs, evtxwrite.Options{})
	res := read(t, b, evtx.Options{})

	require.Empty(t, res.errs)
	require.Len(t, res.events, len(evs))
	assert.True(t, res.header.ChecksumValid)
	assert.False(t, res.header.Dirty)
	assert.Equal(t, uint16(3), res.header.MajorVersion)
	assert.Equal(t, uint16(1), res.header.MinorVersion)
	assert.Greater(t, len(res.chunks), 2, "the fixture must span several chunks")
	assert.Equal(t, int(res.header.ChunkCount), len(chunkOffsets(res, evtx.ChunkDecoded)))
	for _, c := range res.chunks {
		assert.True(t, c.HeaderChecksumValid, "chunk %d", c.Index)
		assert.True(t, c.DataChecksumValid, "chunk %d", c.Index)
		assert.False(t, c.Damaged())
	}

	for i, ev := range res.events {
		want := evs[i]
		assert.Equal(t, uint64(i+1), ev.RecordID)
		assert.Equal(t, want.Provider, ev.Provider)
		assert.Equal(t, want.EventID, ev.EventID)
		assert.Equal(t, want.Channel, ev.Channel)
		assert.Equal(t, want.Computer, ev.Computer)
		assert.Equal(t, want.Keywords, ev.Keywords)
		assert.Equal(t, want.ProcessID, ev.ProcessID)
		assert.Equal(t, want.ThreadID, ev.ThreadID)
		assert.True(t, want.TimeCreated.Equal(ev.TimeCreated), "record %d: %v != %v", i+1, ev.TimeCreated, want.TimeCreated)
		assert.Equal(t, time.UTC, ev.TimeCreated.Location())
		assert.False(t, ev.ChunkDamaged)
		assert.Equal(t, "fixture.evtx", ev.Source.File)
		if i > 0 {
			assert.Less(t, res.events[i-1].Source.Offset, ev.Source.Offset, "file order")
		}
	}

	smb := res.events[150]
	assert.Equal(t, smbGUID, smb.ProviderGUID)
	assert.True(t, smb.HasQualifiers)
	assert.Equal(t, "S-1-5-18", smb.UserSID)
	assert.Equal(t, []evtx.Field{
		{Name: "ClientNameLength", Value: "10", Type: evtx.TypeUint16},
		{Name: "ClientName", Value: `\\10.0.0.150`, Type: evtx.TypeString},
		{Name: "ServerRequiresSigning", Value: "true", Type: evtx.TypeBool},
	}, smb.Data)

	sec := res.events[0]
	assert.Equal(t, "{54849625-5478-4994-A5BA-3E3B0328C30D}", sec.ProviderGUID)
	assert.Equal(t, "{02277543-BEAA-0000-BB75-2702AABED401}", sec.ActivityID)
	for _, tc := range []struct{ name, want string }{
		{"SubjectUserSid", "S-1-5-21-546003962-2713609280-610790815-1001"},
		{"SubjectLogonId", "0x2995e"},
		{"LogonType", "2"},
		{"LogonGuid", "{00000000-0000-0000-0000-00000000000A}"},
		{"ProcessName", `C:\Windows\System32\svchost.exe & <more>`},
		{"When", "2025-10-01T08:00:00.1234567Z"},
	} {
		got, ok := sec.Get(tc.name)
		assert.True(t, ok, tc.name)
		assert.Equal(t, tc.want, got, tc.name)
	}
}

// TestTimeCreatedExactFILETIME: the decoder's float64 is off by up to
// ~0.8 µs; the reader must return the stored FILETIME to the tick.
func TestTimeCreatedExactFILETIME(t *testing.T) {
	times := []time.Time{
		time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC),
		time.Date(2025, 10, 1, 8, 0, 0, 999999900, time.UTC),
		time.Date(2019, 2, 6, 14, 17, 53, 317259300, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 100, time.UTC),
		time.Date(2038, 1, 19, 3, 14, 8, 700, time.UTC),
	}
	evs := fixtureEvents(len(times), 0, len(times))
	for i := range evs {
		evs[i].TimeCreated = times[i]
	}
	res := read(t, encode(t, evs, evtxwrite.Options{}), evtx.Options{})
	require.Empty(t, res.errs)
	require.Len(t, res.events, len(times))
	for i, ev := range res.events {
		assert.True(t, times[i].Equal(ev.TimeCreated), "%v != %v", ev.TimeCreated, times[i])
		assert.Equal(t, times[i].Format(evtx.TimeLayout), ev.TimeCreated.Format(evtx.TimeLayout))
	}
}

func TestV32Log(t *testing.T) {
	evs := fixtureEvents(50, 0, 25)
	res := read(t, encode(t, evs, evtxwrite.Options{MinorVersion: 2}), evtx.Options{})
	assert.Equal(t, uint16(2), res.header.MinorVersion)
	require.Empty(t, res.errs)
	assert.Len(t, res.events, 50)
}

func TestDirtyLogReadsChunksPastHeaderCount(t *testing.T) {
	evs := fixtureEvents(400, 150, 200)
	res := read(t, encode(t, evs, evtxwrite.Options{Damage: evtxwrite.Damage{DirtyHeader: true}}), evtx.Options{})
	assert.True(t, res.header.Dirty)
	decoded := chunkOffsets(res, evtx.ChunkDecoded)
	assert.Less(t, int(res.header.ChunkCount), len(decoded), "the header count must lag for this test")
	require.Empty(t, res.errs)
	assert.Len(t, res.events, len(evs))
}

// errsOf returns the *Error values of errs wrapping target.
func errsOf(t *testing.T, errs []error, target error) []*evtx.Error {
	var out []*evtx.Error
	for _, err := range errs {
		var e *evtx.Error
		require.True(t, errors.As(err, &e), "not an *evtx.Error: %v", err)
		if errors.Is(err, target) {
			out = append(out, e)
		}
	}
	return out
}

func TestChecksums(t *testing.T) {
	evs := fixtureEvents(400, 150, 200)
	tests := []struct {
		name       string
		damage     evtxwrite.Damage
		wantErr    error // nil: no error expected
		headerOK   bool
		chunk0Flag bool // events of chunk 0 marked ChunkDamaged
	}{
		{"clean", evtxwrite.Damage{}, nil, true, false},
		{"file header", evtxwrite.Damage{BadHeaderCRC: true}, nil, false, false},
		{"chunk header", evtxwrite.Damage{BadChunkHeaderCRC: true}, evtx.ErrChunkHeaderChecksum, true, true},
		{"record data", evtxwrite.Damage{BadRecordsCRC: true}, evtx.ErrChunkDataChecksum, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := read(t, encode(t, evs, evtxwrite.Options{Damage: tt.damage}), evtx.Options{})
			assert.Equal(t, tt.headerOK, res.header.ChecksumValid)
			require.Len(t, res.events, len(evs), "a checksum mismatch must not lose events")
			if tt.wantErr == nil {
				assert.Empty(t, res.errs)
			} else {
				got := errsOf(t, res.errs, tt.wantErr)
				require.Len(t, got, 1)
				assert.Equal(t, 0, got[0].Chunk)
				assert.Equal(t, int64(4096), got[0].Offset)
				assert.Equal(t, "fixture.evtx", got[0].File)
				assert.True(t, res.chunks[0].Damaged())
			}
			for _, ev := range res.events {
				assert.Equal(t, tt.chunk0Flag && ev.Source.Chunk == 0, ev.ChunkDamaged, "record %d", ev.RecordID)
			}
		})
	}
}

func TestBadRecordMagic(t *testing.T) {
	evs := fixtureEvents(120, 0, 60)
	res := read(t, encode(t, evs, evtxwrite.Options{Damage: evtxwrite.Damage{BadRecordMagic: 7}}), evtx.Options{})
	bad := errsOf(t, res.errs, evtx.ErrBadRecord)
	require.Len(t, bad, 1, "%v", res.errs)
	assert.Equal(t, 0, bad[0].Chunk)
	require.Len(t, res.events, len(evs)-1)
	var ids []uint64
	for _, ev := range res.events {
		ids = append(ids, ev.RecordID)
	}
	assert.NotContains(t, ids, uint64(7))
	assert.Contains(t, ids, uint64(8), "the record after the bad one must decode")
	assert.Greater(t, bad[0].Offset, res.events[5].Source.Offset)
	assert.Less(t, bad[0].Offset, res.events[6].Source.Offset)
}

func TestCraftedTemplateArgCount(t *testing.T) {
	evs := fixtureEvents(60, 0, 30)
	done := make(chan readResult)
	b := encode(t, evs, evtxwrite.Options{Damage: evtxwrite.Damage{CraftedArgCount: 5}})
	go func() { done <- read(t, b, evtx.Options{}) }()
	select {
	case res := <-done:
		require.Len(t, res.errs, 1, "%v", res.errs)
		var e *evtx.Error
		require.ErrorAs(t, res.errs[0], &e)
		assert.True(t, errors.Is(e, evtx.ErrBadRecord) || errors.Is(e, evtx.ErrLimit), "%v", e)
		assert.Equal(t, uint64(5), e.RecordID)
		assert.Len(t, res.events, len(evs)-1)
	case <-time.After(20 * time.Second):
		t.Fatal("crafted argument count hangs the reader")
	}
}

func TestZeroedAndTruncatedChunks(t *testing.T) {
	evs := fixtureEvents(400, 150, 200)
	t.Run("zeroed chunk the header counts is reported", func(t *testing.T) {
		res := read(t, encode(t, evs, evtxwrite.Options{Damage: evtxwrite.Damage{ZeroChunk: 2}}), evtx.Options{})
		require.Len(t, res.errs, 1)
		miss := errsOf(t, res.errs, evtx.ErrHeaderMismatch)
		require.Len(t, miss, 1, "%v", res.errs)
		assert.Equal(t, 1, miss[0].Chunk)
		assert.Contains(t, chunkOffsets(res, evtx.ChunkEmpty), 1)
		for _, ev := range res.events {
			assert.NotEqual(t, 1, ev.Source.Chunk)
		}
		assert.NotEmpty(t, res.events)
	})
	t.Run("truncated last chunk", func(t *testing.T) {
		full := read(t, encode(t, evs, evtxwrite.Options{}), evtx.Options{})
		res := read(t, encode(t, evs, evtxwrite.Options{Damage: evtxwrite.Damage{TruncateLastChunk: true}}), evtx.Options{})
		bad := errsOf(t, res.errs, evtx.ErrBadChunk)
		require.Len(t, bad, 1)
		last := len(full.chunks) - 1
		assert.Equal(t, last, bad[0].Chunk)
		// The file has its whole header: the message says the file is
		// short, not that it lacks a header.
		assert.ErrorIs(t, bad[0], evtx.ErrShortFile)
		assert.NotContains(t, bad[0].Error(), "header", "%v", bad[0])
		assert.Contains(t, bad[0].Error(), "truncated chunk")
		before, inLast := 0, 0
		for _, ev := range full.events {
			if ev.Source.Chunk != last {
				before++
			} else {
				inLast++
			}
		}
		// The records wholly present in the cut chunk are still decoded,
		// marked damaged, and equal to the full log's.
		got := len(res.events) - before
		assert.Greater(t, got, 0, "no record of the truncated chunk decoded")
		assert.Less(t, got, inLast, "records past the cut cannot be decoded")
		for i, ev := range res.events {
			assert.Equal(t, ev.Source.Chunk == last, ev.ChunkDamaged)
			ev.ChunkDamaged = false
			assert.Equal(t, full.events[i], ev)
		}
		assert.NotEmpty(t, errsOf(t, res.errs, evtx.ErrBadRecord), "the record cut in two is reported")
	})
}

// putChunkCRCs recomputes a chunk's CRCs after a test changed its bytes, so
// that only the intended damage is seen.
func putChunkCRCs(chunk []byte) {
	le := binary.LittleEndian
	free := le.Uint32(chunk[0x30:])
	le.PutUint32(chunk[0x34:], crc32.ChecksumIEEE(chunk[0x200:free]))
	c := crc32.ChecksumIEEE(chunk[:0x78])
	le.PutUint32(chunk[0x7c:], crc32.Update(c, crc32.IEEETable, chunk[0x80:0x200]))
}

func chunkAt(b []byte, i int) []byte { return b[4096+i*65536 : 4096+(i+1)*65536] }

func TestBadChunkMagic(t *testing.T) {
	evs := fixtureEvents(400, 150, 200)
	b := encode(t, evs, evtxwrite.Options{})
	full := read(t, b, evtx.Options{})
	copy(chunkAt(b, 1), "ElfJunk\x00")
	res := read(t, b, evtx.Options{})
	bad := errsOf(t, res.errs, evtx.ErrBadChunk)
	require.Len(t, bad, 1)
	assert.Equal(t, 1, bad[0].Chunk)
	assert.Equal(t, int64(4096+65536), bad[0].Offset)
	assert.Equal(t, []int{1}, chunkOffsets(res, evtx.ChunkBad))
	var want []uint64
	for _, ev := range full.events {
		if ev.Source.Chunk != 1 {
			want = append(want, ev.RecordID)
		}
	}
	var got []uint64
	for _, ev := range res.events {
		got = append(got, ev.RecordID)
	}
	assert.Equal(t, want, got)
}

// recordOffsets lists the chunk-relative offsets of the records of chunk.
func recordOffsets(chunk []byte) []int {
	var out []int
	le := binary.LittleEndian
	free := int(le.Uint32(chunk[0x30:]))
	for off := 0x200; off+28 <= free; {
		size := int(le.Uint32(chunk[off+4:]))
		out = append(out, off)
		if size < 28 {
			break
		}
		off += size
	}
	return out
}

func TestZeroSizeRecord(t *testing.T) {
	evs := fixtureEvents(120, 0, 60)
	b := encode(t, evs, evtxwrite.Options{})
	c0 := chunkAt(b, 0)
	offs := recordOffsets(c0)
	require.Greater(t, len(offs), 10)
	binary.LittleEndian.PutUint32(c0[offs[3]+4:], 0) // record 4: size 0
	putChunkCRCs(c0)

	res := read(t, b, evtx.Options{})
	bad := errsOf(t, res.errs, evtx.ErrBadRecord)
	require.Len(t, bad, 1, "%v", res.errs)
	assert.Equal(t, int64(4096+offs[3]), bad[0].Offset)
	assert.Len(t, res.events, len(evs)-1)
	ids := map[uint64]int{}
	for _, ev := range res.events {
		ids[ev.RecordID]++
	}
	assert.Zero(t, ids[4])
	for id, n := range ids {
		assert.Equal(t, 1, n, "record %d emitted %d times", id, n)
	}
	assert.Equal(t, 1, ids[5], "resync must find the record after the zero-size one")
}

func TestWholeFileErrors(t *testing.T) {
	good := encode(t, fixtureEvents(3, 0, 3), evtxwrite.Options{})
	v4 := slices.Clone(good)
	binary.LittleEndian.PutUint16(v4[0x26:], 4)
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"short", good[:100], evtx.ErrShortFile},
		{"not evtx", append([]byte("MZ"), good[2:]...), evtx.ErrNotEVTX},
		{"version 4", v4, evtx.ErrUnsupportedVersion},
		{"empty", nil, evtx.ErrShortFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := evtx.NewReader(bytes.NewReader(tt.b), int64(len(tt.b)), "x.evtx")
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), "x.evtx")
		})
	}
}

// TestProviderFilterSound compares filtered runs with the unfiltered run:
// the pushed-down provider filter must keep exactly the events an
// after-the-fact filter keeps, and must skip some chunks undecoded.
func TestProviderFilterSound(t *testing.T) {
	b := encode(t, fixtureEvents(600, 250, 300), evtxwrite.Options{})
	assertFilterSound(t, b)
	res := read(t, b, evtx.Options{Providers: []string{"microsoft-windows-smbserver"}})
	assert.NotEmpty(t, chunkOffsets(res, evtx.ChunkSkipped), "the pre-filter skipped nothing")
	assert.Len(t, res.events, 50)
}

// TestNarrowedProvider asks for one event ID of a provider whose events
// fill the log: the chunks without its marker are skipped undecoded, the
// provider's other event IDs are dropped, and the other providers are kept
// whole.
func TestNarrowedProvider(t *testing.T) {
	evs := fixtureEvents(600, 250, 300)
	for _, i := range []int{20, 560} {
		evs[i].EventID = 5168
		evs[i].Data = []evtxwrite.Data{
			{Name: "SubjectUserName", Type: evtx.TypeString, Value: "lnxsvc"},
			{Name: "SpnName", Type: evtx.TypeString, Value: "N/A"},
			{Name: "ConfiguredNames", Type: evtx.TypeString, Value: "N/A"},
		}
	}
	// One 5168 among the SMB events too, in a chunk the SMB name opens.
	t270 := evs[270].TimeCreated
	evs[270] = evs[20]
	evs[270].TimeCreated = t270
	b := encode(t, evs, evtxwrite.Options{})
	all := read(t, b, evtx.Options{})
	var want []*evtx.Event
	for _, ev := range all.events {
		if ev.Provider == smbProvider || ev.EventID == 5168 {
			want = append(want, ev)
		}
	}
	require.Len(t, want, 52, "49 SMB events and three 5168")
	opts := evtx.Options{Providers: []string{smbProvider, secProvider},
		Narrow: []evtx.ProviderFilter{{Provider: "MICROSOFT-WINDOWS-SECURITY-AUDITING", EventIDs: []uint16{5168}, Markers: []string{"ConfiguredNames"}}}}
	res := read(t, b, opts)
	assert.Empty(t, res.errs)
	assert.Equal(t, want, res.events)
	skipped := chunkOffsets(res, evtx.ChunkSkipped)
	assert.NotEmpty(t, skipped, "chunks with Security events but no 5168 are not decoded")
	assert.Less(t, len(skipped), len(res.chunks))

	// Without markers every chunk is decoded, with the same events.
	opts.Narrow[0].Markers = nil
	res = read(t, b, opts)
	assert.Empty(t, chunkOffsets(res, evtx.ChunkSkipped))
	assert.Equal(t, want, res.events)
}

func assertFilterSound(t *testing.T, b []byte) {
	t.Helper()
	assertFilterSoundWith(t, b, read(t, b, evtx.Options{}))
}

// assertFilterSoundWith is assertFilterSound given all, the unfiltered read
// of b. Case is ignored by one comparison for every provider, so only the
// first provider (in sorted order) is also tried with its case flipped.
func assertFilterSoundWith(t *testing.T, b []byte, all readResult) {
	t.Helper()
	providers := map[string]bool{}
	for _, ev := range all.events {
		providers[ev.Provider] = true
	}
	var wants [][]string
	for i, p := range slices.Sorted(maps.Keys(providers)) {
		wants = append(wants, []string{p})
		if i == 0 {
			wants = append(wants, []string{flipCase(p)})
		}
	}
	wants = append(wants, []string{"No-Such-Provider"}, []string{smbProvider, secProvider})
	for _, want := range wants {
		got := read(t, b, evtx.Options{Providers: want})
		var exp []*evtx.Event
		for _, ev := range all.events {
			for _, w := range want {
				if len(w) == len(ev.Provider) && equalFoldASCII(w, ev.Provider) {
					exp = append(exp, ev)
					break
				}
			}
		}
		assert.Equal(t, exp, got.events, "providers %q", want)
	}
	if len(all.events) > 0 {
		id := all.events[len(all.events)/2].EventID
		mid := all.events[len(all.events)/2].TimeCreated
		got := read(t, b, evtx.Options{EventIDs: []uint16{id}, Since: mid})
		var exp []*evtx.Event
		for _, ev := range all.events {
			if ev.EventID == id && !ev.TimeCreated.Before(mid) {
				exp = append(exp, ev)
			}
		}
		assert.Equal(t, exp, got.events, "event ID %d since %v", id, mid)
		got = read(t, b, evtx.Options{Until: mid})
		exp = nil
		for _, ev := range all.events {
			if ev.TimeCreated.Before(mid) {
				exp = append(exp, ev)
			}
		}
		assert.Equal(t, exp, got.events, "until %v", mid)
	}
}

func flipCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 32
		case 'A' <= c && c <= 'Z':
			b[i] = c + 32
		}
	}
	return string(b)
}

func equalFoldASCII(a, b string) bool { return flipCase(a) == b || a == b || lower(a) == lower(b) }

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func TestWorkersKeepFileOrder(t *testing.T) {
	b := encode(t, fixtureEvents(600, 250, 300), evtxwrite.Options{})
	one := read(t, b, evtx.Options{Workers: 1})
	for _, w := range []int{2, 3, 8} {
		many := read(t, b, evtx.Options{Workers: w})
		assert.Equal(t, one.events, many.events, "workers %d", w)
		assert.Equal(t, one.chunks, many.chunks, "workers %d", w)
	}
}

func TestCancellationYieldsContextErrorOnce(t *testing.T) {
	b := encode(t, fixtureEvents(600, 250, 300), evtxwrite.Options{})
	r, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)), "fixture.evtx")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, ctxErrs := 0, 0
	for ev, err := range r.Events(ctx, evtx.Options{Workers: 2}) {
		if err != nil {
			require.ErrorIs(t, err, context.Canceled)
			ctxErrs++
			continue
		}
		require.NotNil(t, ev)
		n++
		if n == 10 {
			cancel()
		}
	}
	assert.Equal(t, 1, ctxErrs)
	assert.Equal(t, 10, n, "no event after the cancellation")

	// Breaking out of the loop stops cleanly too.
	for range r.Events(context.Background(), evtx.Options{}) {
		break
	}
}

// TestNoCRCAndBadStringCache: a chunk with no CRCs at all (zeros) is
// reported on both checksums and still fully decoded; a chunk whose string
// and template caches (header bytes 0x80-0x200) are garbage, with CRCs made
// to match, decodes to the same events without any error: names are read
// where the records point, never through the caches.
func TestNoCRCAndBadStringCache(t *testing.T) {
	evs := fixtureEvents(120, 0, 60)
	clean := read(t, encode(t, evs, evtxwrite.Options{}), evtx.Options{})
	require.Empty(t, clean.errs)

	t.Run("no CRC", func(t *testing.T) {
		b := encode(t, evs, evtxwrite.Options{})
		c0 := chunkAt(b, 0)
		binary.LittleEndian.PutUint32(c0[0x34:], 0)
		binary.LittleEndian.PutUint32(c0[0x7c:], 0)
		res := read(t, b, evtx.Options{})
		assert.Len(t, errsOf(t, res.errs, evtx.ErrChunkHeaderChecksum), 1)
		assert.Len(t, errsOf(t, res.errs, evtx.ErrChunkDataChecksum), 1)
		require.Len(t, res.events, len(clean.events))
		for i, ev := range res.events {
			assert.Equal(t, ev.Source.Chunk == 0, ev.ChunkDamaged)
			ev.ChunkDamaged = false
			assert.Equal(t, clean.events[i], ev)
		}
	})
	t.Run("bad string cache", func(t *testing.T) {
		b := encode(t, evs, evtxwrite.Options{})
		c0 := chunkAt(b, 0)
		for i := 0x80; i < 0x200; i++ {
			c0[i] = byte(i * 7)
		}
		putChunkCRCs(c0)
		res := read(t, b, evtx.Options{})
		assert.Empty(t, res.errs)
		assert.Equal(t, clean.events, res.events)
	})
}
