package evtx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testGUID = []byte{0x17, 0xe6, 0x8c, 0xd4, 0xa2, 0x33, 0xc3, 0x4b, 0xa5, 0xc7, 0x11, 0xaa, 0x4f, 0x29, 0x61, 0x9e}

// sid builds a SID: revision 1, authority, sub-authorities.
func sid(auth uint64, subs ...uint32) []byte {
	b := []byte{1, byte(len(subs))}
	for i := 5; i >= 0; i-- {
		b = append(b, byte(auth>>(8*i)))
	}
	for _, s := range subs {
		b = binary.LittleEndian.AppendUint32(b, s)
	}
	return b
}

// systemTemplate writes a template shaped like a real event's:
//
//	<Event xmlns="...">
//	  <System>
//	    <Provider Name=%0 Guid=%1/>
//	    <EventID Qualifiers=%2>%3</EventID>
//	    <TimeCreated SystemTime=%4/>
//	    <Correlation ActivityID=%5/>
//	    <Security UserID=%6/>
//	    <Keywords>%7</Keywords>
//	  </System>
//	  <EventData>
//	    <Data Name="ClientNameLength">%8</Data>
//	    <Data Name="ClientName">%9</Data>
//	    <Data>%10</Data>
//	  </EventData>
//	</Event>
func systemTemplate(b *bxb) {
	b.frag().open("Event", true).attr("xmlns").text("http://schemas.microsoft.com/win/2004/08/events/event").closeStart()
	b.open("System", false).closeStart()
	b.open("Provider", true).attr("Name").sub(0, TypeString).attr("Guid").sub(1, TypeGUID).closeEmpty()
	b.open("EventID", true).attr("Qualifiers").opt(2, TypeUint16).closeStart().sub(3, TypeUint16).end()
	b.open("TimeCreated", true).attr("SystemTime").sub(4, TypeFileTime).closeEmpty()
	b.open("Correlation", true).attr("ActivityID").opt(5, TypeGUID).closeEmpty()
	b.open("Security", true).attr("UserID").opt(6, TypeSID).closeEmpty()
	b.open("Keywords", false).closeStart().sub(7, TypeHexInt64).end()
	b.end()
	b.open("EventData", false).closeStart()
	b.dataElem("ClientNameLength", 8, TypeUint16)
	b.dataElem("ClientName", 9, TypeString)
	b.open("Data", false).closeStart().sub(10, TypeString).end()
	b.end().end().eof()
}

func systemArgs(client string) []arg {
	return []arg{
		aStr("Microsoft-Windows-SMBServer"),
		{TypeGUID, testGUID},
		aU16(0),
		aU16(3021),
		aFT(134037792001234567),
		{TypeNull, nil},
		{TypeSID, sid(5, 21, 1, 2, 3, 500)},
		{TypeHexInt64, binary.LittleEndian.AppendUint64(nil, 0x8020000000000000)},
		aU16(uint16(len(client))),
		aStr(client),
		aStr("unnamed"),
	}
}

func TestInspectSystemAndEventDataPaths(t *testing.T) {
	c := newTestChunk()
	off, size := c.add(func(w *bxb) {
		w.frag()
		w.inline(0x1111, systemTemplate)
		w.args(systemArgs(`\\10.1.2.3`)...).eof()
	})
	plan, err := newChunkInspector(c.buf).inspect(off, size)
	require.NoError(t, err)
	require.NotNil(t, plan)

	want := []struct {
		path string
		text string
		typ  Type
	}{
		{"Event@xmlns", "http://schemas.microsoft.com/win/2004/08/events/event", TypeString},
		{"Event/System/Provider@Name", "Microsoft-Windows-SMBServer", TypeString},
		{"Event/System/Provider@Guid", "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}", TypeGUID},
		{"Event/System/EventID@Qualifiers", "0", TypeUint16},
		{"Event/System/EventID", "3021", TypeUint16},
		{"Event/System/TimeCreated@SystemTime", "2025-10-01T08:00:00.1234567Z", TypeFileTime},
		// Correlation@ActivityID, an optional substitution with a Null
		// value, is not rendered.
		{"Event/System/Security@UserID", "S-1-5-21-1-2-3-500", TypeSID},
		{"Event/System/Keywords", "0x8020000000000000", TypeHexInt64},
		{"Event/EventData/Data[Name=ClientNameLength]", "10", TypeUint16},
		{"Event/EventData/Data[Name=ClientName]", `\\10.1.2.3`, TypeString},
		{"Event/EventData/Data#2", "unnamed", TypeString},
	}
	require.Len(t, plan.ordered, len(want), "values in document order")
	for i, w := range want {
		assert.Equal(t, w.path, plan.ordered[i].Path, "ordered[%d]", i)
		got, ok := plan.get(w.path)
		if assert.True(t, ok, w.path) {
			assert.Equal(t, w.text, got.Text, w.path)
			assert.Equal(t, w.typ, got.Type, w.path)
		}
	}
	assert.True(t, plan.value("Event@xmlns").Literal)
	assert.False(t, plan.value("Event/System/EventID").Literal)
	assert.Equal(t, uint64(134037792001234567), plan.value("Event/System/TimeCreated@SystemTime").FileTime)
	assert.Equal(t, uint64(1), plan.recordID)
	assert.Equal(t, uint32(0x1111), plan.templateID)
	assert.True(t, plan.inlineTemplate)
	assert.Equal(t, 11, plan.argCount)
	assert.Equal(t, []uint32{plan.templateOffset}, plan.defined)
}

func TestInspectReferencedTemplate(t *testing.T) {
	c := newTestChunk()
	var def uint32
	off1, size1 := c.add(func(w *bxb) {
		w.frag()
		def = w.inline(0x2222, systemTemplate)
		w.args(systemArgs("first")...).eof()
	})
	off2, size2 := c.add(func(w *bxb) {
		w.frag().ref(0x2222, def).args(systemArgs("second")...).eof()
	})
	d := newChunkInspector(c.buf)
	p1, err := d.inspect(off1, size1)
	require.NoError(t, err)
	p2, err := d.inspect(off2, size2)
	require.NoError(t, err)
	assert.Equal(t, "first", p1.value("Event/EventData/Data[Name=ClientName]").Text)
	assert.Equal(t, "second", p2.value("Event/EventData/Data[Name=ClientName]").Text)
	assert.False(t, p2.inlineTemplate)
	assert.Equal(t, def, p2.templateOffset)
	assert.Empty(t, p2.defined)

	// The same reference in a fresh decoder (no earlier definition) is
	// refused.
	_, err = newChunkInspector(c.buf).inspect(off2, size2)
	require.ErrorIs(t, err, ErrBadRecord)
	assert.Contains(t, err.Error(), "no earlier record")
}

