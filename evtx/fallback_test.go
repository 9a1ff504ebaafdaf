package evtx_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

// TestDecoderFallbackOnCorpus counts, over the whole public corpus, how the
// events are built: from the native pre-pass alone, or through the Velocidex
// fallback. docs/performance.md quotes the figures this test logs
// (go test ./evtx -run TestDecoderFallbackOnCorpus -v).
func TestDecoderFallbackOnCorpus(t *testing.T) {
	var total evtx.BuildCounts
	files := 0
	for _, path := range corpusFiles(t) {
		c, err := countBuilds(path)
		if errors.Is(err, evtx.ErrNotEVTX) || errors.Is(err, evtx.ErrShortFile) || errors.Is(err, evtx.ErrUnsupportedVersion) {
			continue
		}
		require.NoError(t, err, path)
		files++
		if c.Decoder > 0 || c.FallbackChunks > 0 {
			t.Logf("%s: %d of %d events through the decoder, %d changed by it; fallback ran in %d chunks, handed %d refused records, built %d",
				filepath.Base(path), c.Decoder, c.PlanAlone+c.PlanKept+c.Decoder+c.Fallback, c.DecoderChanged, c.FallbackChunks, c.FallbackHanded, c.Fallback)
		}
		total.PlanAlone += c.PlanAlone
		total.PlanKept += c.PlanKept
		total.Decoder += c.Decoder
		total.DecoderChanged += c.DecoderChanged
		total.Fallback += c.Fallback
		total.FallbackChunks += c.FallbackChunks
		total.FallbackHanded += c.FallbackHanded
		total.Errors += c.Errors
		total.Events += c.Events
		require.Equal(t, c.Events, c.PlanAlone+c.PlanKept+c.Decoder+c.Fallback, "%s: every event is built one of the four ways", path)
	}
	events := total.PlanAlone + total.PlanKept + total.Decoder + total.Fallback
	t.Logf("%d files, %d events: %d from the pre-pass alone (resolved), %d from the pre-pass alone (kept from the decoder), %d through Velocidex with the pre-pass's values over it (%d changed by it), %d refused by the pre-pass and built by Velocidex alone (the fallback); %d errors",
		files, events, total.PlanAlone, total.PlanKept, total.Decoder, total.DecoderChanged, total.Fallback, total.Errors)
	t.Logf("the fallback ran in %d chunks and handed %d refused records to Velocidex, which decoded %d",
		total.FallbackChunks, total.FallbackHanded, total.Fallback)
	assert.Positive(t, events)
	assert.Equal(t, total.Events, events)
}

// plainCounts caches evtx.CountBuilds of a corpus file, which both tests
// below need: the corpus is decoded once for both.
var plainCounts sync.Map // path -> countsOrErr

type countsOrErr struct {
	c   evtx.BuildCounts
	err error
}

func countBuilds(path string) (evtx.BuildCounts, error) {
	if v, ok := plainCounts.Load(path); ok {
		ce := v.(countsOrErr)
		return ce.c, ce.err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return evtx.BuildCounts{}, err
	}
	c, err := evtx.CountBuilds(b)
	plainCounts.Store(path, countsOrErr{c, err})
	return c, err
}

// TestRecoverOnCorpus counts, over the whole public corpus, what
// Options.Recover adds: the records recovered from chunk slack, how many of
// them the fallback built, and the slack records that could not be
// decoded. docs/performance.md quotes the figures it logs.
func TestRecoverOnCorpus(t *testing.T) {
	var total, plain evtx.BuildCounts
	files := 0
	for _, path := range corpusFiles(t) {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		c, err := evtx.CountBuildsWith(b, evtx.Options{Recover: true})
		if errors.Is(err, evtx.ErrNotEVTX) || errors.Is(err, evtx.ErrShortFile) || errors.Is(err, evtx.ErrUnsupportedVersion) {
			continue
		}
		require.NoError(t, err, path)
		p, err := countBuilds(path)
		require.NoError(t, err, path)
		files++
		// Recovery only adds: the live events and errors are the same.
		require.Equal(t, p.Events, c.Events-c.Recovered, path)
		require.Equal(t, p.Errors, c.Errors-c.RecoveredErrors, path)
		total.Recovered += c.Recovered
		total.RecoveredFallback += c.RecoveredFallback
		total.RecoveredErrors += c.RecoveredErrors
		total.RecoveredLost += c.RecoveredLost
		total.Fallback += c.Fallback
		plain.Fallback += p.Fallback
	}
	t.Logf("%d files: %d records recovered from chunk slack (%d of them built by the Velocidex fallback); %d slack records not decodable, reported by %d errors wrapping ErrRecovered (one per chunk)",
		files, total.Recovered, total.RecoveredFallback, total.RecoveredLost, total.RecoveredErrors)
	assert.Positive(t, total.Recovered)
	assert.Equal(t, plain.Fallback+total.RecoveredFallback, total.Fallback)
}

