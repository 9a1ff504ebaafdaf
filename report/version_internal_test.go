package report

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBuildVersion(t *testing.T) {
	for _, tc := range []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"release", debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/evtxkit/smbreadiness", Version: "v1.2.3"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "false"}}},
			"github.com/evtxkit/smbreadiness v1.2.3, revision 0123456789ab, go1.26.0"},
		{"modified tree", debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "m"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}},
			"m (devel), revision abc+modified, go1.26.0"},
		{"nothing recorded", debug.BuildInfo{}, "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, buildVersion(&tc.info))
		})
	}
	assert.NotEmpty(t, BuildVersion())
}

func TestQuoteCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"smbaudit", "--fail-on", "signing", "logs/"}, "smbaudit --fail-on signing logs/"},
		{[]string{"smbaudit", "--server", "fs01 fs02", ""}, "smbaudit --server 'fs01 fs02' ''"},
		{[]string{"it's", `C:\logs`, "$(rm)"}, `'it'\''s' 'C:\logs' '$(rm)'`},
	} {
		assert.Equal(t, tc.want, QuoteCommand(tc.args))
	}
}
