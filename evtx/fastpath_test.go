package evtx_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/Velocidex/ordereddict"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/internal/benchgen"
	vevtx "www.velocidex.com/golang/evtx"
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

// equivalenceLogs are the logs the read paths must agree on: the project's
// fixtures, generated mixed and audit-only logs, the decoder's own sample
// logs in the module cache and the public corpus when present (read in
// place, never copied; with -short, as shortSample samples it). They are read
// and generated once for the whole test binary; callers must not modify
// them.
func equivalenceLogs(t *testing.T) map[string][]byte {
	t.Helper()
	eqOnce.Do(func() { eqLogs, eqErr = loadEquivalenceLogs() })
	require.NoError(t, eqErr)
	return eqLogs
}

var (
	eqOnce sync.Once
	eqLogs map[string][]byte
	eqErr  error
)

func loadEquivalenceLogs() (map[string][]byte, error) {
	logs := map[string][]byte{}
	var paths []string
	fixtures, _ := filepath.Glob(filepath.Join("..", "testdata", "smbaudit", "*.evtx"))
	if len(fixtures) == 0 {
		return nil, errors.New("no fixture under ../testdata/smbaudit")
	}
	paths = append(paths, fixtures...)
	if dir := velocidexDirOf(); dir != "" {
		m, _ := filepath.Glob(filepath.Join(dir, "testdata", "*.evtx"))
		paths = append(paths, m...)
	}
	if dir := corpusDir(); dir != "" {
		// The corpus keeps its logs in subdirectories, by source.
		n := 0
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
				if _, pinned := pinnedCounts[filepath.Base(p)]; !testing.Short() || pinned || n%4 == 0 {
					paths = append(paths, p)
				}
				n++
			}
			return nil
		})
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		logs[p] = b
	}
	tmp, err := os.MkdirTemp("", "equivalence")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	for _, g := range []struct {
		name string
		cfg  benchgen.Config
	}{
		{"generated-mixed", benchgen.Config{Size: 2 << 20, SMBFraction: 0.02, Computers: 40}},
		{"generated-audit-only", benchgen.Config{Size: 1 << 20, SMBFraction: 1, Seed: 7}},
	} {
		p := filepath.Join(tmp, g.name+".evtx")
		if _, err := benchgen.WriteFile(p, g.cfg); err != nil {
			return nil, err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		logs[g.name] = b
	}
	return logs, nil
}

// unfilteredReads caches readAll(b, Options{Workers: 1}) per log of
// equivalenceLogs, which several tests compare with.
var unfilteredReads sync.Map // name -> bothWays

func unfilteredRead(t *testing.T, name string, b []byte) bothWays {
	t.Helper()
	if v, ok := unfilteredReads.Load(name); ok {
		return v.(bothWays)
	}
	out := readAll(t, b, evtx.Options{Workers: 1})
	unfilteredReads.Store(name, out)
	return out
}

// TestPrepassAgreesWithVelocidex compares the reader's events (most of them
// built from the pre-pass's values alone, the others with the pre-pass's
// exact values overriding the decoder's) with the pinned Velocidex decoder
// used bare, chunk by chunk, which shares no code with the pre-pass. It
// compares the values Velocidex renders exactly: event ID, record IDs,
// provider, channel, computer, the creation time to its float precision
// (about 1 µs), and the named string and integer values of EventData.
// Records Velocidex panics on, recovered ones, and those the reader built
// with its Velocidex fallback are not compared.
func TestPrepassAgreesWithVelocidex(t *testing.T) {
	total := 0
	for name, b := range equivalenceLogs(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			read := unfilteredRead(t, name, b)
			require.NotEmpty(t, read.events, "a log with no events proves nothing")
			bare := bareVelocidex(b)
			compared := 0
			seen := map[[2]uint64]int{} // records of that ID met so far
			for _, ev := range read.events {
				chunkOff := ev.Source.Offset - (ev.Source.Offset-4096)%65536
				k := [2]uint64{uint64(chunkOff), ev.RecordID}
				nth := seen[k]
				seen[k]++
				if nth >= len(bare[k]) || bare[k][nth] == nil || ev.Fallback != "" || ev.Recovered {
					continue
				}
				d := bare[k][nth]
				diffs, n := compareWithVelocidex(ev, d)
				compared += n
				if !assert.Empty(t, diffs, "record %d at %d", ev.RecordID, ev.Source.Offset) {
					return
				}
			}
			total += compared
		})
	}
	assert.Positive(t, total, "no value was compared with Velocidex")
	t.Logf("%d values compared with Velocidex", total)
}

