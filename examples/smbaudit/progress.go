package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// progressBar draws one self-overwriting line on stderr. It is enabled only
// when stderr is a terminal, so it never reaches pipes, files or CI logs.
type progressBar struct {
	w       io.Writer
	on      bool
	meter   *smbaudit.Throughput
	last    time.Time
	drawn   bool
	current smbaudit.Progress
}

const redrawEvery = 100 * time.Millisecond

func newProgressBar(w io.Writer, on bool) *progressBar {
	return &progressBar{w: w, on: on, meter: smbaudit.NewThroughput(time.Now())}
}

// update is the smbaudit.ScanOptions.Progress callback (calls never overlap).
func (b *progressBar) update(p smbaudit.Progress) {
	if !b.on {
		return
	}
	b.current = p
	now := time.Now()
	if b.drawn && now.Sub(b.last) < redrawEvery && p.FilesDone < p.FilesTotal {
		return
	}
	b.last, b.drawn = now, true
	fmt.Fprint(b.w, "\r\x1b[K"+progressLine(p, b.meter.Update(p, now)))
}

// clear removes the line before the report or errors are written.
func (b *progressBar) clear() {
	if b.on && b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
	}
}

// maxLine keeps the bar on one line of an 80-column terminal.
const maxLine = 79

// progressLine renders one state of the bar, within maxLine columns.
func progressLine(p smbaudit.Progress, r smbaudit.Rate) string {
	const width = 10
	fill := int(r.Fraction * width)
	bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
	eta := "--"
	if r.ETAKnown {
		eta = r.ETA.String()
	}
	line := fmt.Sprintf("[%s] %3.0f%% %d/%d files %s/%s %d events %s/s ETA %s",
		bar, r.Fraction*100, p.FilesDone, p.FilesTotal, humanBytes(p.BytesDone), humanBytes(p.BytesTotal),
		p.Events, humanBytes(int64(r.BytesPerSec)), eta)
	if len(line) > maxLine {
		line = line[:maxLine] // ASCII only: cutting bytes is cutting characters
	}
	return line
}
