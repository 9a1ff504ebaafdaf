package report

import (
	"runtime/debug"
	"strings"
)

// BuildVersion describes the running binary for Options.Meta.Version:
// its main module's path and version, the VCS revision it was built from
// (with "+modified" when the work tree had changes) and the Go version,
// from runtime/debug.ReadBuildInfo. What is not recorded is left out; a
// binary without build information gives "unknown".
func BuildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return buildVersion(info)
}

func buildVersion(info *debug.BuildInfo) string {
	var parts []string
	if m := info.Main; m.Path != "" {
		v := m.Version
		if v == "" {
			v = "(devel)"
		}
		parts = append(parts, m.Path+" "+v)
	}
	var rev string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if modified {
			rev += "+modified"
		}
		parts = append(parts, "revision "+rev)
	}
	if info.GoVersion != "" {
		parts = append(parts, info.GoVersion)
	}
	if len(parts) == 0 {
		return "unknown"
	}
	return strings.Join(parts, ", ")
}

// QuoteCommand joins a command line for Options.Meta.CommandLine so that a
// POSIX shell would split it back into args: an argument with anything but
// letters, digits and -_./:=,+@% is put in single quotes (a quote inside
// as '\”), an empty one is ”. Renderers escape what remains invisible
// (see Escape).
func QuoteCommand(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = quoteArg(a)
	}
	return strings.Join(out, " ")
}

func quoteArg(a string) string {
	if a == "" {
		return "''"
	}
	safe := true
	for _, r := range a {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,+@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}
