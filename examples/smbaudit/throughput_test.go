package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

func TestThroughput(t *testing.T) {
	t0 := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	m := throughput{start: t0}
	for _, tc := range []struct {
		name string
		p    smbaudit.Progress
		at   time.Duration
		want rate
	}{
		{"at start", smbaudit.Progress{BytesTotal: 100}, 0, rate{}},
		{"clock before start", smbaudit.Progress{BytesTotal: 100, BytesDone: 10}, -time.Second, rate{fraction: 0.1}},
		{"nothing read yet", smbaudit.Progress{BytesTotal: 100}, time.Second, rate{elapsed: time.Second}},
		{"a quarter in 2s", smbaudit.Progress{BytesTotal: 4000, BytesDone: 1000, Events: 50}, 2 * time.Second,
			rate{elapsed: 2 * time.Second, bytesPerSec: 500, eventsPerSec: 25, eta: 6 * time.Second, etaKnown: true, fraction: 0.25}},
		{"done", smbaudit.Progress{BytesTotal: 4000, BytesDone: 4000, Events: 80}, 4 * time.Second,
			rate{elapsed: 4 * time.Second, bytesPerSec: 1000, eventsPerSec: 20, fraction: 1}},
		{"no bytes at all", smbaudit.Progress{}, time.Second, rate{elapsed: time.Second, fraction: 1}},
		{"overshoot clamps", smbaudit.Progress{BytesTotal: 10, BytesDone: 20}, time.Second,
			rate{elapsed: time.Second, bytesPerSec: 20, fraction: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want.fraction == 0 && tc.p.BytesTotal == 0 {
				tc.want.fraction = 1
			}
			assert.Equal(t, tc.want, m.update(tc.p, t0.Add(tc.at)))
		})
	}
}
