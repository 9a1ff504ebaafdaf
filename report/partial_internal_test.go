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

// chunkReader returns its bytes in reads of the sizes given in turn.
type chunkReader struct {
	b     []byte
	sizes []int
	k     int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(r.b), r.sizes[r.k%len(r.sizes)])
	r.k++
	copy(p, r.b[:n])
	r.b = r.b[n:]
	return n, nil
}

// guard skips the plain bytes of a string at once; it stops where
// scanning every byte stops, with the same error, however the document is
// cut into reads.
func TestGuardSkipsStringsAsScanning(t *testing.T) {
	long := strings.Repeat("a", maxRawString)
	docs := []string{
		`{"a": "plain", "b": ["x\"y", "\\", "\u00e9"], "c": 1}`,
		`{"a": "` + long + `"}`,
		`{"a": "` + long + `b"}`,
		`{"a": "` + long[:maxRawString-2] + `\"x"}`,
		`{"a": "` + long[:maxRawString-1] + `\"x"}`,
		`{"a": "` + long[:100] + `\\` + long[:maxRawString] + `"}`,
		`{"a": "x"} trailing`,
		`"` + long + long + `"`,
	}
	for i, doc := range docs {
		// What scanning every byte gives.
		ref := &guard{}
		wantAt, wantMsg := int64(-1), ""
		for k := range len(doc) {
			if e := ref.scan(doc[k]); e != nil {
				wantAt, wantMsg = int64(k), e.Error()
				break
			}
		}
		for _, sizes := range [][]int{{1 << 20}, {1}, {7, 3, 1}, {4096}, {maxRawString - 1}} {
			g := &guard{r: &chunkReader{b: []byte(doc), sizes: sizes}, h: sha256.New()}
			_, err := io.Copy(io.Discard, g)
			if wantAt < 0 {
				require.NoError(t, err, "doc %d, reads of %v", i, sizes)
				continue
			}
			var fe *FieldError
			require.ErrorAs(t, err, &fe, "doc %d, reads of %v", i, sizes)
			assert.Equal(t, wantAt, fe.Offset, "doc %d, reads of %v", i, sizes)
			assert.Equal(t, wantMsg, fe.Msg, "doc %d, reads of %v", i, sizes)
		}
	}
}
