package report

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/evtxkit/smbreadiness/smbaudit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSettingUnmarshalText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Setting
	}{
		{"RequireSecuritySignature", SettingRequireSigning},
		{"requiresecuritysignature", SettingRequireSigning},
		{" signing ", SettingRequireSigning},
		{"RequireSecuritySignature=1", SettingRequireSigning},
		{"SmbServerNameHardeningLevel=1", SettingSPNHardeningLvl1},
		{"smbservernamehardeninglevel=2", SettingSPNHardeningLvl2},
		{"SmbServerNameHardeningLevel 2", SettingSPNHardeningLvl2},
		{"spn1", SettingSPNHardeningLvl1},
		{"SPN2", SettingSPNHardeningLvl2},
		{"DisableSMB1", SettingDisableSMB1},
		{"smb1", SettingDisableSMB1},
		{"EncryptData+RejectUnencryptedAccess", SettingRequireEncryption},
		{"Encryption", SettingRequireEncryption},
	} {
		var got Setting
		require.NoError(t, got.UnmarshalText([]byte(tc.in)), tc.in)
		assert.Equal(t, tc.want, got, tc.in)
		assert.Equal(t, string(tc.want), got.String())
	}
	for _, bad := range []string{"", "any", "SmbServerNameHardeningLevel=3", "sign"} {
		got := SettingRequireSigning
		err := got.UnmarshalText([]byte(bad))
		assert.True(t, errors.Is(err, ErrSetting), "%q: %v", bad, err)
		assert.ErrorContains(t, err, fmt.Sprintf("%q", bad))
		assert.Equal(t, SettingRequireSigning, got, "a refused name leaves the setting as it was")
	}
}

// Every setting reads back from its own String.
func TestSettingStringRoundTrip(t *testing.T) {
	for _, st := range Settings() {
		var got Setting
		require.NoError(t, got.UnmarshalText([]byte(st.String())))
		assert.Equal(t, st, got)
	}
}

func TestBreaking(t *testing.T) {
	at := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	f := func(kind smbaudit.Kind, id uint16, client string) smbaudit.Finding {
		return smbaudit.Finding{Kind: kind, EventID: id, Server: "fs01", Time: at, RecordID: uint64(len(client)) + uint64(id),
			Client: smbaudit.NormalizeClient(client)}
	}
	b := NewBuilder(Options{GeneratedAt: at})
	b.AddResult(&smbaudit.Result{Findings: []smbaudit.Finding{
		f(smbaudit.KindSigningUnsupported, 3021, "nas01"),
		f(smbaudit.KindSMB1SigningDisabled, 3027, "scan01"), // possibly only: never counts
		f(smbaudit.KindSPNUnrecognised, 3025, "app01"),
		f(smbaudit.KindSPNMissing, 3024, "10.0.0.7"),
		f(smbaudit.KindSMB1Access, 3000, "10.0.0.9"),
		f(smbaudit.KindEnforcementRejection, 551, "10.0.0.8"), // rejected today, no audit verdict
	}})
	r := b.Finish()
	for _, tc := range []struct {
		settings []Setting
		want     []string
	}{
		{nil, nil},
		{[]Setting{SettingRequireSigning}, []string{"nas01"}},
		{[]Setting{SettingSPNHardeningLvl1}, []string{"app01"}},
		{[]Setting{SettingSPNHardeningLvl2}, []string{"10.0.0.7", "app01"}},
		{[]Setting{SettingDisableSMB1}, []string{"10.0.0.9"}},
		{Settings(), []string{"10.0.0.7", "10.0.0.9", "app01", "nas01"}},
	} {
		t.Run(fmt.Sprint(tc.settings), func(t *testing.T) {
			assert.Equal(t, tc.want, r.Breaking(tc.settings...))
		})
	}
	var nilReport *Report
	assert.Nil(t, nilReport.Breaking(Settings()...))
}
