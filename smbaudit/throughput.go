package smbaudit

import "time"

// Throughput turns the Progress reports of a Scan into rates and an
// estimated time to completion, for a progress display. Feed it every
// report with Update; the zero value is not usable, call NewThroughput.
type Throughput struct {
	start time.Time
}

// NewThroughput starts measuring at start (usually time.Now when Scan is
// called).
func NewThroughput(start time.Time) *Throughput { return &Throughput{start: start} }

// Rate is what Throughput estimates from one Progress report.
type Rate struct {
	Elapsed      time.Duration
	BytesPerSec  float64
	EventsPerSec float64
	// ETA is the time left at the average byte rate so far; ETAKnown is
	// false until some bytes have been read (or when none are left to read).
	ETA      time.Duration
	ETAKnown bool
	// Fraction is BytesDone / BytesTotal, in [0, 1]; 1 when there is
	// nothing to read.
	Fraction float64
}

// Update estimates the rates for the report p taken at now.
func (t *Throughput) Update(p Progress, now time.Time) Rate {
	r := Rate{Elapsed: max(now.Sub(t.start), 0), Fraction: 1}
	if p.BytesTotal > 0 {
		r.Fraction = min(max(float64(p.BytesDone)/float64(p.BytesTotal), 0), 1)
	}
	secs := r.Elapsed.Seconds()
	if secs <= 0 {
		return r
	}
	r.BytesPerSec = float64(p.BytesDone) / secs
	r.EventsPerSec = float64(p.Events) / secs
	left := p.BytesTotal - p.BytesDone
	if r.BytesPerSec > 0 && left > 0 {
		r.ETA = time.Duration(float64(left) / r.BytesPerSec * float64(time.Second)).Round(time.Second)
		r.ETAKnown = true
	}
	return r
}
