package evtxwrite

import "flag"

// RegisterFlags defines command-line flags for the format version and the
// damage options on fs, storing into opts (as examples/evtxgen uses them).
func RegisterFlags(fs *flag.FlagSet, opts *Options) {
	fs.Func("minor", "format minor `version`: 1 (default) or 2", func(s string) error {
		v, err := toUint(s, 16)
		opts.MinorVersion = uint16(v)
		return err
	})
	d := &opts.Damage
	fs.BoolVar(&d.DirtyHeader, "dirty-header", false, "damage: dirty header whose chunk count lags one chunk")
	fs.BoolVar(&d.TruncateLastChunk, "truncate", false, "damage: cut the file in the middle of its last chunk")
	fs.BoolVar(&d.BadHeaderCRC, "bad-header-crc", false, "damage: wrong file header CRC32")
	fs.BoolVar(&d.BadChunkHeaderCRC, "bad-chunk-crc", false, "damage: wrong CRC32 of chunk 0's header")
	fs.BoolVar(&d.BadRecordsCRC, "bad-records-crc", false, "damage: wrong CRC32 of chunk 0's records")
	fs.IntVar(&d.ZeroChunk, "zero-chunk", 0, "damage: zero chunk `N` (1-based)")
	fs.Uint64Var(&d.BadRecordMagic, "bad-magic", 0, "damage: break the magic of record `ID`")
	fs.Uint64Var(&d.CraftedArgCount, "crafted-args", 0, "damage: write record `ID` as an undefined template with 0xFFFFFFFF arguments")
}
