package report_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// generateTimeline runs Generate on the fixtures with every finding listed
// and a timeline in format.
func generateTimeline(t *testing.T, format report.TimelineFormat) (*report.Report, []byte) {
	t.Helper()
	var buf bytes.Buffer
	tl := report.NewTimeline(&buf, format)
	g, err := report.Generate(context.Background(), []string{fixtures}, report.GenerateOptions{
		Report: report.Options{GeneratedAt: pinned, MaxFindings: 0}, Timeline: tl,
	})
	require.NoError(t, err)
	require.NoError(t, tl.Close())
	require.NotEmpty(t, g.Report.Findings)
	assert.Equal(t, g.Findings, tl.Rows())
	return g.Report, buf.Bytes()
}

// recordKey identifies a finding by its place.
func recordKey(file string, chunk int, offset int64) string {
	return file + "|" + strconv.Itoa(chunk) + "|" + strconv.FormatInt(offset, 10)
}

func statusOf(r report.Record) string {
	if r.Status != "" {
		return r.Status
	}
	return r.SPNQueryStatus
}

func TestTimelineCSVRowsAreTheReportFindings(t *testing.T) {
	rep, out := generateTimeline(t, report.TimelineCSV)
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, report.TimelineHeader(), rows[0])
	rows = rows[1:]
	require.Len(t, rows, len(rep.Findings))
	col := map[string]int{}
	for i, h := range report.TimelineHeader() {
		col[h] = i
	}
	got := map[string][]string{}
	for _, row := range rows {
		chunk, err := strconv.Atoi(row[col["chunk"]])
		require.NoError(t, err)
		off, err := strconv.ParseInt(row[col["offset"]], 10, 64)
		require.NoError(t, err)
		k := recordKey(row[col["source_file"]], chunk, off)
		require.NotContains(t, got, k, "one row per finding")
		got[k] = row
	}
	signing := 0
	for _, r := range rep.Findings {
		row, ok := got[recordKey(r.Source.File, r.Source.Chunk, r.Source.Offset)]
		require.True(t, ok, "finding %+v has no row", r.Evidence)
		tm, err := time.Parse(report.TimelineTimeLayout, row[col["time_utc"]])
		require.NoError(t, err)
		assert.True(t, tm.Equal(r.Time), "time exact to 100 ns: %s, %s", tm, r.Time)
		assert.Equal(t, r.Server, row[col["computer"]])
		assert.Equal(t, r.Channel, row[col["channel"]])
		assert.Equal(t, strconv.Itoa(int(r.EventID)), row[col["event_id"]])
		assert.Equal(t, strconv.FormatUint(r.EventRecordID, 10), row[col["event_record_id"]])
		assert.Equal(t, strconv.FormatUint(r.RecordID, 10), row[col["record_id"]])
		assert.Equal(t, r.Kind, row[col["kind"]])
		assert.Equal(t, r.ClientID, row[col["client"]])
		assert.Equal(t, r.ClientRaw, row[col["client_raw"]])
		assert.Equal(t, r.User, row[col["user"]])
		assert.Equal(t, r.SPN, row[col["spn"]])
		assert.Equal(t, statusOf(r), row[col["status"]])
		assert.Equal(t, r.EPAPolicy, row[col["epa_policy"]])
		assert.Equal(t, strconv.FormatBool(r.ChunkDamaged), row[col["chunk_damaged"]])
		if r.EventID == smbaudit.EventSigningUnsupported && r.Kind != string(smbaudit.KindUnparsed) {
			assert.Equal(t, string(report.SettingRequireSigning), row[col["breaks_under"]])
			signing++
		}
	}
	assert.Positive(t, signing, "the fixtures hold 3021 events")
}

func TestTimelineJSONLRowsAreTheReportFindings(t *testing.T) {
	rep, out := generateTimeline(t, report.TimelineJSONL)
	type row struct {
		Time          string   `json:"time_utc"`
		Computer      string   `json:"computer"`
		EventID       uint16   `json:"event_id"`
		EventRecordID uint64   `json:"event_record_id"`
		Client        string   `json:"client"`
		BreaksUnder   []string `json:"breaks_under"`
		Possibly      []string `json:"possibly_breaks_under"`
		SourceFile    string   `json:"source_file"`
		Chunk         int      `json:"chunk"`
		Offset        int64    `json:"offset"`
	}
	got := map[string]row{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r row
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		got[recordKey(r.SourceFile, r.Chunk, r.Offset)] = r
	}
	require.Len(t, got, len(rep.Findings))
	for _, r := range rep.Findings {
		g, ok := got[recordKey(r.Source.File, r.Source.Chunk, r.Source.Offset)]
		require.True(t, ok)
		tm, err := time.Parse(time.RFC3339Nano, g.Time)
		require.NoError(t, err)
		assert.True(t, tm.Equal(r.Time))
		assert.Equal(t, r.Server, g.Computer)
		assert.Equal(t, r.EventID, g.EventID)
		assert.Equal(t, r.EventRecordID, g.EventRecordID)
		assert.Equal(t, r.ClientID, g.Client)
		assert.NotNil(t, g.BreaksUnder, "lists are [] rather than null")
	}
}

