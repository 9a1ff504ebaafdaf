package smbaudit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestThroughput(t *testing.T) {
	t0 := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	m := NewThroughput(t0)
	for _, tc := range []struct {
		name string
		p    Progress
		at   time.Duration
		want Rate
	}{
		{"at start", Progress{BytesTotal: 100}, 0, Rate{}},
		{"clock before start", Progress{BytesTotal: 100, BytesDone: 10}, -time.Second, Rate{Fraction: 0.1}},
		{"nothing read yet", Progress{BytesTotal: 100}, time.Second, Rate{Elapsed: time.Second}},
		{"a quarter in 2s", Progress{BytesTotal: 4000, BytesDone: 1000, Events: 50}, 2 * time.Second,
			Rate{Elapsed: 2 * time.Second, BytesPerSec: 500, EventsPerSec: 25, ETA: 6 * time.Second, ETAKnown: true, Fraction: 0.25}},
		{"done", Progress{BytesTotal: 4000, BytesDone: 4000, Events: 80}, 4 * time.Second,
			Rate{Elapsed: 4 * time.Second, BytesPerSec: 1000, EventsPerSec: 20, Fraction: 1}},
		{"no bytes at all", Progress{}, time.Second, Rate{Elapsed: time.Second, Fraction: 1}},
		{"overshoot clamps", Progress{BytesTotal: 10, BytesDone: 20}, time.Second,
			Rate{Elapsed: time.Second, BytesPerSec: 20, Fraction: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want.Fraction == 0 && tc.p.BytesTotal == 0 {
				tc.want.Fraction = 1
			}
			assert.Equal(t, tc.want, m.Update(tc.p, t0.Add(tc.at)))
		})
	}
}
