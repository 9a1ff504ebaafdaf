// Package benchgen writes the synthetic logs the benchmarks read: large
// WEF-style mixed logs (Security and System events from many computers with
// SMB server audit events spread among them at a given density) and
// audit-only logs, of any size, with the project's own writer (evtxwrite).
//
// A log is written in batches: each batch is encoded by evtxwrite, its chunks
// are appended to the output with their record numbers made continuous and
// their header checksums recomputed, and the file header is written last. So
// memory stays bounded by one batch whatever the size asked for, and the
// result is a sound EVTX file: every checksum holds and record IDs and
// numbers run on from chunk to chunk. The same Config always gives the same
// bytes.
//
// Nothing it writes is committed: scripts/bench.sh and the benchmarks create
// the logs in a temporary directory at benchmark time.
package benchgen

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

const (
	fileBlock = 4096
	chunkSize = 64 << 10
	// batchEvents is how many events are encoded at a time: about 5 MiB
	// of chunks, one partly filled chunk per batch.
	batchEvents = 4000
)

// ErrConfig is returned for a Config that cannot be generated.
var ErrConfig = errors.New("benchgen: bad config")

// Config describes a log to generate. The zero value of each field but Size
// has a usable default.
type Config struct {
	// Size is the target file size in bytes; the log ends with the first
	// batch that reaches it, so it may be up to one batch (about 5 MiB)
	// larger.
	Size int64
	// SMBFraction is the probability of each event being an SMB server
	// audit event (3021, 3024-3027); 1 gives an audit-only log
	// (Microsoft-Windows-SMBServer/Audit events only). 0.001 is "0.1%".
	SMBFraction float64
	// Computers is the number of distinct computers that sent the Security
	// and System events (default 500); FileServers the number that sent
	// the SMB audit events (default 20).
	Computers, FileServers int
	// Clients is the number of distinct SMB clients seen (default 300).
	Clients int
	// Seed makes the log reproducible (default 1).
	Seed uint64
	// Start is the time of the first event (default 2025-10-01T00:00:00Z);
	// events are about 40 ms apart.
	Start time.Time
}

// Stats says what was written.
type Stats struct {
	Bytes     int64
	Chunks    int
	Events    int
	SMBEvents int
}

// WriteFile generates the log described by cfg at path (created or
// truncated).
func WriteFile(path string, cfg Config) (Stats, error) {
	f, err := os.Create(path)
	if err != nil {
		return Stats{}, err
	}
	st, err := Write(f, cfg)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return Stats{}, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return st, nil
}

// Write generates the log described by cfg into w, which must be positioned
// at offset 0 (the file header is written at the end with WriteAt).
func Write(w io.WriterAt, cfg Config) (Stats, error) {
	if cfg.Size <= 0 || cfg.SMBFraction < 0 || cfg.SMBFraction > 1 {
		return Stats{}, fmt.Errorf("%w: size %d, SMB fraction %g", ErrConfig, cfg.Size, cfg.SMBFraction)
	}
	g := newGen(cfg)
	var st Stats
	off := int64(fileBlock)
	var recNum, recID uint64 // last record number and ID written
	// Batches are drawn in order (the random stream fixes the content)
	// and encoded by two goroutines; their chunks are written in order.
	type batch struct {
		img []byte
		err error
	}
	pending := make(chan chan batch, 2)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(pending)
		// Keep drawing until the writer side says stop.
		for {
			evs := make([]evtxwrite.Event, batchEvents)
			for i := range evs {
				recID++
				evs[i] = g.event(recID)
			}
			out := make(chan batch, 1)
			select {
			case pending <- out:
			case <-stop:
				return
			}
			go func() {
				img, err := evtxwrite.Encode(evs, evtxwrite.Options{})
				out <- batch{img, err}
			}()
		}
	}()
	for off < cfg.Size {
		b := <-(<-pending)
		if b.err != nil {
			return st, b.err
		}
		img := b.img
		for c := fileBlock; c+chunkSize <= len(img); c += chunkSize {
			ch := img[c : c+chunkSize]
			n := binary.LittleEndian.Uint64(ch[16:]) - binary.LittleEndian.Uint64(ch[8:]) + 1
			st.Events += int(n)
			st.SMBEvents += countSMB(ch)
			recNum = renumber(ch, recNum)
			if _, err := w.WriteAt(ch, off); err != nil {
				return st, err
			}
			off += chunkSize
			st.Chunks++
		}
	}
	lastID := uint64(0)
	if st.Chunks > 0 {
		lastID = uint64(st.Events)
	}
	hdr := fileHeader(st.Chunks, lastID+1)
	if _, err := w.WriteAt(hdr, 0); err != nil {
		return st, err
	}
	st.Bytes = off
	return st, nil
}

// renumber makes a chunk's record numbers follow last and recomputes its
// header checksum; it returns the chunk's last record number.
func renumber(ch []byte, last uint64) uint64 {
	le := binary.LittleEndian
	first, end := le.Uint64(ch[8:]), le.Uint64(ch[16:])
	n := end - first
	le.PutUint64(ch[8:], last+1)
	le.PutUint64(ch[16:], last+1+n)
	c := crc32.ChecksumIEEE(ch[:120])
	c = crc32.Update(c, crc32.IEEETable, ch[128:512])
	le.PutUint32(ch[124:], c)
	return last + 1 + n
}

// fileHeader is the 4 KiB header block of a log of n chunks.
func fileHeader(n int, nextID uint64) []byte {
	le := binary.LittleEndian
	h := make([]byte, fileBlock)
	copy(h, "ElfFile\x00")
	le.PutUint64(h[16:], uint64(max(n-1, 0)))
	le.PutUint64(h[24:], nextID)
	le.PutUint32(h[32:], 128)
	le.PutUint16(h[36:], 1)
	le.PutUint16(h[38:], 3)
	le.PutUint16(h[40:], fileBlock)
	le.PutUint16(h[42:], uint16(min(n, 0xffff)))
	le.PutUint32(h[124:], crc32.ChecksumIEEE(h[:120]))
	return h
}

// countSMB counts the SMB audit records of a chunk: the writer stores the
// channel name as a string substitution in every record, and only those
// records have this channel.
func countSMB(ch []byte) int {
	return bytes.Count(ch, smbChannelUTF16)
}

var smbChannelUTF16 = func() []byte {
	var b []byte
	for _, r := range smbChannel {
		b = append(b, byte(r), 0)
	}
	return b
}()
