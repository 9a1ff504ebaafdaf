package report

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// ErrNothingRead is returned by Generate when no input could be read: no
// file was found, or every file found was skipped.
var ErrNothingRead = errors.New("report: nothing readable")

// GenerateOptions tune Generate. The zero value scans as the zero
// smbaudit.ScanOptions do, keeps every finding and stamps the report with
// the time Generate was called.
type GenerateOptions struct {
	// Scan tunes the scan: glob, workers, all events, progress reports.
	// Generate sets its OnFinding to feed the report; an OnFinding set
	// here is called as well, with each finding that Filter keeps.
	Scan smbaudit.ScanOptions
	// Filter keeps findings by time, server and client, and clips the
	// servers' coverage to match (smbaudit.Filter.Apply). The zero Filter
	// keeps everything.
	Filter smbaudit.Filter
	// Report sets the generation time, the bound on listed findings
	// (Options.MaxFindings: 0 lists them all) and what the report says of
	// how it was made (Options.Meta). A zero Report.Filter is set to
	// Filter, so that the report states the filter applied.
	Report Options
	// Timeline, when set, gets each finding that Filter keeps, as it
	// comes, in the scan's order (files by path, then reading order), so
	// that it holds every finding however many there are. A write error
	// stops the scan and Generate returns it. Generate does not close it.
	Timeline *Timeline
}

// Generated is what Generate produced.
type Generated struct {
	// Report is the report; nil when Generate returns an error.
	Report *Report
	// Files is the scan's account of every input, sorted by path: read,
	// skipped (with its cause and error), or damaged (with its errors).
	Files []smbaudit.FileResult
	// Findings counts the findings Filter kept, copies of one record
	// counted once; the report lists them or, past
	// Options.MaxFindings, counts them in its rows.
	Findings int
}

// Read returns the number of files read, damaged ones included.
func (g *Generated) Read() int {
	n := 0
	for _, f := range g.Files {
		if !f.Skipped {
			n++
		}
	}
	return n
}

// Generate runs the whole job: it scans the logs at paths (files, and
// directories searched as smbaudit.Scan does), streams the findings that
// opts.Filter keeps into a Builder, and returns the report with the scan's
// per-file results. Memory is bounded by opts.Report.MaxFindings, not by
// the size of the logs. The same inputs in any order, with any number of
// workers, give the same report, byte for byte once rendered
// (smbaudit.CompareCopies says which copy of a record counts).
//
// Files that cannot be read are listed in Generated.Files and the others
// are read. Generate returns an error wrapping ErrNothingRead (with the
// Files) when nothing could be read, smbaudit.ErrBadGlob for a bad glob,
// the context's error when ctx is cancelled, or the first error writing
// opts.Timeline; the Report is then nil.
func Generate(ctx context.Context, paths []string, opts GenerateOptions) (*Generated, error) {
	if opts.Report.Filter.IsZero() {
		opts.Report.Filter = opts.Filter
	}
	b := NewBuilder(opts.Report)
	g := &Generated{}
	so := opts.Scan
	filter, user := opts.Filter, opts.Scan.OnFinding
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// Which audits a server logged, and the times of its records, do not
	// depend on the client filter: a client not seen on a server whose
	// audit was on was not seen to break, over the server's window. A time
	// filter that cuts that window leaves it the times of the findings
	// within (smbaudit.Filter.Apply), those of every client.
	window := filter
	window.Clients = nil
	so.OnFinding = func(f smbaudit.Finding) {
		if len(filter.Clients) > 0 && window.Match(&f) {
			name := orUnknown(f.Server)
			b.a.addCoverage(name, time.Time{}, time.Time{}, 0).see(f.Time, f.ChunkDamaged, f.EventID, f.Channel)
			if a, ok := auditOfEvent(f.EventID); ok && f.Kind != smbaudit.KindUnparsed {
				b.a.addAudits(name, a.Name)
			}
		}
		if !filter.Match(&f) {
			return
		}
		g.Findings++
		b.Add(&f)
		if opts.Timeline != nil {
			if err := opts.Timeline.Write(&f); err != nil {
				cancel(err)
			}
		}
		if user != nil {
			user(f)
		}
	}
	res, err := smbaudit.Scan(ctx, paths, so)
	if opts.Timeline != nil && opts.Timeline.err != nil {
		err = fmt.Errorf("report: writing the timeline: %w", opts.Timeline.err)
	}
	if err != nil {
		if res != nil {
			g.Files = res.Files
		}
		return g, err
	}
	g.Files = res.Files
	if g.Read() == 0 {
		if len(res.Files) == 0 {
			glob := opts.Scan.Glob
			if glob == "" {
				glob = smbaudit.DefaultGlob
			}
			return g, fmt.Errorf("%w: no file matching %q under %s", ErrNothingRead, glob, strings.Join(paths, ", "))
		}
		return g, fmt.Errorf("%w: all %d inputs skipped", ErrNothingRead, len(res.Files))
	}
	if !filter.IsZero() {
		res = filter.Apply(res) // the servers' coverage; the findings were filtered as they came
	}
	b.AddResult(res)
	g.Report = b.report(true) // b is not used again: its rows become the report's
	return g, nil
}