func TestInspectNameReference(t *testing.T) {
	// A second template names its element by the offset of a name stored
	// in the first one (the chunk's string table).
	c := newTestChunk()
	var nameOff uint32
	off1, size1 := c.add(func(w *bxb) {
		w.frag()
		w.inline(0x10, func(b *bxb) {
			b.frag()
			b.u8(0x01).u16(0xffff).u32(0)
			nameOff = uint32(b.pos() + 4)
			b.name("Shared").closeStart().sub(0, TypeString).end().eof()
		})
		w.args(aStr("one")).eof()
	})
	off2, size2 := c.add(func(w *bxb) {
		w.frag()
		w.inline(0x11, func(b *bxb) {
			b.frag().openRef(nameOff).closeStart().sub(0, TypeString).end().eof()
		})
		w.args(aStr("two")).eof()
	})
	d := newChunkInspector(c.buf)
	_, err := d.inspect(off1, size1)
	require.NoError(t, err)
	p, err := d.inspect(off2, size2)
	require.NoError(t, err)
	assert.Equal(t, "two", p.value("Shared").Text)
}

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func TestInspectValueRenderings(t *testing.T) {
	st := func(y, mo, dow, d, h, mi, s, ms uint16) []byte {
		var b []byte
		for _, v := range []uint16{y, mo, dow, d, h, mi, s, ms} {
			b = binary.LittleEndian.AppendUint16(b, v)
		}
		return b
	}
	tests := []struct {
		name string
		t    Type
		b    []byte
		want string
	}{
		{"null", TypeNull, nil, ""},
		{"string", TypeString, utf16le("héllo wörld"), "héllo wörld"},
		{"string NUL-terminated", TypeString, append(utf16le("abc"), 0, 0, 0, 0), "abc"},
		{"string surrogate pair", TypeString, utf16le("a😀"), "a😀"},
		{"ansi", TypeAnsiString, []byte("10.1.2.3\x00"), "10.1.2.3"},
		{"ansi latin-1", TypeAnsiString, []byte{'c', 0xe9}, "cé"},
		{"int8", TypeInt8, []byte{0xff}, "-1"},
		{"uint8", TypeUint8, []byte{0xff}, "255"},
		{"int16", TypeInt16, le16(0xfffe), "-2"},
		{"uint16", TypeUint16, le16(65535), "65535"},
		{"int32", TypeInt32, le32(0xfffffffd), "-3"},
		{"uint32", TypeUint32, le32(4294967295), "4294967295"},
		{"int64", TypeInt64, le64(0xfffffffffffffffc), "-4"},
		{"uint64", TypeUint64, le64(18446744073709551615), "18446744073709551615"},
		{"real32", TypeReal32, le32(0x3fc00000), "1.5"},
		{"real64", TypeReal64, le64(0x3fb999999999999a), "0.1"},
		{"bool 1 byte true", TypeBool, []byte{1}, "true"},
		{"bool 4 bytes false", TypeBool, le32(0), "false"},
		{"bool 4 bytes irregular", TypeBool, le32(2), "true"},
		{"bool 2 bytes", TypeBool, le16(0x100), "true"},
		{"bool 8 bytes", TypeBool, le64(1 << 40), "true"},
		{"binary", TypeBinary, []byte{0xde, 0xad, 0x0b}, "DEAD0B"},
		{"guid", TypeGUID, testGUID, "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}"},
		{"size_t 4", TypeSizeT, le32(0x1000), "0x1000"},
		{"size_t 8", TypeSizeT, le64(0xfffff80000000000), "0xfffff80000000000"},
		{"filetime", TypeFileTime, le64(134037792001234567), "2025-10-01T08:00:00.1234567Z"},
		{"filetime zero", TypeFileTime, le64(0), "1601-01-01T00:00:00.0000000Z"},
		{"systemtime", TypeSysTime, st(2025, 10, 3, 1, 8, 0, 0, 123), "2025-10-01T08:00:00.1230000Z"},
		{"sid", TypeSID, sid(5, 21, 1, 2, 3, 1001), "S-1-5-21-1-2-3-1001"},
		{"sid no subauthority", TypeSID, sid(1), "S-1-1"},
		{"sid large authority", TypeSID, sid(0x010000000005, 7), "S-1-0x010000000005-7"},
		{"hexint32", TypeHexInt32, le32(0xc000006d), "0xc000006d"},
		{"hexint32 zero", TypeHexInt32, le32(0), "0x0"},
		{"hexint64", TypeHexInt64, le64(0x8020000000000000), "0x8020000000000000"},
		{"unknown type", Type(0x30), []byte{1, 0xab}, "01AB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestChunk()
			off, size := c.add(oneValue(7, tt.t, arg{tt.t, tt.b}))
			plan, err := newChunkInspector(c.buf).inspect(off, size)
			require.NoError(t, err)
			got := plan.value("Event/EventData/Data[Name=V]")
			assert.Equal(t, tt.want, got.Text)
			assert.Equal(t, tt.t, got.Type)
			assert.False(t, got.Literal)
		})
	}
}

