package evtx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodingJSON is what encoding/json writes for s, with or without HTML
// escaping: the text appendJSONString must reproduce.
func encodingJSON(t *testing.T, s string, escapeHTML bool) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	require.NoError(t, enc.Encode(s))
	return strings.TrimSuffix(b.String(), "\n")
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "\b\f\n\r\t\x00\x01\x1f\x7f",
		"caf\u00e9 \u4e16\u754c \U0001f600", "line\u2028para\u2029", "bad \xff\xfe utf-8 \xe2\x80", "\xe2\x80\xa8",
		"\ufffd", "tab\tend",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "<", ">", "&", `"`, `\`, "\x00", "\x1f", "\n", "\u00e9", "\u2028", "\u2029", "\xff", "\xe2", "\x80", "\xa8", "\U0001f600", "#"}
	for range 2000 {
		var sb strings.Builder
		for range rng.IntN(12) {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		cases = append(cases, sb.String())
	}
	for _, s := range cases {
		for _, html := range []bool{false, true} {
			assert.Equal(t, encodingJSON(t, s, html), string(appendJSONString(nil, s, html)), "%q html=%v", s, html)
		}
	}
}

// TestAppendJSONDataKeys checks that the keys of the data object are
// DataKeys, for the names that can collide: unnamed items, names met again,
// named fields spelt like an unnamed item's key or a suffixed key.
func TestAppendJSONDataKeys(t *testing.T) {
	for _, names := range [][]string{
		nil,
		{"A", "", "A", "", "B", "A"},
		{"Data#0", "", "", "Data#1", "Data#0"},
		{"X", "X#1", "X", "X#1"},
		{"", "", "Data#01", "Data#1", "Data#"},
		{"a<b", "a<b", "\xff", "\xff"},
	} {
		ev := &Event{}
		for i, n := range names {
			ev.Data = append(ev.Data, Field{Name: n, Value: strings.Repeat("v", i)})
		}
		obj := struct {
			Data json.RawMessage `json:"data"`
		}{}
		require.NoError(t, json.Unmarshal(ev.AppendJSON(nil), &obj))
		dec := json.NewDecoder(bytes.NewReader(obj.Data))
		keys := []string{}
		_, err := dec.Token() // {
		require.NoError(t, err)
		for dec.More() {
			k, err := dec.Token()
			require.NoError(t, err)
			keys = append(keys, k.(string))
			_, err = dec.Token()
			require.NoError(t, err)
		}
		want := ev.DataKeys()
		for i := range want {
			want[i] = strings.ToValidUTF8(want[i], "\ufffd") // as JSON text carries them
		}
		assert.Equal(t, want, keys, "names %q", names)
	}
	// Past maxInlineKeys, DataKeys itself is used: the same keys.
	ev := &Event{}
	for i := range maxInlineKeys + 3 {
		ev.Data = append(ev.Data, Field{Name: []string{"", "N"}[i%2], Value: "x"})
	}
	b := ev.AppendJSON(nil)
	for _, k := range ev.DataKeys() {
		assert.Contains(t, string(b), `"`+k+`":"x"`)
	}
}

func TestAppendJSONWholeEvent(t *testing.T) {
	ev := &Event{
		System: System{EventRecordID: 9, TimeCreated: time.Date(2025, 10, 1, 12, 0, 0, 1234500, time.UTC),
			EventID: 3021, Provider: "Microsoft-Windows-SMBServer", Channel: "Microsoft-Windows-SMBServer/Audit",
			Computer: "fs01", HasQualifiers: true, Qualifiers: 16384, Version: 1, Level: 4, Task: 2, Opcode: 3,
			Keywords: 0x8000000000000000, ProviderGUID: "{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}", UserSID: "S-1-5-18",
			ProcessID: 4, ThreadID: 5, ActivityID: "{00000000-0000-0000-0000-000000000001}",
		},
		RecordID:     7,
		Data:         []Field{{Name: "ClientName", Value: `\\10.0.0.1`}, {Value: "a<b"}},
		Source:       Source{File: "x<&>.evtx", Chunk: 2, Offset: 70000},
		ChunkDamaged: true,
	}
	want := `{"record_id":7,"event_record_id":9,"time_created":"2025-10-01T12:00:00.0012345Z","event_id":3021,` +
		`"provider":"Microsoft-Windows-SMBServer","channel":"Microsoft-Windows-SMBServer/Audit","computer":"fs01",` +
		`"qualifiers":16384,"version":1,"level":4,"task":2,"opcode":3,"keywords":"0x8000000000000000",` +
		`"provider_guid":"{D48CE617-33A2-4BC3-A5C7-11AA4F29619E}","user_sid":"S-1-5-18","process_id":4,"thread_id":5,` +
		`"activity_id":"{00000000-0000-0000-0000-000000000001}","data":{"ClientName":"\\\\10.0.0.1","Data#0":"a<b"},` +
		`"source":{"file":"x\u003c\u0026\u003e.evtx","chunk":2,"offset":70000},"chunk_damaged":true}`
	assert.Equal(t, want, string(ev.AppendJSON(nil)))
	m, err := ev.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, want, string(m))
	// What json.Encoder writes for the event (it compacts MarshalJSON's
	// text) is the same.
	assert.Equal(t, want, encodingJSONValue(t, ev))

	empty := &Event{}
	assert.Equal(t, `{"record_id":0,"time_created":null,"event_id":0,"version":0,"level":0,"task":0,"opcode":0,`+
		`"keywords":"0x0","process_id":0,"thread_id":0,"data":{},"source":{"file":"","chunk":0,"offset":0}}`, string(empty.AppendJSON(nil)))
	// AppendJSON appends.
	assert.Equal(t, "prefix"+string(empty.AppendJSON(nil)), string(empty.AppendJSON([]byte("prefix"))))
}

func encodingJSONValue(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return strings.TrimSuffix(b.String(), "\n")
}

// TestUintTextFastPath checks plainDecimal's shortcut in uintText against
// strconv's reading for the texts that can reach it.
func TestUintTextFastPath(t *testing.T) {
	for _, s := range []string{"0", "1", "4624", "65535", "65536", "255", "256", "4294967295", "4294967296",
		"9999999999999999999", "18446744073709551615", "18446744073709551616", "010", "00", "0x10", "1_000", " 7", "7 ", "", "-1", "+1", "1a",
		"0x0", "0x", "0xffffffffffffffff", "0x10000000000000000", "0xFF", "0xfF", "0x1_0", "0X10", "0xg", "0x8020000000000000", "0x00ff", "0x100", "0x100000000"} {
		for _, bits := range []int{8, 16, 32, 64} {
			want, err := strconv.ParseUint(strings.TrimSpace(s), 0, 64)
			wantOK := err == nil && (bits == 64 || want>>bits == 0)
			got, ok := uintText(s, bits)
			if !wantOK {
				want = 0
			}
			assert.Equal(t, wantOK, ok, "%q bits %d", s, bits)
			assert.Equal(t, want, got, "%q bits %d", s, bits)
		}
	}
}

// TestAppendTimeLayout checks the time writer against time.Format, four-
// digit years and the others (left to time.Format).
func TestAppendTimeLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	times := []time.Time{
		time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 100, time.UTC), time.Date(999, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 10, 1, 12, 0, 0, 1234567, time.FixedZone("x", 3600)),
		fileTimeToTime(1), fileTimeToTime(1<<63 - 1),
	}
	for range 2000 {
		times = append(times, fileTimeToTime(rng.Uint64()>>1), time.Unix(rng.Int64N(1<<40)-1<<39, rng.Int64N(1e9)))
	}
	// The four-digit years, where the date is computed: around every
	// month's end of leap, century and ordinary years, and at random.
	for _, y := range []int{1000, 1600, 1601, 1700, 1900, 1970, 1999, 2000, 2024, 2025, 2100, 9999} {
		for m := time.January; m <= time.December; m++ {
			end := time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC)
			times = append(times, end.Add(-100), end, time.Date(y, m, 1, 12, 30, 59, 9999900, time.UTC))
		}
	}
	for range 20000 {
		times = append(times, time.Unix(unixYear1000+rng.Int64N(unixYear10000-unixYear1000), rng.Int64N(1e9)))
	}
	for _, tm := range times {
		assert.Equal(t, tm.UTC().Format(TimeLayout), string(appendTimeLayout(nil, tm)), "%v", tm)
	}
}

// TestAppendJSONDataKeysRandom compares the data object's keys with
// DataKeys for random field names that collide in every way the key rules
// allow, up to 40 fields (more than ten unnamed items; the pairwise
// comparison up to maxPairKeys, the hashed chains above).
func TestAppendJSONDataKeysRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	names := []string{"", "", "", "Data#0", "Data#1", "Data#10", "Data#11", "Data#", "X", "X#1", "X#2", "D", "Y0", "Data#1#1"}
	for range 1000 {
		ev := &Event{}
		for range rng.IntN(40) {
			ev.Data = append(ev.Data, Field{Name: names[rng.IntN(len(names))], Value: "v"})
		}
		var got []string
		dec := json.NewDecoder(bytes.NewReader(ev.AppendJSON(nil)))
		for depth := 0; ; {
			tok, err := dec.Token()
			require.NoError(t, err)
			if d, ok := tok.(json.Delim); ok {
				if d == '{' {
					depth++
				} else if d == '}' {
					depth--
				}
				if depth == 0 {
					break
				}
				continue
			}
			if k, ok := tok.(string); ok && k == "data" && depth == 1 {
				_, _ = dec.Token() // {
				for dec.More() {
					k, err := dec.Token()
					require.NoError(t, err)
					got = append(got, k.(string))
					_, _ = dec.Token()
				}
				_, _ = dec.Token() // }
			}
		}
		want := ev.DataKeys()
		if len(want) == 0 {
			want = nil
		}
		require.Equal(t, want, got)
	}
}

// TestJSONSpecial8 checks the eight-byte test against jsonSafe byte by
// byte, on words built from the bytes around every bound it tests: no flag
// when all eight are plain, else the lowest flag on the first that is not.
func TestJSONSpecial8(t *testing.T) {
	interesting := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, '"', '#', '[', '\\', ']', 'a', 0x7e, 0x7f, 0x80, 0x81, 0xfe, 0xff, '<', '&'}
	rng := rand.New(rand.NewPCG(9, 10))
	for range 200000 {
		var x uint64
		first := 8
		for k := range 8 {
			c := interesting[rng.IntN(len(interesting))]
			if rng.IntN(3) > 0 {
				c = byte(0x20 + rng.IntN(0x5f)) // mostly printable
			}
			x |= uint64(c) << (8 * k)
			if !jsonSafe[c] && first == 8 {
				first = k
			}
		}
		m := jsonSpecial8(x)
		if first == 8 {
			require.Zero(t, m, "%016x", x)
		} else {
			require.Equal(t, first, bits.TrailingZeros64(m)/8, "%016x", x)
		}
	}
	// Long strings, plain but for a few bytes anywhere.
	for range 3000 {
		b := []byte(strings.Repeat("abcdefgh", 1+rng.IntN(6)))
		for range rng.IntN(3) {
			b[rng.IntN(len(b))] = interesting[rng.IntN(len(interesting))]
		}
		s := string(b)
		assert.Equal(t, encodingJSON(t, s, false), string(appendJSONString(nil, s, false)), "%q", s)
	}
}

// TestJSONPlainPrefix checks the scan against jsonSafe byte by byte for
// every length to 40 and every place of one or two bytes that need a look,
// so that the overlapping load of the last eight bytes is tried at each
// offset.
func TestJSONPlainPrefix(t *testing.T) {
	for _, html := range []bool{false, true} {
		safe, plainBytes, special := &jsonSafe, "a~ <&>#]", []byte{0x00, 0x1f, '"', '\\', 0x80, 0xe9, 0xff}
		if html {
			safe, plainBytes, special = &jsonHTMLSafe, "a~ =%?#]", append(special, '<', '>', '&')
		}
		want := func(s string) int {
			i := 0
			for i < len(s) && safe[s[i]] {
				i++
			}
			return i
		}
		for n := 0; n <= 40; n++ {
			plain := []byte(strings.Repeat(plainBytes, 6)[:n])
			require.Equal(t, n, jsonPlainPrefix(string(plain), html), "plain, length %d, html %v", n, html)
			for p := 0; p < n; p++ {
				for _, c := range special {
					b := append([]byte(nil), plain...)
					b[p] = c
					require.Equal(t, p, jsonPlainPrefix(string(b), html), "length %d, %#x at %d, html %v", n, c, p, html)
					if p+1 < n {
						b[n-1] = '"'
						require.Equal(t, want(string(b)), jsonPlainPrefix(string(b), html), "length %d, %#x at %d and a quote last, html %v", n, c, p, html)
					}
				}
			}
		}
	}
}

// TestAppendNumbers checks the number writers against strconv at the
// bounds where they change digits, and on random numbers.
func TestAppendNumbers(t *testing.T) {
	ns := []uint64{0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65535, 1<<32 - 1, 1 << 32, 1<<63 - 1, 1 << 63, 1<<64 - 1}
	for p := uint64(1); p < 1e19; p *= 10 {
		ns = append(ns, p-1, p, p+1)
	}
	for n := range uint64(20000) { // every number of the short paths
		ns = append(ns, n)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		ns = append(ns, rng.Uint64()>>rng.IntN(64))
	}
	for _, n := range ns {
		require.Equal(t, strconv.FormatUint(n, 10), string(appendDecimal([]byte("x"), n))[1:], "%d", n)
		require.Equal(t, strconv.FormatUint(n, 16), string(appendHex([]byte("x"), n))[1:], "%d", n)
		require.Equal(t, strconv.FormatInt(int64(n), 10), string(appendSigned(nil, int64(n))), "%d", int64(n))
	}
}

// TestJSONAppenderMatchesAppendJSON writes runs of events that repeat,
// change and escape their strings (System strings, data keys and values,
// the file name; more data fields than the appender remembers), repeat and
// change their keywords and the numbers that class them (qualifiers,
// version, level, task, opcode), and step their times within a day, across
// midnight, before 1970 and outside four-digit years, and checks that a
// JSONAppender gives AppendJSON's text for each.
func TestJSONAppenderMatchesAppendJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	texts := []string{"", "a", "b", "plain text", `quo"te`, `\\10.0.0.5`, "caf\u00e9", "tab\tnew\nline", "<&>", "FS01.corp.example", "\xff bad"}
	pick := func() string { return texts[rng.IntN(len(texts))] }
	keywords := []uint64{0, 1, 0x8000000000000000, 0x8020000000000000, 0xffffffffffffffff, 0x10}
	starts := []time.Time{{}, time.Date(2025, 10, 1, 23, 59, 50, 0, time.UTC), time.Date(1969, 12, 31, 23, 59, 55, 100, time.UTC),
		time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC).Add(-3 * time.Second),
		time.Date(9999, 12, 31, 23, 59, 58, 0, time.UTC), time.Date(2024, 2, 28, 23, 59, 59, 9999900, time.UTC)}
	var enc JSONAppender
	var prev Event
	for i := range 3000 {
		ev := prev // mostly the same strings as the event before
		ev.RecordID = uint64(i)
		switch r := rng.IntN(8); {
		case i == 0 || r == 0:
			ev.TimeCreated = starts[rng.IntN(len(starts))]
		case r <= 3 && !ev.TimeCreated.IsZero():
			ev.TimeCreated = ev.TimeCreated.Add(time.Duration(rng.Int64N(int64(2 * time.Second))))
		}
		if i == 0 || rng.IntN(5) == 0 {
			ev.Keywords = keywords[rng.IntN(len(keywords))]
		}
		if rng.IntN(5) == 0 { // one of the numbers that class the event
			switch rng.IntN(6) {
			case 0:
				ev.HasQualifiers = !ev.HasQualifiers
			case 1:
				ev.Qualifiers = uint16(rng.IntN(3)) << rng.IntN(15)
			case 2:
				ev.Version = uint8(rng.IntN(3))
			case 3:
				ev.Level = uint8(rng.IntN(5))
			case 4:
				ev.Task = uint16(rng.IntN(3)) << rng.IntN(15)
			case 5:
				ev.Opcode = uint8(rng.IntN(3)) << rng.IntN(7)
			}
		}
		if i == 0 || rng.IntN(4) == 0 {
			ev.Provider, ev.Channel, ev.Computer, ev.UserSID, ev.Fallback = pick(), pick(), pick(), pick(), pick()
			ev.ProviderGUID, ev.ActivityID, ev.EventSourceName = pick(), pick(), pick()
			ev.Source.File = pick()
		}
		if i == 0 || rng.IntN(3) == 0 {
			ev.Data = make([]Field, rng.IntN(24))
			for k := range ev.Data {
				ev.Data[k] = Field{Name: pick(), Value: pick()}
			}
		} else {
			ev.Data = append([]Field(nil), prev.Data...)
			if len(ev.Data) > 0 && rng.IntN(2) == 0 {
				ev.Data[rng.IntN(len(ev.Data))].Value = pick()
			}
		}
		want := string(ev.AppendJSON(nil))
		require.Equal(t, want, string(enc.Append(nil, &ev)), "event %d", i)
		require.Equal(t, "x"+want, string(enc.Append([]byte("x"), &ev)), "event %d again, appended", i)
		prev = ev
	}
}

