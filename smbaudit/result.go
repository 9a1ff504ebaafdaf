package smbaudit

import "time"

// FileResult describes what a scan did with one input file.
type FileResult struct {
	Path string
	Size int64
	// Skipped is set when the file could not be read at all (unreadable,
	// not EVTX, unsupported version, too short); Err says why, and Cause
	// sorts Err (CauseOf): test Err with errors.Is for evtx.ErrNotEVTX,
	// fs.ErrNotExist and the like.
	Skipped bool
	Err     error
	Cause   Cause
	// Chunks is the number of chunks found; ChunksDecoded of them were
	// decoded, the rest skipped by the provider pre-filter.
	Chunks        int
	ChunksDecoded int
	// ChunksSkipped counts the chunks the provider pre-filter proved hold
	// no SMB server event; they were not decoded.
	ChunksSkipped int
	// Records is the number of records decoded (in decoded chunks, of the
	// providers decoded). RecordsInChunks is the number of records the
	// file's chunks hold, by their headers' first and last record numbers (by Records for
	// a chunk whose header fails its checksum): with the provider
	// pre-filter, a mixed log decodes a few of many records.
	Records         int
	RecordsInChunks int
	// FirstRecordID is the lowest record ID of the file's chunk headers
	// (0 when no chunk header could be trusted). Above 1, older records
	// are gone: the log wrapped (a circular log overwrote them) or was
	// cleared.
	FirstRecordID uint64
	// SHA256 is the SHA-256 of the file's bytes as read, in one
	// sequential pass before decoding; zero for a skipped file or when
	// that pass failed (the error is then in Errors).
	SHA256 [32]byte
	// DamagedChunks lists the indexes of chunks that failed a checksum or
	// could not be decoded whole.
	DamagedChunks []int
	// Errors holds every chunk or record error met, in reading order: each
	// an *evtx.Error naming the file, chunk and offset and wrapping one of
	// evtx's sentinel errors (evtx.ErrBadRecord, evtx.ErrChunkDataChecksum,
	// ...). A failure of the SHA-256 pass comes last: an error naming the
	// byte offset where reading failed and wrapping the read error.
	Errors []error
	// First and Last bound the TimeCreated of every decoded record.
	First, Last time.Time
}

// ServerCoverage is the time window that the inputs cover for one server
// (the records' Computer): over every decoded event of that server, and
// over those of its Audit channel alone.
type ServerCoverage struct {
	Server string
	// First and Last bound the times of its records but those of damaged
	// chunks (evtx.Event.ChunkDamaged), whose times may be garbage: zero
	// when every record of the server is from a damaged chunk.
	First time.Time
	Last  time.Time
	// AuditFirst and AuditLast bound, likewise, the times of its records in
	// AuditChannel (the channel RecordChannel gives: a recognised audit
	// event forwarded with its channel rewritten counts), the window over
	// which its audits could have seen a client: zero when it has none
	// outside damaged chunks.
	AuditFirst time.Time
	AuditLast  time.Time
	Events     int // decoded events of this server
	// AuditEvents counts the audit findings (3021, 3024-3027) of this server.
	AuditEvents int
}

// Result is everything a scan produced.
type Result struct {
	Findings []Finding
	Files    []FileResult
	Servers  []ServerCoverage
}