func TestInspectArrays(t *testing.T) {
	strs := append(append(utf16le("alpha"), 0, 0), append(utf16le("béta"), 0, 0)...)
	// 40 items, more than bxArray keeps on its stack, an empty one among
	// them.
	var many []byte
	var manyItems []string
	for i := range 40 {
		item := fmt.Sprintf("item%d", i)
		if i == 17 {
			item = ""
		}
		many = append(append(many, utf16le(item)...), 0, 0)
		manyItems = append(manyItems, item)
	}
	tests := []struct {
		name  string
		t     Type
		b     []byte
		items []string
	}{
		{"string array", 0x81, strs, []string{"alpha", "béta"}},
		{"string array without last NUL", 0x81, append(append(utf16le("a"), 0, 0), utf16le("b")...), []string{"a", "b"}},
		{"ansi array", 0x82, []byte("x\x00yz\x00"), []string{"x", "yz"}},
		{"ansi array, Latin-1", 0x82, []byte("caf\xe9\x00\x00ok"), []string{"café", "", "ok"}},
		{"string array of 40 items", 0x81, many, manyItems},
		{"string array with empty items", 0x81, []byte{0, 0, 0, 0, 'a', 0}, []string{"", "", "a"}},
		{"string array, zero bytes across two units", 0x81, append(append(utf16le("AĀ"), 0, 0), utf16le("Ȁb")...), []string{"AĀ", "Ȁb"}},
		{"uint16 array", 0x86, append(le16(1), le16(65535)...), []string{"1", "65535"}},
		{"uint32 array", 0x88, append(le32(7), le32(8)...), []string{"7", "8"}},
		{"uint64 array", 0x8a, append(le64(1), le64(2)...), []string{"1", "2"}},
		{"hexint64 array", 0x95, append(le64(0xff), le64(0x10)...), []string{"0xff", "0x10"}},
		{"guid array", 0x8f, append(append([]byte{}, testGUID...), make([]byte, 16)...),
			[]string{"{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}", "{00000000-0000-0000-0000-000000000000}"}},
		{"sid array", 0x93, append(sid(5, 18), sid(5, 32, 544)...), []string{"S-1-5-18", "S-1-5-32-544"}},
		{"bool array", 0x8d, append(le32(0), le32(1)...), []string{"false", "true"}},
		{"filetime array", 0x91, le64(134037792001234567), []string{"2025-10-01T08:00:00.1234567Z"}},
		{"empty array", 0x88, nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestChunk()
			off, size := c.add(oneValue(7, tt.t, arg{tt.t, tt.b}))
			plan, err := newChunkInspector(c.buf).inspect(off, size)
			require.NoError(t, err)
			got := plan.value("Event/EventData/Data[Name=V]")
			assert.Equal(t, tt.items, got.Items)
			assert.Equal(t, tt.t, got.Type)
			// Windows repeats the element per item: one ordered value each.
			var texts []string
			for _, pv := range plan.ordered {
				if pv.Path == "Event/EventData/Data[Name=V]" {
					texts = append(texts, pv.Value.Text)
				}
			}
			if len(tt.items) == 0 {
				assert.Equal(t, []string{""}, texts, "an empty array keeps its element visible")
			} else {
				assert.Equal(t, tt.items, texts)
			}
			want := 0
			if tt.t == 0x86 || tt.t == 0x8a || tt.t == 0x95 {
				want = 1
			}
			assert.Equal(t, want, plan.scanArrays)
		})
	}
}

// userDataTemplate is <Event><UserData>%0</UserData></Event> with %0 BinXML.
func userDataTemplate(b *bxb) {
	b.frag().open("Event", false).closeStart().
		open("UserData", false).closeStart().sub(0, TypeBinXML).end().
		end().eof()
}

// eventXML returns a BinXML value holding a template instance of
// <EventXML><Param1>%0</Param1><Param2>%1</Param2></EventXML>, to be placed
// at chunk offset base.
func eventXML(base int, id uint32, p1 string, p2 uint32) []byte {
	w := &bxb{base: base}
	w.frag()
	w.inline(id, func(b *bxb) {
		b.frag().open("EventXML", true).attr("xmlns").text("LogEvent").closeStart().
			open("Param1", false).closeStart().sub(0, TypeString).end().
			open("Param2", false).closeStart().sub(1, TypeHexInt32).end().
			end().eof()
	})
	w.args(aStr(p1), aRaw(TypeHexInt32, le32(p2)...)).eof()
	return w.b
}

// nestedValueOffset is where the single argument's value lands in a record
// with one inline template instance of body and one argument.
func nestedValueOffset(c *testChunk, id uint32, body func(*bxb)) int {
	w := &bxb{base: c.next + 24}
	w.frag()
	w.inline(id, body)
	return w.pos() + 4 + 4 // count, one descriptor
}

func TestInspectNestedBinXML(t *testing.T) {
	c := newTestChunk()
	at := nestedValueOffset(c, 0x30, userDataTemplate)
	inner := eventXML(at, 0x31, "C:\\x.log", 0x1f)
	off, size := c.add(func(w *bxb) {
		w.frag()
		w.inline(0x30, userDataTemplate)
		w.args(arg{TypeBinXML, inner}).eof()
	})
	d := newChunkInspector(c.buf)
	plan, err := d.inspect(off, size)
	require.NoError(t, err)
	assert.Equal(t, "C:\\x.log", plan.value("Event/UserData/EventXML/Param1").Text)
	assert.Equal(t, "0x1f", plan.value("Event/UserData/EventXML/Param2").Text)
	assert.Equal(t, "LogEvent", plan.value("Event/UserData/EventXML@xmlns").Text)
	assert.Len(t, plan.defined, 2, "outer and nested definitions are both remembered")
	assert.Equal(t, uint32(0x30), plan.templateID)

	// A later record can use the nested template directly.
	off2, size2 := c.add(func(w *bxb) {
		w.frag().ref(0x31, plan.defined[1]).args(aStr("again"), aRaw(TypeHexInt32, le32(0)...)).eof()
	})
	p2, err := d.inspect(off2, size2)
	require.NoError(t, err)
	assert.Equal(t, "again", p2.value("EventXML/Param1").Text)
}

func TestInspectNestedBinXMLWithoutFragmentHeader(t *testing.T) {
	// Windows often stores BinXML values without a fragment header.
	c := newTestChunk()
	at := nestedValueOffset(c, 0x30, userDataTemplate)
	inner := eventXML(at-4, 0x31, "bare", 2)[4:]
	off, size := c.add(func(w *bxb) {
		w.frag()
		w.inline(0x30, userDataTemplate)
		w.args(arg{TypeBinXML, inner}).eof()
	})
	plan, err := newChunkInspector(c.buf).inspect(off, size)
	require.NoError(t, err)
	assert.Equal(t, "bare", plan.value("Event/UserData/EventXML/Param1").Text)
	_, p := velocidexParse(c.buf, 1)
	assert.Nil(t, p)
}

