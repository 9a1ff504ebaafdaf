package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/report"
	"github.com/evtxkit/smbreadiness/smbaudit"
)

// A file name on Unix may be any bytes. The JSON form, which must be
// valid UTF-8, writes each byte that is not as Escape shows it (\xff),
// not as U+FFFD, which would lose it: the name stays recognisable, reads
// back as the other forms show it, and two files whose names differ only
// there stay two.
func TestJSONKeepsInvalidUTF8Recognisable(t *testing.T) {
	const path = "/logs/fs\xff\xfe02.evtx"
	const shown = `/logs/fs\xff\xfe02.evtx`
	res := &smbaudit.Result{
		Findings: []smbaudit.Finding{{Kind: smbaudit.KindSigningUnsupported, EventID: 3021, Server: "FS02", Time: pinned, RecordID: 7,
			Client: smbaudit.Client{ID: "10.0.0.5", Raw: "10.0.0.5", Kind: smbaudit.ClientIPv4},
			Source: evtx.Source{File: path, Offset: 4096}}},
		Files: []smbaudit.FileResult{{Path: path, Records: 1, Chunks: 1, ChunksDecoded: 1, FirstRecordID: 1,
			Errors: []error{errors.New("chunk 0: " + path + ": bad")}}},
	}
	r := newReport(res, report.Options{GeneratedAt: pinned, Meta: report.Meta{CommandLine: "smbaudit " + path}})
	var b bytes.Buffer
	require.NoError(t, r.Render(&b, report.FormatJSON, report.RenderOptions{}))
	doc := b.String()
	require.True(t, json.Valid(b.Bytes()))
	assert.NotContains(t, doc, `\ufffd`, "no byte replaced")
	assert.NotContains(t, doc, "\ufffd", "no byte replaced")
	for _, member := range []string{`"path": "`, `"file": "`, `"command_line": "smbaudit `, `"text": "`} {
		assert.Contains(t, doc, member+strings.ReplaceAll(shown, `\`, `\\`), "member %s", member)
	}
	assert.Contains(t, doc, `"chunk 0: `+strings.ReplaceAll(shown, `\`, `\\`)+`: bad"`)

	back, err := report.ReadJSON(strings.NewReader(doc))
	require.NoError(t, err)
	assert.Equal(t, shown, back.Inputs[0].Path)
	assert.Equal(t, shown, back.Findings[0].Source.File)
	var text, textBack bytes.Buffer
	require.NoError(t, r.Render(&text, report.FormatText, report.RenderOptions{}))
	require.NoError(t, back.Render(&textBack, report.FormatText, report.RenderOptions{}))
	assert.Contains(t, text.String(), shown)
	assert.Contains(t, textBack.String(), shown, "the partial read back shows the name as the text form of the original")
}

// The JSON Lines timeline writes a file name that is not UTF-8 as the
// JSON form does.
func TestTimelineJSONLKeepsInvalidUTF8Recognisable(t *testing.T) {
	var b bytes.Buffer
	tl := report.NewTimeline(&b, report.TimelineJSONL)
	require.NoError(t, tl.Write(&smbaudit.Finding{Kind: smbaudit.KindSigningUnsupported, EventID: 3021, Server: "FS02", Time: pinned,
		Client: smbaudit.Client{ID: "10.0.0.5", Raw: "10.0.0.5", Kind: smbaudit.ClientIPv4},
		Source: evtx.Source{File: "/logs/fs\xff02.evtx"}}))
	require.NoError(t, tl.Close())
	require.True(t, json.Valid(b.Bytes()))
	var row struct {
		SourceFile string `json:"source_file"`
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &row))
	assert.Equal(t, `/logs/fs\xff02.evtx`, row.SourceFile)
}
