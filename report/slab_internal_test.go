package report

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// Slices carved from a slab are each their own: appending to one, or to a
// set's values taken from it, never writes into its neighbour's.
func TestSlab(t *testing.T) {
	for _, tc := range []struct{ n, c int }{{0, 0}, {0, 1}, {1, 1}, {2, 3}, {0, slabChunk / 8}, {1, slabChunk/8 + 1}} {
		t.Run(fmt.Sprintf("make(%d,%d)", tc.n, tc.c), func(t *testing.T) {
			var sl slab[string]
			var got [][]string
			for i := range 3 * slabChunk / max(tc.c, 1) {
				s := sl.make(tc.n, tc.c)
				require.Len(t, s, tc.n)
				require.Equal(t, tc.c, cap(s))
				require.NotNil(t, s)
				for k := range s {
					s[k] = fmt.Sprint(i)
				}
				got = append(got, s)
			}
			for i := range got {
				got[i] = append(got[i], "past its capacity") // copies, as for a slice made apart
			}
			for i, s := range got {
				for _, v := range s[:tc.n] {
					require.Equal(t, fmt.Sprint(i), v, "slice %d", i)
				}
			}
		})
	}

	t.Run("sets of one value", func(t *testing.T) {
		var sl slab[string]
		sets := make([]strset, 100)
		var got [][]string
		for i := range sets {
			sets[i].add(fmt.Sprintf("a%03d", i))
			got = append(got, sets[i].take(true, &sl))
		}
		for i := range got {
			got[i] = append(got[i], "past its capacity")
		}
		for i := range sets {
			require.Equal(t, []string{fmt.Sprintf("a%03d", i)}, got[i][:1])
			require.Equal(t, []string{fmt.Sprintf("a%03d", i)}, sets[i].sorted())
		}
	})
	t.Run("nil slab", func(t *testing.T) {
		var sl *slab[int]
		s := sl.make(2, 4)
		require.Len(t, s, 2)
		require.Equal(t, 4, cap(s))
	})
}
