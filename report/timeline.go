package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/evtxkit/smbreadiness/smbaudit"
)

// TimelineFormat is the file format of a Timeline.
type TimelineFormat string

// The timeline formats.
const (
	TimelineCSV   TimelineFormat = "csv"
	TimelineJSONL TimelineFormat = "jsonl"
)

// TimelineFormatOf returns the timeline format a file name asks for by its
// extension (.csv, or .jsonl, .ndjson; case ignored). The error wraps
// ErrFormat.
func TimelineFormatOf(path string) (TimelineFormat, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return TimelineCSV, nil
	case ".jsonl", ".ndjson":
		return TimelineJSONL, nil
	}
	return "", fmt.Errorf("%w: timeline %s: the name must end in .csv or .jsonl", ErrFormat, path)
}

// TimelineHeader returns the header row of a CSV timeline, and the keys of
// a JSON Lines one, in order, in a slice of the caller's own. The package
// documentation (Timeline) says what each column holds.
func TimelineHeader() []string { return slices.Clone(timelineHeader) }

var timelineHeader = []string{"time_utc", "computer", "channel", "event_id", "event_record_id", "record_id",
	"kind", "description", "client", "client_raw", "client_kind", "user", "spn", "status", "epa_policy",
	"breaks_under", "possibly_breaks_under", "chunk_damaged", "reason", "source_file", "chunk", "offset"}

// TimelineTimeLayout is the layout of time_utc in a CSV timeline; an
// unknown time (zero) is empty.
const TimelineTimeLayout = "2006-01-02 15:04:05.0000000"

// Timeline writes findings one row each, as they come, in CSV or JSON
// Lines, for timeline tools and spreadsheets; it keeps nothing but a
// write buffer, so any number of findings can be written. Create it with
// NewTimeline, call Write for each finding and Close at the end. Like
// bufio.Writer, it remembers the first error, and every later call
// returns it.
type Timeline struct {
	w      *bufio.Writer // JSON Lines
	enc    *json.Encoder
	cw     *csv.Writer
	format TimelineFormat
	header bool
	rows   int
	err    error
	fm     formats
}

// NewTimeline returns a Timeline writing to w in format. An unknown format
// makes Write and Close return an error wrapping ErrFormat. Close flushes
// but does not close w.
func NewTimeline(w io.Writer, format TimelineFormat) *Timeline {
	t := &Timeline{format: format}
	switch format {
	case TimelineCSV:
		t.cw = csv.NewWriter(w) // buffered
	case TimelineJSONL:
		t.w = bufio.NewWriter(w)
		t.enc = json.NewEncoder(t.w)
		t.enc.SetEscapeHTML(false)
	default:
		t.err = fmt.Errorf("%w: timeline format %q", ErrFormat, string(format))
	}
	return t
}

// Rows returns the number of findings written.
func (t *Timeline) Rows() int { return t.rows }

// timelineRow is a JSON Lines row; its keys are TimelineHeader.
type timelineRow struct {
	Time           string   `json:"time_utc"`
	Computer       string   `json:"computer"`
	Channel        string   `json:"channel"`
	EventID        uint16   `json:"event_id"`
	EventRecordID  uint64   `json:"event_record_id"`
	RecordID       uint64   `json:"record_id"`
	Kind           string   `json:"kind"`
	Description    string   `json:"description"`
	Client         string   `json:"client"`
	ClientRaw      string   `json:"client_raw"`
	ClientKind     string   `json:"client_kind"`
	User           string   `json:"user"`
	SPN            string   `json:"spn"`
	Status         string   `json:"status"`
	EPAPolicy      string   `json:"epa_policy"`
	BreaksUnder    []string `json:"breaks_under"`
	PossiblyBreaks []string `json:"possibly_breaks_under"`
	ChunkDamaged   bool     `json:"chunk_damaged"`
	Reason         string   `json:"reason"`
	Recovered      bool     `json:"recovered,omitempty"`
	SourceFile     string   `json:"source_file"`
	Chunk          int      `json:"chunk"`
	Offset         int64    `json:"offset"`
}

