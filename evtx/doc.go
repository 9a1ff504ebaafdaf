// Package evtx reads exported Windows event logs (.evtx) offline, on any
// operating system, and turns each record into a typed Event.
//
// It is built on the Velocidex BinXML decoder and wraps it in the parts a
// forensic reader needs and that decoder lacks: the file header, chunk
// discovery past the header's chunk count (dirty logs), CRC32 checks of every
// chunk header and record area, record framing checked before decoding,
// per-chunk panic recovery, resource limits against crafted files, exact
// 100 ns timestamps, and values rendered the way Windows renders them in its
// own XML (wevtutil qe /f:xml).
//
// # Input
//
// A log is an io.ReaderAt plus its size (NewReader), or a path (Open). It is
// only ever read.
//
// # Errors travel with events
//
// Reader.Events returns an iterator of (event, error) pairs in file order.
// A damaged chunk or record yields a non-nil *Error in its place, carrying
// the file, chunk index, byte offset and record ID, and iteration goes on with
// the next record or chunk. The error is part of every step of the loop, so a
// caller cannot forget that errors exist; ignoring them takes an explicit
// blank identifier:
//
//	for ev, err := range r.Events(ctx, evtx.Options{}) {
//		if err != nil {
//			log.Print(err) // damaged record or chunk; the loop goes on
//			continue
//		}
//		use(ev)
//	}
//
// Only the failures that concern the whole file (not EVTX, unsupported version,
// too short) are returned by NewReader and Open, as sentinel errors.
package evtx