// TestJSONAppenderDataKeySets writes events whose data field names differ
// in ways that a digest of their lengths and last bytes does not tell
// apart (same lengths, named or unnamed, repeated names), more sets than
// the appender keeps, and the sizes around jsonDataMemos, each event twice
// and the sequence in two orders, checking AppendJSON's text each time.
func TestJSONAppenderDataKeySets(t *testing.T) {
	sets := [][]string{
		{"a", "b"}, {"b", "a"}, {"a", "a"}, {"b", "b"}, {"", ""}, {"", "Data#0"}, {"Data#0", ""}, {"Data#1", ""},
		{"", "Data#1"}, {}, {"a"}, {"x", "a"}, {"a", "x"}, {"a#1", "a"}, {"a", "a#1"}, {"a", "a", "a#1"},
		{`q"`, `q\`}, {"ClientName", "ClientName"}, {"ClientNamf", "ClientName"},
	}
	for _, n := range []int{jsonDataMemos - 1, jsonDataMemos, jsonDataMemos + 1} {
		long := make([]string, n)
		for i := range long {
			long[i] = string(rune('a' + i%3))
		}
		sets = append(sets, long)
	}
	events := make([]Event, len(sets))
	for i, names := range sets {
		events[i] = Event{RecordID: uint64(i)}
		for k, name := range names {
			events[i].Data = append(events[i].Data, Field{Name: name, Value: strconv.Itoa(k)})
		}
	}
	for _, order := range [][]int{{1, 0}, {0, 1}} {
		var enc JSONAppender
		for round := range 3 {
			for j := range events {
				ev := &events[j]
				if order[0] == 1 {
					ev = &events[len(events)-1-j]
				}
				want := string(ev.AppendJSON(nil))
				require.Equal(t, want, string(enc.Append(nil, ev)), "round %d, names %q", round, ev.DataKeys())
				require.Equal(t, want, string(enc.Append(nil, ev)), "round %d, names %q again", round, ev.DataKeys())
			}
		}
	}
}

// TestAppendJSONStringBody checks appendJSONStringBody (escapeHTML false) against
// encoding/json for every length to 40 and every place of one or two bytes
// that need a look (the run of eight-byte steps cut at each offset, the
// overlapping last step shifted by each amount, a spurious flag above an
// escape), appended to buffers with no room left and with room to spare.
func TestAppendJSONStringBody(t *testing.T) {
	special := []string{"\x00", "\x1f", `"`, `\`, "\x80", "\xff", "\u00e9", "\u2028", "\U0001f600", "\xe2\x80"}
	for n := 0; n <= 40; n++ {
		plain := strings.Repeat("a~ <&>#]", 6)[:n]
		var cases []string
		cases = append(cases, plain)
		for p := 0; p < n; p++ {
			for _, c := range special {
				s := plain[:p] + c + plain[p+1:]
				cases = append(cases, s)
				if p+2 < len(s) {
					cases = append(cases, s[:len(s)-1]+`"`, s[:p+1]+"\x01"+s[p+2:])
				}
			}
		}
		for _, s := range cases {
			want := encodingJSON(t, s, false)
			want = want[1 : len(want)-1]
			for _, prefix := range [][]byte{nil, []byte("pre"), append(make([]byte, 0, 200), "pre"...)} {
				got := appendJSONStringBody(prefix, s, false)
				require.Equal(t, "pre"[:len(prefix)]+want, string(got), "%q after %d bytes, cap %d", s, len(prefix), cap(prefix))
			}
		}
	}
}

// TestJSONAllPlain checks jsonAllPlain against jsonSafe for every length to
// 40 and every place of a byte that needs an escape, so that each of its
// loads (the words, the overlapping last word, the short string's two
// halves and their padding) is seen to find it.
func TestJSONAllPlain(t *testing.T) {
	special := []byte{0x00, 0x1f, '"', '\\', 0x80, 0xe9, 0xff}
	for n := 0; n <= 40; n++ {
		plain := []byte(strings.Repeat("a~ <&>#]", 6)[:n])
		require.True(t, jsonAllPlain(string(plain)), "plain, length %d", n)
		for p := 0; p < n; p++ {
			for _, c := range special {
				b := append([]byte(nil), plain...)
				b[p] = c
				require.False(t, jsonAllPlain(string(b)), "length %d, %#x at %d", n, c, p)
			}
		}
	}
}

// TestJSONAppenderSystemRuns interleaves the events of many computers
// (more than the appender keeps runs for, some sharing a digest), each
// value from provider to user_sid alone changing now and then, so that a
// run is found, missed by one value, evicted and written again; each event
// must give AppendJSON's text.
func TestJSONAppenderSystemRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	var computers []string
	for i := range 90 {
		computers = append(computers, "FS"+strconv.Itoa(i)+".corp.example")
	}
	computers = append(computers, "", "a", "WS1", `\\x`, "caf\u00e9")
	two := func(a, b string) string {
		if rng.IntN(2) == 0 {
			return a
		}
		return b
	}
	var enc JSONAppender
	for i := range 20000 {
		n := 8 + rng.IntN(len(computers)-8) // mostly the first few
		if rng.IntN(4) > 0 {
			n = 8
		}
		ev := Event{RecordID: uint64(i), System: System{EventID: 3021, Computer: computers[rng.IntN(n)],
			Provider: "P", Channel: "C", ProviderGUID: "{G}", UserSID: "S-1-5-18", Keywords: 0x8000000000000000, Level: 3}}
		switch rng.IntN(12) {
		case 0:
			ev.Provider = two("Q", `Q"`)
		case 1:
			ev.Channel = two("D", "")
		case 2:
			ev.ProviderGUID = two("{H}", "")
		case 3:
			ev.EventSourceName = two("E", "F")
		case 4:
			ev.UserSID = two("S-1-5-19", "")
		case 5:
			ev.Keywords = uint64(rng.IntN(3))
		case 6:
			ev.Level, ev.Task = uint8(rng.IntN(5)), uint16(rng.IntN(2))
		case 7:
			ev.HasQualifiers = true
		}
		require.Equal(t, string(ev.AppendJSON(nil)), string(enc.Append(nil, &ev)), "event %d", i)
	}
}

// TestAppendJSONStringLong checks long strings with escapes in runs and far
// apart (script blocks, command lines), past jsonShortString, so that the
// first escape is found by the word scan and each plain run after an
// escape by the escaping loop's own: every byte, every escape, with and
// without HTML escaping, must be encoding/json's.
func TestAppendJSONStringLong(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	pieces := []string{"a", "word ", "Invoke-Expression ", "$env:windir", "\r\n", "\t", `"`, `\`, `\\`, "<", "&", "\x01",
		"\u00e9", "\u2028", "\xff", "-----------------------", "x"}
	cases := []string{strings.Repeat("p", 33), strings.Repeat("p", 40) + "\n", "\n" + strings.Repeat("p", 40),
		strings.Repeat("\r\n", 20), strings.Repeat(`"ab"`, 12)}
	for range 3000 {
		var sb strings.Builder
		for sb.Len() <= jsonShortString || rng.IntN(20) > 0 {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		cases = append(cases, sb.String())
	}
	for _, s := range cases {
		for _, html := range []bool{false, true} {
			require.Equal(t, encodingJSON(t, s, html), string(appendJSONString(nil, s, html)), "%q html=%v", s, html)
		}
	}
}

// TestJSONAppenderWideEvents interleaves events of Security-like templates:
// more templates than a few, 17 to jsonDataMemos fields each, so that the
// changed values past the sixteenth field are written through appendData
// and the sets are found, kept and replaced; each event must give
// AppendJSON's text.
func TestJSONAppenderWideEvents(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	var templates []Event
	for i := range 40 {
		n := 17 + rng.IntN(jsonDataMemos-16)
		var ev Event
		ev.EventID = uint16(4600 + i)
		for k := range n {
			ev.Data = append(ev.Data, Field{Name: "Field" + strconv.Itoa(k%(n-i%3)), Value: "v"})
		}
		templates = append(templates, ev)
	}
	values := []string{"-", "0x0", "S-1-5-18", `C:\Windows\System32\svchost.exe`, "%%1833", "", "tab\there", "WORKSTATION01"}
	var enc JSONAppender
	for i := range 4000 {
		tpl := &templates[rng.IntN(4+i%len(templates))%len(templates)]
		ev := *tpl
		ev.RecordID = uint64(i)
		ev.Data = append([]Field(nil), tpl.Data...)
		for range rng.IntN(4) {
			k := 16 + rng.IntN(len(ev.Data)-16) // mostly past the sixteenth
			if rng.IntN(4) == 0 {
				k = rng.IntN(len(ev.Data))
			}
			ev.Data[k].Value = values[rng.IntN(len(values))]
		}
		copy(tpl.Data, ev.Data) // the next event of the template starts from these values
		want := string(ev.AppendJSON(nil))
		require.Equal(t, want, string(enc.Append(nil, &ev)), "event %d, %d fields", i, len(ev.Data))
	}
}

// TestJSONAppenderLongValues writes events whose data values are long
// strings with escapes, recurring a few events apart among more of them
// than the appender keeps (and some large enough to fill its bytes), and
// plain long and short ones: each event must give AppendJSON's text, and
// a value seen again must be found escaped.
func TestJSONAppenderLongValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	var values []string
	for i := range 2 * jsonLongValues {
		v := fmt.Sprintf("line %d\r\n\tif ($x -eq \"%d\") { C:\\Temp\\a.ps1 }\r\n", i, i)
		for len(v) < jsonLongValue {
			v += v
		}
		values = append(values, v)
	}
	values = append(values, strings.Repeat("big \"block\"\n", jsonLongBytes/24), strings.Repeat("plain ", 20), "short\n", "")
	var enc JSONAppender
	for i := range 3000 {
		var ev Event
		ev.RecordID = uint64(i)
		for k := range 3 {
			ev.Data = append(ev.Data, Field{Name: "F" + strconv.Itoa(k), Value: values[rng.IntN(8+i%len(values))%len(values)]})
		}
		want := string(ev.AppendJSON(nil))
		require.Equal(t, want, string(enc.Append(nil, &ev)), "event %d", i)
	}
	require.NotEmpty(t, enc.long)
	require.LessOrEqual(t, len(enc.long), jsonLongValues)
	require.LessOrEqual(t, enc.longBytes, jsonLongBytes)
	for s, text := range enc.long {
		require.Equal(t, encodingJSON(t, s, false), `"`+string(text)+`"`)
	}
}

// TestJSONKeysMatch checks the test appendData makes of a kept set, first
// against the set of the event before: the same names whatever the values
// (the changed ones flagged by index, the first and the last included), and
// no match for another count of fields, another name, or a set never
// written.
func TestJSONKeysMatch(t *testing.T) {
	fields := func(kv ...string) *Event {
		var e Event
		for i := 0; i < len(kv); i += 2 {
			e.Data = append(e.Data, Field{Name: kv[i], Value: kv[i+1]})
		}
		return &e
	}
	var a JSONAppender
	a.Append(nil, fields("A", "1", "B", "2", "C", "3"))
	k := &a.dataKeys[a.lastKeys-1]
	for _, tc := range []struct {
		name    string
		e       *Event
		changed uint32
		same    bool
	}{
		{"same values", fields("A", "1", "B", "2", "C", "3"), 0, true},
		{"first changed", fields("A", "x", "B", "2", "C", "3"), 1, true},
		{"last two changed", fields("A", "1", "B", "", "C", "33"), 6, true},
		{"all changed", fields("A", "3", "B", "1", "C", "2"), 7, true},
		{"fewer fields", fields("A", "1", "B", "2"), 0, false},
		{"more fields", fields("A", "1", "B", "2", "C", "3", "D", "4"), 0, false},
		{"a name differs", fields("A", "1", "b", "2", "C", "3"), 0, false},
		{"last name differs", fields("A", "1", "B", "2", "CC", "3"), 0, false},
	} {
		changed, same := k.match(tc.e)
		assert.Equal(t, tc.same, same, tc.name)
		assert.Equal(t, tc.changed, changed, tc.name)
	}
	var empty jsonKeys
	_, same := empty.match(fields())
	assert.False(t, same, "a set never written")
}