func TestInspectDepthCountsAcrossNestedBinXML(t *testing.T) {
	// 40 elements around a BinXML value holding 40 more: each part is
	// within the limit, the document is not.
	outer := func(b *bxb) {
		b.frag()
		for i := 0; i < 40; i++ {
			b.open("O", false).closeStart()
		}
		b.sub(0, TypeBinXML)
		for i := 0; i < 40; i++ {
			b.end()
		}
		b.eof()
	}
	c := newTestChunk()
	at := nestedValueOffset(c, 0x50, outer)
	inner := &bxb{base: at}
	deepElements(40)(inner)
	off, size := c.add(func(w *bxb) {
		w.frag()
		w.inline(0x50, outer)
		w.args(arg{TypeBinXML, inner.b}).eof()
	})
	plan, err := newChunkInspector(c.buf).inspect(off, size)
	require.ErrorIs(t, err, ErrLimit)
	assert.Contains(t, err.Error(), "elements nested more than 64 deep")
	assert.Nil(t, plan)
}

func TestInspectMissingArgumentIsNull(t *testing.T) {
	c := newTestChunk()
	off, size := c.add(func(w *bxb) {
		w.frag()
		w.inline(9, func(b *bxb) {
			b.frag().open("E", false).closeStart().sub(0, TypeString).sub(3, TypeString).end().eof()
		})
		w.args(aStr("x")).eof()
	})
	plan, err := newChunkInspector(c.buf).inspect(off, size)
	require.NoError(t, err)
	require.Len(t, plan.ordered, 2)
	assert.Equal(t, "x", plan.ordered[0].Value.Text)
	assert.Equal(t, TypeNull, plan.ordered[1].Value.Type)
}

// errCase is a record that must be refused.
type errCase struct {
	name string
	// build adds records to c; the last one added is inspected after all
	// earlier ones.
	build func(c *testChunk)
	want  error
	msg   string // part of the message
}

func deepElements(n int) func(*bxb) {
	return func(b *bxb) {
		b.frag()
		for i := 0; i < n; i++ {
			b.open("E", false).closeStart()
		}
		for i := 0; i < n; i++ {
			b.end()
		}
		b.eof()
	}
}

