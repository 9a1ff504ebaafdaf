package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/evtxkit/smbreadiness/evtx"
	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

// securityOnlyLog writes a log of Security logons only: no SMB audit event.
func securityOnlyLog(t *testing.T) string {
	t.Helper()
	t0 := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	var evs []evtxwrite.Event
	for i := range 300 {
		evs = append(evs, evtxwrite.Event{System: evtx.System{Provider: "Microsoft-Windows-Security-Auditing", Channel: "Security",
			Computer: "FS09.corp.example", EventID: 4624, Version: 2, TimeCreated: t0.Add(time.Duration(i) * time.Minute)},
			Data: []evtxwrite.Data{{Name: "TargetUserName", Type: evtx.TypeString, Value: "alice"}}})
	}
	p := filepath.Join(t.TempDir(), "Security.evtx")
	require.NoError(t, evtxwrite.WriteFile(p, evs, evtxwrite.Options{}))
	return p
}

// flat joins the words of s with single spaces, so that a test does not
// depend on where the text form wraps its lines.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// A log without a single SMB audit event is no all-clear: every format
// opens with the notice, no headline counts "0 clients", and a gate exits 5.
func TestNoAuditEventsCannotVouch(t *testing.T) {
	log := securityOnlyLog(t)
	r := runCmd(t, "--fail-on", "any", log)
	assert.Equal(t, exitNoVouch, r.code, r.stderr)
	assert.True(t, strings.HasPrefix(r.stdout, "SMB hardening readiness report"), "the report is written before the gate")
	text := flat(r.stdout)
	assert.Contains(t, text, "NO EVIDENCE: No SMB audit events were found in 1 file read: this report says nothing about your clients.")
	assert.NotContains(t, text, "0 clients on 0 servers")
	assert.Contains(t, text, "CANNOT TELL: cannot tell what breaks if you enforce RequireSecuritySignature: no server "+
		"logged the signing audit (3021/3027); turn on AuditClientDoesNotSupportSigning.")
	for _, want := range []string{
		"--fail-on any: cannot vouch that no client breaks:",
		"RequireSecuritySignature: no server logged the signing audit (3021/3027) (turn on AuditClientDoesNotSupportSigning)",
		"SmbServerNameHardeningLevel=2: no server logged the SPN audit (3024/3025/3026) (turn on AuditClientSpnSupport)",
		"DisableSMB1: no server logged the SMB1 audit (3000) (turn on AuditSmb1Access)",
		"smbaudit: No SMB audit events were found in 1 file read",
	} {
		assert.Contains(t, r.stderr, want)
	}

	// Every format says so first.
	for _, f := range []string{"json", "csv", "md", "html"} {
		out := runCmd(t, "-q", "-f", f, log).stdout
		at := strings.Index(out, "No SMB audit events were found in 1 file read")
		require.GreaterOrEqual(t, at, 0, f)
		for _, later := range []string{"RequireSecuritySignature", "<table", "client,kind"} {
			if i := strings.Index(out, later); i >= 0 && f != "json" {
				assert.Less(t, at, i, "%s: the notice comes before %q", f, later)
			}
		}
	}
	var doc struct {
		Summary struct {
			Notice    string `json:"notice"`
			Headlines []struct {
				State string `json:"state"`
			} `json:"headlines"`
		} `json:"summary"`
	}
	require.NoError(t, json.Unmarshal([]byte(runCmd(t, "-q", "-f", "json", log).stdout), &doc))
	assert.NotEmpty(t, doc.Summary.Notice)
	require.Len(t, doc.Summary.Headlines, 5)
	for _, h := range doc.Summary.Headlines {
		assert.Equal(t, "cannot-tell", h.State)
	}

	ok := runCmd(t, "-q", "--fail-on", "any", "--allow-incomplete", log)
	assert.Equal(t, exitOK, ok.code)
	assert.Contains(t, ok.stderr, "warning: cannot vouch that no client breaks (--allow-incomplete: exit 0)")
}

// A filter that keeps nothing leaves nothing to vouch with.
func TestFilterMatchingNothingCannotVouch(t *testing.T) {
	for _, args := range [][]string{
		{"--server", "nosuch"},
		{"--since", "30d"}, // the fixtures are of October 2025
	} {
		r := runCmd(t, append(append([]string{"--fail-on", "signing"}, args...), fixtures)...)
		assert.Equal(t, exitNoVouch, r.code, "%v: %s", args, r.stderr)
		assert.Contains(t, flat(r.stdout), "No SMB audit events were found in 5 files read after the filters (", args)
		assert.Contains(t, r.stderr, "RequireSecuritySignature: no server logged the signing audit", args)
	}
}

