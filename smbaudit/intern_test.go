package smbaudit

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// classifyAll reads every event of path with the evtx reader and classifies
// it, without the scan's sharing: what the scan's findings must equal.
func classifyAll(t *testing.T, path string) []Finding {
	t.Helper()
	f, err := evtx.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []Finding
	for ev, err := range f.Events(context.Background(), evtx.Options{}) {
		if err != nil {
			continue
		}
		if fnd, ok := Classify(ev); ok {
			out = append(out, fnd)
		}
	}
	return out
}

func bySource(a, b Finding) int {
	return cmp.Or(CompareCopies(a.Source, b.Source), cmp.Compare(a.RecordID, b.RecordID))
}

func mapPtr(m any) uintptr { return reflect.ValueOf(m).Pointer() }

// The scan shares values between findings; that must change no finding.
// One classifying goroutine, so that one interner sees every finding.
func TestScanSharingKeepsMeaning(t *testing.T) {
	defer func(n int) { classifyWorkersN = n }(classifyWorkersN)
	classifyWorkersN = 1
	for _, name := range []string{"audit-fs01.evtx", "audit-fs01-damaged.evtx", "forwarded-events.evtx"} {
		t.Run(name, func(t *testing.T) {
			want := classifyAll(t, fixture(name))
			require.NotEmpty(t, want)
			got := scan(t, ScanOptions{}, fixture(name)).Findings
			slices.SortFunc(want, bySource)
			slices.SortFunc(got, bySource)
			assert.Equal(t, want, got)

			// Findings with equal mappings share one pair of maps.
			shared := 0
			for i := 1; i < len(got); i++ {
				a, b := got[i-1], got[i]
				if reflect.DeepEqual(a.Mapping, b.Mapping) && reflect.DeepEqual(a.MappedFrom, b.MappedFrom) {
					assert.Equal(t, mapPtr(a.Mapping), mapPtr(b.Mapping))
					assert.Equal(t, mapPtr(a.MappedFrom), mapPtr(b.MappedFrom))
					shared++
				}
			}
			assert.Positive(t, shared)
		})
	}
}

func TestInternerValues(t *testing.T) {
	in := newInterner()
	tr, fa := true, false
	mk := func(b *bool, from string, unm []evtx.Field, svc *bool) Finding {
		return Finding{Server: string([]byte("FS01")), ServerRequiresSigning: b, ServiceClassIsValid: svc,
			SPNQueryStatus: &NTStatus{Code: 0xC0000225, Name: "STATUS_NOT_FOUND"},
			Mapping:        map[string]MappedBy{FieldClient: MappedByName}, MappedFrom: map[string]string{FieldClient: from},
			Unmapped: unm}
	}
	a := mk(&tr, "ClientName", []evtx.Field{{Name: "X", Value: "1", Type: evtx.TypeUint32}}, ptr(true))
	b := mk(&tr, "ClientName", []evtx.Field{{Name: "X", Value: "1", Type: evtx.TypeUint32}}, ptr(true))
	c := mk(&fa, "#0", []evtx.Field{{Name: "X", Value: "1", Type: evtx.TypeString}}, ptr(false))
	d := mk(nil, "ClientName\x00", nil, nil)
	wa, wb, wc, wd := a, b, c, d
	for _, f := range []*Finding{&a, &b, &c, &d} {
		in.finding(f)
	}
	for _, p := range [][2]Finding{{wa, a}, {wb, b}, {wc, c}, {wd, d}} {
		assert.Equal(t, p[0], p[1], "interning keeps the values")
	}
	assert.Equal(t, mapPtr(a.Mapping), mapPtr(b.Mapping), "equal mappings shared")
	assert.Equal(t, mapPtr(a.MappedFrom), mapPtr(b.MappedFrom))
	assert.NotEqual(t, mapPtr(a.MappedFrom), mapPtr(c.MappedFrom), "different mappings not shared")
	assert.NotEqual(t, mapPtr(a.MappedFrom), mapPtr(d.MappedFrom), "a NUL in a name does not collide")
	assert.Same(t, &a.Unmapped[0], &b.Unmapped[0])
	assert.NotSame(t, &a.Unmapped[0], &c.Unmapped[0], "a different type is a different field")
	assert.Same(t, a.ServiceClassIsValid, b.ServiceClassIsValid)
	assert.NotSame(t, a.ServiceClassIsValid, c.ServiceClassIsValid)
	assert.Nil(t, d.ServiceClassIsValid)
	assert.Same(t, a.SPNQueryStatus, c.SPNQueryStatus)
	assert.Same(t, a.ServerRequiresSigning, b.ServerRequiresSigning)
	assert.Nil(t, d.ServerRequiresSigning)
	assert.Nil(t, d.Unmapped)
	assert.Equal(t, reflect.ValueOf(a.Server).String(), "FS01")
	assert.Equal(t, "fs01", in.lowerOf("FS01"))
}

func TestInternerBounded(t *testing.T) {
	in := newInterner()
	for i := range maxInterned + 10 {
		s := string(rune(0x10000 + i))
		assert.Equal(t, s, in.str(s))
	}
	assert.Len(t, in.strs, maxInterned)
}

// OnFinding streams the same unique findings that Result.Findings holds,
// with the same files and coverage.
func TestScanOnFinding(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
	}{
		{"one file", []string{fixture("audit-fs01.evtx")}},
		{"overlapping exports", []string{fixture("audit-fs02-2025-10-10.evtx"), fixture("audit-fs02-2025-10-20.evtx")}},
		{"mixed", []string{fixture("forwarded-events.evtx"), fixture("audit-fs01.evtx")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := scan(t, ScanOptions{}, tt.paths...)
			var got []Finding
			res := scan(t, ScanOptions{OnFinding: func(f Finding) { got = append(got, f) }}, tt.paths...)
			assert.Nil(t, res.Findings)
			require.NotEmpty(t, got)
			key := func(a, b Finding) int {
				return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Server, b.Server),
					cmp.Compare(identity(a.EventRecordID, a.RecordID), identity(b.EventRecordID, b.RecordID)))
			}
			slices.SortFunc(got, key)
			w := slices.Clone(want.Findings)
			slices.SortFunc(w, key)
			require.Len(t, got, len(w))
			for i := range w {
				// Which copy of a duplicated record is passed may differ.
				g := got[i]
				g.Source, w[i].Source = evtx.Source{}, evtx.Source{}
				assert.Equal(t, w[i], g)
			}
			assert.Equal(t, want.Servers, res.Servers)
			assert.Equal(t, want.Files, res.Files)
		})
	}
}
