package cli

import "flag"

// ParseInterspersed parses the flags of args with fs wherever they stand:
// before, between or after the positional arguments, which it returns in
// order. "--" ends the flags: every argument after it is positional. The
// error is fs.Parse's.
func ParseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
