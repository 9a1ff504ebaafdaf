package evtx

import vevtx "www.velocidex.com/golang/evtx"

// chunkSize and chunkHeaderSize are the fixed EVTX chunk geometry, taken
// from the underlying decoder so the two never disagree.
const (
	chunkSize       = vevtx.EVTX_CHUNK_SIZE
	chunkHeaderSize = vevtx.EVTX_CHUNK_HEADER_SIZE
)
