package evtx

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSliceSlab checks that the slices carved between two resets never
// share memory, are n long with no room to grow into a neighbour, and that
// after a reset the same carving reuses the blocks it made: no new block.
func TestSliceSlab(t *testing.T) {
	cases := []struct {
		name  string
		size  int
		sizes []int
	}{
		{"fits one block", 16, []int{3, 5, 8}},
		{"spills into a second", 16, []int{10, 10, 10}},
		{"larger than a block", 4, []int{2, 9, 1, 3}},
		{"empty slices", 4, []int{0, 4, 0, 4}},
		{"many", 8, []int{1, 2, 3, 4, 5, 6, 7, 8, 7, 6, 5, 4, 3, 2, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s sliceSlab[int]
			var blocks int
			for round := range 3 {
				var got [][]int
				for i, n := range c.sizes {
					sl := s.carve(n, c.size)
					require.Len(t, sl, n)
					require.Equal(t, n, cap(sl), "no room to append into the next slice")
					for j := range sl {
						sl[j] = round*1000 + i
					}
					got = append(got, sl)
				}
				for i, sl := range got {
					for j, v := range sl {
						require.Equal(t, round*1000+i, v, "round %d, slice %d, value %d overwritten by a later slice", round, i, j)
					}
				}
				if round == 0 {
					blocks = len(s.blocks)
				} else {
					assert.Equal(t, blocks, len(s.blocks), "round %d: the blocks of the first round reused", round)
				}
				s.reset()
			}
		})
	}
}

// TestSliceSlabKeepsCarved checks that a slice carved before the slab moves
// on to another block keeps its values, and that a reset slab carving a
// longer slice than its first block holds passes over it.
func TestSliceSlabKeepsCarved(t *testing.T) {
	var s sliceSlab[string]
	a := s.carve(3, 4)
	copy(a, []string{"a", "b", "c"})
	b := s.carve(3, 4) // does not fit after a: a second block
	copy(b, []string{"d", "e", "f"})
	assert.Equal(t, []string{"a", "b", "c"}, a)
	assert.Equal(t, []string{"d", "e", "f"}, b)
	s.reset()
	c := s.carve(6, 4) // longer than both blocks: a third
	assert.Len(t, c, 6)
	assert.Len(t, s.blocks, 3)
	d := s.carve(2, 4)
	assert.Len(t, d, 2)
	assert.Len(t, s.blocks, 4, "nothing is carved from blocks passed over before the reset")
}

// TestBlockArena checks that values taken between two resets are
// distinct, and that after a reset the same ones are handed out again.
func TestBlockArena(t *testing.T) {
	for _, size := range []int{1, 3, 64} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			var a blockArena[int]
			var first []*int
			for round := range 2 {
				seen := map[*int]bool{}
				for i := range 100 {
					p := a.take(size)
					require.False(t, seen[p], "value %d handed out twice", i)
					seen[p] = true
					if round == 0 {
						first = append(first, p)
					} else {
						assert.Same(t, first[i], p, "value %d reused after the reset", i)
					}
				}
				a.reset()
			}
		})
	}
}
