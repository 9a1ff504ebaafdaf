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
	for _, n := range []int{0, 1, 2, 3, smallSet - 1, smallSet, smallSet + 1, 10 * smallSet} {
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
		require.Equal(t, len(keys) > smallSet, s.more != nil && s.more.big != nil, "n %d: a map past %d values only", n, smallSet)
		require.Equal(t, len(keys) == 1, s.has1, "n %d: one value held in place", n)
		require.Equal(t, len(keys) > 1, s.more != nil, "n %d", n)
		for _, k := range keys {
			require.True(t, s.has(k), "n %d: %s", n, k)
		}
		require.False(t, s.has("w"), "n %d", n)
		var sl slab[string]
		require.Equal(t, s.sorted(), s.take(false, &sl), "n %d", n)
	}
}

// The one value a set holds in place may be the zero value (an empty SPN
// is one), and a second value, smaller or larger, makes a sorted slice.
func TestSortedSetOfOne(t *testing.T) {
	for _, tc := range []struct {
		add  []string
		want []string
	}{
		{nil, nil},
		{[]string{""}, []string{""}},
		{[]string{"", ""}, []string{""}},
		{[]string{"b", "a"}, []string{"a", "b"}},
		{[]string{"a", "b"}, []string{"a", "b"}},
		{[]string{"b", "", "b", "c"}, []string{"", "b", "c"}},
	} {
		var s strset
		s.add(tc.add...)
		require.Equal(t, tc.want, s.sorted(), "%q", tc.add)
		require.Equal(t, len(tc.want), s.len(), "%q", tc.add)
		require.Equal(t, len(tc.want) == 1, s.has1, "%q", tc.add)
		var sl slab[string]
		require.Equal(t, tc.want, s.take(true, &sl), "%q", tc.add)
		var ids idset
		for _, v := range tc.add {
			ids.add(uint32(len(v)))
		}
		require.Equal(t, ids.len() == 1, ids.has1 && ids.more == nil, "%q", tc.add)
	}
}