func TestInspectRefusals(t *testing.T) {
	simple := func(b *bxb) {
		b.frag().open("E", false).closeStart().sub(0, TypeString).end().eof()
	}
	tests := []errCase{
		{"unknown template offset", func(c *testChunk) {
			c.add(func(w *bxb) { w.frag().ref(5, 0x400).args(aStr("x")).eof() })
		}, ErrBadRecord, "no earlier record"},
		{"argument count 0xFFFFFFFF", func(c *testChunk) {
			c.add(func(w *bxb) { w.frag(); w.inline(5, simple); w.u32(0xffffffff).eof() })
		}, ErrLimit, "4294967295 arguments"},
		{"argument count above the cap", func(c *testChunk) {
			c.add(func(w *bxb) { w.frag(); w.inline(5, simple); w.u32(maxTemplateArgs + 1).eof() })
		}, ErrLimit, fmt.Sprintf("%d arguments, limit %d", maxTemplateArgs+1, maxTemplateArgs)},
		{"descriptors past the record", func(c *testChunk) {
			c.add(func(w *bxb) { w.frag(); w.inline(5, simple); w.u32(100).eof() })
		}, ErrBadRecord, "descriptors do not fit"},
		{"argument values past the record", func(c *testChunk) {
			c.add(func(w *bxb) { w.frag(); w.inline(5, simple); w.u32(1).u16(5000).u8(1).u8(0).eof() })
		}, ErrBadRecord, "do not fit in the record"},
		{"template size past the record", func(c *testChunk) {
			c.add(func(w *bxb) {
				w.frag()
				w.u8(0x0c).u8(1).u32(5).u32(uint32(w.pos() + 4)).u32(0).raw(make([]byte, 16)).u32(60000)
				w.frag().eof()
			})
		}, ErrBadRecord, "template definition of 60000 bytes"},
		{"elements nested too deep", func(c *testChunk) {
			c.add(func(w *bxb) { w.frag(); w.inline(5, deepElements(maxElementDepth+1)); w.args().eof() })
		}, ErrLimit, "elements nested"},
		{"nested BinXML too deep", func(c *testChunk) {
			c.add(func(w *bxb) {
				// Each level: fragment, template instance (ID i), one
				// BinXML argument holding the next level.
				var build func(base, level int) []byte
				build = func(base, level int) []byte {
					v := &bxb{base: base}
					v.frag()
					if level == 0 {
						v.open("Leaf", false).closeEmpty().eof()
						return v.b
					}
					id := uint32(100 + level)
					v.inline(id, userDataTemplate)
					at := v.pos() + 8
					inner := build(at, level-1)
					v.args(arg{TypeBinXML, inner}).eof()
					return v.b
				}
				w.raw(build(w.pos(), maxBinXMLNesting+2))
			})
		}, ErrLimit, "BinXML nested"},
		{"inline name longer than the record", func(c *testChunk) {
			c.add(func(w *bxb) {
				w.frag()
				w.inline(5, func(b *bxb) {
					b.frag().u8(0x01).u16(0xffff).u32(0)
					b.u32(uint32(b.pos() + 4)).u32(0).u16(0).u16(30000).raw(utf16le("E")).eof()
				})
				w.args().eof()
			})
		}, ErrBadRecord, "name of 30000 characters"},
		{"name offset outside the chunk", func(c *testChunk) {
			c.add(func(w *bxb) {
				w.frag()
				w.inline(5, func(b *bxb) { b.frag().openRef(0xfffff).closeEmpty().eof() })
				w.args().eof()
			})
		}, ErrBadRecord, "name offset 0xfffff"},
		{"name offset into the chunk header", func(c *testChunk) {
			c.add(func(w *bxb) {
				w.frag()
				w.inline(5, func(b *bxb) { b.frag().openRef(0x10).closeEmpty().eof() })
				w.args().eof()
			})
		}, ErrBadRecord, "record area"},
		{"value text longer than the template", func(c *testChunk) {
			c.add(func(w *bxb) {
				w.frag()
				w.inline(5, func(b *bxb) {
					b.frag().open("E", false).closeStart().u8(0x05).u8(1).u16(9000).raw(utf16le("x")).end().eof()
				})
				w.args().eof()
			})
		}, ErrBadRecord, "bytes needed"},
		{"string argument longer than the record", func(c *testChunk) {
			c.add(func(w *bxb) { w.frag(); w.inline(5, simple); w.u32(1).u16(0xffff).u8(1).u8(0).raw(utf16le("x")).eof() })
		}, ErrBadRecord, "do not fit"},
		{"bad fragment header", func(c *testChunk) {
			c.add(func(w *bxb) { w.raw([]byte{0x0f, 2, 1, 0}).ref(5, 0x400).args().eof() })
		}, ErrBadRecord, "fragment header version 2.1"},
		{"no fragment header", func(c *testChunk) {
			c.add(func(w *bxb) { w.ref(5, 0x400).args().eof() })
		}, ErrBadRecord, "want a fragment header"},
		{"template instance version", func(c *testChunk) {
			c.add(func(w *bxb) { w.frag().u8(0x0c).u8(2).u32(5).u32(0x400).args().eof() })
		}, ErrBadRecord, "version byte 2"},
		{"template ID 0", func(c *testChunk) {
			c.add(func(w *bxb) { w.frag(); w.inline(0, simple); w.args(aStr("x")).eof() })
		}, ErrBadRecord, "template ID 0"},
		{"no end of fragment", func(c *testChunk) {
			c.add(func(w *bxb) { w.frag(); w.inline(5, simple); w.args(aStr("x")) })
		}, ErrBadRecord, "no end-of-fragment"},
		{"template body without end", func(c *testChunk) {
			c.add(func(w *bxb) {
				w.frag()
				w.inline(5, func(b *bxb) { b.frag().open("E", false).closeStart().sub(0, TypeString).end() })
				w.args(aStr("x")).eof()
			})
		}, ErrBadRecord, "no end-of-fragment"},
		{"unclosed element", func(c *testChunk) {
			c.add(func(w *bxb) {
				w.frag()
				w.inline(5, func(b *bxb) { b.frag().open("E", false).closeStart().sub(0, TypeString).eof() })
				w.args(aStr("x")).eof()
			})
		}, ErrBadRecord, "unexpected token 0x00"},
		{"systemtime of 12 bytes", func(c *testChunk) {
			c.add(oneValue(5, TypeSysTime, arg{TypeSysTime, make([]byte, 12)}))
		}, ErrBadRecord, "has 12 bytes, want 16"},
		{"uint32 of 2 bytes", func(c *testChunk) {
			c.add(oneValue(5, TypeUint32, arg{TypeUint32, make([]byte, 2)}))
		}, ErrBadRecord, "has 2 bytes, want 4"},
		{"bool of 3 bytes", func(c *testChunk) {
			c.add(oneValue(5, TypeBool, arg{TypeBool, make([]byte, 3)}))
		}, ErrBadRecord, "boolean of 3 bytes"},
		{"sid shorter than its count", func(c *testChunk) {
			c.add(oneValue(5, TypeSID, arg{TypeSID, sid(5, 1, 2)[:12]}))
		}, ErrBadRecord, "sub-authorities"},
		{"sid with trailing bytes", func(c *testChunk) {
			c.add(oneValue(5, TypeSID, arg{TypeSID, append(sid(5, 18), 0, 0, 0, 0)}))
		}, ErrBadRecord, "SID of 12 bytes stored in 16"},
		{"array not a multiple of its item", func(c *testChunk) {
			c.add(oneValue(5, 0x88, arg{0x88, make([]byte, 6)}))
		}, ErrBadRecord, "not a multiple of 4"},
		{"descriptor reserved byte", func(c *testChunk) {
			c.add(func(w *bxb) { w.frag(); w.inline(5, simple); w.u32(1).u16(2).u8(1).u8(1).raw(utf16le("x")).eof() })
		}, ErrBadRecord, "reserved byte"},
		{"template instance inside a template", func(c *testChunk) {
			c.add(func(w *bxb) {
				w.frag()
				w.inline(5, func(b *bxb) { b.frag().u8(0x0c).eof() })
				w.args().eof()
			})
		}, ErrBadRecord, "inside a template definition"},
		{"substitution outside a template", func(c *testChunk) {
			c.add(func(w *bxb) { w.frag().open("E", false).closeStart().sub(0, TypeString).end().eof() })
		}, ErrBadRecord, "substitution outside"},
		{"too many values", func(c *testChunk) {
			c.add(func(w *bxb) {
				w.frag()
				w.inline(5, func(b *bxb) {
					b.frag().open("E", false).closeStart()
					for i := 0; i < 40; i++ {
						b.sub(0, 0x86)
					}
					b.end().eof()
				})
				w.args(arg{0x86, make([]byte, 2*250)}).eof()
			})
		}, ErrLimit, "more than 8192 values"},
		{"too many values in the chunk", func(c *testChunk) {
			var def uint32
			body := func(b *bxb) {
				b.frag().open("E", false).closeStart()
				for i := 0; i < 40; i++ {
					b.sub(0, 0x84)
				}
				b.end().eof()
			}
			c.add(func(w *bxb) { w.frag(); def = w.inline(5, body); w.args(arg{0x84, make([]byte, 200)}).eof() })
			for i := 0; i < maxValuesPerChunk/8000; i++ {
				c.add(func(w *bxb) { w.frag().ref(5, def).args(arg{0x84, make([]byte, 200)}).eof() })
			}
		}, ErrLimit, "chunk's records yield more than 65536 values"},
		{"too many expansion steps", func(c *testChunk) {
			c.add(func(w *bxb) { w.raw(fanOut(w.pos(), 3, 100)) })
		}, ErrLimit, "more than 262144 steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestChunk()
			tt.build(c)
			d := newChunkInspector(c.buf)
			var err error
			var plan *recordValues
			for off := chunkHeaderSize; off < c.next; {
				size := int(binary.LittleEndian.Uint32(c.buf[off+4:]))
				plan, err = d.inspect(off, size)
				off += size
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.msg)
			assert.Contains(t, err.Error(), "chunk offset")
			assert.Nil(t, plan, "a damaged record has no plan")
			var be *binxmlError
			require.True(t, errors.As(err, &be))
			assert.Greater(t, be.Offset, 0)
		})
	}
}

