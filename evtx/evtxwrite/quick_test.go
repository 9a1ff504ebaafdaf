package evtxwrite

import (
	"bytes"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/stretchr/testify/require"
)

func TestQuickVelocidex(t *testing.T) {
	q := uint16(0)
	evs := []Event{{
		Provider: "Microsoft-Windows-SMBServer", ProviderGUID: "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}",
		Channel: "Microsoft-Windows-SMBServer/Audit", Computer: "FS01.corp.example", EventID: 3021, Level: 4,
		Keywords: 0x8000000000000000, TimeCreated: time.Date(2025, 10, 1, 8, 0, 0, 123456700, time.UTC),
		RecordID: 17, ProcessID: 4, ThreadID: 120, UserSID: "S-1-5-18", Qualifiers: &q,
		Data: []Data{{"ClientNameLength", evtx.TypeUint16, 11}, {"ClientName", evtx.TypeString, `\\10.0.0.5`}, {"ServerRequiresSigning", evtx.TypeBool, false}},
	}, {Provider: "P", Computer: "FS01.corp.example", EventID: 1, Data: []Data{{"", evtx.TypeUint32, 5}}}}
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, evs, Options{}))
	got := velocidexDecode(t, buf.Bytes())
	require.Len(t, got, 2)
	sys0 := got[0]["Event"].(map[string]any)["System"].(map[string]any)
	require.Equal(t, "Microsoft-Windows-SMBServer", sys0["Provider"].(map[string]any)["Name"])
	require.Equal(t, "FS01.corp.example", sys0["Computer"])
	require.EqualValues(t, 17, sys0["EventRecordID"])
	ed := got[0]["Event"].(map[string]any)["EventData"].(map[string]any)
	require.Equal(t, `\\10.0.0.5`, ed["ClientName"])
	require.EqualValues(t, 11, ed["ClientNameLength"])
	require.Equal(t, false, ed["ServerRequiresSigning"])
}
