package main

import (
	"flag"
	"fmt"
	"strconv"

	"github.com/evtxkit/smbreadiness/evtx/evtxwrite"
)

// registerFlags defines the flags for the format version and the damage
// options on fs, storing into opts.
func registerFlags(fs *flag.FlagSet, opts *evtxwrite.Options) {
	fs.Func("minor", "format minor `version`: 1 (default) or 2", func(s string) error {
		v, err := strconv.ParseUint(s, 0, 16)
		if err != nil {
			return fmt.Errorf("%q is not a 16-bit unsigned integer", s)
		}
		opts.MinorVersion = uint16(v)
		return nil
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