func TestInspectRecordFraming(t *testing.T) {
	c := newTestChunk()
	off, size := c.add(oneValue(5, TypeString, aStr("x")))
	tests := []struct {
		name   string
		damage func(b []byte)
		off    int
		size   int
		msg    string
	}{
		{"magic", func(b []byte) { b[off] = 0 }, off, size, "record magic"},
		{"size copy", func(b []byte) { b[off+size-4]++ }, off, size, "size copy"},
		{"header size", func(b []byte) {}, off, size - 2, "differs from the given size"},
		{"beyond the chunk", func(b []byte) {}, chunkSize - 30, 40, "does not fit in the chunk"},
		{"negative offset", func(b []byte) {}, -1, 40, "does not fit"},
		{"too small", func(b []byte) {}, off, 10, "does not fit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := append([]byte(nil), c.buf...)
			tt.damage(b)
			plan, err := newChunkInspector(b).inspect(tt.off, tt.size)
			require.ErrorIs(t, err, ErrBadRecord)
			assert.Contains(t, err.Error(), tt.msg)
			assert.Nil(t, plan)
		})
	}
}

// TestInspectVelocidexDivergence covers well-formed records that the pinned
// Velocidex decoder would misread: the plan is complete, and the error says
// why the record must be kept from the decoder.
func TestInspectVelocidexDivergence(t *testing.T) {
	withToken := func(tok func(b *bxb)) func(c *testChunk) {
		return func(c *testChunk) {
			c.add(func(w *bxb) {
				w.frag()
				w.inline(5, func(b *bxb) {
					b.frag().open("E", false).closeStart()
					tok(b)
					b.sub(0, TypeString).end().eof()
				})
				w.args(aStr("v")).eof()
			})
		}
	}
	simple := func(b *bxb) {
		b.frag().open("E", false).closeStart().sub(0, TypeString).end().eof()
	}
	tests := []struct {
		name  string
		build func(c *testChunk)
		msg   string
		first string // rendering of the first value at path "E"
	}{
		{"CDATA", withToken(func(b *bxb) { b.u8(0x07).u16(2).raw(utf16le("<>")) }), "CDATA", "<>"},
		{"character reference", withToken(func(b *bxb) { b.u8(0x08).u16('&') }), "character reference", "&"},
		{"entity reference", withToken(func(b *bxb) { b.u8(0x09).name("amp") }), "entity reference", "&"},
		{"processing instruction", withToken(func(b *bxb) { b.u8(0x0a).name("pi").u8(0x0b).u16(1).raw(utf16le("d")) }), "processing instruction", "v"},
		{"null-typed substitution", func(c *testChunk) {
			c.add(func(w *bxb) {
				w.frag()
				w.inline(5, func(b *bxb) { b.frag().open("E", false).closeStart().sub(0, TypeNull).end().eof() })
				w.args(aStr("v")).eof()
			})
		}, "null type", "v"},
		{"template ID redefined", func(c *testChunk) {
			c.add(func(w *bxb) { w.frag(); w.inline(5, simple); w.args(aStr("a")).eof() })
			c.add(func(w *bxb) { w.frag(); w.inline(5, simple); w.args(aStr("v")).eof() })
		}, "defined a second time", "v"},
		{"reference under another ID", func(c *testChunk) {
			var def uint32
			c.add(func(w *bxb) { w.frag(); def = w.inline(5, simple); w.args(aStr("a")).eof() })
			c.add(func(w *bxb) { w.frag().ref(6, def).args(aStr("v")).eof() })
		}, "refers to the definition", "v"},
		{"reference to a template kept from the decoder", func(c *testChunk) {
			var def uint32
			c.add(func(w *bxb) {
				w.frag()
				def = w.inline(5, simple)
				w.args(aStr("a"))
				// A CDATA-free but decoder-unsafe record: a second
				// instance under a reused ID.
				w.inline(5, simple)
				w.args(aStr("b")).eof()
			})
			c.add(func(w *bxb) { w.frag().ref(5, def).args(aStr("v")).eof() })
		}, "kept from the decoder", "v"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestChunk()
			tt.build(c)
			d := newChunkInspector(c.buf)
			var err error
			var plan *recordValues
			for off := chunkHeaderSize; off < c.next; {
				size := int(binary.LittleEndian.Uint32(c.buf[off+4:]))
				plan, err = d.inspect(off, size)
				off += size
			}
			require.ErrorIs(t, err, ErrBadRecord)
			assert.Contains(t, err.Error(), "would misread")
			assert.Contains(t, err.Error(), tt.msg)
			require.NotNil(t, plan, "the pre-pass decoded the record fully")
			assert.Equal(t, tt.first, plan.value("E").Text)
		})
	}
}

func TestInspectScanArraysPerChunk(t *testing.T) {
	// Past the cap, records with arrays Velocidex reads to the end of the
	// chunk are kept from it but still fully decoded.
	c := newTestChunk()
	for i := 0; i <= maxScanArraysPerChunk+1; i++ {
		c.add(oneValue(uint32(1000+i), 0x8a, arg{0x8a, le64(uint64(i))}))
	}
	d := newChunkInspector(c.buf)
	i := 0
	for off := chunkHeaderSize; off < c.next; i++ {
		size := int(binary.LittleEndian.Uint32(c.buf[off+4:]))
		plan, err := d.inspect(off, size)
		require.NotNil(t, plan, "record %d", i)
		assert.Equal(t, strconv.Itoa(i), plan.value("Event/EventData/Data[Name=V]").Text)
		if i < maxScanArraysPerChunk {
			require.NoError(t, err, "record %d", i)
		} else {
			require.ErrorIs(t, err, ErrLimit, "record %d", i)
			assert.Contains(t, err.Error(), "kept from the pinned Velocidex decoder")
		}
		off += size
	}
	assert.Equal(t, maxScanArraysPerChunk, d.scanArrays, "only arrays handed to Velocidex count")
}

