package evtx

// ForceDecoder makes r hand the records the pre-pass resolved to the
// decoder too (the path before the pre-pass was trusted alone), for the
// equivalence tests.
func ForceDecoder(r *Reader) { r.hooks = &decodeHooks{forceDecoder: true} }

// LazyChunks counts the chunks of the log b in which the record-level
// pre-filter (lazyInspect) inspected only some records, for opts.
func LazyChunks(b []byte, opts Options) (lazy, total int) {
	r := &Reader{ra: bytesReaderAt(b), size: int64(len(b)), name: "t.evtx", firstChunk: defaultHeaderBlock}
	d := newChunkDecoder(r, compileOptions(opts))
	for i := range r.slots() {
		off := r.firstChunk + int64(i)*chunkSize
		if off+chunkSize > r.size {
			break
		}
		buf := b[off : off+chunkSize]
		if string(buf[:8]) != chunkMagic || !d.opts.mayHoldProvider(buf, d.cp) {
			continue
		}
		total++
		spans := frameRecords(buf, int(parseChunkHeader(buf).freeSpace), true)
		works := make([]*recordWork, len(spans))
		for j, s := range spans {
			works[j] = &recordWork{span: s}
		}
		if d.lazyInspect(buf, works) {
			lazy++
		}
	}
	return lazy, total
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	return copy(p, b[off:]), nil
}
