package evtx

// Resource limits. They bound the work and memory that one crafted chunk or
// record can cost. Hitting one yields an *Error wrapping ErrLimit that names
// the place; nothing is dropped silently.
const (
	// maxRecordsPerChunk bounds the records framed in one chunk. A 64 KiB
	// chunk cannot hold more records of the 28-byte minimum size, so the
	// limit only guards the arithmetic.
	maxRecordsPerChunk = (chunkSize - chunkHeaderSize) / minRecordSize

	// maxTemplateArgs bounds the substitution values of one template
	// instance, in the reader's guard and in the BinXML pre-pass alike.
	// Windows templates carry a few dozen. The pinned decoder caps a known
	// template's count at 10240 but loops without bound on an unknown
	// template's count.
	maxTemplateArgs = 2048

	// maxDecoderRetries bounds how many times a chunk is decoded again after
	// the underlying decoder panicked, each time with the offending record
	// found (by bisection) and neutralised. Past it, the rest of the chunk is
	// reported lost.
	maxDecoderRetries = 8

	// maxInFlightChunksPerWorker bounds the decoded chunks waiting to be
	// consumed, per worker, so that memory does not grow with the file.
	maxInFlightChunksPerWorker = 2
)
