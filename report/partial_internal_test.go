package report

import (
	"crypto/sha256"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The document size cap: a guard stops at MaxPartialBytes whatever the
// document holds (here only white space, which no other limit catches).
func TestGuardStopsAtTheSizeCap(t *testing.T) {
	g := &guard{r: io.LimitReader(strings.NewReader(strings.Repeat(" ", 1<<20)), 1<<20), h: sha256.New()}
	g.max = 1000
	n, err := io.Copy(io.Discard, g)
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	assert.ErrorIs(t, err, ErrLimit)
	assert.Equal(t, int64(1000), fe.Offset)
	assert.LessOrEqual(t, n, int64(32<<10+1000), "stops within one read of the cap")
}

// stringsWithin finds a string past the limit wherever a client row holds
// one, as checkStrings does: every string, list element and map key of
// jsonClient is tried in turn.
func TestStringsWithinEveryString(t *testing.T) {
	const n = 8
	var build func(typ reflect.Type, long int, at *int) reflect.Value
	build = func(typ reflect.Type, long int, at *int) reflect.Value {
		switch typ.Kind() {
		case reflect.String:
			s := "x"
			if *at == long {
				s = strings.Repeat("y", n+1)
			}
			*at++
			return reflect.ValueOf(s).Convert(typ)
		case reflect.Struct:
			v := reflect.New(typ).Elem()
			for i := range typ.NumField() {
				v.Field(i).Set(build(typ.Field(i).Type, long, at))
			}
			return v
		case reflect.Slice:
			v := reflect.MakeSlice(typ, 1, 1)
			v.Index(0).Set(build(typ.Elem(), long, at))
			return v
		case reflect.Map:
			m := reflect.MakeMap(typ)
			k := build(typ.Key(), long, at)
			m.SetMapIndex(k, build(typ.Elem(), long, at))
			return m
		}
		return reflect.Zero(typ)
	}
	typ := reflect.TypeFor[jsonClient]()
	total := 0
	base := build(typ, -1, &total).Interface().(jsonClient)
	require.True(t, base.stringsWithin(n))
	require.Greater(t, total, 25, "the strings of a client row")
	for long := range total {
		at := 0
		jc := build(typ, long, &at).Interface().(jsonClient)
		require.False(t, jc.stringsWithin(n), "string %d of %d past the limit", long, total)
		require.True(t, jc.stringsWithin(n+1))
	}
}
