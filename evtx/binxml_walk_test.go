package evtx

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLiteralRecordPathsEqualTemplate checks the walk of a record's own
// nodes (emitElementOnce: no template, as in logs written without them)
// against the expected paths and against the same XML written as a
// template body, which takes the cached path of emitNodes.
func TestLiteralRecordPathsEqualTemplate(t *testing.T) {
	type pv struct{ path, text string }
	tests := []struct {
		name string
		body func(b *bxb) // the fragment's content
		want []pv
	}{
		{"named and unnamed Data count together",
			func(b *bxb) {
				b.open("E", false).closeStart().open("EventData", false).closeStart()
				b.open("Data", true).attr("Name").text("A").closeStart().text("x").end()
				b.open("Data", false).closeStart().text("y").end()
				b.open("Data", true).attr("Name").text("B").closeStart().text("z").end()
				b.open("Data", false).closeStart().text("w").end()
				b.end().end()
			},
			[]pv{{"E/EventData/Data[Name=A]", "x"}, {"E/EventData/Data#1", "y"},
				{"E/EventData/Data[Name=B]", "z"}, {"E/EventData/Data#3", "w"}}},
		{"a Name of several pieces and another attribute",
			func(b *bxb) {
				b.open("E", false).closeStart()
				b.open("Data", true).attr("Extra").text("e").attr("Name").text("a").entityRef("amp").text("b").closeStart().text("v").end()
				b.end()
			},
			[]pv{{"E/Data[Name=a&b]@Extra", "e"}, {"E/Data[Name=a&b]", "v"}}},
		{"attributes and nested elements",
			func(b *bxb) {
				b.open("E", true).attr("xmlns").text("ns").closeStart()
				b.open("V", true).attr("A").text("1").attr("B").text("2").closeStart()
				b.open("C", false).closeStart().text("t").end()
				b.open("C", false).closeEmpty()
				b.end().end()
			},
			[]pv{{"E@xmlns", "ns"}, {"E/V@A", "1"}, {"E/V@B", "2"}, {"E/V/C", "t"}}},
		{"Data at the root",
			func(b *bxb) {
				b.open("Data", true).attr("Name").text("R").closeStart().text("r").end()
			},
			[]pv{{"Data[Name=R]", "r"}}},
		{"unnamed Data at the root",
			func(b *bxb) { b.open("Data", false).closeStart().text("r").end() },
			[]pv{{"Data#0", "r"}}},
	}
	paths := func(t *testing.T, body func(w *bxb)) []pv {
		t.Helper()
		c := newTestChunk()
		off, size := c.add(body)
		var got []pv
		// Twice in one chunk: the second walk finds its paths interned.
		for range 2 {
			// A plan with an error (kept from Velocidex) lists the
			// values all the same.
			plan, _ := newChunkInspector(c.buf).inspect(off, size)
			require.NotNil(t, plan)
			got = got[:0]
			for _, v := range plan.ordered {
				got = append(got, pv{v.Path, v.Value.Text})
			}
		}
		return got
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			literal := paths(t, func(w *bxb) { w.frag(); tt.body(w); w.eof() })
			assert.Equal(t, tt.want, literal, "record's own nodes")
			tmpl := paths(t, func(w *bxb) {
				w.frag()
				w.inline(7, func(b *bxb) { b.frag(); tt.body(b); b.eof() })
				w.args().eof()
			})
			assert.Equal(t, tt.want, tmpl, "template body")
		})
	}
}
