package smbaudit

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

const fixtures = "../testdata/smbaudit"

func fixture(name string) string { return filepath.Join(fixtures, name) }

// jsonlEvent is what the tests read back from a fixture's source, to know
// what the scan must find without asking the code under test.
type jsonlEvent struct {
	Provider    string    `json:"provider"`
	Channel     string    `json:"channel"`
	Computer    string    `json:"computer"`
	EventID     uint16    `json:"event_id"`
	RecordID    uint64    `json:"record_id"`
	TimeCreated time.Time `json:"time_created"`
}

func loadJSONL(t *testing.T, name string) []jsonlEvent {
	t.Helper()
	f, err := os.Open(fixture(name))
	require.NoError(t, err)
	defer f.Close()
	var out []jsonlEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e jsonlEvent
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e))
		out = append(out, e)
	}
	require.NoError(t, sc.Err())
	return out
}

type recKey struct {
	computer, channel string
	id                uint64
}

// smbOnly keeps the source events Classify must recognise, once per record.
func smbOnly(evs ...[]jsonlEvent) map[recKey]jsonlEvent {
	m := map[recKey]jsonlEvent{}
	for _, es := range evs {
		for _, e := range es {
			if Recognised(e.Provider, e.EventID, e.Channel) {
				m[recKey{e.Computer, e.Channel, e.RecordID}] = e
			}
		}
	}
	return m
}

func countByID(m map[recKey]jsonlEvent) map[uint16]int {
	c := map[uint16]int{}
	for _, e := range m {
		c[e.EventID]++
	}
	return c
}

func findingsByID(fs []Finding) map[uint16]int {
	c := map[uint16]int{}
	for _, f := range fs {
		c[f.EventID]++
	}
	return c
}

func scan(t *testing.T, opts ScanOptions, paths ...string) *Result {
	t.Helper()
	r, err := Scan(context.Background(), paths, opts)
	require.NoError(t, err)
	return r
}

// scanWith is scan with the tuning tn.
func scanWith(t *testing.T, tn tuning, opts ScanOptions, paths ...string) *Result {
	t.Helper()
	r, err := scanTuned(context.Background(), paths, opts, tn)
	require.NoError(t, err)
	return r
}

func TestScanAuditLogAcrossChunks(t *testing.T) {
	src := loadJSONL(t, "audit-fs01.jsonl")
	want := smbOnly(src)
	r := scan(t, ScanOptions{}, fixture("audit-fs01.evtx"))

	require.Len(t, r.Files, 1)
	fr := r.Files[0]
	assert.False(t, fr.Skipped, "%v", fr.Err)
	assert.Empty(t, fr.Errors)
	assert.Empty(t, fr.DamagedChunks)
	assert.GreaterOrEqual(t, fr.Chunks, 3, "the fixture spans several chunks")
	assert.Equal(t, fr.Chunks, fr.ChunksDecoded)
	assert.Equal(t, len(src), fr.Records)

	assert.Len(t, r.Findings, len(want))
	assert.Equal(t, countByID(want), findingsByID(r.Findings))
	chunks := map[int]bool{}
	for _, f := range r.Findings {
		assert.NotEqual(t, KindUnparsed, f.Kind, "record %d: %s", f.RecordID, f.Reason)
		e, ok := want[recKey{f.Server, f.Channel, f.RecordID}]
		if assert.True(t, ok, "record %d is in the source", f.RecordID) {
			assert.True(t, e.TimeCreated.Equal(f.Time), "time of record %d to 100 ns", f.RecordID)
			assert.Equal(t, e.EventID, f.EventID)
		}
		assert.Equal(t, MappedByName, mappedBy(f.Mapping, FieldClient))
		chunks[f.Source.Chunk] = true
	}
	assert.GreaterOrEqual(t, len(chunks), 3, "findings come from every chunk")

	require.Len(t, r.Servers, 1)
	s := r.Servers[0]
	assert.Equal(t, "FS01.corp.example", s.Server)
	assert.Equal(t, len(src), s.Events)
	assert.Equal(t, len(src), s.AuditEvents)
	assert.True(t, src[0].TimeCreated.Equal(s.First))
	assert.True(t, src[len(src)-1].TimeCreated.Equal(s.Last))
}