// timelineRowOf is the timeline row of a finding, but for its time.
func timelineRowOf(r *Record) timelineRow {
	status := r.Status
	if status == "" {
		status = r.SPNQueryStatus
	}
	certain, possible := EventSettings(r.EventID)
	if r.Kind == string(smbaudit.KindUnparsed) {
		certain, possible = nil, nil
	}
	return timelineRow{
		Computer: r.Server, Channel: r.Channel, EventID: r.EventID, EventRecordID: r.EventRecordID, RecordID: r.RecordID,
		Kind: r.Kind, Description: EventLabel(r.EventID), Client: r.ClientID, ClientRaw: r.ClientRaw, ClientKind: r.ClientKind,
		User: r.User, SPN: r.SPN, Status: status, EPAPolicy: r.EPAPolicy, BreaksUnder: settingsOut(certain),
		PossiblyBreaks: settingsOut(possible), ChunkDamaged: r.ChunkDamaged, Reason: r.Reason, Recovered: r.Recovered,
		SourceFile: r.Source.File, Chunk: r.Source.Chunk, Offset: r.Source.Offset,
	}
}

// Write writes one row for f. Unparsed findings are written too, with
// their reason and no settings.
func (t *Timeline) Write(f *smbaudit.Finding) error {
	if t.err != nil {
		return t.err
	}
	if err := t.writeHeader(); err != nil {
		return err
	}
	r := recordOf(f, &t.fm)
	row := timelineRowOf(&r)
	if t.enc != nil {
		row.Time = formatTime(r.Time)
		// As the JSON form (validUTF8), without reflection: a row per finding.
		for _, f := range []*string{&row.Computer, &row.Channel, &row.Client, &row.ClientRaw, &row.User, &row.SPN,
			&row.Status, &row.EPAPolicy, &row.Reason, &row.SourceFile} {
			*f = validUTF8(*f)
		}
		t.err = t.enc.Encode(row)
	} else {
		row.Time = ""
		if !r.Time.IsZero() { // unknown: empty, as in every other form
			row.Time = r.Time.UTC().Format(TimelineTimeLayout)
		}
		cells := []string{row.Time, row.Computer, row.Channel, strconv.Itoa(int(row.EventID)),
			strconv.FormatUint(row.EventRecordID, 10), strconv.FormatUint(row.RecordID, 10), row.Kind, row.Description,
			row.Client, row.ClientRaw, row.ClientKind, row.User, row.SPN, row.Status, row.EPAPolicy,
			strings.Join(row.BreaksUnder, ";"), strings.Join(row.PossiblyBreaks, ";"), strconv.FormatBool(row.ChunkDamaged),
			row.Reason, row.SourceFile, strconv.Itoa(row.Chunk), strconv.FormatInt(row.Offset, 10)}
		for i := range cells {
			cells[i] = csvSafe(Escape(cells[i]))
		}
		t.err = t.cw.Write(cells)
	}
	if t.err != nil {
		return t.err
	}
	t.rows++
	return nil
}

func (t *Timeline) writeHeader() error {
	if t.header || t.cw == nil {
		return nil
	}
	t.header = true
	t.err = t.cw.Write(timelineHeader)
	return t.err
}

// Close writes what is buffered (and the CSV header when no row was
// written) and returns the first error met. It does not close the
// underlying writer.
func (t *Timeline) Close() error {
	if t.err != nil {
		return t.err
	}
	if err := t.writeHeader(); err != nil {
		return err
	}
	if t.cw != nil {
		t.cw.Flush()
		t.err = t.cw.Error()
	} else {
		t.err = t.w.Flush()
	}
	return t.err
}

// EventSettings returns the settings of which an event ID is evidence that
// they break the client, by the rules the verdicts follow: those it is
// certain evidence for, and those it only possibly is (3027), in Settings
// order. An event ID that no rule names returns none.
func EventSettings(eventID uint16) (certain, possible []Setting) {
	for _, st := range settings {
		for _, ru := range rules {
			if ru.setting != st || ru.event != eventID {
				continue
			}
			if ru.certain {
				certain = append(certain, st)
			} else {
				possible = append(possible, st)
			}
			break
		}
	}
	return certain, possible
}
