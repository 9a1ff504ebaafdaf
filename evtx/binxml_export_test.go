package evtx

import "encoding/binary"

// BinXMLRecordForTest is what the pre-pass made of one record, exported for
// the round-trip test of package evtx_test (which may import evtxwrite).
type BinXMLRecordForTest struct {
	RecordID uint64
	Paths    []string // in document order
	Texts    []string
	Types    []Type
	FileTime map[string]uint64 // FILETIME values by path
	Err      error
}

// BinXMLValuesForTest runs the pre-pass over every record of every chunk of
// an EVTX image, framing records one after the other up to each chunk's
// free-space offset.
func BinXMLValuesForTest(file []byte) []BinXMLRecordForTest {
	var out []BinXMLRecordForTest
	for base := 4096; base+chunkSize <= len(file); base += chunkSize {
		chunk := file[base : base+chunkSize]
		if string(chunk[:8]) != "ElfChnk\x00" {
			continue
		}
		free := int(binary.LittleEndian.Uint32(chunk[48:]))
		d := newChunkInspector(chunk)
		for off := chunkHeaderSize; off+bxRecMin <= free && [4]byte(chunk[off:off+4]) == bxRecMagic; {
			size := int(binary.LittleEndian.Uint32(chunk[off+4:]))
			plan, err := d.inspect(off, size)
			r := BinXMLRecordForTest{Err: err, FileTime: map[string]uint64{}}
			if plan != nil {
				r.RecordID = plan.recordID
				for _, pv := range plan.ordered {
					r.Paths = append(r.Paths, pv.Path)
					r.Texts = append(r.Texts, pv.Value.Text)
					r.Types = append(r.Types, pv.Value.Type)
					if pv.Value.FileTime != 0 {
						r.FileTime[pv.Path] = pv.Value.FileTime
					}
				}
			}
			out = append(out, r)
			if size < bxRecMin {
				break
			}
			off += size
		}
	}
	return out
}
