package smbaudit

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScanRecoverMarksFindings: with ScanOptions.Recover the events left in
// a chunk's slack are classified too, and their findings are marked.
func TestScanRecoverMarksFindings(t *testing.T) {
	const n, slack = 30, 3
	p := auditLog(t, "audit.evtx", "fs01", 1, n, time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC))
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	// Lower chunk 0's header so that its last `slack` records lie past its
	// free-space offset, and give the first of them an ID outside its range:
	// slack, as left by an earlier use of the chunk.
	le := binary.LittleEndian
	c := b[0x1000 : 0x1000+0x10000]
	var offs []int
	for off := 0x200; off < int(le.Uint32(c[0x30:])); off += int(le.Uint32(c[off+4:])) {
		offs = append(offs, off)
	}
	require.Len(t, offs, n)
	keep := n - slack
	le.PutUint64(c[0x10:], uint64(keep))
	le.PutUint64(c[0x20:], uint64(keep))
	le.PutUint32(c[0x2c:], uint32(offs[keep-1]))
	le.PutUint32(c[0x30:], uint32(offs[keep]))
	le.PutUint64(c[offs[keep]+8:], 9000)
	le.PutUint32(c[0x34:], crc32.ChecksumIEEE(c[0x200:offs[keep]]))
	le.PutUint32(c[0x7c:], crc32.Update(crc32.ChecksumIEEE(c[:0x78]), crc32.IEEETable, c[0x80:0x200]))
	le.PutUint64(b[0x18:], uint64(keep+1)) // the file header's next record ID
	le.PutUint32(b[0x7c:], crc32.ChecksumIEEE(b[:0x78]))
	require.NoError(t, os.WriteFile(p, b, 0o644))

	for _, tc := range []struct {
		recover       bool
		wantRecovered []uint64
	}{
		{false, nil},
		{true, []uint64{9000, n - 1, n}},
	} {
		res, err := Scan(context.Background(), []string{p}, ScanOptions{Recover: tc.recover})
		require.NoError(t, err)
		var live int
		var recovered []uint64
		for _, f := range res.Findings {
			if f.Recovered {
				recovered = append(recovered, f.RecordID)
			} else {
				live++
			}
		}
		assert.Equal(t, keep, live, "recover %v", tc.recover)
		assert.ElementsMatch(t, tc.wantRecovered, recovered, "recover %v", tc.recover)
		require.Len(t, res.Files, 1)
		assert.Empty(t, res.Files[0].Errors, "slack is not damage")
	}
}