func TestScanFindingDetails(t *testing.T) {
	r := scan(t, ScanOptions{}, fixture("audit-fs01.evtx"), fixture("audit-fs02-2025-10-10.evtx"),
		fixture("forwarded-events.evtx"))
	first := func(server string, id uint16, version uint8) *Finding {
		for i := range r.Findings {
			f := &r.Findings[i]
			if strings.HasPrefix(f.Server, server) && f.EventID == id && f.Version == version {
				return f
			}
		}
		t.Fatalf("no %d v%d finding on %s", id, version, server)
		return nil
	}
	tests := []struct {
		name  string
		f     *Finding
		check func(t *testing.T, f *Finding)
	}{
		{"FS01 3021 v0", first("FS01", 3021, 0), func(t *testing.T, f *Finding) {
			assert.Equal(t, KindSigningUnsupported, f.Kind)
			assert.Equal(t, `\\10.0.20.15`, f.Client.Raw)
			assert.Equal(t, "10.0.20.15", f.Client.ID)
			assert.Equal(t, Some(false), f.ServerRequiresSigning)
			assert.Zero(t, f.Mapping.NumUnmapped())
		}},
		{"FS01 3021 v1 with user", first("FS01", 3021, 1), func(t *testing.T, f *Finding) {
			assert.Equal(t, `CORP\svc-nasbackup`, f.User)
			assert.Equal(t, MappedByName, mappedBy(f.Mapping, FieldUser))
			assert.Equal(t, "UserNameLength", f.Mapping.From(FieldUserLength))
			assert.Equal(t, "ServerRequiresSigning", f.Mapping.From(FieldRequiresSign))
			assert.Equal(t, Some(false), f.ServerRequiresSigning)
			assert.Zero(t, f.Mapping.NumUnmapped())
		}},
		{"FS01 3022", first("FS01", 3022, 0), func(t *testing.T, f *Finding) {
			assert.Equal(t, KindEncryptionUnsupported, f.Kind)
			assert.Equal(t, "10.0.20.15", f.Client.ID)
			assert.Equal(t, Some(false), f.ServerRequiresEncryption)
			assert.Equal(t, Some(uint32(1)), f.UnsupportedEncryptionType)
			assert.Zero(t, f.Mapping.NumUnmapped())
		}},
		{"FS03 3023 (Operational, via WEF)", first("FS03", 3023, 0), func(t *testing.T, f *Finding) {
			assert.Equal(t, KindGuestLogon, f.Kind)
			assert.Equal(t, OperationalChannel, f.Channel)
			assert.Equal(t, "10.0.50.12", f.Client.ID)
		}},
		{"FS03 551 v3 UserData", first("FS03", 551, 3), func(t *testing.T, f *Finding) {
			assert.Equal(t, KindEnforcementRejection, f.Kind)
			assert.Equal(t, "10.0.40.7", f.Client.ID)
			assert.Equal(t, "cifs/fs03-old", f.SPN)
			assert.Equal(t, Some(EPAPolicy{2, "required"}), f.EPAPolicy)
			assert.Equal(t, Some(uint32(1)), f.ReasonCode)
		}},
		{"FS03 5168 (Security, decoded by default)", first("FS03", 5168, 0), func(t *testing.T, f *Finding) {
			assert.Equal(t, KindSPNCheckFailed, f.Kind)
			assert.Empty(t, f.Client.ID, "5168 names no client")
			assert.Equal(t, `CORP\lnxsvc`, f.User)
			assert.Equal(t, "cifs/fs03-old", f.SPN)
			assert.Equal(t, Some(NTStatus{0xC0000022, "STATUS_ACCESS_DENIED"}), f.Status)
		}},
		{"FS01 3024", first("FS01", 3024, 0), func(t *testing.T, f *Finding) {
			assert.Equal(t, Some(NTStatus{0xC00000BB, "STATUS_NOT_SUPPORTED"}), f.SPNQueryStatus)
			assert.Equal(t, Some(EPAPolicy{0, "off"}), f.EPAPolicy)
		}},
		{"FS01 3025: manifest names", first("FS01", 3025, 0), func(t *testing.T, f *Finding) {
			assert.Equal(t, "cifs/files.corp.example", f.SPN)
			assert.Equal(t, Some(true), f.ServiceClassIsValid)
			assert.Equal(t, Some(false), f.PrincipalNameIsValid)
			assert.Equal(t, "PrincipalNameIsValid", f.Mapping.From(FieldPrincipalNameIsValid))
			assert.Equal(t, MappedByName, mappedBy(f.Mapping, FieldServiceClassIsValid))
			assert.Equal(t, ClientFQDN, f.Client.Kind)
			assert.Equal(t, "app01", f.Client.ShortName)
		}},
		{"FS02 3000 SMB1", first("FS02", 3000, 0), func(t *testing.T, f *Finding) {
			assert.Equal(t, KindSMB1Access, f.Kind)
			assert.Equal(t, "10.0.30.50", f.Client.ID)
		}},
		{"FS02 3027 alias", first("FS02", 3027, 0), func(t *testing.T, f *Finding) {
			assert.Equal(t, "scan01", f.Client.ID)
			assert.Equal(t, Some(true), f.ServerRequiresSigning)
			assert.Equal(t, "RequireSigning", f.Mapping.From(FieldRequiresSign))
		}},
		{"FS02 3024 alias", first("FS02", 3024, 0), func(t *testing.T, f *Finding) {
			assert.Equal(t, "lnx-old.corp.example", f.Client.ID)
			assert.Equal(t, "QueryStatus", f.Mapping.From(FieldSPNQueryStatus))
			assert.Equal(t, Some(EPAPolicy{1, "accept if provided"}), f.EPAPolicy)
		}},
		{"FS03 3024 by position (WEF)", first("FS03", 3024, 1), func(t *testing.T, f *Finding) {
			assert.Equal(t, "10.0.40.7", f.Client.ID)
			assert.Equal(t, MappedByPosition, mappedBy(f.Mapping, FieldClient))
			assert.Equal(t, MappedByPosition, mappedBy(f.Mapping, FieldSPNQueryStatus))
			assert.Equal(t, Some(EPAPolicy{2, "required"}), f.EPAPolicy)
			assert.Zero(t, f.Mapping.NumUnmapped())
		}},
		{"FS03 3025 unnamed data", first("FS03", 3025, 1), func(t *testing.T, f *Finding) {
			assert.Equal(t, "cifs/files.corp.example", f.SPN)
			assert.Equal(t, "#3", f.Mapping.From(FieldSPN))
			assert.Equal(t, Some(true), f.ServiceClassIsValid, "the first boolean, by position")
			assert.Equal(t, Some(false), f.PrincipalNameIsValid, "the second boolean, by position")
			assert.Equal(t, MappedByPosition, mappedBy(f.Mapping, FieldPrincipalNameIsValid))
		}},
		{"FS03 551", first("FS03", 551, 2), func(t *testing.T, f *Finding) {
			assert.Equal(t, KindEnforcementRejection, f.Kind)
			assert.Equal(t, "10.0.40.7", f.Client.ID, "from the SOCKADDR in ClientAddress")
			assert.Equal(t, Some(NTStatus{0xC000035B, "STATUS_BAD_BINDINGS"}), f.Status)
			assert.Equal(t, `CORP\lnxsvc`, f.User)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, tt.f) })
	}
}

