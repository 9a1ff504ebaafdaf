package report

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// A strset is a set whether it holds few values (a sorted slice) or many
// (a map past smallSet).
func TestStrset(t *testing.T) {
	for _, n := range []int{0, 1, smallSet - 1, smallSet, smallSet + 1, 10 * smallSet} {
		r := rand.New(rand.NewPCG(uint64(n), 1))
		var s strset
		want := map[string]bool{}
		for range 3 * n {
			v := fmt.Sprintf("v%03d", r.IntN(max(n, 1)))
			s.add(v)
			want[v] = true
		}
		var keys []string
		for k := range want {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		require.Equal(t, len(keys), s.len(), "n %d", n)
		require.Equal(t, keys, s.sorted(), "n %d", n)
		var seen []string
		s.each(func(v string) { seen = append(seen, v) })
		slices.Sort(seen)
		require.Equal(t, keys, seen, "n %d", n)
		require.Equal(t, len(keys) > smallSet, s.big != nil, "n %d: a map past %d values only", n, smallSet)
	}
}
