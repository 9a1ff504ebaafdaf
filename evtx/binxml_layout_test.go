package evtx

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProgramLayout checks, on every program compiled from the fixtures and
// the sample corpus, the shape that keeps the template cache small for the
// collector: operations copied to their exact number, the data
// substitutions' memos one block of the program (one each, in order), and
// a fast form whose entries point at the operation they name.
func TestProgramLayout(t *testing.T) {
	assert.Equal(t, uintptr(88), unsafe.Sizeof(bxOp{}), "bxOp grew")

	seen := map[*bxProgram]bool{}
	check := func(prog *bxProgram, at string) {
		if prog == nil || seen[prog] {
			return
		}
		seen[prog] = true
		assert.Equal(t, len(prog.ops), cap(prog.ops), "%s: operations not at their exact number", at)
		k := 0
		for i := range prog.ops {
			op := &prog.ops[i]
			if op.sink&sinkData == 0 {
				assert.Nil(t, op.memo, "%s: operation %d", at, i)
				continue
			}
			if assert.Less(t, k, len(prog.memos), "%s: operation %d has no memo of the block", at, i) {
				assert.Same(t, &prog.memos[k], op.memo, "%s: operation %d", at, i)
			}
			k++
		}
		assert.Equal(t, len(prog.memos), k, "%s: memos", at)
		for i, f := range prog.fast {
			require.Less(t, int(f.slow), len(prog.ops), "%s: fast %d", at, i)
			op := &prog.ops[f.slow]
			if f.op != nil {
				assert.Same(t, op, f.op, "%s: fast %d", at, i)
			}
			switch {
			case f.op == nil:
			case f.elem:
				assert.Equal(t, opSubst, op.kind, "%s: fast %d", at, i)
				assert.True(t, op.optional, "%s: fast %d", at, i)
			default:
				assert.False(t, op.skip == nil && (op.kind == opElement || op.kind == opAttr || op.kind == opNode),
					"%s: fast %d: an operation the fast form leaves out", at, i)
			}
		}
	}
	for _, path := range bxCorpus(t) {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		name := filepath.Base(path)
		eachChunk(b, func(base int, chunk []byte, free int) {
			d := newChunkInspector(chunk)
			eachRecord(chunk, free, func(off, size int) { _, _ = d.inspect(off, size) })
			at := fmt.Sprintf("%s, chunk at %d", name, base)
			for _, tmpl := range d.templates {
				for _, pp := range append(tmpl.progs, entryProgs(tmpl)...) {
					check(pp.prog, at)
				}
			}
		})
	}
	assert.NotEmpty(t, seen, "no template was compiled")
}