// bareVelocidex decodes b with the pinned decoder alone and returns its
// event dictionaries by chunk file offset and record ID, in the order of
// the chunk (a WEF log may hold one ID several times, and Velocidex also
// reads the slack, after the live records); a chunk it panics on is left
// out.
func bareVelocidex(b []byte) map[[2]uint64][]*ordereddict.Dict {
	out := map[[2]uint64][]*ordereddict.Dict{}
	chunks, _ := vevtx.GetChunks(bytes.NewReader(b))
	for _, ch := range chunks {
		func() {
			defer func() { _ = recover() }()
			recs, _ := ch.Parse(0)
			for _, r := range recs {
				k := [2]uint64{uint64(ch.Offset), r.Header.RecordID}
				d, _ := r.Event.(*ordereddict.Dict)
				out[k] = append(out[k], d)
			}
		}()
	}
	return out
}

// dictPath follows keys through nested dictionaries.
func dictPath(d *ordereddict.Dict, keys ...string) (any, bool) {
	var v any = d
	for _, k := range keys {
		dd, ok := v.(*ordereddict.Dict)
		if !ok {
			return nil, false
		}
		if v, ok = dd.Get(k); !ok {
			return nil, false
		}
	}
	return v, true
}

// compareWithVelocidex lists the differences between ev and Velocidex's
// dictionary d of the same record, on the values Velocidex renders exactly,
// and counts the values compared.
func compareWithVelocidex(ev *evtx.Event, d *ordereddict.Dict) (diffs []string, n int) {
	check := func(what string, got any, want string) {
		n++
		if g := fmt.Sprint(got); g != want {
			diffs = append(diffs, fmt.Sprintf("%s: Velocidex %q, reader %q", what, g, want))
		}
	}
	if id, ok := dictPath(d, "Event", "System", "EventID"); ok {
		if dd, ok := id.(*ordereddict.Dict); ok {
			id, _ = dd.Get("Value")
		}
		check("EventID", id, strconv.Itoa(int(ev.EventID)))
	}
	if v, ok := dictPath(d, "Event", "System", "EventRecordID"); ok {
		check("EventRecordID", v, strconv.FormatUint(ev.EventRecordID, 10))
	}
	for _, f := range []struct {
		path []string
		want string
	}{
		{[]string{"Provider", "Name"}, ev.Provider},
		{[]string{"Channel"}, ev.Channel},
		{[]string{"Computer"}, ev.Computer},
	} {
		if v, ok := dictPath(d, append([]string{"Event", "System"}, f.path...)...); ok {
			check(strings.Join(f.path, "/"), v, f.want)
		}
	}
	if v, ok := dictPath(d, "Event", "System", "TimeCreated", "SystemTime"); ok {
		if secs, ok := v.(float64); ok {
			n++
			exact := float64(ev.TimeCreated.UnixNano()) / 1e9
			if math.Abs(secs-exact) > 1e-6 {
				diffs = append(diffs, fmt.Sprintf("TimeCreated: Velocidex %f, reader %s", secs, ev.TimeCreated))
			}
		}
	}
	for _, f := range ev.Data {
		switch f.Type {
		case evtx.TypeString, evtx.TypeUint8, evtx.TypeUint16, evtx.TypeUint32, evtx.TypeInt32, evtx.TypeUint64, evtx.TypeInt64:
		default:
			continue
		}
		if v, ok := dictPath(d, "Event", "EventData", f.Name); ok && f.Name != "" {
			check("Data "+f.Name, v, f.Value)
		}
	}
	return diffs, n
}

// velocidexDir is the pinned decoder's module directory (its testdata holds
// a few public sample logs, read in place).
func velocidexDir(t *testing.T) string {
	t.Helper()
	return velocidexDirOf()
}

func velocidexDirOf() string {
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
		all := unfilteredRead(t, name, b)
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
