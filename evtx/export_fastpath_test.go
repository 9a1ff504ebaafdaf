package evtx

// SetForceDecoder makes the reader hand the records the pre-pass resolved
// to the decoder too (the path before the pre-pass was trusted alone), for
// the equivalence tests; it returns a function restoring the default.
func SetForceDecoder(on bool) (restore func()) {
	old := forceDecoder
	forceDecoder = on
	return func() { forceDecoder = old }
}
