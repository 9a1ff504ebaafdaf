package report

import (
	"encoding/hex"
	"io"
	"slices"
	"time"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// Builder makes a report from findings as they come, typically from
// smbaudit.ScanOptions.OnFinding, so that a scan need not keep its
// findings: with Options.MaxFindings set, the memory of a report stays
// bounded whatever the number of findings. It is also the one way to
// combine: a scan result (AddResult), reports of shards scanned apart
// (AddReport, AddJSON), or any mix of them make one report.
//
// The zero Builder is not usable: make one with NewBuilder. A Builder is
// not safe for concurrent use; OnFinding's calls never overlap, so it can
// call Add directly.
type Builder struct {
	a      *agg
	fm     formats
	pinned time.Time // Options.GeneratedAt
	now    time.Time // when the Builder was made
}

// NewBuilder returns an empty Builder.
func NewBuilder(opts Options) *Builder {
	b := &Builder{a: newAgg(opts), pinned: opts.GeneratedAt, now: time.Now()}
	b.a.meta = opts.Meta
	return b
}

// Add counts one finding. f is not kept (its values are copied), so it may
// be one of Scan's findings, whose values are shared.
func (b *Builder) Add(f *smbaudit.Finding) {
	b.a.addFinding(f, &b.fm)
}

// AddResult adds a scan result: its findings, its per-server coverage and
// its files. A streamed scan's result (Result.Findings nil) adds the
// coverage and files of the findings passed to Add. res is not modified;
// nil adds nothing.
func (b *Builder) AddResult(res *smbaudit.Result) {
	if res == nil {
		return
	}
	for i := range res.Findings {
		b.Add(&res.Findings[i])
	}
	for _, sc := range res.Servers {
		b.a.addCoverage(orUnknown(sc.Server), sc.First, sc.Last, sc.Events).seeAudit(sc.AuditFirst, sc.AuditLast)
	}
	for _, f := range res.Files {
		in := Input{
			Path: f.Path, Size: f.Size, Skipped: f.Skipped, Cause: f.Cause,
			Chunks: f.Chunks, ChunksDecoded: f.ChunksDecoded, ChunksSkipped: f.ChunksSkipped, Records: f.Records,
			RecordsInChunks: f.RecordsInChunks, FirstRecordID: f.FirstRecordID,
			DamagedChunks: slices.Clone(f.DamagedChunks), First: f.First.UTC(), Last: f.Last.UTC(),
		}
		if f.SHA256 != ([32]byte{}) {
			in.SHA256 = hex.EncodeToString(f.SHA256[:])
		}
		if f.Err != nil {
			in.Reason = f.Err.Error()
		}
		if f.Skipped && in.Cause == smbaudit.CauseNotSkipped {
			in.Cause = smbaudit.CauseOf(f.Err)
			if in.Cause == smbaudit.CauseNotSkipped {
				in.Cause = smbaudit.CauseUnreadable
			}
		}
		for _, err := range f.Errors {
			in.Errors = append(in.Errors, err.Error())
		}
		b.a.inputs = append(b.a.inputs, in)
		b.a.hash([]Input{in}, false)
	}
}

// AddReport adds a report, typically a shard read back with ReadJSON: its
// findings (copies of a record count once while the
// findings are kept, see Options.MaxFindings), or its rows when it kept
// none, and its servers' coverage and files. r is not modified; nil adds
// nothing.
//
// A report with the Digest of one already added is not added again, and
// the error is ErrDuplicate: the same partial counts once. A report whose
// counts would take a sum past the largest int is not added, and the error
// wraps ErrOverflow. A report that lists an input file (by its SHA-256)
// already listed by a report or result added, when either lists no
// findings or when Options.MaxFindings has stopped the Builder keeping
// findings or could with this report's, is not added, and the error wraps
// ErrOverlap and names the file: the file's records would (or, past the
// bound, could) count twice.
func (b *Builder) AddReport(r *Report) error {
	return b.a.addReport(r)
}

// AddJSON reads a partial report from rd, checked as ReadJSON checks it,
// and adds it as AddReport would, without making the partial's Report:
// its rows go straight into the Builder's, which lowers the peak memory of
// a merge of many clients. On any error nothing is added: the errors of
// ReadJSON (the limit MaxPartialTotal applied to the counts as read), then
// ErrDuplicate, ErrOverflow or ErrOverlap as for AddReport.
func (b *Builder) AddJSON(rd io.Reader) error {
	p, digest, err := readPartial(rd)
	if err != nil {
		return err
	}
	// ReadJSON checks the counts of the report it makes: those read, and
	// up to four a finding kept (its client, server and day rows).
	if int64(p.total) > MaxPartialTotal-4*int64(p.records.len()) {
		return errPartialTotal()
	}
	return b.a.addAgg(p, digest)
}

// Finish returns the report of everything added and uses the Builder up:
// its rows are let go as the report's are made, so that the peak memory is
// about that of the report, not of both. The Builder must not be used
// after. The report's generation time is Options.GeneratedAt, or when
// that is zero the latest of the reports added, or when none was the time
// NewBuilder was called.
//
// The same findings, files and reports added in any order give the same
// report. Copies of one record (same server, channel, record ID, event ID
// and time) count once, the copy kept the first by smbaudit.CompareCopies,
// as in a scan. Reports built from disjoint sets of files make exactly the
// report of all the files (but for Server.Records, see there); a report
// that kept no findings (Report.FindingsOmitted) is added by its rows, so
// a record that it and another report both hold counts twice.
func (b *Builder) Finish() *Report {
	return b.report(true)
}

// report makes the report; with consume, the Builder is used up (see agg.finish).
func (b *Builder) report(consume bool) *Report {
	latest := b.a.generated
	switch {
	case !b.pinned.IsZero():
		b.a.generated = b.pinned
	case latest.IsZero():
		b.a.generated = b.now
	}
	r := b.a.finish(consume)
	b.a.generated = latest
	return r
}