// A damaged input makes an absence of breaks unvouched; a break still wins.
func TestDamagedInputCannotVouch(t *testing.T) {
	damaged, clean := fixture("audit-fs01-damaged.evtx"), fixture("audit-fs01.evtx")
	// 10.0.30.41 sent empty SPNs (3026): it breaks under level 2, not 1,
	// and the SPN audit was on.
	r := runCmd(t, "-q", "--fail-on", "spn1", "--client", "10.0.30.41", clean)
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, flat(r.stdout), "none seen: no client was seen to break if you enforce SmbServerNameHardeningLevel=1")

	r = runCmd(t, "-q", "--fail-on", "spn1", "--client", "10.0.30.41", damaged)
	assert.Equal(t, exitNoVouch, r.code, r.stderr)
	assert.Contains(t, r.stderr, "audit-fs01-damaged.evtx: 1 error and 1 damaged chunk: records may be lost")

	r = runCmd(t, "-q", "--fail-on", "spn1", "--client", "10.0.30.41", "--allow-incomplete", damaged)
	assert.Equal(t, exitOK, r.code, r.stderr)

	r = runCmd(t, "-q", "--fail-on", "spn2", "--client", "10.0.30.41", damaged)
	assert.Equal(t, exitFailOnHits, r.code, "a certain break takes precedence over exit 5: %s", r.stderr)
	assert.NotContains(t, r.stderr, "cannot vouch")
}

func TestVersionAndShortWindow(t *testing.T) {
	r := runCmd(t, "--version")
	assert.Equal(t, exitOK, r.code)
	assert.Regexp(t, `^smbaudit github.com/evtxkit/smbreadiness .*go1\.`, r.stdout)

	r = runCmd(t, "-q", "--short-window", "30d", fixtures)
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "short window: 30d\n")
	assert.Contains(t, flat(r.stdout), "FS01.corp.example: its Audit channel's records span 13d 23h, less than 30d")

	r = runCmd(t, "-q", "--short-window", "0", fixtures)
	assert.Contains(t, r.stdout, "short window: off\n")
	assert.NotContains(t, r.stdout, "records span")

	for _, bad := range []string{"2025-10-01", "soon", "-3d"} {
		r = runCmd(t, "--short-window", bad, fixtures)
		assert.Equal(t, exitUsage, r.code, bad)
		assert.Contains(t, r.stderr, "--short-window:", bad)
	}
}

// A client filter does not hide that a server's audit was on: a client
// not seen on it was not seen to break, and a partial keeps that.
func TestClientFilterKeepsAuditCoverage(t *testing.T) {
	clean := fixture("audit-fs01.evtx")
	r := runCmd(t, "-q", "--fail-on", "signing", "--client", "10.0.30.41", clean)
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, flat(r.stdout), "none seen: no client was seen to break if you enforce RequireSecuritySignature: "+
		"the signing audit (3021/3027) was logged by 1 server of 1 (FS01.corp.example)")
	r = runCmd(t, "-q", "--client", "10.9.9.9", clean)
	assert.NotContains(t, r.stdout, "No SMB audit events were found", "the audits were on; that client was not seen")
	assert.Contains(t, r.stdout, "none seen: ")

	partial := filepath.Join(t.TempDir(), "p.json")
	r = runCmd(t, "-q", "--client", "10.0.30.41", "--partial", partial, clean)
	require.Equal(t, exitOK, r.code, r.stderr)
	m := runCmd(t, "merge", "-q", "--fail-on", "signing", partial)
	assert.Equal(t, exitOK, m.code, "the merged partial still knows the signing audit was on: %s", m.stderr)
	assert.Contains(t, m.stdout, "filters: none\nfilters of the partials merged: client 10.0.30.41\n", "the shard's filter is stated")

	r = runCmd(t, "-q", "--fail-on", "signing", "--client", "10.0.30.41", "--server", "nosuch", clean)
	assert.Equal(t, exitNoVouch, r.code, "the server filter still counts: %s", r.stderr)
}

// Each input's SHA-256 is in the report, of the file's bytes; --no-hash
// leaves it out and changes nothing else.
func TestInputHashes(t *testing.T) {
	in := fixture("audit-fs01.evtx")
	b, err := os.ReadFile(in)
	require.NoError(t, err)
	want := sha256.Sum256(b)
	r := runCmd(t, "-q", "-f", "json", in)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"sha256": "`+hex.EncodeToString(want[:])+`"`)

	n := runCmd(t, "-q", "-f", "json", "--no-hash", in)
	require.Equal(t, exitOK, n.code, n.stderr)
	assert.True(t, strings.Contains(n.stdout, `"sha256": ""`), "no hash listed")
	assert.False(t, strings.Contains(n.stdout, hex.EncodeToString(want[:])), "no hash listed")
	assert.Equal(t, strings.Count(r.stdout, `"client":`), strings.Count(n.stdout, `"client":`))
}
