package evtx

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// referenceMayHold is the pre-filter's definition: fold a copy of the
// chunk, then search it.
func referenceMayHold(c *compiledOptions, buf []byte) bool {
	if len(c.providers) == 0 || c.patterns == nil {
		return true
	}
	f := make([]byte, len(buf))
	for i, b := range buf {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		f[i] = b
	}
	for i, p := range c.patterns {
		if !bytes.Contains(f, p) {
			continue
		}
		if len(c.markers[i]) == 0 {
			return true
		}
		for _, m := range c.markers[i] {
			if bytes.Contains(buf, m) { // exact, not folded
				return true
			}
		}
	}
	return false
}

// Options.Narrow: a chunk holding a narrowed provider's name counts only
// when it also holds one of the provider's markers.
func TestMayHoldProviderMarkers(t *testing.T) {
	smb, sec := "Microsoft-Windows-SMBServer", "Microsoft-Windows-Security-Auditing"
	u := func(s string) []byte { return utf16LEBytes(s) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	noise := bytes.Repeat(u("LogonType SubjectUserName "), 40)
	narrow := []ProviderFilter{{Provider: "microsoft-windows-security-auditing", EventIDs: []uint16{5168}, Markers: []string{"ConfiguredNames"}}}
	tests := []struct {
		name   string
		narrow []ProviderFilter
		buf    []byte
		want   bool
	}{
		{"narrowed provider without its marker", narrow, cat(noise, u(sec), noise), false},
		{"narrowed provider with its marker", narrow, cat(noise, u(sec), noise, u("ConfiguredNames")), true},
		{"provider name in another case, marker exact", narrow, cat(u("MICROSOFT-windows-security-auditing"), u("ConfiguredNames")), true},
		{"markers are compared with their case", narrow, cat(noise, u(sec), noise, u("CONFIGUREDNAMES")), false},
		{"marker without the provider", narrow, cat(noise, u("ConfiguredNames")), false},
		{"other provider, not narrowed", narrow, cat(noise, u(smb), noise), true},
		{"no markers: the name suffices", []ProviderFilter{{Provider: sec, EventIDs: []uint16{5168}}}, cat(noise, u(sec)), true},
		{"second marker", []ProviderFilter{{Provider: sec, Markers: []string{"Nope", "SpnName"}}}, cat(u(sec), u("SpnName")), true},
		{"non-ASCII marker: no narrowing", []ProviderFilter{{Provider: sec, Markers: []string{"Nämes"}}}, cat(noise, u(sec)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := compileOptions(Options{Providers: []string{smb, sec}, Narrow: tt.narrow})
			got := c.mayHoldProvider(tt.buf, make([]byte, len(tt.buf)))
			assert.Equal(t, tt.want, got)
			assert.Equal(t, referenceMayHold(c, tt.buf), got, "must agree with the folded-copy definition")
		})
	}
}

func TestMayHoldProviderMatchesItsDefinition(t *testing.T) {
	smb := "Microsoft-Windows-SMBServer"
	u := func(s string) []byte { return utf16LEBytes(s) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	noise := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rng.IntN(256))
	}
	tests := []struct {
		name      string
		providers []string
		buf       []byte
		want      bool
	}{
		{"exact case in the middle", []string{smb}, cat(noise, u(smb), noise), true},
		{"at the very start", []string{smb}, cat(u(smb), noise), true},
		{"at the very end", []string{smb}, cat(noise, u(smb)), true},
		{"other case", []string{smb}, cat(noise, u("MICROSOFT-windows-smbserver"), noise), true},
		{"wanted name given in another case", []string{"microsoft-windows-smbSERVER"}, cat(noise, u(smb)), true},
		{"absent", []string{smb}, cat(noise, u("Microsoft-Windows-Security-Auditing"), noise), false},
		{"cut short by the end", []string{smb}, cat(noise, u(smb)[:50]), false},
		{"anchor bytes everywhere", []string{smb}, bytes.Repeat([]byte("-\x00"), 2000), false},
		{"anchor near the start (pattern would start before the buffer)", []string{smb}, cat(u("ft-Windows-SMBServer"), noise), false},
		{"many anchors then a match", []string{smb}, cat(bytes.Repeat(u("Microsoft-Windows-"), 100), u(smb)), true},
		{"overlapping near-misses", []string{smb}, cat(u("Microsoft-Microsoft-Windows-SMBServer")), true},
		{"letters-only name, present", []string{"Kerberos"}, cat(noise, u("KERBEROS"), noise), true},
		{"letters-only name, absent", []string{"Kerberos"}, cat(noise, noise), false},
		{"anchor letter in the other case only", []string{smb}, cat(noise, u("microsoft-windows-smBserver"), noise), true},
		{"name with no anchor byte (folded copy), present", []string{"1234"}, cat(noise, u("1234"), noise), true},
		{"name with no anchor byte (folded copy), absent", []string{"1234"}, cat(noise, u("1243"), noise), false},
		{"second of two names", []string{"Nope-Provider", smb}, cat(noise, u(smb)), true},
		{"no provider filter", nil, noise, true},
		{"non-ASCII name turns the filter off", []string{"Prövider"}, noise, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := compileOptions(Options{Providers: tt.providers})
			got := c.mayHoldProvider(tt.buf, make([]byte, len(tt.buf)))
			assert.Equal(t, tt.want, got)
			assert.Equal(t, referenceMayHold(c, tt.buf), got, "must agree with the folded-copy definition")
		})
	}
}

