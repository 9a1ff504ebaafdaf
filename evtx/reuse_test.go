package evtx_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readCopies reads img with o and returns a copy of each event taken in the
// loop body (Data included), and each error's text, in order; distinct is
// the number of distinct *Event the loop was given.
func readCopies(t *testing.T, img []byte, o evtx.Options) (events []evtx.Event, errs []string, distinct int) {
	t.Helper()
	r, err := evtx.NewReader(bytes.NewReader(img), int64(len(img)), "log.evtx")
	require.NoError(t, err)
	seen := map[*evtx.Event]bool{}
	for ev, err := range r.Events(context.Background(), o) {
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		seen[ev] = true
		c := *ev
		c.Data = slices.Clone(ev.Data)
		events = append(events, c)
	}
	return events, errs, len(seen)
}

// TestReuseEventsMatchesEvents checks that Events with ReuseEvents gives,
// event by event, what Events gives without it, errors included, whatever
// the workers, on sound and damaged logs.
func TestReuseEventsMatchesEvents(t *testing.T) {
	for _, c := range readCases(t) {
		for _, workers := range []int{1, 2, 3} {
			for _, recover := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/workers %d/recover %v", c.name, workers, recover), func(t *testing.T) {
					o := c.opts
					o.Workers, o.Recover = workers, recover
					want, wantErrs, _ := readCopies(t, c.img, o)
					require.NotEmpty(t, want)
					if c.errors {
						require.NotEmpty(t, wantErrs)
					}
					o.ReuseEvents = true
					got, gotErrs, _ := readCopies(t, c.img, o)
					require.Equal(t, len(want), len(got), "events")
					for i := range want {
						require.Equal(t, want[i], got[i], "event %d", i)
					}
					assert.Equal(t, wantErrs, gotErrs)
				})
			}
		}
	}
}

// TestReuseEventsReuses checks that ReuseEvents does reuse: the events of
// a log of many chunks come in a few Events, where without it each has
// its own. Only the chunks in flight hold Events: a few per worker.
func TestReuseEventsReuses(t *testing.T) {
	const total = 12000
	img := mustEncode(t, fuzzEvents(total), evtxwrite.Options{})
	chunks := (len(img) - 0x1000) / 0x10000
	require.Greater(t, chunks, 30, "many chunks")
	for _, workers := range []int{1, 2, 0} {
		o := evtx.Options{Workers: workers}
		if workers == 0 {
			workers = runtime.GOMAXPROCS(0)
		}
		events, _, distinct := readCopies(t, img, o)
		require.Len(t, events, total)
		assert.Equal(t, total, distinct, "workers %d: one Event per event without ReuseEvents", workers)
		o.ReuseEvents = true
		events, _, distinct = readCopies(t, img, o)
		require.Len(t, events, total)
		perChunk := total / chunks
		assert.Less(t, distinct, 4*workers*perChunk, "workers %d: Events reused (%d chunks)", workers, chunks)
	}
}

// TestReuseEventsStops checks that a loop leaving early, or a cancelled
// read, stops a read with ReuseEvents as it stops one without.
func TestReuseEventsStops(t *testing.T) {
	img := mustEncode(t, fuzzEvents(3000), evtxwrite.Options{})
	r, err := evtx.NewReader(bytes.NewReader(img), int64(len(img)), "log.evtx")
	require.NoError(t, err)
	for _, workers := range []int{1, 2} {
		n := 0
		for ev, err := range r.Events(context.Background(), evtx.Options{Workers: workers, ReuseEvents: true}) {
			require.NoError(t, err)
			require.NotNil(t, ev)
			if n++; n == 100 {
				break
			}
		}
		assert.Equal(t, 100, n, "workers %d: the loop left after 100 events", workers)

		ctx, cancel := context.WithCancel(context.Background())
		n = 0
		var last error
		for _, err := range r.Events(ctx, evtx.Options{Workers: workers, ReuseEvents: true}) {
			if err != nil {
				last = err
				continue
			}
			if n++; n == 100 {
				cancel()
			}
		}
		cancel()
		assert.ErrorIs(t, last, context.Canceled, "workers %d", workers)
		assert.Less(t, n, 3000, "workers %d: no chunk after the cancellation", workers)
	}
}

// TestReuseEventsStableInBody checks that with ReuseEvents no worker
// writes into an Event while the loop body that received it runs: the
// body copies the Event, lets the workers run on, and finds it unchanged
// when it returns, the last events of each chunk included.
func TestReuseEventsStableInBody(t *testing.T) {
	img := mustEncode(t, fuzzEvents(4000), evtxwrite.Options{})
	r, err := evtx.NewReader(bytes.NewReader(img), int64(len(img)), "log.evtx")
	require.NoError(t, err)
	for _, workers := range []int{2, 3} {
		n, changed := 0, 0
		for ev, err := range r.Events(context.Background(), evtx.Options{Workers: workers, ReuseEvents: true}) {
			require.NoError(t, err)
			c := *ev
			c.Data = slices.Clone(ev.Data)
			for range 20 {
				runtime.Gosched() // the workers decode the next chunks
			}
			if !assert.Equal(t, c, *ev, "workers %d, event %d changed in the loop body", workers, n) {
				changed++
			}
			if changed > 3 {
				break
			}
			n++
		}
		assert.Equal(t, 4000, n, "workers %d", workers)
	}
}

// TestReuseEventsTemplateLess reads sample logs of template-less records,
// which compiled shapes decode into the chunk's arena, with ReuseEvents
// and one to three workers: the events must be those of a read without
// it, in order.
func TestReuseEventsTemplateLess(t *testing.T) {
	dir := corpusDir()
	if dir == "" {
		t.Skipf("no sample corpus: set %s", corpusEnv)
	}
	wanted := []string{"ID1151-Defender health status.evtx", "ID4622-New SSP loaded in LSA (only legitim).evtx", "ID5140-5145-Bloodhound-SharpHound enumeration via SMB.evtx"}
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && slices.Contains(wanted, d.Name()) {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skipf("none of %q under %s", wanted, dir)
	}
	for _, f := range files {
		img, err := os.ReadFile(f)
		require.NoError(t, err)
		want, wantErrs, _ := readCopies(t, img, evtx.Options{Workers: 1})
		require.NotEmpty(t, want, f)
		t.Logf("%s: %d events, %d errors", filepath.Base(f), len(want), len(wantErrs))
		for _, workers := range []int{1, 2, 3} {
			got, gotErrs, _ := readCopies(t, img, evtx.Options{Workers: workers, ReuseEvents: true})
			require.Equal(t, len(want), len(got), "%s, workers %d", f, workers)
			for i := range want {
				require.Equal(t, want[i], got[i], "%s, workers %d, event %d", f, workers, i)
			}
			assert.Equal(t, wantErrs, gotErrs, "%s, workers %d", f, workers)
		}
	}
}
