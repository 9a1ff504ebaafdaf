package benchgen_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/internal/benchgen"
)

// TestWriteFileIsASoundLog: the generated logs read back without a single
// error or damaged chunk, hold as many events as Stats says, with the SMB
// share asked for, record IDs running on from chunk to chunk, and events
// from many computers, each computer's channel numbering its own records
// (System/EventRecordID) from 1 without gaps, as a WEF collector's
// ForwardedEvents log of subscriptions that forward every event does.
func TestWriteFileIsASoundLog(t *testing.T) {
	tests := []struct {
		name         string
		cfg          benchgen.Config
		minSMB, maxS float64 // bounds of the SMB share
	}{
		{"mixed 2%", benchgen.Config{Size: 3 << 20, SMBFraction: 0.02}, 0.01, 0.03},
		{"audit only", benchgen.Config{Size: 1 << 20, SMBFraction: 1, Seed: 9}, 1, 1},
		{"no SMB", benchgen.Config{Size: 1 << 20, Computers: 3}, 0, 0},
	}
	if testing.Short() {
		tests[0].cfg.Size = 1 << 20 // still several thousand events
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "log.evtx")
			st, err := benchgen.WriteFile(p, tt.cfg)
			require.NoError(t, err)
			fi, err := os.Stat(p)
			require.NoError(t, err)
			assert.Equal(t, fi.Size(), st.Bytes)
			assert.GreaterOrEqual(t, st.Bytes, tt.cfg.Size)

			f, err := evtx.Open(p)
			require.NoError(t, err)
			defer f.Close()
			assert.True(t, f.Header().ChecksumValid)
			assert.Equal(t, st.Chunks, int(f.Header().ChunkCount))
			var chunks []evtx.ChunkInfo
			var smb, n int
			computers := map[string]bool{}
			next := uint64(1)
			type source struct{ computer, channel string }
			sources := map[source]uint64{}
			for ev, err := range f.Events(context.Background(), evtx.Options{OnChunk: func(c evtx.ChunkInfo) { chunks = append(chunks, c) }}) {
				require.NoError(t, err)
				require.Equal(t, next, ev.RecordID, "record IDs run on")
				next++
				k := source{ev.Computer, ev.Channel}
				sources[k]++
				require.Equal(t, sources[k], ev.EventRecordID, "%s %s: EventRecordIDs run on", ev.Computer, ev.Channel)
				n++
				computers[ev.Computer] = true
				if ev.Provider == "Microsoft-Windows-SMBServer" {
					smb++
				}
			}
			assert.Equal(t, st.Events, n)
			assert.Equal(t, st.SMBEvents, smb)
			assert.Len(t, chunks, st.Chunks)
			for _, c := range chunks {
				assert.False(t, c.Damaged(), "chunk %d", c.Index)
			}
			share := float64(smb) / float64(n)
			assert.GreaterOrEqual(t, share, tt.minSMB)
			assert.LessOrEqual(t, share, tt.maxS)
			assert.Greater(t, len(computers), 2)
			assert.Less(t, len(sources), n, "sources hold several records each")
		})
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	cfg := benchgen.Config{Size: 1 << 20, SMBFraction: 0.1, Seed: 5}
	a, b := filepath.Join(dir, "a.evtx"), filepath.Join(dir, "b.evtx")
	_, err := benchgen.WriteFile(a, cfg)
	require.NoError(t, err)
	_, err = benchgen.WriteFile(b, cfg)
	require.NoError(t, err)
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	assert.True(t, bytes.Equal(ba, bb), "same config, same bytes")
	cfg.Seed = 6
	_, err = benchgen.WriteFile(b, cfg)
	require.NoError(t, err)
	bb, _ = os.ReadFile(b)
	assert.False(t, bytes.Equal(ba, bb), "another seed, another log")
}

func TestBadConfig(t *testing.T) {
	for _, cfg := range []benchgen.Config{{}, {Size: 1 << 20, SMBFraction: -0.1}, {Size: 1 << 20, SMBFraction: 1.5}} {
		p := filepath.Join(t.TempDir(), "x.evtx")
		_, err := benchgen.WriteFile(p, cfg)
		assert.True(t, errors.Is(err, benchgen.ErrConfig), "%+v: %v", cfg, err)
		_, statErr := os.Stat(p)
		assert.True(t, os.IsNotExist(statErr), "no file left behind")
	}
}

func ExampleWriteFile() {
	dir, _ := os.MkdirTemp("", "benchgen")
	defer os.RemoveAll(dir)
	st, err := benchgen.WriteFile(filepath.Join(dir, "mixed.evtx"), benchgen.Config{Size: 1 << 20, SMBFraction: 0.01})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Bytes >= 1<<20, st.Events > 0, st.SMBEvents > 0 && st.SMBEvents < st.Events)
	// Output: true true true
}