func TestInspectRefusedRecordTeachesNothing(t *testing.T) {
	// A record that defines a template but is damaged after it must not
	// make the template known: a later reference is refused.
	c := newTestChunk()
	simple := func(b *bxb) { b.frag().open("E", false).closeStart().sub(0, TypeString).end().eof() }
	var def uint32
	off1, size1 := c.add(func(w *bxb) { w.frag(); def = w.inline(5, simple); w.u32(0xffffffff).eof() })
	off2, size2 := c.add(func(w *bxb) { w.frag().ref(5, def).args(aStr("v")).eof() })
	d := newChunkInspector(c.buf)
	_, err := d.inspect(off1, size1)
	require.ErrorIs(t, err, ErrLimit)
	plan, err := d.inspect(off2, size2)
	require.ErrorIs(t, err, ErrBadRecord)
	assert.Nil(t, plan)
}

func TestBinXMLErrorMessage(t *testing.T) {
	err := bxBadf(0x2a0, "something %s", "wrong")
	assert.Equal(t, "evtx: bad record: something wrong at chunk offset 672 (0x2a0)", err.Error())
	assert.True(t, errors.Is(err, ErrBadRecord))
	assert.False(t, strings.Contains(bxLimitf(1, "x").Error(), "bad record"))
}

// fuzzSeedChunk builds a chunk of well-formed records covering the token and
// value kinds, for FuzzInspect's seed corpus.
func fuzzSeedChunk() []byte {
	c := newTestChunk()
	var def uint32
	c.add(func(w *bxb) {
		w.frag()
		def = w.inline(0x1111, systemTemplate)
		w.args(systemArgs("seed")...).eof()
	})
	c.add(func(w *bxb) { w.frag().ref(0x1111, def).args(systemArgs("again")...).eof() })
	at := nestedValueOffset(c, 0x30, userDataTemplate)
	inner := eventXML(at, 0x31, "p", 1)
	c.add(func(w *bxb) {
		w.frag()
		w.inline(0x30, userDataTemplate)
		w.args(arg{TypeBinXML, inner}).eof()
	})
	c.add(oneValue(0x40, 0x86, arg{0x86, append(le16(1), le16(2)...)}))
	c.add(oneValue(0x41, 0x81, arg{0x81, append(utf16le("a"), 0, 0)}))
	c.add(oneValue(0x42, TypeSysTime, arg{TypeSysTime, make([]byte, 16)}))
	return c.buf
}

// FuzzInspect feeds arbitrary record areas to the pre-pass. It must never
// panic, and a chunk whose every record it accepts must not make the pinned
// Velocidex decoder panic either.
func FuzzInspect(f *testing.F) {
	seed := fuzzSeedChunk()
	end := chunkHeaderSize
	for end < len(seed) && [4]byte(seed[end:end+4]) == bxRecMagic {
		end += int(binary.LittleEndian.Uint32(seed[end+4:]))
	}
	f.Add(seed[chunkHeaderSize:end])
	f.Fuzz(func(t *testing.T, area []byte) {
		chunk := make([]byte, chunkSize)
		copy(chunk, "ElfChnk\x00")
		copy(chunk[chunkHeaderSize:], area)
		d := newChunkInspector(chunk)
		n, accepted := 0, true
		for off := chunkHeaderSize; off+bxRecMin <= chunkSize && n < 1000; n++ {
			size := int(binary.LittleEndian.Uint32(chunk[off+4:]))
			plan, err := d.inspect(off, size)
			if err == nil && plan == nil {
				t.Fatalf("record at 0x%x: no plan and no error", off)
			}
			if err != nil {
				var be *binxmlError
				if !errors.As(err, &be) || !(errors.Is(err, ErrBadRecord) || errors.Is(err, ErrLimit)) {
					t.Fatalf("record at 0x%x: error %v is not a typed pre-pass error", off, err)
				}
			}
			if err != nil || plan == nil {
				accepted = false
				break
			}
			off += size
		}
		if accepted && n > 0 {
			velocidexMustNotPanic(t, chunk, n)
		}
	})
}

// fanOut returns BinXML (at chunk offset base) nesting levels template
// instances, each of whose template references its single BinXML argument
// refs times: the expansion work is refs^levels.
func fanOut(base, levels, refs int) []byte { return fanOutIDs(base, levels, refs, 200) }

func fanOutIDs(base, levels, refs int, idBase uint32) []byte {
	v := &bxb{base: base}
	v.frag()
	if levels == 0 {
		v.open("L", false).closeEmpty().eof()
		return v.b
	}
	v.inline(idBase+uint32(levels), func(b *bxb) {
		b.frag().open("E", false).closeStart()
		for i := 0; i < refs; i++ {
			b.sub(0, TypeBinXML)
		}
		b.end().eof()
	})
	at := v.pos() + 8
	v.args(arg{TypeBinXML, fanOutIDs(at, levels-1, refs, idBase)}).eof()
	return v.b
}

func TestInspectChunkStepBudget(t *testing.T) {
	// Records each within the per-record budget exhaust the chunk's.
	c := newTestChunk()
	for id := uint32(1000); c.next < chunkSize-4000; id += 10 {
		c.add(func(w *bxb) { w.raw(fanOutIDs(w.pos(), 2, 300, id)) })
	}
	d := newChunkInspector(c.buf)
	var err error
	ok, perRecord := 0, 0
	for off := chunkHeaderSize; off < c.next && err == nil; {
		size := int(binary.LittleEndian.Uint32(c.buf[off+4:]))
		_, err = d.inspect(off, size)
		if err == nil {
			ok++
			perRecord = d.steps / ok
		}
		off += size
	}
	require.ErrorIs(t, err, ErrLimit)
	assert.Contains(t, err.Error(), "chunk's records takes more than")
	require.Positive(t, perRecord)
	assert.Less(t, perRecord, maxStepsPerRecord)
	assert.Equal(t, maxStepsPerChunk/perRecord, ok, "records accepted before the budget ran out")
}

