package evtx

// Recovery of slack records (Options.Recover): the records left past a
// chunk's free-space offset from an earlier use of the chunk. frameChunk
// finds them and drops those that copy a record of the chunk itself;
// dropLiveCopies drops those that copy a record of another chunk.

// dropLiveCopies turns the recovered spans of slot idx that copy a live
// record of another chunk (same record ID and FILETIME) into silent slack,
// and returns how many it dropped. The other chunks are those whose header
// range holds the ID; their live records are framed as decode frames them.
func (d *chunkDecoder) dropLiveCopies(idx int, spans []span) int {
	dropped := 0
	for i := range spans {
		s := &spans[i]
		if !s.recovered {
			continue
		}
		for j, rg := range d.opts.ranges {
			if j == idx || !rg.ok || s.id < rg.first || s.id > rg.last {
				continue
			}
			if ft, ok := d.liveOf(j)[s.id]; ok && ft == s.fileTime {
				s.recovered, s.bad = false, errSlack
				dropped++
				break
			}
		}
	}
	return dropped
}

// liveOf returns the live records of slot j (those decode would return),
// by ID, with their FILETIME. The last slot read is cached.
func (d *chunkDecoder) liveOf(j int) map[uint64]uint64 {
	if j == d.liveSlot {
		return d.live
	}
	if d.other == nil {
		d.other = make([]byte, chunkSize)
	}
	buf := d.other
	off := d.r.firstChunk + int64(j)*chunkSize
	got, _ := d.r.ra.ReadAt(buf, off)
	clear(buf[max(got, 0):])
	d.liveSlot, d.live = j, map[uint64]uint64{}
	if got < chunkHeaderSize || string(buf[:8]) != chunkMagic {
		return d.live
	}
	h := parseChunkHeader(buf)
	end, trustEnd := int(h.freeSpace), true
	if got < chunkSize && end > got {
		end = got
	} else if end < chunkHeaderSize || end > chunkSize {
		end, trustEnd = chunkSize, false
	}
	fr := frameChunk(nil, buf, h, end, trustEnd, trustEnd && got == chunkSize, false, false)
	for _, s := range fr.spans {
		if s.bad == nil {
			d.live[s.id] = s.fileTime
		}
	}
	return d.live
}
