package report

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrSetting: the name is not one of Settings.
var ErrSetting = errors.New("report: unknown setting")

// settingAliases are the short names Setting.UnmarshalText accepts besides
// the setting names themselves (compared without case).
var settingAliases = map[string]Setting{
	"smb1":                          SettingDisableSMB1,
	"signing":                       SettingRequireSigning,
	"requiresecuritysignature=1":    SettingRequireSigning,
	"spn1":                          SettingSPNHardeningLvl1,
	"spn2":                          SettingSPNHardeningLvl2,
	"encryption":                    SettingRequireEncryption,
	"encryptdata":                   SettingRequireEncryption,
	"smbservernamehardeninglevel 1": SettingSPNHardeningLvl1,
	"smbservernamehardeninglevel 2": SettingSPNHardeningLvl2,
}

// String returns the setting's name, as Settings spell it.
func (s Setting) String() string { return string(s) }

// UnmarshalText reads a setting name as Settings spell it, without regard to
// case ("RequireSecuritySignature", "SmbServerNameHardeningLevel=2"), or one
// of the short names smb1, signing, spn1, spn2, encryption. An unknown name
// gives an error wrapping ErrSetting.
func (s *Setting) UnmarshalText(text []byte) error {
	v := strings.ToLower(strings.TrimSpace(string(text)))
	for _, st := range settings {
		if strings.ToLower(string(st)) == v {
			*s = st
			return nil
		}
	}
	if st, ok := settingAliases[v]; ok {
		*s = st
		return nil
	}
	return fmt.Errorf("%w: %q (want one of %v, or smb1, signing, spn1, spn2, encryption)", ErrSetting, text, settings)
}

// Breaking returns the IDs of the clients, sorted, that would certainly
// break under at least one of the settings (a certain verdict: Client.
// BreaksUnder). Clients that only possibly break (3027 evidence alone) are
// not included. With no settings it returns nil.
func (r *Report) Breaking(settings ...Setting) []string {
	if r == nil {
		return nil
	}
	var out []string
	for _, c := range r.Clients {
		for _, st := range c.BreaksUnder {
			if slices.Contains(settings, st) {
				out = append(out, c.ID)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}
