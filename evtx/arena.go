package evtx

// blockArena hands out values of T from blocks allocated once and reused
// after reset: a worker's per-chunk values (plans, template definitions,
// Events) cost an allocation per block, not per value. Everything handed
// out before a reset may be handed out again after it, so only an owner
// done with all of them resets. The zero value is empty.
type blockArena[T any] struct {
	blocks [][]T
	b, i   int // the next value is blocks[b][i]
}

// reset makes every value handed out reusable.
func (a *blockArena[T]) reset() { a.b, a.i = 0, 0 }

// take returns the next value, which may hold one handed out before the
// last reset: the caller sets it whole. A new block holds size values.
func (a *blockArena[T]) take(size int) *T {
	if a.b == len(a.blocks) {
		a.blocks = append(a.blocks, make([]T, size))
	}
	p := &a.blocks[a.b][a.i]
	if a.i++; a.i == len(a.blocks[a.b]) {
		a.b, a.i = a.b+1, 0
	}
	return p
}

// sliceSlab carves slices of T from blocks of backing allocated once and
// reused after reset, as blockArena does for values. A slice carved keeps
// its backing when the slab moves on to another block. The zero value is
// empty.
type sliceSlab[T any] struct {
	blocks  [][]T
	b, used int // the next slice starts at blocks[b][used]
}

// reset makes every block reusable.
func (s *sliceSlab[T]) reset() { s.b, s.used = 0, 0 }

// carve returns a slice of n values, holding whatever the backing held: the
// caller sets them. A block too short for what is left of it is passed
// over; a new block holds max(size, n) values.
func (s *sliceSlab[T]) carve(n, size int) []T {
	for s.b < len(s.blocks) && s.used+n > len(s.blocks[s.b]) {
		s.b, s.used = s.b+1, 0
	}
	if s.b == len(s.blocks) {
		s.blocks = append(s.blocks, make([]T, max(size, n)))
	}
	l := s.used
	s.used += n
	return s.blocks[s.b][l : l+n : l+n]
}
