package smbaudit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/evtxkit/smbreadiness/evtx"
)

func TestDedup(t *testing.T) {
	t0 := time.Date(2025, 10, 3, 4, 5, 6, 700, time.UTC)
	mk := func(file string, rid, erid uint64, id uint16, tm time.Time, damaged bool) Finding {
		return Finding{Server: "FS01.corp.example", Channel: AuditChannel, EventID: id, Time: tm,
			RecordID: rid, EventRecordID: erid, Source: evtx.Source{File: file}, ChunkDamaged: damaged}
	}
	tests := []struct {
		name  string
		in    []Finding
		files []string // Source.File of the findings kept, in output order
	}{
		{"same record in two exports counts once, first source kept",
			[]Finding{mk("b.evtx", 7, 7, 3021, t0, false), mk("a.evtx", 7, 7, 3021, t0, false)}, []string{"a.evtx"}},
		{"the first place wins, damaged or not, as when streamed",
			[]Finding{mk("b.evtx", 7, 7, 3021, t0, false), mk("a.evtx", 7, 7, 3021, t0, true)}, []string{"a.evtx"}},
		{"a forwarded copy (other header ID, same EventRecordID) is the same record",
			[]Finding{mk("fs01.evtx", 7, 7, 3021, t0, false), mk("wef.evtx", 90001, 7, 3021, t0, false)}, []string{"fs01.evtx"}},
		{"an ID reused after a clear is another record",
			[]Finding{mk("a.evtx", 7, 7, 3021, t0, false), mk("b.evtx", 7, 7, 3021, t0.Add(time.Hour), false)},
			[]string{"a.evtx", "b.evtx"}},
		{"other event ID, other record",
			[]Finding{mk("a.evtx", 7, 7, 3024, t0, false), mk("a.evtx", 7, 7, 3021, t0, false)}, []string{"a.evtx", "a.evtx"}},
		{"no EventRecordID: the header ID is used",
			[]Finding{mk("a.evtx", 7, 0, 3021, t0, false), mk("b.evtx", 7, 0, 3021, t0, false)}, []string{"a.evtx"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := dedup(tt.in)
			var files []string
			for _, f := range out {
				files = append(files, f.Source.File)
			}
			assert.Equal(t, tt.files, files)
		})
	}
}