func TestScanOverlappingExportsCountOnce(t *testing.T) {
	a, b := loadJSONL(t, "audit-fs02-2025-10-10.jsonl"), loadJSONL(t, "audit-fs02-2025-10-20.jsonl")
	want := smbOnly(a, b)
	require.Less(t, len(want), len(a)+len(b), "the two exports overlap")

	r := scan(t, ScanOptions{}, fixture("audit-fs02-2025-10-10.evtx"), fixture("audit-fs02-2025-10-20.evtx"))
	assert.Len(t, r.Findings, len(want))
	assert.Equal(t, countByID(want), findingsByID(r.Findings))
	seen := map[uint64]bool{}
	for _, f := range r.Findings {
		assert.False(t, seen[f.RecordID], "record %d once", f.RecordID)
		seen[f.RecordID] = true
	}
	require.Len(t, r.Servers, 1)
	assert.Equal(t, len(want), r.Servers[0].Events, "coverage counts each record once")

	// The second export was copied from a live system: dirty header, its
	// chunk count lagging; its records are read all the same.
	require.Len(t, r.Files, 2)
	assert.Equal(t, len(b), r.Files[1].Records)
	assert.False(t, r.Files[1].Skipped)
}

func TestScanDamagedChunkKeepsTheOthers(t *testing.T) {
	clean := scan(t, ScanOptions{}, fixture("audit-fs01.evtx"))
	dmg := scan(t, ScanOptions{}, fixture("audit-fs01-damaged.evtx"))

	require.Len(t, dmg.Files, 1)
	fr := dmg.Files[0]
	require.NotEmpty(t, fr.DamagedChunks)
	require.NotEmpty(t, fr.Errors)
	var place *evtx.Error
	require.ErrorAs(t, fr.Errors[0], &place, "errors stay typed")
	assert.Equal(t, fixture("audit-fs01-damaged.evtx"), place.File, "errors name the file")
	assert.Contains(t, fr.DamagedChunks, place.Chunk, "and the chunk")
	assert.Positive(t, place.Offset, "and the offset")
	assert.ErrorIs(t, fr.Errors[0], evtx.ErrBadRecord)
	bad := map[int]bool{}
	for _, c := range fr.DamagedChunks {
		bad[c] = true
	}
	assert.Less(t, len(bad), fr.Chunks, "only part of the file is damaged")

	got := map[uint64]bool{}
	for _, f := range dmg.Findings {
		got[f.RecordID] = true
	}
	assert.False(t, got[1450], "the broken record is not invented")
	intact := 0
	for _, f := range clean.Findings {
		if !bad[f.Source.Chunk] {
			intact++
			assert.True(t, got[f.RecordID], "record %d of intact chunk %d survives", f.RecordID, f.Source.Chunk)
		}
	}
	assert.Positive(t, intact)
	assert.Less(t, len(dmg.Findings), len(clean.Findings))

	// Scanned together, the clean copy wins and nothing counts twice.
	both := scan(t, ScanOptions{}, fixture("audit-fs01-damaged.evtx"), fixture("audit-fs01.evtx"))
	assert.Len(t, both.Findings, len(clean.Findings))
	for _, f := range both.Findings {
		assert.False(t, f.ChunkDamaged)
	}
}