// TestMayHoldProviderRandom compares the pre-filter with its definition on
// random chunks sprinkled with pieces of the name in random cases.
func TestMayHoldProviderRandom(t *testing.T) {
	c := compileOptions(Options{Providers: []string{"Microsoft-Windows-SMBServer"}})
	name := []byte(utf16LEBytes("microsoft-windows-smbserver"))
	rng := rand.New(rand.NewPCG(3, 4))
	hits := 0
	for range 2000 {
		buf := make([]byte, 512+rng.IntN(1024))
		for i := range buf {
			buf[i] = "-\x00abBMSmsWw"[rng.IntN(11)]
		}
		// Paste a prefix, or all, of the name in random case.
		n := rng.IntN(len(name) + 1)
		at := rng.IntN(len(buf) - n + 1)
		for k := range n {
			b := name[k]
			if 'a' <= b && b <= 'z' && rng.IntN(2) == 0 {
				b -= 'a' - 'A'
			}
			buf[at+k] = b
		}
		want := referenceMayHold(c, buf)
		if want {
			hits++
		}
		if !assert.Equal(t, want, c.mayHoldProvider(buf, make([]byte, len(buf)))) {
			break
		}
	}
	assert.Greater(t, hits, 20, "the random cases must include matches")
}

// containsExact must agree with bytes.Contains, anchor or none.
func TestContainsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	markers := [][]byte{utf16LEBytes("ConfiguredNames"), utf16LEBytes("Ab"), utf16LEBytes("1234"), []byte("g")}
	hits := 0
	for range 3000 {
		m := markers[rng.IntN(len(markers))]
		buf := make([]byte, rng.IntN(300))
		for i := range buf {
			buf[i] = "gC\x00oN1234Ab"[rng.IntN(11)]
		}
		if n := rng.IntN(len(m) + 1); len(buf) >= n && rng.IntN(2) == 0 {
			at := rng.IntN(len(buf) - n + 1)
			copy(buf[at:], m[:n]) // a prefix, or all, of the marker
		}
		want := bytes.Contains(buf, m)
		if want {
			hits++
		}
		if !assert.Equal(t, want, containsExact(buf, m), "%q in %q", m, buf) {
			break
		}
	}
	assert.Greater(t, hits, 100)
}