func TestEventSettings(t *testing.T) {
	for _, tc := range []struct {
		id       uint16
		certain  []report.Setting
		possible []report.Setting
	}{
		{smbaudit.EventSigningUnsupported, []report.Setting{report.SettingRequireSigning}, nil},
		{smbaudit.EventGuestLogon, []report.Setting{report.SettingRequireSigning}, nil},
		{smbaudit.EventSMB1SigningDisabled, nil, []report.Setting{report.SettingRequireSigning}},
		{smbaudit.EventSPNUnrecognised, []report.Setting{report.SettingSPNHardeningLvl1, report.SettingSPNHardeningLvl2}, nil},
		{smbaudit.EventSPNMissing, []report.Setting{report.SettingSPNHardeningLvl2}, nil},
		{smbaudit.EventSPNEmpty, []report.Setting{report.SettingSPNHardeningLvl2}, nil},
		{smbaudit.EventSMB1Access, []report.Setting{report.SettingDisableSMB1}, nil},
		{smbaudit.EventEncryptionUnsupported, []report.Setting{report.SettingRequireEncryption}, nil},
		{smbaudit.EventEnforcementRejection, nil, nil},
		{4624, nil, nil},
	} {
		t.Run(strconv.Itoa(int(tc.id)), func(t *testing.T) {
			c, p := report.EventSettings(tc.id)
			assert.Equal(t, tc.certain, c)
			assert.Equal(t, tc.possible, p)
		})
	}
}

func TestTimelineDefusesAndEscapes(t *testing.T) {
	var buf bytes.Buffer
	tl := report.NewTimeline(&buf, report.TimelineCSV)
	f := &smbaudit.Finding{Kind: smbaudit.KindSigningUnsupported, EventID: smbaudit.EventSigningUnsupported,
		Server: "FS01\x1b]0;x\a", Client: smbaudit.Client{ID: "=1+2", Raw: "@SUM(A1)\u202e", Kind: smbaudit.ClientHost},
		User: "-2", Time: time.Date(2025, 10, 1, 12, 34, 56, 123456700, time.UTC),
		Source: evtx.Source{File: "a\nb.evtx", Chunk: 2, Offset: 4608}}
	require.NoError(t, tl.Write(f))
	require.NoError(t, tl.Close())
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2)
	row := rows[1]
	assert.Equal(t, "2025-10-01 12:34:56.1234567", row[0])
	assert.Equal(t, `FS01\x1b]0;x\a`, row[1])
	assert.Equal(t, "'=1+2", row[8])
	assert.Equal(t, `'@SUM(A1)\u202e`, row[9])
	assert.Equal(t, "'-2", row[11])
	assert.Equal(t, `a\nb.evtx`, row[19])
	assert.Equal(t, []string{"2", "4608"}, row[20:])
}

func TestTimelineEmptyHasHeader(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.NewTimeline(&buf, report.TimelineCSV).Close())
	assert.Equal(t, strings.Join(report.TimelineHeader(), ",")+"\n", buf.String())
	buf.Reset()
	require.NoError(t, report.NewTimeline(&buf, report.TimelineJSONL).Close())
	assert.Empty(t, buf.String())
}

func TestTimelineFormatOf(t *testing.T) {
	for _, tc := range []struct {
		path string
		want report.TimelineFormat
		ok   bool
	}{
		{"t.csv", report.TimelineCSV, true},
		{"dir/T.CSV", report.TimelineCSV, true},
		{"t.jsonl", report.TimelineJSONL, true},
		{"t.ndjson", report.TimelineJSONL, true},
		{"t.json", "", false},
		{"timeline", "", false},
	} {
		got, err := report.TimelineFormatOf(tc.path)
		assert.Equal(t, tc.want, got, tc.path)
		if tc.ok {
			assert.NoError(t, err, tc.path)
		} else {
			assert.ErrorIs(t, err, report.ErrFormat, tc.path)
		}
	}
	tl := report.NewTimeline(&bytes.Buffer{}, "xml")
	assert.ErrorIs(t, tl.Write(&smbaudit.Finding{}), report.ErrFormat)
	assert.ErrorIs(t, tl.Close(), report.ErrFormat)
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

// A timeline that cannot be written stops Generate with the writer's
// error (the fixtures' timeline is larger than the CSV writer's buffer).
func TestGenerateTimelineWriteError(t *testing.T) {
	disk := errors.New("disk full")
	tl := report.NewTimeline(errWriter{disk}, report.TimelineCSV)
	g, err := report.Generate(context.Background(), []string{fixtures}, report.GenerateOptions{Timeline: tl})
	require.Error(t, err)
	assert.ErrorIs(t, err, disk)
	assert.Contains(t, err.Error(), "writing the timeline")
	assert.Nil(t, g.Report)
	assert.ErrorIs(t, tl.Close(), disk, "the error stays")
}