func TestScanForwardedEventsPrefilter(t *testing.T) {
	src := loadJSONL(t, "forwarded-events.jsonl")
	want := smbOnly(src)
	require.Less(t, 10*len(want), len(src), "SMB events are a small minority")

	r := scan(t, ScanOptions{}, fixture("forwarded-events.evtx"))
	require.Len(t, r.Files, 1)
	fr := r.Files[0]
	assert.Positive(t, fr.ChunksSkipped, "chunks without the SMB provider are not decoded")
	assert.Positive(t, fr.ChunksDecoded)
	assert.Equal(t, fr.Chunks, fr.ChunksDecoded+fr.ChunksSkipped)
	assert.Less(t, fr.Records, len(src))
	assert.Equal(t, countByID(want), findingsByID(r.Findings))

	all := scan(t, ScanOptions{AllEvents: true}, fixture("forwarded-events.evtx"))
	assert.Zero(t, all.Files[0].ChunksSkipped)
	assert.Equal(t, len(src), all.Files[0].Records)
	assert.Equal(t, r.Findings, all.Findings, "the pre-filter loses no finding")
	perServer := map[string]int{}
	for _, e := range src {
		perServer[e.Computer]++
	}
	got := map[string]int{}
	for _, s := range all.Servers {
		got[s.Server] = s.Events
	}
	assert.Equal(t, perServer, got, "AllEvents coverage counts every event of every server")
}

