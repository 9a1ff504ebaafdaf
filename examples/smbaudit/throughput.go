package main

import (
	"time"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// throughput turns the Progress reports of a scan into rates and an
// estimated time to completion, for the progress bar. Feed it every report
// with update.
type throughput struct {
	start time.Time
}

// rate is what throughput estimates from one Progress report.
type rate struct {
	elapsed      time.Duration
	bytesPerSec  float64
	eventsPerSec float64
	// eta is the time left at the average byte rate so far; etaKnown is
	// false until some bytes have been read (or when none are left to read).
	eta      time.Duration
	etaKnown bool
	// fraction is BytesDone / BytesTotal, in [0, 1]; 1 when there is
	// nothing to read.
	fraction float64
}

// update estimates the rates for the report p taken at now.
func (t throughput) update(p smbaudit.Progress, now time.Time) rate {
	r := rate{elapsed: max(now.Sub(t.start), 0), fraction: 1}
	if p.BytesTotal > 0 {
		r.fraction = min(max(float64(p.BytesDone)/float64(p.BytesTotal), 0), 1)
	}
	secs := r.elapsed.Seconds()
	if secs <= 0 {
		return r
	}
	r.bytesPerSec = float64(p.BytesDone) / secs
	r.eventsPerSec = float64(p.Events) / secs
	left := p.BytesTotal - p.BytesDone
	if r.bytesPerSec > 0 && left > 0 {
		r.eta = time.Duration(float64(left) / r.bytesPerSec * float64(time.Second)).Round(time.Second)
		r.etaKnown = true
	}
	return r
}