// TestInspectMutations is a short, deterministic stand-in for FuzzInspect
// that runs in CI: random byte changes in the seed chunk's records must never
// panic, and whenever every record passes, Velocidex must not panic on them.
func TestInspectMutations(t *testing.T) {
	seed := fuzzSeedChunk()
	end := int(binary.LittleEndian.Uint32(seed[48:]))
	r := rand.New(rand.NewPCG(1, 2))
	accepted, refused := 0, 0
	rounds := 3000
	if testing.Short() {
		rounds = 500
	}
	if v, err := strconv.Atoi(os.Getenv("BX_MUTATIONS")); err == nil && v > 0 {
		rounds = v // longer local runs
	}
	for i := 0; i < rounds; i++ {
		chunk := append([]byte(nil), seed...)
		for k := 0; k < 1+r.IntN(4); k++ {
			chunk[chunkHeaderSize+r.IntN(end-chunkHeaderSize)] = byte(r.IntN(256))
		}
		d := newChunkInspector(chunk)
		n, all := 0, true
		for off := chunkHeaderSize; off < end; n++ {
			size := int(binary.LittleEndian.Uint32(chunk[off+4:]))
			plan, err := d.inspect(off, size)
			if err != nil || plan == nil {
				all = false
				break
			}
			off += size
		}
		if all {
			accepted++
			velocidexMustNotPanic(t, chunk, n)
		} else {
			refused++
		}
	}
	t.Logf("%d mutated chunks fully accepted, %d with a refused record", accepted, refused)
	assert.Positive(t, accepted)
	assert.Positive(t, refused)
}

// TestInspectRenderingShapes: the pre-pass's values for the constructs the
// rendering faults came from (text split by references, Null optional
// substitutions), record by record.
func TestInspectRenderingShapes(t *testing.T) {
	type pv struct{ path, text string }
	tests := []struct {
		name string
		body func(b *bxb) // the template body's content inside <E>
		args []arg
		want []pv
	}{
		{"text and entity references are one value",
			func(b *bxb) {
				b.open("V", false).closeStart().text("a ").entityRef("amp").text(" b ").entityRef("quot").entityRef("lt").entityRef("gt").entityRef("apos").end()
			}, nil,
			[]pv{{"E/V", `a & b "<>'`}}},
		{"character references join the text, a surrogate pair into one character",
			func(b *bxb) {
				b.open("V", false).closeStart().text("x").charRef(0x41).charRef(0xd83d).charRef(0xde00).text("y").end()
			}, nil,
			[]pv{{"E/V", "xA\U0001F600y"}}},
		{"a lone surrogate stays a replacement character",
			func(b *bxb) { b.open("V", false).closeStart().charRef(0xd83d).text("z").end() }, nil,
			[]pv{{"E/V", "\uFFFDz"}}},
		{"references in an attribute value are one value",
			func(b *bxb) {
				b.open("V", true).attr("A").text("1").entityRef("amp").text("2").closeEmpty()
			}, nil,
			[]pv{{"E/V@A", "1&2"}}},
		{"text separated by an element stays two values",
			func(b *bxb) {
				b.open("V", false).closeStart().text("a").open("C", false).closeEmpty().entityRef("amp").end()
			}, nil,
			[]pv{{"E/V", "a"}, {"E/V", "&"}}},
		{"an optional Null substitution omits its element and attributes",
			func(b *bxb) {
				b.open("V", true).attr("A").text("lit").closeStart().opt(0, TypeString).end()
				b.open("W", false).closeStart().opt(1, TypeString).end()
			}, []arg{{TypeNull, nil}, aStr("w")},
			[]pv{{"E/W", "w"}}},
		{"an optional Null substitution omits its attribute",
			func(b *bxb) {
				b.open("V", true).attr("A").opt(0, TypeGUID).attr("B").opt(1, TypeString).closeEmpty()
			}, []arg{{TypeNull, nil}, aStr("b")},
			[]pv{{"E/V@B", "b"}}},
		{"an element with other content keeps it",
			func(b *bxb) { b.open("V", false).closeStart().text("t").opt(0, TypeString).end() },
			[]arg{{TypeNull, nil}},
			[]pv{{"E/V", "t"}}},
		{"a normal Null substitution and an empty string are empty values",
			func(b *bxb) {
				b.open("V", false).closeStart().sub(0, TypeString).end()
				b.open("W", false).closeStart().opt(1, TypeString).end()
			}, []arg{{TypeNull, nil}, aStr("")},
			[]pv{{"E/V", ""}, {"E/W", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestChunk()
			off, size := c.add(func(w *bxb) {
				w.frag()
				w.inline(7, func(b *bxb) {
					b.frag().open("E", false).closeStart()
					tt.body(b)
					b.end().eof()
				})
				w.args(tt.args...).eof()
			})
			plan, _ := newChunkInspector(c.buf).inspect(off, size)
			require.NotNil(t, plan)
			var got []pv
			for _, v := range plan.ordered {
				got = append(got, pv{v.Path, v.Value.Text})
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestIndexNUL16(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want int
	}{
		{"empty", nil, -1},
		{"no NUL", utf16le("abc"), -1},
		{"first unit", []byte{0, 0, 'a', 0}, 0},
		{"after text", append(utf16le("ab"), 0, 0), 4},
		{"zero bytes across units only", utf16le("AĀ"), -1},          // 41 00 00 01
		{"across units, then a NUL", append(utf16le("AĀ"), 0, 0), 4}, // 41 00 00 01 00 00
		{"across units into a NUL", []byte{'A', 0, 0, 0}, 2},         // the pair at 1, the NUL at 2
		{"odd tail", []byte{'a', 0, 0}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, bxIndexNUL16(tt.b))
		})
	}
}

// TestIndexNUL16Positions checks bxIndexNUL16 against a unit-by-unit scan,
// for a NUL at every place of texts long enough for its 4-unit steps,
// among units that borrow or carry in its arithmetic.
func TestIndexNUL16Positions(t *testing.T) {
	units := []uint16{0x0001, 0x0100, 0x8000, 0xffff, 0x00ff, 0xff00, 'a'}
	naive := func(b []byte) int {
		for i := 0; i+1 < len(b); i += 2 {
			if b[i] == 0 && b[i+1] == 0 {
				return i
			}
		}
		return -1
	}
	for n := range 21 {
		for nul := -1; nul < n; nul++ {
			for k := range units {
				b := make([]byte, 0, 2*n+1)
				for i := range n {
					u := units[(i+k)%len(units)]
					if i == nul || i == nul+3 { // a second NUL after the first
						u = 0
					}
					b = binary.LittleEndian.AppendUint16(b, u)
				}
				assert.Equal(t, naive(b), bxIndexNUL16(b), "%d units, NUL at %d, units from %d", n, nul, k)
				assert.Equal(t, naive(b), bxIndexNUL16(append(b, 0)), "odd tail")
			}
		}
	}
}