func TestScanSkipsWhatItCannotRead(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(fixture("audit-fs02-2025-10-10.evtx"))
	require.NoError(t, err)
	write := func(name string, b []byte) {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, b, 0o644))
	}
	write("fs02.evtx", good)
	write("sub/COPY.EVTX", good) // same records again, upper-case extension
	write("notes.evtx", []byte("this is not a log, but long enough to hold a header............................................................................................"))
	write("empty.evtx", nil)
	write("readme.txt", []byte("ignored by the glob"))

	r := scan(t, ScanOptions{}, dir, filepath.Join(dir, "missing.evtx"))
	byName := map[string]FileResult{}
	for _, f := range r.Files {
		byName[filepath.Base(f.Path)] = f
	}
	require.Len(t, byName, 5, "%v", byName)
	assert.NotContains(t, byName, "readme.txt")
	for _, n := range []string{"notes.evtx", "empty.evtx", "missing.evtx"} {
		assert.True(t, byName[n].Skipped, n)
		assert.Error(t, byName[n].Err, n)
	}
	assert.ErrorIs(t, byName["notes.evtx"].Err, evtx.ErrNotEVTX)
	assert.Equal(t, CauseNotEVTX, byName["notes.evtx"].Cause)
	assert.ErrorIs(t, byName["missing.evtx"].Err, fs.ErrNotExist)
	assert.Equal(t, CauseNotFound, byName["missing.evtx"].Cause)
	assert.False(t, byName["fs02.evtx"].Skipped)
	assert.False(t, byName["COPY.EVTX"].Skipped)
	want := smbOnly(loadJSONL(t, "audit-fs02-2025-10-10.jsonl"))
	assert.Len(t, r.Findings, len(want), "the copy counts once, the bad files lose nothing")
}

func TestScanDeterministic(t *testing.T) {
	a := scan(t, ScanOptions{Workers: 1, ChunkWorkers: 1}, fixtures)
	b := scan(t, ScanOptions{Workers: 3}, fixtures)
	assert.Equal(t, a, b)
	for i := 1; i < len(a.Findings); i++ {
		assert.False(t, a.Findings[i].Time.Before(a.Findings[i-1].Time), "sorted by time")
	}
}

func TestScanProgress(t *testing.T) {
	var got []Progress
	r := scan(t, ScanOptions{Progress: func(p Progress) { got = append(got, p) }},
		fixture("audit-fs01.evtx"), fixture("forwarded-events.evtx"))
	require.NotEmpty(t, got)
	last := got[len(got)-1]
	assert.Equal(t, 2, last.FilesTotal)
	assert.Equal(t, 2, last.FilesDone)
	assert.Equal(t, last.BytesTotal, last.BytesDone)
	assert.Equal(t, r.Files[0].Size+r.Files[1].Size, last.BytesTotal)
	assert.LessOrEqual(t, last.Events, int64(r.Files[0].Records+r.Files[1].Records))
	assert.GreaterOrEqual(t, last.Events, int64(len(r.Findings)))
	assert.Equal(t, int64(len(r.Findings)), last.Findings)
	for i := 1; i < len(got); i++ {
		assert.GreaterOrEqual(t, got[i].BytesDone, got[i-1].BytesDone, "progress never goes back")
	}
}

func TestScanCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err := Scan(ctx, []string{fixtures}, ScanOptions{})
	assert.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, r)
}

func TestScanBadGlob(t *testing.T) {
	_, err := Scan(context.Background(), []string{fixtures}, ScanOptions{Glob: "[x"})
	assert.ErrorIs(t, err, ErrBadGlob)
}

// TestScanParallelClassification checks that classifying on several
// goroutines, in batches small enough that every fixture spans many, gives
// the result of one goroutine, and that streamed findings keep reading
// order within a file.
func TestScanParallelClassification(t *testing.T) {
	want := scanWith(t, tuning{batch: 1, workers: 1}, ScanOptions{}, fixtures)
	require.NotEmpty(t, want.Findings)
	for _, tc := range []struct{ batch, workers int }{{1, 3}, {7, 2}, {64, 4}} {
		t.Run(fmt.Sprintf("batch=%d,workers=%d", tc.batch, tc.workers), func(t *testing.T) {
			tn := tuning{batch: tc.batch, workers: tc.workers}
			assert.Equal(t, want, scanWith(t, tn, ScanOptions{}, fixtures))

			var streamed []Finding
			r := scanWith(t, tn, ScanOptions{Workers: 1, OnFinding: func(f Finding) { streamed = append(streamed, f) }}, fixtures)
			assert.Equal(t, want.Servers, r.Servers)
			assert.Len(t, streamed, len(want.Findings))
			for i := 1; i < len(streamed); i++ {
				a, b := streamed[i-1].Source, streamed[i].Source
				if a.File == b.File {
					assert.Negative(t, CompareCopies(a, b), "finding %d is in reading order", i)
				}
			}
		})
	}
}

