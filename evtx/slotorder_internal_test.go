package evtx

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInSlotOrder checks the chunk pipeline Events and WriteJSONLines share:
// results come to put in slot order on the calling goroutine, each slot
// once, whatever the workers; put returning false or a cancelled context
// stops it, with no put after; no worker runs once it has returned; and
// with one worker, work and put take turns (on the calling goroutine).
func TestInSlotOrder(t *testing.T) {
	cases := []struct {
		name     string
		n        int
		stopAt   int // put returns false on this slot; -1: never
		cancelAt int // put cancels the context on this slot; -1: never
		wantPuts int
		wantErr  error
	}{
		{name: "no slots", n: 0, stopAt: -1, cancelAt: -1, wantPuts: 0},
		{name: "all", n: 40, stopAt: -1, cancelAt: -1, wantPuts: 40},
		{name: "put stops", n: 40, stopAt: 7, cancelAt: -1, wantPuts: 8},
		{name: "put stops on the last", n: 40, stopAt: 39, cancelAt: -1, wantPuts: 40},
		{name: "cancelled", n: 40, stopAt: -1, cancelAt: 5, wantPuts: 6, wantErr: context.Canceled},
	}
	for _, c := range cases {
		for _, workers := range []int{-1, 0, 1, 2, 3, 64} {
			{
				t.Run(fmt.Sprintf("%s/workers %d", c.name, workers), func(t *testing.T) {
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					var running, made, worked atomic.Int32
					newWorker := func() func(int) int {
						made.Add(1)
						return func(i int) int {
							running.Add(1)
							defer running.Add(-1)
							worked.Add(1)
							return i * i
						}
					}
					var got []int
					ahead := 0 // the most slots worked before their put
					put := func(v int) bool {
						i := len(got)
						ahead = max(ahead, int(worked.Load())-i)
						got = append(got, v)
						if i == c.cancelAt {
							cancel()
						}
						return i != c.stopAt
					}
					err := inSlotOrder(ctx, c.n, workers, newWorker, put)
					if c.wantErr != nil {
						require.ErrorIs(t, err, c.wantErr)
					} else {
						require.NoError(t, err)
					}
					require.Len(t, got, c.wantPuts)
					for i, v := range got {
						assert.Equal(t, i*i, v, "slot %d in its place", i)
					}
					assert.Zero(t, running.Load(), "a worker still runs after the return")
					assert.Positive(t, made.Load())
					if c.n > 0 && workers > 0 {
						assert.LessOrEqual(t, int(made.Load()), min(workers, c.n), "no more workers than asked or than slots")
					}
					if workers == 1 && c.n > 0 {
						assert.Equal(t, 1, ahead, "one worker: slot i+1 is worked only after slot i's put")
					}
				})
			}
		}
	}
}
