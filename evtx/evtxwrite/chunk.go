package evtxwrite

import (
	"encoding/binary"
	"hash/crc32"
	"maps"
)

const (
	fileHeaderSize  = 128
	fileBlockSize   = 4096
	chunkSize       = 0x10000
	chunkHeaderSize = 512
	recordHeader    = 24
)

type tmplRef struct {
	id  uint32
	off uint32
}

// chunk is a chunk being filled.
type chunk struct {
	buf         []byte
	free        int // offset of the free space
	lastRecOff  int
	strings     map[string]uint32
	strBuckets  [64]uint32
	templates   map[string]tmplRef
	tmplIDs     map[uint32]bool
	tmplBuckets [32]uint32
	nrec        int
	firstNum    uint64
	firstID     uint64
	lastID      uint64
	recOffsets  map[uint64]int // record ID -> chunk offset
}

func newChunk(firstNum uint64) *chunk {
	return &chunk{
		buf:        make([]byte, chunkSize),
		free:       chunkHeaderSize,
		strings:    map[string]uint32{},
		templates:  map[string]tmplRef{},
		tmplIDs:    map[uint32]bool{},
		firstNum:   firstNum,
		recOffsets: map[uint64]int{},
	}
}

type chunkState struct {
	strings     map[string]uint32
	strBuckets  [64]uint32
	templates   map[string]tmplRef
	tmplIDs     map[uint32]bool
	tmplBuckets [32]uint32
}

func (c *chunk) save() chunkState {
	return chunkState{maps.Clone(c.strings), c.strBuckets, maps.Clone(c.templates), maps.Clone(c.tmplIDs), c.tmplBuckets}
}

func (c *chunk) restore(s chunkState) {
	c.strings, c.strBuckets, c.templates, c.tmplIDs, c.tmplBuckets = s.strings, s.strBuckets, s.templates, s.tmplIDs, s.tmplBuckets
}

// lookupTemplate returns the template's identifier in this chunk and, when
// the chunk already defines it, its offset. Identifiers are the first four
// bytes of the template GUID, made unique within the chunk.
func (c *chunk) lookupTemplate(t *template) (id, off uint32, known bool) {
	if r, ok := c.templates[t.key]; ok {
		return r.id, r.off, true
	}
	id = binary.LittleEndian.Uint32(t.guid[:4])
	for id == 0 || c.tmplIDs[id] {
		id = id*2654435761 + 1
	}
	return id, 0, false
}

func (c *chunk) defineTemplate(t *template, id, off uint32) {
	c.templates[t.key] = tmplRef{id, off}
	c.tmplIDs[id] = true
}

// add encodes a record and appends it if it fits; it reports whether it did.
func (c *chunk) add(recordID uint64, written uint64, in *instance) bool {
	st := c.save()
	e := &enc{base: c.free, c: c}
	e.b = append(e.b, '*', '*', 0, 0)
	e.u32(0)
	e.u64(recordID)
	e.u64(written)
	e.b = append(e.b, tokFragment, 1, 1, 0)
	e.instance(in)
	e.u8(tokEOF)
	for (len(e.b)+4)%8 != 0 {
		e.u8(0)
	}
	e.u32(uint32(len(e.b) + 4))
	binary.LittleEndian.PutUint32(e.b[4:], uint32(len(e.b)))
	if c.free+len(e.b) > chunkSize {
		c.restore(st)
		return false
	}
	copy(c.buf[c.free:], e.b)
	c.recOffsets[recordID] = c.free
	c.lastRecOff = c.free
	c.free += len(e.b)
	if c.nrec == 0 {
		c.firstID = recordID
	}
	c.lastID = recordID
	c.nrec++
	return true
}

// finish fills the chunk header and CRCs.
func (c *chunk) finish(d Damage, index int) {
	b := c.buf
	le := binary.LittleEndian
	copy(b, "ElfChnk\x00")
	le.PutUint64(b[8:], c.firstNum)
	le.PutUint64(b[16:], c.firstNum+uint64(c.nrec)-1)
	le.PutUint64(b[24:], c.firstID)
	le.PutUint64(b[32:], c.lastID)
	le.PutUint32(b[40:], 128)
	le.PutUint32(b[44:], uint32(c.lastRecOff))
	le.PutUint32(b[48:], uint32(c.free))
	for i, v := range c.strBuckets {
		le.PutUint32(b[128+4*i:], v)
	}
	for i, v := range c.tmplBuckets {
		le.PutUint32(b[384+4*i:], v)
	}
	if d.BadRecordMagic != 0 {
		if off, ok := c.recOffsets[d.BadRecordMagic]; ok {
			copy(b[off:], "*#\x00\x00")
		}
	}
	rc := crc32.ChecksumIEEE(b[chunkHeaderSize:c.free])
	if d.BadRecordsCRC && index == 0 {
		rc = ^rc
	}
	le.PutUint32(b[52:], rc)
	le.PutUint32(b[120:], 0) // flags
	h := crc32.NewIEEE()
	h.Write(b[:120])
	h.Write(b[128:chunkHeaderSize])
	hc := h.Sum32()
	if d.BadChunkHeaderCRC && index == 0 {
		hc = ^hc
	}
	le.PutUint32(b[124:], hc)
}