// auditLog writes a log of one server's 3021 events with record IDs lo..hi
// the record with ID n created at
// base plus n seconds, and returns its path.
func auditLog(t *testing.T, name, server string, lo, hi uint64, base time.Time) string {
	t.Helper()
	var ids []uint64
	for id := lo; id <= hi; id++ {
		ids = append(ids, id)
	}
	return auditLogIDs(t, name, server, ids, false, base)
}

// auditLogIDs is auditLog with the record IDs given; renumbered gives the
// records header IDs 1, 2, ... and keeps ids in System/EventRecordID (as a
// filtered export may), instead of both being ids.
func auditLogIDs(t *testing.T, name, server string, ids []uint64, renumbered bool, base time.Time) string {
	t.Helper()
	var evs []evtxwrite.Event
	q := uint16(0)
	for _, id := range ids {
		client := fmt.Sprintf(`\\10.0.%d.%d`, id/250, 1+id%250)
		evs = append(evs, evtxwrite.Event{
			System: evtx.System{Provider: Provider, ProviderGUID: "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}", EventID: 3021,
				Level: 3, Keywords: 0x8000000000000000, Channel: AuditChannel, Computer: server,
				TimeCreated: base.Add(time.Duration(id) * time.Second), ProcessID: 4, Qualifiers: q, HasQualifiers: true,
			},
			RecordID: id,
			Data: []evtxwrite.Data{
				{Name: "ClientNameLength", Type: evtx.TypeUint16, Value: uint16(len(client))},
				{Name: "ClientName", Type: evtx.TypeString, Value: client},
				{Name: "ServerRequiresSigning", Type: evtx.TypeBool, Value: false},
			},
		})
		if renumbered {
			evs[len(evs)-1].RecordID, evs[len(evs)-1].EventRecordID = uint64(len(evs)), id
		}
	}
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, evtxwrite.WriteFile(p, evs, evtxwrite.Options{}))
	return p
}

// TestScanStreamedCopiesOnce streams overlapping and cleared logs, read in
// every order and at once, and checks that each record is passed once and
// counted once, and that records reusing IDs after a clear are kept.
func TestScanStreamedCopiesOnce(t *testing.T) {
	t0 := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	t1 := t0.Add(30 * 24 * time.Hour) // after the clear
	const fs = "FS07.corp.example"
	early := auditLog(t, "early.evtx", fs, 1, 1500, t0)
	late := auditLog(t, "late.evtx", fs, 900, 2600, t0)
	saved := auditLog(t, "saved.evtx", fs, 1, 700, t0)                  // "save and clear" at 700
	wrapped := auditLog(t, "wrapped.evtx", fs, 701, 1200, t1)           // the new log, later, wrapped
	newEarly := auditLog(t, "new-early.evtx", fs, 1, 700, t1)           // the new log, earlier
	other := auditLog(t, "other.evtx", "FS08.corp.example", 1, 700, t0) // another server, same IDs
	// Filtered exports keep the original IDs with gaps: the full log read
	// after them holds the records in the gaps.
	filtered := auditLogIDs(t, "filtered.evtx", fs, []uint64{10, 20}, false, t0)
	filteredRenumbered := auditLogIDs(t, "filtered-renumbered.evtx", fs, []uint64{10, 20, 25, 400}, true, t0)
	full := auditLog(t, "full.evtx", fs, 10, 20, t0)

	tests := []struct {
		name  string
		paths []string
		want  int
	}{
		{"overlapping exports", []string{early, late}, 2600},
		{"later export first", []string{late, early}, 2600},
		{"the same file twice, under two names", []string{early, early + ".copy"}, 1500},
		{"cleared log: both numberings kept", []string{saved, newEarly, early}, 1500 + 700},
		{"no run spans the clear", []string{saved, wrapped, newEarly}, 700 + 500 + 700},
		{"new log first", []string{newEarly, wrapped, saved}, 700 + 500 + 700},
		{"another server's IDs are its own", []string{early, other}, 1500 + 700},
		{"filtered export, then the full log", []string{filtered, full}, 11},
		{"full log, then a filtered export", []string{full, filtered}, 11},
		{"renumbered filtered export, then the full logs", []string{filteredRenumbered, full, early}, 1500},
	}
	b, err := os.ReadFile(early)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(early+".copy", b, 0o644))
	for _, tt := range tests {
		for _, workers := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/workers=%d", tt.name, workers), func(t *testing.T) {
				type key struct {
					server string
					id     uint64
					time   time.Time
				}
				seen := map[key]int{}
				n := 0
				res := scan(t, ScanOptions{Workers: workers, Glob: "*", OnFinding: func(f Finding) {
					n++
					seen[key{f.Server, f.EventRecordID, f.Time}]++
				}}, tt.paths...)
				assert.Equal(t, tt.want, n, "findings passed")
				assert.Len(t, seen, n, "each record once")
				events := 0
				for _, s := range res.Servers {
					events += s.Events
					assert.Equal(t, s.Events, s.AuditEvents, s.Server)
				}
				assert.Equal(t, tt.want, events, "coverage counts each record once")
				kept := scan(t, ScanOptions{Workers: workers, Glob: "*"}, tt.paths...)
				assert.Len(t, kept.Findings, tt.want, "the exact rule agrees")
				assert.Equal(t, kept.Servers, res.Servers)
			})
		}
	}
}