// TestDecoderFallbackRefusedRecords: a record whose BinXML the native
// pre-pass refuses goes to the Velocidex decoder alone; the event comes back
// marked with the refusal when Velocidex decodes it, and the error stays
// when it does not or when the record's framing is bad.
func TestDecoderFallbackRefusedRecords(t *testing.T) {
	const target = 9 // index of the record damaged, in chunk 0: an SMB 3021 event
	cases := []struct {
		name string
		// damage changes the record at off in chunk c.
		damage func(c []byte, off int)
		// wantFallback: the event is built by Velocidex; else wantErr.
		wantFallback string
		wantErr      error
	}{
		{
			// The pre-pass accepts fragment header version 1.1 only;
			// Velocidex skips the header without reading it.
			name:         "fragment header version 1.2: Velocidex decodes it",
			damage:       func(c []byte, off int) { c[off+24+2] = 2 },
			wantFallback: "fragment header version 1.2, want 1.1",
		},
		{
			// The same record, but the chunk holds, after it, bytes the
			// decoder could read as a template definition followed by a
			// count of 2^32-1 arguments, which it would loop over (a
			// fuzzed chunk took it 7-11 s): it is not handed over.
			name: "fragment header version 1.2, an unbounded count after it: not handed over",
			damage: func(c []byte, off int) {
				c[off+24+2] = 2
				at := len(c) - 64 // the chunk's unused space
				pattern := make([]byte, 38)
				pattern[0], pattern[1] = 0x0c, 0x01                     // token, version
				binary.LittleEndian.PutUint32(pattern[2:], 0x1234)      // template ID
				binary.LittleEndian.PutUint32(pattern[30:], 0)          // body size
				binary.LittleEndian.PutUint32(pattern[34:], 0xffffffff) // the second count
				copy(c[at:], pattern)
			},
			wantErr: evtx.ErrBadRecord,
		},
		{
			// Velocidex gives up on a template instance whose version byte
			// is not 1, and yields an empty event: the error stays.
			name:    "template instance version 2: Velocidex fails too",
			damage:  func(c []byte, off int) { c[off+24+4+1] = 2 },
			wantErr: evtx.ErrBadRecord,
		},
		{
			// Malformed BinXML (an unknown token where the template
			// instance belongs) is never handed over: the refusal stands.
			name:    "malformed BinXML: not handed over",
			damage:  func(c []byte, off int) { c[off+24+4] = 0xff },
			wantErr: evtx.ErrBadRecord,
		},
		{
			// A framing fault is never handed over.
			name: "size copy disagrees: not handed over",
			damage: func(c []byte, off int) {
				size := int(binary.LittleEndian.Uint32(c[off+4:]))
				binary.LittleEndian.PutUint32(c[off+size-4:], uint32(size+8))
			},
			wantErr: evtx.ErrBadRecord,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := encode(t, fixtureEvents(120, 0, 60), evtxwrite.Options{})
			full := read(t, b, evtx.Options{})
			c := chunkAt(b, 0)
			off := recordOffsets(c)[target]
			was := full.events[target]
			require.Equal(t, int64(4096+off), was.Source.Offset)
			tc.damage(c, off)
			putChunkCRCs(c)

			res := read(t, b, evtx.Options{})
			var got *evtx.Event
			for _, ev := range res.events {
				if ev.Source.Offset == was.Source.Offset {
					got = ev
				} else {
					assert.Empty(t, ev.Fallback, "record %d", ev.RecordID)
				}
			}
			if tc.wantFallback == "" {
				assert.Nil(t, got)
				assert.Len(t, res.events, len(full.events)-1)
				require.NotEmpty(t, res.errs, "the record is reported")
				assert.ErrorIs(t, res.errs[0], tc.wantErr)
				return
			}
			assert.Empty(t, res.errs)
			require.NotNil(t, got, "the refused record is returned")
			assert.Len(t, res.events, len(full.events))
			assert.Contains(t, got.Fallback, tc.wantFallback)
			assert.Equal(t, was.RecordID, got.RecordID)
			assert.Equal(t, was.EventID, got.EventID)
			assert.Equal(t, was.Provider, got.Provider)
			assert.Equal(t, was.Computer, got.Computer)
			assert.Equal(t, was.Channel, got.Channel)
			assert.WithinDuration(t, was.TimeCreated, got.TimeCreated, time.Microsecond)
			for _, name := range []string{"ClientName", "ClientNameLength"} {
				want, ok := was.Get(name)
				require.True(t, ok)
				v, ok := got.Get(name)
				assert.True(t, ok, name)
				assert.Equal(t, want, v, name)
			}
			j, err := json.Marshal(got)
			require.NoError(t, err)
			assert.Contains(t, string(j), `"fallback":"`)

			counts, err := evtx.CountBuilds(b)
			require.NoError(t, err)
			assert.Equal(t, 1, counts.Fallback)
		})
	}
}
