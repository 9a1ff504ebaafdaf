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
	meter   throughput
	last    time.Time
	drawn   bool
	current smbaudit.Progress
	cols    int // the terminal's width; 0: 80
}

const redrawEvery = 100 * time.Millisecond

func newProgressBar(w io.Writer, on bool, cols int) *progressBar {
	return &progressBar{w: w, on: on, meter: throughput{start: time.Now()}, cols: cols}
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
	fmt.Fprint(b.w, "\r\x1b[K"+progressLine(p, b.meter.update(p, now), b.cols))
}

// clear removes the line before the report or errors are written.
func (b *progressBar) clear() {
	if b.on && b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
	}
}

// maxLine is the longest bar on an 80-column terminal: a line that fills
// the last column would wrap on some terminals.
const maxLine = 79

// progressLine renders one state of the bar within cols-1 columns (cols 0
// or less: 80). The ETA is never cut: when the line is too long, the
// events, the rate, the bytes, the files and the bar are left out, in
// this order; past 80 columns the bar grows, up to 40 characters.
func progressLine(p smbaudit.Progress, r rate, cols int) string {
	if cols <= 0 {
		cols = maxLine + 1
	}
	room := cols - 1
	width := 10 + min(max(room-maxLine, 0), 30)
	fill := int(r.fraction * float64(width))
	bar := "[" + strings.Repeat("=", fill) + strings.Repeat(" ", width-fill) + "]"
	eta := "--"
	if r.etaKnown {
		eta = r.eta.String()
	}
	// parts in the order shown; drop lists the indexes to leave out first.
	parts := []string{bar, fmt.Sprintf("%3.0f%%", r.fraction*100), fmt.Sprintf("%d/%d files", p.FilesDone, p.FilesTotal),
		humanBytes(p.BytesDone) + "/" + humanBytes(p.BytesTotal), fmt.Sprintf("%d events", p.Events),
		humanBytes(int64(r.bytesPerSec)) + "/s", "ETA " + eta}
	drop := []int{4, 5, 3, 2, 0}
	for _, i := range drop {
		if line := joinParts(parts); len(line) <= room {
			return line
		}
		parts[i] = ""
	}
	line := joinParts(parts)
	if len(line) > room && room > 0 {
		line = line[len(line)-room:] // a tiny terminal: the ETA is what stays
	}
	return line
}

// joinParts joins the parts not left out with spaces.
func joinParts(parts []string) string {
	var kept []string
	for _, s := range parts {
		if s != "" {
			kept = append(kept, s)
		}
	}
	return strings.Join(kept, " ")
}