// Streamed, the files' findings come file by file in path order whatever
// the order of the paths and the number of files read at once, so the copy
// of a record passed on is always the one CompareCopies puts first: the
// same findings, in the same order, every time.
func TestScanStreamedOrderIsThePathOrder(t *testing.T) {
	// The damaged export sorts first: its copies win over the clean log's.
	paths := []string{fixture("audit-fs01-damaged.evtx"), fixture("audit-fs01.evtx"), fixture("audit-fs02-2025-10-10.evtx"),
		fixture("audit-fs02-2025-10-20.evtx"), fixture("forwarded-events.evtx")}
	require.True(t, slices.IsSorted(paths))
	rank := map[string]int{}
	for i, p := range paths {
		rank[p] = i
	}
	stream := func(batch, workers int, paths []string) []Finding {
		var out []Finding
		scanWith(t, tuning{batch: batch}, ScanOptions{Workers: workers, OnFinding: func(f Finding) { out = append(out, f) }}, paths...)
		return out
	}
	want := stream(0, 1, paths)
	require.NotEmpty(t, want)
	for i := 1; i < len(want); i++ {
		require.LessOrEqual(t, rank[want[i-1].Source.File], rank[want[i].Source.File], "finding %d: files in path order", i)
	}
	fromDamaged := 0
	for _, f := range want {
		if f.Source.File == paths[0] {
			fromDamaged++
		}
	}
	require.Positive(t, fromDamaged)
	reversed := slices.Clone(paths)
	slices.Reverse(reversed)
	// Tiny batches make later files hit maxWaitingBatches and wait.
	for _, batch := range []int{1, 3, 256} {
		for i := range 10 {
			order := paths
			if i%2 == 1 {
				order = reversed
			}
			require.Equal(t, want, stream(batch, len(paths), order), "batch %d, paths %q", batch, order)
		}
	}
}

// The copy that counts is the first by CompareCopies, streamed or not,
// even when it comes from a damaged chunk (the rule used to differ there):
// the streamed findings are the kept ones, evidence places included.
func TestScanStreamedAndKeptAgreeOnCopies(t *testing.T) {
	b, err := os.ReadFile(fixture("audit-fs01.evtx"))
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.evtx"), b, 0o644))
	b[4096+0x34] ^= 0xff // chunk 0's data checksum: its records are read, as damaged
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.evtx"), b, 0o644))

	res := scan(t, ScanOptions{}, dir)
	var streamed []Finding
	scan(t, ScanOptions{OnFinding: func(f Finding) { streamed = append(streamed, f) }}, dir)
	place := func(fs []Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, fmt.Sprintf("%s %d %v %s %v", f.Server, f.EventRecordID, f.Time, f.Source, f.ChunkDamaged))
		}
		slices.Sort(out)
		return out
	}
	damaged := 0
	for _, f := range res.Findings {
		if f.ChunkDamaged {
			damaged++
			assert.Equal(t, filepath.Join(dir, "a.evtx"), f.Source.File)
		}
	}
	assert.Positive(t, damaged, "the damaged copies sort first and count")
	assert.Equal(t, place(res.Findings), place(streamed))
}
