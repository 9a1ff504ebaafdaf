package smbaudit

import (
	"cmp"
	"context"
	"fmt"
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

// mappedBy is how m mapped field, "" when it did not.
func mappedBy(m Mapping, field string) MappedBy {
	by, _ := m.By(field)
	return by
}

// The scan shares values between findings; that must change no finding.
// One classifying goroutine, so that one interner sees every finding.
func TestScanSharingKeepsMeaning(t *testing.T) {
	for _, name := range []string{"audit-fs01.evtx", "audit-fs01-damaged.evtx", "forwarded-events.evtx"} {
		t.Run(name, func(t *testing.T) {
			want := classifyAll(t, fixture(name))
			require.NotEmpty(t, want)
			got := scanWith(t, tuning{workers: 1}, ScanOptions{}, fixture(name)).Findings
			slices.SortFunc(want, bySource)
			slices.SortFunc(got, bySource)
			assert.Equal(t, want, got)

			// Findings with equal mappings share one pair of maps.
			shared := 0
			for i := 1; i < len(got); i++ {
				a, b := got[i-1], got[i]
				if a.Mapping.Len() > 0 && reflect.DeepEqual(a.Mapping.m, b.Mapping.m) {
					assert.Same(t, a.Mapping.m, b.Mapping.m)
					shared++
				}
			}
			assert.Positive(t, shared)
		})
	}
}

// optionalsOf renders the optional fields of f, absent ones as "-".
func optionalsOf(f *Finding) string {
	show := func(s fmt.Stringer) string { return cmp.Or(s.String(), "-") }
	return fmt.Sprintln(show(f.ServerRequiresSigning), show(f.SPNQueryStatus), show(f.EPAPolicy),
		show(f.ServiceClassIsValid), show(f.PrincipalNameIsValid), show(f.ServerRequiresEncryption),
		show(f.UnsupportedEncryptionType), show(f.Status), show(f.ReasonCode))
}

// changeOptionals sets every optional field of f to a value it did not
// have, as a caller holding f might.
func changeOptionals(f *Finding, i int) {
	for _, b := range []*Opt[bool]{&f.ServerRequiresSigning, &f.ServiceClassIsValid,
		&f.PrincipalNameIsValid, &f.ServerRequiresEncryption} {
		b.V, b.OK = !b.V, true
	}
	for _, n := range []*Opt[uint32]{&f.UnsupportedEncryptionType, &f.ReasonCode} {
		n.V, n.OK = n.V+uint32(i)+1, true
	}
	for _, s := range []*Opt[NTStatus]{&f.SPNQueryStatus, &f.Status} {
		s.V.Code++
		s.V.Name = fmt.Sprint("changed ", i)
		s.OK = true
	}
	f.EPAPolicy = Some(EPAPolicy{Value: f.EPAPolicy.V.Value + 1, Label: fmt.Sprint("changed ", i)})
}

// A finding of a scan is a value of the caller's: changing one finding's
// optional fields changes no other finding, though the scan found many
// with equal values.
func TestScanFindingsAreValues(t *testing.T) {
	fs := scan(t, ScanOptions{}, fixture("audit-fs01.evtx"), fixture("audit-fs02-2025-10-10.evtx"),
		fixture("forwarded-events.evtx")).Findings
	require.Greater(t, len(fs), 20)
	want := make([]string, len(fs))
	seen := map[string]int{} // how many findings have each present value
	for i := range fs {
		want[i] = optionalsOf(&fs[i])
		f := &fs[i]
		for name, v := range map[string]fmt.Stringer{"signing": f.ServerRequiresSigning, "SPN query": f.SPNQueryStatus,
			"policy": f.EPAPolicy, "encryption type": f.UnsupportedEncryptionType, "reason": f.ReasonCode} {
			if v.String() != "" {
				seen[name+" "+v.String()]++
			}
		}
	}
	for _, v := range []string{"signing false", "signing true", "encryption type 1", "policy 2 (required)",
		"SPN query 0xC00000BB STATUS_NOT_SUPPORTED"} {
		require.GreaterOrEqual(t, seen[v], 2, "the fixtures have findings with equal values: %s", v)
	}
	// Change one finding of each set of values: equal values are what a
	// scan could share.
	changed := map[string]bool{}
	for i := range fs {
		if changed[want[i]] {
			continue
		}
		changed[want[i]] = true
		changeOptionals(&fs[i], i)
		got := optionalsOf(&fs[i])
		require.NotEqual(t, want[i], got)
		want[i] = got
		for j := range fs {
			require.Equal(t, want[j], optionalsOf(&fs[j]), "changing finding %d changed finding %d", i, j)
		}
	}
}

// Within one interner, findings of equal content share their maps and
// slices, and keep their values; different content is never
// shared, even where only a NUL byte or a type tells it apart.
func TestInternerSharesEqualValues(t *testing.T) {
	var m mapper
	in := newInterner()
	classify := func(ev *evtx.Event) Finding {
		t.Helper()
		f, ok := m.classify(ev, in)
		require.True(t, ok)
		return f
	}
	ev := func(extra ...evtx.Field) *evtx.Event {
		return smbEvent(3021, 0, append([]evtx.Field{fld("ClientNameLength", tU16, "8"), fld("ClientName", tS, `\\NAS01`),
			fld("ServerRequiresSigning", tB, "false")}, extra...)...)
	}
	a := classify(ev(fld("X", tU32, "1")))
	b := classify(ev(fld("X", tU32, "1")))
	c := classify(ev(fld("X", tS, "1")))
	pos := classify(smbEvent(3021, 0, fld("", tU16, "8"), fld("", tS, `\\NAS01`), fld("", tB, "true")))
	nul1 := classify(ev(fld("A\x00", tS, "B")))
	nul2 := classify(ev(fld("A", tS, "\x00B")))
	for _, f := range []Finding{a, b, c, pos, nul1, nul2} {
		assert.Equal(t, "nas01", f.Client.ID)
	}
	assert.Equal(t, []evtx.Field{{Name: "X", Value: "1", Type: tU32}}, a.Mapping.Unmapped())
	assert.Equal(t, a, b, "equal events, equal findings")

	assert.Same(t, a.Mapping.m, b.Mapping.m, "equal mappings shared")
	assert.Same(t, a.Mapping.m, c.Mapping.m)
	assert.NotSame(t, a.Mapping.m, pos.Mapping.m, "different mappings not shared")
	assert.Equal(t, "#1", pos.Mapping.From(FieldClient))
	assert.Same(t, &a.Mapping.unmapped[0], &b.Mapping.unmapped[0])
	assert.NotSame(t, &a.Mapping.unmapped[0], &c.Mapping.unmapped[0], "a different type is a different field")
	assert.NotSame(t, &nul1.Mapping.unmapped[0], &nul2.Mapping.unmapped[0], "a NUL in a name does not collide")
	assert.Equal(t, "A\x00", nul1.Mapping.Unmapped()[0].Name)
	assert.Equal(t, "\x00B", nul2.Mapping.Unmapped()[0].Value)
	assert.Equal(t, Some(false), a.ServerRequiresSigning)
	assert.Equal(t, Some(true), pos.ServerRequiresSigning)

	st := func(code string) Finding {
		return classify(smbEvent(3024, 0, fld("", tU16, "4"), fld("", tS, "ws01"), fld("SpnQueryStatus", tH32, code)))
	}
	s1, s2, s3 := st("0xC000005E"), st("0xc000005e"), st("0xC0000225")
	assert.Equal(t, s1.SPNQueryStatus, s2.SPNQueryStatus)
	assert.Equal(t, Some(NTStatus{0xC000005E, "STATUS_NO_LOGON_SERVERS"}), s1.SPNQueryStatus)
	assert.Equal(t, Some(NTStatus{0xC0000225, "STATUS_NOT_FOUND"}), s3.SPNQueryStatus)
	assert.Equal(t, "fs01", in.lowerOf("FS01"))
}

// Classify's findings share nothing with one another: a caller may change
// one without changing the next.
func TestClassifyValuesAreItsOwn(t *testing.T) {
	ev := smbEvent(3021, 0, fld("ClientName", tS, `\\NAS01`), fld("ServerRequiresSigning", tB, "false"), fld("X", tU32, "1"))
	a, ok := Classify(ev)
	require.True(t, ok)
	a.ServerRequiresSigning.V = true
	a.Mapping.Unmapped()[0].Value = "changed"
	a.Mapping.Fields()[0] = "changed"
	b, ok := Classify(ev)
	require.True(t, ok)
	assert.Equal(t, Some(false), b.ServerRequiresSigning)
	assert.Equal(t, MappedByName, mappedBy(b.Mapping, FieldClient))
	assert.Equal(t, "1", b.Mapping.Unmapped()[0].Value)
	assert.Equal(t, "1", a.Mapping.Unmapped()[0].Value, "Unmapped is a copy")
	assert.Equal(t, FieldClient, a.Mapping.Fields()[0], "Fields is a copy")
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
