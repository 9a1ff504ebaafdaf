package evtx_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/internal/benchgen"
)

// bothWays is everything one read yields, errors as text.
type bothWays struct {
	events []*evtx.Event
	errs   []string
	chunks []evtx.ChunkInfo
}

func readAll(t *testing.T, b []byte, opts evtx.Options) bothWays {
	t.Helper()
	r, err := evtx.NewReader(bytes.NewReader(b), int64(len(b)), "log.evtx")
	require.NoError(t, err)
	var out bothWays
	opts.OnChunk = func(c evtx.ChunkInfo) { out.chunks = append(out.chunks, c) }
	for ev, err := range r.Events(context.Background(), opts) {
		if err != nil {
			out.errs = append(out.errs, err.Error())
			continue
		}
		out.events = append(out.events, ev)
	}
	return out
}

// equivalenceLogs are the logs both paths must agree on: the project's
// fixtures, generated mixed and audit-only logs, the decoder's own sample
// logs in the module cache and the public corpus when present (read in
// place, never copied).
func equivalenceLogs(t *testing.T) map[string][]byte {
	t.Helper()
	logs := map[string][]byte{}
	var paths []string
	fixtures, _ := filepath.Glob(filepath.Join("..", "testdata", "smbaudit", "*.evtx"))
	require.NotEmpty(t, fixtures)
	paths = append(paths, fixtures...)
	if m, _ := filepath.Glob(filepath.Join(velocidexDir(t), "testdata", "*.evtx")); len(m) > 0 {
		paths = append(paths, m...)
	}
	if dir := corpusDir(); dir != "" {
		// The corpus keeps its logs in subdirectories, by source.
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
				paths = append(paths, p)
			}
			return nil
		})
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		logs[p] = b
	}
	for _, g := range []struct {
		name string
		cfg  benchgen.Config
	}{
		{"generated-mixed", benchgen.Config{Size: 2 << 20, SMBFraction: 0.02, Computers: 40}},
		{"generated-audit-only", benchgen.Config{Size: 1 << 20, SMBFraction: 1, Seed: 7}},
	} {
		p := filepath.Join(t.TempDir(), g.name+".evtx")
		_, err := benchgen.WriteFile(p, g.cfg)
		require.NoError(t, err)
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		logs[g.name] = b
	}
	return logs
}

// TestPrepassAloneEqualsDecoder decodes every log both ways, the records
// the pre-pass resolves built from its values alone (the default) and every
// such record also run through the decoder and mapped from its output, and
// requires identical events, errors and chunk figures, with and without
// filters.
func TestPrepassAloneEqualsDecoder(t *testing.T) {
	for name, b := range equivalenceLogs(t) {
		for _, opts := range []evtx.Options{
			{Workers: 1},
			{Workers: 2, Providers: []string{"microsoft-windows-smbserver"}, EventIDs: []uint16{3021, 3024, 3025, 3026, 3027}},
		} {
			t.Run(filepath.Base(name), func(t *testing.T) {
				fast := readAll(t, b, opts)
				restore := evtx.SetForceDecoder(true)
				slow := readAll(t, b, opts)
				restore()
				if len(opts.Providers) == 0 {
					require.NotEmpty(t, fast.events, "a log with no events proves nothing")
				}
				assert.Equal(t, slow.errs, fast.errs)
				assert.Equal(t, slow.chunks, fast.chunks)
				require.Equal(t, len(slow.events), len(fast.events))
				for i := range slow.events {
					if !assert.Equal(t, slow.events[i], fast.events[i], "event %d", i) {
						break
					}
				}
			})
		}
	}
}

// velocidexDir is the pinned decoder's module directory (its testdata holds
// a few public sample logs, read in place).
func velocidexDir(t *testing.T) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(os.Getenv("HOME"), "go", "pkg", "mod", "www.velocidex.com", "golang", "evtx@*"))
	if gomod := os.Getenv("GOMODCACHE"); gomod != "" {
		m2, _ := filepath.Glob(filepath.Join(gomod, "www.velocidex.com", "golang", "evtx@*"))
		m = append(m2, m...)
	}
	if len(m) == 0 {
		return ""
	}
	return m[0]
}

// corpusDir is $SMBREADINESS_CORPUS or ../shared/corpus, "" when absent.
func corpusDir() string {
	dir := os.Getenv(corpusEnv)
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(dir); err != nil {
		return ""
	}
	return dir
}

// TestProviderFilterEqualsFilteringAfterwards: reading with a provider
// filter (chunk pre-filter, record-level lazy inspection, filtering before
// events are built) yields exactly the events of an unfiltered read that
// are of those providers, on every log; and the record-level pre-filter is
// really used on a mixed log.
func TestProviderFilterEqualsFilteringAfterwards(t *testing.T) {
	logs := equivalenceLogs(t)
	providers := []string{"Microsoft-Windows-SMBServer", "microsoft-windows-security-auditing", "Service Control Manager", "Microsoft-Windows-CAPI2"}
	for name, b := range logs {
		all := readAll(t, b, evtx.Options{Workers: 1})
		for _, p := range providers {
			t.Run(filepath.Base(name)+"/"+p, func(t *testing.T) {
				var want []*evtx.Event
				for _, ev := range all.events {
					if strings.EqualFold(ev.Provider, p) {
						want = append(want, ev)
					}
				}
				got := readAll(t, b, evtx.Options{Workers: 2, Providers: []string{p}})
				require.Equal(t, len(want), len(got.events))
				for i := range want {
					if !assert.Equal(t, want[i], got.events[i], "event %d", i) {
						break
					}
				}
			})
		}
	}
	lazy, total := evtx.LazyChunks(logs["generated-mixed"], evtx.Options{Providers: []string{"Microsoft-Windows-SMBServer"}})
	assert.Greater(t, total, 0)
	assert.Equal(t, total, lazy, "every chunk of the generated mixed log holding SMB events is inspected lazily")
}
